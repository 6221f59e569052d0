"""Tables, one document per row: .csv, .tsv, .jsonl, .xlsx (first visible worksheet, or as chosen) and .parquet.

:func:`open_table` opens a file and fails as a whole (one error record) when the file cannot be used;
:func:`table_documents` turns its rows into documents or per-row errors. Every cell is read as text:
integers keep their digits (``0012`` stays ``0012`` in CSV; Excel and Parquet numbers have no leading zeros
to keep), integral floats lose ``.0``, dates become ISO strings, empty cells become ``None``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..corpus import Document
from ..errors import (ColumnError, CorruptFileError, DecodeError, DocumentError, EmptyDocumentError,
                      SkippedInputError)
from ._decode import decode_bytes
from ._files import MAX_CHARS, MAX_FILE_BYTES, check_chars, check_zip, one_line_reason, open_regular, read_bytes

__all__ = ["TABLE_FORMATS", "Table", "cell_text", "open_table", "open_tables", "table_documents"]

TABLE_FORMATS = (".csv", ".jsonl", ".parquet", ".tsv", ".xlsx")

#: text cells holding only one of these (case-insensitive) are missing values, as pandas would read them
_MISSING_TOKENS = frozenset({"nan", "null", "none", "n/a", "#n/a", "na", "<na>"})

Row = tuple[int, "dict[str, Any] | DocumentError"]


@dataclass
class Table:
    """An opened table: its columns (None if no row could be parsed), rows as ``(row_number, values)``
    where a row that cannot be parsed is a :class:`DocumentError`, and the encoding used (text formats)."""

    columns: list[str] | None
    rows: Iterator[Row]
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    #: the worksheet this table is (.xlsx), else None
    sheet: str | None = None
    #: inputs of the file that were found but not read (worksheets not chosen), as records
    skipped: list[DocumentError] = field(default_factory=list)


def cell_text(value: Any) -> str | None:
    """A cell as a string (``None`` for empty/NaN cells, JSON for lists and objects)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (_dt.date, _dt.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, bytes):  # a metadata cell: decoded like a file, U+FFFD only if nothing fits
        try:
            return decode_bytes(value)[0]
        except DocumentError:
            return value.decode("utf-8", errors="replace")
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def open_table(path: Path, ext: str, encoding: str | None = None) -> Table:
    """Open a table file; a :class:`DocumentError` here means the whole file is unusable."""
    return open_tables(path, ext, encoding)[0]


def open_tables(path: Path, ext: str, encoding: str | None = None, sheet: str | int | None = None) -> list[Table]:
    """The tables of a file: one, or for an .xlsx with ``sheet="all"`` one per worksheet.

    ``sheet`` (.xlsx only): a worksheet name, a 1-based position, ``"all"``, or None for the first visible
    worksheet. Worksheets not read are listed in the first table's ``skipped`` records and ``notes``.
    """
    if ext == ".xlsx":
        return _open_xlsx(path, sheet)
    opener = {".csv": _open_delimited, ".tsv": _open_delimited, ".jsonl": _open_jsonl,
              ".parquet": _open_parquet}[ext]
    return [opener(path, ext, encoding)]


# --------------------------------------------------------------------------- csv / tsv


@contextmanager
def _field_limit(size: int):
    """Let the csv module read fields up to ``size`` characters, restoring the process-wide limit after."""
    old = csv.field_size_limit()
    if size > old:
        csv.field_size_limit(size)
    try:
        yield
    finally:
        if size > old:
            csv.field_size_limit(old)


def _open_delimited(path: Path, ext: str, encoding: str | None) -> Table:
    text, used = decode_bytes(read_bytes(path), encoding)
    if not text.strip():
        raise EmptyDocumentError("table file contains only whitespace")
    delimiter = "\t" if ext == ".tsv" else ","
    with _field_limit(len(text) + 1):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        try:
            header = next(row for row in reader if row)
        except csv.Error as exc:
            raise CorruptFileError(f"cannot parse the header line: {exc}") from None
        rows = list(_delimited_rows(reader, header, text))
    return Table(_unique_columns(header), iter(rows), used)


