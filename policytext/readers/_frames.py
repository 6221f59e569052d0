"""Corpora held in memory: a pandas DataFrame, a ``{doc_id: text}`` dict, a list of strings.

:func:`corpus_from_object` turns them into documents and error records by the rules of tables
(:mod:`policytext.readers._tables`): ``text_column`` (default ``text``), ``id_column`` (default ``doc_id``,
else ``id``, else ``row<n>``), other columns as metadata, empty or NaN texts as ``EmptyDocumentError`` records.
Anything else raises :class:`TypeError` naming what is accepted.
"""

from __future__ import annotations

from typing import Any

from ..corpus import Document
from ..errors import DocumentError
from ._files import MAX_CHARS
from ._tables import Table, table_documents

__all__ = ["ACCEPTED", "corpus_from_object"]

ACCEPTED = ("a path or a list of paths (folders, document and table files), a pandas DataFrame (with "
            "text_column= and id_column=), a dict {doc_id: text}, a list of strings, or a policytext Corpus")


def corpus_from_object(obj: Any, *, text_column: str | None = None, id_column: str | None = None,
                       max_chars: int | None = MAX_CHARS) -> tuple[list[Document | DocumentError], str]:
    """``(documents and errors in input order, a short description of the input)``; :class:`TypeError` for an
    object that is none of the accepted kinds; :class:`~policytext.errors.ColumnError` for a missing column."""
    if _is_frame(obj):
        columns = [str(c) for c in obj.columns]
        records = ((n, {str(k): v for k, v in zip(obj.columns, row)})
                   for n, row in enumerate(obj.itertuples(index=False, name=None), start=1))
        table = Table(columns, records)
        items = list(table_documents(table, text_column=text_column, id_column=id_column, file_id="row",
                                     source="DataFrame", max_chars=max_chars))
        for item in items:  # ids of rows without an id column: row1, row2 ...
            if isinstance(item, Document) and item.doc_id.startswith("row#"):
                item.doc_id = "row" + item.doc_id[4:]
        return items, f"DataFrame ({len(obj)} rows)"
    if isinstance(obj, dict):
        pairs = list(obj.items())
        what = f"dict ({len(pairs)} texts)"
    elif isinstance(obj, (list, tuple)) and all(isinstance(t, str) for t in obj):
        pairs = [(f"doc{i}", t) for i, t in enumerate(obj, start=1)]
        what = f"list ({len(pairs)} texts)"
    else:
        raise TypeError(f"cannot read a corpus from {type(obj).__name__}; accepted: {ACCEPTED}")
    bad = next((type(v).__name__ for _, v in pairs if not isinstance(v, str) and v is not None), None)
    if bad is not None:
        raise TypeError(f"cannot read a corpus from a {type(obj).__name__} holding {bad}; accepted: {ACCEPTED}")
    table = Table(["doc_id", "text"], iter((n, {"doc_id": str(k), "text": v})
                                          for n, (k, v) in enumerate(pairs, start=1)))
    items = list(table_documents(table, text_column="text", id_column="doc_id", file_id=type(obj).__name__,
                                 source=type(obj).__name__, max_chars=max_chars))
    return items, what


def _is_frame(obj: Any) -> bool:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "columns") and hasattr(obj, "itertuples")
