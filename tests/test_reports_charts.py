"""The report's charts read as specifications: axis types, tick values, what is drawn where there is no interval.

Plotly guesses an axis type from the data: group names ``2025``/``2026`` look like numbers and were drawn as a
linear axis reading ``2,024.5 / 2025 / 2,025.5``; years on a ``tickformat="d"`` axis read ``2025 2025 2025``.
These tests read the figure dicts the page hands to ``Plotly.newPlot`` (the browser test reads the drawn ticks).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from policytext.reports import analysis, charts

CATS = pd.DataFrame({"category": ["a", "b"], "label": ["甲维度", "乙维度"], "polarity": [1, -1],
                     "mean_per10k": [2.0, 1.0], "share_docs": [0.5, 0.25]})


def _groups(names, n, means=None):
    rows = []
    for i, (g, k) in enumerate(zip(names, n)):
        m = means[i] if means else float(i)
        rows.append({"column": "year", "group": g, "n": k, "mean_index": m,
                     "ci_low": m - 1 if k >= analysis.MIN_CI_N else math.nan,
                     "ci_high": m + 1 if k >= analysis.MIN_CI_N else math.nan,
                     "per10k_a": 1.0 + i, "per10k_b": 0.5})
    return pd.DataFrame(rows)


def test_year_groups_are_categories_in_the_heat_map_and_the_interval_chart():
    g = _groups(["2025", "2026"], [31, 31], [16.8, 15.5])
    heat = charts.group_heatmap(g, CATS)
    assert heat["layout"]["yaxis"]["type"] == "category"
    assert heat["layout"]["yaxis"]["categoryarray"] == ["2025", "2026"]  # highest mean first, reversed axis
    assert heat["layout"]["yaxis"]["autorange"] == "reversed"
    assert heat["layout"]["xaxis"]["type"] == "category"
    assert heat["layout"]["xaxis"]["categoryarray"] == ["甲维度", "乙维度"]
    ci = charts.group_ci(g, "year")
    assert ci["layout"]["yaxis"]["type"] == "category"
    assert ci["layout"]["yaxis"]["categoryarray"] == ["2026 (n=31)", "2025 (n=31)"]  # lowest at the bottom


def test_trend_ticks_are_whole_years_one_label_each():
    g = _groups(["2019", "2021", "2023"], [5, 6, 7]).assign(group=[2019.0, 2021.0, 2023.0])
    fig = charts.trend(g, "年份")
    x = fig["layout"]["xaxis"]
    assert x["type"] == "linear" and x["tickmode"] == "array"
    assert x["tickvals"] == [2019, 2020, 2021, 2022, 2023] and x["ticktext"] == ["2019", "2020", "2021", "2022", "2023"]
    assert x["range"] == [2018.5, 2023.5]
    assert fig["data"][0]["x"] == [2019, 2021, 2023]


def test_long_year_ranges_get_round_steps():
    t = charts.year_ticks(list(range(1954, 2026)))
    assert (t["tickmode"], t["tick0"], t["dtick"], t["tickformat"]) == ("linear", 1960, 10, "d")
    assert charts.year_ticks([2000, 2020])["dtick"] == 2
    assert charts.year_ticks([2025, 2026])["tickvals"] == [2025, 2026]


def test_one_year_is_not_a_trend():
    assert charts.trend(_groups(["2025"], [62]).assign(group=[2025.0]), "年份") is None


def test_groups_without_an_interval_draw_no_error_bar_and_an_open_marker():
    g = _groups(["甲", "乙", "丙"], [2, 5, 4], [3.0, 2.0, 1.0])
    fig = charts.group_ci(g, "region")
    assert fig["layout"]["yaxis"]["categoryarray"] == ["丙 (n=4)", "乙 (n=5)", "甲 (n=2)"]  # lowest mean first
    with_ci, without = fig["data"]
    assert with_ci["y"] == ["乙 (n=5)"] and with_ci["marker"]["symbol"] == "circle"
    assert with_ci["error_x"]["array"] == [1.0] and with_ci["error_x"]["arrayminus"] == [1.0]
    assert without["y"] == ["丙 (n=4)", "甲 (n=2)"] and without["marker"]["symbol"] == "circle-open"
    assert "error_x" not in without or not without["error_x"].get("array")  # no error bar, not even a cap
    assert without["customdata"][0] == ["n=4，文件太少，不计算区间"]


def test_counts_are_whole_numbers_on_their_axes():
    terms = pd.DataFrame({"term": ["共治", "网格化管理"], "hits": [3, 1], "docs": [2, 1], "polarity": [1, 1],
                          "category": ["共治与参与", "精明行政"]})
    fig = charts.term_bars(terms)
    assert fig["layout"]["xaxis"]["tickformat"] == ",d" and fig["layout"]["xaxis"]["dtick"] == 1
    assert fig["layout"]["yaxis"]["type"] == "category"
    hist = charts.histogram(pd.DataFrame({"index": [0.0, 1.5, 3.0, 10.0]}))
    assert hist["layout"]["yaxis"]["tickformat"] == ",d" and hist["layout"]["yaxis"]["dtick"] == 1
    many = charts.histogram(pd.DataFrame({"index": [1.0] * 50}))
    assert "dtick" not in many["layout"]["yaxis"]  # 50 documents in one bin: plotly's own whole-number steps


def test_category_bars_are_labelled_by_category_label_not_code():
    fig = charts.category_bars(CATS)
    assert fig["data"][0]["y"] == ["乙维度", "甲维度"] and fig["layout"]["yaxis"]["type"] == "category"
    assert "a" not in str(fig["data"][0]["customdata"])


def test_group_charts_show_the_largest_40_groups():
    g = _groups([f"地区{i:02d}" for i in range(45)], [1 + i for i in range(45)])
    fig = charts.group_ci(g, "region", max_groups=40)
    shown = [y for trace in fig["data"] for y in trace["y"]]
    assert len(shown) == 40 and "地区00 (n=1)" not in shown


@pytest.mark.parametrize("font", ["Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC"])
def test_the_font_stack_names_windows_macos_and_linux_fonts(font):
    from importlib import resources

    css = resources.files("policytext.reports").joinpath("assets/report.css").read_text("utf-8")
    assert f'"{font}"' in charts.FONT and f'"{font}"' in css
