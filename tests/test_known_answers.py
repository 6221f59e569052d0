"""One text, written for this test, in every encoding and format policytext reads: the same literal counts.

The text contains the false friends 公共治理 (not 共治) and 精细化工 (not 精细化), the split term 无缝对接
(jieba: 无缝/对接), and terms that are runs of tokens (网格化/管理, 社会/参与, 精细化/治理).
"""


import opencc
import pytest

from policytext import Lexicon, Scorer, read_corpus

PARAGRAPHS = [
    "关于推进社区共治的通知",
    "各街道：为实现公共服务与居民需求的无缝对接，推动网格化管理和精细化治理，现就有关事项通知如下。",
    "一、坚持共建共治共享，鼓励社会参与。",
    "二、发展精细化工产业时，不得以加强公共治理为名一刀切。",
]
TEXT = "\n".join(PARAGRAPHS) + "\n"
LEXICON = Lexicon.from_dict(
    {
        "co": ["共治", "无缝对接", "共建共治共享", "社会参与"],
        "fine": ["精细化", "精细化治理", "网格化管理"],
        "crude": ["一刀切"],
    },
    polarity={"crude": -1},
)
EXPECTED = {"hits_co": 4, "hits_fine": 2, "hits_crude": 1, "hits_total": 7}
EXPECTED_TERMS = ["共治", "无缝对接", "网格化管理", "精细化治理", "共建共治共享", "社会参与", "一刀切"]


def counts(path):
    corpus = read_corpus(path)
    assert corpus.errors == [], corpus.errors
    result = Scorer(LEXICON).score(corpus)
    row = result.scores.iloc[0]
    return {k: int(row[k]) for k in EXPECTED}, result.hits["term"].tolist()


def write_docx(path):
    import docx

    d = docx.Document()
    for p in PARAGRAPHS:
        d.add_paragraph(p)
    d.save(path)


def write_pdf(path):
    """Lines of at most 20 characters, as a PDF page lays them out: terms get broken across lines."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    y = 780
    for p in PARAGRAPHS:
        for k in range(0, len(p), 20):
            c.drawString(72, y, p[k:k + 20])
            y -= 18
    c.save()


def write_html(path):
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>通知</title>"
        "<script>var x = '共治 无缝对接';</script><style>p{margin:0}</style></head><body>"
        "<nav><a href='/'>首页</a><a href='/gz'>共治专栏</a><a href='/wf'>无缝对接</a></nav>"
        f"<div id='UCAP-CONTENT'>{body}</div><footer>网站地图 社会参与</footer></body></html>",
        encoding="utf-8",
    )


def write_text(encoding, text=TEXT):
    def writer(path):
        path.write_bytes(text.encode(encoding))
    return writer


TRADITIONAL = opencc.OpenCC("s2tw").convert(TEXT)
WRAPPED = "\n".join(p[k:k + 13] for p in PARAGRAPHS for k in range(0, len(p), 13)) + "\n"

CASES = {
    "utf8.txt": write_text("utf-8"),
    "utf8bom.txt": write_text("utf-8-sig"),
    "gb18030.txt": write_text("gb18030"),
    "utf16.txt": write_text("utf-16"),
    "big5_traditional.txt": write_text("big5", TRADITIONAL),
    "hard_wrapped.txt": write_text("utf-8", WRAPPED),
    "notice.docx": write_docx,
    "notice.pdf": write_pdf,
    "notice.html": write_html,
}


def broken_terms(raw):
    """The expected terms that a line break cuts in two somewhere in ``raw``."""
    return [t for t in EXPECTED_TERMS if any(t[:k] + "\n" + t[k:] in raw for k in range(1, len(t)))]


def test_the_wrapped_and_traditional_variants_really_differ():
    assert broken_terms(WRAPPED) == ["网格化管理"]
    assert "無縫對接" in TRADITIONAL and "網格化管理" in TRADITIONAL


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_counts_in_every_encoding_and_format(tmp_path, name):
    path = tmp_path / name
    CASES[name](path)
    got, terms = counts(path)
    assert got == EXPECTED
    assert terms == EXPECTED_TERMS


def test_pdf_lines_really_break_inside_terms(tmp_path):
    path = tmp_path / "notice.pdf"
    write_pdf(path)
    assert broken_terms(read_corpus(path)[0].text) == ["无缝对接"]


def test_default_lexicon_gives_the_same_result_in_every_format(tmp_path):
    results = []
    for name, make in CASES.items():
        make(tmp_path / name)
        res = Scorer().score(read_corpus(tmp_path / name)).scores.iloc[0]
        results.append((name, res.filter(regex="^hits_|_rejected$|^n_vetoed$|^n_sentences$").to_dict()))
    first = results[0][1]
    # 1.1.0: 不得……一刀切 is a prohibition, so the crude hit is rejected, not subtracted
    assert first["hits_co_governance"] >= 3 and first["hits_crude"] == 0 and first["crude_rejected"] == 1
    for name, r in results:
        assert r == first, name
