"""Tests of policytext.readers: formats, ids, encodings, tables, metadata, folders and failure records.

All fixtures are generated in tmp_path from texts written for these tests.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from policytext.corpus import Corpus
from policytext.errors import (
    ColumnError,
    ConfigError,
    CorpusError,
    DecodeError,
    MetadataError,
    NoDocumentsError,
)
from policytext.readers import SUPPORTED_FORMATS, decode_bytes, read_corpus
from policytext.readers import _files
from policytext.readers._decode import cjk_quality

SHARED = Path(__file__).resolve().parents[2] / "shared"

# ----------------------------------------------------------------------------------------------- texts
# Written for these tests: a simplified municipal notice (350 chars) and a traditional one (306 chars).
SIMPLIFIED = (
    "为进一步推进城市治理体系和治理能力现代化，提升基层公共服务水平，经市政府同意，现就加强社区精细化管理工作提出如下意见。"
    "一、总体要求。坚持以人民为中心的发展思想，坚持问题导向、目标导向和结果导向相统一，推动管理重心下移、服务资源下沉，"
    "形成共建共治共享的基层治理格局。二、主要任务。（一）完善网格化管理机制。科学划分社区网格，明确网格员职责，建立问题发现、"
    "分类处置、跟踪督办和考核评价的工作闭环。（二）优化政务服务流程。推行一窗受理、集成服务，压减办事环节和申请材料，"
    "让企业和群众少跑腿、好办事。（三）加强数据共享应用。依托城市运行管理平台，整合公安、民政、住建等部门数据，"
    "提高风险预警和应急处置能力。三、保障措施。各区要加强组织领导，细化工作方案，落实经费保障，定期开展绩效评估，"
    "确保各项任务按期完成。"
)
TRADITIONAL = (
    "為落實行政院推動數位治理之政策，提升地方政府公共服務品質，本府訂定下列實施要點，請所屬各機關確實辦理。"
    "一、目的：強化跨機關資料整合與共享，精進為民服務流程，縮短案件處理時間，建立以民眾需求為導向之服務體系。"
    "二、適用範圍：本府所屬各一級機關、區公所及其附屬單位。三、辦理事項：（一）各機關應盤點現行申辦案件，"
    "檢討不必要之書表及證明文件，並於三個月內提出簡化方案。（二）推動線上申辦及行動支付，減少民眾臨櫃往返次數。"
    "（三）建立社區服務據點，結合里長、志工及民間團體力量，提供長者關懷、環境維護及治安巡守等服務。"
    "四、考核：本府研究發展考核委員會應每半年辦理績效評核，評核結果作為年度獎懲之參考。五、本要點自發布日施行。"
)
SHORT_SIMPLIFIED = "关于加强社区网格化管理工作的实施意见通知"  # 20 characters
SHORT_TRADITIONAL = "關於強化里鄰服務與數位治理之實施要點公告"  # 20 characters
BINARY_MESSAGE = "cannot decode as UTF-8, UTF-16, GB18030 or Big5"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00" + bytes(range(256))


def write(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def errors_of(corpus: Corpus) -> list[tuple[str, str | None, str]]:
    return [(e.source, e.doc_id, e.error) for e in corpus.errors]


# ----------------------------------------------------------------------------------------------- decoding


def test_sample_texts_have_the_lengths_the_tests_claim():
    assert (len(SIMPLIFIED), len(TRADITIONAL), len(SHORT_SIMPLIFIED), len(SHORT_TRADITIONAL)) == (350, 306, 20, 20)


@pytest.mark.parametrize(
    "text, codec, expected",
    [
        (SIMPLIFIED, "gbk", "gb18030"),
        (SIMPLIFIED, "gb18030", "gb18030"),
        (SHORT_SIMPLIFIED, "gbk", "gb18030"),
        (TRADITIONAL, "big5", "big5"),
        (SHORT_TRADITIONAL, "big5", "big5"),
        (TRADITIONAL, "gb18030", "gb18030"),  # traditional characters in a GB file stay GB
        ("共治", "gbk", "gb18030"),
        ("共治", "big5", "big5"),
        (SIMPLIFIED, "utf-8", "utf-8"),
        ("Notice No. 3", "ascii", "utf-8"),
    ],
)
def test_decode_bytes_chooses_the_right_chinese_encoding(text, codec, expected):
    assert decode_bytes(text.encode(codec)) == (text, expected)


@pytest.mark.parametrize(
    "data, expected",
    [
        (codecs.BOM_UTF8 + "精细化管理\n".encode(), ("精细化管理\n", "utf-8-sig")),
        (codecs.BOM_UTF16_LE + "精细化管理\n".encode("utf-16-le"), ("精细化管理\n", "utf-16-le")),
        (codecs.BOM_UTF16_BE + "精细化管理\n".encode("utf-16-be"), ("精细化管理\n", "utf-16-be")),
        (codecs.BOM_UTF32_LE + "精细化管理\n".encode("utf-32-le"), ("精细化管理\n", "utf-32-le")),
        ("第一条 总则\r\nArticle 1\n".encode("utf-16-le"), ("第一条 总则\r\nArticle 1\n", "utf-16-le")),
        ("第一条 总则\nArticle 1\n".encode("utf-16-be"), ("第一条 总则\nArticle 1\n", "utf-16-be")),
        (SIMPLIFIED.encode("gbk") + b"\x1a", (SIMPLIFIED + "\x1a", "gb18030")),  # DOS end-of-file kept
    ],
)
def test_decode_bytes_boms_and_utf16_without_bom(data, expected):
    assert decode_bytes(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        PNG_BYTES,
        b"\x00\x01\x02\x03abc\x00\x00\x05",
        "通知".encode("gbk") + b"\x00\x07" + "全文".encode("gbk"),
        bytes(range(256)) * 4,
    ],
)
def test_decode_bytes_rejects_binary(data):
    with pytest.raises(DecodeError) as info:
        decode_bytes(data, source="x.txt")
    assert str(info.value).startswith("x.txt: " + BINARY_MESSAGE)
    assert "\n" not in str(info.value)


JAPANESE = "日本語のテキストです。行政手続きについて説明します。地域の住民サービスを改善するための計画を公表しました。"


def test_decode_bytes_reads_euc_jp_that_gb18030_or_big5_would_misread():
    data = JAPANESE.encode("euc_jp")
    assert _strict_ok(data, "gb18030") and _strict_ok(data, "big5")  # both "work": the trap
    assert decode_bytes(data) == (JAPANESE, "euc_jp")
    assert cjk_quality("のテキスト") == 0.0  # kana are not common Chinese characters (Big5 0xC6A1+ holds kana)
    chinese_with_kana = SIMPLIFIED + "（店名：美味の店）"  # a few kana in Chinese text do not make it Japanese
    assert decode_bytes(chinese_with_kana.encode("gb18030")) == (chinese_with_kana, "gb18030")


def _strict_ok(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def test_decode_bytes_rejects_shift_jis_instead_of_guessing_chinese():
    data = "日本語のテキストです。行政手続きについて説明します。".encode("shift_jis")
    with pytest.raises(DecodeError, match=BINARY_MESSAGE + r".*try --encoding"):
        decode_bytes(data)
    assert decode_bytes(data, "shift_jis")[1] == "shift_jis"


KOREAN = ("정부는 도시 관리를 더 세밀하게 하기 위해 새로운 정책을 발표했다. 주민 참여와 공공 서비스의 연결을 "
          "강화하고, 지역 사회의 의견을 모아 행정 절차를 줄인다. 이 문서는 시범 사업의 결과를 정리한 보고서이다.")


@pytest.mark.parametrize("codec", ["euc_kr", "cp949"])
def test_decode_bytes_reads_korean_that_gb18030_would_misread(codec):
    data = KOREAN.encode(codec)
    misread = data.decode("gb18030")  # every character a common hanzi: the quality rule cannot see it
    assert cjk_quality(misread) == 1.0
    assert decode_bytes(data) == (KOREAN, "euc_kr")  # cp949 agrees with EUC-KR on these characters
    extended = "똠방각하 " + KOREAN  # 똠 is in cp949 only
    assert decode_bytes(extended.encode("cp949")) == (extended, "cp949")


def test_spaced_chinese_stays_chinese():
    names = "名单：" + " ".join("张三 李四 王五 赵六 孙七 周八 吴九 郑十 陈一 林二" .split()) + "。各单位 按照 要求 做好 工作。"
    for text in (names, "推进 精细化 管理 " * 10, SIMPLIFIED):
        assert decode_bytes(text.encode("gb18030")) == (text, "gb18030")
    short = KOREAN[:40]  # fewer than 40 hanzi in the GB18030 reading: too little to tell
    assert decode_bytes(short.encode("euc_kr"))[1] == "gb18030"


def test_decode_bytes_with_explicit_encoding_is_strict():
    assert decode_bytes(TRADITIONAL.encode("big5"), "big5") == (TRADITIONAL, "big5")
    assert decode_bytes(codecs.BOM_UTF8 + b"abc", "utf-8") == ("abc", "utf-8")
    with pytest.raises(DecodeError) as info:
        decode_bytes(b"ok " + "治理".encode("gbk"), "utf-8")
    assert info.value.message == "cannot decode as utf-8: invalid byte 0xd6 at offset 3"
    with pytest.raises(ConfigError, match="unknown encoding 'klingon'"):
        decode_bytes(b"abc", "klingon")


# ----------------------------------------------------------------------------------------------- text files


def test_text_files_in_several_encodings(tmp_path):
    write(tmp_path / "gb.txt", SIMPLIFIED, "gbk")
    write(tmp_path / "b5.txt", TRADITIONAL, "big5")
    write(tmp_path / "u16.md", codecs.BOM_UTF16_LE + SHORT_SIMPLIFIED.encode("utf-16-le"))
    write(tmp_path / "bom.txt", codecs.BOM_UTF8 + "第一行\r\n第二行\n".encode())
    corpus = read_corpus(tmp_path)
    assert corpus.doc_ids == ["b5", "bom", "gb", "u16"]
    assert corpus["gb"].text == SIMPLIFIED
    assert corpus["b5"].text == TRADITIONAL
    assert corpus["u16"].text == SHORT_SIMPLIFIED
    assert corpus["bom"].text == "第一行\r\n第二行\n"  # only the BOM is removed
    assert corpus.info["encodings"] == {
        str(tmp_path / "b5.txt"): "big5",
        str(tmp_path / "bom.txt"): "utf-8-sig",
        str(tmp_path / "gb.txt"): "gb18030",
        str(tmp_path / "u16.md"): "utf-16-le",
    }
    assert corpus["gb"].source == str(tmp_path / "gb.txt") and corpus["gb"].meta == {}


def test_bad_text_files_become_error_records(tmp_path):
    write(tmp_path / "good.txt", SHORT_SIMPLIFIED)
    write(tmp_path / "image.txt", PNG_BYTES)
    write(tmp_path / "empty.txt", b"")
    write(tmp_path / "blank.md", " \n\t\u3000\n")
    write(tmp_path / "scan.tiff", b"II*\x00")
    corpus = read_corpus(tmp_path)
    assert corpus.doc_ids == ["good"]
    assert errors_of(corpus) == [
        (str(tmp_path / "blank.md"), "blank", "EmptyDocumentError"),
        (str(tmp_path / "empty.txt"), "empty", "EmptyDocumentError"),
        (str(tmp_path / "image.txt"), "image", "DecodeError"),
        (str(tmp_path / "scan.tiff"), "scan", "UnsupportedFormatError"),
    ]
    messages = [e.message for e in corpus.errors]
    assert messages[:2] == ["file contains only whitespace", "file is empty (0 bytes)"]
    assert messages[2].startswith(BINARY_MESSAGE)
    assert messages[3] == f"unsupported extension '.tiff' (supported: {', '.join(SUPPORTED_FORMATS)})"
    assert SUPPORTED_FORMATS == (".csv", ".docx", ".htm", ".html", ".jsonl", ".md", ".parquet", ".pdf", ".tsv",
                                 ".txt", ".xlsx")
    assert corpus.n_inputs == 5


def test_explicit_encoding(tmp_path):
    path = write(tmp_path / "通知.txt", SHORT_TRADITIONAL, "big5")
    corpus = read_corpus(path, encoding="big5")
    assert corpus.doc_ids == ["通知"] and corpus[0].text == SHORT_TRADITIONAL
    failed = read_corpus(path, encoding="utf-8")
    assert errors_of(failed) == [(str(path), "通知", "DecodeError")]
    assert failed.errors[0].message == "cannot decode as utf-8: invalid byte 0xc3 at offset 0"
    with pytest.raises(ConfigError):
        read_corpus(path, encoding="no-such-codec")


# ----------------------------------------------------------------------------------------------- docx


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("第一条 推进基层治理精细化。")
    table = document.add_table(rows=2, cols=2)
    for (r, c), value in {(0, 0): "指标", (0, 1): "目标值", (1, 0): "办结率", (1, 1): "98%"}.items():
        table.cell(r, c).text = value
    document.add_paragraph("第二条 本办法自发布之日起施行。")
    document.save(path)
    return path


def test_docx_paragraphs_and_table_cells_in_order(tmp_path):
    corpus = read_corpus(make_docx(tmp_path / "办法.docx"))
    assert corpus[0].doc_id == "办法"
    assert corpus[0].text == "第一条 推进基层治理精细化。\n指标\n目标值\n办结率\n98%\n第二条 本办法自发布之日起施行。"


def test_corrupt_docx_files(tmp_path, monkeypatch):
    good = make_docx(tmp_path / "good.docx").read_bytes()
    write(tmp_path / "page.docx", "<html><body>通知</body></html>")
    write(tmp_path / "old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    write(tmp_path / "cut.docx", good[: len(good) // 2])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not word")
    write(tmp_path / "other.docx", buffer.getvalue())
    corpus = read_corpus(tmp_path)
    assert corpus.doc_ids == ["good"]
    messages = {Path(e.source).name: (e.error, e.message) for e in corpus.errors}
    assert messages["page.docx"] == (
        "CorruptFileError", "not a valid .docx (not a zip file); if it is an old .doc, save it as .docx")
    assert messages["old.docx"] == ("CorruptFileError", "not a valid .docx: it is an old .doc file; save it as .docx")
    assert messages["cut.docx"][0] == "CorruptFileError" and messages["cut.docx"][1].startswith("not a valid .docx")
    assert messages["other.docx"][0] == "CorruptFileError"
    assert messages["other.docx"][1].startswith("not a valid .docx (")
    assert all("\n" not in message for _, message in messages.values())

    monkeypatch.setattr(_files, "MAX_UNZIPPED_BYTES", 1000)
    bomb = read_corpus(tmp_path / "good.docx")
    assert bomb.errors[0].error == "CorruptFileError"
    assert bomb.errors[0].message.startswith("refused: the .docx would unpack to 0 MB (limit 0 MB)")


# ----------------------------------------------------------------------------------------------- pdf


def make_pdf(path: Path, pages: list[str] | None, password: str | None = None, owner: str | None = None) -> Path:
    """A PDF whose pages show the given lines in reportlab's built-in CID font; None draws shapes only."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer)
    for page in pages or [None]:
        if page is None:
            drawing.rect(100, 100, 200, 300, fill=1)
        else:
            drawing.setFont("STSong-Light", 12)
            drawing.drawString(72, 760, page)
        drawing.showPage()
    drawing.save()
    data = buffer.getvalue()
    if password is not None or owner is not None:
        import pypdf

        writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
        writer.encrypt(user_password=password or "", owner_password=owner, algorithm="AES-128")
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    return write(path, data)


