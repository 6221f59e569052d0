"""The document-term matrix that every topic model uses.

:func:`build_dtm` normalises and tokenizes exactly as scoring does (:func:`policytext.normalize_text`,
:class:`policytext.Tokenizer`), then counts tokens:

* the lexicon's terms are injected into the tokenizer, so 无缝对接 or 网格化管理 are one vocabulary item each,
  whichever way jieba would have split them;
* stopwords (the shipped list), punctuation, tokens shorter than ``min_length`` characters (default 2) and
  numbers (``2025``, ``3.5%``, ``第三``-style ordinals are kept as words) are dropped;
* ``min_df`` / ``max_df`` prune rare and ubiquitous words as in scikit-learn (an int is a document count, a
  float a share of documents); ``ngram_range=(1, 2)`` adds pairs of neighbouring tokens joined by ``_``.

Units: with ``unit="document"`` each row is a document. With ``unit="paragraph"`` each row is a paragraph of
at least ``min_paragraph_chars`` characters (shorter lines are merged into the next one), and
:meth:`DocumentTermMatrix.document_shares` averages paragraph rows back to documents weighted by their token
counts. Topic models separate themes better on paragraphs, which are closer to one theme each (see
``docs/topics.md``).

>>> from policytext import Corpus
>>> dtm = build_dtm(Corpus.from_texts(["社区绿化和社区自治", "乡村绿化和乡村服务"]), min_df=1)
>>> dtm.vocabulary, dtm.X.toarray().tolist()  # 绿化 is in every document: max_df=0.5 prunes it
(['乡村', '服务', '社区', '自治'], [[0, 0, 2, 1], [2, 1, 0, 0]])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

import numpy as np

from sklearn.base import BaseEstimator, TransformerMixin

from .corpus import Corpus, Document
from .errors import ConfigError, EmptyVocabularyError
from .lexicon import Lexicon, load_lexicon
from .normalize import normalize_text
from .tokenize import Tokenizer

if TYPE_CHECKING:
    import pandas as pd
    from scipy import sparse

__all__ = ["DocumentTermMatrix", "DocumentTokenizer", "EmptyVocabularyError", "as_dtm", "build_dtm", "countable_words",
           "normalised_pieces", "pretokenized", "TopicEstimator", "topic_tokenizer"]

_NUMBER = re.compile(r"[\d.,%％]+|[\d.]+[万亿千百]?")


@dataclass
class DocumentTermMatrix:
    """Counts (``X``, sparse, rows x vocabulary), the ``vocabulary``, and which document each row belongs to.

    ``doc_ids`` and ``meta`` list the documents (in corpus order); ``row_doc`` maps each row to its document's
    position, ``row_tokens`` is each row's number of counted tokens.
    """

    X: "sparse.csr_matrix"
    vocabulary: list[str]
    doc_ids: list[str]
    meta: list[dict]
    row_doc: np.ndarray
    row_tokens: np.ndarray
    unit: str = "document"
    settings: dict = field(default_factory=dict)

    @property
    def n_documents(self) -> int:
        return len(self.doc_ids)

    def document_shares(self, row_shares: np.ndarray) -> np.ndarray:
        """Average row-level topic shares to documents, weighting each row by its token count."""
        n, k = self.n_documents, row_shares.shape[1]
        out = np.zeros((n, k))
        weight = np.zeros(n)
        np.add.at(out, self.row_doc, row_shares * self.row_tokens[:, None])
        np.add.at(weight, self.row_doc, self.row_tokens)
        empty = weight == 0
        out[~empty] /= weight[~empty, None]
        out[empty] = 1.0 / k
        return out

    def texts(self) -> list[list[str]]:
        """Each row as a list of vocabulary words (repeated by count), e.g. for gensim."""
        vocab = self.vocabulary
        X = self.X.tocsr()
        return [[vocab[j] for j, c in zip(X.indices[X.indptr[i]:X.indptr[i + 1]], X.data[X.indptr[i]:X.indptr[i + 1]])
                 for _ in range(int(c))] for i in range(X.shape[0])]

    def metadata_frame(self) -> "pd.DataFrame":
        import pandas as pd

        return Corpus([Document(d, "", m) for d, m in zip(self.doc_ids, self.meta)]).metadata_frame() \
            if self.doc_ids else pd.DataFrame(columns=["doc_id"])


def topic_tokenizer(lexicon: Lexicon | None = None, *, engine: str = "auto", hmm: bool = True,
                    min_length: int = 2) -> Tokenizer:
    """The tokenizer topic models use: lexicon terms injected, shipped stopwords, words of ``min_length``+."""
    lexicon = lexicon if lexicon is not None else load_lexicon()
    words = [t.term for t in lexicon.terms if not t.is_glob]
    return Tokenizer(engine=engine, hmm=hmm, words=words, min_length=min_length)


def _paragraphs(text: str, min_chars: int) -> list[str]:
    out, buf = [], ""
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        buf = f"{buf}\n{line}" if buf else line
        if len(buf) >= min_chars:
            out.append(buf)
            buf = ""
    if buf:
        if out:
            out[-1] = f"{out[-1]}\n{buf}"
        else:
            out.append(buf)
    return out


def countable_words(tokens: Iterable[str], ngram_range: tuple[int, int] = (1, 1)) -> list[str]:
    """The tokens a topic model counts: numbers dropped, then n-grams of the rest joined by ``_``.

    Parameters
    ----------
    tokens : iterable of str
        A tokenizer's output (stopwords, punctuation and short tokens already dropped by it).
    ngram_range : tuple of int
        ``(1, 1)``: single words; ``(1, 2)``: words and pairs of neighbouring words.

    >>> countable_words(["2025", "社区", "治理", "第三"], (1, 2))
    ['社区', '治理', '第三', '社区_治理', '治理_第三']
    """
    words = [t for t in tokens if not _NUMBER.fullmatch(t)]
    lo, hi = ngram_range
    out = words if lo == 1 else []
    for n in range(max(2, lo), hi + 1):
        out = out + ["_".join(words[i:i + n]) for i in range(len(words) - n + 1)]
    return out


def normalised_pieces(docs: list[Document], split, *, t2s: bool = True, progress=None):
    """Yield ``(position, piece)`` for the pieces ``split(normalised text)`` of each document, in order.

    Parameters
    ----------
    docs : list of Document
        The documents.
    split : callable
        Normalised text -> list of pieces (paragraphs, sentences, or the whole text).
    t2s : bool
        Convert traditional characters to simplified (:func:`policytext.normalize_text`).
    progress : tqdm-like, optional
        Its ``total`` is set to the number of documents and it advances by one per document.
    """
    if progress is not None:
        progress.total = len(docs)
    for i, doc in enumerate(docs):
        for piece in split(normalize_text(doc.text, t2s=t2s)):
            yield i, piece
        if progress is not None:
            progress.update(1)


def build_dtm(corpus: Corpus | Iterable[Document], *, tokenizer: Tokenizer | None = None,
              lexicon: Lexicon | None = None, t2s: bool = True, unit: str = "document",
              min_paragraph_chars: int = 40, min_df: int | float = 2, max_df: int | float = 0.5,
              ngram_range: tuple[int, int] = (1, 1), vocabulary: list[str] | None = None,
              progress=None) -> DocumentTermMatrix:
    """Build the document-term matrix of ``corpus`` (see the module docstring).

    ``vocabulary`` fixes the columns (for applying a saved model to new documents); pruning is then skipped.
    Raises :class:`EmptyVocabularyError` when no document has words or pruning removes every word.
    """
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    if unit not in ("document", "paragraph"):
        raise ConfigError(f"unit must be 'document' or 'paragraph', got {unit!r}")
    tokenizer = tokenizer if tokenizer is not None else topic_tokenizer(lexicon)
    docs = corpus.documents if isinstance(corpus, Corpus) else list(corpus)
    rows: list[list[str]] = []
    row_doc: list[int] = []
    split = (lambda text: _paragraphs(text, min_paragraph_chars)) if unit == "paragraph" else (lambda text: [text])
    for i, piece in normalised_pieces(docs, split, t2s=t2s, progress=progress):
        rows.append(countable_words(tokenizer(piece), ngram_range))
        row_doc.append(i)
    n_docs = len(docs)
    if not any(rows):
        raise EmptyVocabularyError(f"none of the {n_docs} documents has a countable word after removing "
                                   "stopwords, punctuation, numbers and single characters")
    settings = {"unit": unit, "min_df": min_df, "max_df": max_df, "ngram_range": list(ngram_range),
                "min_paragraph_chars": min_paragraph_chars, "t2s": t2s, "min_length": tokenizer.min_length}
    if vocabulary is not None:
        cv = CountVectorizer(analyzer=lambda words: words, vocabulary=list(vocabulary))
    else:
        cv = CountVectorizer(analyzer=lambda words: words, min_df=min_df, max_df=max_df)
    try:
        X = cv.fit_transform(rows) if vocabulary is None else cv.transform(rows)
    except ValueError as exc:  # sklearn: "After pruning, no terms remain"
        n_rows = len(rows)
        raise EmptyVocabularyError(
            f"pruning left no words: min_df={min_df}, max_df={max_df} over {n_rows} {unit}s of {n_docs} documents "
            f"({len(set(w for r in rows for w in r))} distinct words before pruning); lower --min-df or raise --max-df"
        ) from exc
    vocab = cv.get_feature_names_out().tolist() if vocabulary is None else list(vocabulary)
    X = sparse.csr_matrix(X, dtype=np.int64)
    return DocumentTermMatrix(X=X, vocabulary=vocab, doc_ids=[d.doc_id for d in docs], meta=[dict(d.meta) for d in docs],
                              row_doc=np.asarray(row_doc, dtype=np.int64),
                              row_tokens=np.asarray(X.sum(axis=1)).ravel().astype(float), unit=unit, settings=settings)


def as_dtm(X, vocabulary: Iterable[str] | None = None) -> DocumentTermMatrix:
    """``X`` as a :class:`DocumentTermMatrix`: returned as it is if it is one, else a plain count matrix (sparse or
    dense, rows are documents, e.g. from ``CountVectorizer``) wrapped with one document per row.

    Parameters
    ----------
    X : DocumentTermMatrix or array-like of shape (n_documents, n_words)
        The counts.
    vocabulary : iterable of str, optional
        The words of the columns of a plain matrix; default ``w0``, ``w1``, ... Ignored for a
        ``DocumentTermMatrix``.

    >>> as_dtm([[1, 0], [2, 3]], ["社区", "治理"]).row_tokens.tolist()
    [1.0, 5.0]
    """
    from scipy import sparse

    if isinstance(X, DocumentTermMatrix):
        return X
    X = sparse.csr_matrix(X)
    if X.ndim != 2 or (X.nnz and X.data.min() < 0):
        raise ConfigError(f"a topic model needs a documents x words matrix of counts, got shape {X.shape}")
    words = [f"w{j}" for j in range(X.shape[1])] if vocabulary is None else list(vocabulary)
    if len(words) != X.shape[1]:
        raise ConfigError(f"the matrix has {X.shape[1]} columns but the vocabulary {len(words)} words")
    n = X.shape[0]
    return DocumentTermMatrix(X=X, vocabulary=words, doc_ids=[str(i) for i in range(n)], meta=[{} for _ in range(n)],
                              row_doc=np.arange(n, dtype=np.int64),
                              row_tokens=np.asarray(X.sum(axis=1)).ravel().astype(float))


class TopicEstimator(BaseEstimator, TransformerMixin):
    """What every topic model shares: fitted input checked against the fitted vocabulary, and top words.

    Subclasses set ``components_`` (topics x words) and ``vocabulary_`` in ``fit``.
    """

    def _fitted_input(self, X) -> DocumentTermMatrix:
        """``X`` as a matrix over the fitted vocabulary (raises ``NotFittedError`` before fit)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "components_")
        dtm = as_dtm(X, self.vocabulary_)
        if list(dtm.vocabulary) != self.vocabulary_:
            raise ConfigError("the document-term matrix does not use the model's vocabulary; build it with "
                              "build_dtm(..., vocabulary=model.vocabulary_)")
        return dtm

    def top_terms(self, k: int, n: int = 20) -> list[tuple[str, float]]:
        """The ``n`` most probable words of topic ``k`` with their probabilities, most probable first.

        Parameters
        ----------
        k : int
            The topic.
        n : int
            How many words.
        """
        order = np.argsort(-self.components_[k], kind="stable")[:n]
        return [(self.vocabulary_[j], float(self.components_[k, j])) for j in order]


