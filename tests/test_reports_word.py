"""report.docx opened with python-docx: Word headings, Word tables with Chinese headers, numbers equal to
scores.csv, groups of fewer than five documents without an interval, charts when matplotlib finds a CJK font
and a sentence saying so when it does not. Texts are written for these tests."""

from __future__ import annotations

import hashlib

import docx
import pandas as pd
import pytest

from policytext import Corpus
from policytext.reports import write_report, word

PHRASES = ["推进网格化管理和社区共治。", "完善绩效评估，实现无缝对接。", "坚持精细化治理，推动居民自治。",
           "扩大投资规模，加快项目建设。", "粗放管理依然存在，一刀切的做法需要纠正。", "建设智慧城市，推行一网通办。"]


def _corpus(n: int = 48) -> Corpus:
    texts = {f"doc{i:02d}": "".join(PHRASES[(i * k) % len(PHRASES)] for k in range(1, 2 + i % 5)) for i in range(n)}
    meta = [{"province": ["甲省", "乙省", "丙省"][i % 3] if i < 45 else "丁省", "year": str(2020 + i % 4)}
            for i in range(n)]
    return Corpus.from_texts(texts, meta=meta)


@pytest.fixture(scope="module")
def report(tmp_path_factory, tokenizer):
    out = tmp_path_factory.mktemp("word") / "report"
    write_report(_corpus(), out, group_by=["province"], tokenizer=tokenizer)
    return out


def _headings(d) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith(("Heading", "Title"))]


def _rows(table) -> list[list[str]]:
    return [[c.text for c in r.cells] for r in table.rows]


def test_word_file_has_real_headings_in_order(report):
    d = docx.Document(str(report / "report.docx"))
    heads = _headings(d)
    assert heads[0] == ("Title", "精细化治理政策文本分析报告")
    level1 = [t for s, t in heads if s == "Heading 1"]
    assert level1 == ["要点", "指数最高的 20 份文件", "指数最低的 20 份文件", "分组比较", "时间趋势", "维度画像", "方法说明"]
    assert ("Heading 2", "按“省份”比较") in heads and ("Heading 2", "注意事项") in heads
    bullets = [p.text for p in d.paragraphs if p.style.name == "List Bullet"]
    assert any(b.startswith("本报告分析了 48 个输入") for b in bullets)
    assert "index = index_positive − index_contrast" in bullets


def test_top_and_bottom_20_equal_scores_csv(report):
    d = docx.Document(str(report / "report.docx"))
    csv = pd.read_csv(report / "scores.csv", encoding="utf-8-sig")
    top, bottom = _rows(d.tables[0]), _rows(d.tables[1])
    assert top[0] == ["排名", "文件编号", "精细化治理指数", "句子占比", "字数", "命中数"]  # sentence share beside the index
    assert len(top) == 21 and len(bottom) == 21

    def row(r):
        return [str(r.rank), r.doc_id, f"{r.index:.2f}", f"{r.sentence_share:.3f}", f"{r.n_chars:,}",
                f"{r.hits_total:,}"]

    expected_top = [row(r) for r in csv.head(20).itertuples()]
    expected_bottom = [row(r) for r in csv.tail(20).iloc[::-1].itertuples()]
    assert top[1:] == expected_top and bottom[1:] == expected_bottom


def test_group_table_has_n_and_intervals_and_a_dash_below_five(report):
    d = docx.Document(str(report / "report.docx"))
    groups = next(_rows(t) for t in d.tables if _rows(t)[0][0] == "省份")
    assert groups[0][:4] == ["省份", "文件数", "平均指数", "95% 置信区间"]
    by = {r[0]: r for r in groups[1:]}
    assert set(by) == {"甲省", "乙省", "丙省", "丁省"}
    assert by["丁省"][1] == "3" and by["丁省"][3] == "—（n<5）"
    assert by["甲省"][1] == "15" and by["甲省"][3].startswith("[")
    xlsx = pd.read_excel(report / "report.xlsx", sheet_name="groups", header=1)
    jia = xlsx[(xlsx["kind"] == "group") & (xlsx["group"] == "甲省")].iloc[0]
    assert by["甲省"][2] == f"{jia['mean_index']:.2f}" and by["甲省"][3] == f"[{jia['ci_low']:.2f}, {jia['ci_high']:.2f}]"
    text = "\n".join(p.text for p in d.paragraphs)
    assert "1 组不足 5 份文件，没有区间。" in text


def test_category_profile_is_labelled_in_chinese(report):
    d = docx.Document(str(report / "report.docx"))
    cats = next(_rows(t) for t in d.tables if _rows(t)[0][0] == "维度")
    assert [r[0] for r in cats[1:]][:2] == ["精细化理念", "精明行政与技术标准化"]
    assert cats[-1][:2] == ["粗放管理", "-1"]


def test_charts_are_pictures_when_a_cjk_font_is_found_else_the_file_says_so(report, tmp_path, tokenizer,
                                                                              monkeypatch):
    d = docx.Document(str(report / "report.docx"))
    if word.cjk_font() is None:
        pytest.skip(reason="matplotlib or a CJK font (fonts-noto-cjk) missing: the chart half of this test needs both")
    assert len(d.inline_shapes) == 3  # histogram, province intervals, categories
    assert "没有图表" not in "\n".join(p.text for p in d.paragraphs)
    monkeypatch.setattr(word, "cjk_font", lambda: None)
    write_report(_corpus(12), tmp_path / "r", tokenizer=tokenizer)
    plain = docx.Document(str(tmp_path / "r" / "report.docx"))
    assert len(plain.inline_shapes) == 0
    assert any("本文件只含表格，没有图表" in p.text for p in plain.paragraphs)


def test_the_word_file_is_the_same_bytes_for_the_same_inputs(report, tmp_path, tokenizer):
    write_report(_corpus(), tmp_path / "again", group_by=["province"], tokenizer=tokenizer)
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    for name in ("report.docx", "columns.csv", "scores.csv", "report.xlsx", "report.html"):
        assert digest(report / name) == digest(tmp_path / "again" / name), name
