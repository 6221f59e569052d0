"""Plotly figures of a batch report, as plain ``{"data", "layout"}`` dicts for ``Plotly.newPlot``.

Every figure uses an empty template (plotly's default template would repeat ~8 kB in each figure), a CJK
font stack, and text from documents (group names, terms, ids) escaped with :func:`plot_text`: plotly renders a
small subset of HTML in labels, so ``<b>`` in a group name would be drawn bold and ``<a href>`` a link;
escaped, it is shown as typed.
"""

from __future__ import annotations

import html
import json
import math

import pandas as pd

__all__ = ["FONT", "figure_dict", "plot_text"]

#: fonts with Chinese glyphs on Windows (Microsoft YaHei, SimHei), macOS (PingFang SC, Hiragino Sans GB) and
#: Linux (Noto Sans CJK SC from fonts-noto-cjk, Source Han Sans SC, WenQuanYi); the page loads no web font
FONT = ('"Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Source Han Sans SC", '
        '"WenQuanYi Micro Hei", "SimHei", sans-serif')
BLUE, RED, GREY = "#2b6cb0", "#c53030", "#718096"
MAX_LABEL = 28


def plot_text(value, limit: int = MAX_LABEL) -> str:
    """A document string made safe and short for a plotly label: HTML-escaped, cut to ``limit`` characters."""
    s = "" if value is None else str(value)
    if limit and len(s) > limit:
        s = s[: limit - 1] + "…"
    return html.escape(s, quote=False)


def figure_dict(fig) -> dict:
    """A plotly figure as JSON-ready ``{"data": [...], "layout": {...}}`` (arrays as plain lists)."""
    import plotly.io as pio

    return json.loads(pio.to_json(fig, validate=False, engine="json"))


def _layout(fig, *, title: str = "", height: int = 380, xtitle: str = "", ytitle: str = "", **kw):
    import plotly.graph_objects as go

    fig.update_layout(template=go.layout.Template(), font={"family": FONT, "size": 13, "color": "#1a202c"},
                      title={"text": title, "x": 0, "font": {"size": 15}} if title else None,
                      height=height, margin={"l": 60, "r": 20, "t": 40 if title else 16, "b": 50},
                      paper_bgcolor="white", plot_bgcolor="white", hoverlabel={"font": {"family": FONT}},
                      showlegend=kw.pop("showlegend", False), **kw)
    axis = {"showline": True, "linecolor": "#a0aec0", "gridcolor": "#edf2f7", "zerolinecolor": "#a0aec0",
            "automargin": True}
    fig.update_xaxes(title={"text": xtitle}, **axis)
    fig.update_yaxes(title={"text": ytitle}, **axis)
    return fig


def _category_axis(fig, axis: str, values: list) -> None:
    """Make ``axis`` ("x" or "y") categorical in the given order: plotly would read group names such as
    ``2025`` as numbers and draw ``2,024.5``."""
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    update(type="category", categoryorder="array", categoryarray=list(values))


def _count_axis(fig, axis: str, max_count: int) -> None:
    """Counts are whole numbers: integer tick labels, a tick per unit when the counts are small."""
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    update(type="linear", tickformat=",d", rangemode="tozero", **({"dtick": 1} if max_count <= 10 else {}))


def year_ticks(years: list[int], max_ticks: int = 12) -> dict:
    """Axis settings for whole years: a linear axis whose ticks are whole years (every year when there are few,
    else every 2nd, 5th, 10th, ... year), so no tick reads 2,024.5 and no label repeats.

    >>> year_ticks([2025, 2026])["tickvals"]
    [2025, 2026]
    >>> year_ticks(list(range(1954, 2026)))["dtick"]
    10
    """
    lo, hi = min(years), max(years)
    span = hi - lo
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500) if span / s <= max_ticks or s == 500)
    ticks = list(range(lo - lo % step if step > 1 else lo, hi + 1, step))
    ticks = [t for t in ticks if lo <= t <= hi] or [lo]
    if step == 1:
        return {"type": "linear", "tickmode": "array", "tickvals": ticks, "ticktext": [str(t) for t in ticks],
                "range": [lo - 0.5, hi + 0.5]}
    return {"type": "linear", "tickmode": "linear", "tick0": ticks[0], "dtick": step, "tickformat": "d",
            "range": [lo - 0.5, hi + 0.5]}


def _round(values, digits: int = 3) -> list:
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else round(float(v), digits)
            for v in values]


