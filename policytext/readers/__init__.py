"""Reading a corpus: folders and files of documents, and tables with one document per row.

:func:`read_corpus` takes a path or a list of paths and returns a :class:`~policytext.corpus.Corpus`. Each
input that cannot be used becomes an :class:`~policytext.corpus.ErrorRecord` and the batch goes on; only
problems with the corpus as a whole raise (:class:`~policytext.errors.CorpusError` and subclasses).
``len(corpus) + len(corpus.errors)`` is the number of inputs: documents, table rows and files that failed.

Formats
    ``.txt``, ``.md``      plain text, decoded by :func:`decode_bytes` (rules below).
    ``.docx``             one line per paragraph: headers (each distinct one once), the body (table cells
                          and text boxes in document order), footnotes, endnotes, footers; parsed as a stream
                          (see :func:`policytext.readers._files.read_docx`).
    ``.pdf``              the text layer of each page (pypdf), pages joined with a newline. No text on any
                          page, or text made mostly of glyph names or private-use characters (Type3 fonts):
                          ``NoTextLayerError`` (run OCR). Encrypted and not openable with the empty
                          password: ``CorruptFileError``.
    ``.html``, ``.htm``   the main text of the page (see :func:`policytext.readers._files.read_html`): script,
                          style, nav, header, footer, aside, form, noscript are dropped; ``<article>``,
                          ``<main>`` or an element whose id/class says content/article/main/text/editor/zoom
                          (gov.cn's ``UCAP-CONTENT``, ``TRS_Editor``) is preferred to ``<body>``; block
                          elements and ``<br>`` end lines. The encoding comes from a BOM, else the
                          ``<meta charset>`` if the bytes obey it, else detection.
    ``.csv``, ``.tsv``     one document per row; decoded like text; quoted cells may hold newlines; a row
                          with more or fewer fields than the header is an error record, never dropped.
    ``.jsonl``            one JSON object per line; a malformed line is an error record naming the line.
    ``.xlsx``             the first visible worksheet (``sheet=``: a name, a position from 1, or ``"all"``,
                          which adds a ``sheet`` column), first row = header; every worksheet not read is a
                          ``SkippedInputError`` record naming it.
    ``.parquet``          one document per row; a ``binary`` text cell is decoded as a file would be, or is a
                          ``DecodeError`` record (never replacement characters).

    Limits: a document of more than ``max_chars`` characters (default 50,000,000) is a ``TooLargeError``
    record, found while reading; so is a .docx/.xlsx/.pdf file over 500 MB or a .docx whose parts unpack to
    more. A path that is not a regular file (FIFO, socket, device), named directly or found in a folder, is an
    ``UnreadableFileError`` record and is never opened in a way that could block.

    Every other extension is an ``UnsupportedFormatError`` record. Text is never normalised here (no NFKC, no
    traditional-to-simplified, line ends kept); only a BOM is removed. Empty or whitespace-only documents
    and table cells (also NaN/``null``) are ``EmptyDocumentError`` records.

Tables
    ``text_column`` names the column with the text (default: ``text``); ``id_column`` the ids (default:
    ``doc_id``, else ``id``, else ``<file id>#<row>``, rows counted from 1 after the header, blank lines not
    counted; for .jsonl the row is the line number). A named column that does not exist raises
    ``ColumnError`` listing the columns that do. All cells are read as strings: ``0012`` stays ``0012``. The
    other columns become ``Document.meta``. ``Document.source`` of a row is ``<path>#row <n>``.

Ids
    A file inside a folder: its path relative to that folder, ``/``-separated, without the extension
    (``2025/11_beijing``). A file given directly: its stem. A table's ``<file id>`` follows the same rule.
    Ids are unique: a later document with a used id is a ``DuplicateIdError`` record naming the first source.

Folders
    Read recursively in sorted order (plain string order of the relative POSIX path). Names starting with
    ``.`` are skipped. Symbolic links are followed, but a link to a folder already read (a loop) is an
    ``UnreadableFileError`` record, as is a broken link or a file that cannot be opened. ``glob`` (one
    pattern or a list) is matched with :func:`fnmatch.fnmatchcase` against the relative POSIX path (``*``
    also matches ``/``): files that do not match are not inputs. ``glob`` does not filter files given
    directly. A ``metadata.csv`` at the root of a folder is the metadata file when ``metadata`` is None
    (``corpus.info["metadata"]``), and never a document; a file given as ``metadata`` is not also read as a
    table. Documentation files (names starting with README, MANIFEST, LICENSE, LICENCE, CHANGELOG, any case)
    are ``SkippedInputError`` records unless ``include_docs=True``.

Metadata
    ``metadata`` is a CSV joined by id: its id column is ``metadata_id_column``, else ``doc_id``, else
    ``id``. Values are strings, empty cells ``None``. Metadata values are added to ``Document.meta`` and
    **override** table columns of the same name. Unmatched documents and unused metadata rows are listed in
    ``corpus.info["metadata_unmatched_docs"]`` and ``["metadata_unused_rows"]``; repeated ids raise
    ``MetadataError``.

Encodings (:func:`decode_bytes`)
    ``encoding`` given: that codec only, strictly (``DecodeError`` names the byte offset). Otherwise: a BOM
    (UTF-8, UTF-16, UTF-32), then strict UTF-8, then UTF-16 without a BOM when NUL bytes sit at alternate
    offsets, then GB18030 or Big5, whichever gives more common Chinese characters (ties: GB18030). Binary
    bytes (NUL and control characters) are a ``DecodeError``, never mojibake. The codec used for each file
    is in ``corpus.info["encodings"]`` (``{source: encoding}``).

``corpus.info`` keys: ``inputs``, ``n_files``, ``glob``, ``encodings``, ``metadata``, ``metadata_id_column``,
``metadata_unmatched_docs``, ``metadata_unused_rows``, ``notes``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from ..corpus import Corpus, Document, ErrorRecord
from ..errors import (
    ColumnError,
    CorpusError,
    DocumentError,
    DuplicateIdError,
    NoDocumentsError,
    SkippedInputError,
    UnreadableFileError,
    UnsupportedFormatError,
)
from ._decode import decode_bytes, lookup_encoding
from ._files import MAX_CHARS, MAX_UNZIPPED_BYTES, read_docx, read_html, read_pdf, read_plain_text
from ._options import ReadOptions
from ._tables import TABLE_FORMATS, open_tables, table_documents

__all__ = ["ACCEPTED_INPUTS", "DOCUMENT_FORMATS", "DOC_FILE_PREFIXES", "FORMATS", "Format", "MAX_CHARS",
           "MAX_UNZIPPED_BYTES", "ReadOptions", "SUPPORTED_FORMATS", "TABLE_FORMATS", "decode_bytes", "formats_help",
           "is_path_input", "iter_corpus", "iter_objects", "plan_corpus", "read_corpus"]


@dataclass(frozen=True)
class Format:
    """How one file extension is read.

    Parameters
    ----------
    kind : {"document", "table"}
        A document file (one file, one document) or a table (one document per row, opened by
        :func:`policytext.readers._tables.open_tables`).
    read : callable or None
        Documents: ``read(path, encoding, max_chars) -> (text, codec used or None)``; None for tables.
    """

    kind: str
    read: Callable[[Path, "str | None", "int | None"], "tuple[str, str | None]"] | None = None


def _own_encoding(read: Callable[[Path, "int | None"], str]) -> Callable:
    """A reader of a format that carries its own encoding (.docx, .pdf), in the registry's form."""

    def read_file(path: Path, encoding: str | None, max_chars: int | None) -> tuple[str, None]:
        return read(path, max_chars), None

    read_file.__name__ = read_file.__qualname__ = read.__name__
    return read_file


