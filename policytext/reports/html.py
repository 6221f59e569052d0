"""The batch report as one self-contained HTML page, in Chinese.

Everything is inline: styles, the ranking script (``assets/report.js``), plotly.js (inlined once, from the
plotly package) and the data as JSON. A Content-Security-Policy forbids loading anything from elsewhere, so
the page opens offline and cannot call out.

Escaping. Every string that comes from a document (ids, titles, metadata, terms, contexts, error messages) is
written with :func:`esc` (HTML text and attributes) or inside JSON made safe by :func:`inline_json`, which
escapes ``<``, ``>``, ``&``, U+2028 and U+2029 so that ``</script>`` in a title cannot end the script element.
The script renders table cells with ``textContent``; chart labels are escaped by :func:`charts.plot_text`.

>>> inline_json({"t": "</script><b>&"})
'{"t": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
"""

from __future__ import annotations

import html
import json
import math
from importlib import resources
from typing import TYPE_CHECKING

import pandas as pd

from . import charts
from .analysis import MIN_CI_N, MISSING_GROUP, count_flags

if TYPE_CHECKING:
    from .report import ReportData

__all__ = ["esc", "headline_facts", "how_to_read", "inline_json", "render_html", "shown_note", "topics_section"]

CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
       "font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")
MAX_HTML_ROWS = 500  # long tables (groups, errors) are cut here in the page; the workbook has them all
MAX_CHART_GROUPS = 40  # group charts show the largest groups; the table and the workbook have them all
MAX_TERMS_TABLE = 30  # the page lists the most frequent terms; the workbook has every term
MAX_TERMS_CHART = 20
MIN_HEADLINE_N = 3  # the summary names the highest and lowest groups among groups at least this large


def esc(value) -> str:
    """HTML-escape anything for text and attribute values (``None`` and NaN become an empty string)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def inline_json(obj) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>``, ``&``, U+2028, U+2029 left."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, default=_json_default)
    for ch, rep in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, rep)
    return text


def _json_default(v):
    if hasattr(v, "item"):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return str(v)


def _clean(v):
    """A cell value for JSON: NaN/NA -> None, numpy scalars -> Python."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    try:
        missing = bool(pd.isna(v))
    except (TypeError, ValueError):  # lists, arrays: not a missing scalar
        missing = False
    return None if missing else v


def _f(v, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:,.{digits}f}"


