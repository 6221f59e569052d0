"""Validation: how well a score agrees with human labels, known groups, and the other measures.

Statistics (each a plain function of two arrays):

* :func:`auroc`: the probability that a randomly chosen positive scores higher than a randomly chosen negative,
  ties counting one half (the Mann-Whitney U statistic divided by ``n_pos × n_neg``);
* :func:`spearman`: Pearson's correlation of the ranks (tied values get their average rank);
* :func:`precision_recall`: with ``score >= threshold`` predicted positive, precision ``TP / (TP + FP)`` and
  recall ``TP / (TP + FN)``.

Intervals (:func:`bootstrap_ci`): percentile bootstrap, ``n_resamples`` resamples of the rows with replacement
drawn by ``numpy.random.default_rng(random_state)``; with binary labels the resampling is **stratified** (positives and
negatives are resampled separately, so each resample keeps the class sizes, as pROC does for AUROC). A resample
on which the statistic is undefined (a constant column for Spearman) is left out and counted.

Tables:

* :func:`validate_scores`: every score column against a label column: AUROC, Spearman, precision and recall at
  a threshold (binary labels), or Spearman alone (ordinal labels), each with its interval.
* :func:`validate_hits`: for coded keyword-in-context lines (``policytext sample --unit kwic``), the share of
  hits the coders accepted (precision of the matcher), overall, per category and per term, and the share of
  passages from documents without hits that the coders marked positive (what the lexicon misses).
* :func:`triangulate`: Spearman correlations between measures (lexicon ``index``, topic ``governance_share``,
  scaling ``scale_score``), with intervals.
* :func:`validate_measures`: what ``policytext validate`` runs: whichever of the above the tables allow.

>>> auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
0.75
>>> auroc([1, 1, 2], [0, 1, 1])  # the tie between the negative and a positive counts 1/2
0.75
>>> spearman([1, 2, 3, 4], [10, 20, 40, 30])
0.8
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import numpy as np

from .errors import ColumnError, ConfigError
from .io import read_table as read_labels  # a label or score table is read as any table policytext wrote

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "RESULT_COLUMNS",
    "auroc",
    "bootstrap_ci",
    "binary_labels",
    "precision_recall",
    "read_labels",
    "spearman",
    "triangulate",
    "f1_score",
    "read_gold",
    "rejection_calls",
    "score_gold",
    "validate_gold",
    "validate_hits",
    "validate_measures",
    "validate_scores",
]

N_RESAMPLES = 2000
#: columns of every table this module returns
RESULT_COLUMNS = ["measure", "metric", "against", "value", "ci_low", "ci_high", "n", "n_positive", "threshold",
                  "note"]
_YES = {"1", "1.0", "y", "yes", "true", "t", "x", "pos", "positive", "accept", "accepted", "是", "对", "有", "✓", "√"}
_NO = {"0", "0.0", "n", "no", "false", "f", "neg", "negative", "reject", "rejected", "否", "不", "无", "没有", "×"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# -- statistics ------------------------------------------------------------------------------------------
def _ranks(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(x, method="average")


def auroc(scores: Sequence[float], labels: Sequence[int | bool]) -> float:
    """Area under the ROC curve of ``scores`` for binary ``labels`` (1/True positive); NaN without both classes.

    Equals the share of (positive, negative) pairs in which the positive scores higher, ties counting 1/2.
    """
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels).astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    r = _ranks(s)
    u = r[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (average ranks for ties); NaN if either side is constant or n < 2."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(a) != len(b):
        raise ConfigError(f"spearman needs two sequences of the same length, got {len(a)} and {len(b)}")
    if len(a) < 2:
        return math.nan
    ra, rb = _ranks(a), _ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = math.sqrt(float((ra * ra).sum() * (rb * rb).sum()))
    if den == 0:
        return math.nan
    return round(float((ra * rb).sum() / den), 12)


def precision_recall(scores: Sequence[float], labels: Sequence[int | bool], threshold: float) -> tuple[float, float]:
    """``(precision, recall)`` when ``score >= threshold`` is predicted positive; NaN where undefined.

    >>> precision_recall([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.35)
    (0.6666666666666666, 1.0)
    """
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels).astype(bool)
    pred = s >= threshold
    tp = int((pred & y).sum())
    n_pred, n_pos = int(pred.sum()), int(y.sum())
    return (tp / n_pred if n_pred else math.nan), (tp / n_pos if n_pos else math.nan)


def bootstrap_ci(statistic: Callable[..., float], *arrays: Sequence, n_resamples: int = N_RESAMPLES,
                 random_state: int = 0, strata: Sequence | None = None,
                 level: float = 0.95) -> tuple[float, float, int]:
    """``(low, high, n_valid)``: percentile bootstrap interval of ``statistic(*arrays)``.

    Rows are resampled with replacement (all arrays with the same indices), ``n_resamples`` times, by
    ``numpy.random.default_rng(random_state)``; with ``strata`` each stratum is resampled separately and keeps its
    size. Resamples on which the statistic is NaN are left out; ``n_valid`` counts the others. The bounds are
    the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles (NaN if no resample was valid).

    >>> # one positive (1.0), two negatives (0.0, 2.0): the negatives resample to {0,0}, {0,2}, {2,2} with
    >>> # chances 1/4, 1/2, 1/4, giving AUROC 1, 0.5, 0; the 95% interval spans them all
    >>> bootstrap_ci(auroc, [1.0, 0.0, 2.0], [1, 0, 0], strata=[1, 0, 0], random_state=0)
    (0.0, 1.0, 2000)
    """
    arrs = [np.asarray(a) for a in arrays]
    n = len(arrs[0])
    if any(len(a) != n for a in arrs):
        raise ConfigError("bootstrap_ci needs arrays of the same length")
    if n == 0:
        return math.nan, math.nan, 0
    rng = np.random.default_rng(random_state)
    groups = None
    if strata is not None:
        st = np.asarray(strata)
        groups = [np.flatnonzero(st == v) for v in sorted(set(st.tolist()), key=str)]
    values = np.empty(n_resamples)
    for i in range(n_resamples):
        if groups is None:
            idx = rng.integers(0, n, size=n)
        else:
            idx = np.concatenate([g[rng.integers(0, len(g), size=len(g))] for g in groups])
        values[i] = statistic(*(a[idx] for a in arrs))
    valid = values[~np.isnan(values)]
    if not len(valid):
        return math.nan, math.nan, 0
    low, high = np.quantile(valid, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high), int(len(valid))


def binary_labels(values: "pd.Series", positive=None) -> "tuple[pd.Series | None, str]":
    """Map a label column to 0/1, or ``(None, reason)`` if it is not binary.

    ``positive`` names the positive value; otherwise 0/1 (numbers or text), and yes/no words (``yes``, ``是``,
    ``true``, ``x`` ... / ``no``, ``否`` ...) are recognised. Empty cells stay NaN (uncoded).
    """
    import pandas as pd

    s = values.copy()
    present = s.dropna()
    if positive is not None:
        pos = str(positive).strip()
        return s.map(lambda v: math.nan if pd.isna(v) else float(str(v).strip() == pos or _num_eq(v, pos))), ""
    keys = {str(v).strip().lower() for v in present}
    if keys <= (_YES | _NO):
        return s.map(lambda v: math.nan if pd.isna(v) else float(str(v).strip().lower() in _YES)), ""
    return None, f"values {', '.join(sorted(keys)[:8])}{' ...' if len(keys) > 8 else ''}"


def _num_eq(v, pos: str) -> bool:
    try:
        return float(v) == float(pos)
    except (TypeError, ValueError):
        return False


def _row(measure, metric, against, value, low=math.nan, high=math.nan, n=0, n_positive=None, threshold=None,
         note="") -> dict:
    return {"measure": measure, "metric": metric, "against": against, "value": value, "ci_low": low, "ci_high": high,
            "n": n, "n_positive": n_positive, "threshold": threshold, "note": note}


def _frame(rows: list[dict]) -> "pd.DataFrame":
    import pandas as pd

    df = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    df["n"] = df["n"].astype("int64")
    df["n_positive"] = df["n_positive"].astype("Int64")
    return df


def _require(df: "pd.DataFrame", columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ColumnError(f"{what} has no column {', '.join(repr(c) for c in missing)}; columns: "
                          f"{', '.join(map(str, df.columns))}")


def validate_scores(scores: "pd.DataFrame", labels: "pd.DataFrame | None" = None, *,
                    score_columns: Sequence[str] = ("index",), label_column: str = "code", id_column: str = "doc_id",
                    positive=None, threshold: float | None = None, n_resamples: int = N_RESAMPLES,
                    random_state: int = 0) -> "pd.DataFrame":
    """Agreement of each score column with a label column, with bootstrap intervals (module docstring).

    ``labels`` is joined to ``scores`` on ``id_column`` (one score row per id; several label rows per id, e.g.
    several coders, each count); with ``labels=None`` the label column is read from ``scores`` itself. Rows
    without a label (an empty ``code`` cell) are left out. Binary labels give AUROC, Spearman, precision and
    recall at ``threshold`` (default: the median score of the labelled rows); other numeric labels (an
    ordinal scale) give Spearman only. Columns: :data:`RESULT_COLUMNS`.
    """
    import pandas as pd

    score_columns = list(score_columns)
    if labels is None:
        _require(scores, [label_column, *score_columns], "the score table")
        data = scores[[label_column, *score_columns]].copy()
    else:
        _require(scores, [id_column, *score_columns], "the score table")
        _require(labels, [id_column, label_column], "the label table")
        dup = scores[id_column][scores[id_column].duplicated()]
        if len(dup):
            raise ConfigError(f"the score table lists {id_column} {dup.iloc[0]!r} more than once")
        left = labels[[id_column, label_column]].copy()
        left[id_column] = left[id_column].astype(str)
        right = scores[[id_column, *[c for c in score_columns if c != label_column]]].copy()
        right[id_column] = right[id_column].astype(str)
        data = left.merge(right, on=id_column, how="inner")
        unmatched = int(left[id_column].isin(right[id_column]).eq(False).sum())
        if not len(data):
            raise ConfigError(f"no label row matches a score row on {id_column!r} (e.g. label id "
                              f"{left[id_column].iloc[0] if len(left) else '-'!r}, score id "
                              f"{right[id_column].iloc[0] if len(right) else '-'!r})")
    data = data[data[label_column].notna() & (data[label_column].astype(str).str.strip() != "")]
    if not len(data):
        raise ConfigError(f"no row has a value in the label column {label_column!r}: nothing has been coded yet")
    y, why = binary_labels(data[label_column], positive)
    rows: list[dict] = []
    note = "" if labels is None or not unmatched else f"{unmatched} label rows without a score row left out"
    for col in score_columns:
        s = pd.to_numeric(data[col], errors="coerce").to_numpy(float)
        ok = ~np.isnan(s)
        if y is not None:
            yy = y.to_numpy(float)
            ok &= ~np.isnan(yy)
            sv, yv = s[ok], yy[ok].astype(int)
            n, n_pos = int(len(sv)), int(yv.sum())
            if n_pos == 0 or n_pos == n:
                raise ConfigError(f"the labels in {label_column!r} are all {'positive' if n_pos else 'negative'} "
                                  f"({n} rows): AUROC and precision need both classes")
            thr = float(np.median(sv)) if threshold is None else float(threshold)
            lo, hi, _ = bootstrap_ci(auroc, sv, yv, n_resamples=n_resamples, random_state=random_state, strata=yv)
            rows.append(_row(col, "auroc", label_column, auroc(sv, yv), lo, hi, n, n_pos, None, note))
            lo, hi, _ = bootstrap_ci(spearman, sv, yv, n_resamples=n_resamples, random_state=random_state, strata=yv)
            rows.append(_row(col, "spearman", label_column, spearman(sv, yv), lo, hi, n, n_pos, None, note))
            prec, rec = precision_recall(sv, yv, thr)
            lo, hi, _ = bootstrap_ci(lambda a, b: precision_recall(a, b, thr)[0], sv, yv, n_resamples=n_resamples,
                                     random_state=random_state, strata=yv)
            rows.append(_row(col, "precision", label_column, prec, lo, hi, n, n_pos, thr, note))
            lo, hi, _ = bootstrap_ci(lambda a, b: precision_recall(a, b, thr)[1], sv, yv, n_resamples=n_resamples,
                                     random_state=random_state, strata=yv)
            rows.append(_row(col, "recall", label_column, rec, lo, hi, n, n_pos, thr, note))
        else:
            lab = pd.to_numeric(data[label_column], errors="coerce").to_numpy(float)
            if np.isnan(lab[ok]).any():
                raise ConfigError(f"the label column {label_column!r} is neither binary nor numeric ({why}); name "
                                  "the positive value with --positive")
            sv, lv = s[ok], lab[ok]
            lo, hi, _ = bootstrap_ci(spearman, sv, lv, n_resamples=n_resamples, random_state=random_state)
            rows.append(_row(col, "spearman", label_column, spearman(sv, lv), lo, hi, int(len(sv)), None, None,
                             (note + "; " if note else "") + "ordinal labels: Spearman only"))
    return _frame(rows)


def validate_hits(coded: "pd.DataFrame", *, label_column: str = "code", positive=None,
                  n_resamples: int = N_RESAMPLES, random_state: int = 0) -> "pd.DataFrame":
    """Coded keyword-in-context lines (``policytext sample --unit kwic``): the precision of the hits.

    Lines with a ``match`` are hits: ``precision`` is the share coded positive, overall (measure ``hits``), per
    category (``category:<key>``) and per term (``term:<term>``, terms with at least 3 coded lines). Lines
    without a match are passages from documents with no hit: ``positive_rate`` is the share coded positive,
    an estimate of what the lexicon misses there. Intervals: bootstrap over lines.
    """
    import pandas as pd

    _require(coded, [label_column, "match"], "the coded sample")
    data = coded[coded[label_column].notna() & (coded[label_column].astype(str).str.strip() != "")].copy()
    if not len(data):
        raise ConfigError(f"no row has a value in the label column {label_column!r}: nothing has been coded yet")
    y, why = binary_labels(data[label_column], positive)
    if y is None:
        raise ConfigError(f"hit precision needs binary codes in {label_column!r} ({why}); name the positive value "
                          "with --positive")
    data["_y"] = y.to_numpy(float)
    is_hit = data["match"].notna() & (data["match"].astype(str).str.strip() != "")
    mean = lambda a: float(np.mean(a)) if len(a) else math.nan  # noqa: E731
    rows = []

    def add(measure, metric, values, note=""):
        v = np.asarray(values, dtype=float)
        lo, hi, _ = bootstrap_ci(mean, v, n_resamples=n_resamples, random_state=random_state)
        rows.append(_row(measure, metric, label_column, mean(v), lo, hi, len(v), int(v.sum()), None, note))

    hits = data[is_hit]
    if len(hits):
        add("hits", "precision", hits["_y"])
        if "category" in hits.columns:
            for cat, g in hits.groupby("category", sort=True):
                add(f"category:{cat}", "precision", g["_y"])
        if "term" in hits.columns:
            for term, g in hits.groupby("term", sort=True):
                if len(g) >= 3:
                    add(f"term:{term}", "precision", g["_y"])
    passages = data[~is_hit]
    if len(passages):
        add("passages", "positive_rate", passages["_y"], "lines from documents without a hit")
    return _frame(rows) if rows else pd.DataFrame(columns=RESULT_COLUMNS)


def triangulate(table: "pd.DataFrame", columns: Sequence[str] = ("index", "governance_share", "scale_score"), *,
                n_resamples: int = N_RESAMPLES, random_state: int = 0) -> "pd.DataFrame":
    """Spearman correlation of every pair of ``columns`` across the rows of ``table``, with bootstrap intervals
    (rows resampled together). Rows with a missing value in a pair are left out of that pair."""
    import pandas as pd

    columns = list(columns)
    _require(table, columns, "the table")
    if len(columns) < 2:
        raise ConfigError("triangulation needs at least two measures")
    rows = []
    for i, a in enumerate(columns):
        for b in columns[i + 1:]:
            x = pd.to_numeric(table[a], errors="coerce").to_numpy(float)
            z = pd.to_numeric(table[b], errors="coerce").to_numpy(float)
            ok = ~(np.isnan(x) | np.isnan(z))
            lo, hi, _ = bootstrap_ci(spearman, x[ok], z[ok], n_resamples=n_resamples, random_state=random_state)
            rows.append(_row(a, "spearman", b, spearman(x[ok], z[ok]), lo, hi, int(ok.sum())))
    return _frame(rows)


def validate_measures(scores: "pd.DataFrame", labels: "pd.DataFrame | None" = None, *,
                      score_columns: Sequence[str] = (), label_column: str = "code", id_column: str = "doc_id",
                      positive=None, threshold: float | None = None, n_resamples: int = N_RESAMPLES,
                      random_state: int = 0) -> "pd.DataFrame":
    """Everything the tables allow, in one table (:data:`RESULT_COLUMNS`):

    * coded keyword-in-context lines (a ``match`` column and ``unit`` ``kwic``, in ``labels`` or, without
      labels, in ``scores``): :func:`validate_hits`;
    * labels (``labels``, or a ``label_column`` in ``scores`` itself): :func:`validate_scores` for each score
      column (default ``index``);
    * two or more score columns: :func:`triangulate` as well.
    """
    import pandas as pd

    score_columns = list(score_columns)
    source = labels if labels is not None else scores
    parts = []
    is_kwic = "match" in source.columns and "unit" in source.columns and (source["unit"] == "kwic").any()
    if is_kwic:
        parts.append(validate_hits(source, label_column=label_column, positive=positive, n_resamples=n_resamples,
                                   random_state=random_state))
    elif labels is not None or label_column in scores.columns:
        parts.append(validate_scores(scores, labels, score_columns=score_columns or ["index"],
                                     label_column=label_column, id_column=id_column, positive=positive,
                                     threshold=threshold, n_resamples=n_resamples, random_state=random_state))
    if len(score_columns) >= 2:
        parts.append(triangulate(scores, score_columns, n_resamples=n_resamples, random_state=random_state))
    if not parts:
        raise ConfigError(f"nothing to validate: give labels (a {label_column!r} column), or two or more score "
                          "columns to correlate")
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


# -- coded sentences (../shared/gold style) -------------------------------------------------------------------
#: dimensions of the codebook; each is a category of the default lexicon
GOLD_DIMENSIONS = ("fine_grained", "smart_admin", "seamless_service", "co_governance", "grassroots", "performance")


def f1_score(pred: Sequence, labels: Sequence) -> float:
    """F1 of a 0/1 prediction: ``2 TP / (2 TP + FP + FN)``; NaN when there is neither a positive nor a call."""
    p, y = np.asarray(pred).astype(bool), np.asarray(labels).astype(bool)
    tp, fp, fn = int((p & y).sum()), int((p & ~y).sum()), int((~p & y).sum())
    return 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else math.nan


def _prf_rows(measure: str, against: str, pred, y, n_resamples: int, random_state: int) -> list[dict]:
    pred, y = np.asarray(pred, dtype=float), np.asarray(y, dtype=int)
    n, n_pos = int(len(y)), int(y.sum())
    rows = []
    stats = {"precision": lambda a, b: precision_recall(a, b, 0.5)[0],
             "recall": lambda a, b: precision_recall(a, b, 0.5)[1],
             "f1": lambda a, b: f1_score(a >= 0.5, b)}
    for metric, fn in stats.items():
        value = fn(pred, y)
        lo, hi, _ = (bootstrap_ci(fn, pred, y, n_resamples=n_resamples, random_state=random_state, strata=y) if n_pos
                     else (math.nan, math.nan, 0))
        note = f"{int((pred >= 0.5).sum())} called positive"
        rows.append(_row(measure, metric, against, value, lo, hi, n, n_pos, 0.5 if metric != "f1" else None, note))
    return rows


def _auroc_row(measure: str, against: str, s, y, n_resamples: int, random_state: int) -> dict:
    s, y = np.asarray(s, dtype=float), np.asarray(y, dtype=int)
    n, n_pos = int(len(y)), int(y.sum())
    if n_pos in (0, n):
        return _row(measure, "auroc", against, math.nan, n=n, n_positive=n_pos, note="needs both classes")
    lo, hi, _ = bootstrap_ci(auroc, s, y, n_resamples=n_resamples, random_state=random_state, strata=y)
    return _row(measure, "auroc", against, auroc(s, y), lo, hi, n, n_pos)


def score_gold(gold: "pd.DataFrame", lexicon=None, tokenizer=None, *, t2s: bool = True,
               text_column: str = "sentence", id_column: str = "id"):
    """Score each coded sentence of ``gold`` as a document of its own: ``(scores, evidence)`` indexed like
    ``gold`` (the evidence keeps ``doc_id`` = the row's id)."""
    from .corpus import Corpus
    from .scoring import Scorer

    _require(gold, [id_column, text_column], "the gold file")
    ids = gold[id_column].astype(str).tolist()
    if len(set(ids)) != len(ids):
        raise ConfigError(f"the gold file lists an {id_column} more than once")
    texts = dict(zip(ids, gold[text_column].fillna("").astype(str)))
    result = Scorer(lexicon, tokenizer, t2s=t2s).score(Corpus.from_texts(texts), jobs=1)
    if result.errors:
        raise ConfigError(f"{len(result.errors)} gold sentences could not be scored (e.g. {result.errors[0].doc_id}: "
                          f"{result.errors[0].message})")
    return result.scores.set_index("doc_id").loc[ids].reset_index(), result.hits


def validate_gold(gold: "pd.DataFrame", lexicon=None, tokenizer=None, *, t2s: bool = True,
                  n_resamples: int = N_RESAMPLES, random_state: int = 0) -> "pd.DataFrame":
    """Check the lexicon against a coded sentence file (``dev.csv`` or ``crude_dev.csv`` of ``../shared/gold``).

    **Sentence file** (columns ``id, source, sentence, label, dimension``): each sentence is scored on its own
    and called positive when it has at least one counted hit of a +1 category (``sentences_positive > 0``).
    Rows: precision, recall and F1 of that call, AUROC of ``sentence_share`` and of ``index``, each with a
    stratified bootstrap 95% interval, for all sentences (``against`` = ``label``) and for each source
    (``label | source=...``); and per dimension (``dimension=...``): a sentence is a positive of a dimension when
    the coders listed it, and is called one when it has a counted hit of the category of the same name.

    **Crude-term file** (columns ``id, source, term, sentence, frame``): the call is "the row's term is
    ``rejected``" (a reject_context rule fired); rows: precision, recall and F1 of the call for ``frame`` =
    ``reject``, overall and per source, and ``endorse_rejected``: how many ``endorse`` rows are called rejected
    (should be 0). ``note`` says how many rows had no hit of the term.
    """
    if "frame" in gold.columns and "term" in gold.columns:
        return _validate_crude_gold(gold, lexicon, tokenizer, t2s=t2s, n_resamples=n_resamples, random_state=random_state)
    _require(gold, ["id", "sentence", "label"], "the gold file")
    scores, _ = score_gold(gold, lexicon, tokenizer, t2s=t2s)
    y = gold["label"].astype(int).to_numpy()
    pred = (scores["sentences_positive"] > 0).to_numpy(float)
    rows: list[dict] = []
    sources = [("label", np.ones(len(gold), dtype=bool))]
    if "source" in gold.columns:
        sources += [(f"label | source={s}", (gold["source"] == s).to_numpy())
                    for s in sorted(gold["source"].dropna().unique())]
    for against, mask in sources:
        rows += _prf_rows("positive_call", against, pred[mask], y[mask], n_resamples, random_state)
        for col in ("sentence_share", "index"):
            rows.append(_auroc_row(col, against, scores[col].to_numpy(float)[mask], y[mask], n_resamples, random_state))
    if "dimension" in gold.columns:
        dims = gold["dimension"].fillna("").astype(str).str.split("|")
        for d in GOLD_DIMENSIONS:
            col = f"sentence_share_{d}"
            if col not in scores.columns:
                continue
            yd = np.array([d in ds for ds in dims], dtype=int)
            rows += _prf_rows(f"hit_{d}", f"dimension={d}", (scores[col] > 0).to_numpy(float), yd, n_resamples, random_state)
    return _frame(rows)


def rejection_calls(gold: "pd.DataFrame", lexicon=None, tokenizer=None, *, t2s: bool = True) -> "pd.DataFrame":
    """For each row of a crude-term file: ``hit`` (the term was matched in the sentence), ``status`` of its
    first hit (``counted``, ``rejected``, ``vetoed``, or empty) and ``called_reject``."""
    _require(gold, ["id", "term", "sentence", "frame"], "the crude gold file")
    scores, hits = score_gold(gold, lexicon, tokenizer, t2s=t2s)
    out = gold[["id", "term", "frame"]].copy()
    status = []
    by_doc = {k: g for k, g in hits.groupby("doc_id", sort=False)} if len(hits) else {}
    for rid, term in zip(gold["id"].astype(str), gold["term"].astype(str)):
        g = by_doc.get(rid)
        if g is None:
            status.append("")
            continue
        same = g[g["term"] == term]
        if not len(same):  # the term matched as part of a longer entry (粗放 inside 粗放型...)
            same = g[g["term"].str.contains(term, regex=False) | g["term"].map(lambda t: t in term)]
            same = same[same["polarity"] < 0]
        status.append(same["status"].iloc[0] if len(same) else "")
    out["status"] = status
    out["hit"] = out["status"] != ""
    out["called_reject"] = out["status"] == "rejected"
    return out


def _validate_crude_gold(gold, lexicon, tokenizer, *, t2s, n_resamples, random_state) -> "pd.DataFrame":
    calls = rejection_calls(gold, lexicon, tokenizer, t2s=t2s)
    pred = calls["called_reject"].to_numpy(float)
    y = (calls["frame"] == "reject").to_numpy(int)
    rows: list[dict] = []
    missing = int((~calls["hit"]).sum())
    groups = [("frame=reject", np.ones(len(calls), dtype=bool))]
    if "source" in gold.columns:
        groups += [(f"frame=reject | source={s}", (gold["source"] == s).to_numpy())
                   for s in sorted(gold["source"].dropna().unique())]
    for against, mask in groups:
        part = _prf_rows("rejection_call", against, pred[mask], y[mask], n_resamples, random_state)
        for r in part:
            r["note"] += f"; {int((~calls['hit'].to_numpy()[mask]).sum())} rows without a hit of the term"
        rows += part
    endorse = (calls["frame"] == "endorse").to_numpy()
    rows.append(_row("rejection_call", "endorse_rejected", "frame=endorse", float((pred[endorse] >= 0.5).sum()),
                     n=int(endorse.sum()), n_positive=0,
                     note="endorse rows called rejected (should be 0)"))
    for frame in ("describe", "other"):
        m = (calls["frame"] == frame).to_numpy()
        if m.any():
            rows.append(_row("rejection_call", f"{frame}_rejected", f"frame={frame}", float((pred[m] >= 0.5).sum()),
                             n=int(m.sum()), n_positive=0, note=f"{frame} rows called rejected"))
    if missing:
        rows[0]["note"] = rows[0]["note"]
    return _frame(rows)


def read_gold(path: str | Path) -> "pd.DataFrame":
    """A coded sentence file (``.csv`` UTF-8 with or without BOM, or any table :func:`read_labels` reads), ids as text."""
    return read_labels(path, id_column="id")
