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

from .corpus import Corpus, Document
from .errors import ConfigError, PolicyTextError
from .lexicon import Lexicon, load_lexicon
from .normalize import normalize_text
from .tokenize import Tokenizer

if TYPE_CHECKING:
    import pandas as pd
    from scipy import sparse

__all__ = ["DocumentTermMatrix", "EmptyVocabularyError", "build_dtm", "topic_tokenizer"]

_NUMBER = re.compile(r"[\d.,%％]+|[\d.]+[万亿千百]?")


class EmptyVocabularyError(PolicyTextError):
    """Pruning or empty documents left nothing to model; the message gives the numbers."""


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


def _words(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    words = [t for t in tokens if not _NUMBER.fullmatch(t)]
    lo, hi = ngram_range
    out = words if lo == 1 else []
    for n in range(max(2, lo), hi + 1):
        out = out + ["_".join(words[i:i + n]) for i in range(len(words) - n + 1)]
    return out


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
    if progress is not None:
        progress.total = len(docs)
    rows: list[list[str]] = []
    row_doc: list[int] = []
    for i, doc in enumerate(docs):
        text = normalize_text(doc.text, t2s=t2s)
        pieces = _paragraphs(text, min_paragraph_chars) if unit == "paragraph" else [text]
        for piece in pieces:
            rows.append(_words(tokenizer(piece), ngram_range))
            row_doc.append(i)
        if progress is not None:
            progress.update(1)
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