#: the reader registry, ``{extension: Format}``: the one place a format is added. DOCUMENT_FORMATS,
#: SUPPORTED_FORMATS, the dispatch (:func:`read_entry`) and the command line's help are derived from it; an
#: extension not in it is an ``UnsupportedFormatError`` record. Every extension is described in docs/semantics.md
#: (a test checks).
FORMATS: dict[str, Format] = {
    ".txt": Format("document", read_plain_text),
    ".md": Format("document", read_plain_text),
    ".docx": Format("document", _own_encoding(read_docx)),
    ".pdf": Format("document", _own_encoding(read_pdf)),
    ".html": Format("document", read_html),
    ".htm": Format("document", read_html),
    **{ext: Format("table") for ext in TABLE_FORMATS},
}
#: the extensions read as one document per file, sorted
DOCUMENT_FORMATS = tuple(sorted(ext for ext, f in FORMATS.items() if f.kind == "document"))
#: every extension read_corpus reads, sorted
SUPPORTED_FORMATS = tuple(sorted(FORMATS))


def formats_help() -> str:
    """The readable extensions as the command line's help lists them.

    Returns
    -------
    str
        ``"folders and files: .txt .md ...; tables: .csv ..."`` in registry order.
    """
    docs = " ".join(ext for ext, f in FORMATS.items() if f.kind == "document")
    tables = " ".join(ext for ext, f in FORMATS.items() if f.kind == "table")
    return f"documents {docs}; tables {tables}"
