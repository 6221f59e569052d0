"""What an analyst hands on (issue 16): intervals only where n allows, nothing cut without saying so, Chinese
headings (English with lang="en"), the analyst's scores.csv with columns.csv, and sentence share and short texts
shown beside the index when the scores carry them. Texts are written for these tests."""

from __future__ import annotations

import math
import re

import openpyxl
import pandas as pd
import pytest

from policytext import Corpus
from policytext.reports import analysis, write_report

PROVINCES = ["北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建",
             "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏",
             "陕西", "甘肃", "青海", "宁夏", "新疆"]
PHRASES = ["推进网格化管理和社区共治。", "完善绩效评估，实现无缝对接。", "坚持精细化治理，推动居民自治。",
           "扩大投资规模，加快项目建设。", "粗放管理依然存在，一刀切的做法需要纠正。"]


def _text(i: int) -> str:
    return "".join(PHRASES[(i + k) % len(PHRASES)] for k in range(1 + i % 4))


@pytest.fixture(scope="module")
def provinces(tmp_path_factory, tokenizer):
    """62 documents, two per province (31 groups), years 2025 and 2026, plus three documents of 2024 in one
    region column group of five (for n >= 5)."""
    texts, meta = {}, []
    for i, p in enumerate(PROVINCES):
        for j, year in enumerate(("2025", "2026")):
            texts[f"{year}/{i:02d}"] = _text(2 * i + j)
            meta.append({"province": p, "year": year, "region": "东部" if i < 5 else f"其他{i % 3}"})
    out = tmp_path_factory.mktemp("prov") / "report"
    result = write_report(Corpus.from_texts(texts, meta=meta), out, group_by=["province", "year", "region"],
                          tokenizer=tokenizer)
    return out, result


def _html(out):
    return (out / "report.html").read_text("utf-8")


def _section(html: str, anchor: str) -> str:
    return html.split(f'<section id="{anchor}">')[1].split("</section>")[0]


# -- item 2: intervals with their sample size ---------------------------------------------------------------
def test_groups_below_five_documents_have_a_mean_and_n_but_no_interval():
    scores = pd.DataFrame({"doc_id": [f"d{i}" for i in range(11)], "g": ["二"] * 2 + ["四"] * 4 + ["五"] * 5,
                           "index": [0.0, 10.0, 1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0],
                           "coverage": [True] * 11, "index_positive": [1.0] * 11, "index_contrast": [0.0] * 11,
                           "per10k_a": [1.0] * 11})
    t = analysis.group_table(scores, "g", ["a"]).set_index("group")
    assert t.loc["二", ["n", "mean_index"]].tolist() == [2, 5.0]
    assert math.isnan(t.loc["二", "ci_low"]) and math.isnan(t.loc["四", "ci_high"])
    assert t.loc["五", ["mean_index", "ci_low", "ci_high"]].tolist() == [5.0, 5.0, 5.0]  # five equal values
    assert analysis.MIN_CI_N == 5


def test_no_interval_is_a_dash_with_a_note_in_page_workbook_and_methods(provinces):
    out, _ = provinces
    html = _html(out)
    groups = _section(html, "groups")
    assert groups.count("—（不足 5 份文件，无区间）") == 31 + 0  # 31 provinces of two; years and regions have more
    assert "不足 5 份文件的组（空心点）只给出均值和文件数" in groups
    assert "不足 5 份文件的组（以及不足 5 份文件的整个语料）" in _section(html, "methods")
    wb = openpyxl.load_workbook(out / "report.xlsx")
    rows = list(wb["groups"].iter_rows(min_row=3, values_only=True))
    head = [c.value for c in wb["groups"][2]]
    col = {h: i for i, h in enumerate(head)}
    for r in rows:
        if r[col["n"]] < 5:
            assert r[col["ci_low"]] is None and r[col["ci_high"]] is None and r[col["ci_note"]] == "n<5，不计算区间"
        else:
            assert isinstance(r[col["ci_low"]], float) and r[col["ci_note"]] is None