def _pct(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if 0 < v < 0.005:
        return "不到 1%"
    if 0.995 <= v < 1:
        return "超过 99%"
    return f"{v:.0%}"


def _ci(lo, hi) -> str:
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return "—"
    return f"[{lo:.2f}, {hi:.2f}]"


def _ci_n(lo, hi, n) -> str:
    """An interval, or a dash saying why there is none."""
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return f"—（不足 {MIN_CI_N} 份文件，无区间）"
    return f"[{lo:.2f}, {hi:.2f}]"


def shown_note(shown: int, total: int, what: str = "组", where: str = "完整数据见 report.xlsx", unit: str = "个") -> str:
    """The in-place note of a table or chart cut to its first ``shown`` of ``total`` rows (empty when not cut).

    >>> shown_note(30, 31)
    '<p class="pt-note">显示前 30 个，共 31 个组；完整数据见 report.xlsx。</p>'
    """
    if total <= shown:
        return ""
    return f'<p class="pt-note">显示前 {shown:,} {unit}，共 {total:,} {unit}{esc(what)}；{esc(where)}。</p>'


def _table(df: pd.DataFrame, columns: list[tuple[str, str, str]], limit: int = MAX_HTML_ROWS,
           cls: str = "") -> str:
    """An HTML table of ``df``; ``columns`` are ``(key, heading, kind)`` with kind text/num/int/pct/ci."""
    head = "".join(f'<th class="num">{esc(h)}</th>' if k in ("num", "int", "pct") else f"<th>{esc(h)}</th>"
                   for _, h, k in columns)
    body = []
    for _, row in df.head(limit).iterrows():
        cells = []
        for key, _, kind in columns:
            v = row[key] if key in row.index else None
            if kind == "num":
                cells.append(f'<td class="num">{esc(_f(_clean(v)))}</td>')
            elif kind == "int":
                v = _clean(v)
                cells.append(f'<td class="num">{esc("—" if v is None else f"{int(v):,}")}</td>')
            elif kind == "pct":
                cells.append(f'<td class="num">{esc(_pct(_clean(v)))}</td>')
            elif kind == "ci":
                cells.append(f'<td class="num">{esc(_ci_n(row["ci_low"], row["ci_high"], row["n"]))}</td>')
            else:
                cells.append(f"<td>{esc(_clean(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = shown_note(limit, len(df), "", unit="行")
    return (f'<div class="pt-scroll"><table class="{esc(cls)}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>{more}')


class _Page:
    """Collects sections, charts and the table of contents while the page is built."""

    def __init__(self):
        self.sections: list[tuple[str, str, str]] = []
        self.charts: dict[str, dict] = {}

    def chart(self, key: str, fig: dict) -> str:
        self.charts[key] = fig
        return f'<div class="pt-chart" id="chart-{esc(key)}" data-chart="{esc(key)}"></div>'

    def section(self, anchor: str, title: str, body: str) -> None:
        self.sections.append((anchor, title, body))


_NUMERALS = "一二三四五六七八九十"


def _numeral(i: int) -> str:
    return _NUMERALS[i - 1] if i <= 10 else ("十" + _NUMERALS[i - 11] if i <= 19 else str(i))


def render_html(data: ReportData) -> str:
    """The whole report page as a string."""
    page = _Page()
    _summary(page, data)
    _ranking(page, data)
    _distribution(page, data)
    _categories(page, data)
    if data.group_tables:
        _groups(page, data)
    if data.time is not None:
        _trend(page, data)
    _terms(page, data)
    _evidence(page, data)
    if data.topics is not None:
        body = topics_section(data.topics["documents"], data.topics["topics"], data.scores, page=page,
                              settings=data.topics.get("settings"))
        page.section("topics", "主题模型", body)
    _methods(page, data)
    _errors(page, data)

    toc = "".join(f'<a href="#{a}">{_numeral(i)}、{esc(t)}</a>' for i, (a, t, _) in enumerate(page.sections, 1))
    sections = "".join(f'<section id="{a}"><h2>{_numeral(i)}、{esc(t)}</h2>{b}</section>'
                       for i, (a, t, b) in enumerate(page.sections, 1))
    m = data.manifest
    lex = data.config["lexicon"]
    css = resources.files("policytext.reports").joinpath("assets/report.css").read_text("utf-8")
    js = resources.files("policytext.reports").joinpath("assets/report.js").read_text("utf-8")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">
<meta name="generator" content="policytext {esc(m['policytext'])}">
<title>{esc(data.title)}</title>
<style>{css}</style>
</head>
<body>
<header class="pt-head"><h1>{esc(data.title)}</h1>
<p>policytext {esc(m['policytext'])} · 词典 {esc(lex['name'])} {esc(lex['version'])}
 · {data.summary['n_scored']:,} 份文件</p></header>
<nav class="pt-toc" aria-label="目录">{toc}</nav>
<main>{sections}</main>
<footer>本报告由 policytext 生成，可离线打开；数据表见同一文件夹中的 report.xlsx 与 scores.csv，运行记录见 manifest.json。</footer>
<script type="application/json" id="pt-ranking-data">{inline_json(_ranking_data(data))}</script>
<script type="application/json" id="pt-chart-data">{inline_json(page.charts)}</script>
<script>{_plotly_js()}</script>
<script>{_safe_script(js)}</script>
</body>
</html>
"""


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return "window.PlotlyConfig = {MathJaxConfig: 'local'};\n" + _safe_script(get_plotlyjs())


def _safe_script(js: str) -> str:
    # a literal "</script" inside inline code would end the element; plotly.js has none, but make sure
    return js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


# -- sections ---------------------------------------------------------------------------------------------
def _summary(page: _Page, data: ReportData) -> None:
    s = data.summary
    cards = [("输入", f"{s['n_inputs']:,}"), ("已评分文件", f"{s['n_scored']:,}"), ("未能评分", f"{s['n_errors']:,}"),
             ("平均指数", _f(s["index_mean"])), ("中位数", _f(s["index_median"])),
             ("至少命中一次的文件", _pct(s["coverage_share"]))]
    card_html = "".join(f'<div class="pt-card"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>'
                        for k, v in cards)
    items = "".join(f"<li>{esc(f)}</li>" for f in headline_facts(data))
    box = (f'<div class="pt-box"><b>如何阅读：</b>{esc(how_to_read(data))}</div>')
    page.section("summary", "要点", f'<div class="pt-cards">{card_html}</div><ul class="pt-facts">{items}</ul>{box}')


def how_to_read(data: ReportData) -> str:
    """The box on how to read the index, as plain text."""
    pos, neg = _poles(data)
    return (f"精细化治理指数 = 每一万字中 {pos}的词语的加权出现次数，减去{neg}的词语的加权出现次数。"
            "0 表示没有出现这些词语或正反相抵；数值越高，文本越强调精细化治理。"
            "指数衡量的是文件的用语，不是政策的实际执行或效果。每个数字都可以在“原文证据”一节和 report.xlsx 的 evidence "
            "工作表中核对原文。“95% 置信区间”由自助法（bootstrap）重抽样得到：区间越宽，组内文件越少或差异越大，"
            f"两组区间大幅重叠时不宜下结论说两者不同；不足 {MIN_CI_N} 份文件的组只给出均值和文件数，不给区间。")


def headline_facts(data: ReportData) -> list[str]:
    """The sentences of the headline summary (plain text; the page escapes them)."""
    s = data.summary
    facts = [f"本报告分析了 {s['n_inputs']:,} 个输入：{s['n_scored']:,} 份文件已评分，"
             f"{s['n_errors']:,} 个未能评分{'（原因见“未评分文件”一节）' if s['n_errors'] else ''}。"]
    if s["n_scored"]:
        facts.append(f"平均精细化治理指数为 {_f(s['index_mean'])}（95% 置信区间 "
                     f"{_ci_n(s['index_ci_low'], s['index_ci_high'], s['n_scored'])}），"
                     f"中位数 {_f(s['index_median'])}，范围 {_f(s['index_min'])} 至 {_f(s['index_max'])}；"
                     f"{_pct(s['coverage_share'])} 的文件至少出现一次正向维度的词语，"
                     f"{_pct(s['negative_share'])} 的文件指数为负（反向维度的用语多于正向维度）。")
        facts.append(f"指数最高的文件是 {s['top_doc']}（{_f(s['top_index'])}），最低的是 {s['bottom_doc']}"
                     f"（{_f(s['bottom_index'])}）。")
        if s["top_category"]:
            facts.append(f"平均出现频率最高的正向维度是“{data.labels.category(s['top_category'])}”（平均每万字 "
                         f"{_f(s['top_category_mean'])} 次）。")
        if s.get("sentence_share_mean") is not None:
            facts.append(f"平均每份文件有 {_pct(s['sentence_share_mean'])} 的句子至少含一个正向维度的词语"
                         "（句子占比，不受同一词语反复出现的影响）。")
        if s.get("n_short"):
            facts.append(f"{s['n_short']:,} 份文件是短文本（short 列；字数低于评分规定的下限），"
                         "其每万字频率由很少几次命中决定，波动大，请结合字数和命中数阅读。")
    for col, g in data.group_tables.items():
        real = g[g["group"] != MISSING_GROUP]
        big = real[real["n"] >= MIN_HEADLINE_N]
        note = f"，只比较至少 {MIN_HEADLINE_N} 份文件的组" if len(big) >= 2 and len(big) < len(real) else ""
        real = big if len(big) >= 2 else real
        if len(real) >= 2:
            hi, lo = real.iloc[0], real.iloc[-1]
            facts.append(f"按“{data.labels.column(col)}”分组（{len(g)} 组{note}）：平均指数最高的是 {hi['group']}"
                         f"（{_f(hi['mean_index'])}，n={int(hi['n'])}，95% 区间 {_ci_n(hi['ci_low'], hi['ci_high'], hi['n'])}），"
                         f"最低的是 {lo['group']}（{_f(lo['mean_index'])}，n={int(lo['n'])}，95% 区间 "
                         f"{_ci_n(lo['ci_low'], lo['ci_high'], lo['n'])}）。")
    if data.time is not None:
        t = data.time
        facts.append(f"时间（“{data.labels.column(t['column'])}”，{int(t['table']['group'].min())}–{int(t['table']['group'].max())} 年，"
                     f"{t['n_dated']:,} 份文件有年份）：年份与指数的 Spearman 秩相关为 {_f(t['spearman'])}"
                     f"（正值表示越晚的文件指数越高）。")
    if data.topics is not None and not math.isnan(data.topics["spearman"]):
        facts.append(f"主题模型（{len(data.topics['topics'])} 个主题）：种子治理主题的合计占比与指数的 Spearman 秩相关为 "
                     f"{_f(data.topics['spearman'])}。")
    return facts


def _poles(data: ReportData) -> tuple[str, str]:
    """Words for the two poles of the lexicon, e.g. ``6 个正向维度`` and ``反向维度“粗放管理”``."""
    cats = data.categories
    pos = f"{int((cats['polarity'] > 0).sum())} 个正向维度"
    neg_labels = [data.labels.category(c) for c in cats.loc[cats["polarity"] < 0, "category"]]
    neg = ("反向维度“" + "”“".join(neg_labels) + "”") if neg_labels else "反向维度（本词典没有）"
    return pos, neg


def _ranking_columns(data: ReportData) -> list[dict]:
    L = data.labels
    cols = [{"key": "rank", "label": L.column("rank"), "type": "int", "help": "按指数从高到低的名次"},
            {"key": "doc_id", "label": L.column("doc_id"), "type": "text", "help": "文件编号（相对路径或 id 列）"}]
    if data.title_column:
        cols.append({"key": data.title_column, "label": L.column("title"), "type": "text"})
    extra = list(data.group_columns)
    if data.time is not None and data.time["column"] not in extra:
        extra.append(data.time["column"])
    for c in extra:
        if c != data.title_column and c in data.scores.columns:
            cols.append({"key": c, "label": L.column(c), "type": "text", "help": c})
    cols.append({"key": "index", "label": L.column("index"), "type": "num", "help": "正向 − 反向，每万字加权词频"})
    if "sentence_share" in data.scores.columns:
        cols.append({"key": "sentence_share", "label": L.column("sentence_share"), "type": "num", "digits": 3,
                     "help": "至少含一个正向维度词语的句子所占比例（0–1）"})
    cols += [{"key": "index_positive", "label": L.column("index_positive"), "type": "num",
              "help": "正向维度，每万字加权词频"},
             {"key": "index_contrast", "label": L.column("index_contrast"), "type": "num",
              "help": "反向维度，每万字加权词频"},
             {"key": "coverage", "label": L.column("coverage"), "type": "bool", "help": "是否至少出现一次正向维度词语"},
             {"key": "hits_total", "label": L.column("hits_total"), "type": "int", "help": "词典词语出现总次数"},
             {"key": "n_chars", "label": L.column("n_chars"), "type": "int", "help": "规范化后的非空白字符数"}]
    if "short" in data.scores.columns:
        cols.append({"key": "short", "label": L.column("short"), "type": "bool",
                     "help": "字数低于评分规定的下限：频率不稳定"})
    cols.append({"key": "top_terms", "label": L.column("top_terms"), "type": "text", "help": "出现最多的五个词语"})
    return cols


def _ranking_data(data: ReportData) -> dict:
    cols = _ranking_columns(data)
    df = data.scores
    rows = [[_clean(v) for v in rec] for rec in df[[c["key"] for c in cols]].itertuples(index=False, name=None)]
    for r in rows:  # text columns are text in the page, whatever their type in the workbook
        for j, c in enumerate(cols):
            if c["type"] == "text" and r[j] is not None and not isinstance(r[j], str):
                r[j] = str(r[j])
    return {"columns": [{k: v for k, v in c.items() if k != "key"} for c in cols], "rows": rows,
            "sortKey": [c["key"] for c in cols].index("index")}


def _ranking(page: _Page, data: ReportData) -> None:
    n = len(data.scores)
    body = (f'<p>全部 {n:,} 份已评分文件按指数从高到低排列。点击表头可按该列排序（再次点击反向）；搜索框按文件编号、标题、'
            f'分组和词语筛选（多个关键词用空格分隔，需同时满足）。</p>'
            '<div id="pt-ranking"><div class="pt-controls">'
            '<input type="search" placeholder="搜索文件、标题、地区、词语……" aria-label="搜索">'
            '<label>每页 <select class="pt-size"><option>25</option><option selected>50</option><option>100</option>'
            '<option>500</option></select> 条</label><span class="pt-count"></span></div>'
            '<div class="pt-scroll"><table><thead><tr></tr></thead><tbody></tbody></table></div>'
            '<div class="pt-pager"><button type="button" class="pt-first">« 首页</button>'
            '<button type="button" class="pt-prev">‹ 上一页</button>'
            '<label>第 <input type="number" class="pt-page" min="1" value="1" aria-label="页码"></label>'
            '<span class="pt-pages"></span><button type="button" class="pt-next">下一页 ›</button>'
            '<button type="button" class="pt-last">末页 »</button></div></div>'
            '<noscript><p class="pt-note">排名表需要启用 JavaScript；也可直接打开 report.xlsx 或 scores.csv。</p></noscript>')
    page.section("ranking", "文件排名", body)


def _distribution(page: _Page, data: ReportData) -> None:
    if not len(data.scores):
        page.section("distribution", "指数分布", "<p>没有已评分的文件。</p>")
        return
    q = data.scores["index"].quantile([0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
    qt = pd.DataFrame({"q": ["最小", "10%", "25%", "中位数", "75%", "90%", "最大"], "v": q.values})
    body = ("<p>横轴是指数，纵轴是落在该区间的文件数。红色虚线为均值，灰色点线为中位数。"
            "大量文件集中在 0 附近通常说明它们很少使用精细化治理的词语。</p>"
            + page.chart("histogram", charts.histogram(data.scores))
            + _table(qt, [("q", "分位数", "text"), ("v", "指数", "num")]))
    page.section("distribution", "指数分布", body)


def _categories(page: _Page, data: ReportData) -> None:
    pos, neg = _poles(data)
    L = data.labels
    cats = _labelled_categories(data)
    body = (f"<p>词典分为{esc(pos)}（蓝色）和{esc(neg)}（红色）。下图是每个维度在全部文件中的平均出现频率"
            "（每万字次数，不加权），表中还给出了出现该维度词语的文件比例。</p>"
            + page.chart("categories", charts.category_bars(cats))
            + _table(cats, [(k, L.column(k), kind) for k, kind in (
                ("label", "text"), ("polarity", "int"), ("n_terms", "int"), ("docs_with_hits", "int"),
                ("share_docs", "pct"), ("hits", "int"), ("mean_per10k", "num"), ("median_per10k", "num"))]))
    page.section("categories", "维度画像", body)


def _labelled_categories(data: ReportData) -> pd.DataFrame:
    """The category table with ``label`` in the report's language."""
    return data.categories.assign(label=[data.labels.category(c) for c in data.categories["category"]])


def _group_top_terms(data: ReportData, column: str) -> dict:
    t = data.terms[data.terms["scope_column"] == column]
    out = {}
    for g, part in t.groupby("scope", sort=False):
        out[g] = "、".join(f"{r.term}（{int(r.hits)}）" for r in part.head(5).itertuples())
    return out


def _groups(page: _Page, data: ReportData) -> None:
    L = data.labels
    parts = ["<p>对每个分组列，计算各组文件的平均指数及其 95% 自助法置信区间"
             f"（{data.n_resamples:,} 次重抽样，随机种子 {data.random_state}）。点表示均值，横线表示区间；"
             f"不足 {MIN_CI_N} 份文件的组（空心点）只给出均值和文件数，不给区间：这么少的文件重抽样得到的“区间”"
             "只是这几个数值本身的范围，没有意义。热力图显示各组在每个维度上的平均每万字出现次数。</p>"]
    cats = _labelled_categories(data)
    for i, (col, g) in enumerate(data.group_tables.items()):
        top = _group_top_terms(data, col)
        g = g.assign(top_terms=[top.get(v, "") for v in g["group"]])
        name = L.column(col)
        parts.append(f"<h3>按“{esc(name)}”比较</h3>")
        parts.append(shown_note(MAX_CHART_GROUPS, len(g), "组（图中为文件数最多的组）", "表格列出全部组"))
        parts.append(page.chart(f"group-{i}", charts.group_ci(g, col, max_groups=MAX_CHART_GROUPS)))
        columns = [("group", name, "text"), ("n", L.column("n"), "int")]
        if "n_short" in g.columns:
            columns.append(("n_short", L.column("n_short"), "int"))
        columns += [("mean_index", L.column("mean_index"), "num"), ("ci_low", L.column("ci"), "ci")]
        if "mean_sentence_share" in g.columns:
            columns.append(("mean_sentence_share", L.column("mean_sentence_share"), "pct"))
        columns += [("median_index", L.column("median_index"), "num"),
                    ("coverage_share", L.column("coverage_share"), "pct"),
                    ("top_terms", L.column("top_terms_group"), "text")]
        parts.append(_table(g, columns))
        if "n_short" in g.columns and g["n_short"].sum():
            mostly = g[g["n_short"] * 2 > g["n"]]
            parts.append(f'<p class="pt-note">{int(g["n_short"].sum()):,} 份文件是短文本；'
                         + (f"{len(mostly)} 组的多数文件是短文本（{esc('、'.join(map(str, mostly['group'].head(10))))}"
                            f"{'等' if len(mostly) > 10 else ''}），这些组的频率建立在很短的文本上，波动大。"
                            if len(mostly) else "各组的多数文件都不是短文本。") + "</p>")
        parts.append(shown_note(MAX_CHART_GROUPS, len(g), "组（热力图为文件数最多的组）", "表格列出全部组"))
        parts.append(page.chart(f"group-heat-{i}", charts.group_heatmap(g, cats, max_groups=MAX_CHART_GROUPS)))
    page.section("groups", "分组比较", "".join(parts))


def _trend(page: _Page, data: ReportData) -> None:
    t = data.time
    g = t["table"]
    note = (f"年份取自“{esc(t['column'])}”列" + ("（从日期中取年份）" if t["from_date"] else "")
            + f"；{t['n_dated']:,} 份文件有年份，{t['n_undated']:,} 份没有，未计入本节。")
    name = data.labels.column(t["column"])
    fig = charts.trend(g, "年份" if name == "年份" else f"年份（{name}）")
    if fig is None:
        chart = (f'<p class="pt-note">全部有年份的文件都属于 {int(g["group"].iloc[0])} 年：只有一个时间点，'
                 "无法显示趋势，因此不画折线。</p>")
    else:
        chart = page.chart("trend", fig)
    body = (f"<p>每年文件的平均指数（实线）及其 95% 自助法置信区间（竖线）。{note}"
            f"某一年文件很少时，区间很宽；不足 {MIN_CI_N} 份文件的年份没有区间，不宜据此判断趋势。</p>"
            + chart
            + _table(g.assign(group=g["group"].astype(int).astype(str)),
                     [("group", data.labels.column("year"), "text"), ("n", data.labels.column("n"), "int"),
                      ("mean_index", data.labels.column("mean_index"), "num"),
                      ("ci_low", data.labels.column("ci"), "ci"), ("median_index", data.labels.column("median_index"), "num"),
                      ("coverage_share", data.labels.column("coverage_share"), "pct")]))
    page.section("trend", "时间趋势", body)


def _terms(page: _Page, data: ReportData) -> None:
    overall = data.terms[data.terms["scope_column"] == ""]
    if overall.empty:
        page.section("terms", "高频词语", "<p>没有文件命中词典中的词语。</p>")
        return
    overall = overall.assign(category=[data.labels.categories(c) for c in overall["category"]])
    body = ("<p>全部文件中出现次数最多的词典词语（蓝色为正向维度，红色为反向维度）。“文件数”是出现该词的文件数量。"
            "各组的高频词语见“分组比较”一节和 report.xlsx 的 terms 工作表。</p>"
            + shown_note(MAX_TERMS_CHART, len(overall), "命中的词语（图中）", "表格列出前 "
                         f"{min(MAX_TERMS_TABLE, len(overall))} 个，report.xlsx 的 terms 工作表列出全部")
            + page.chart("terms", charts.term_bars(overall, top=MAX_TERMS_CHART))
            + _table(overall, [("rank", data.labels.column("rank"), "int"), ("term", data.labels.column("term"), "text"),
                               ("category", data.labels.column("label"), "text"),
                               ("hits", data.labels.column("hits"), "int"), ("docs", data.labels.column("docs"), "int")],
                     limit=MAX_TERMS_TABLE))
    page.section("terms", "高频词语", body)


def _evidence(page: _Page, data: ReportData) -> None:
    ev = data.evidence
    if ev.empty:
        page.section("evidence", "原文证据", "<p>指数最高的文件中没有命中的词语。</p>")
        return
    labels = {c: data.labels.category(c) for c in data.lexicon.categories}
    parts = [f"<p>指数最高的 {ev['doc_id'].nunique()} 份文件中命中的词语及其上下文（规范化后的文本，"
             "每个词先各取一处，按出现位置排列）。加粗的是命中的词语；“位置”是其在规范化文本中的字符偏移。</p>"]
    for (rank, doc_id), g in ev.groupby(["rank", "doc_id"], sort=True):
        first = g.iloc[0]
        title = f" · {esc(first['title'])}" if _clean(first["title"]) else ""
        rows = "".join(
            f'<tr><td class="l">{esc(r.left)}</td><td class="m">{esc(r.match)}</td><td class="r">{esc(r.right)}</td>'
            f'<td class="c">{esc("/".join(labels.get(c, c) for c in str(r.category).split("/")))}</td>'
            f'<td class="num">{int(r.start)}</td></tr>' for r in g.itertuples())
        parts.append(f'<div class="pt-doc"><h3>{int(rank)}. {esc(doc_id)}{title} <span class="pt-note">指数 '
                     f'{esc(_f(first["index"]))}</span></h3><div class="pt-scroll"><table class="pt-kwic">'
                     f'<thead><tr><th>上文</th><th>词语</th><th>下文</th><th>维度</th><th class="num">位置</th></tr></thead>'
                     f"<tbody>{rows}</tbody></table></div></div>")
    page.section("evidence", "原文证据", "".join(parts))


def topics_section(documents: pd.DataFrame, topics: pd.DataFrame, scores: pd.DataFrame, *,
                   page: _Page | None = None, settings: dict | None = None) -> str:
    """The topic-model section from ``TopicsResult.documents`` and ``TopicsResult.topics`` (see
    :func:`policytext.reports.analysis.topic_tables`); ``settings`` (``TopicsResult.settings``) adds the
    stability verdict of an anchored ensemble. Charts are registered on ``page`` when given."""
    from .analysis import topic_tables

    page = page if page is not None else _Page()
    settings = settings or {}
    tt = topic_tables(documents, topics, scores)
    t = tt["topics"].copy()
    t["seeded_dimension"] = [s if isinstance(s, str) and s else "—" for s in t["seeded_dimension"]]
    anchored = settings.get("model") == "anchored" or "fits_found" in t.columns
    if anchored:
        n_fits = settings.get("n_fits")
        intro = (f"<p>锚定主题模型（anchored）：一个“治理主题”由词典全部正向词语作种子，一个“粗放”对照主题由粗放维度的词语作种子，"
                 f"其余主题由数据自行形成。共 {len(t)} 个主题"
                 + (f"，{int(n_fits)} 次不同随机种子的拟合取中位数" + (
                     f"（其中 {len(settings['off_mode_fits'])} 次拟合落入另一模式，未计入）"
                     if settings.get("off_mode_fits") else "") if n_fits and n_fits > 1 else
                    "，单次拟合（没有区间）" if n_fits == 1 else "") +
                 "。“拟合中出现”表示有几次拟合找到了同一主题（余弦相似度 ≥ 0.5），“平均匹配度”为其平均余弦相似度。</p>")
        cols = [("topic_id", "主题", "int"), ("label", "标签", "text"), ("seeded_dimension", "种子", "text"),
                ("mean_share", "平均占比", "num"), ("fits_found", "拟合中出现", "int"),
                ("mean_match", "平均匹配度", "num"), ("coherence", "一致性", "num"),
                ("top_terms", "主要词语（权重）", "text")]
        cols = [c for c in cols if c[0] in t.columns]
    else:
        intro = (f"<p>主题模型把文件看作若干主题的混合，每个主题是一组经常一起出现的词。共 {len(t)} 个主题；"
                 "“种子维度”表示该主题由词典的哪个维度引导（蓝色），其余主题（灰色）由数据自行形成。"
                 "“一致性”越高，主题的高频词越常在同一文件中同时出现。</p>")
        cols = [("topic_id", "主题", "int"), ("label", "标签", "text"), ("seeded_dimension", "种子维度", "text"),
                ("mean_share", "平均占比", "num"), ("coherence", "一致性", "num"),
                ("top_terms", "主要词语（权重）", "text")]
    body = [intro, page.chart("topics", charts.topic_bars(t)), _table(t, cols)]
    if anchored:
        verdict = settings.get("verdict_text") if settings.get("verdict") else None
        if verdict:
            body.append(f"<p><strong>稳定性判定</strong>（同一 K、不同随机种子的拟合之间 governance_share 的 Spearman 秩相关）："
                        f"{esc(verdict)}。改变 K 的检验请运行 <code>policytext topics stability</code>。</p>")
        elif settings:
            body.append("<p><strong>稳定性判定</strong>：只有一次拟合，没有区间，也无法判断稳定性。</p>")
        gov = t[t["seeded_dimension"] == "governance"]
        if "top_nonseed_terms" in t.columns and len(gov) and isinstance(gov["top_nonseed_terms"].iloc[0], str) \
                and gov["top_nonseed_terms"].iloc[0]:
            body.append("<p><strong>模型发现的词语</strong>（治理主题中不在词典里的高概率词，可作为词典扩充候选："
                        f"<code>policytext topics</code> 输出的 candidates.csv）：{esc(gov['top_nonseed_terms'].iloc[0])}</p>")
    if "governance_share" in tt["shares"].columns:
        rho = tt["spearman"]
        if anchored:
            sh = tt["shares"]
            has_sd = "governance_share_sd" in sh.columns and sh["governance_share_sd"].notna().any()
            body.append(f"<p>每个点是一份文件：横轴为治理主题占比（governance_share，文件词语中分配给治理主题的比例"
                        + ("，多数模式下各次拟合的中位数；横线为这些拟合的 5%–95% 范围" if has_sd else "") +
                        f"），纵轴为精细化治理指数。两者的 Spearman 秩相关为 {esc(_f(rho))}。"
                        "注意：治理主题占比是词典的平滑版本（种子词全部归入治理主题），并非独立证据；"
                        "模型的贡献在于种子词之外发现的词语、每份文件的其他主题，以及每个占比的不确定性。</p>")
            show = [c for c in ("doc_id", "governance_share", "governance_share_sd", "governance_share_p05",
                                "governance_share_p95", "governance_share_nonseed", "other_topic_1_label",
                                "other_topic_2_label") if c in sh.columns]
            top = sh.sort_values("governance_share", ascending=False).head(20)[show].copy()
            pct_cols = [c for c in show if c.startswith("governance_share")]
            top[pct_cols] = top[pct_cols] * 100  # shown in percent, two decimals
            names = {"doc_id": ("文件", "text"), "governance_share": ("治理主题占比 %", "num"),
                     "governance_share_sd": ("标准差", "num"), "governance_share_p05": ("5%", "num"),
                     "governance_share_p95": ("95%", "num"), "governance_share_nonseed": ("其中非种子词 %", "num"),
                     "other_topic_1_label": ("其他主题 1", "text"), "other_topic_2_label": ("其他主题 2", "text")}
            body.append("<p>治理主题占比最高的 20 份文件，以及它们还涉及什么（占比最高的两个其他主题）：</p>")
            body.append(_table(top, [(c, *names[c]) for c in show]))
        else:
            body.append(f"<p>每个点是一份文件：横轴为种子治理主题的合计占比，纵轴为精细化治理指数。两者的 Spearman 秩相关为 "
                        f"{esc(_f(rho))}。注意：按维度播种的主题模型的合计占比随主题数和随机种子变化很大（在 62 份省级政府工作报告上，"
                        "不同拟合之间的 Spearman 秩相关中位数仅为 +0.14），引用前请用 "
                        "<code>policytext topics stability</code> 检验其稳定性。</p>")
        body.append(page.chart("topics-scatter", charts.topic_scatter(tt["shares"])))
    return "".join(body)


def _methods(page: _Page, data: ReportData) -> None:
    cfg = data.config
    lex, tok, norm = cfg["lexicon"], cfg["tokenizer"], cfg["normalization"]
    cats = data.categories
    onoff = lambda b: "开" if b else "关"  # noqa: E731
    sentence_formula = sentence_text = short_text = ""
    if "sentence_share" in data.scores.columns:
        sentence_formula = ("<br>sentence_share = 至少含一个正向维度命中词语的句子数 ÷ n_sentences<br>"
                            "sentence_share_c = 至少含一个维度 c 命中词语的句子数 ÷ n_sentences")
        sentence_text = ("句子占比（sentence_share）与指数并列报告：句子以 。！？； 和换行切分，"
                         "统计至少含一次正向维度命中的句子所占比例。它介于 0 和 1 之间，同一个词语在一句中重复出现"
                         "只算一句，因此不受个别词语反复出现的影响；指数则随每次出现而增加。两者排序不同时，"
                         "说明指数由少数几句中的重复用语推高。")
    if "short" in data.scores.columns:
        n_short = count_flags(data.scores["short"])
        short_text = (f"本报告中 {n_short:,} 份文件被标记为短文本（short 列，字数低于评分规定的下限）"
                      + ("，分组表中“短文本数”一列给出各组的数量" if data.group_tables else "") + "。")
    body = f"""
<h3>数据</h3>
<p>读入 {data.summary['n_inputs']:,} 个输入（文件或表格行），{data.summary['n_scored']:,} 份文件已评分，
{data.summary['n_errors']:,} 个未能评分（见下一节）。每个输入文件的 SHA-256 记录在 manifest.json 中。</p>
<h3>文本处理</h3>
<p>评分前，文本依次经过：Unicode NFKC 规范化（全角数字和字母转为半角）；删除零宽字符；繁体转简体（OpenCC t2s，
{onoff(norm['t2s'])}）；合并 PDF 和网页中的硬换行（两个汉字之间的单个换行）。分词使用独立的 jieba 实例：
引擎 <code>{esc(tok['engine'])}</code> {esc(tok.get('engine_version') or '')}，HMM {onoff(tok['hmm'])}，
词典 {esc(tok['dictionary'])}（SHA-256 <code>{esc(tok['dictionary_sha256'])}</code>），注入词 {int(tok['injected_words'])} 个。</p>
<h3>词典</h3>
<p><code>{esc(lex['name'])}</code> 版本 {esc(lex['version'])}，{int(lex['terms'])} 个词语，
{len(lex['categories'])} 个维度；SHA-256 <code>{esc(lex['sha256'])}</code>。</p>
{_table(cats, [("category", "代码", "text"), ("label", "维度", "text"), ("label_en", "英文", "text"),
               ("polarity", "方向", "int"), ("weight", "默认权重", "num"), ("n_terms", "词数", "int")])}
<h3>匹配规则</h3>
<p>词语只在分词边界上匹配：词语必须等于连续的若干个完整分词结果。因此“共治”不会在“公共/治理”中被计数，
“精细化”不会在“精细化工”中被计数，而“无缝对接”无论被切成一个词还是“无缝/对接”都会被计数。从左到右扫描，
同一位置取最长的词语，同一段文字不会被计数两次。</p>
<h3>公式</h3>
<div class="pt-formula">per10k_c = 10000 × hits_c ÷ n_chars<br>
index_positive = 10000 × Σ（正向维度命中词语的权重）÷ n_chars<br>
index_contrast = 10000 × Σ（反向维度命中词语的权重）÷ n_chars<br>
index = index_positive − index_contrast<br>
coverage = 至少命中一次正向维度{sentence_formula}</div>
<p>n_chars 为规范化文本中非空白字符的数量（含标点）。{sentence_text}分组均值的 95% 置信区间为百分位自助法：
对组内文件有放回地重抽样 {data.n_resamples:,} 次，取重抽样均值的 2.5% 和 97.5% 分位数；
随机数由 <code>numpy.random.default_rng({data.random_state})</code> 产生，每组独立使用同一种子，
因此结果可以复现，且一组的区间不受其他组的影响。不足 {MIN_CI_N} 份文件的组（以及不足 {MIN_CI_N} 份文件的整个语料）
只给出均值和文件数，区间记为“—”：两份文件的重抽样均值只能取两者之一或其平均，所谓区间就是这两个数值本身，
不能说明任何抽样误差。</p>
<h3>注意事项</h3>
<ul>
<li>指数计量的是用语。文件提到“精细化”不等于做到了精细化；反之亦然。</li>
<li>文体影响很大：法律法规、通知、工作报告的写法不同，跨文体比较时应分组查看。</li>
<li>词语的含义会随时间变化，早期文件可能用其他说法表达类似的意思，词典未必收录。</li>
<li>短文件的指数波动大（几次命中就会明显改变每万字频率）；请结合字数和命中数阅读。{short_text}</li>
<li>自助法区间只反映抽样波动，不反映词典或分词的系统误差；文件少的组区间不可靠。</li>
<li>未能评分的文件不计入任何统计。</li>
</ul>
<h3>复现</h3>
<p>运行命令、开始和结束时间、随机种子、依赖版本和全部输入文件的哈希值见同一文件夹中的 manifest.json。
相同的输入和设置会得到逐字节相同的 report.html、report.xlsx 和 scores.csv（时间只记录在 manifest.json 中）。</p>
"""
    page.section("methods", "方法说明", body)


def _errors(page: _Page, data: ReportData) -> None:
    e = data.errors
    if e.empty:
        body = "<p>所有输入均已评分。</p>"
    else:
        counts = e["error"].value_counts()
        body = ("<p>以下输入没有评分，也不计入任何统计：" + "；".join(f"{esc(k)} {int(v)} 个" for k, v in counts.items())
                + "。常见原因：文件为空、编码无法识别、扫描版 PDF 没有文字层、编号重复。</p>"
                + _table(e, [("source", "来源", "text"), ("doc_id", "文件编号", "text"), ("error", "错误类型", "text"),
                             ("message", "原因", "text")]))
    page.section("errors", "未评分文件", body)