def _delimited_rows(reader, header: list[str], text: str = "") -> Iterator[Row]:
    number = 0
    while True:
        start = reader.line_num + 1  # the line the next row starts on
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            if "unexpected end of data" in str(exc):  # a quote opened and never closed: it ate the rest
                yield from _unterminated(number, start, text)
                return
            yield number, CorruptFileError(f"malformed quoting at line {reader.line_num}: {exc}")
            continue
        if not row:  # a blank line is not a row
            continue
        number += 1
        if len(row) != len(header):
            yield number, CorruptFileError(
                f"row has {len(row)} field{'' if len(row) == 1 else 's'} but the header has {len(header)} (ending at line {reader.line_num})"
            )
        else:
            yield number, dict(zip(header, row))


def _unterminated(number: int, start: int, text: str) -> Iterator[Row]:
    """Records for a quote opened on line ``start`` and never closed: the row that opens it, then one record per
    further non-blank line, so that no row the file seems to hold disappears from the counts."""
    lines = text.split("\n")
    end = len(lines) - (1 if lines and not lines[-1].strip() else 0)
    rest = [i for i in range(start + 1, end + 1) if lines[i - 1].strip()]
    span = f"lines {start}-{end}" if end > start else f"line {start}"
    yield number, CorruptFileError(
        f"unterminated quote: a quoted cell opens on line {start} and never closes, so the rest of the file "
        f"({span}, {len(rest) + 1} row(s) as far as lines tell) cannot be parsed; close the quote (\") and read "
        "it again")
    for i, line_number in enumerate(rest, start=1):
        yield number + i, CorruptFileError(f"not read: line {line_number} lies after the unterminated quote "
                                           f"opened on line {start}")