METADATA_FILENAME = "metadata.csv"
#: files in a folder whose name starts with one of these (any case) describe the corpus and are not documents
DOC_FILE_PREFIXES = ("readme", "manifest", "license", "licence", "changelog")

_SAVE_AS = {".doc": ".docx", ".xls": ".xlsx", ".htmls": ".html", ".wps": ".docx", ".et": ".xlsx"}

PathLike = str | os.PathLike


def __getattr__(name: str):
    # ACCEPTED_INPUTS comes from the reader of corpora in memory (._frames), imported when first asked for: a run
    # over folders and files needs neither it nor the metadata reader (._metadata) (issue 15: fixed costs)
    if name == "ACCEPTED_INPUTS":
        from ._frames import ACCEPTED

        return ACCEPTED
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "ACCEPTED_INPUTS"})


@dataclass
class _Input:
    """One file to read (or a listing problem to record): where it is, its id and its source string."""

    path: Path
    file_id: str
    source: str
    problem: DocumentError | None = None
    # as listed (symbolic links followed), for an index of unchanged files: the fields it compares
    stat: _Stamp | os.stat_result | None = None


class _Stamp(NamedTuple):
    """The fields of a listed file's ``os.stat`` that :meth:`policytext.warm.WarmIndex.reuse` compares: about
    200 bytes where the whole ``os.stat_result`` takes about 600, for every file of a listing held while the
    corpus is read (and inherited by forked workers; issue 15)."""

    st_dev: int
    st_ino: int
    st_size: int
    st_mtime_ns: int
    st_ctime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> _Stamp:
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def read_corpus(inputs: PathLike | Iterable[PathLike], options: ReadOptions | None = None, *, progress: Any = None,
                **fields: Any) -> Corpus:
    """Read folders, document files and table files into one :class:`~policytext.corpus.Corpus`.

    The module docstring gives the full rules. Reader options come as a :class:`ReadOptions` or as its
    fields by keyword (``read_corpus(path, text_column="正文")``): both are turned into one
    :class:`ReadOptions` (:meth:`ReadOptions.of`), so every entry point takes the same options in the same way.

    Parameters
    ----------
    inputs : path, list of paths, DataFrame, dict or list of str
        A path or a list of paths (folders are read recursively); or a pandas DataFrame (one document per
        row, ``text_column``/``id_column`` as for tables), a ``{doc_id: text}`` dict or a list of strings
        (ids ``doc1``, ``doc2`` ...); anything else raises :class:`TypeError` naming what is accepted.
    options : ReadOptions, optional
        How to read (default: ``ReadOptions()``).
    progress : tqdm-like, optional
        ``total`` is set once the files are listed, ``update(1)`` is called per file.
    **fields
        Fields of :class:`ReadOptions` (``text_column``, ``id_column``, ``encoding``, ``metadata``,
        ``metadata_id_column``, ``glob``, ``max_chars``, ``sheet``, ``include_docs``), replacing those of
        ``options``.

    Returns
    -------
    Corpus
        The documents read and, as ``corpus.errors``, the inputs that failed; ``corpus.info`` says how.

    Raises
    ------
    CorpusError
        A missing input; :class:`ColumnError`, :class:`MetadataError`; :class:`NoDocumentsError` when nothing
        at all was found; :class:`ConfigError` for an unknown encoding.
    """
    info: dict = {}
    documents: list[Document] = []
    errors: list[ErrorRecord] = []
    for item in iter_corpus(inputs, ReadOptions.of(options, **fields), progress=progress, info=info):
        (errors if isinstance(item, ErrorRecord) else documents).append(item)
    return Corpus(documents, errors, info)