def histogram(scores: pd.DataFrame) -> dict:
    """Documents per bin of the index (binned here with numpy: the page carries counts, not every value)."""
    import numpy as np
    import plotly.graph_objects as go

    values = scores["index"].to_numpy(float)
    n_bins = int(min(40, max(8, 2 * math.sqrt(max(len(values), 1)))))
    counts, edges = np.histogram(values, bins=n_bins) if len(values) else (np.zeros(0, int), np.zeros(1))
    fig = go.Figure(go.Bar(
        x=_round((edges[:-1] + edges[1:]) / 2), y=[int(c) for c in counts], width=float(edges[1] - edges[0])
        if len(edges) > 1 else None, marker={"color": BLUE, "line": {"color": "white", "width": 1}},
        customdata=[[f"{a:.2f}", f"{b:.2f}"] for a, b in zip(edges[:-1], edges[1:])],
        hovertemplate="指数 %{customdata[0]} 至 %{customdata[1]}<br>%{y} 份文件<extra></extra>"))
    if len(values):
        mean, median = float(values.mean()), float(np.median(values))
        fig.add_vline(x=mean, line={"color": RED, "dash": "dash"}, annotation_text=f"均值 {mean:.2f}",
                      annotation_position="top right")
        fig.add_vline(x=median, line={"color": GREY, "dash": "dot"}, annotation_text=f"中位数 {median:.2f}",
                      annotation_position="top left")
    fig = _layout(fig, xtitle="精细化治理指数（每万字加权词频）", ytitle="文件数", bargap=0)
    _count_axis(fig, "y", int(counts.max()) if len(counts) else 0)
    return figure_dict(fig)


def category_bars(categories: pd.DataFrame) -> dict:
    """Mean rate per category, by the category's label (the ``label`` column), first category on top."""
    import plotly.graph_objects as go

    c = categories.iloc[::-1]
    labels = [f"{plot_text(lab)}" for lab in c["label"]]
    fig = go.Figure(go.Bar(
        x=_round(c["mean_per10k"]), y=labels, orientation="h",
        marker={"color": [BLUE if p > 0 else RED for p in c["polarity"]]},
        customdata=[[f"{s:.0%}"] for s in c["share_docs"]],
        hovertemplate="%{y}<br>平均每万字 %{x}<br>出现于 %{customdata[0]} 的文件<extra></extra>"))
    fig = _layout(fig, height=max(260, 46 * len(c) + 80), xtitle="平均每万字出现次数")
    _category_axis(fig, "y", labels)
    return figure_dict(fig)


def term_bars(terms: pd.DataFrame, top: int = 20) -> dict:
    """The ``top`` most frequent terms; ``category`` holds the label shown on hover."""
    import plotly.graph_objects as go

    t = terms.head(top).iloc[::-1]
    ys = [plot_text(v) for v in t["term"]]
    fig = go.Figure(go.Bar(
        x=[int(v) for v in t["hits"]], y=ys, orientation="h",
        marker={"color": [BLUE if p > 0 else RED for p in t["polarity"]]},
        customdata=[[int(d), plot_text(c, 60)] for d, c in zip(t["docs"], t["category"])],
        hovertemplate="%{y}：%{x} 次，%{customdata[0]} 份文件<br>%{customdata[1]}<extra></extra>"))
    fig = _layout(fig, height=max(260, 24 * len(t) + 80), xtitle="出现次数")
    _category_axis(fig, "y", ys)
    _count_axis(fig, "x", int(t["hits"].max()) if len(t) else 0)
    return figure_dict(fig)


def group_ci(groups: pd.DataFrame, column: str, max_groups: int = 40) -> dict:
    """Group means with 95% bootstrap intervals, the ``max_groups`` largest groups, highest mean on top.

    Two traces: the groups with an interval (filled markers, error bars) and those without one (open markers,
    no error bar at all: plotly would draw a cap of zero length for a missing value)."""
    import plotly.graph_objects as go

    g = groups.sort_values(["n", "group"], ascending=[False, True]).head(max_groups)
    g = g.sort_values(["mean_index", "group"], ascending=[True, False])
    g = g.assign(_label=[f"{plot_text(v)} (n={n})" for v, n in zip(g["group"], g["n"])],
                 _ci=[not math.isnan(v) for v in g["ci_low"]])
    fig = go.Figure()
    for with_ci, part in ((True, g[g["_ci"]]), (False, g[~g["_ci"]])):
        if part.empty:
            continue
        extra = ({"error_x": {"type": "data", "symmetric": False,
                              "array": _round(part["ci_high"] - part["mean_index"]),
                              "arrayminus": _round(part["mean_index"] - part["ci_low"]),
                              "color": BLUE, "thickness": 1.5, "width": 4}} if with_ci else {})
        fig.add_trace(go.Scatter(
            x=_round(part["mean_index"]), y=list(part["_label"]), mode="markers",
            name="有区间" if with_ci else "文件太少，无区间",
            marker={"color": BLUE if with_ci else GREY, "size": 9, "symbol": "circle" if with_ci else "circle-open",
                    "line": {"width": 1.5}},
            customdata=[[_ci_text(lo, hi, n)] for lo, hi, n in zip(part["ci_low"], part["ci_high"], part["n"])],
            hovertemplate="%{y}<br>平均指数 %{x}<br>%{customdata[0]}<extra></extra>", **extra))
    fig = _layout(fig, height=max(240, 28 * len(g) + 90), xtitle="平均指数（95% 自助法置信区间" + (
        "）" if g["_ci"].all() else "；空心点：文件太少，无区间）"))
    _category_axis(fig, "y", list(g["_label"]))
    return figure_dict(fig)


