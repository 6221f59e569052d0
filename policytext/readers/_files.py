"""One file, one document: plain text (.txt, .md), Word (.docx), PDF (.pdf) and web pages (.html, .htm).

Each reader takes a path and returns the extracted text (plus the encoding for the formats that are decoded)
or raises a :class:`~policytext.errors.DocumentError` subclass with a one-line message. The caller fills in
``source`` and ``doc_id``. Nothing is normalised here: a BOM is the only thing ever removed.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from pathlib import Path

from ..errors import (CorruptFileError, DecodeError, EmptyDocumentError, NoTextLayerError, TooLargeError,
                      UnreadableFileError)
from ._decode import decode_bytes, lookup_encoding

__all__ = [
    "MAX_CHARS",
    "MAX_FILE_BYTES",
    "MAX_UNZIPPED_BYTES",
    "check_chars",
    "open_regular",
    "one_line_reason",
    "check_zip",
    "read_bytes",
    "read_docx",
    "html_main_text",
    "read_html",
    "read_pdf",
    "read_plain_text",
]

#: zip-bomb guard for .docx/.xlsx: the members may not unpack to more than this many bytes in total
MAX_UNZIPPED_BYTES = 500 * 1024 * 1024
#: size of a .docx, .xlsx or .pdf file read into memory at most
MAX_FILE_BYTES = 500 * 1024 * 1024

#: characters per document: a document with more is a ``TooLargeError`` record (``max_chars=``, ``--max-chars``)
MAX_CHARS = 50_000_000

#: bytes per character a text file may take at most (UTF-8 and GB18030 need up to 4)
_BYTES_PER_CHAR = 4

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of old .doc/.xls files


def too_large(max_chars: int, what: str) -> TooLargeError:
    return TooLargeError(f"over the limit of {max_chars:,} characters per document ({what}); raise it with "
                         "--max-chars N (max_chars= in Python)")


def check_chars(text: str, max_chars: int | None) -> str:
    """``text``, or :class:`TooLargeError` if it has more than ``max_chars`` characters."""
    if max_chars is not None and len(text) > max_chars:
        raise too_large(max_chars, f"it has {len(text):,}")
    return text


def open_regular(path: Path):
    """Open ``path`` for reading without ever blocking: FIFOs, sockets and devices are refused
    (:class:`UnreadableFileError`) after an ``O_NONBLOCK`` open, which returns at once even for a FIFO
    without a writer; the regular file is then opened as usual and checked to be the same file. Returns a
    binary file object (OSErrors pass through)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
    finally:
        os.close(fd)
    if not stat.S_ISREG(st.st_mode):
        raise UnreadableFileError(f"not a regular file ({_file_kind(st.st_mode)}); policytext reads only regular files")
    fh = io.open(path, "rb")
    again = os.fstat(fh.fileno())
    if (again.st_dev, again.st_ino) != (st.st_dev, st.st_ino):  # replaced between the two opens
        fh.close()
        raise UnreadableFileError("the file was replaced while being opened")
    return fh


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def read_bytes(path: Path, max_bytes: int | None = None, max_chars: int | None = None) -> bytes:
    """The file's bytes; a 0-byte file raises :class:`EmptyDocumentError`, a file that is not a regular file
    :class:`UnreadableFileError`, one larger than ``max_bytes`` :class:`TooLargeError` before anything is read
    (the message names ``max_chars`` when the byte limit comes from it). OSErrors pass through."""
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        if max_bytes is not None and size > max_bytes:
            if max_chars is not None:
                raise too_large(max_chars, f"the file has {size:,} bytes, more than {_BYTES_PER_CHAR} per character")
            raise TooLargeError(f"refused: the file has {size // 2**20:,} MB (limit {max_bytes // 2**20:,} MB)")
        if max_bytes is None:
            data = fh.read()
        else:
            # the size as listed, and one byte more to see growth: asking for max_bytes + 1 at once made the
            # reader allocate that much for every file (0.115 -> 0.052 s over the 2,982 laws); a file that grew
            # is read on to the limit, so the bytes are those of fh.read(max_bytes + 1)
            want = size + 1
            data = fh.read(want)
            if len(data) == want and want <= max_bytes:
                data += fh.read(max_bytes + 1 - want)
    if not data:
        raise EmptyDocumentError("file is empty (0 bytes)")
    if max_bytes is not None and len(data) > max_bytes:  # it grew while being read
        raise TooLargeError(f"the file has more than {max_bytes:,} bytes")
    return data


