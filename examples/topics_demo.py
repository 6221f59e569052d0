"""Fit a lexicon-seeded topic model on the demo corpus and see which documents lean on governance topics.

Run from the repository root: python examples/topics_demo.py
"""

import warnings
from pathlib import Path

import policytext as pt
from policytext.topics import SeedWarning, TopicOptions, fit_topics

corpus = pt.read_corpus(Path(__file__).resolve().parents[1] / "corpora" / "demo")

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SeedWarning)  # the demo corpus is small: many seed words are rare in it
    result = fit_topics(corpus, k=9, options=TopicOptions(model="seeded"), random_state=0)

print("Topics (seeded ones are named after their lexicon dimension):")
for t in result.topics.itertuples():
    words = " ".join(w.split(":")[0] for w in t.top_terms.split("; ")[:6])
    print(f"  {t.topic_id} {t.label:<18} governance={t.governance!s:<5} NPMI={t.coherence:+.2f}  {words}")

docs = result.documents.sort_values("governance_share", ascending=False)
print("\nShare in the fine-grained-governance topics, highest and lowest:")
print(docs[["doc_id", "intended_level", "governance_share"]].head(3).to_string(index=False))
print(docs[["doc_id", "intended_level", "governance_share"]].tail(3).to_string(index=False))
