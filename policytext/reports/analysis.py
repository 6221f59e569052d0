"""The numbers of a batch report, computed from a score table and its evidence.

Every function here takes DataFrames and returns DataFrames or plain values; nothing is drawn or written.

* :func:`bootstrap_mean_ci`: percentile bootstrap confidence interval of a mean, seeded with
  ``numpy.random.default_rng(random_state)``. Each group gets a generator of its own built from the same seed, so the
  interval of a group does not depend on which other groups exist or on their order.
* :func:`group_table`: per value of a metadata column, the number of documents, the mean index with its
  bootstrap interval, the median, coverage and the mean rate of every category.
* :func:`find_time_column`: a ``year`` column (``year``, ``年份``, ``年度``) or, failing that, a date column
  (a name with ``date``, ``日期`` or ``时间``) from which the year is taken.
* :func:`term_table`, :func:`evidence_table`, :func:`category_table`: top terms, keyword-in-context lines for
  the top documents, category profiles.

>>> bootstrap_mean_ci([0.0, 10.0], random_state=0)  # resampled means 0, 5, 10 with chances 1/4, 1/2, 1/4
(5.0, 0.0, 10.0)
>>> bootstrap_mean_ci([5.0])  # one value: no interval
(5.0, nan, nan)
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Iterable

import numpy as np
import pandas as pd

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..corpus import Corpus
    from ..lexicon import Lexicon

__all__ = [
    "MIN_CI_N",
    "MISSING_GROUP",
    "analyst_scores",
    "bootstrap_mean_ci",
    "category_table",
    "evidence_table",
    "find_time_column",
    "group_table",
    "numeric_metadata",
    "reader_order",
    "summary_facts",
    "term_table",
    "topic_tables",
]

#: the group label of documents whose value in a group-by column is empty
MISSING_GROUP = "（缺失）"
N_RESAMPLES = 1000
#: groups with fewer documents get a mean and n but no interval: a percentile bootstrap of 2-4 values is not an
#: interval anyone should read (with n = 2 it can only take the two values themselves as bounds)
MIN_CI_N = 5
_YEAR_NAMES = ("year", "年份", "年度", "年")
_DATE_HINTS = ("date", "日期", "时间", "time")
_NUMBER = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")


def bootstrap_mean_ci(values: Iterable[float], *, n_resamples: int = N_RESAMPLES, random_state: int = 0,
                      level: float = 0.95) -> tuple[float, float, float]:
    """``(mean, low, high)``: the mean of ``values`` and its percentile bootstrap interval.

    ``n_resamples`` resamples with replacement, drawn by ``numpy.random.default_rng(random_state)``; the bounds are
    the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of the resampled means. With fewer than two
    values there is no interval: the bounds are NaN (and the mean too when there is no value).
    """
    v = np.asarray(list(values) if not isinstance(values, (np.ndarray, pd.Series)) else values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(v.mean())
    if n < 2:
        return mean, math.nan, math.nan
    rng = np.random.default_rng(random_state)
    means = np.empty(n_resamples)
    chunk = max(1, 4_000_000 // n)  # bound memory: at most ~4M indices at once
    for lo in range(0, n_resamples, chunk):
        hi = min(n_resamples, lo + chunk)
        means[lo:hi] = v[rng.integers(0, n, size=(hi - lo, n))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return mean, float(low), float(high)


def numeric_metadata(df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """A copy of ``df`` in which metadata columns whose every value is a plain number become numeric.

    Metadata is read as text (``0012`` stays ``0012``); a column of ``2019``, ``-3`` or ``4.5`` only is
    converted, so that spreadsheets store numbers as numbers. Leading zeros or any other text keep the column
    as text.

    >>> numeric_metadata(pd.DataFrame({"y": ["2019", "-3"], "z": ["0012", "7"]}), ["y", "z"]).dtypes.tolist()
    [dtype('int64'), dtype('O')]
    """
    out = df.copy()
    for col in columns:
        if col not in out.columns:
            continue
        s = out[col]
        present = s.dropna()
        if len(present) == 0 or not all(isinstance(x, str) and _NUMBER.match(x) for x in present):
            if not pd.api.types.is_numeric_dtype(s):
                out[col] = s.astype(object).where(s.notna(), None)
            continue
        num = pd.to_numeric(s)
        if num.notna().all() and all("." not in x for x in present):
            num = num.astype("int64")
        out[col] = num
    return out


def find_time_column(df: pd.DataFrame, candidates: Iterable[str]) -> tuple[str, pd.Series] | None:
    """``(column, year)`` for the first column among ``candidates`` that holds years or dates, else None.

    A column named ``year``, ``年份``, ``年度`` or ``年`` (any case) counts when at least half of its non-empty
    values are whole numbers between 1800 and 2200; otherwise a column whose name contains ``date``, ``日期``,
    ``时间`` or ``time`` counts when at least half of its non-empty values parse as dates. ``year`` is a float
    Series aligned with ``df`` (NaN where there is no year).
    """
    cols = list(candidates)
    for col in cols:
        if col.lower() in _YEAR_NAMES:
            year = pd.to_numeric(df[col], errors="coerce")
            ok = year.where((year >= 1800) & (year <= 2200) & (year == year.round()))
            if _mostly(df[col], ok):
                return col, ok.astype(float)
    for col in cols:
        if any(h in col.lower() for h in _DATE_HINTS):
            text = df[col].astype(object).where(df[col].notna(), None)
            dates = pd.to_datetime(text, errors="coerce", format="mixed")
            year = dates.dt.year.astype(float)
            if _mostly(df[col], year):
                return col, year
    return None


def _mostly(raw: pd.Series, parsed: pd.Series) -> bool:
    present = raw.notna() & (raw.astype(str).str.strip() != "")
    return bool(present.sum()) and parsed[present].notna().mean() >= 0.5


def _group_labels(s: pd.Series) -> pd.Series:
    return s.astype(object).map(lambda v: MISSING_GROUP if v is None or (isinstance(v, float) and math.isnan(v))
                                or str(v).strip() == "" else str(v))


def count_flags(s: pd.Series) -> int:
    """How many values of a flag column (``short``, ``coverage``) are true; missing values count as false."""
    return int(sum(1 for v in s if v is not None and v == v and bool(v)))


def group_table(scores: pd.DataFrame, column: str, categories: list[str], *, keys: pd.Series | None = None,
                n_resamples: int = N_RESAMPLES, random_state: int = 0, sort: str = "mean",
                min_ci_n: int = MIN_CI_N) -> pd.DataFrame:
    """One row per group of ``column``: ``n``, ``mean_index`` with ``ci_low``/``ci_high`` (bootstrap, 95%),
    ``median_index``, ``sd_index``, ``coverage_share``, ``mean_index_positive``, ``mean_index_contrast`` and
    ``per10k_<c>`` (mean rate of each category). Where the scores carry them, ``mean_sentence_share`` (mean
    ``sentence_share``) follows the interval and ``n_short`` (documents flagged ``short``) follows ``n``.

    Groups of fewer than ``min_ci_n`` documents get no interval: ``ci_low`` and ``ci_high`` are NaN.

    ``keys`` replaces the column's values (e.g. years parsed from a date column); rows whose key is NaN are
    left out when ``keys`` is given, and grouped as ``（缺失）`` otherwise. ``sort`` is ``"mean"`` (highest
    first, ties by group) or ``"key"`` (ascending, for time).
    """
    if keys is None:
        if column not in scores.columns:
            raise ConfigError(f"no column {column!r} to group by; columns: {', '.join(map(str, scores.columns))}")
        keys = _group_labels(scores[column])
        frame = scores.assign(_key=keys.values)
    else:
        frame = scores.assign(_key=keys.values)
        frame = frame[frame["_key"].notna()]
    rows = []
    for key, g in frame.groupby("_key", sort=True):
        mean, low, high = bootstrap_mean_ci(g["index"].to_numpy(float), n_resamples=n_resamples,
                                            random_state=random_state)
        if len(g) < min_ci_n:
            low = high = math.nan
        row = {"column": column, "group": key, "n": int(len(g)), "mean_index": mean, "ci_low": low, "ci_high": high,
               "median_index": float(g["index"].median()),
               "sd_index": float(g["index"].std(ddof=1)) if len(g) > 1 else math.nan,
               "coverage_share": float(g["coverage"].mean()),
               "mean_index_positive": float(g["index_positive"].mean()),
               "mean_index_contrast": float(g["index_contrast"].mean())}
        if "sentence_share" in g.columns:
            row["mean_sentence_share"] = float(g["sentence_share"].mean())
        if "short" in g.columns:
            row["n_short"] = count_flags(g["short"])
        for c in categories:
            row[f"per10k_{c}"] = float(g[f"per10k_{c}"].mean())
        rows.append(row)
    cols = ["column", "group", "n", *(["n_short"] if "short" in scores.columns else []), "mean_index", "ci_low",
            "ci_high", *(["mean_sentence_share"] if "sentence_share" in scores.columns else []), "median_index", "sd_index", "coverage_share", "mean_index_positive", "mean_index_contrast",
            *[f"per10k_{c}" for c in categories]]
    out = pd.DataFrame(rows, columns=cols)
    if sort == "mean":
        out = out.sort_values(["mean_index", "group"], ascending=[False, True], key=None, kind="mergesort")
    else:
        out = out.sort_values("group", kind="mergesort")
    return out.reset_index(drop=True)


def category_table(scores: pd.DataFrame, hits: pd.DataFrame, lexicon: Lexicon) -> pd.DataFrame:
    """One row per lexicon category: label, polarity, weight, number of terms, documents with a hit, their
    share, all hits, and the mean and median rate per 10,000 characters."""
    rows = []
    n = max(len(scores), 1)
    for c in lexicon.categories:
        cat = lexicon.category(c)
        col = scores[f"hits_{c}"] if len(scores) else pd.Series([], dtype="int64")
        rate = scores[f"per10k_{c}"] if len(scores) else pd.Series([], dtype=float)
        rows.append({"category": c, "label": cat.label or c, "label_en": cat.label_en, "polarity": int(cat.polarity),
                     "weight": float(cat.weight), "n_terms": len(lexicon.terms_of(c)),
                     "docs_with_hits": int((col > 0).sum()), "share_docs": float((col > 0).sum() / n),
                     "hits": int(col.sum()), "mean_per10k": float(rate.mean()) if len(rate) else math.nan,
                     "median_per10k": float(rate.median()) if len(rate) else math.nan})
    return pd.DataFrame(rows, columns=["category", "label", "label_en", "polarity", "weight", "n_terms",
                                       "docs_with_hits", "share_docs", "hits", "mean_per10k", "median_per10k"])


def _spans(hits: pd.DataFrame) -> pd.DataFrame:
    """One row per matched span (a term listed in two categories is one span with categories joined by /)."""
    cols = ["doc_id", "start", "end", "term", "category", "polarity", "weight"]
    if hits.empty:
        return pd.DataFrame(columns=cols)
    key = ["doc_id", "start", "end", "term"]
    shared = hits.duplicated(key, keep=False)  # rare: a term listed in two categories
    if not shared.any():
        return hits[cols].reset_index(drop=True)
    multi = (hits[shared].assign(_order=hits.index[shared]).groupby(key, sort=False)
             .agg(category=("category", "/".join), polarity=("polarity", "max"), weight=("weight", "max"),
                  _order=("_order", "min")).reset_index())
    single = hits.loc[~shared, cols].assign(_order=hits.index[~shared])
    return (pd.concat([single, multi[[*cols, "_order"]]]).sort_values("_order", kind="mergesort")
            .drop(columns="_order").reset_index(drop=True))


def term_table(scores: pd.DataFrame, hits: pd.DataFrame, group_columns: Iterable[str] = (), *,
               top: int | None = None, top_per_group: int | None = 10,
               max_groups: int | None = None) -> pd.DataFrame:
    """Terms overall (``scope_column`` empty, ``scope`` ``全部``; the ``top`` most frequent, all with None) and
    the ``top_per_group`` most frequent per group of each group column:
    ``scope_column, scope, rank, term, category, polarity, hits, docs``. Ties are ordered by term.
    Every group is listed unless ``max_groups`` limits each column to its largest groups."""
    spans = _spans(hits)
    cols = ["scope_column", "scope", "rank", "term", "category", "polarity", "hits", "docs"]
    parts = [_top_terms(spans, top).assign(scope_column="", scope="全部")]
    for col in group_columns:
        labels = _group_labels(scores[col])
        sizes = labels.value_counts()
        chosen = sorted(sizes.index, key=lambda g: (-sizes[g], g))[:max_groups]
        doc_group = dict(zip(scores["doc_id"], labels))
        grouped = spans.assign(_g=spans["doc_id"].map(doc_group))
        by_group = dict(tuple(grouped.groupby("_g", sort=False))) if len(grouped) else {}
        for g in chosen:
            part = by_group.get(g, grouped.iloc[:0])
            parts.append(_top_terms(part, top_per_group).assign(scope_column=col, scope=g))
    out = pd.concat([p for p in parts if len(p)] or [pd.DataFrame(columns=cols)], ignore_index=True)
    return out[cols]


def _top_terms(spans: pd.DataFrame, top: int | None) -> pd.DataFrame:
    if spans.empty:
        return pd.DataFrame(columns=["rank", "term", "category", "polarity", "hits", "docs"])
    t = (spans.groupby("term", sort=True)
         .agg(category=("category", "first"), polarity=("polarity", "max"), hits=("doc_id", "size"),
              docs=("doc_id", "nunique")).reset_index())
    t = t.sort_values(["hits", "docs", "term"], ascending=[False, False, True], kind="mergesort")
    if top is not None:
        t = t.head(top)
    t.insert(0, "rank", range(1, len(t) + 1))
    t[["hits", "docs", "polarity"]] = t[["hits", "docs", "polarity"]].astype("int64")
    return t.reset_index(drop=True)


def evidence_table(scores: pd.DataFrame, hits: pd.DataFrame, corpus: Corpus | None, *, n_docs: int = 10,
                   per_doc: int = 6, window: int = 30, t2s: bool = True, title_column: str | None = None,
                   progress=None) -> pd.DataFrame:
    """Keyword-in-context lines for the ``n_docs`` documents with the highest index.

    Per document at most ``per_doc`` lines: first one line per distinct term (heaviest weight first, then
    order in the text), then further occurrences in text order. ``window`` characters of context come from the
    normalised text (the text the offsets refer to); without a ``corpus`` the 12 characters of the evidence
    table are used. Columns: ``rank, doc_id, title, index, term, category, polarity, start, end, left, match,
    right``.
    """
    from ..normalize import normalize_text

    cols = ["rank", "doc_id", "title", "index", "term", "category", "polarity", "start", "end", "left", "match",
            "right"]
    ranked = scores.sort_values(["index", "doc_id"], ascending=[False, True], kind="mergesort").head(n_docs)
    spans = _spans(hits)
    by_doc = {d: g for d, g in spans.groupby("doc_id", sort=False)} if len(spans) else {}
    raw = {d: g for d, g in hits.groupby("doc_id", sort=False)} if len(hits) else {}
    if progress is not None:
        progress.total = len(ranked)
    rows = []
    for rank, r in enumerate(ranked.itertuples(index=False), start=1):
        doc_id = r.doc_id
        g = by_doc.get(doc_id)
        if g is not None and len(g):
            g = g.sort_values(["start"], kind="mergesort")
            firsts = g.drop_duplicates("term").sort_values(["weight", "start"], ascending=[False, True],
                                                           kind="mergesort")
            rest = g.drop(index=firsts.index)
            chosen = pd.concat([firsts, rest]).head(per_doc).sort_values("start", kind="mergesort")
            text = None
            if corpus is not None:
                try:
                    text = normalize_text(corpus[doc_id].text, t2s=t2s)
                except (KeyError, IndexError):
                    text = None
            ctx = raw.get(doc_id)
            for h in chosen.itertuples(index=False):
                if text is not None:
                    left, right = text[max(0, h.start - window):h.start], text[h.end:h.end + window]
                else:
                    m = ctx[(ctx["start"] == h.start)].iloc[0]
                    left, right = m["left"], m["right"]
                rows.append({"rank": rank, "doc_id": doc_id,
                             "title": getattr(r, title_column) if title_column else None,
                             "index": float(r.index), "term": h.term, "category": h.category,
                             "polarity": int(h.polarity), "start": int(h.start), "end": int(h.end),
                             "left": _flat(left), "match": h.term, "right": _flat(right)})
        if progress is not None:
            progress.update(1)
    return pd.DataFrame(rows, columns=cols)


def _flat(s: str) -> str:
    return re.sub(r"\s+", " ", s)


def summary_facts(scores: pd.DataFrame, categories: pd.DataFrame, *, n_inputs: int, n_errors: int,
                  n_resamples: int = N_RESAMPLES, random_state: int = 0) -> dict:
    """The headline numbers: counts, index mean (with bootstrap interval, none below ``MIN_CI_N`` documents),
    median, spread, coverage, the highest and lowest documents, the category with the highest mean rate, and,
    where the scores carry them, the mean ``sentence_share`` and the number of ``short`` documents (else None)."""
    idx = scores["index"].to_numpy(float)
    mean, low, high = bootstrap_mean_ci(idx, n_resamples=n_resamples, random_state=random_state)
    if len(idx) < MIN_CI_N:
        low = high = math.nan
    ranked = scores.sort_values(["index", "doc_id"], ascending=[False, True], kind="mergesort")
    pos = categories[categories["polarity"] > 0].sort_values(["mean_per10k", "category"], ascending=[False, True])
    return {
        "n_inputs": int(n_inputs), "n_scored": int(len(scores)), "n_errors": int(n_errors),
        "index_mean": mean, "index_ci_low": low, "index_ci_high": high,
        "index_median": float(np.median(idx)) if len(idx) else math.nan,
        "index_sd": float(np.std(idx, ddof=1)) if len(idx) > 1 else math.nan,
        "index_min": float(idx.min()) if len(idx) else math.nan,
        "index_max": float(idx.max()) if len(idx) else math.nan,
        "coverage_share": float(scores["coverage"].mean()) if len(scores) else math.nan,
        "negative_share": float((scores["index"] < 0).mean()) if len(scores) else math.nan,
        "top_doc": ranked["doc_id"].iloc[0] if len(ranked) else None,
        "top_index": float(ranked["index"].iloc[0]) if len(ranked) else math.nan,
        "bottom_doc": ranked["doc_id"].iloc[-1] if len(ranked) else None,
        "bottom_index": float(ranked["index"].iloc[-1]) if len(ranked) else math.nan,
        "top_category": pos["category"].iloc[0] if len(pos) else None,
        "top_category_label": pos["label"].iloc[0] if len(pos) else None,
        "top_category_mean": float(pos["mean_per10k"].iloc[0]) if len(pos) else math.nan,
        "sentence_share_mean": (float(scores["sentence_share"].mean()) if "sentence_share" in scores.columns
                                and len(scores) else None),
        "n_short": count_flags(scores["short"]) if "short" in scores.columns else None,
    }


def topic_tables(documents: pd.DataFrame, topics: pd.DataFrame, scores: pd.DataFrame) -> dict:
    """Summaries of a fitted topic model (``TopicsResult.documents`` and ``.topics``) for the report.

    Returns ``topics`` (the topic table with ``mean_share``, the mean share of each topic over documents),
    ``shares`` (one row per document: ``doc_id``, the ``topic_<i>`` columns, ``governance_share`` and, from the
    anchored ensemble, its ``_sd``, ``_p05``, ``_p95`` and ``_nonseed`` columns and the two other topics'
    labels, and the document's ``index`` where it was scored) and ``spearman`` (rank correlation of
    ``governance_share`` with ``index``, NaN with fewer than three documents).
    """
    topic_cols = [c for c in documents.columns if re.fullmatch(r"topic_\d+", str(c))]
    t = topics.copy()
    means = {f"topic_{int(i)}": float(documents[f"topic_{int(i)}"].mean()) if f"topic_{int(i)}" in documents else
             math.nan for i in t["topic_id"]}
    t["mean_share"] = [means[f"topic_{int(i)}"] for i in t["topic_id"]]
    extra = [c for c in ("governance_share", "governance_share_sd", "governance_share_p05", "governance_share_p95",
                         "governance_share_nonseed", "other_topic_1_label", "other_topic_2_label")
             if c in documents.columns]
    keep = ["doc_id", *topic_cols, *extra]
    shares = documents[keep].merge(scores[["doc_id", "index"]], on="doc_id", how="left")
    rho = math.nan
    if "governance_share" in shares.columns:
        both = shares[["governance_share", "index"]].dropna()
        if len(both) >= 3 and both["governance_share"].nunique() > 1 and both["index"].nunique() > 1:
            rho = float(both.corr(method="spearman").iloc[0, 1])
    return {"topics": t, "shares": shares, "topic_columns": topic_cols, "spearman": rho}


#: decimals of the analyst's ``scores.csv``: rates and the index to 2, shares (0-1) to 3
RATE_DECIMALS = 2
SHARE_DECIMALS = 3
_SCORE_LEAD = ("index", "sentence_share", "index_positive", "index_contrast", "coverage", "short", "n_chars",
               "n_tokens", "n_sentences", "sentences_positive", "hits_total", "n_terms", "top_terms")
_PER_CATEGORY = ("per10k_", "hits_", "per1ktok_", "sentence_share_")


def reader_order(scores: pd.DataFrame, categories: Iterable[str], meta_columns: Iterable[str],
                 title_column: str | None = None) -> list[str]:
    """The columns of a score table in the order a reader needs them: ``rank``, ``doc_id``, the title, the
    other metadata, ``index``, ``sentence_share`` (when present), the other document-level scores, then per
    category (lexicon order) its rate per 10,000 characters, hits, rate per 1,000 tokens and sentence share,
    then anything else (e.g. ``crude_rejected``).

    >>> reader_order(pd.DataFrame(columns=["doc_id", "index", "hits_a", "per10k_a", "year", "rank"]), ["a"], ["year"])
    ['rank', 'doc_id', 'year', 'index', 'per10k_a', 'hits_a']
    """
    have = list(scores.columns)
    meta = [c for c in meta_columns if c in have]
    if title_column in meta:
        meta = [title_column] + [c for c in meta if c != title_column]
    order = [c for c in ("rank", "doc_id") if c in have] + meta
    order += [c for c in _SCORE_LEAD if c in have]
    for cat in categories:
        order += [f"{p}{cat}" for p in _PER_CATEGORY if f"{p}{cat}" in have]
    return order + [c for c in have if c not in order]


def analyst_scores(scores: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The score table as ``scores.csv`` of a report writes it, and the decimals of each rounded column.

    Rates (``index``, ``index_positive``, ``index_contrast``, ``per10k_*``, ``per1ktok_*``) are rounded to 2
    decimals, shares (``sentence_share``, ``sentence_share_*``) to 3; ``coverage`` and ``short`` become 1/0
    (the mean of the column is then the share of documents). Other columns are unchanged.
    """
    out = scores.copy()
    rounding: dict[str, int] = {}
    for col in out.columns:
        name = str(col)
        if name in ("coverage", "short"):
            out[col] = out[col].map(lambda v: None if v is None or v != v else int(bool(v))).astype("Int64")
        elif not pd.api.types.is_float_dtype(out[col]):
            continue
        elif name == "sentence_share" or name.startswith("sentence_share_"):
            rounding[name] = SHARE_DECIMALS
        elif name.startswith(("index", "per10k_", "per1ktok_")):
            rounding[name] = RATE_DECIMALS
        if name in rounding:
            out[col] = out[col].round(rounding[name])
    return out, rounding