def text_bytes(path: Path, max_chars: int | None) -> bytes:
    """The bytes of a text file (.txt, .md, .html, .csv ...) that may hold at most ``max_chars`` characters."""
    limit = None if max_chars is None else _BYTES_PER_CHAR * max_chars + 4  # + a byte-order mark
    return read_bytes(path, limit, max_chars)


def _require_text(text: str, what: str = "file") -> str:
    if not text.strip():
        raise EmptyDocumentError(f"{what} contains only whitespace" if text else f"{what} has no text")
    return text


# --------------------------------------------------------------------------- plain text


def read_plain_text(path: Path, encoding: str | None = None, max_chars: int | None = MAX_CHARS) -> tuple[str, str]:
    """A .txt/.md file decoded by :func:`decode_bytes`: ``(text, encoding_used)``. A file of more than
    ``max_chars`` characters (or, before reading, more than 4 bytes per character) is a :class:`TooLargeError`."""
    text, used = decode_bytes(text_bytes(path, max_chars), encoding)
    return _require_text(check_chars(text, max_chars)), used


# --------------------------------------------------------------------------- zip containers


def check_zip(data: bytes, kind: str) -> zipfile.ZipFile:
    """Open ``data`` as the zip container of a ``kind`` (".docx"/".xlsx") file, refusing bombs and impostors."""
    old = {".docx": ".doc", ".xlsx": ".xls"}[kind]
    if data.startswith(_OLE2_MAGIC):
        raise CorruptFileError(f"not a valid {kind}: it is an old {old} file; save it as {kind}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise CorruptFileError(
            f"not a valid {kind} (not a zip file); if it is an old {old}, save it as {kind}"
        ) from None
    total = sum(member.file_size for member in archive.infolist())
    if total > MAX_UNZIPPED_BYTES:
        raise CorruptFileError(
            f"refused: the {kind} would unpack to {total // 2**20} MB (limit {MAX_UNZIPPED_BYTES // 2**20} MB)"
        )
    bad = archive.testzip() if len(data) < 64 * 2**20 else None
    if bad is not None:
        raise CorruptFileError(f"not a valid {kind} (damaged zip member {bad})")
    return archive


# --------------------------------------------------------------------------- .docx


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
#: characters a run element stands for (python-docx's choices: a page or column break is no character)
_RUN_CHARS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "cr": "\n", _W + "noBreakHyphen": "-"}
_FEED_BYTES = 1 << 20


class _Budget:
    """Characters and unpacked bytes read so far from one file, against its limits."""

    def __init__(self, max_chars: int | None, max_bytes: int, kind: str):
        self.max_chars, self.max_bytes, self.kind = max_chars, max_bytes, kind
        self.chars = self.bytes = 0

    def add_chars(self, n: int) -> None:
        self.chars += n
        if self.max_chars is not None and self.chars > self.max_chars:
            raise too_large(self.max_chars, f"reading stopped after {self.max_chars:,}")

    def add_bytes(self, n: int) -> None:
        self.bytes += n
        if self.bytes > self.max_bytes:
            raise TooLargeError(f"refused: the {self.kind} unpacks to more than {self.max_bytes // 2**20} MB "
                                f"(limit {self.max_bytes // 2**20} MB)")


