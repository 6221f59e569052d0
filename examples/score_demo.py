"""Score the demo corpus and compare documents, years and regions.

Run from the repository root: python examples/score_demo.py
"""

from pathlib import Path

import policytext as pt

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"

corpus = pt.read_corpus(DEMO)  # metadata.csv at the folder root is joined by doc_id
result = pt.Scorer().score(corpus)  # default lexicon: fine-grained governance
scores = result.scores

print(f"{len(scores)} documents scored, {len(result.errors)} not scored")
print("\nHighest and lowest index (weighted hits per 10,000 characters, contrast pole subtracted):")
ranked = scores.sort_values("index", ascending=False)[["doc_id", "region", "year", "index", "top_terms"]]
print(ranked.head(3).to_string(index=False))
print(ranked.tail(3).to_string(index=False))

print("\nMean index by the author's intended level:")
print(scores.groupby("intended_level")["index"].mean().round(1).sort_values().to_string())

print("\nEvidence for the top document:")
top = ranked.iloc[0]["doc_id"]
print(result.hits[result.hits.doc_id == top][["term", "category", "left", "right"]].head(5).to_string(index=False))
