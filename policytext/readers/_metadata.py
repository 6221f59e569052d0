"""Metadata files: a CSV with one row per document, joined to the documents by id.

The id column is ``metadata_id_column`` if given, else ``doc_id``, else ``id``. Every value is read as a
string (``0012`` stays ``0012``); empty cells become ``None``. Metadata values are added to each document's
``meta`` and override values of the same name that came from a table row. Documents without a row and rows
without a document are reported (``corpus.info``), not errors; a repeated id in the metadata is an error.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from ..corpus import Document
from ..errors import DocumentError, MetadataError
from ._decode import decode_bytes

__all__ = ["Metadata", "join_metadata", "load_metadata"]


@dataclass
class Metadata:
    """Rows of one or more metadata files, keyed by document id (in file order)."""

    paths: list[str]
    id_column: str
    rows: dict[str, dict[str, str | None]]


def _read_one(path: Path, id_column: str | None) -> tuple[str, list[tuple[str, dict]]]:
    from ._files import open_regular

    try:
        with open_regular(path) as fh:  # a FIFO or device is refused, never waited on
            data = fh.read()
    except FileNotFoundError:
        raise MetadataError(f"metadata file not found: {path}") from None
    except DocumentError as exc:
        raise MetadataError(f"{path}: cannot read the metadata file ({exc.message})") from None
    except OSError as exc:
        raise MetadataError(f"{path}: cannot read the metadata file ({exc.strerror or exc})") from None
    try:
        text, _ = decode_bytes(data)
    except DocumentError as exc:
        raise MetadataError(f"{path}: {exc.message}") from None
    if not text.strip():
        raise MetadataError(f"{path}: the metadata file is empty")
    import pandas as pd  # imported here: reading documents without metadata never needs it

    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MetadataError(f"{path}: cannot parse the metadata CSV ({reason})") from None
    columns = [str(c) for c in frame.columns]
    if id_column is None:
        id_column = next((name for name in ("doc_id", "id") if name in columns), None)
        if id_column is None:
            raise MetadataError(f"{path}: no 'doc_id' or 'id' column; name the id column (metadata_id_column=); "
                                f"columns: {', '.join(map(repr, columns))}")
    elif id_column not in columns:
        raise MetadataError(f"{path}: no column {id_column!r}; columns: {', '.join(map(repr, columns))}")
    others = [c for c in columns if c != id_column]
    rows = []
    for number, record in enumerate(frame.itertuples(index=False, name=None), start=1):
        values = {c: (v if isinstance(v, str) and v != "" else None) for c, v in zip(columns, record)}
        doc_id = values[id_column]
        if doc_id is None or not doc_id.strip():
            raise MetadataError(f"{path}: row {number} has an empty id in column {id_column!r}")
        rows.append((doc_id, {c: values[c] for c in others}))
    return id_column, rows


def load_metadata(paths: list[Path], id_column: str | None = None) -> Metadata:
    """Read the metadata file(s); :class:`MetadataError` if unreadable, without an id column, or ids repeat.

    The encoding is always detected (``read_corpus(encoding=...)`` applies to the documents only).
    """
    rows: dict[str, dict[str, str | None]] = {}
    used_column = id_column
    for path in paths:
        used_column, file_rows = _read_one(path, id_column)
        repeated = []
        for doc_id, values in file_rows:
            if doc_id in rows:
                repeated.append(doc_id)
                continue
            rows[doc_id] = values
        if repeated:
            shown = ", ".join(map(repr, repeated[:5])) + (" ..." if len(repeated) > 5 else "")
            raise MetadataError(f"{path}: {len(repeated)} id(s) appear more than once in the metadata: {shown}")
    return Metadata([str(p) for p in paths], used_column or "doc_id", rows)


def join_metadata(documents: list[Document], metadata: Metadata) -> tuple[list[str], list[str]]:
    """Add metadata values to each document's ``meta`` (metadata wins over table columns of the same name).

    Returns ``(ids of documents without a metadata row, ids of metadata rows without a document)``.
    """
    unmatched = []
    used = set()
    for document in documents:
        values = metadata.rows.get(document.doc_id)
        if values is None:
            unmatched.append(document.doc_id)
            continue
        used.add(document.doc_id)
        document.meta.update(values)
    unused = [doc_id for doc_id in metadata.rows if doc_id not in used]
    return unmatched, unused
