"""Use policytext's tokenizer in a scikit-learn document-term matrix.

Run from the repository root: python examples/tokenizer_sklearn.py
"""

from pathlib import Path

from sklearn.feature_extraction.text import CountVectorizer

import policytext as pt

corpus = pt.read_corpus(Path(__file__).resolve().parents[1] / "corpora" / "demo")
texts = [pt.normalize_text(d.text) for d in corpus]

# a private jieba instance with the lexicon's terms injected; stopwords and punctuation dropped
lexicon = pt.load_lexicon()
tokenizer = pt.Tokenizer(words=[t.term for t in lexicon.terms if not t.is_glob], min_length=2)
vectorizer = CountVectorizer(tokenizer=tokenizer, token_pattern=None, lowercase=False, min_df=2)
X = vectorizer.fit_transform(texts)

totals = X.sum(axis=0).A1
vocab = vectorizer.get_feature_names_out()
top = sorted(zip(totals, vocab), reverse=True)[:10]
print(f"{X.shape[0]} documents x {X.shape[1]} terms")
print("most frequent:", ", ".join(f"{w}({n})" for n, w in top))