class _WordText:
    """lxml parser target collecting the paragraphs of a WordprocessingML part as lines, in document order.

    Each ``<w:p>`` is a line (text of ``<w:t>``, tabs, line breaks). Paragraphs inside a text box
    (``<w:txbxContent>``) follow the paragraph that anchors the box. ``<mc:Fallback>`` (the VML copy of a
    text box) and deleted text (``<w:delText>``) are not read.
    """

    def __init__(self, budget: _Budget):
        self.budget = budget
        self.lines: list[str] = []
        self._open: list[tuple[list[str], list[str]]] = []  # per open paragraph: (its text, text-box lines)
        self._skip = 0
        self._in_text = False

    def _add(self, text: str) -> None:
        if self._open:
            self.budget.add_chars(len(text))
            self._open[-1][0].append(text)

    def doctype(self, *_args) -> None:
        raise CorruptFileError("not a valid .docx (it declares a DTD, which Word never writes)")

    def start(self, tag, attrib) -> None:
        if self._skip or tag == _MC_FALLBACK:
            self._skip += 1
        elif tag == _W + "p":
            self._open.append(([], []))
        elif tag == _W + "t":
            self._in_text = True
        elif tag == _W + "br":
            if attrib.get(_W + "type", "textWrapping") == "textWrapping":
                self._add("\n")
        elif tag in _RUN_CHARS:
            self._add(_RUN_CHARS[tag])

    def data(self, text: str) -> None:
        if self._in_text and not self._skip:
            self._add(text)

    def end(self, tag) -> None:
        if self._skip:
            self._skip -= 1
        elif tag == _W + "t":
            self._in_text = False
        elif tag == _W + "p" and self._open:
            parts, boxed = self._open.pop()
            lines = ["".join(parts), *boxed]
            (self._open[-1][1] if self._open else self.lines).extend(lines)

    def comment(self, _text) -> None:
        return None

    def pi(self, *_args) -> None:
        return None

    def close(self) -> list[str]:
        return self.lines


def _part_lines(archive: zipfile.ZipFile, name: str, budget: _Budget) -> list[str]:
    """The paragraphs of one part, parsed as a stream of at most ``budget`` bytes and characters."""
    from lxml import etree

    target = _WordText(budget)
    parser = etree.XMLParser(target=target, huge_tree=True, resolve_entities=False, no_network=True,
                             load_dtd=False)
    try:
        with archive.open(name) as fh:
            while True:
                chunk = fh.read(_FEED_BYTES)
                if not chunk:
                    break
                budget.add_bytes(len(chunk))
                parser.feed(chunk)
        return parser.close()
    except (TooLargeError, CorruptFileError):
        raise
    except Exception as exc:  # lxml's XMLSyntaxError, zipfile's BadZipFile, zlib errors ...
        raise CorruptFileError(f"not a valid .docx ({one_line_reason(exc)})") from None


def _relationships(archive: zipfile.ZipFile, name: str) -> list[tuple[str, str]]:
    """``(type, target)`` of a part's relationships (``_rels/<part>.rels``), targets as archive names."""
    from lxml import etree

    folder, _, base = name.rpartition("/")
    rels = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    if rels not in archive.namelist():
        return []
    try:
        root = etree.fromstring(archive.read(rels), etree.XMLParser(resolve_entities=False, no_network=True))
    except Exception as exc:
        raise CorruptFileError(f"not a valid .docx ({one_line_reason(exc)})") from None
    out = []
    for rel in root.iter(_REL):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else (f"{folder}/{target}" if folder else target)
        parts: list[str] = []
        for piece in path.split("/"):
            if piece == "..":
                if parts:
                    parts.pop()
            elif piece not in ("", "."):
                parts.append(piece)
        out.append(((rel.get("Type") or "").rsplit("/", 1)[-1], "/".join(parts)))
    return out


