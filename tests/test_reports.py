"""write_report: the folder, the workbook, the CSV, the manifest, escaping, formula injection, atomic writes,
and the statistics behind the page (bootstrap intervals, time columns, term and evidence tables)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from html import unescape
from datetime import datetime
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from policytext.errors import ConfigError, OutputError
from policytext.reports import REPORT_FILES, write_report
from policytext.reports import analysis
from policytext.reports.html import inline_json, topics_section

HOSTILE_TITLE = "<script>alert(1)</script>"
TEXTS = {
    # region, year, title, adj, text: written for this test
    "east/a": ("东部", "2019", "=1+1", "-3", "推进网格化管理，实现无缝对接，完善绩效评估。社区共治取得进展。"),
    "east/b": ("东部", "2021", HOSTILE_TITLE, "4", "坚持精细化治理，推动社区共治和居民自治，做到精准施策。"),
    "east/c": ("东部", "2023", "@SUM(A1)", "2", "开展网格化管理试点，建立群众满意度测评和第三方评估制度。"),
    "west/a": ("西部", "2019", "-普通标题", "0", "加快项目建设，粗放管理依然存在，一刀切的做法需要纠正。"),
    "west/b": ("西部", "2021", "西部通知\u2028第二行", "1", "完成年度招商任务，扩大投资规模，加强公共治理。"),
    "west/c": ("西部", "", "+号开头", "5", "推进便民服务，简化办事流程，提高服务效率。"),
}


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    """Six documents in two regions plus one empty file, with a metadata.csv (hostile titles included)."""
    d = tmp_path_factory.mktemp("mini")
    rows = ["doc_id,region,year,title,adj"]
    for doc_id, (region, year, title, adj, text) in TEXTS.items():
        (d / doc_id).parent.mkdir(exist_ok=True)
        (d / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        quoted = '"' + title.replace('"', '""') + '"'
        rows.append(f"{doc_id},{region},{year},{quoted},{adj}")
    (d / "empty.txt").write_text("  \n", encoding="utf-8")
    (d / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return d


class Bar:
    opened: list = []

    def __init__(self, stage):
        self.stage, self.total, self.n, self.closed = stage, None, 0, False
        Bar.opened.append(self)

    def update(self, n=1):
        self.n += n

    def close(self):
        self.closed = True


@pytest.fixture(scope="module")
def report(corpus_dir, tmp_path_factory, tokenizer):
    Bar.opened = []
    out = tmp_path_factory.mktemp("out") / "report"
    result = write_report(corpus_dir, out, group_by=["region"], tokenizer=tokenizer, random_state=7,
                          command=["policytext", "report", str(corpus_dir), "-o", str(out)], progress=Bar)
    return SimpleNamespace(dir=out, result=result, bars=list(Bar.opened))


def _json_script(html: str, element_id: str):
    m = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, flags=re.S)
    return json.loads(m.group(1))


# -- the folder -------------------------------------------------------------------------------------------
def test_report_folder_holds_the_four_files_and_nothing_else(report):
    assert sorted(p.name for p in report.dir.iterdir()) == sorted(REPORT_FILES)
    assert [p for p in report.dir.parent.iterdir() if p.name.startswith(".")] == []  # no temporary folder left
    assert list(report.result.scores["doc_id"]) == ["east/b", "east/a", "east/c", "west/c", "west/b", "west/a"]
    assert [e.error for e in report.result.errors] == ["EmptyDocumentError"]


def test_progress_bars_one_per_stage_all_closed_and_nothing_printed(corpus_dir, tmp_path, tokenizer, capsys):
    Bar.opened = []
    write_report(corpus_dir, tmp_path / "r", tokenizer=tokenizer, progress=Bar)
    assert [b.stage for b in Bar.opened] == ["reading", "scoring", "inputs sha256", "statistics", "writing"]
    assert all(b.closed for b in Bar.opened)
    assert Bar.opened[1].total == 6 and Bar.opened[1].n == 6
    assert Bar.opened[-1].n == Bar.opened[-1].total == len(REPORT_FILES) == 6
    assert capsys.readouterr() == ("", "")


def test_manifest_records_versions_lexicon_seeds_inputs_command_and_times(report, corpus_dir):
    m = json.loads((report.dir / "manifest.json").read_text("utf-8"))
    assert m["policytext"] == "0.1.0" and m["dependencies"]["plotly"] and m["dependencies"]["pandas"]
    assert m["lexicon"]["name"] == "fine_grained_governance" and len(m["lexicon"]["sha256"]) == 64
    assert m["tokenizer"]["engine"] == "rjieba" and m["tokenizer"]["hmm"] is True  # --engine auto
    assert m["seeds"] == {"bootstrap": 7, "bootstrap_resamples": 1000, "topics": None}
    assert m["command"][:2] == ["policytext", "report"]
    assert m["counts"] == {"inputs": 7, "documents_read": 6, "scored": 6, "errors": 1}
    started, finished = (datetime.fromisoformat(m[k]) for k in ("started_utc", "finished_utc"))
    assert started.utcoffset().total_seconds() == 0 and started <= finished
    paths = [f["path"] for f in m["inputs"]]
    assert len(paths) == 8 and any(p.endswith("metadata.csv") for p in paths) and any(p.endswith("empty.txt") for p in paths)
    for f in m["inputs"]:
        with open(f["path"], "rb") as fh:
            assert f["sha256"] == hashlib.sha256(fh.read()).hexdigest()
    assert sorted(m["outputs"]) == sorted(set(REPORT_FILES) - {"manifest.json"})
    for name in m["outputs"]:
        assert m["outputs"][name]["sha256"] == hashlib.sha256((report.dir / name).read_bytes()).hexdigest()


# -- HTML: self-contained, escaped --------------------------------------------------------------------------
def test_html_is_self_contained_with_plotly_inlined_once(report):
    from plotly.offline import get_plotlyjs

    html = (report.dir / "report.html").read_text("utf-8")
    assert html.count(get_plotlyjs()[:200]) == 1
    assert re.findall(r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=", html, flags=re.I) == []
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html).group(1)
    assert unescape(csp).startswith("default-src 'none'; script-src 'unsafe-inline'")  # nothing loads from outside
    assert '<html lang="zh-CN">' in html and "文件排名" in html and "方法说明" in html
    for section in ("summary", "ranking", "distribution", "categories", "groups", "trend", "terms", "evidence",
                    "methods", "errors"):
        assert f'<section id="{section}">' in html
    assert '<section id="topics">' not in html


def test_every_document_string_is_escaped_in_html_and_inline_json(report):
    html = (report.dir / "report.html").read_text("utf-8")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # evidence heading
    assert html.lower().count("</script") == html.lower().count("<script")  # no element ended early
    data = _json_script(html, "pt-ranking-data")
    titles = {r[1]: r[2] for r in data["rows"]}
    assert titles["east/b"] == HOSTILE_TITLE and titles["west/b"] == "西部通知\u2028第二行"
    assert "\u2028" not in html.split('id="pt-ranking-data">')[1].split("</script>")[0]
    charts = _json_script(html, "pt-chart-data")
    assert "东部 (n=3)" in charts["group-0"]["data"][0]["y"]


def test_inline_json_cannot_break_out_of_its_script_element():
    text = inline_json({"t": "</script><script>alert(1)</script>&\u2028\u2029"})
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"t": "</script><script>alert(1)</script>&\u2028\u2029"}


def test_chart_labels_from_documents_are_escaped_for_plotly():
    from policytext.reports.charts import plot_text

    assert plot_text('<a href="javascript:x">地区</a>', 0) == '&lt;a href="javascript:x"&gt;地区&lt;/a&gt;'
    assert plot_text("很长" * 20, 5) == "很长很长…"


# -- workbook and CSV ---------------------------------------------------------------------------------------
def test_workbook_sheets_headers_frozen_panes_and_types(report):
    wb = openpyxl.load_workbook(report.dir / "report.xlsx")
    assert wb.sheetnames == ["summary", "scores", "categories", "terms", "evidence", "groups", "errors", "manifest"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A3", ws.title  # row 1: headings for readers, row 2: machine names
        assert ws["A1"].font.bold
    scores = wb["scores"]
    header = [c.value for c in scores[2]]
    assert header[:6] == ["rank", "doc_id", "title", "region", "year", "adj"]  # the title first among metadata
    assert [c.value for c in scores[1]][:6] == ["排名", "文件编号", "标题", "地区", "年份", "adj"]
    assert {"index", "index_positive", "index_contrast", "coverage", "per10k_co_governance", "top_terms"} <= set(header)
    col = {name: i for i, name in enumerate(header)}
    rows = {r[col["doc_id"]].value: r for r in scores.iter_rows(min_row=3)}
    assert rows["east/b"][col["rank"]].value == 1 and rows["east/b"][col["rank"]].data_type == "n"
    assert rows["west/a"][col["index"]].data_type == "n" and rows["west/a"][col["index"]].value < 0  # negative stays
    assert rows["east/a"][col["adj"]].value == -3 and rows["east/a"][col["adj"]].data_type == "n"
    assert rows["east/a"][col["year"]].value == 2019
    assert rows["west/c"][col["year"]].value is None
    assert rows["east/a"][col["title"]].value == "'=1+1"
    assert rows["east/c"][col["title"]].value == "'@SUM(A1)"
    assert rows["west/a"][col["title"]].value == "'-普通标题"
    assert rows["west/c"][col["title"]].value == "'+号开头"
    assert rows["east/b"][col["title"]].value == HOSTILE_TITLE
    assert scores.column_dimensions["B"].width >= 8
    groups = wb["groups"]
    gh = [c.value for c in groups[2]]
    assert gh[:9] == ["kind", "column", "group", "n", "n_short", "mean_index", "ci_low", "ci_high", "ci_note"]
    kinds = [(r[0].value, r[1].value, r[2].value, r[3].value) for r in groups.iter_rows(min_row=3)]
    assert ("group", "region", "东部", 3) in kinds and ("year", "year", 2019, 2) in kinds
    assert all(r[4].data_type == "n" for r in groups.iter_rows(min_row=3))
    summary = {r[0].value: r[2].value for r in wb["summary"].iter_rows(min_row=3)}
    assert summary["n_scored"] == 6 and summary["n_errors"] == 1 and isinstance(summary["index_mean"], float)
    errors = [[c.value for c in r] for r in wb["errors"].iter_rows()]
    assert errors[0] == ["来源", "文件编号", "错误类型", "原因"]
    assert errors[1] == ["source", "doc_id", "error", "message"] and errors[2][2] == "EmptyDocumentError"
    ev = wb["evidence"]
    assert [c.value for c in ev[2]] == ["rank", "doc_id", "title", "index", "term", "category", "label", "polarity",
                                        "start", "end", "left", "match", "right"]
    manifest = {r[0].value: r[1].value for r in wb["manifest"].iter_rows(min_row=3)}
    assert manifest["lexicon.name"] == "fine_grained_governance" and manifest["seeds.bootstrap"] == 7


def test_scores_csv_has_a_bom_neutralised_formulas_and_plain_numbers(report):
    raw = (report.dir / "scores.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(report.dir / "scores.csv", encoding="utf-8-sig").set_index("doc_id")
    assert df.loc["east/a", "title"] == "'=1+1" and df.loc["east/c", "title"] == "'@SUM(A1)"
    assert df.loc["east/a", "adj"] == -3 and df.loc["west/a", "index"] < 0
    assert df["rank"].tolist() == [1, 2, 3, 4, 5, 6]


# -- atomic replacement --------------------------------------------------------------------------------------
def test_a_failing_stage_leaves_the_previous_report_intact(corpus_dir, tmp_path, tokenizer, monkeypatch):
    out = tmp_path / "r"
    write_report(corpus_dir, out, tokenizer=tokenizer)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("policytext.reports.workbook.write_workbook", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_report(corpus_dir, out, tokenizer=tokenizer, title="新标题")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # the temporary folder is gone; the scoring checkpoint stays for --resume
    assert sorted(p.name for p in tmp_path.iterdir()) == [".r.checkpoint", "r"]


def test_an_interrupted_first_run_leaves_no_folder(corpus_dir, tmp_path, tokenizer, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("policytext.reports.workbook.write_workbook", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_report(corpus_dir, tmp_path / "r", tokenizer=tokenizer)
    assert [p.name for p in tmp_path.iterdir()] == [".r.checkpoint"]  # no report; the checkpoint for --resume


def test_a_second_run_replaces_the_report(corpus_dir, tmp_path, tokenizer):
    out = tmp_path / "r"
    write_report(corpus_dir, out, tokenizer=tokenizer, title="第一版")
    write_report(corpus_dir, out, tokenizer=tokenizer, title="第二版")
    html = (out / "report.html").read_text("utf-8")
    assert "<title>第二版</title>" in html and "第一版" not in html
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_a_report_of_an_earlier_version_is_replaced(corpus_dir, tmp_path, tokenizer):
    out = tmp_path / "r"
    out.mkdir()
    for name in ("report.html", "report.xlsx", "scores.csv", "manifest.json"):  # the four files of version 0.1
        (out / name).write_text("old", encoding="utf-8")
    write_report(corpus_dir, out, tokenizer=tokenizer)
    assert sorted(p.name for p in out.iterdir()) == sorted(REPORT_FILES)


def test_a_folder_with_other_files_is_never_replaced(corpus_dir, tmp_path, tokenizer):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError, match="not part of a report"):
        write_report(corpus_dir, out, tokenizer=tokenizer)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="not a folder"):
        write_report(corpus_dir, tmp_path / "file", tokenizer=tokenizer)


def test_unknown_group_column_names_the_metadata_columns(corpus_dir, tmp_path, tokenizer):
    with pytest.raises(ConfigError, match=r"'province'.*metadata columns: region, year, title, adj"):
        write_report(corpus_dir, tmp_path / "r", group_by=["province"], tokenizer=tokenizer)
    assert not (tmp_path / "r").exists()


def test_a_corpus_with_nothing_scored_still_gets_a_report(tmp_path, tokenizer):
    from policytext import Corpus

    corpus = Corpus.from_texts({"a": "  ", "b": "\n"}, meta=[{"region": "甲"}, {"region": "乙"}])
    result = write_report(corpus, tmp_path / "r", group_by=["region"], tokenizer=tokenizer)
    assert len(result.scores) == 0 and [e.error for e in result.errors] == ["EmptyDocumentError"] * 2
    html = (tmp_path / "r" / "report.html").read_text("utf-8")
    assert "0 份文件已评分，2 个未能评分" in html and '<section id="errors">' in html


# -- topics ---------------------------------------------------------------------------------------------------
def _fake_topics():
    documents = pd.DataFrame({"doc_id": ["east/a", "east/b", "east/c", "west/a", "west/b", "west/c"],
                              "region": ["东部"] * 3 + ["西部"] * 3,
                              "topic_0": [0.7, 0.8, 0.6, 0.1, 0.2, 0.3], "topic_1": [0.3, 0.2, 0.4, 0.9, 0.8, 0.7]})
    documents["governance_share"] = documents["topic_0"]
    topics = pd.DataFrame({"topic_id": [0, 1], "label": ["co_governance", "<b>项目·投资</b>"],
                           "seeded_dimension": ["co_governance", None],
                           "top_terms": ["共治:0.1200; 社区:0.0800", "=项目:0.0900; 投资:0.0700"],
                           "coherence": [0.05, -0.12]})
    return documents, topics


def test_topic_section_from_the_two_dataframes(report):
    documents, topics = _fake_topics()
    html = topics_section(documents, topics, report.result.scores)
    assert "共 2 个主题" in html and "&lt;b&gt;项目·投资&lt;/b&gt;" in html and "<b>项目" not in html
    tt = analysis.topic_tables(documents, topics, report.result.scores)
    assert tt["topics"]["mean_share"].round(2).tolist() == [0.45, 0.55]
    assert tt["topic_columns"] == ["topic_0", "topic_1"]
    assert -1 <= tt["spearman"] <= 1


def test_a_fitted_topic_result_goes_into_page_and_workbook(corpus_dir, tmp_path, tokenizer):
    documents, topics = _fake_topics()
    out = tmp_path / "r"
    write_report(corpus_dir, out, tokenizer=tokenizer, topics=SimpleNamespace(documents=documents, topics=topics))
    html = (out / "report.html").read_text("utf-8")
    assert '<section id="topics">' in html and "主题模型" in html
    wb = openpyxl.load_workbook(out / "report.xlsx")
    assert wb.sheetnames[6] == "topics"
    rows = [[c.value for c in r] for r in wb["topics"].iter_rows()][1:]  # row 1: headings for readers
    assert rows[0][:5] == ["topic_id", "label", "seeded_dimension", "top_terms", "coherence"]
    assert rows[2][3] == "'=项目:0.0900; 投资:0.0700" and rows[2][4] == -0.12


# -- statistics --------------------------------------------------------------------------------------------------
def test_bootstrap_interval_known_answer_and_determinism():
    # n=2 resamples have means 0, 5, 10 with chances 1/4, 1/2, 1/4: the 2.5% and 97.5% quantiles are 0 and 10
    assert analysis.bootstrap_mean_ci([0.0, 10.0], random_state=0) == (5.0, 0.0, 10.0)
    assert analysis.bootstrap_mean_ci([3.0, 3.0, 3.0]) == (3.0, 3.0, 3.0)
    values = np.arange(50, dtype=float) ** 1.5
    a = analysis.bootstrap_mean_ci(values, random_state=1)
    assert a == analysis.bootstrap_mean_ci(values, random_state=1) != analysis.bootstrap_mean_ci(values, random_state=2)
    assert a[1] < a[0] < a[2]
    mean, lo, hi = analysis.bootstrap_mean_ci([4.0])
    assert mean == 4.0 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in analysis.bootstrap_mean_ci([]))


def test_group_interval_does_not_depend_on_other_groups(report):
    scores = report.result.scores
    cats = ["co_governance"]
    both = analysis.group_table(scores, "region", cats, random_state=3, min_ci_n=2).set_index("group")
    east_only = analysis.group_table(scores[scores["region"] == "东部"], "region", cats, random_state=3,
                                     min_ci_n=2).set_index("group")
    assert both.loc["东部", ["mean_index", "ci_low", "ci_high"]].tolist() == \
        east_only.loc["东部", ["mean_index", "ci_low", "ci_high"]].tolist()
    assert both.index.tolist() == ["东部", "西部"] and both["n"].tolist() == [3, 3]


def test_time_column_is_a_year_column_or_the_year_of_a_date_column():
    df = pd.DataFrame({"year": ["2019", "2020", None], "version_date": ["2001-05-01", "2003-02-03", None],
                       "date_note": ["早", "晚", "中"]})
    col, year = analysis.find_time_column(df, ["year", "version_date"])
    assert col == "year" and year.tolist()[:2] == [2019.0, 2020.0] and math.isnan(year.iloc[2])
    col, year = analysis.find_time_column(df, ["version_date"])
    assert col == "version_date" and year.tolist()[:2] == [2001.0, 2003.0]
    assert analysis.find_time_column(df, ["date_note"]) is None


def test_numeric_metadata_keeps_codes_with_leading_zeros_as_text():
    df = analysis.numeric_metadata(pd.DataFrame({"adj": ["-3", "4.5"], "code": ["0012", "12"], "n": ["1", None]}),
                                   ["adj", "code", "n"])
    assert df["adj"].tolist() == [-3.0, 4.5] and df["code"].tolist() == ["0012", "12"]
    assert df["n"].iloc[0] == 1


def test_term_and_evidence_tables(report):
    terms = pd.read_excel(report.dir / "report.xlsx", sheet_name="terms", header=1)
    overall = terms[terms["scope"] == "全部"].set_index("term")
    assert overall.loc["网格化管理", "hits"] == 2 and overall.loc["网格化管理", "docs"] == 2
    assert overall.loc["共治", ["hits", "docs"]].tolist() == [2, 2]
    assert overall.loc["一刀切", "polarity"] == -1
    east = terms[(terms["scope_column"] == "region") & (terms["scope"] == "东部")]
    assert "网格化管理" in east["term"].tolist()
    ev = pd.read_excel(report.dir / "report.xlsx", sheet_name="evidence", header=1)
    top = ev[ev["rank"] == 1]
    assert set(top["doc_id"]) == {"east/b"}
    assert (top["match"] == top["term"]).all() and top["start"].is_monotonic_increasing


def test_terms_and_evidence_count_only_counted_hits(tmp_path):
    """A rejected crude term (坚决反对形式主义) and a vetoed sense (大气污染协同治理) are in the evidence of
    ``score`` with their status, but the report's term table and evidence show counted hits only."""
    import policytext as pt

    corpus = pt.Corpus.from_texts({"a": "坚决反对形式主义，推进社区共治。",
                                   "b": "大气污染协同治理取得成效，推动社会协同治理。"})
    report = write_report(corpus, tmp_path / "r")
    terms = pd.read_excel(report.files["report.xlsx"], sheet_name="terms", header=1)
    overall = terms[terms["scope_column"].isna() | (terms["scope_column"].astype(str) == "")]
    counts = dict(zip(overall["term"], overall["hits"]))
    assert counts == {"共治": 1, "社区": 1, "社会协同": 1}  # 形式主义 rejected, the first 协同治理 vetoed
    evidence = pd.read_excel(report.files["report.xlsx"], sheet_name="evidence", header=1)
    assert sorted(evidence["term"]) == ["共治", "社会协同", "社区"]
    assert pt.Scorer().score(corpus).hits["status"].tolist().count("counted") == 3