# -- item 3: no silent truncation -----------------------------------------------------------------------------
def test_all_31_groups_are_in_the_page_terms_and_workbook(provinces):
    out, _ = provinces
    html = _html(out)
    groups = _section(html, "groups")
    table = groups.split("按“省份”比较")[1].split("按“年份”比较")[0]
    assert all(f"<td>{p}</td>" in table for p in PROVINCES)  # 黑龙江 included
    terms = pd.read_excel(out / "report.xlsx", sheet_name="terms", header=1)
    assert set(terms.loc[terms["scope_column"] == "province", "scope"]) == set(PROVINCES)
    top = re.search(r"<td>黑龙江</td>.*?</tr>", table, flags=re.S).group(0)
    assert "（" in top.split("<td>")[-1]  # its top terms cell is filled


def test_a_chart_limited_to_40_groups_says_so_in_place(tmp_path, tokenizer):
    texts = {f"d{i:02d}": _text(i) for i in range(45)}
    meta = [{"county": f"县{i:02d}"} for i in range(45)]
    write_report(Corpus.from_texts(texts, meta=meta), tmp_path / "r", group_by=["county"], tokenizer=tokenizer)
    groups = _section(_html(tmp_path / "r"), "groups")
    assert groups.count("显示前 40 个，共 45 个组") == 2  # the interval chart and the heat map
    assert groups.count("<td>县") == 45  # the table has them all
    wb = openpyxl.load_workbook(tmp_path / "r" / "report.xlsx")
    assert sum(1 for r in wb["groups"].iter_rows(min_row=3, values_only=True) if r[0] == "group") == 45


# -- item 4: Chinese throughout, English on request -------------------------------------------------------------
def test_chinese_headings_and_labels_in_page_and_workbook(provinces):
    out, _ = provinces
    html = _html(out)
    assert "按“省份”比较" in html and "按“年份”比较" in html and "按“province”比较" not in html
    headings = " ".join(re.findall(r"<th[^>]*>(.*?)</th>", _section(html, "groups") + _section(html, "categories")
                                   + _section(html, "terms")))
    assert "省份" in headings and "province" not in headings and "index" not in headings
    terms = _section(html, "terms")
    assert "基层与社区自治" in terms or "共治与参与" in terms
    assert not re.search(r"<td>(grassroots|co_governance|smart_admin|crude)</td>", terms + _section(html, "categories"))
    wb = openpyxl.load_workbook(out / "report.xlsx")
    first = [c.value for c in wb["scores"][1]]
    second = [c.value for c in wb["scores"][2]]
    assert first[:5] == ["排名", "文件编号", "省份", "年份", "地区"] and second[:5] == ["rank", "doc_id", "province",
                                                                                   "year", "region"]
    assert first[second.index("index")] == "精细化治理指数"
    assert first[second.index("per10k_grassroots")] == "基层与社区自治·每万字"
    assert pd.read_excel(out / "report.xlsx", sheet_name="scores", header=1).columns[0] == "rank"  # scripts: header=1


def test_lang_en_gives_english_labels(tmp_path, tokenizer):
    corpus = Corpus.from_texts({f"d{i}": _text(i) for i in range(6)}, meta=[{"province": "北京"}] * 6)
    write_report(corpus, tmp_path / "r", group_by=["province"], tokenizer=tokenizer, lang="en")
    html = _html(tmp_path / "r")
    assert "grassroots and community self-governance" in html
    groups = _section(html, "groups")
    assert '<th class="num">Mean index</th>' in groups and "<th>95% CI</th>" in groups and "<th>Province</th>" in groups
    wb = openpyxl.load_workbook(tmp_path / "r" / "report.xlsx")
    assert [c.value for c in wb["scores"][1]][:3] == ["Rank", "Document", "Province"]
    from policytext.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown report language 'fr'"):
        write_report(corpus, tmp_path / "r2", tokenizer=tokenizer, lang="fr")