def read_docx(path: Path, max_chars: int | None = MAX_CHARS) -> str:
    """The text of a Word file, one line per paragraph (``<w:p>``, empty ones included), in this order: the
    headers (each distinct header once), the body (paragraphs and table cells in document order, cells row by
    row; text boxes after the paragraph that anchors them), footnotes, endnotes, the footers (each distinct
    footer once). Comments are not read.

    The XML is parsed as a stream: reading stops with :class:`TooLargeError` as soon as the text passes
    ``max_chars`` characters or the parts read unpack to more than :data:`MAX_UNZIPPED_BYTES`.
    """
    archive = check_zip(read_bytes(path, MAX_FILE_BYTES), ".docx")
    names = set(archive.namelist())
    main = next((t for kind, t in _relationships(archive, "") if kind == "officeDocument"), "word/document.xml")
    if main not in names:
        raise CorruptFileError("not a valid .docx (no word/document.xml: not a Word document)")
    budget = _Budget(max_chars, MAX_UNZIPPED_BYTES, ".docx")
    related = _relationships(archive, main)

    def parts(kind: str) -> list[str]:
        return sorted(t for k, t in related if k == kind and t in names)

    def once(kind: str) -> list[str]:
        seen, lines = set(), []
        for name in parts(kind):
            text = _part_lines(archive, name, budget)
            key = "\n".join(text).strip()
            if key and key not in seen:
                seen.add(key)
                lines.extend(text)
        return lines

    lines = once("header")
    lines += _part_lines(archive, main, budget)
    for kind in ("footnotes", "endnotes"):
        for name in parts(kind):
            lines += [line for line in _part_lines(archive, name, budget) if line.strip()]
    lines += once("footer")
    return _require_text("\n".join(lines), "document")


def one_line_reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}"[:200] if first else type(exc).__name__


# --------------------------------------------------------------------------- .pdf


#: a glyph name as text extractors give it for fonts without a Unicode map (Type3 fonts): /g12, /G3, /uni4E00, /cid123
_GLYPH_NAME = re.compile(r"/[A-Za-z]{1,8}[0-9A-Fa-f]{1,6}(?![A-Za-z])|\(cid:\d+\)")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
#: share of the non-space characters that are glyph names or private-use characters above which a PDF's text
#: layer is taken as unusable
GARBAGE_SHARE = 0.5


def garbage_share(text: str) -> float:
    """Share of the non-space characters of ``text`` that are glyph names (``/g1/g2``) or private-use
    characters: what a Type3 or unmapped font gives instead of text."""
    total = sum(1 for ch in text if not ch.isspace())
    if not total:
        return 0.0
    names = sum(len(m.group()) for m in _GLYPH_NAME.finditer(text))
    return (names + len(_PRIVATE_USE.findall(text))) / total


def read_pdf(path: Path, max_chars: int | None = MAX_CHARS) -> str:
    """The text layer of every page (pypdf), pages joined with a newline.

    An encrypted PDF is opened with the empty password if it has one; otherwise :class:`CorruptFileError`.
    Pages that all yield no text raise :class:`NoTextLayerError` (a scan needs OCR first), as does a text layer
    made mostly (:data:`GARBAGE_SHARE`) of glyph names or private-use characters (Type3 or unmapped fonts).
    Reading stops with :class:`TooLargeError` once the pages read hold more than ``max_chars`` characters.
    """
    import pypdf

    data = read_bytes(path, MAX_FILE_BYTES)
    if b"%PDF" not in data[:1024]:
        raise CorruptFileError("not a valid .pdf (no %PDF header)")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception as exc:  # e.g. pypdf's DependencyError when AES needs the cryptography package
                raise CorruptFileError(f"encrypted PDF that cannot be opened ({one_line_reason(exc)})") from None
            if opened == pypdf.PasswordType.NOT_DECRYPTED:
                raise CorruptFileError("encrypted PDF: it needs a password; save an unencrypted copy")
        pages, n_chars = [], 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            n_chars += len(pages[-1]) + 1
            if max_chars is not None and n_chars > max_chars:
                raise too_large(max_chars, f"reading stopped at page {len(pages)}")
    except (CorruptFileError, TooLargeError):
        raise
    except Exception as exc:  # pypdf raises PdfReadError, ValueError, KeyError ... for damaged files
        raise CorruptFileError(f"not a valid .pdf ({one_line_reason(exc)})") from None
    if not pages:
        raise EmptyDocumentError("PDF has no pages")
    if not any(page.strip() for page in pages):
        raise NoTextLayerError(f"PDF has no text layer on its {len(pages)} page(s) (a scan?); run OCR first")
    text = "\n".join(pages)
    share = garbage_share(text)
    if share > GARBAGE_SHARE:
        raise NoTextLayerError(f"PDF text layer is {share:.0%} glyph names or private-use characters (a Type3 or "
                               "unmapped font), not text; run OCR first")
    return text