def iter_corpus(inputs: PathLike | Iterable[PathLike], options: ReadOptions | None = None, *, progress: Any = None,
                info: dict | None = None, reuse: Any = None, **fields: Any) -> Iterator[Document | ErrorRecord]:
    """What :func:`read_corpus` reads, one item at a time, without holding the corpus in memory.

    Parameters
    ----------
    inputs : path, list of paths, DataFrame, dict or list of str
        As :func:`read_corpus`.
    options : ReadOptions, optional
        How to read.
    progress : tqdm-like, optional
        As :func:`read_corpus`.
    info : dict, optional
        Filled, when the iterator is exhausted, with what ``corpus.info`` would hold.
    reuse : object, optional
        Asked before each single-document file is read (a :class:`policytext.warm.WarmIndex`):
        ``reuse.reuse(path, file_id, source, options, stat)`` (``stat``: the file's ``os.stat`` as listed,
        or None) returns ``(document, codec)`` to take instead of reading the file, or None;
        ``reuse.read(source, document, codec)`` is told of each such file read.
    **fields
        Fields of :class:`ReadOptions`, replacing those of ``options``.

    Returns
    -------
    iterator of Document or ErrorRecord
        Each document (metadata joined, id checked) or error record, in input order. The same errors as
        :func:`read_corpus` are raised, when the iteration reaches them.
    """
    options = ReadOptions.of(options, **fields)
    if not isinstance(inputs, (str, os.PathLike, list, tuple, dict)) and type(inputs).__name__ != "DataFrame" \
            and hasattr(inputs, "__iter__"):
        inputs = list(inputs)  # a generator of paths
    if not is_path_input(inputs):  # a DataFrame, a dict of texts, a list of strings
        yield from iter_objects(inputs, options, info=info)
        return
    plan = plan_corpus(inputs, options)
    if progress is not None:
        progress.total = len(plan.entries)
    assembler = CorpusAssembler(plan)
    for entry in plan.entries:
        single = reuse is not None and entry.problem is None and _is_document_file(entry.path)
        if single:
            taken = reuse.reuse(entry.path, entry.file_id, entry.source, options, entry.stat)
            if taken is not None:
                doc, codec = taken
                if codec is not None:
                    assembler.encodings[entry.source] = codec
                yield assembler.add(doc)
                if progress is not None:
                    progress.update(1)
                continue
        try:
            for item in read_entry(entry, options, assembler.encodings, plan.notes):
                item = assembler.add(item)
                if single and isinstance(item, Document):
                    reuse.read(entry.source, item, assembler.encodings.get(entry.source))
                yield item
        except ColumnError as exc:
            if len(plan.entries) == 1:
                raise  # the table is the whole corpus: nothing can be read, say so
            assembler.n_errors += 1  # one table among other inputs: record it, the batch goes on
            message = str(exc).removeprefix(f"{entry.source}: ")
            yield ErrorRecord(source=entry.source, doc_id=None, error="ColumnError", message=message)
        if progress is not None:
            progress.update(1)
    final = assembler.finish()
    if info is not None:
        info.update(final)


def iter_objects(obj: Any, options: ReadOptions | None = None, *, info: dict | None = None
                 ) -> Iterator[Document | ErrorRecord]:
    """The documents of a corpus held in memory, one item at a time, ids checked as :func:`iter_corpus` checks
    them.

    Parameters
    ----------
    obj : DataFrame, dict or list of str
        A pandas DataFrame (one document per row), a ``{doc_id: text}`` dict or a list of texts (ids ``doc1``,
        ``doc2`` ...); a list of strings is always texts here, never paths.
    options : ReadOptions, optional
        ``text_column``, ``id_column`` and ``max_chars`` apply.
    info : dict, optional
        Filled, when the iterator is exhausted, with what ``corpus.info`` would hold.

    Returns
    -------
    iterator of Document or ErrorRecord
        In order.
    """
    options = ReadOptions.of(options)
    from ._frames import corpus_from_object

    items, what = corpus_from_object(obj, text_column=options.text_column, id_column=options.id_column,
                                     max_chars=options.max_chars)
    assembler = CorpusAssembler(CorpusPlan([], None, [], [], None, []))
    for item in items:
        yield assembler.add(item)
    if info is not None:
        info.update({**assembler.finish(), "inputs": [what], "n_files": 0})