# -- item 7: the analyst's CSV -------------------------------------------------------------------------------------
def test_scores_csv_rounds_rates_orders_columns_and_writes_coverage_as_one_or_zero(provinces):
    out, result = provinces
    csv = pd.read_csv(out / "scores.csv", encoding="utf-8-sig")
    assert list(csv.columns[:8]) == ["rank", "doc_id", "province", "year", "region", "index", "sentence_share",
                                     "index_positive"]
    cats = ["fine_grained", "smart_admin", "seamless_service", "co_governance", "grassroots", "performance", "crude"]
    per_cat = [c for c in csv.columns if c.startswith(("per10k_", "hits_", "per1ktok_")) and c != "hits_total"]
    assert per_cat == [f"{p}{c}" for c in cats for p in ("per10k_", "hits_", "per1ktok_")]
    assert set(csv["coverage"]) <= {0, 1}
    full = result.scores.set_index("doc_id")
    for r in csv.itertuples():
        assert r.index == round(full.loc[r.doc_id, "index"], 2)
        assert r.per10k_grassroots == round(full.loc[r.doc_id, "per10k_grassroots"], 2)
    text = (out / "scores.csv").read_text("utf-8-sig")
    assert not re.search(r"\d\.\d{4,}", text.split("\n", 1)[1])  # rates have 2 decimals, shares 3
    shares = [c for c in csv.columns if c.startswith("sentence_share")]
    assert shares and all(re.fullmatch(r"[01](\.\d{1,3})?", str(v)) for c in shares for v in csv[c])
    assert "True" not in text and "False" not in text