# --------------------------------------------------------------------------- .html

_DROP_TAGS = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "iframe", "svg")
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary table tbody td tfoot th "
    "thead title tr ul".split()
)
#: id/class words that mark the main text of a page (gov.cn: UCAP-CONTENT, TRS_Editor; many sites: zoom)
_CONTENT_HINT = re.compile(r"content|article|main|text|editor|zoom", re.IGNORECASE)
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_SINGLE_BYTE = {"ascii", "latin-1", "iso8859-1", "cp1252"}
#: a candidate must hold at least this share of the body's text, else the whole body is used
_MIN_CANDIDATE_SHARE = 0.3
#: characters of a page given to the HTML parser at a time
_HTML_FEED_CHARS = 1 << 20


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    try:
        name = lookup_encoding(match.group(1).decode("ascii"))
    except Exception:
        return None
    return "gb18030" if name in {"gb2312", "gbk", "cp936"} else name


def decode_html(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode a web page: explicit encoding, else BOM, else the ``<meta charset>`` if the bytes obey it,
    else :func:`decode_bytes`' detection. A declared single-byte charset (latin-1, windows-1252, often a
    mislabel on Chinese pages) is used only when detection finds nothing better."""
    if encoding or data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode_bytes(data, encoding)
    declared = _declared_charset(data)
    if declared and declared not in _SINGLE_BYTE:
        codecs_to_try = ("big5", "cp950") if declared == "big5" else (declared,)
        for codec in codecs_to_try:
            try:
                return decode_bytes(data, codec)
            except DecodeError:
                continue
    try:
        return decode_bytes(data)
    except DecodeError:
        if declared in _SINGLE_BYTE:
            return decode_bytes(data, declared)
        raise


def read_html(path: Path, encoding: str | None = None, max_chars: int | None = MAX_CHARS) -> tuple[str, str]:
    """The main text of a web page, one line per block element: ``(text, encoding_used)``.

    Dropped: script, style, nav, header, footer, aside, form, noscript, template, iframe, svg, comments and
    elements marked ``hidden`` or ``display:none``. The main text is the best of ``<article>``, ``<main>`` and
    the elements whose id or class contains content/article/main/text/editor/zoom, scored by text length minus
    twice the link text (so a wrapper that adds a link list loses to the article inside it); it must hold 30%
    of the body's text, otherwise the whole ``<body>`` is used. Runs of HTML white space (space, tab,
    newline) collapse to one space as in a browser; ``&nbsp;`` and the ideographic space stay inside a line.
    ``<br>`` and block elements end a line; lines of only white space (``<p>&nbsp;</p>`` spacers) are dropped.

    The page is parsed by lxml's HTML parser (libxml2, ``recover=True``) as a stream of events
    (:class:`_PageText`); no tree is built. The rules above are those BeautifulSoup with the lxml parser gave
    before (issue 13.10: its tree took 11 times the page's size); ``tests/test_html_text.py`` compares the
    two on generated and real pages.
    """
    text, used = decode_html(text_bytes(path, max_chars), encoding)
    check_chars(text, max_chars)
    return _require_text(html_main_text(text), "page"), used


def html_main_text(markup: str) -> str:
    """The main text of the page ``markup`` (see :func:`read_html`), ``""`` when it has none."""
    from lxml import etree

    if markup[:1] == "\ufeff":
        markup = markup[1:]
    errors = (UnicodeDecodeError, LookupError, etree.ParserError)
    for codec in (None, "utf8"):  # as text; else (as BeautifulSoup did next) as UTF-8 bytes
        target = _PageText()
        parser = etree.HTMLParser(target=target, recover=True, huge_tree=False, encoding=codec)
        try:
            # in pieces: lxml copies what it is given into UTF-8 (a whole page: 1.5 times its size at once);
            # libxml2's push parser gives the same events however the input is cut (tests/test_html_text.py)
            for i in range(0, max(len(markup), 1), _HTML_FEED_CHARS):
                piece = markup[i:i + _HTML_FEED_CHARS]
                parser.feed(piece if codec is None else piece.encode("utf-8"))
            parser.close()
        except errors as exc:
            reason = exc
            continue
        del parser
        return target.main_text()
    raise CorruptFileError(f"not a valid .html ({one_line_reason(reason)})")


def _is_hidden_attrs(attrib) -> bool:
    if "hidden" in attrib:
        return True
    style = attrib.get("style")
    return bool(style) and re.search(r"display\s*:\s*none", style, re.IGNORECASE) is not None


def _is_candidate_attrs(name: str, attrib) -> bool:
    if name in ("article", "main"):
        return True
    return any(_CONTENT_HINT.search(h) for h in (attrib.get("id") or "", attrib.get("class") or "") if h)


#: tags whose strings are of their own kind (BeautifulSoup's string containers): text inside <rt> or <rp>
#: counts for the main-text choice only inside that tag, and is part of the lines all the same
_STRING_KINDS = {"rt": 1, "rp": 2}
_BREAK = None  # marks the end of a line in the event list


class _PageText:
    """lxml parser target: the page as a flat list of text pieces and line ends, with what choosing the main
    element needs (text and link-text lengths of each candidate and of ``<body>``), in one pass.

    It reproduces the extraction of earlier versions, which built a BeautifulSoup tree (lxml parser) and then
    (1) removed the dropped and hidden elements with their content, (2) took the first ``<body>`` left, (3)
    scored each candidate below it by the length of its text without white space minus twice that of the text
    inside each ``<a>`` below it (nested links counted once per link), (4) walked the chosen element (or the
    body) turning block elements and ``<br>`` into line ends. Consecutive text events form one string, as in
    BeautifulSoup, before runs of white space collapse; comments, processing instructions and the doctype
    end a string and are not text.
    """

    def __init__(self):
        self.events: list[str | None] = []
        self._data: list[str] = []
        self._stack: list[tuple] = []  # per open element: (name, index, skip, kind)
        self._skip = 0  # > 0 inside a dropped element (or inside <br>)
        self._kind = [0]  # string kind of the innermost container
        self._n = 0  # elements seen (pre-order index)
        self._links_open = 0
        self.totals = [0, 0, 0]  # non-white-space characters of text so far, per string kind
        self.link_sum = 0  # sum over text of its length times the number of <a> open around it
        # an element's record: [index, index of its last descendant, kind of string it counts, totals, link_sum,
        # links open (itself included) and events, at its start; then at its end: its text, its link text, events]
        self.body: list | None = None  # the first <body> not dropped
        self.candidates: list[list] = []  # candidates for the main element, in document order
        self._open: dict[int, list] = {}  # element index -> its record, while open

    # -- text ----------------------------------------------------------------------------------------
    def _flush(self) -> None:
        if not self._data:
            return
        text = "".join(self._data)
        self._data = []
        if self._skip:
            return
        kind = self._kind[-1]
        n = len(text) - sum(map(text.count, " \t\n\r\f"))
        self.totals[kind] += n
        if kind == 0:
            self.link_sum += n * self._links_open
        self.events.append(_HTML_SPACE.sub(" ", text))

    def data(self, text: str) -> None:
        self._data.append(text)

    def comment(self, _text) -> None:
        self._flush()

    def pi(self, *_args) -> None:
        self._flush()

    def doctype(self, *_args) -> None:
        self._flush()

    # -- elements ------------------------------------------------------------------------------------
    def start(self, tag, attrib, *_nsmap) -> None:
        self._flush()
        name = tag.rpartition("}")[2] if tag[:1] == "{" else tag
        index = self._n
        self._n += 1
        skip = bool(self._skip) or name in _DROP_TAGS or _is_hidden_attrs(attrib)
        kind = _STRING_KINDS.get(name, self._kind[-1]) if name not in ("script", "style", "template") else 3
        self._stack.append((name, index, skip, kind != self._kind[-1]))
        if kind != self._kind[-1]:
            self._kind.append(kind)
        if skip:
            self._skip += 1
            return
        if name == "br":
            self.events.append(_BREAK)
            self._skip += 1  # BeautifulSoup's walk never looked inside a <br>
            self._stack[-1] = (name, index, True, self._stack[-1][3])
            return
        if name in _BLOCK_TAGS:
            self.events.append(_BREAK)
        if name == "a":
            self._links_open += 1
        record = None
        if name == "body" and self.body is None:
            record = self.body = [index, None, 0, list(self.totals), self.link_sum, self._links_open, len(self.events)]
        if _is_candidate_attrs(name, attrib):
            record = [index, None, _STRING_KINDS.get(name, 0), list(self.totals), self.link_sum,
                      self._links_open, len(self.events)]
            self.candidates.append(record)
            if name == "body" and self.body is not None and self.body[0] == index:
                self.body = record
        if record is not None:
            self._open[index] = record

    def end(self, tag) -> None:
        self._flush()
        if not self._stack:
            return
        name, index, skip, pushed_kind = self._stack.pop()
        if pushed_kind:
            self._kind.pop()
        if skip:
            self._skip -= 1
            return
        if name == "a":
            self._links_open -= 1
        if name in _BLOCK_TAGS:
            self.events.append(_BREAK)
        record = self._open.pop(index, None)
        if record is not None:
            kind = record[2]
            total = self.totals[kind] - record[3][kind]
            plain = self.totals[0] - record[3][0]
            links = self.link_sum - record[4] - record[5] * plain
            record[1] = self._n - 1  # the last element inside it
            record.extend([total, links, len(self.events)])

    def close(self) -> None:
        self._flush()

    # -- the result ----------------------------------------------------------------------------------
    def main_text(self) -> str:
        body = self.body if self.body is not None and self.body[1] is not None else None
        if body is not None:
            first, last = body[0], body[1]
            body_total, body_links = body[7], body[8]
            span = (body[6], body[9])
        else:  # no <body> left: the whole page, as BeautifulSoup's soup object
            first, last = -1, self._n
            body_total, body_links = self.totals[0], self.link_sum
            span = (0, len(self.events))
        best, best_score = None, 0
        for c in self.candidates:
            if first < c[0] <= last and c[1] is not None:
                score = c[7] - 2 * c[8]
                if score > best_score:
                    best, best_score = c, score
        if best is not None and best_score >= _MIN_CANDIDATE_SHARE * (body_total - body_links):
            span = (best[6], best[9])
        return _lines(self.events, *span)


def _lines(events: list, start: int, end: int) -> str:
    lines: list[str] = []
    current: list[str] = []
    for i in range(start, end):
        piece = events[i]
        if piece is _BREAK:
            if current:
                line = "".join(current).strip(" \t\n\r\f")
                if line and not line.isspace():  # a spacer such as <p>&nbsp;</p> is not a line
                    lines.append(line)
                current.clear()
        else:
            current.append(piece)
    line = "".join(current).strip(" \t\n\r\f")
    if line and not line.isspace():
        lines.append(line)
    return "\n".join(lines)