@dataclass
class CorpusPlan:
    """The inputs of a corpus, listed but not read: files (``entries``, in reading order) and metadata."""

    paths: list[Path]
    patterns: list[str] | None
    entries: list[_Input]
    metadata_paths: list[Path]
    metadata: Any  # ._metadata.Metadata or None
    notes: list[str]


def plan_corpus(inputs: PathLike | Iterable[PathLike], options: ReadOptions | None = None, **fields: Any
                ) -> CorpusPlan:
    """List the files :func:`read_corpus` would read and load the metadata; read no document.

    In folders, documentation files (:data:`DOC_FILE_PREFIXES`: README, MANIFEST, LICENSE, CHANGELOG ...)
    are ``SkippedInputError`` entries unless ``include_docs``; a metadata file given with ``metadata`` that
    lies in an input folder is not also read as a table (a note says so). An input named directly that is not
    a regular file (FIFO, socket, device) is an ``UnreadableFileError`` entry: nothing blocks on it.

    Parameters
    ----------
    inputs : path or list of paths
        The corpus.
    options : ReadOptions, optional
        How to read (``encoding``, ``metadata``, ``metadata_id_column``, ``glob`` and ``include_docs`` are
        used here).
    **fields
        Fields of :class:`ReadOptions`, replacing those of ``options``.

    Returns
    -------
    CorpusPlan
        The entries in reading order, the metadata and notes.
    """
    options = ReadOptions.of(options, **fields)
    encoding, metadata, include_docs = options.encoding, options.metadata, options.include_docs
    if encoding:
        lookup_encoding(encoding)
    paths = _as_paths(inputs)
    patterns = options.patterns
    notes: list[str] = []

    entries: list[_Input] = []
    found_metadata: list[Path] = []
    for path in paths:
        if not os.path.lexists(path):
            raise CorpusError(f"input not found: {path}")
        if path.is_dir():
            folder_entries, folder_metadata = _list_folder(path, patterns, include_docs)
            entries.extend(folder_entries)
            if folder_metadata is not None:
                found_metadata.append(folder_metadata)
        else:
            entries.append(_Input(path, _display(path.stem), _display(str(path)), _not_regular(path)))

    metadata_paths: list[Path] = []
    if metadata is not None:
        metadata_paths = [Path(metadata)]
        notes.extend(f"{p}: not read as a document (metadata= was given)" for p in found_metadata)
        joined_stat = _stat_key(Path(metadata))
        if joined_stat is not None:
            kept = []
            for entry in entries:
                if entry.problem is None and _stat_key(entry.path) == joined_stat:
                    notes.append(f"{entry.source}: not read as a table (it is the metadata file joined to the corpus)")
                else:
                    kept.append(entry)
            entries = kept
    else:
        metadata_paths = found_metadata
    joined = None
    if metadata_paths:
        from ._metadata import load_metadata

        joined = load_metadata(metadata_paths, options.metadata_id_column)
    return CorpusPlan(paths, patterns, entries, metadata_paths, joined, notes)


