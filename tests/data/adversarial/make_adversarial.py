"""Write the small adversarial inputs of ``tests/test_adversarial.py`` (issue 13) into ``files/``.

Every text here is written for policytext; nothing is copied from anywhere. Large cases (a .docx that unpacks
to 300 MB, 5,000 empty files, a FIFO) are made by the tests in a temporary folder, not stored in git.
Run ``python tests/data/adversarial/make_adversarial.py`` after changing this script; the tests check that the stored
files are the ones it writes.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FIXED = (1980, 1, 1, 0, 0, 0)


def _zip(members: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, FIXED)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)
    return buf.getvalue()


def _p(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def docx(body: str, parts: dict[str, str] | None = None, rels: str = "") -> bytes:
    """A minimal Word file: ``body`` is the XML inside ``<w:body>``; ``parts`` more parts of word/ and ``rels``
    their relationships."""
    ns = (f'xmlns:w="{W}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
          'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
          'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"')
    members = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document {ns}><w:body>{body}</w:body></w:document>',
        "word/_rels/document.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'{rels}</Relationships>',
    }
    for name, xml in (parts or {}).items():
        members[f"word/{name}"] = xml.replace("NS", ns)
    return _zip(members)


def textbox_docx() -> bytes:
    """Item 12: the text of this notice sits in a text box (with its VML fallback copy), a header and a
    footnote; the body has one short line."""
    box = ("<w:txbxContent>" + _p("第二条 街道社区推行网格化管理，做到精细化服务。") + _p("第三条 建立绩效评估制度。")
           + "</w:txbxContent>")
    body = ("<w:p><w:r><w:t>通知</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing>"
            f"<wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx>{box}</wps:txbx></wps:wsp></a:graphicData>"
            "</a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>"
            f"{box}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
            + _p("第四条 本办法自发布之日起施行。"))
    header = f'<?xml version="1.0" encoding="UTF-8"?><w:hdr NS>{_p("某市人民政府办公室")}</w:hdr>'
    header2 = f'<?xml version="1.0" encoding="UTF-8"?><w:hdr NS>{_p("某市人民政府办公室")}</w:hdr>'
    notes = ('<?xml version="1.0" encoding="UTF-8"?><w:footnotes NS><w:footnote w:type="separator" w:id="-1">'
             '<w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:id="1">'
             + _p("注：共治指多元主体共同参与。") + "</w:footnote></w:footnotes>")
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    rels = (f'<Relationship Id="rId1" Type="{rel}header" Target="header1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}header" Target="header2.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}footnotes" Target="footnotes.xml"/>')
    return docx(body, {"header1.xml": header, "header2.xml": header2, "footnotes.xml": notes}, rels)


def type3_pdf() -> bytes:
    """Item 11: a PDF whose only font is a Type3 font with glyph names /g1 ... /g8 and no ToUnicode map, as
    some typesetting tools write Chinese: text extraction gives glyph names, not text."""
    names = " ".join(f"/g{i}" for i in range(1, 9))
    procs = " ".join(f"/g{i} 6 0 R" for i in range(1, 9))
    text = "<" + "0102030405060708" * 6 + "> Tj"
    content = f"BT /F1 12 Tf 72 720 Td {text} ET".encode("ascii")
    glyph = b"500 0 0 0 400 400 d1 0 0 400 400 re f"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        ("<< /Type /Font /Subtype /Type3 /FontBBox [0 0 500 500] /FontMatrix [0.001 0 0 0.001 0 0] "
         f"/CharProcs << {procs} >> /Encoding << /Type /Encoding /Differences [1 {names}] >> "
         "/FirstChar 1 /LastChar 8 /Widths [500 500 500 500 500 500 500 500] >>").encode("ascii"),
        b"<< /Length %d >>\nstream\n" % len(glyph) + glyph + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def sheets_xlsx() -> bytes:
    """Item 6: a hidden first worksheet (drafts), the visible active second one (the documents), a third with
    more documents."""
    import openpyxl

    wb = openpyxl.Workbook()
    drafts = wb.active
    drafts.title = "草稿"
    drafts.append(["doc_id", "text"])
    drafts.append(["D1", "草稿：不应计分的旧稿。"])
    drafts.sheet_state = "hidden"
    main = wb.create_sheet("文件")
    main.append(["doc_id", "text"])
    main.append(["A1", "推进基层治理精细化，完善网格化管理。"])
    main.append(["A2", "坚持共治共享，鼓励社会参与。"])
    extra = wb.create_sheet("补充")
    extra.append(["doc_id", "text"])
    extra.append(["B1", "建立绩效评估和考评制度。"])
    wb.active = 1
    buf = io.BytesIO()
    wb.save(buf)
    from policytext.reports.tables import reproducible_zip

    return reproducible_zip(buf.getvalue())


def gbk_parquet() -> bytes:
    """Item 7: a ``binary`` text column holding GBK bytes (two rows) and bytes no encoding reads (one row)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = ["推进精细化治理，做好无缝对接。".encode("gbk"), "社区自治与多元共治。".encode("gbk"),
             b"\x00\x01\x02\xff\xfe binary"]
    table = pa.table({"doc_id": ["P1", "P2", "P3"], "text": pa.array(texts, type=pa.binary())})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="NONE")
    return buf.getvalue()


def unterminated_csv() -> bytes:
    """Item 9: ten rows; a quote opens in row 3 and never closes."""
    rows = ["doc_id,text", "R1,第一条 推进精细化管理。", "R2,第二条 完善基层治理。", 'R3,"第三条 引号没有结束。']
    rows += [f"R{i},第{i}条 加强社区服务。" for i in range(4, 11)]
    return ("\n".join(rows) + "\n").encode("utf-8")


def docs_corpus() -> dict[str, bytes]:
    """Issue 16.6: a corpus folder with documentation files and a metadata table kept in a subfolder."""
    return {
        "README.md": "# 示例语料\n本文件夹的说明，不是政策文件。\n".encode("utf-8"),
        "MANIFEST.md": "来源：为测试编写。\n".encode("utf-8"),
        "LICENSE": "CC0\n".encode("utf-8"),
        "CHANGELOG.txt": "1.0 初版\n".encode("utf-8"),
        "2025/a.txt": "推进精细化治理，完善网格化管理。\n".encode("utf-8"),
        "2025/b.txt": "坚持粗放管理。\n".encode("utf-8"),
        "meta/info.csv": "doc_id,region\n2025/a,甲\n2025/b,乙\n".encode("utf-8"),
    }


def files() -> dict[str, bytes]:
    out = {
        "textbox.docx": textbox_docx(),
        "type3.pdf": type3_pdf(),
        "sheets.xlsx": sheets_xlsx(),
        "gbk_binary.parquet": gbk_parquet(),
        "unterminated.csv": unterminated_csv(),
        "good.txt": "推进基层治理精细化，实现服务零距离。\n".encode("utf-8"),
    }
    out.update({f"docs_corpus/{k}": v for k, v in docs_corpus().items()})
    return out


def main() -> None:
    for name, data in files().items():
        path = FILES / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


if __name__ == "__main__":
    main()
