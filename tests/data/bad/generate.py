"""Write the bad-input suite of policytext into a folder: ``python tests/data/bad/generate.py [FOLDER]``.

Every file is made here, from text written for policytext; nothing is copied from anywhere. The committed files
in ``tests/data/bad/files/`` were written by this script (zip-based files differ byte for byte between runs);
inputs that cannot live in git (a 50 MB line, a file without read permission, a symbolic-link loop, a file name
that is not valid UTF-8) are made by the test itself with :func:`make_runtime_inputs`.

``EXPECTED`` maps each input (a file, or ``file#row N`` for table rows) to what policytext must make of it:
``"document"`` or the name of the error class of its error record.
"""

from __future__ import annotations

import io
import os
import sys
import zipfile
from pathlib import Path
from typing import Callable

GOOD = "关于推进社区共治的通知\n各街道：推动网格化管理和精细化治理，实现服务的无缝对接。\n"

EXPECTED = {
    "good.txt": "document",
    "binary_junk.txt": "DecodeError",
    "empty.txt": "EmptyDocumentError",
    "whitespace_only.txt": "EmptyDocumentError",
    "old_word_file.docx": "CorruptFileError",
    "html_saved_as.docx": "CorruptFileError",
    "truncated.docx": "CorruptFileError",
    "zip_bomb.docx": "CorruptFileError",
    "scanned.pdf": "NoTextLayerError",
    "encrypted.pdf": "CorruptFileError",
    "mixed_gbk_utf8.txt": "DecodeError",
    "notes.rtf": "UnsupportedFormatError",
    "no_text_column.csv": "ColumnError",
    "messy.csv#row 1": "document",        # embedded newline inside a quoted cell
    "messy.csv#row 2": "EmptyDocumentError",  # empty text cell
    "messy.csv#row 3": "EmptyDocumentError",  # NaN text cell
    "messy.csv#row 4": "CorruptFileError",    # too many fields (a ragged row)
    "messy.csv#row 5": "CorruptFileError",    # too few fields
    "messy.csv#row 6": "DuplicateIdError",    # id A1 again
    "messy.csv#row 7": "document",
    "formulas.xlsx#row 1": "EmptyDocumentError",  # the text cell is a formula whose result was never saved
    "formulas.xlsx#row 2": "document",            # a formula in a metadata cell does not matter
}


def _docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _pdf_bytes(text: str | None, user_password: str | None = None) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)  # invariant: no timestamps or random ids, so the bytes are reproducible
    if text is None:
        c.rect(72, 400, 300, 300, fill=1)  # a "scan": shapes, no text
    else:
        c.setFont("STSong-Light", 12)
        c.drawString(72, 760, text)
    c.showPage()
    c.save()
    data = buf.getvalue()
    if user_password is not None:
        import pypdf

        writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
        writer._ID = None
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    return data


def _zip_bomb() -> bytes:
    """A .docx-shaped zip whose document.xml would unpack to 600 MB (it is refused before unpacking)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", (2020, 1, 1, 0, 0, 0)), "<Types/>")
        info = zipfile.ZipInfo("word/document.xml", (2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as fh:
            chunk = b"<w:t>" + b"A" * (1 << 20) + b"</w:t>"
            for _ in range(600):
                fh.write(chunk)
    return buf.getvalue()


def _xlsx_with_formulas() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["doc_id", "text", "score"])
    ws.append(["F1", "=HYPERLINK(\"http://example.invalid\",\"推进共治\")", "=1+1"])
    ws.append(["F2", "推进精细化治理，实现无缝对接", 3])
    buf = io.BytesIO()
    wb.properties.created = wb.properties.modified = __import__("datetime").datetime(2020, 1, 1)
    wb.save(buf)
    return buf.getvalue()


def static_files() -> dict[str, bytes]:
    """The committed part of the suite: file name -> bytes."""
    return {name: make() for name, make in static_file_makers().items()}


def static_file_makers() -> dict[str, Callable[[], bytes]]:
    """The committed part of the suite: file name -> a function that makes its bytes (the names are known
    without making the zip bomb); bytes stand for themselves."""
    files = {
        "good.txt": GOOD.encode("utf-8"),
        "binary_junk.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        "empty.txt": b"",
        "whitespace_only.txt": " \n\t\n\u3000\u3000\n".encode("utf-8"),
        "old_word_file.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024),
        "html_saved_as.docx": "<html><body><p>关于推进社区共治的通知</p></body></html>".encode("utf-8"),
        "truncated.docx": _truncated_docx,
        "zip_bomb.docx": _zip_bomb,
        "scanned.pdf": lambda: _pdf_bytes(None),
        "encrypted.pdf": lambda: _pdf_bytes("推进社区共治", user_password="secret"),
        "mixed_gbk_utf8.txt": "第一行：推进社区共治与基层自治。\n".encode("gbk") + "第二行：完善绩效评估，杜绝一刀切。\n".encode("utf-8"),
        "notes.rtf": b"{\\rtf1\\ansi policy notes}",
        "no_text_column.csv": "doc_id,body\nB1,推进社区共治\n".encode("utf-8"),
        "messy.csv": (
            "doc_id,text,year\n"
            'A1,"推进社区共治，\n实现无缝对接",2020\n'
            "A2,,2021\n"
            "A3,NaN,2022\n"
            "A4,推进网格化管理,2023,extra\n"
            "A5\n"
            "A1,重复的编号,2024\n"
            "A6,完善绩效评估,2025\n"
        ).encode("utf-8"),
        "formulas.xlsx": _xlsx_with_formulas,
    }
    return {name: (value if callable(value) else (lambda value=value: value)) for name, value in files.items()}


def _truncated_docx() -> bytes:
    good_docx = _docx_bytes(GOOD.splitlines())
    return good_docx[: len(good_docx) // 2]


def make_runtime_inputs(folder: Path, line_mb: int = 50) -> dict[str, str]:
    """Inputs git cannot hold, made in ``folder``; returns their expected outcomes like ``EXPECTED``.
    ``line_mb``: the size of the one-line document ``one_line_{line_mb}mb.txt`` (50 MB, no line break)."""
    expected = {}
    line = ("各街道推动网格化管理和精细化治理实现服务的无缝对接" * (14_000 * line_mb))[: line_mb * 1024 * 1024 // 3]
    (folder / f"one_line_{line_mb}mb.txt").write_text(line, encoding="utf-8")  # no line break
    expected[f"one_line_{line_mb}mb.txt"] = "document"
    name = os.fsdecode("公告".encode("gbk") + b".txt")  # a GBK file name: not valid UTF-8
    (folder / name).write_bytes(GOOD.encode("utf-8"))
    expected["公告.txt"] = "document"  # its id and source are decoded from GBK
    (folder / "locked.txt").write_bytes(GOOD.encode("utf-8"))
    os.chmod(folder / "locked.txt", 0)
    expected["locked.txt"] = "UnreadableFileError"
    (folder / "loop").mkdir()
    os.symlink("..", folder / "loop" / "again")
    expected["loop/again"] = "UnreadableFileError"
    return expected


def write_static(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in static_files().items():
        (folder / name).write_bytes(data)


if __name__ == "__main__":
    write_static(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "files")