def test_pdf_text_layer_with_chinese_cid_font(tmp_path):
    make_pdf(tmp_path / "a.pdf", ["推进基层治理精细化，提升政务服务水平。", "第二页 共建共治共享 2025"])
    corpus = read_corpus(tmp_path / "a.pdf")
    assert corpus[0].text == "推进基层治理精细化，提升政务服务水平。\n\n第二页 共建共治共享 2025\n"


def test_pdf_failures(tmp_path):
    make_pdf(tmp_path / "scan.pdf", None)
    make_pdf(tmp_path / "locked.pdf", ["保密文件"], password="secret")
    make_pdf(tmp_path / "owner_only.pdf", ["公开文件"], owner="owner-secret")
    write(tmp_path / "fake.pdf", "<html>not a pdf</html>")
    write(tmp_path / "broken.pdf", b"%PDF-1.7\n" + bytes(range(256)))
    corpus = read_corpus(tmp_path)
    assert [(d.doc_id, d.text) for d in corpus] == [("owner_only", "公开文件\n")]
    messages = {Path(e.source).name: (e.error, e.message) for e in corpus.errors}
    assert messages["scan.pdf"] == (
        "NoTextLayerError", "PDF has no text layer on its 1 page(s) (a scan?); run OCR first")
    assert messages["locked.pdf"] == (
        "CorruptFileError", "encrypted PDF: it needs a password; save an unencrypted copy")
    assert messages["fake.pdf"] == ("CorruptFileError", "not a valid .pdf (no %PDF header)")
    assert messages["broken.pdf"][0] == "CorruptFileError"
    assert messages["broken.pdf"][1].startswith("not a valid .pdf (")