def pretokenized(tokens: list[str]) -> list[str]:
    """The identity: an ``analyzer`` for ``CountVectorizer`` whose input is already a list of tokens per
    document (:class:`DocumentTokenizer`'s output).

    Parameters
    ----------
    tokens : list of str
        One document's tokens.
    """
    return tokens


class DocumentTokenizer(BaseEstimator, TransformerMixin):
    """A scikit-learn transformer from texts to the token lists :func:`build_dtm` counts (one document per row).

    Each text is normalised (:func:`policytext.normalize_text`), tokenized with ``tokenizer`` and reduced to
    :func:`countable_words`. Followed by ``CountVectorizer(analyzer=pretokenized)`` and a topic model, it makes a
    scikit-learn ``Pipeline`` whose counts equal ``build_dtm(..., unit="document", min_df=1, max_df=1.0)``'s.

    Parameters
    ----------
    tokenizer : Tokenizer, optional
        Default: :func:`topic_tokenizer` of the default lexicon, made at ``fit``.
    t2s : bool
        Convert traditional characters to simplified.
    ngram_range : tuple of int
        As :func:`countable_words`.

    Attributes
    ----------
    tokenizer_ : Tokenizer
        The tokenizer used.
    """

    def __init__(self, tokenizer: Tokenizer | None = None, *, t2s: bool = True, ngram_range: tuple[int, int] = (1, 1)):
        self.tokenizer = tokenizer
        self.t2s = t2s
        self.ngram_range = ngram_range

    def fit(self, X, y=None) -> "DocumentTokenizer":
        """Choose the tokenizer; nothing is learned from the texts.

        Parameters
        ----------
        X : iterable of str or Document
            Texts (ignored).
        y : None
            Ignored.
        """
        self.tokenizer_ = self.tokenizer if self.tokenizer is not None else topic_tokenizer()
        return self

    def transform(self, X) -> list[list[str]]:
        """The countable words of each text.

        Parameters
        ----------
        X : iterable of str or Document
            Texts (or documents, whose ``text`` is used).
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "tokenizer_")
        docs = [x if isinstance(x, Document) else Document(str(i), x) for i, x in enumerate(X)]
        return [countable_words(self.tokenizer_(piece), self.ngram_range)
                for _, piece in normalised_pieces(docs, lambda text: [text], t2s=self.t2s)]