def test_columns_csv_explains_every_column(provinces):
    out, _ = provinces
    csv = pd.read_csv(out / "scores.csv", encoding="utf-8-sig")
    cols = pd.read_csv(out / "columns.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(cols.columns) == ["name", "label", "label_en", "formula", "decimals"]
    assert cols["name"].tolist() == list(csv.columns)
    row = cols.set_index("name")
    assert row.loc["index", "label"] == "精细化治理指数" and row.loc["index", "formula"] == "index_positive − index_contrast"
    assert row.loc["index", "decimals"] == "2" and row.loc["province", "label"] == "省份"
    assert row.loc["per10k_crude", "formula"] == "10000 × hits_crude ÷ n_chars"
    assert row.loc["coverage", "formula"].startswith("1 = 至少命中一次正向维度")


def test_analyst_scores_known_answer():
    df = pd.DataFrame({"index": [1.23456, -0.005001], "sentence_share": [0.123456, 1.0], "coverage": [True, False],
                       "short": [False, True], "per10k_a": [3.14159, 0.0], "hits_a": [3, 0], "doc_id": ["x", "y"]})
    out, rounding = analysis.analyst_scores(df)
    assert out["index"].tolist() == [1.23, -0.01] and out["sentence_share"].tolist() == [0.123, 1.0]
    assert out["coverage"].tolist() == [1, 0] and out["short"].tolist() == [0, 1]
    assert out["hits_a"].tolist() == [3, 0] and out["per10k_a"].tolist() == [3.14, 0.0]
    assert rounding == {"index": 2, "sentence_share": 3, "per10k_a": 2}


# -- sentence share and short texts (columns of the scorer, issue 12) ----------------------------------------------
SENTENCE_COLS = ("n_sentences", "sentences_positive", "sentence_share", "crude_rejected", "short")


@pytest.fixture
def sentence_scores(monkeypatch):
    """Scores that carry the sentence columns: added here to the scorer's output with known values."""
    from policytext.scoring import Scorer

    score, empty_row = Scorer.score, Scorer.empty_row

    def with_sentences(df: pd.DataFrame, cats) -> pd.DataFrame:
        df = df.copy()
        n = len(df)
        values = {"n_sentences": [4] * n, "sentences_positive": [i % 5 for i in range(n)],
                  "sentence_share": [(i % 5) / 4 if i % 5 <= 4 else 1.0 for i in range(n)],
                  "crude_rejected": [0] * n, "short": [i % 3 == 0 for i in range(n)]}
        for c in SENTENCE_COLS:  # overwritten: the scorer may already make them (with other values)
            df[c] = values[c]
        for c in cats:
            df[f"sentence_share_{c}"] = 0.25
        return df

    def patched_score(self, *args, **kwargs):
        res = score(self, *args, **kwargs)
        res.scores = with_sentences(res.scores, self.lexicon.categories)
        return res

    def patched_empty_row(self):
        row = dict(empty_row(self))
        for c in SENTENCE_COLS:
            row.setdefault(c, 0)
        for c in self.lexicon.categories:
            row.setdefault(f"sentence_share_{c}", 0.0)
        return row

    monkeypatch.setattr(Scorer, "score", patched_score)
    monkeypatch.setattr(Scorer, "empty_row", patched_empty_row)


def test_sentence_share_beside_the_index_and_short_texts_said(sentence_scores, tmp_path, tokenizer):
    texts = {f"d{i:02d}": _text(i) for i in range(12)}
    meta = [{"region": "东部" if i < 6 else "西部"} for i in range(12)]
    out = tmp_path / "r"
    write_report(Corpus.from_texts(texts, meta=meta), out, group_by=["region"], tokenizer=tokenizer)
    csv = pd.read_csv(out / "scores.csv", encoding="utf-8-sig")
    cols = list(csv.columns)
    assert cols[cols.index("index") + 1] == "sentence_share"
    assert cols.index("sentence_share_grassroots") == cols.index("per1ktok_grassroots") + 1
    assert set(csv["short"]) == {0, 1}
    legend = pd.read_csv(out / "columns.csv", encoding="utf-8-sig").set_index("name")
    assert legend.loc["sentence_share", "label"] == "句子占比" and legend.loc["sentence_share", "decimals"] == 3
    html = _html(out)
    ranking = html.split('id="pt-ranking-data">')[1].split("</script>")[0]
    labels = re.findall(r'"label": "([^"]+)"', ranking)
    assert labels[labels.index("精细化治理指数") + 1] == "句子占比"
    groups = _section(html, "groups")
    heads = re.findall(r"<th[^>]*>(.*?)</th>", groups)
    assert heads[heads.index("平均指数"):heads.index("平均指数") + 3] == ["平均指数", "95% 置信区间", "平均句子占比"]
    assert "短文本数" in heads and "份文件是短文本" in groups
    methods = _section(html, "methods")
    assert "sentence_share = 至少含一个正向维度命中词语的句子数 ÷ n_sentences" in methods
    assert "。！？；" in methods and "不受个别词语反复出现的影响" in methods and "0 和 1 之间" in methods
    assert "4 份文件被标记为短文本" in methods  # i % 3 == 0 for i < 12
    summary = _section(html, "summary")
    assert "的句子至少含一个正向维度的词语" in summary and "4 份文件是短文本" in summary
    g = pd.read_excel(out / "report.xlsx", sheet_name="groups", header=1)
    east = g[(g["kind"] == "group") & (g["group"] == "东部")].iloc[0]
    assert east["n_short"] == 2 and east["mean_sentence_share"] == pytest.approx(sum((i % 5) / 4 for i in range(6)) / 6)


# -- item 1: one time point is not a trend ----------------------------------------------------------------------
def test_a_single_year_says_so_instead_of_drawing_a_line(tmp_path, tokenizer):
    corpus = Corpus.from_texts({f"d{i}": _text(i) for i in range(6)}, meta=[{"year": "2025"}] * 6)
    write_report(corpus, tmp_path / "r", tokenizer=tokenizer)
    trend = _section(_html(tmp_path / "r"), "trend")
    assert "全部有年份的文件都属于 2025 年：只有一个时间点，无法显示趋势，因此不画折线。" in trend
    assert 'id="chart-trend"' not in trend and "<td>2025</td>" in trend