# ----------------------------------------------------------------------------------------------- html

GOV_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于加强社区治理的通知</title>
<script>var menu = "首页 | 政务公开";</script><style>.nav { color: red }</style></head>
<body>
<header><div class="logo">某市人民政府</div></header>
<nav><a href="/">首页</a><a href="/gk">政务公开</a></nav>
<div class="main-wrapper">
  <aside><a href="/a">热点新闻一</a><a href="/b">热点新闻二</a></aside>
  <div class="related"><a href="/c">相关链接甲</a> <a href="/d">相关链接乙</a> <a href="/e">相关链接丙</a></div>
  <div id="UCAP-CONTENT" class="pages_content">
    <p>各街道办事处：</p>
    <p>为推进社区
       精细化治理，现通知如下。<br>一、建立网格员队伍。<br/>二、定期开展考评。</p>
    <table><tr><td>事项</td><td>时限</td></tr></table>
    <div style="display:none">隐藏的统计代码</div>
    <!-- 注释不是正文 -->
    <p>&nbsp;</p>
  </div>
</div>
<form><input name="q"><button>搜索</button></form>
<footer>版权所有 某市人民政府办公厅</footer>
<noscript>请启用脚本</noscript>
</body></html>
"""


def test_html_main_content_and_meta_charset(tmp_path):
    path = write(tmp_path / "notice.html", GOV_PAGE, "gbk")
    corpus = read_corpus(path)
    assert corpus[0].text == (
        "各街道办事处：\n为推进社区 精细化治理，现通知如下。\n一、建立网格员队伍。\n二、定期开展考评。\n事项\n时限"
    )
    assert corpus.info["encodings"] == {str(path): "gb18030"}


def test_html_without_content_hints_uses_the_body(tmp_path):
    page = (
        "<html><body><nav>導覽</nav><h1>實施要點</h1><div><p>一、目的：精進為民服務。</p>"
        "<ul><li>甲</li><li>乙</li></ul></div><script>x=1</script></body></html>"
    )
    path = write(tmp_path / "page.htm", page, "big5")
    corpus = read_corpus(path)
    assert corpus[0].text == "實施要點\n一、目的：精進為民服務。\n甲\n乙"
    assert corpus.info["encodings"] == {str(path): "big5"}


def test_html_prefers_article_over_link_heavy_wrapper(tmp_path):
    links = "".join(f'<li><a href="/{i}">其他新闻标题第{i}条</a></li>' for i in range(20))
    page = (
        '<html><head><meta charset="utf-8"></head><body><div id="main"><ul class="list">' + links + "</ul>"
        "<article><h2>通知</h2><p>" + SHORT_SIMPLIFIED + "。</p></article></div></body></html>"
    )
    corpus = read_corpus(write(tmp_path / "a.html", page))
    assert corpus[0].text == "通知\n" + SHORT_SIMPLIFIED + "。"


def test_html_with_lying_meta_charset_and_empty_page(tmp_path):
    write(tmp_path / "lie.html", '<meta charset="utf-8"><p>' + SHORT_SIMPLIFIED + "</p>", "gbk")
    write(tmp_path / "empty.html", "<html><body><nav>首页</nav><script>1</script></body></html>")
    corpus = read_corpus(tmp_path)
    assert [(d.doc_id, d.text) for d in corpus] == [("lie", SHORT_SIMPLIFIED)]
    assert corpus.info["encodings"][str(tmp_path / "lie.html")] == "gb18030"
    assert [(e.doc_id, e.error, e.message) for e in corpus.errors] == [
        ("empty", "EmptyDocumentError", "page has no text")]


# ----------------------------------------------------------------------------------------------- tables

CSV_TEXT = (
    "doc_id,title,text\n"
    "0012,通知,推进网格化管理\n"
    '0013,意见,"第一段\n第二段, 含逗号"\n'
    "\n"
    "0014,空白,\n"
    "0015,多列,正文,多出来的一列\n"
    "0016,缺值,NaN\n"
    "0012,重复,另一份文件\n"
    "0017,,   \n"
    "0018,,精细化治理\n"
)


def test_csv_rows_ids_embedded_newlines_and_row_errors(tmp_path):
    path = write(tmp_path / "docs.csv", CSV_TEXT)
    corpus = read_corpus(path)
    assert [(d.doc_id, d.text, d.meta, d.source) for d in corpus] == [
        ("0012", "推进网格化管理", {"title": "通知"}, f"{path}#row 1"),
        ("0013", "第一段\n第二段, 含逗号", {"title": "意见"}, f"{path}#row 2"),
        ("0018", "精细化治理", {"title": None}, f"{path}#row 8"),
    ]
    assert [(e.source, e.doc_id, e.error, e.message) for e in corpus.errors] == [
        (f"{path}#row 3", "0014", "EmptyDocumentError", "the 'text' cell is empty"),
        (f"{path}#row 4", None, "CorruptFileError", "row has 4 fields but the header has 3 (ending at line 7)"),
        (f"{path}#row 5", "0016", "EmptyDocumentError", "the 'text' cell holds the missing-value marker 'NaN'"),
        (f"{path}#row 6", "0012", "DuplicateIdError", f"id '0012' is already used by {path}#row 1"),
        (f"{path}#row 7", "0017", "EmptyDocumentError", "the 'text' cell contains only whitespace"),
    ]
    assert corpus.n_inputs == 8
    assert corpus.info["encodings"] == {str(path): "utf-8"}


def test_csv_column_errors_list_the_columns(tmp_path):
    path = write(tmp_path / "docs.csv", CSV_TEXT)
    with pytest.raises(ColumnError) as info:
        read_corpus(path, text_column="body")
    assert str(info.value) == f"{path}: no column 'body' (text column); columns: 'doc_id', 'title', 'text'"
    with pytest.raises(ColumnError, match="no column 'number' \\(id column\\); columns: 'doc_id', 'title', 'text'"):
        read_corpus(path, id_column="number")
    other = write(tmp_path / "other.csv", "编号,正文\n1,内容\n")
    with pytest.raises(ColumnError, match="no 'text' column; name the text column .*columns: '编号', '正文'"):
        read_corpus(other)


def test_tsv_gb18030_with_generated_ids_and_named_columns(tmp_path):
    path = write(tmp_path / "reports.tsv", "地区\t正文\n北京\t" + SHORT_SIMPLIFIED + "\n天津\t共治共享\n", "gb18030")
    corpus = read_corpus(path, text_column="正文")
    assert [(d.doc_id, d.text, d.meta) for d in corpus] == [
        ("reports#1", SHORT_SIMPLIFIED, {"地区": "北京"}),
        ("reports#2", "共治共享", {"地区": "天津"}),
    ]
    assert corpus.info["encodings"] == {str(path): "gb18030"}
    by_region = read_corpus(path, text_column="正文", id_column="地区")
    assert by_region.doc_ids == ["北京", "天津"] and by_region[0].meta == {}


def test_csv_with_bom_inside_a_folder_gets_folder_relative_ids(tmp_path):
    write(tmp_path / "c" / "2026" / "raw.csv", codecs.BOM_UTF8 + "text,province\n正文甲,北京\n".encode())
    corpus = read_corpus(tmp_path / "c")
    assert [(d.doc_id, d.text, d.meta) for d in corpus] == [("2026/raw#1", "正文甲", {"province": "北京"})]
    assert list(corpus.info["encodings"].values()) == ["utf-8-sig"]


def test_csv_unterminated_quote_is_recorded(tmp_path):
    path = write(tmp_path / "t.csv", 'id,text\n1,第一条\n2,"没有结束的引号\n3,第三条\n')
    corpus = read_corpus(path)
    assert corpus.doc_ids == ["1"]
    # the row that opens the quote, then the line it swallowed: as many inputs as the lines suggest (issue 13.9)
    assert [(e.source, e.error) for e in corpus.errors] == [(f"{path}#row 2", "CorruptFileError"),
                                                            (f"{path}#row 3", "CorruptFileError")]
    assert corpus.errors[0].message.startswith("unterminated quote: a quoted cell opens on line 3")
    assert corpus.errors[1].message == "not read: line 4 lies after the unterminated quote opened on line 3"


def test_jsonl_malformed_line_is_recorded_and_reading_goes_on(tmp_path):
    lines = [
        json.dumps({"id": "0012", "text": "第一份", "year": 2025}, ensure_ascii=False),
        '{"id": "0013", "text": "缺少括号"',
        "",
        json.dumps({"id": 14, "text": "第三份", "tags": ["治理", "服务"]}, ensure_ascii=False),
        json.dumps(["不是对象"], ensure_ascii=False),
        json.dumps({"id": "0015", "text": None}),
    ]
    path = write(tmp_path / "docs.jsonl", "\n".join(lines) + "\n")
    corpus = read_corpus(path)
    assert [(d.doc_id, d.text, d.meta, d.source) for d in corpus] == [
        ("0012", "第一份", {"year": "2025"}, f"{path}#row 1"),
        ("14", "第三份", {"tags": '["治理", "服务"]'}, f"{path}#row 4"),
    ]
    assert [(e.source, e.error, e.message) for e in corpus.errors] == [
        (f"{path}#row 2", "CorruptFileError", "line 2 is not valid JSON (Expecting ',' delimiter, column 30)"),
        (f"{path}#row 5", "CorruptFileError", "line 5 is a JSON list, not an object"),
        (f"{path}#row 6", "EmptyDocumentError", "the 'text' cell is empty"),
    ]


def test_xlsx_rows_as_strings(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "文件"
    for row in [("doc_id", "text", "year", "score"), ("0012", "推进精细化管理", 2025, 0.5),
                (7, "基层治理", 2024, 3.0), (None, None, None, None), ("0013", None, 2023, None)]:
        sheet.append(row)
    workbook.create_sheet("说明").append(("其他",))
    path = tmp_path / "list.xlsx"
    workbook.save(path)
    corpus = read_corpus(path)
    assert [(d.doc_id, d.text, d.meta) for d in corpus] == [
        ("0012", "推进精细化管理", {"year": "2025", "score": "0.5"}),
        ("7", "基层治理", {"year": "2024", "score": "3"}),
    ]
    # the worksheet not read is named, as a record and a note (issue 13.6)
    assert [(e.source, e.doc_id, e.error) for e in corpus.errors] == [(f"{path}#row 3", "0013", "EmptyDocumentError"),
                                                                       (f"{path}#说明", None, "SkippedInputError")]
    assert corpus.errors[1].message == ("worksheet '说明' (2 of 2) not read: only '文件' was; read it with --sheet 2 "
                                        "or --sheet all (sheet= in Python)")
    assert corpus.info["notes"] == [f"{path}: worksheet '说明' not read (only '文件'); --sheet NAME|INDEX|all"]


def test_parquet_rows_with_nan(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"id": ["0012", "0013", "0014"], "text": ["共治", float("nan"), "无缝对接"],
                          "year": [2025, 2024, 2026]})
    path = tmp_path / "docs.parquet"
    frame.to_parquet(path, index=False)
    corpus = read_corpus(path)
    assert [(d.doc_id, d.text, d.meta) for d in corpus] == [
        ("0012", "共治", {"year": "2025"}), ("0014", "无缝对接", {"year": "2026"})]
    assert [(e.source, e.doc_id, e.error) for e in corpus.errors] == [(f"{path}#row 2", "0013", "EmptyDocumentError")]


def test_corrupt_tables_count_as_one_error_each(tmp_path):
    write(tmp_path / "bad.xlsx", b"PK\x03\x04" + bytes(100))
    write(tmp_path / "old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    write(tmp_path / "bad.parquet", b"PAR1 this is not parquet")
    write(tmp_path / "ok.csv", "text\n正文\n")
    corpus = read_corpus(tmp_path)
    assert corpus.doc_ids == ["ok#1"]
    assert [(Path(e.source).name, e.doc_id, e.error) for e in corpus.errors] == [
        ("bad.parquet", None, "CorruptFileError"),
        ("bad.xlsx", None, "CorruptFileError"),
        ("old.xlsx", None, "CorruptFileError"),
    ]
    assert corpus.errors[0].message.startswith("not a valid .parquet (")
    assert corpus.errors[1].message == "not a valid .xlsx (not a zip file); if it is an old .xls, save it as .xlsx"
    assert corpus.errors[2].message == "not a valid .xlsx: it is an old .xls file; save it as .xlsx"


# ----------------------------------------------------------------------------------------------- folders


def test_folder_ids_order_hidden_files_and_duplicates(tmp_path):
    root = tmp_path / "corpus"
    write(root / "b.txt", "乙")
    write(root / "a" / "x.txt", "甲")
    write(root / "a-b.txt", "丙")
    write(root / "2025" / "11_beijing.md", "北京")
    write(root / "dup.md", "先读到的")
    write(root / "dup.txt", "后读到的")
    write(root / ".hidden.txt", "隐藏")
    write(root / ".git" / "config.txt", "隐藏")
    corpus = read_corpus(root)
    assert corpus.doc_ids == ["2025/11_beijing", "a-b", "a/x", "b", "dup"]
    assert corpus["dup"].text == "先读到的"
    assert [(e.source, e.doc_id, e.error, e.message) for e in corpus.errors] == [
        (str(root / "dup.txt"), "dup", "DuplicateIdError", f"id 'dup' is already used by {root / 'dup.md'}")]


def test_metadata_csv_at_the_root_is_joined(tmp_path):
    root = tmp_path / "corpus"
    write(root / "2025" / "beijing.txt", "北京")
    write(root / "2025" / "tianjin.txt", "天津")
    write(root / "2026" / "hebei.txt", "河北")
    write(root / "metadata.csv", "doc_id,year,province,note\n2025/beijing,2025,北京,\n2025/tianjin,2025,天津,简本\n"
                                 "2024/shanxi,2024,山西,\n")
    corpus = read_corpus(root)
    assert corpus.doc_ids == ["2025/beijing", "2025/tianjin", "2026/hebei"]
    assert corpus["2025/beijing"].meta == {"year": "2025", "province": "北京", "note": None}
    assert corpus["2025/tianjin"].meta == {"year": "2025", "province": "天津", "note": "简本"}
    assert corpus["2026/hebei"].meta == {}
    assert corpus.errors == []
    assert corpus.info["metadata"] == str(root / "metadata.csv")
    assert corpus.info["metadata_id_column"] == "doc_id"
    assert corpus.info["metadata_unmatched_docs"] == ["2026/hebei"]
    assert corpus.info["metadata_unused_rows"] == ["2024/shanxi"]


def test_explicit_metadata_overrides_table_columns(tmp_path):
    table = write(tmp_path / "t.csv", "id,text,year,agency\n0012,共治,2020,民政局\n0013,共享,2021,住建局\n")
    meta = write(tmp_path / "meta.csv", "编号,year\n0012,2025\n0013,\n", "gb18030")
    corpus = read_corpus(table, metadata=meta, metadata_id_column="编号")
    assert [d.meta for d in corpus] == [{"year": "2025", "agency": "民政局"}, {"year": None, "agency": "住建局"}]
    assert corpus.info["metadata_unmatched_docs"] == [] and corpus.info["metadata_unused_rows"] == []


def test_metadata_errors(tmp_path):
    doc = write(tmp_path / "docs" / "a.txt", "甲")
    no_id = write(tmp_path / "no_id.csv", "name,year\na,2025\n")
    with pytest.raises(MetadataError, match="no 'doc_id' or 'id' column.*columns: 'name', 'year'"):
        read_corpus(doc, metadata=no_id)
    repeated = write(tmp_path / "rep.csv", "id,year\na,2025\na,2026\n")
    with pytest.raises(MetadataError, match="1 id\\(s\\) appear more than once in the metadata: 'a'"):
        read_corpus(doc, metadata=repeated)
    with pytest.raises(MetadataError, match="no column 'key'"):
        read_corpus(doc, metadata=no_id, metadata_id_column="key")
    with pytest.raises(MetadataError, match="metadata file not found"):
        read_corpus(doc, metadata=tmp_path / "missing.csv")


def test_glob_filters_folder_files(tmp_path):
    root = tmp_path / "c"
    write(root / "2025" / "a.txt", "甲")
    write(root / "2025" / "notes.md", "说明")
    write(root / "2026" / "b.txt", "乙")
    write(root / "raw" / "dump.csv", "province,full_text\n北京,正文\n")
    write(root / "README.rst", "readme")
    assert read_corpus(root, glob="*.txt").doc_ids == ["2025/a", "2026/b"]
    assert read_corpus(root, glob="2025/*").doc_ids == ["2025/a", "2025/notes"]
    assert read_corpus(root, glob=["2026/*", "*.md"]).doc_ids == ["2025/notes", "2026/b"]
    with pytest.raises(NoDocumentsError, match=r"no documents matching \*\.pdf found in"):
        read_corpus(root, glob="*.pdf")


def test_symlink_loop_does_not_hang(tmp_path):
    root = tmp_path / "c"
    write(root / "sub" / "a.txt", "甲")
    os.symlink(root, root / "sub" / "up")
    os.symlink(root / "nowhere", root / "broken.txt")
    corpus = read_corpus(root)
    assert corpus.doc_ids == ["sub/a"]
    assert [(e.source, e.error, e.message) for e in corpus.errors] == [
        (str(root / "broken.txt"), "UnreadableFileError", "broken symbolic link"),
        (str(root / "sub" / "up"), "UnreadableFileError",
         "symbolic link loop: this link points to a folder that is already read"),
    ]


def test_unreadable_file_with_permissions(tmp_path):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip(reason="running as root: chmod 000 does not stop root from reading; "
                           "test_unreadable_file_simulated covers the same path")
    path = write(tmp_path / "c" / "locked.txt", "甲")
    write(tmp_path / "c" / "open.txt", "乙")
    path.chmod(0)
    try:
        corpus = read_corpus(tmp_path / "c")
    finally:
        path.chmod(0o644)
    assert corpus.doc_ids == ["open"]
    assert [(e.doc_id, e.error) for e in corpus.errors] == [("locked", "UnreadableFileError")]


def test_unreadable_file_simulated(tmp_path, monkeypatch):
    locked = write(tmp_path / "c" / "locked.txt", "甲")
    write(tmp_path / "c" / "open.txt", "乙")
    real_open = io.open

    def refusing_open(file, *args, **kwargs):
        if os.fspath(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", refusing_open)
    corpus = read_corpus(tmp_path / "c")
    assert corpus.doc_ids == ["open"]
    assert [(e.source, e.doc_id, e.error, e.message) for e in corpus.errors] == [
        (str(locked), "locked", "UnreadableFileError", "cannot read the file (Permission denied)")]


def test_mixed_folder_counts_every_input_and_reports_progress(tmp_path):
    root = tmp_path / "c"
    write(root / "a.txt", "甲")
    write(root / "b.csv", "text\n一\n\n二\n三,多\n")
    write(root / "c.bin", b"\x00")
    write(root / "d.txt", b"")

    class Progress:
        total = None
        updates = 0

        def update(self, n):
            self.updates += n

    progress = Progress()
    corpus = read_corpus(root, progress=progress)
    assert corpus.doc_ids == ["a", "b#1", "b#2"]
    assert (len(corpus), len(corpus.errors), corpus.n_inputs) == (3, 3, 6)
    assert (progress.total, progress.updates) == (4, 4)


def test_input_list_and_fatal_errors(tmp_path):
    a = write(tmp_path / "x" / "a.txt", "甲")
    b = write(tmp_path / "y" / "b.md", "乙")
    corpus = read_corpus([str(a), b])
    assert corpus.doc_ids == ["a", "b"]
    assert corpus.info["inputs"] == [str(a), str(b)] and corpus.info["n_files"] == 2
    with pytest.raises(CorpusError, match="input not found: .*nothing.txt"):
        read_corpus([a, tmp_path / "nothing.txt"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoDocumentsError):
        read_corpus(tmp_path / "empty")
    only_errors = read_corpus(write(tmp_path / "z" / "bad.doc", b"\xd0\xcf"))
    assert len(only_errors) == 0
    assert only_errors.errors[0].message.startswith("unsupported extension '.doc'; save it as .docx (supported:")


# ----------------------------------------------------------------------------------------------- shared corpus


def test_provincial_work_reports_with_metadata():
    folder = SHARED / "corpora" / "provincial_gwr"
    if not folder.is_dir():
        pytest.skip(reason=f"public test corpora not found at {folder} (they sit beside the checkout in CI)")
    corpus = read_corpus(folder, glob="*.txt")
    assert len(corpus) == 62 and corpus.errors == []
    assert corpus.doc_ids[:2] == ["2025/11_beijing", "2025/12_tianjin"]
    assert corpus.doc_ids[-1] == "2026/65_xinjiang"
    assert corpus.info["metadata"] == str(folder / "metadata.csv")
    assert corpus.info["metadata_unmatched_docs"] == [] and corpus.info["metadata_unused_rows"] == []
    beijing = corpus["2025/11_beijing"]
    assert (beijing.meta["year"], beijing.meta["province"]) == ("2025", "北京")
    assert (corpus["2026/44_guangdong"].meta["year"], corpus["2026/44_guangdong"].meta["province"]) == ("2026", "广东")
    assert set(corpus.info["encodings"].values()) == {"utf-8"}


@pytest.mark.parametrize("chunk", [1 << 20, 3], ids=["megabyte", "3-byte-chunks"])
def test_control_characters_found_on_utf8_bytes_as_on_the_text(monkeypatch, chunk):
    """The UTF-8 reading checks for control characters on the bytes (readers._decode._is_clean_utf8): the same
    verdict as the regex on the decoded text, on random strings of C0 controls, DEL, ASCII and non-ASCII, with
    the bytes checked a megabyte at a time (as it runs) and 3 bytes at a time (so that every string crosses
    chunk boundaries, a tolerated final U+001A included)."""
    import random

    from policytext.readers import _decode
    from policytext.readers._decode import _is_clean, _is_clean_utf8

    monkeypatch.setattr(_decode, "_CHECK_BYTES", chunk)
    rng = random.Random(4)
    alphabet = [chr(c) for c in range(0x21)] + ["中", "a", "\x7f", "é", "\U00020000"]
    verdicts = set()
    for _ in range(20000):
        t = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) + ("\x1a" if rng.random() < 0.2 else "")
        assert _is_clean_utf8(t.encode("utf-8")) == _is_clean(t), repr(t)
        verdicts.add(_is_clean(t))
    assert verdicts == {True, False} and _is_clean_utf8(b"a\x1a") and not _is_clean_utf8(b"\x1aa")
    # any buffer, as the numpy version took
    assert _is_clean_utf8(bytearray(b"a\n\x1a")) and not _is_clean_utf8(memoryview(b"a\x00b"))
    assert not _is_clean_utf8(b"\x1a\x1a") and _is_clean_utf8(b"") and _is_clean_utf8(b"\t\x0b\x0c\r\n\x7f")


@pytest.mark.parametrize("shrink", [0, 1, 5, 40])
def test_read_bytes_reads_what_one_read_to_the_limit_reads_when_the_file_grew(tmp_path, monkeypatch, shrink):
    """read_bytes asks for the listed size and one byte more; a file that grew after it was listed (a listed
    size too small here) is read on to the limit: the same bytes, or the same error, as fh.read(limit + 1)."""
    import os

    from policytext.errors import TooLargeError
    from policytext.readers import _files

    data = bytes(range(256)) * 3
    path = tmp_path / "f.txt"
    path.write_bytes(data)
    real = os.fstat

    class Listed:
        def __init__(self, st):
            self._st = st

        def __getattr__(self, name):
            return max(0, self._st.st_size - shrink) if name == "st_size" else getattr(self._st, name)

    monkeypatch.setattr(_files.os, "fstat", lambda fd: Listed(real(fd)))
    for limit in (None, len(data), len(data) + 1, len(data) + 100, len(data) - 1, len(data) - 3):
        with open(path, "rb") as fh:
            expected = fh.read() if limit is None else fh.read(limit + 1)
        if limit is not None and len(expected) > limit:
            with pytest.raises(TooLargeError):
                _files.read_bytes(path, limit)
        else:
            assert _files.read_bytes(path, limit) == expected == data
