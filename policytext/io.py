"""Writing files, the one place that does: atomic writes and folder replacement, stale temporary files, table
formats, formula neutralisation. A low module (no pandas at import), so that ``policytext score`` does not load
the report machinery; ``policytext.reports.tables`` re-exports it.

Tables to files: ``.csv``, ``.tsv``, ``.jsonl``, ``.parquet``, ``.xlsx``, chosen by extension.

* Writes are atomic: the table goes to a temporary file in the target folder, which then replaces the target,
  so an interrupted run leaves the old file or none, never half a file.
* CSV files get a UTF-8 byte-order mark so that Excel opens Chinese text correctly (pandas and most tools
  ignore it); CSV on standard output has none.
* Spreadsheet formula injection: in CSV, TSV and XLSX, a text cell that begins with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return is prefixed with ``'`` so that spreadsheet programs show it as text. Numbers are
  written as numbers and are not touched. JSON Lines and Parquet keep text exactly.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import math
import os
import re
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import Iterable

from typing import TYPE_CHECKING

from .errors import MissingDependencyError, OutputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PARQUET_EXTRA", "TABLE_FORMATS", "atomic_write", "check_output_folder", "remove_stale_temps", "replace_folder", "replacing_folder", "temp_folder_beside", "reproducible_zip", "neutralize_formulas", "publish_mode", "require_parquet",
           "excel_cells", "read_table", "table_to_text", "write_table", "write_text_table"]

TABLE_FORMATS = (".csv", ".tsv", ".jsonl", ".parquet", ".xlsx")
#: how to get what ``.parquet`` files need (pyarrow is an extra: most users never read or write Parquet)
PARQUET_EXTRA = 'pip install "policytext[parquet]"'


def require_parquet(path: str | os.PathLike) -> None:
    """Raise :class:`~policytext.errors.MissingDependencyError` (one line naming ``path`` and the extra) if
    pyarrow, which reading and writing ``.parquet`` need, cannot be imported."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise MissingDependencyError(f"{path}: .parquet files need pyarrow, which is not installed; "
                                     f"{PARQUET_EXTRA}") from None
