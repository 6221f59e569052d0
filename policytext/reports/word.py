"""The batch report as a Word file (python-docx), for analysts whose deliverables are written in Word.

``report.docx`` holds, in Chinese: the title, the headline summary, the 20 documents with the highest and the
20 with the lowest index, the group comparisons (n, mean, 95% interval, or a dash with a note for groups of
fewer than :data:`~policytext.reports.analysis.MIN_CI_N` documents), the trend by year, the category profile,
and the methods and caveats. Headings are Word headings (``Heading 1``/``Heading 2``) and tables are Word
tables (style ``Table Grid``), so the analyst can restyle them; numbers are those of ``scores.csv`` (rates to 2
decimals).

Charts are pictures drawn by matplotlib with a CJK font, when both are installed (``pip install
'policytext[charts]'`` and, on Debian, ``fonts-noto-cjk``): no browser is needed. Otherwise the file has tables
only and says so. matplotlib is used through its object API (no ``pyplot``, no change to its global settings).
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

import pandas as pd

from .analysis import MIN_CI_N, analyst_scores
from .tables import reproducible_zip

if TYPE_CHECKING:
    from .report import ReportData

__all__ = ["CJK_FONTS", "MAX_DOCX_GROUPS", "TOP_DOCS", "cjk_font", "write_docx"]

TOP_DOCS = 20
MAX_DOCX_GROUPS = 200  # per group column; the workbook has them all
MAX_CHART_GROUPS = 40
#: font families with Chinese glyphs that matplotlib may find (Windows, macOS, Linux)
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB",
             "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "SimHei", "Noto Serif CJK SC", "Noto Sans CJK JP")
_NO_CHARTS = ("本文件只含表格，没有图表：本机没有可用的静态图表渲染器（需要 matplotlib 和一种中文字体，例如 Debian 的 "
              "fonts-noto-cjk）。图表见同一文件夹中的 report.html。")


def cjk_font() -> str | None:
    """The path of a font file with Chinese glyphs that matplotlib can use, or None (no matplotlib, or no such
    font on this machine)."""
    try:
        from matplotlib import font_manager
    except ImportError:
        return None
    by_name: dict[str, str] = {}
    regular_first = sorted(font_manager.fontManager.ttflist,
                           key=lambda f: (f.weight not in (400, "normal", "regular"), f.style != "normal", f.fname))
    for f in regular_first:
        by_name.setdefault(f.name, f.fname)
    for name in CJK_FONTS:
        if name in by_name:
            return by_name[name]
    return None


def _num(v, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return "—"
    return f"{v:.{digits}f}"  # no thousands separator: the digits of scores.csv


def _pct(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:.0%}"


def _ci(low, high, n) -> str:
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return f"—（n<{MIN_CI_N}）" if n < MIN_CI_N else "—"
    return f"[{low:.2f}, {high:.2f}]"


def _table(doc, headings: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    table = doc.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    for i, h in enumerate(headings):
        cell = table.rows[0].cells[i]
        cell.text = h
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for i, v in enumerate(row):
            cells[i].text = "" if v is None else str(v)
            if i in numeric:
                cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _note(doc, text: str) -> None:
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.italic = True


def write_docx(data: ReportData, path) -> None:
    """Write the report's Word file to ``path`` (same content, same bytes: zip times and document dates are
    fixed)."""
    import docx
    from docx.shared import Cm

    from .html import headline_facts, how_to_read

    L = data.labels
    doc = docx.Document()
    props = doc.core_properties
    props.title, props.author, props.comments = data.title, "policytext", "policytext batch report"
    doc.add_heading(data.title, level=0)
    m, lex = data.manifest, data.config["lexicon"]
    doc.add_paragraph(f"policytext {m['policytext']} · 词典 {lex['name']} {lex['version']} · "
                      f"{data.summary['n_scored']:,} 份文件。数据表见同一文件夹中的 report.xlsx 与 scores.csv。")
    font = cjk_font()
    charts = _Charts(font)
    if font is None:
        _note(doc, _NO_CHARTS)

    doc.add_heading("要点", level=1)
    for fact in headline_facts(data):
        doc.add_paragraph(fact, style="List Bullet")
    doc.add_paragraph("如何阅读：" + how_to_read(data))

    scores, _ = analyst_scores(data.scores)
    if len(scores):
        cols = ["rank", "doc_id"] + ([data.title_column] if data.title_column else [])
        cols += [c for c in ("index", "sentence_share", "n_chars", "hits_total") if c in scores.columns]
        digits = {"index": 2, "sentence_share": 3}
        numeric = {i for i, c in enumerate(cols) if c not in ("doc_id", data.title_column)}

        def rows(df):
            return [[_num(r[c], digits[c]) if c in digits else (f"{int(r[c]):,}" if c in ("rank", "n_chars", "hits_total")
                     else r[c]) for c in cols] for _, r in df.iterrows()]

        n = min(TOP_DOCS, len(scores))
        doc.add_heading(f"指数最高的 {n} 份文件", level=1)
        _table(doc, L.headings(cols), rows(scores.head(n)), numeric)
        if len(scores) > TOP_DOCS:
            doc.add_heading(f"指数最低的 {n} 份文件", level=1)
            _table(doc, L.headings(cols), rows(scores.tail(n).iloc[::-1]), numeric)
        doc.add_paragraph(f"全部 {len(scores):,} 份文件的排名见 scores.csv 和 report.xlsx 的 scores 工作表"
                          "（指数保留两位小数，与本文件相同）。")
        charts.add(doc, "histogram", data)

    if data.group_tables:
        doc.add_heading("分组比较", level=1)
        doc.add_paragraph(f"各组的平均指数及其 95% 自助法置信区间（{data.n_resamples:,} 次重抽样，随机种子 {data.random_state}）。"
                          f"不足 {MIN_CI_N} 份文件的组只给出均值和文件数，区间记为“—”。")
        for col, g in data.group_tables.items():
            doc.add_heading(f"按“{L.column(col)}”比较", level=2)
            _group_table(doc, data, g, L.column(col))
            if len(g) > MAX_DOCX_GROUPS:
                _note(doc, f"显示前 {MAX_DOCX_GROUPS} 组，共 {len(g):,} 组；完整数据见 report.xlsx 的 groups 工作表。")
            if (g["n"] < MIN_CI_N).any():
                _note(doc, f"{int((g['n'] < MIN_CI_N).sum())} 组不足 {MIN_CI_N} 份文件，没有区间。")
            charts.add(doc, "groups", data, g)
            if charts.font is not None and len(g) > MAX_CHART_GROUPS:
                _note(doc, f"图中显示前 {MAX_CHART_GROUPS} 组（文件数最多的组），共 {len(g):,} 组；表格列出前 "
                           f"{min(len(g), MAX_DOCX_GROUPS)} 组。")
    if data.time is not None:
        t = data.time
        doc.add_heading("时间趋势", level=1)
        g = t["table"].assign(group=t["table"]["group"].astype(int).astype(str))
        doc.add_paragraph(f"年份取自“{L.column(t['column'])}”列；{t['n_dated']:,} 份文件有年份，{t['n_undated']:,} 份没有。"
                          + ("只有一个年份，无法显示趋势。" if len(g) < 2 else ""))
        _group_table(doc, data, g, L.column("year"))

    doc.add_heading("维度画像", level=1)
    cats = data.categories
    _table(doc, [L.column(c) for c in ("label", "polarity", "n_terms", "docs_with_hits", "share_docs", "mean_per10k")],
           [[L.category(r.category), f"{int(r.polarity):+d}", f"{int(r.n_terms)}", f"{int(r.docs_with_hits):,}",
             _pct(r.share_docs), _num(r.mean_per10k)] for r in cats.itertuples()], {1, 2, 3, 4, 5})
    charts.add(doc, "categories", data)

    _methods(doc, data)
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2.2)
    buf = io.BytesIO()
    doc.save(buf)
    with open(path, "wb") as fh:
        fh.write(reproducible_zip(buf.getvalue()))


def _group_table(doc, data: ReportData, g: pd.DataFrame, first: str) -> None:
    L = data.labels
    cols = ["n", "mean_index", "ci", *(["mean_sentence_share"] if "mean_sentence_share" in g.columns else []),
            *(["n_short"] if "n_short" in g.columns else []), "median_index", "coverage_share"]
    heads = [first] + [L.column(c) for c in cols]
    rows = []
    for _, r in g.head(MAX_DOCX_GROUPS).iterrows():
        row = [str(r["group"])]
        for c in cols:
            if c == "ci":
                row.append(_ci(r["ci_low"], r["ci_high"], r["n"]))
            elif c in ("n", "n_short"):
                row.append(f"{int(r[c]):,}")
            elif c in ("coverage_share", "mean_sentence_share"):
                row.append(_pct(r[c]))
            else:
                row.append(_num(r[c]))
        rows.append(row)
    _table(doc, heads, rows, set(range(1, len(heads))))


def _methods(doc, data: ReportData) -> None:
    cfg = data.config
    lex, tok, norm = cfg["lexicon"], cfg["tokenizer"], cfg["normalization"]
    doc.add_heading("方法说明", level=1)
    doc.add_paragraph(f"读入 {data.summary['n_inputs']:,} 个输入，{data.summary['n_scored']:,} 份文件已评分，"
                      f"{data.summary['n_errors']:,} 个未能评分（见 report.html 的“未评分文件”一节和 report.xlsx 的 "
                      "errors 工作表）。")
    doc.add_paragraph("评分前，文本经过 Unicode NFKC 规范化、删除零宽字符、繁体转简体（OpenCC t2s，"
                      f"{'开' if norm['t2s'] else '关'}）并合并硬换行。分词使用独立的 jieba 实例（引擎 {tok['engine']}，"
                      f"HMM {'开' if tok['hmm'] else '关'}）。词典 {lex['name']} 版本 {lex['version']}，{int(lex['terms'])} "
                      f"个词语，{len(lex['categories'])} 个维度，SHA-256 {lex['sha256']}。词语只在分词边界上匹配，"
                      "同一位置取最长的词语，同一段文字不计数两次。")
    formulas = ["per10k_c = 10000 × hits_c ÷ n_chars",
                "index_positive = 10000 × Σ（正向维度命中词语的权重）÷ n_chars",
                "index_contrast = 10000 × Σ（反向维度命中词语的权重）÷ n_chars",
                "index = index_positive − index_contrast",
                "coverage = 至少命中一次正向维度（1/0）"]
    if "sentence_share" in data.scores.columns:
        formulas.append("sentence_share = 至少含一个正向维度命中词语的句子数 ÷ n_sentences（句子以 。！？； 和换行切分；"
                        "0–1，同一词语在一句中重复只算一句）")
    for f in formulas:
        doc.add_paragraph(f, style="List Bullet")
    doc.add_paragraph(f"分组均值的 95% 置信区间为百分位自助法：对组内文件有放回地重抽样 {data.n_resamples:,} 次，"
                      f"取重抽样均值的 2.5% 和 97.5% 分位数（numpy.random.default_rng({data.random_state})）。不足 {MIN_CI_N} "
                      "份文件的组不给出区间：两三份文件的重抽样只能得到这几个数值本身的范围，不能说明抽样误差。")
    doc.add_heading("注意事项", level=2)
    caveats = ["指数计量的是用语。文件提到“精细化”不等于做到了精细化；反之亦然。",
               "文体影响很大：法律法规、通知、工作报告的写法不同，跨文体比较时应分组查看。",
               "短文件的指数波动大（几次命中就会明显改变每万字频率）；请结合字数和命中数阅读。",
               "自助法区间只反映抽样波动，不反映词典或分词的系统误差。",
               "未能评分的文件不计入任何统计。"]
    if data.summary.get("n_short"):
        caveats.insert(3, f"{data.summary['n_short']:,} 份文件被标记为短文本（short），其频率尤其不稳定。")
    for c in caveats:
        doc.add_paragraph(c, style="List Bullet")
    doc.add_paragraph("运行命令、时间、随机种子、依赖版本和全部输入文件的哈希值见 manifest.json。")


class _Charts:
    """Static charts for the Word file, drawn with matplotlib's object API and a CJK font file."""

    def __init__(self, font: str | None):
        self.font = font

    def add(self, doc, kind: str, data: ReportData, groups: pd.DataFrame | None = None) -> None:
        if self.font is None:
            return
        from docx.shared import Cm

        png = getattr(self, "_" + kind)(data, groups)
        if png is not None:
            doc.add_picture(io.BytesIO(png), width=Cm(15))

    def _figure(self, height: float):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.font_manager import FontProperties

        fig = Figure(figsize=(7.5, height), dpi=120)
        FigureCanvasAgg(fig)
        return fig, FontProperties(fname=self.font, size=9)

    @staticmethod
    def _png(fig) -> bytes:
        buf = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()

    def _label(self, ax, fp, xlabel: str = "", ylabel: str = "") -> None:
        ax.set_xlabel(xlabel, fontproperties=fp)
        ax.set_ylabel(ylabel, fontproperties=fp)
        for t in ax.get_xticklabels() + ax.get_yticklabels():
            t.set_fontproperties(fp)
        ax.spines[["top", "right"]].set_visible(False)

    def _histogram(self, data: ReportData, _):
        from matplotlib.ticker import MaxNLocator

        fig, fp = self._figure(3.0)
        ax = fig.add_subplot()
        ax.hist(data.scores["index"].to_numpy(float), bins=int(min(40, max(8, 2 * math.sqrt(len(data.scores))))),
                color="#2b6cb0", edgecolor="white")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        self._label(ax, fp, "精细化治理指数（每万字加权词频）", "文件数")
        return self._png(fig)

    def _categories(self, data: ReportData, _):
        c = data.categories.iloc[::-1]
        fig, fp = self._figure(0.35 * len(c) + 1.0)
        ax = fig.add_subplot()
        ax.barh(range(len(c)), c["mean_per10k"].fillna(0),
                color=["#2b6cb0" if p > 0 else "#c53030" for p in c["polarity"]])
        ax.set_yticks(range(len(c)), [data.labels.category(v) for v in c["category"]])
        self._label(ax, fp, "平均每万字出现次数")
        return self._png(fig)

    def _groups(self, data: ReportData, g: pd.DataFrame):
        g = g.sort_values(["n", "group"], ascending=[False, True]).head(MAX_CHART_GROUPS)
        g = g.sort_values(["mean_index", "group"], ascending=[True, False])
        fig, fp = self._figure(0.25 * len(g) + 1.0)
        ax = fig.add_subplot()
        y = list(range(len(g)))
        has = g["ci_low"].notna().to_numpy()
        mean = g["mean_index"].to_numpy(float)
        lo = (mean - g["ci_low"].to_numpy(float))
        hi = (g["ci_high"].to_numpy(float) - mean)
        ax.errorbar(mean[has], [v for v, h in zip(y, has) if h], xerr=[lo[has], hi[has]], fmt="o", color="#2b6cb0",
                    markersize=4, capsize=2)
        ax.plot(mean[~has], [v for v, h in zip(y, has) if not h], "o", markerfacecolor="white", color="#718096",
                markersize=4)
        ax.set_yticks(y, [f"{v} (n={int(n)})" for v, n in zip(g["group"], g["n"])])
        self._label(ax, fp, f"平均指数（95% 自助法置信区间；空心点：不足 {MIN_CI_N} 份文件，无区间）")
        return self._png(fig)
