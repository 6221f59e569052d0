"""The batch report as an Excel workbook (openpyxl).

Sheets, in order: ``summary``, ``scores``, ``categories``, ``terms``, ``evidence``, ``groups``, ``topics`` (only
when a topic model was fitted), ``errors``, ``manifest``. Each has two header rows, frozen, with a filter on the
second: row 1 the heading a reader needs (Chinese, or English with ``lang="en"``), row 2 the machine name that
scripts and formulas use (``pandas.read_excel(path, sheet_name=..., header=1)``). Every row is there (the page
may show fewer, and says so). Column widths are fitted to the content (CJK characters count double), numbers
stored as numbers, ``coverage`` as 1/0, and text cells
from documents that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return prefixed with ``'``
(:func:`policytext.reports.tables.neutralize_formulas`), so a spreadsheet shows them instead of running them.
"""

from __future__ import annotations

import json
import math
from copy import copy
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .analysis import MIN_CI_N
from .tables import neutralize_formulas, reproducible_zip

if TYPE_CHECKING:
    from .report import ReportData

__all__ = ["SHEETS", "write_workbook", "workbook_sheets"]

SHEETS = ("summary", "scores", "categories", "terms", "evidence", "groups", "topics", "errors", "manifest")
#: headings of a sheet whose columns mean something else than the same names elsewhere: (Chinese, English)
SHEET_HEADINGS = {"topics": {"topic_id": ("主题", "Topic"), "label": ("标签", "Label"),
                             "seeded_dimension": ("种子维度", "Seeded dimension"),
                             "top_terms": ("主要词语（权重）", "Top terms (weights)"), "coherence": ("一致性", "Coherence"),
                             "mean_share": ("平均占比", "Mean share"), "governance": ("治理主题", "Governance topic")}}


def _width(value) -> int:
    s = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    if isinstance(value, float):
        s = f"{value:.3f}"
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s[:200])


def summary_frame(data: ReportData) -> pd.DataFrame:
    s, cfg = data.summary, data.config
    rows = [
        ("title", "报告标题", data.title),
        ("n_inputs", "输入数", s["n_inputs"]),
        ("n_scored", "已评分文件数", s["n_scored"]),
        ("n_errors", "未能评分", s["n_errors"]),
        ("index_mean", "平均指数", s["index_mean"]),
        ("index_ci_low", "平均指数 95% 区间下限", s["index_ci_low"]),
        ("index_ci_high", "平均指数 95% 区间上限", s["index_ci_high"]),
        ("index_median", "指数中位数", s["index_median"]),
        ("index_sd", "指数标准差", s["index_sd"]),
        ("index_min", "最小指数", s["index_min"]),
        ("index_max", "最大指数", s["index_max"]),
        ("coverage_share", "至少命中一次正向维度的文件比例", s["coverage_share"]),
        ("negative_share", "指数为负的文件比例", s["negative_share"]),
        ("top_doc", "指数最高的文件", s["top_doc"]),
        ("top_index", "最高指数", s["top_index"]),
        ("bottom_doc", "指数最低的文件", s["bottom_doc"]),
        ("bottom_index", "最低指数", s["bottom_index"]),
        ("top_category", "平均频率最高的正向维度", s["top_category_label"]),
        ("lexicon", "词典", f"{cfg['lexicon']['name']} {cfg['lexicon']['version']}"),
        ("lexicon_sha256", "词典 SHA-256", cfg["lexicon"]["sha256"]),
        ("tokenizer", "分词引擎", cfg["tokenizer"]["engine"]),
        ("group_by", "分组列", ", ".join(data.group_columns)),
        ("time_column", "时间列", data.time["column"] if data.time else None),
        ("bootstrap_resamples", "自助法重抽样次数", data.n_resamples),
        ("seed", "随机种子", data.random_state),
    ]
    return pd.DataFrame([{"key": k, "item": label, "value": _plain(v)} for k, label, v in rows],
                        columns=["key", "item", "value"]).astype({"value": object})


def _plain(v):
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def manifest_frame(manifest: dict) -> pd.DataFrame:
    """The manifest flattened to ``key, value`` rows; the input files one row each (``inputs[i]``)."""
    rows = []
    for key, value in manifest.items():
        if key == "inputs":
            for i, f in enumerate(value):
                rows.append((f"inputs[{i}].path", f["path"]))
                rows.append((f"inputs[{i}].sha256", f["sha256"]))
        elif isinstance(value, dict):
            for k2, v2 in value.items():
                rows.append((f"{key}.{k2}", v2 if not isinstance(v2, (dict, list)) else json.dumps(v2, ensure_ascii=False)))
        elif isinstance(value, list):
            rows.append((key, json.dumps(value, ensure_ascii=False)))
        else:
            rows.append((key, value))
    return pd.DataFrame(rows, columns=["key", "value"]).astype({"value": object})