FORMULA_START = _FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` in which text cells that a spreadsheet would run as formulas start with ``'``.

    >>> import pandas as pd
    >>> neutralize_formulas(pd.DataFrame({"t": ["=1+1", "ok", "@x"], "n": [-1, 2, 3]})).values.tolist()
    [["'=1+1", -1], ['ok', 2], ["'@x", 3]]
    """
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v)
    return out


def _umask() -> int:
    """The process umask, read without changing it (Linux), else the common 0o022."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        return 0o022  # no /proc: assume the common default
    return 0o022


def publish_mode(path: str | os.PathLike, directory: bool = False) -> None:
    """Give a file or folder made by ``mkstemp``/``mkdtemp`` (private, 0600/0700) the usual permissions."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


#: a temporary output not modified for this long (seconds) was left by a killed run
STALE_SECONDS = 3600


def remove_stale_temps(path: str | os.PathLike, max_age: float = STALE_SECONDS) -> int:
    """Remove the temporary files and folders a killed run left beside ``path`` (``.<name>.<8 characters>.tmp``,
    as :func:`atomic_write`, :func:`temp_folder_beside` and the evidence writer name them) that were not modified
    for ``max_age`` seconds (0: whatever their age). Returns how many were removed; errors are ignored."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[A-Za-z0-9_]{{8}}\.tmp")
    try:
        names = [n for n in os.listdir(folder) if pattern.fullmatch(n)]
    except OSError:
        return 0
    removed, now = 0, time.time()
    for name in names:
        with contextlib.suppress(OSError):
            st = os.lstat(folder / name)
            if max_age and now - st.st_mtime < max_age:
                continue
            if stat.S_ISDIR(st.st_mode):
                shutil.rmtree(folder / name)
            else:
                os.unlink(folder / name)
            removed += 1
    return removed


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", **kwargs):
    """Open a temporary file beside ``path``; on success it replaces ``path``, on error it is removed."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: folder {folder} does not exist")
    remove_stale_temps(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write here ({exc.strerror})") from None
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        publish_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_output_folder(out: Path, allowed: Iterable[str], what: str) -> None:
    """Refuse to replace ``out`` unless it is absent, empty, or holds only files named in ``allowed`` (the
    outputs of an earlier run): replacing a folder must never delete someone's other files."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; give a folder for the {what}")
    if out.is_dir():
        allowed = set(allowed)
        foreign = sorted(p.name for p in out.iterdir() if p.name not in allowed)
        if foreign:
            shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
            raise OutputError(f"{out}: folder holds files that are not part of a {what} ({shown}); the {what} "
                              f"replaces its folder, so give a new or empty folder")


def temp_folder_beside(out: Path) -> Path:
    """A new empty folder next to ``out`` (same file system, so it can be renamed into place)."""
    import secrets

    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{out}: folder {parent} does not exist")
    remove_stale_temps(out)
    try:
        for _ in range(100):
            tmp = parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
            try:
                tmp.mkdir()  # unlike mkdtemp, honours the umask: outputs are readable like any other file
                return tmp
            except FileExistsError:
                continue
        raise OutputError(f"{out}: cannot create a temporary folder beside it")
    except OSError as exc:
        raise OutputError(f"{out}: cannot write here ({exc.strerror or exc})") from None


@contextlib.contextmanager
def replacing_folder(out: str | os.PathLike, allowed: Iterable[str], what: str):
    """Yield a new temporary folder beside ``out`` to write into; when the block ends without an error it
    replaces ``out`` (:func:`replace_folder`), otherwise it is removed. ``out`` holding other files than
    ``allowed`` is refused first (:func:`check_output_folder`)."""
    out = Path(out)
    check_output_folder(out, allowed, what)
    tmp = temp_folder_beside(out)
    try:
        yield tmp
        replace_folder(tmp, out, allowed, what)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def replace_folder(tmp: Path, out: Path, allowed: Iterable[str], what: str) -> None:
    """Put the finished folder ``tmp`` in place of ``out``: the old folder is renamed aside, the new one renamed
    in, then the old one removed; if the swap fails, the old folder is put back. ``out`` is checked again
    with :func:`check_output_folder` (files may have appeared while the outputs were computed)."""
    import shutil

    check_output_folder(out, allowed, what)
    old = None
    try:
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=tmp.parent))
            os.replace(out, old / "previous")
        os.replace(tmp, out)
    except OSError as exc:
        if old is not None and not out.exists() and (old / "previous").exists():
            os.replace(old / "previous", out)
        raise OutputError(f"{out}: cannot replace the {what} folder ({exc.strerror or exc})") from None
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def write_text_table(text: str | Iterable[str], path: str | os.PathLike) -> Path:
    """Write CSV/TSV ``text`` (from :func:`table_to_text` or :meth:`policytext.scoring.ScoreRows.to_text`) to
    ``path`` as :func:`write_table` writes those formats (UTF-8 with a byte-order mark, atomically). ``text``
    may also be the text in pieces (:meth:`policytext.scoring.ScoreRows.iter_text`), written as they come."""
    path = Path(path)
    try:
        with atomic_write(path, "w", encoding="utf-8-sig", newline="") as fh:
            for piece in ([text] if isinstance(text, str) else text):
                fh.write(piece)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path


def table_to_text(df: pd.DataFrame, fmt: str = "csv") -> str:
    """``df`` as CSV/TSV (formulas neutralised, no BOM) or JSON Lines text, e.g. for standard output."""
    if fmt in ("csv", "tsv"):
        return neutralize_formulas(df).to_csv(index=False, sep="," if fmt == "csv" else "\t", lineterminator="\n")
    if fmt == "jsonl":
        return df.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
    raise OutputError(f"cannot print a table as {fmt!r}; use csv, tsv or jsonl")


_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_W3CDTF = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def reproducible_zip(data: bytes) -> bytes:
    """An .xlsx/.docx (zip) file rewritten so that the same content gives the same bytes: member timestamps
    and the document's created/modified properties are set to fixed values; members keep their order."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = [(info, src.read(info.filename)) for info in src.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                data = _W3CDTF.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, _FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, data)
    return buf.getvalue()


def _is_decimal(v) -> bool:
    """Whether ``v`` is a :class:`decimal.Decimal` (decimal imported here, not at start-up: 1.4 ms that
    ``policytext score`` does not need)."""
    import decimal

    return isinstance(v, decimal.Decimal)


def excel_cells(values: list) -> list:
    """``values`` (one column, as ``Series.tolist()`` gives them) as cell values, as ``DataFrame.to_excel`` writes
    them: missing values (None, NaN, NaT, ``pd.NA``) empty, infinities as the text ``inf``/``-inf``, numpy
    scalars as Python numbers, timestamps as ``datetime``, other objects as their text."""
    out = []
    for v in values:
        if v is None or isinstance(v, (str, int)):  # bool is an int
            out.append(v)
        elif isinstance(v, float):
            out.append(None if v != v else ("inf" if v > 0 else "-inf") if v in (math.inf, -math.inf) else v)
        elif type(v).__name__ in ("NAType", "NaTType"):
            out.append(None)
        elif hasattr(v, "to_pydatetime"):
            out.append(v.to_pydatetime())
        elif hasattr(v, "item") and not hasattr(v, "__len__"):  # a numpy scalar
            out.extend(excel_cells([v.item()]))
        elif isinstance(v, (datetime.date, datetime.time, datetime.timedelta)) or _is_decimal(v):
            out.append(v)
        else:  # a list, a dict, any other object: its text, as pandas writes it
            out.append(str(v))
    return out


def _xlsx_bytes(df: pd.DataFrame, sheet_name: str) -> bytes:
    """``df`` (formulas neutralised) as one sheet with a bold, frozen header row and fitted column widths.

    openpyxl's write-only mode streams the rows into the sheet's XML instead of building a cell object per value
    (``DataFrame.to_excel``): about 2.5x faster for the same cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    safe = neutralize_formulas(df)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_name)
    ws.freeze_panes = "A2"
    columns = [excel_cells(safe[col].tolist()) for col in safe.columns]
    for i, col in enumerate(df.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
    bold = Font(bold=True)
    header = []
    for col in df.columns:
        cell = WriteOnlyCell(ws, value=col)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in zip(*columns):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_table(df: pd.DataFrame, path: str | os.PathLike, *, sheet_name: str = "data") -> Path:
    """Write ``df`` to ``path`` in the format its extension names (see the module docstring)."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in TABLE_FORMATS:
        raise OutputError(f"{path}: unknown output format {ext or '(no extension)'!r}; use one of "
                          f"{', '.join(TABLE_FORMATS)}")
    try:
        if ext in (".csv", ".tsv"):
            with atomic_write(path, "w", encoding="utf-8-sig", newline="") as fh:
                fh.write(table_to_text(df, ext[1:]))
        elif ext == ".jsonl":
            with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(table_to_text(df, "jsonl"))
        elif ext == ".parquet":
            require_parquet(path)
            with atomic_write(path, "wb") as fh:
                df.to_parquet(fh, index=False)
        else:
            with atomic_write(path, "wb") as fh:
                fh.write(reproducible_zip(_xlsx_bytes(df, sheet_name)))
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path

def _restore_formula(v):
    """Undo :func:`neutralize_formulas` on a cell read back from a file policytext wrote."""
    if isinstance(v, str) and len(v) > 1 and v[0] == "'" and v[1:].startswith(FORMULA_START):
        return v[1:]
    return v


def read_table(path: str | os.PathLike, *, sheet: str | int = 0, id_column: str = "doc_id") -> "pd.DataFrame":
    """Read back a table :func:`write_table` wrote (scores, labels, candidates): the inverse of writing.

    Text cells that were prefixed with ``'`` against formula injection are restored; ``id_column`` is read as
    text (``001`` stays ``001``).

    Parameters
    ----------
    path : str or os.PathLike
        A ``.xlsx`` (first sheet, or ``sheet``), ``.csv``, ``.tsv``, ``.jsonl`` or ``.parquet`` file.
    sheet : str or int
        ``.xlsx``: the worksheet.
    id_column : str
        The column read as text.

    Returns
    -------
    pandas.DataFrame
        The table.

    Raises
    ------
    ConfigError
        The file does not exist, has another extension, or cannot be read (one line naming it).
    """
    import math

    import pandas as pd

    from .errors import ConfigError

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    ext = path.suffix.lower()
    try:
        if ext == ".xlsx":
            df = pd.read_excel(path, sheet_name=sheet, engine="openpyxl", dtype={id_column: str})
        elif ext in (".csv", ".tsv"):
            df = pd.read_csv(path, sep="\t" if ext == ".tsv" else ",", encoding="utf-8-sig", dtype={id_column: str})
        elif ext == ".jsonl":
            df = pd.read_json(path, lines=True, dtype={id_column: str})
        elif ext == ".parquet":
            require_parquet(path)
            df = pd.read_parquet(path)
        else:
            raise ConfigError(f"{path}: cannot read {ext or 'a file without extension'}; use .xlsx, .csv, .tsv, "
                              ".jsonl or .parquet")
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes one line naming the file
        raise ConfigError(f"{path}: cannot read the table ({type(exc).__name__}: {exc})") from None
    for col in df.columns:
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            df[col] = df[col].map(_restore_formula)
    if id_column in df.columns:
        df[id_column] = df[id_column].map(lambda v: v if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    return df