class CorpusAssembler:
    """Turns the items read from a plan's entries, in input order, into documents and error records: ids
    are checked (a repeated id is a ``DuplicateIdError`` record) and metadata is joined as they arrive.
    :meth:`finish` returns ``corpus.info``. ``encodings`` collects the codec used per source."""

    def __init__(self, plan: CorpusPlan):
        self.plan = plan
        self.encodings: dict[str, str] = {}
        self.n_documents = 0
        self.n_errors = 0
        self._first_source: dict[str, str] = {}
        self._unmatched: list[str] = []
        self._used: set[str] = set()

    def add(self, item: Document | DocumentError | ErrorRecord) -> Document | ErrorRecord:
        if isinstance(item, ErrorRecord):
            self.n_errors += 1
            return item
        if isinstance(item, DocumentError):
            self.n_errors += 1
            return ErrorRecord.from_error(item)
        if item.doc_id in self._first_source:
            self.n_errors += 1
            return ErrorRecord.from_error(DuplicateIdError(
                f"id {item.doc_id!r} is already used by {self._first_source[item.doc_id]}", item.source, item.doc_id))
        self._first_source[item.doc_id] = item.source
        self.n_documents += 1
        joined = self.plan.metadata
        if joined is not None:
            values = joined.rows.get(item.doc_id)
            if values is None:
                self._unmatched.append(item.doc_id)
            else:
                self._used.add(item.doc_id)
                item.meta.update(values)
        return item

    def finish(self) -> dict:
        """``corpus.info``; raises :class:`NoDocumentsError` if no input at all was found."""
        plan = self.plan
        if not self.n_documents and not self.n_errors:
            where = ", ".join(map(str, plan.paths)) or "(no inputs)"
            matching = f" matching {', '.join(plan.patterns)}" if plan.patterns else ""
            raise NoDocumentsError(f"no documents{matching} found in {where} (readable: {', '.join(SUPPORTED_FORMATS)})")
        joined = plan.metadata
        unused = [doc_id for doc_id in joined.rows if doc_id not in self._used] if joined is not None else []
        metadata_paths = plan.metadata_paths
        return {
            "inputs": [str(p) for p in plan.paths],
            "n_files": len(plan.entries),
            "glob": plan.patterns,
            "encodings": self.encodings,
            "metadata": (str(metadata_paths[0]) if len(metadata_paths) == 1
                         else [str(p) for p in metadata_paths] or None),
            "metadata_id_column": joined.id_column if joined is not None else None,
            "metadata_unmatched_docs": self._unmatched if joined is not None else [],
            "metadata_unused_rows": unused,
            "notes": plan.notes,
        }


def is_path_input(inputs) -> bool:
    """Whether ``inputs`` are paths (what the folder and file readers take) rather than a corpus in memory.

    Parameters
    ----------
    inputs : object
        A path, a list of paths, or a DataFrame, dict or list of texts.

    Returns
    -------
    bool
        True for a path or a list of paths; a list of strings is texts when one of them cannot be a path (a
        line break, or no such path and CJK text without an extension).
    """
    if isinstance(inputs, (str, os.PathLike)):
        return True
    if isinstance(inputs, (list, tuple)):
        if any(isinstance(p, os.PathLike) for p in inputs):
            return all(isinstance(p, (str, os.PathLike)) for p in inputs)
        return all(isinstance(p, str) for p in inputs) and not _looks_like_texts(inputs)
    return False


def _looks_like_texts(items) -> bool:
    """A list of strings is a list of texts, not of paths, when some string cannot be a path: it holds a line
    break, or is not an existing path and contains CJK text or is longer than a path would be."""
    for item in items:
        if "\n" in item or "\x00" in item or len(item) > 4096:
            return True
    return not any(os.path.lexists(item) for item in items) and any(
        any("\u3400" <= ch <= "\u9fff" for ch in item) and not Path(item).suffix for item in items)


def _stat_key(path: Path):
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _not_regular(path: Path) -> DocumentError | None:
    """An error for a path named directly that is not a regular file (reading it could block forever)."""
    try:
        st = path.stat()
    except OSError as exc:
        reason = "broken symbolic link" if path.is_symlink() else f"cannot read ({exc.strerror or exc})"
        return UnreadableFileError(reason)
    if stat.S_ISREG(st.st_mode):
        return None
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
            else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a regular file")
    return UnreadableFileError(f"not a regular file ({kind}); policytext reads only regular files")


def _is_doc_file(name: str) -> bool:
    return name.lower().startswith(DOC_FILE_PREFIXES)


def _as_paths(inputs: PathLike | Iterable[PathLike]) -> list[Path]:
    if isinstance(inputs, (str, os.PathLike)):
        return [Path(inputs)]
    return [Path(p) for p in inputs]


# --------------------------------------------------------------------------- listing folders