def _with_labels(df: pd.DataFrame, data: ReportData) -> pd.DataFrame:
    """``df`` with a ``label`` column (the category's label) after its ``category`` column."""
    out = df.copy()
    out.insert(list(out.columns).index("category") + 1, "label",
               [data.labels.categories(c) for c in out["category"]] if len(out) else pd.Series([], dtype=object))
    return out


def workbook_sheets(data: ReportData) -> dict[str, pd.DataFrame]:
    """The sheets of the workbook, by name, before formula neutralisation."""
    groups = [g.assign(kind="group") for g in data.group_tables.values()]
    if data.time is not None:
        groups.append(data.time["table"].assign(kind="year", group=data.time["table"]["group"].astype("int64")))
    groups_df = pd.concat(groups, ignore_index=True) if groups else pd.DataFrame(
        columns=["kind", "column", "group", "n", "mean_index", "ci_low", "ci_high"])
    if "kind" in groups_df.columns:
        groups_df = groups_df[["kind", *[c for c in groups_df.columns if c != "kind"]]]
    if len(groups_df):
        groups_df["group"] = groups_df["group"].astype(object)
        at = list(groups_df.columns).index("ci_high") + 1
        groups_df.insert(at, "ci_note", [f"n<{MIN_CI_N}，不计算区间" if n < MIN_CI_N else None
                                         for n in groups_df["n"]])
    scores = data.scores.copy()
    for col in ("coverage", "short"):
        if col in scores.columns:
            scores[col] = scores[col].map(lambda v: None if v is None or v != v else int(bool(v))).astype("Int64")
    sheets = {
        "summary": summary_frame(data),
        "scores": scores,
        "categories": data.categories,
        "terms": _with_labels(data.terms, data),
        "evidence": _with_labels(data.evidence, data),
        "groups": groups_df,
    }
    if data.topics is not None:
        sheets["topics"] = data.topics["topics"]
    sheets["errors"] = data.errors
    # times and the command line stay in manifest.json: the workbook is the same for the same inputs and settings
    sheets["manifest"] = manifest_frame({k: v for k, v in data.manifest.items()
                                         if k not in ("started_utc", "finished_utc", "command", "outputs")})
    return sheets


def write_workbook(data: ReportData, path) -> None:
    """Write the report workbook to ``path`` (not atomically: the report folder is swapped in as a whole).

    openpyxl's write-only mode streams each sheet's rows into its XML (``DataFrame.to_excel`` builds a cell
    object per value, then styles the float cells one by one: about 3x slower on a report's evidence sheet)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from ..io import excel_cells

    bold = Font(bold=True)
    machine = Font(color="718096", size=9)
    wb = Workbook(write_only=True)
    for name, df in workbook_sheets(data).items():
        safe = neutralize_formulas(df)
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A3"
        if len(df.columns):
            ws.auto_filter.ref = f"A2:{get_column_letter(len(df.columns))}{max(2, len(df) + 2)}"
        headings, names, columns = [], [], []
        for i, col in enumerate(df.columns, start=1):
            own = SHEET_HEADINGS.get(name, {}).get(col)
            heading = own[data.labels.lang != "zh"] if own else data.labels.column(col)
            headings.append(WriteOnlyCell(ws, value=heading))
            headings[-1].font = bold
            names.append(WriteOnlyCell(ws, value=col))
            names[-1].font = machine
            sample = safe[col].head(300).tolist()
            width = max([_width(col), _width(heading)] + [_width(v) for v in sample])
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
            values = excel_cells(safe[col].tolist())
            if pd.api.types.is_float_dtype(df[col]):  # three decimals shown, every digit stored
                template = WriteOnlyCell(ws)
                template.number_format = "0.000"
                values = [v if v is None or isinstance(v, str) else _styled(WriteOnlyCell(ws, v), template._style)
                          for v in values]  # a missing value stays empty, an infinity is the text inf
            columns.append(values)
        if headings:
            ws.append(headings)
            ws.append(names)
        for row in zip(*columns):
            ws.append(row)
    wb.save(path)
    Path(path).write_bytes(reproducible_zip(Path(path).read_bytes()))  # same content, same bytes


def _styled(cell, style):
    """``cell`` with a copy of ``style`` (what setting ``number_format`` gives, without looking the format up
    again for every cell)."""
    cell._style = copy(style)
    return cell