def group_heatmap(groups: pd.DataFrame, categories: pd.DataFrame, max_groups: int = 40) -> dict:
    import plotly.graph_objects as go

    g = groups.sort_values(["n", "group"], ascending=[False, True]).head(max_groups)
    g = g.sort_values(["mean_index", "group"], ascending=[False, True])
    z = [_round([row[f"per10k_{c}"] for c in categories["category"]], 2) for _, row in g.iterrows()]
    xs = [plot_text(v, 12) for v in categories["label"]]
    ys = [plot_text(v) for v in g["group"]]
    fig = go.Figure(go.Heatmap(
        z=z, x=xs, y=ys, colorscale="Blues", colorbar={"title": {"text": "每万字"}},
        hovertemplate="%{y} · %{x}<br>平均每万字 %{z}<extra></extra>"))
    fig = _layout(fig, height=max(260, 26 * len(g) + 120))
    _category_axis(fig, "x", xs)
    _category_axis(fig, "y", ys)
    fig.update_yaxes(autorange="reversed")
    return figure_dict(fig)


def trend(groups: pd.DataFrame, label: str) -> dict | None:
    """Mean index per year with its 95% interval as error bars (years with too few documents have none), on an
    axis of whole years (:func:`year_ticks`). None with fewer than two years: one point is not a trend."""
    import plotly.graph_objects as go

    g = groups.sort_values("group")
    years = [int(v) for v in g["group"]]
    if len(years) < 2:
        return None
    lo = [m - l if not math.isnan(l) else None for m, l in zip(g["mean_index"], g["ci_low"])]
    hi = [h - m if not math.isnan(h) else None for m, h in zip(g["mean_index"], g["ci_high"])]
    fig = go.Figure(go.Scatter(
        x=years, y=_round(g["mean_index"]), mode="lines+markers", name="平均指数",
        line={"color": BLUE, "width": 2}, marker={"size": 7},
        error_y={"type": "data", "symmetric": False, "array": _round(hi), "arrayminus": _round(lo),
                 "color": "rgba(43,108,176,0.45)", "thickness": 1.2, "width": 3},
        customdata=[[int(n), _ci_text(l, h, n)] for n, l, h in zip(g["n"], g["ci_low"], g["ci_high"])],
        hovertemplate="%{x} 年：平均指数 %{y}<br>%{customdata[0]} 份文件<br>%{customdata[1]}<extra></extra>"))
    fig = _layout(fig, xtitle=plot_text(label, 40), ytitle="平均指数（95% 自助法置信区间）")
    fig.update_xaxes(**year_ticks(years))
    return figure_dict(fig)


def topic_bars(topics: pd.DataFrame) -> dict:
    import plotly.graph_objects as go

    t = topics.sort_values("topic_id").iloc[::-1]
    labels = [f"{int(i)} {plot_text(lab, 20)}" for i, lab in zip(t["topic_id"], t["label"])]
    seeded = [isinstance(s, str) and bool(s) for s in t["seeded_dimension"]]
    fig = go.Figure(go.Bar(
        x=_round(t["mean_share"]), y=labels, orientation="h",
        marker={"color": [BLUE if s else GREY for s in seeded]},
        customdata=[[plot_text(v, 80)] for v in t["top_terms"]],
        hovertemplate="%{y}<br>平均占比 %{x}<br>%{customdata[0]}<extra></extra>"))
    return figure_dict(_layout(fig, height=max(240, 30 * len(t) + 80), xtitle="文件中的平均主题占比"))


def topic_scatter(shares: pd.DataFrame) -> dict:
    import plotly.graph_objects as go

    s = shares.dropna(subset=["governance_share", "index"])
    error_x = None
    if {"governance_share_p05", "governance_share_p95"} <= set(s.columns) and s["governance_share_p95"].notna().any():
        # the ensemble's 5th-95th percentile range over fits
        error_x = {"type": "data", "symmetric": False, "thickness": 1, "width": 0, "color": GREY,
                   "array": _round((s["governance_share_p95"] - s["governance_share"]).clip(lower=0)),
                   "arrayminus": _round((s["governance_share"] - s["governance_share_p05"]).clip(lower=0))}
    fig = go.Figure(go.Scatter(
        x=_round(s["governance_share"]), y=_round(s["index"]), mode="markers", error_x=error_x,
        marker={"color": BLUE, "size": 6, "opacity": 0.6},
        customdata=[[plot_text(d, 60)] for d in s["doc_id"]],
        hovertemplate="%{customdata[0]}<br>治理主题占比 %{x}<br>指数 %{y}<extra></extra>"))
    return figure_dict(_layout(fig, xtitle="种子治理主题的合计占比（governance_share）", ytitle="精细化治理指数"))


def _ci_text(low, high, n) -> str:
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return f"n={int(n)}，文件太少，不计算区间"
    return f"95% 区间 [{low:.2f}, {high:.2f}]"


def _fmt(v) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"