def _list_folder(root: Path, patterns: list[str] | None, include_docs: bool = False
                 ) -> tuple[list[_Input], Path | None]:
    """Files under ``root`` as inputs (sorted by relative path), and the root's metadata.csv if any.

    Directories are visited once each (by device and inode), so a symbolic link back to a folder already
    read is recorded as a loop instead of being followed forever. Each entry's path is ``folder / name``; its
    text (the source) is built from the folder's as ``str(folder / name)`` spells it, and the file is stat'ed by
    that text, so that no path is parsed twice (about 10 µs a file less: issue 15).
    """
    entries: list[tuple[str, _Input]] = []
    metadata_file = None
    root_stat = root.stat()
    seen_dirs = {(root_stat.st_dev, root_stat.st_ino)}
    stack = [(root, "")]
    is_dir, is_reg, stamp = stat.S_ISDIR, stat.S_ISREG, _Stamp.of
    while stack:
        folder, prefix = stack.pop()
        lead = _child_lead(folder)
        try:
            children = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            rel = prefix.rstrip("/") or "."
            problem = UnreadableFileError(f"cannot list the folder ({exc.strerror or exc})")
            entries.append((rel, _Input(folder, rel, str(folder), problem)))
            continue
        subfolders = []
        for child in children:
            name = child.name
            if name.startswith("."):
                continue
            rel = prefix + _display(name)
            where = lead + name if lead is not None else str(folder / name)
            wanted = patterns is None or any(fnmatchcase(rel, p) for p in patterns)
            try:
                st = os.stat(where)
            except OSError as exc:
                if wanted:
                    path = folder / name
                    reason = "broken symbolic link" if path.is_symlink() else f"cannot read ({exc.strerror or exc})"
                    entries.append((rel, _Input(path, _strip_ext(rel), _display(where), UnreadableFileError(reason))))
                continue
            mode = st.st_mode
            if is_dir(mode):
                key = (st.st_dev, st.st_ino)
                path = folder / name
                if key in seen_dirs:
                    problem = UnreadableFileError(
                        "symbolic link loop: this link points to a folder that is already read")
                    entries.append((rel, _Input(path, rel, _display(where), problem)))
                    continue
                seen_dirs.add(key)
                subfolders.append((path, rel + "/"))
            elif not prefix and name == METADATA_FILENAME:
                metadata_file = folder / name
            elif not wanted:
                continue
            elif not is_reg(mode):
                problem = UnreadableFileError("not a regular file (a device, pipe or socket)")
                entries.append((rel, _Input(folder / name, _strip_ext(rel), _display(where), problem)))
            elif not include_docs and _is_doc_file(name):
                problem = SkippedInputError("documentation file, not a document: skipped (--include-docs, "
                                            "include_docs=True, to score it)")
                entries.append((rel, _Input(folder / name, _strip_ext(rel), _display(where), problem)))
            else:
                entries.append((rel, _Input(folder / name, _strip_ext(rel), _display(where), stat=stamp(st))))
        stack.extend(reversed(subfolders))
    entries.sort(key=lambda pair: pair[0])
    return [entry for _, entry in entries], metadata_file


def _child_lead(folder: Path) -> str | None:
    """What ``str(folder / name)`` puts before ``name`` (``"a/b/"``; nothing for ``.``; ``"/"`` for the root), or
    None where paths are not spelled with ``/`` alone (Windows: ``folder / name`` is built instead).

    >>> [_child_lead(Path(p)) + "x" for p in (".", "/", "a/b", "./a//b/")]
    ['x', '/x', 'a/b/x', 'a/b/x']
    """
    if os.sep != "/" or os.altsep is not None:
        return None  # pragma: no cover - Windows
    text = str(folder)
    return "" if text == "." else text if text.endswith("/") else text + "/"


