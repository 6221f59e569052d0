"""One file, one document: plain text (.txt, .md), Word (.docx), PDF (.pdf) and web pages (.html, .htm).

Each reader takes a path and returns the extracted text (plus the encoding for the formats that are decoded)
or raises a :class:`~policytext.errors.DocumentError` subclass with a one-line message. The caller fills in
``source`` and ``doc_id``. Nothing is normalised here: a BOM is the only thing ever removed.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from ..errors import CorruptFileError, DecodeError, EmptyDocumentError, NoTextLayerError
from ._decode import decode_bytes, lookup_encoding

__all__ = [
    "MAX_UNZIPPED_BYTES",
    "one_line_reason",
    "check_zip",
    "read_bytes",
    "read_docx",
    "read_html",
    "read_pdf",
    "read_plain_text",
]

#: zip-bomb guard for .docx/.xlsx: the members may not unpack to more than this many bytes in total
MAX_UNZIPPED_BYTES = 500 * 1024 * 1024

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of old .doc/.xls files


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a 0-byte file raises :class:`EmptyDocumentError` (OSErrors pass through)."""
    data = path.read_bytes()
    if not data:
        raise EmptyDocumentError("file is empty (0 bytes)")
    return data


def _require_text(text: str, what: str = "file") -> str:
    if not text.strip():
        raise EmptyDocumentError(f"{what} contains only whitespace" if text else f"{what} has no text")
    return text


# --------------------------------------------------------------------------- plain text


def read_plain_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """A .txt/.md file decoded by :func:`decode_bytes`: ``(text, encoding_used)``."""
    text, used = decode_bytes(read_bytes(path), encoding)
    return _require_text(text), used


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


def read_docx(path: Path) -> str:
    """Body paragraphs and table-cell paragraphs in document order (cells row by row), joined with newlines.

    Headers, footers, footnotes and comments are not read. Each ``<w:p>`` is one line, empty ones included.
    """
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    data = read_bytes(path)
    check_zip(data, ".docx")
    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors ... for damaged files
        raise CorruptFileError(f"not a valid .docx ({one_line_reason(exc)})") from None

    paragraph, table, sdt, sdt_content = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")
    row, cell = qn("w:tr"), qn("w:tc")
    lines: list[str] = []
    # iterative walk (no recursion limit on deeply nested tables); the stack holds elements still to visit
    stack = list(reversed(list(body)))
    while stack:
        element = stack.pop()
        tag = element.tag
        if tag == paragraph:
            lines.append(Paragraph(element, document).text)
        elif tag == table:
            cells = [c for r in element.iterchildren(row) for c in r.iterchildren(cell)]
            stack.extend(reversed(cells))
        elif tag in (cell, sdt_content):
            stack.extend(reversed(list(element)))
        elif tag == sdt:
            stack.extend(reversed(list(element.iterchildren(sdt_content))))
    return _require_text("\n".join(lines), "document")


def one_line_reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}"[:200] if first else type(exc).__name__


# --------------------------------------------------------------------------- .pdf


def read_pdf(path: Path) -> str:
    """The text layer of every page (pypdf), pages joined with a newline.

    An encrypted PDF is opened with the empty password if it has one; otherwise :class:`CorruptFileError`.
    Pages that all yield no text raise :class:`NoTextLayerError` (a scan needs OCR first).
    """
    import pypdf

    data = read_bytes(path)
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
        pages = [page.extract_text() or "" for page in reader.pages]
    except CorruptFileError:
        raise
    except Exception as exc:  # pypdf raises PdfReadError, ValueError, KeyError ... for damaged files
        raise CorruptFileError(f"not a valid .pdf ({one_line_reason(exc)})") from None
    if not pages:
        raise EmptyDocumentError("PDF has no pages")
    if not any(page.strip() for page in pages):
        raise NoTextLayerError(f"PDF has no text layer on its {len(pages)} page(s) (a scan?); run OCR first")
    return "\n".join(pages)


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


def read_html(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """The main text of a web page, one line per block element: ``(text, encoding_used)``.

    Dropped: script, style, nav, header, footer, aside, form, noscript, template, iframe, svg, comments and
    elements marked ``hidden`` or ``display:none``. The main text is the best of ``<article>``, ``<main>`` and
    the elements whose id or class contains content/article/main/text/editor/zoom, scored by text length minus
    twice the link text (so a wrapper that adds a link list loses to the article inside it); it must hold 30%
    of the body's text, otherwise the whole ``<body>`` is used. Runs of HTML white space (space, tab,
    newline) collapse to one space as in a browser; ``&nbsp;`` and the ideographic space stay inside a line.
    ``<br>`` and block elements end a line; lines of only white space (``<p>&nbsp;</p>`` spacers) are dropped.
    """
    from bs4 import BeautifulSoup

    text, used = decode_html(read_bytes(path), encoding)
    soup = BeautifulSoup(text, "lxml")
    for element in [*soup.find_all(_DROP_TAGS), *soup.find_all(_is_hidden)]:
        if not element.decomposed:  # an ancestor may have gone already
            element.decompose()
    root = soup.body or soup
    main = _main_element(root)
    return _require_text(_block_text(main if main is not None else root), "page"), used


def _is_hidden(tag) -> bool:
    if tag.has_attr("hidden"):
        return True
    style = tag.get("style")
    return bool(style) and re.search(r"display\s*:\s*none", style, re.IGNORECASE) is not None


def _text_lengths(tag) -> tuple[int, int]:
    """(all text, text inside links), counted without white space."""
    total = len(_HTML_SPACE.sub("", tag.get_text()))
    links = sum(len(_HTML_SPACE.sub("", a.get_text())) for a in tag.find_all("a"))
    return total, links


def _is_candidate(tag) -> bool:
    if tag.name in ("article", "main"):
        return True
    hints = [tag.get("id") or "", *(tag.get("class") or [])]
    return any(_CONTENT_HINT.search(h) for h in hints if isinstance(h, str))


def _main_element(root):
    body_total, body_links = _text_lengths(root)
    best, best_score = None, 0
    for tag in root.find_all(_is_candidate):
        total, links = _text_lengths(tag)
        score = total - 2 * links
        if score > best_score:
            best, best_score = tag, score
    if best is None or best_score < _MIN_CANDIDATE_SHARE * (body_total - body_links):
        return None
    return best


def _block_text(root) -> str:
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString, Script, Stylesheet, TemplateString

    lines: list[str] = []
    current: list[str] = []

    def end_line() -> None:
        line = "".join(current).strip(" \t\n\r\f")
        if line and not line.isspace():  # a spacer such as <p>&nbsp;</p> is not a line
            lines.append(line)
        current.clear()

    end = object()  # marks the end of a block element on the stack
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is end:
            end_line()
        elif isinstance(node, NavigableString):
            if not isinstance(node, (PreformattedString, Script, Stylesheet, TemplateString)):
                current.append(_HTML_SPACE.sub(" ", str(node)))
        elif isinstance(node, Tag):
            if node.name == "br":
                end_line()
                continue
            if node.name in _BLOCK_TAGS:
                end_line()
                stack.append(end)
            stack.extend(reversed(node.contents))
    end_line()
    return "\n".join(lines)
