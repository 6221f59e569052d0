"""Documents, error records and the corpus that holds both.

A :class:`Corpus` is what :func:`policytext.read_corpus` returns: the documents that could be read, in input
order, and one :class:`ErrorRecord` for every input that could not. Nothing is dropped silently:
``len(corpus) + len(corpus.errors)`` is the number of inputs seen.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .errors import DocumentError

if TYPE_CHECKING:  # pandas is imported when a table is built, not with policytext
    import pandas as pd

__all__ = ["Corpus", "Document", "ErrorRecord"]


@dataclass
class Document:
    """One document: an id unique in its corpus, its text as decoded, and metadata.

    Parameters
    ----------
    doc_id : str
        The id, unique in its corpus.
    text : str
        The text as read (decoded, extracted from .docx/.pdf/.html), before normalisation.
    meta : dict
        Metadata (from a table's other columns or a joined metadata file).
    source : str
        Where it came from: a path, or ``path#row <n>`` for a table row.
    """

    doc_id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = ""


@dataclass(frozen=True)
class ErrorRecord:
    """An input that did not become a document, with a one-line reason.

    Parameters
    ----------
    source : str
        The input (a path, or ``path#row <n>``).
    doc_id : str or None
        The id it would have had, when known.
    error : str
        The name of the :mod:`policytext.errors` class (``DecodeError``, ``EmptyDocumentError`` ...).
    message : str
        The reason, one line.
    """

    source: str
    doc_id: str | None
    error: str
    message: str

    @classmethod
    def from_error(cls, exc: DocumentError) -> "ErrorRecord":
        """The record of a document error.

        Parameters
        ----------
        exc : DocumentError
            The error, with its ``source`` and ``doc_id``.

        Returns
        -------
        ErrorRecord
        """
        return cls(source=exc.source or "", doc_id=exc.doc_id, error=type(exc).__name__, message=exc.message)

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


ERROR_COLUMNS = ["source", "doc_id", "error", "message"]


class Corpus:
    """An ordered collection of :class:`Document` plus the :class:`ErrorRecord` of inputs that failed.

    Parameters
    ----------
    documents : iterable of Document
        The documents, in input order.
    errors : iterable of ErrorRecord
        The inputs that failed.
    info : dict, optional
        What was read and how (inputs, encodings used, metadata file ...), for manifests and verbose lines.

    Examples
    --------
    >>> c = Corpus([Document("a", "推进精细化管理")])
    >>> len(c), c["a"].text, c.doc_ids
    (1, '推进精细化管理', ['a'])
    """

    def __init__(self, documents: Iterable[Document] = (), errors: Iterable[ErrorRecord] = (), info: dict | None = None):
        self.documents: list[Document] = list(documents)
        self.errors: list[ErrorRecord] = list(errors)
        #: what was read and how (inputs, encodings used, metadata file ...), for manifests and verbose lines
        self.info: dict = dict(info or {})
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.documents)

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)

    def __getitem__(self, key: int | str) -> Document:
        if isinstance(key, str):
            if self._index is None:
                self._index = {d.doc_id: i for i, d in enumerate(self.documents)}
            return self.documents[self._index[key]]
        return self.documents[key]

    def __repr__(self) -> str:
        return f"Corpus({len(self.documents)} documents, {len(self.errors)} errors)"

    @property
    def doc_ids(self) -> list[str]:
        """The ids of the documents, in order."""
        return [d.doc_id for d in self.documents]

    @property
    def n_inputs(self) -> int:
        """Inputs seen: documents read plus inputs recorded as errors."""
        return len(self.documents) + len(self.errors)

    def metadata_frame(self) -> pd.DataFrame:
        """Metadata of every document.

        Returns
        -------
        pandas.DataFrame
            One row per document in input order, a ``doc_id`` column first, then every metadata key in order
            of first appearance.
        """
        import pandas as pd

        keys: list[str] = []
        for d in self.documents:
            for k in d.meta:
                if k not in keys:
                    keys.append(k)
        rows = [{"doc_id": d.doc_id, **{k: d.meta.get(k) for k in keys}} for d in self.documents]
        return pd.DataFrame(rows, columns=["doc_id", *keys])

    def errors_frame(self) -> pd.DataFrame:
        """The error records as a table.

        Returns
        -------
        pandas.DataFrame
            Columns ``source, doc_id, error, message``, one row per record.
        """
        import pandas as pd

        return pd.DataFrame([asdict(e) for e in self.errors], columns=ERROR_COLUMNS)

    @classmethod
    def from_texts(cls, texts: Iterable[str] | dict[str, str], meta: Iterable[dict] | None = None) -> "Corpus":
        """Build a corpus from strings.

        Parameters
        ----------
        texts : iterable of str or dict
            Texts (ids ``doc1``, ``doc2`` ...) or a ``{doc_id: text}`` mapping.
        meta : iterable of dict, optional
            Metadata of each text, in the same order.

        Returns
        -------
        Corpus
        """
        if isinstance(texts, dict):
            pairs = list(texts.items())
        else:
            pairs = [(f"doc{i + 1}", t) for i, t in enumerate(texts)]
        metas = list(meta) if meta is not None else [{} for _ in pairs]
        return cls(Document(doc_id, text, dict(m)) for (doc_id, text), m in zip(pairs, metas))