def _unique_columns(header: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for name in header:
        (repeated if name in seen else seen).add(name)
    if repeated:
        raise ColumnError(f"repeated column names in the header: {', '.join(map(repr, sorted(repeated)))}")
    return header


# --------------------------------------------------------------------------- jsonl


def _open_jsonl(path: Path, ext: str, encoding: str | None) -> Table:
    text, used = decode_bytes(read_bytes(path), encoding)
    columns: dict[str, None] = {}
    rows: list[Row] = []
    # split on "\n" only: JSON strings may contain a raw U+2028, which str.splitlines() would cut
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((number, CorruptFileError(f"line {number} is not valid JSON ({exc.msg}, column {exc.colno})")))
            continue
        if not isinstance(record, dict):
            rows.append((number, CorruptFileError(f"line {number} is a JSON {type(record).__name__}, not an object")))
            continue
        columns.update(dict.fromkeys(record))
        rows.append((number, record))
    if not rows:
        raise EmptyDocumentError("table file contains only whitespace")
    has_records = any(isinstance(values, dict) for _, values in rows)
    return Table(list(columns) if has_records else None, iter(rows), used)


# --------------------------------------------------------------------------- xlsx


def _choose_sheets(titles: list[str], states: list[str], sheet: str | int | None) -> list[int]:
    """Positions of the worksheets to read (see :func:`open_tables`)."""
    listed = ", ".join(f"{i} {t!r}" + ("" if st == "visible" else f" ({st})")
                       for i, (t, st) in enumerate(zip(titles, states), start=1))
    if sheet is None:
        visible = [i for i, st in enumerate(states) if st == "visible"]
        return visible[:1] or [0]
    if isinstance(sheet, str) and sheet.lower() == "all":
        return list(range(len(titles)))
    if str(sheet) in titles:
        return [titles.index(str(sheet))]
    if str(sheet).strip().isdigit() and 1 <= int(sheet) <= len(titles):
        return [int(sheet) - 1]
    raise ColumnError(f"no worksheet {str(sheet)!r} (--sheet takes a name, a position from 1, or all); "
                      f"worksheets: {listed}")


def _open_xlsx(path: Path, sheet: str | int | None = None) -> list[Table]:
    import openpyxl

    data = read_bytes(path, MAX_FILE_BYTES)
    check_zip(data, ".xlsx")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        titles = [ws.title for ws in workbook.worksheets]
        states = [getattr(ws, "sheet_state", "visible") or "visible" for ws in workbook.worksheets]
    except Exception as exc:  # openpyxl raises KeyError, ValueError, lxml errors ... for damaged files
        raise CorruptFileError(f"not a valid .xlsx ({one_line_reason(exc)})") from None
    if not titles:
        raise EmptyDocumentError("the workbook has no worksheet")
    try:
        chosen = _choose_sheets(titles, states, sheet)
    except ColumnError:
        workbook.close()
        raise
    every = isinstance(sheet, str) and sheet.lower() == "all"
    tables: list[Table] = []
    for position in chosen:
        try:
            tables.append(_open_sheet(data, workbook, position, named=every, last=position == chosen[-1]))
        except EmptyDocumentError:
            if not every:
                raise
            continue  # an empty worksheet among all: nothing to read in it
    skipped, notes = [], []
    chosen_titles = ", ".join(repr(titles[i]) for i in chosen)
    for position, (title, state) in enumerate(zip(titles, states)):
        if position in chosen:
            continue
        what = "hidden worksheet" if state != "visible" else "worksheet"
        skipped.append(SkippedInputError(
            f"{what} {title!r} ({position + 1} of {len(titles)}) not read: only {chosen_titles} was; read it with "
            f"--sheet {position + 1} or --sheet all (sheet= in Python)", None))
        skipped[-1].sheet = title
        notes.append(f"{path}: {what} {title!r} not read (only {chosen_titles}); --sheet NAME|INDEX|all")
    if not tables:
        raise EmptyDocumentError("every worksheet is empty")
    tables[0].skipped = skipped
    tables[0].notes = notes
    return tables


def _open_sheet(data: bytes, workbook, position: int, named: bool, last: bool = True) -> Table:
    import openpyxl

    try:
        ws = workbook.worksheets[position]
        cells = ws.iter_rows(values_only=True)
        header_values = next(cells, None)
        # the same sheet with formulas, to tell an empty cell from a formula whose result was never saved
        formula_book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        formulas = formula_book.worksheets[position].iter_rows(values_only=True)
        next(formulas, None)
    except Exception as exc:  # openpyxl raises KeyError, ValueError, lxml errors ... for damaged files
        raise CorruptFileError(f"not a valid .xlsx ({one_line_reason(exc)})") from None
    if header_values is None:
        formula_book.close()
        raise EmptyDocumentError(f"the worksheet {ws.title!r} is empty")
    header = [cell_text(v) or f"column{i}" for i, v in enumerate(header_values, start=1)]
    books = (formula_book, workbook) if last else (formula_book,)  # the last table read closes the workbook
    return Table(_unique_columns(header), _xlsx_rows(books, cells, formulas, header), None, [],
                 sheet=ws.title if named else None)


class UnsavedFormula(str):
    """A worksheet cell holding a formula whose result was never saved (read as no value)."""


def _xlsx_rows(books, cells, formulas, header: list[str]) -> Iterator[Row]:
    number = 0
    try:
        for values in cells:
            with_formulas = next(formulas, ())
            if all(v is None for v in values) and all(v is None for v in with_formulas):
                continue  # a blank worksheet row is not a row
            number += 1
            values = [v if v is not None or not (isinstance(f, str) and f.startswith("=")) else UnsavedFormula(f)
                      for v, f in zip(values, [*with_formulas, *([None] * (len(values) - len(with_formulas)))])]
            padded = [*values, *([None] * (len(header) - len(values)))]
            yield number, dict(zip(header, padded))
    except Exception as exc:
        yield number + 1, CorruptFileError(f"the rest of the worksheet cannot be read ({one_line_reason(exc)})")
    finally:
        for book in books:
            book.close()


# --------------------------------------------------------------------------- parquet


def _open_parquet(path: Path, ext: str, encoding: str | None) -> Table:
    from ..io import require_parquet

    require_parquet(path)  # not a damaged file: a missing extra, for the whole run
    import pyarrow.parquet as pq

    handle = open_regular(path)
    try:
        if handle.seek(0, io.SEEK_END) == 0:
            raise EmptyDocumentError("file is empty (0 bytes)")
        handle.seek(0)
        parquet = pq.ParquetFile(handle)
        columns = list(parquet.schema_arrow.names)
    except EmptyDocumentError:
        handle.close()
        raise
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError ... for damaged files
        handle.close()
        raise CorruptFileError(f"not a valid .parquet ({one_line_reason(exc)})") from None
    return Table(_unique_columns(columns), _parquet_rows(parquet, handle))


def _parquet_rows(parquet, handle) -> Iterator[Row]:
    number = 0
    try:
        for batch in parquet.iter_batches(batch_size=2048):
            for record in batch.to_pylist():
                number += 1
                yield number, record
    except Exception as exc:
        yield number + 1, CorruptFileError(f"the rest of the file cannot be read ({one_line_reason(exc)})")
    finally:
        handle.close()


# --------------------------------------------------------------------------- rows -> documents


def resolve_columns(columns: list[str], text_column: str | None, id_column: str | None, source: str
                    ) -> tuple[str, str | None]:
    """The text and id column names to use; :class:`ColumnError` (listing the columns) if one is missing."""
    listed = ", ".join(map(repr, columns)) or "(none)"
    if text_column is None:
        if "text" not in columns:
            raise ColumnError(f"{source}: no 'text' column; name the text column (text_column=, --text-column); "
                              f"columns: {listed}")
        text_column = "text"
    elif text_column not in columns:
        raise ColumnError(f"{source}: no column {text_column!r} (text column); columns: {listed}")
    if id_column is None:
        id_column = next((name for name in ("doc_id", "id") if name in columns and name != text_column), None)
    elif id_column not in columns:
        raise ColumnError(f"{source}: no column {id_column!r} (id column); columns: {listed}")
    return text_column, id_column


def table_documents(table: Table, *, text_column: str | None, id_column: str | None, file_id: str,
                    source: str, max_chars: int | None = MAX_CHARS, encoding: str | None = None
                    ) -> Iterator[Document | DocumentError]:
    """Documents (and per-row errors) of ``table``.

    Column names are checked before anything is yielded, so a :class:`ColumnError` stops the read at once.
    Ids come from ``id_column`` (or ``doc_id``/``id``), else ``<file_id>#<row number>``. The other columns
    are the document's ``meta``. A text cell of more than ``max_chars`` characters is a ``TooLargeError``
    record; a text cell of bytes (Parquet ``binary``) is decoded as a file would be (``encoding``, else
    detection), or is a ``DecodeError`` record: bytes are never decoded with replacement characters.
    """
    text_col, id_col = (None, None)
    if table.columns is not None:
        text_col, id_col = resolve_columns(table.columns, text_column, id_column, source)
    return _documents(table, text_col, id_col, file_id, source, max_chars, encoding)


def _documents(table: Table, text_col: str | None, id_col: str | None, file_id: str, source: str,
               max_chars: int | None = MAX_CHARS, encoding: str | None = None) -> Iterator[Document | DocumentError]:
    for number, values in table.rows:
        row_source = f"{source}#row {number}"
        if isinstance(values, DocumentError):
            values.source = row_source
            yield values
            continue
        doc_id = cell_text(values.get(id_col)) if id_col else f"{file_id}#{number}"
        if doc_id is None or not doc_id.strip():
            yield DocumentError(f"row has an empty id in column {id_col!r}", row_source)
            continue
        raw = values.get(text_col)
        if isinstance(raw, (bytes, bytearray, memoryview)):
            try:
                raw = decode_bytes(bytes(raw), encoding)[0] if len(raw) else None
            except DecodeError as exc:
                exc.source, exc.doc_id = row_source, doc_id
                exc.message = f"the {text_col!r} cell holds bytes: {exc.message}"
                yield exc
                continue
        text = cell_text(raw)
        problem = None
        if isinstance(raw, UnsavedFormula):
            shown = raw if len(raw) <= 40 else raw[:37] + "..."
            problem = (f"the {text_col!r} cell holds a formula whose result was never saved ({shown}); "
                       "open and save the workbook in Excel, or paste the values")
        elif text is None:
            problem = f"the {text_col!r} cell is empty" if text_col in values else f"the row has no {text_col!r} field"
        elif not text.strip():
            problem = f"the {text_col!r} cell contains only whitespace"
        elif text.strip().lower() in _MISSING_TOKENS:
            problem = f"the {text_col!r} cell holds the missing-value marker {text.strip()!r}"
        if problem:
            yield EmptyDocumentError(problem, row_source, doc_id)
            continue
        try:
            check_chars(text, max_chars)
        except DocumentError as exc:
            exc.source, exc.doc_id = row_source, doc_id
            yield exc
            continue
        meta = {key: None if isinstance(value, UnsavedFormula) else cell_text(value)
                for key, value in values.items() if key not in (text_col, id_col)}
        yield Document(doc_id, text, meta, row_source)