def _display(name: str) -> str:
    """A file name as text. Names that are not valid UTF-8 reach Python with surrogate escapes; their bytes
    are decoded as GB18030 when that works (archives made on Chinese Windows), else with U+FFFD for bad bytes,
    so ids and sources can always be written to CSV, JSON or Excel.

    >>> _display(os.fsdecode("公告".encode("gbk") + b".txt"))
    '公告.txt'
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace")


def _strip_ext(rel: str) -> str:
    """``rel`` without the extension of its last part, as ``Path(last).suffix`` names it (a name that starts
    with its only dot, or ends with a dot, has none).

    >>> [_strip_ext(r) for r in ("a/b.txt", "a.b/c", "x.tar.gz", ".env", "end.", "d/.hidden")]
    ['a/b', 'a.b/c', 'x.tar', '.env', 'end.', 'd/.hidden']
    """
    name = rel.rsplit("/", 1)[-1]
    i = name.rfind(".")
    return rel[: i - len(name)] if 0 < i < len(name) - 1 else rel


# --------------------------------------------------------------------------- reading one input


def read_entry(entry: _Input, options: ReadOptions, encodings: dict, notes: list) -> Iterable[Document | DocumentError]:
    """Documents and errors from one input file (a list, or a generator for tables), read as the registry
    :data:`FORMATS` says for its extension; an extension not in it is an ``UnsupportedFormatError``."""
    if entry.problem is not None:
        entry.problem.source, entry.problem.doc_id = entry.source, None
        return [entry.problem]
    ext = entry.path.suffix.lower()
    fmt = FORMATS.get(ext)
    if fmt is None:
        return [_unsupported(entry, ext)]
    is_table = fmt.kind == "table"
    try:
        if is_table:
            return _read_table(entry, ext, options, encodings, notes)
        text, used = fmt.read(entry.path, options.encoding, options.max_chars)
    except DocumentError as exc:
        exc.source = entry.source
        exc.doc_id = None if is_table else entry.file_id
        return [exc]
    except OSError as exc:
        return [UnreadableFileError(f"cannot read the file ({exc.strerror or exc})", entry.source,
                                    None if is_table else entry.file_id)]
    if used is not None:
        encodings[entry.source] = used
    return [Document(entry.file_id, text, {}, entry.source)]


def _read_table(entry: _Input, ext: str, options: ReadOptions, encodings: dict, notes: list):
    text_column, id_column, encoding = options.text_column, options.id_column, options.encoding
    max_chars = options.max_chars
    try:
        tables = open_tables(entry.path, ext, encoding, options.sheet)
    except ColumnError as exc:
        raise ColumnError(f"{entry.source}: {exc}") from None
    for table in tables:
        if table.encoding is not None:
            encodings[entry.source] = table.encoding
        notes.extend(table.notes)
    if len(tables) == 1 and tables[0].sheet is None:
        return _with_skipped(entry, tables[0].skipped, table_documents(
            tables[0], text_column=text_column, id_column=id_column, file_id=entry.file_id, source=entry.source,
            max_chars=max_chars, encoding=encoding))
    return _read_sheets(entry, tables, text_column, id_column, encoding, max_chars)


def _with_skipped(entry: _Input, skipped: list, documents: Iterable) -> Iterator:
    yield from documents
    for problem in skipped:  # worksheets not read: after the rows, so row records keep their places
        problem.source = f"{entry.source}#{problem.sheet}"
        yield problem


def _read_sheets(entry: _Input, tables: list, text_column, id_column, encoding, max_chars) -> Iterator:
    """Every worksheet of a workbook (``sheet="all"``): each row a document with a ``sheet`` column; a sheet
    without the text column is one record, the others are read."""
    for table in tables:
        source = f"{entry.source}#{table.sheet}"
        try:
            rows = table_documents(table, text_column=text_column, id_column=id_column,
                                   file_id=f"{entry.file_id}#{table.sheet}", source=source, max_chars=max_chars,
                                   encoding=encoding)
        except ColumnError as exc:
            yield ErrorRecord(source=source, doc_id=None, error="ColumnError",
                              message=str(exc).removeprefix(f"{source}: "))
            continue
        for item in rows:
            if isinstance(item, Document):
                item.meta = {"sheet": table.sheet, **item.meta}
            yield item
    yield from _with_skipped(entry, tables[0].skipped, ())


def _is_document_file(path: Path) -> bool:
    fmt = FORMATS.get(path.suffix.lower())
    return fmt is not None and fmt.kind == "document"


def _unsupported(entry: _Input, ext: str) -> UnsupportedFormatError:
    what = f"unsupported extension {ext!r}" if ext else "no file extension"
    hint = f"; save it as {_SAVE_AS[ext]}" if ext in _SAVE_AS else ""
    return UnsupportedFormatError(
        f"{what}{hint} (supported: {', '.join(SUPPORTED_FORMATS)})", entry.source, entry.file_id)
