"""Semantic scaling: place documents on the fine-grained <-> crude (精细化 <-> 粗放) dimension from seed words.

A latent-semantic-scaling model in the manner of Watanabe (2021, "Latent Semantic Scaling", *Communication
Methods and Measures* 15(2); R package LSX, ``textmodel_lss``):

1. **Word vectors by SVD of a sentence-term matrix.** Each sentence of the corpus is a row (split at
   ``。！？；`` and line breaks, tokenized as for topic models, lexicon terms kept whole; words in fewer than
   ``min_count`` sentences dropped); the raw counts are factorised by truncated SVD with ``n_components``
   dimensions (300 as in LSX, fewer when the matrix is smaller), and a word's vector is its row of the right
   singular vectors ``V`` (as in LSX), normalised to length 1.
2. **Word polarity** = mean cosine similarity to the positive seeds minus mean cosine similarity to the
   negative seeds (each pole weighs the same, whatever its number of seeds).
3. **Document score** = frequency-weighted mean polarity of the document's words (words in the vocabulary,
   counted over its sentences): ``raw = Σ_w f_dw p_w / Σ_w f_dw``; ``scale_score`` is ``raw`` standardised over
   the scored documents, ``(raw - mean) / sd`` (sample sd). A document with no word in the vocabulary has no
   score (NaN).

Default seeds: the lexicon's terms of polarity +1 (positive) against its ``crude`` (polarity -1) terms; glob
seeds are expanded over the vocabulary; seeds that are not in the vocabulary are listed, not used.

Why SVD rather than word2vec here: it is what LSX does on a document-feature matrix; it is exactly
reproducible (the randomized SVD is seeded and single-pass deterministic, with no dependence on thread
scheduling); and it is usable on a few dozen documents, where word2vec vectors are mostly noise. Word2vec is
used for lexicon expansion (:mod:`policytext.expansion`), where only near neighbours matter.

:meth:`LatentSemanticScaling.seed_check` is the per-seed check: each seed's frequency, its own polarity and
its nearest words. A seed whose neighbours are off-theme pulls the dimension off-theme; drop it.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

import numpy as np
from sklearn.base import BaseEstimator

from .corpus import Corpus, Document
from .errors import ConfigError
from .lexicon import Lexicon, load_lexicon

if TYPE_CHECKING:
    import pandas as pd

    from .dtm import DocumentTermMatrix
    from .tokenize import Tokenizer

__all__ = ["LatentSemanticScaling", "ScalingResult", "lexicon_poles", "scale_corpus", "sentence_dtm"]


def lexicon_poles(lexicon: Lexicon) -> dict[str, int]:
    """Seed words from a lexicon: terms of categories with polarity +1 -> +1, with polarity -1 -> -1.

    >>> lexicon_poles(Lexicon.from_dict({"fine": ["精细化"], "crude": ["粗放"]}, polarity={"crude": -1}))
    {'精细化': 1, '粗放': -1}
    """
    out: dict[str, int] = {}
    for t in lexicon.terms:
        pole = 1 if lexicon.category(t.category).polarity > 0 else -1
        if out.get(t.term, pole) != pole:
            raise ConfigError(f"seed word {t.term!r} is in both poles")
        out[t.term] = pole
    return out


def sentence_dtm(corpus: Corpus | Iterable[Document], tokenizer: "Tokenizer", *, t2s: bool = True, min_count: int = 5,
                 progress=None) -> "DocumentTermMatrix":
    """A :class:`~policytext.dtm.DocumentTermMatrix` with one row per sentence (``row_doc`` maps rows to
    documents); words in fewer than ``min_count`` sentences are dropped."""
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    from .dtm import DocumentTermMatrix
    from .errors import EmptyVocabularyError
    from .embedding import corpus_sentences

    sents = corpus_sentences(corpus, tokenizer, t2s=t2s, progress=progress)
    if not sents.tokens:
        raise EmptyVocabularyError(f"none of the {len(sents.doc_ids)} documents has a countable word")
    cv = CountVectorizer(analyzer=lambda words: words, min_df=min_count)
    try:
        X = cv.fit_transform(sents.tokens)
    except ValueError:
        raise EmptyVocabularyError(f"no word occurs in {min_count} sentences or more ({len(sents.tokens)} sentences "
                                   f"of {len(sents.doc_ids)} documents); lower min_count") from None
    X = sparse.csr_matrix(X, dtype=np.int64)
    return DocumentTermMatrix(X=X, vocabulary=cv.get_feature_names_out().tolist(), doc_ids=sents.doc_ids,
                              meta=sents.meta, row_doc=np.asarray(sents.doc_index, dtype=np.int64),
                              row_tokens=np.asarray(X.sum(axis=1)).ravel().astype(float), unit="sentence",
                              settings={"unit": "sentence", "min_df": min_count, "t2s": t2s})


class LatentSemanticScaling(BaseEstimator):
    """Latent semantic scaling (module docstring), a scikit-learn estimator (``clone``, ``get_params``,
    ``set_params``).

    ``fit`` learns ``vocabulary_``, ``word_vectors_`` (unit length), ``polarity_`` (one per vocabulary word),
    ``seeds_used_`` and ``seeds_missing_``; ``transform`` gives each document's raw score.

    Parameters
    ----------
    seeds : mapping of str to int
        Seed words (globs allowed) and their pole, +1 or -1.
    n_components : int
        SVD dimensions (fewer if the matrix is smaller).
    random_state : int
        Seed of the randomized SVD.
    n_iter : int
        Power iterations of the randomized SVD.
    """

    def __init__(self, seeds: Mapping[str, int], *, n_components: int = 300, random_state: int = 0,
                 n_iter: int = 7):
        self.seeds = seeds
        self.n_components = n_components
        self.random_state = random_state
        self.n_iter = n_iter

    def fit(self, X: "DocumentTermMatrix", y=None) -> "LatentSemanticScaling":
        """Learn word vectors from the sentence-term matrix and each word's polarity; returns the model.

        Parameters
        ----------
        X : DocumentTermMatrix
            Sentence rows (:func:`sentence_dtm`).
        y : None
            Ignored; present for scikit-learn's API.
        """
        from sklearn.decomposition import TruncatedSVD

        dtm = X
        X = dtm.X.astype(np.float64)
        k = min(int(self.n_components), min(X.shape) - 1)
        if k < 1:
            raise ConfigError(f"the matrix ({X.shape[0]} sentences x {X.shape[1]} words) is too small for an SVD")
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=self.n_iter, random_state=self.random_state)
        svd.fit(X)
        V = svd.components_.T.copy()
        norms = np.linalg.norm(V, axis=1)
        norms[norms == 0] = 1.0
        self.word_vectors_ = V / norms[:, None]
        self.vocabulary_ = list(dtm.vocabulary)
        self.n_components_ = k
        self.frequency_ = np.asarray(dtm.X.sum(axis=0)).ravel()
        index = {w: j for j, w in enumerate(self.vocabulary_)}
        used: dict[str, int] = {}
        missing: list[str] = []
        for word, pole in self.seeds.items():
            pole = int(np.sign(pole))
            if pole == 0:
                continue
            if any(ch in word for ch in "*?["):
                matched = [w for w in self.vocabulary_ if fnmatch.fnmatchcase(w, word)]
                for w in matched:
                    used.setdefault(w, pole)
                if not matched:
                    missing.append(word)
            elif word in index:
                used[word] = pole
            else:
                missing.append(word)
        pos = [index[w] for w, p in used.items() if p > 0]
        neg = [index[w] for w, p in used.items() if p < 0]
        if not pos or not neg:
            pole = "positive" if not pos else "negative"
            raise ConfigError(f"no {pole} seed word occurs in the vocabulary ({len(self.vocabulary_)} words seen in "
                              f"enough sentences); {len(missing)} seeds missing, e.g. {', '.join(missing[:5]) or '-'}; "
                              "use a larger corpus, lower min_count or other seeds")
        W = self.word_vectors_
        self.polarity_ = (W @ W[pos].T).mean(axis=1) - (W @ W[neg].T).mean(axis=1)
        self.seeds_used_ = used
        self.seeds_missing_ = missing
        return self

    def transform(self, X: "DocumentTermMatrix") -> np.ndarray:
        """Raw document scores (one per document of ``X``; NaN for a document with no vocabulary word).

        Parameters
        ----------
        X : DocumentTermMatrix
            Sentence rows over the fitted vocabulary.
        """
        from scipy import sparse
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "polarity_")
        dtm = X
        if list(dtm.vocabulary) != self.vocabulary_:
            raise ConfigError("the matrix does not use the model's vocabulary")
        n_rows = dtm.X.shape[0]
        agg = sparse.csr_matrix((np.ones(n_rows), (dtm.row_doc, np.arange(n_rows))), shape=(dtm.n_documents, n_rows))
        D = agg @ dtm.X.astype(np.float64)
        total = np.asarray(D.sum(axis=1)).ravel()
        weighted = D @ self.polarity_
        out = np.full(dtm.n_documents, np.nan)
        ok = total > 0
        out[ok] = np.asarray(weighted).ravel()[ok] / total[ok]
        return out

    def word_table(self) -> "pd.DataFrame":
        """``word, frequency, polarity, seed`` for every vocabulary word, most positive first."""
        import pandas as pd

        df = pd.DataFrame({"word": self.vocabulary_, "frequency": self.frequency_.astype(int),
                           "polarity": self.polarity_, "seed": [self.seeds_used_.get(w, 0) for w in self.vocabulary_]})
        return df.sort_values(["polarity", "word"], ascending=[False, True], kind="stable").reset_index(drop=True)

    def seed_check(self, n_neighbors: int = 10) -> "pd.DataFrame":
        """One row per seed: ``seed, pole, in_vocabulary, frequency, polarity, nearest`` (its ``n_neighbors``
        most similar words, ``word:cosine``); seeds not in the vocabulary are listed with empty values."""
        import pandas as pd

        index = {w: j for j, w in enumerate(self.vocabulary_)}
        W = self.word_vectors_
        rows = []
        for word, pole in sorted(self.seeds_used_.items(), key=lambda kv: (-kv[1], kv[0])):
            j = index[word]
            sims = W @ W[j]
            sims[j] = -np.inf
            order = np.argsort(-sims, kind="stable")[:n_neighbors]
            rows.append({"seed": word, "pole": pole, "in_vocabulary": True, "frequency": int(self.frequency_[j]),
                         "polarity": float(self.polarity_[j]),
                         "nearest": "; ".join(f"{self.vocabulary_[i]}:{sims[i]:.2f}" for i in order)})
        for word in self.seeds_missing_:
            rows.append({"seed": word, "pole": int(np.sign(self.seeds[word])), "in_vocabulary": False, "frequency": 0,
                         "polarity": np.nan, "nearest": ""})
        return pd.DataFrame(rows, columns=["seed", "pole", "in_vocabulary", "frequency", "polarity", "nearest"])


@dataclass
class ScalingResult:
    """``documents`` (doc_id, metadata, ``scale_score``, ``scale_raw``, ``n_scored_tokens``), the word table,
    the seed check, the fitted model, its matrix and settings."""

    documents: "pd.DataFrame"
    words: "pd.DataFrame"
    seed_check: "pd.DataFrame"
    model: LatentSemanticScaling
    dtm: "DocumentTermMatrix"
    settings: dict


def scale_corpus(corpus: Corpus | Iterable[Document], *, seeds: Mapping[str, int] | Lexicon | None = None,
                 lexicon: Lexicon | None = None, tokenizer: "Tokenizer | None" = None, engine: str = "auto",
                 t2s: bool = True, n_components: int = 300, min_count: int = 5, random_state: int = 0,
                 n_neighbors: int = 10, reference: Corpus | Iterable[Document] = (), progress=None) -> ScalingResult:
    """Fit latent semantic scaling on ``corpus`` and score its documents (module docstring).

    ``seeds``: a mapping word -> +1/-1 or a :class:`Lexicon` (polarity decides the pole); default: the poles of
    ``lexicon`` (default: the fine-grained-governance lexicon). ``tokenizer`` defaults to the topic models'
    tokenizer with the lexicon's terms and the seed words injected. ``reference`` documents add their sentences
    to the matrix the word vectors are learned from, but are not scored (nor used to standardise): use them when
    ``corpus`` alone is too small or lacks one pole's vocabulary (LSX likewise fits on a large corpus and
    predicts a smaller one).
    """
    from scipy import sparse

    from .dtm import topic_tokenizer
    from .tokenize import Tokenizer

    lexicon = lexicon if lexicon is not None else load_lexicon()
    if seeds is None:
        seeds = lexicon_poles(lexicon)
    elif isinstance(seeds, Lexicon):
        seeds = lexicon_poles(seeds)
    seeds = {str(w): int(p) for w, p in dict(seeds).items()}
    docs = corpus.documents if isinstance(corpus, Corpus) else list(corpus)
    if not docs:
        raise ConfigError("the corpus has no documents to scale")
    extra = reference.documents if isinstance(reference, Corpus) else list(reference)
    n_docs = len(docs)
    if tokenizer is None:
        base = topic_tokenizer(lexicon, engine=engine)
        words = list(base.words) + [w for w in seeds if not any(ch in w for ch in "*?[") and w not in base.words]
        tokenizer = Tokenizer(engine=engine, words=words, min_length=base.min_length)
    dtm = sentence_dtm(docs + extra, tokenizer, t2s=t2s, min_count=min_count, progress=progress)
    model = LatentSemanticScaling(seeds, n_components=n_components, random_state=random_state).fit(dtm)
    raw = model.transform(dtm)[:n_docs]
    ok = ~np.isnan(raw)
    score = np.full_like(raw, np.nan)
    if ok.sum() >= 2:
        sd = raw[ok].std(ddof=1)
        score[ok] = (raw[ok] - raw[ok].mean()) / sd if sd > 0 else 0.0
    elif ok.sum() == 1:
        score[ok] = 0.0
    n_rows = dtm.X.shape[0]
    agg = sparse.csr_matrix((np.ones(n_rows), (dtm.row_doc, np.arange(n_rows))), shape=(dtm.n_documents, n_rows))
    documents = Corpus([Document(d.doc_id, "", dict(d.meta)) for d in docs]).metadata_frame()
    documents["scale_score"] = score
    documents["scale_raw"] = raw
    documents["n_scored_tokens"] = np.asarray((agg @ dtm.X).sum(axis=1)).ravel()[:n_docs].astype(int)
    n_pos = sum(1 for p in model.seeds_used_.values() if p > 0)
    settings = {"method": "latent semantic scaling (SVD of the sentence-term matrix)", "n_components": model.n_components_,
                "min_count": min_count, "random_state": random_state, "n_documents": n_docs,
                "n_reference_documents": len(extra),
                "n_sentences": int(n_rows), "vocabulary_size": len(dtm.vocabulary),
                "seeds_positive": n_pos, "seeds_negative": len(model.seeds_used_) - n_pos,
                "seeds_missing": len(model.seeds_missing_), "t2s": t2s, "tokenizer": tokenizer.config,
                "lexicon": {"name": lexicon.name, "version": lexicon.version, "sha256": lexicon.hash}}
    return ScalingResult(documents, model.word_table(), model.seed_check(n_neighbors), model, dtm, settings)
