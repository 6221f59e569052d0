"""Validation statistics with hand-computed answers on small inputs."""

import math

import numpy as np
import pandas as pd
import pytest

from policytext.errors import ColumnError, ConfigError
from policytext.validation import (RESULT_COLUMNS, auroc, binary_labels, bootstrap_ci, precision_recall, read_labels,
                                   spearman, triangulate, validate_hits, validate_measures, validate_scores)


# -- AUROC --------------------------------------------------------------------------------------------------
def test_auroc_known_answers():
    # pairs (pos, neg): (0.35, 0.1) win, (0.35, 0.4) loss, (0.8, 0.1) win, (0.8, 0.4) win -> 3/4
    assert auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert auroc([1, 2, 3, 4], [0, 0, 1, 1]) == 1.0
    assert auroc([4, 3, 2, 1], [0, 0, 1, 1]) == 0.0
    assert auroc([5, 5, 5, 5], [0, 1, 0, 1]) == 0.5  # all ties
    # ties count one half: pos 1 vs neg 1 -> 0.5, pos 2 vs neg 1 -> 1: (0.5 + 1) / 2
    assert auroc([1, 1, 2], [0, 1, 1]) == 0.75
    assert auroc([True, False], [1, 0]) == 1.0
    assert math.isnan(auroc([1, 2], [1, 1]))


# -- Spearman -----------------------------------------------------------------------------------------------
def test_spearman_known_answers():
    # rank differences 0, 0, 1, 1: 1 - 6 * 2 / (4 * 15) = 0.8
    assert spearman([1, 2, 3, 4], [10, 20, 40, 30]) == 0.8
    assert spearman([1, 2, 3], [3, 2, 1]) == -1.0
    # ties: x ranks 1, 2.5, 2.5, 4 against 1, 2, 3, 4 -> 4.5 / sqrt(4.5 * 5) = 3 / sqrt(10)
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(3 / math.sqrt(10))
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))
    assert math.isnan(spearman([1], [2]))
    with pytest.raises(ConfigError):
        spearman([1, 2], [1])


def test_precision_recall_known_answers():
    s, y = [0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]
    assert precision_recall(s, y, 0.35) == (2 / 3, 1.0)  # predicted: 0.4, 0.35, 0.8
    assert precision_recall(s, y, 0.5) == (1.0, 0.5)  # predicted: 0.8
    p, r = precision_recall(s, y, 0.9)
    assert math.isnan(p) and r == 0.0


# -- bootstrap ----------------------------------------------------------------------------------------------
def test_bootstrap_of_a_mean_of_two_values():
    # resampled means of [0, 10] are 0, 5, 10 with chances 1/4, 1/2, 1/4: the 95% interval spans 0 to 10, and
    # the 30% and 70% quantiles both fall in the middle mass at 5
    mean = lambda a: float(np.mean(a))  # noqa: E731
    assert bootstrap_ci(mean, [0.0, 10.0], random_state=0) == (0.0, 10.0, 2000)
    assert bootstrap_ci(mean, [0.0, 10.0], random_state=0, level=0.4) == (5.0, 5.0, 2000)


def test_stratified_bootstrap_of_auroc():
    # one positive (1.0), negatives 0.0 and 2.0 resampled within their stratum: {0,0} -> AUROC 1, {0,2} -> 0.5,
    # {2,2} -> 0, with chances 1/4, 1/2, 1/4; the positive is always drawn, so no resample is undefined
    args = ([1.0, 0.0, 2.0], [1, 0, 0])
    assert bootstrap_ci(auroc, *args, strata=[1, 0, 0], random_state=0) == (0.0, 1.0, 2000)
    assert bootstrap_ci(auroc, *args, strata=[1, 0, 0], random_state=0, level=0.4) == (0.5, 0.5, 2000)
    # without strata, resamples that lose the positive (chance 8/27) are undefined and left out
    low, high, n_valid = bootstrap_ci(auroc, *args, random_state=0)
    assert abs(n_valid - 2000 * 19 / 27) < 100


def test_bootstrap_is_seeded_and_skips_undefined_resamples():
    x, y = [1.0, 2.0], [1.0, 2.0]
    low, high, n_valid = bootstrap_ci(spearman, x, y, random_state=3)
    assert (low, high) == (1.0, 1.0)  # every defined resample is the pair itself
    assert abs(n_valid - 1000) < 100  # half the resamples draw one row twice: Spearman undefined
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=30), rng.normal(size=30)
    assert bootstrap_ci(spearman, a, b, random_state=5) == bootstrap_ci(spearman, a, b, random_state=5)
    assert bootstrap_ci(spearman, a, b, random_state=5) != bootstrap_ci(spearman, a, b, random_state=6)


# -- tables -------------------------------------------------------------------------------------------------
SCORES = pd.DataFrame({"doc_id": ["d1", "d2", "d3", "d4", "d5"], "index": [0.1, 0.4, 0.35, 0.8, 0.5],
                       "scale_score": [-1.0, 0.5, 0.0, 1.0, 2.0]})
LABELS = pd.DataFrame({"doc_id": ["d1", "d2", "d3", "d4", "d5", "zz"], "code": [0, 0, 1, 1, None, 1]})


def test_validate_scores_joins_labels_and_skips_uncoded_rows():
    out = validate_scores(SCORES, LABELS, score_columns=["index"], n_resamples=500)
    assert list(out.columns) == RESULT_COLUMNS
    v = out.set_index("metric")
    assert v.loc["auroc", "value"] == 0.75 and v.loc["auroc", "n"] == 4 and v.loc["auroc", "n_positive"] == 2
    assert v.loc["spearman", "value"] == pytest.approx(1 / math.sqrt(5))  # ranks 1,3,2,4 vs 1.5,1.5,3.5,3.5
    # default threshold: the median of the labelled scores, (0.35 + 0.4) / 2
    assert v.loc["precision", "threshold"] == pytest.approx(0.375)
    assert (v.loc["precision", "value"], v.loc["recall", "value"]) == (0.5, 0.5)
    assert "1 label rows without a score row" in v.loc["auroc", "note"]
    assert v.loc["auroc", "ci_low"] <= 0.75 <= v.loc["auroc", "ci_high"]


def test_validate_scores_with_an_explicit_threshold_and_text_labels():
    labels = pd.DataFrame({"doc_id": ["d1", "d2", "d3", "d4"], "group": ["law", "law", "smart", "smart"]})
    with pytest.raises(ConfigError, match="--positive"):
        validate_scores(SCORES, labels, label_column="group")
    out = validate_scores(SCORES, labels, label_column="group", positive="smart", threshold=0.35, n_resamples=200)
    v = out.set_index("metric")["value"]
    assert (v["auroc"], v["precision"], v["recall"]) == (0.75, 2 / 3, 1.0)


def test_ordinal_labels_give_spearman_only():
    labels = pd.DataFrame({"doc_id": ["d1", "d2", "d3", "d4"], "code": [0, 1, 2, 3]})
    out = validate_scores(SCORES, labels, n_resamples=200)
    assert out["metric"].tolist() == ["spearman"]
    assert out["value"].iloc[0] == 0.8  # index ranks 1, 3, 2, 4
    assert "ordinal" in out["note"].iloc[0]


def test_labels_in_the_score_table_itself_and_errors():
    table = SCORES.assign(code=[0, 0, 1, 1, None])
    assert validate_scores(table, None, n_resamples=100).set_index("metric").loc["auroc", "value"] == 0.75
    with pytest.raises(ConfigError, match="all positive"):
        validate_scores(table.assign(code=1), None)
    with pytest.raises(ConfigError, match="nothing has been coded"):
        validate_scores(table.assign(code=None), None)
    with pytest.raises(ColumnError, match="'missing'"):
        validate_scores(SCORES, LABELS, score_columns=["missing"])
    with pytest.raises(ConfigError, match="no label row matches"):
        validate_scores(SCORES, LABELS.assign(doc_id=["x1", "x2", "x3", "x4", "x5", "x6"]))


def test_binary_labels_read_yes_no_words():
    y, _ = binary_labels(pd.Series(["是", "否", "yes", "0", None, "X"]))
    assert y.tolist()[:4] == [1.0, 0.0, 1.0, 0.0] and math.isnan(y.iloc[4]) and y.iloc[5] == 1.0
    y, why = binary_labels(pd.Series(["a", "b"]))
    assert y is None and "a, b" in why


def test_triangulation_of_three_measures():
    table = pd.DataFrame({"index": [1, 2, 3, 4], "governance_share": [10, 20, 40, 30], "scale_score": [4, 3, 2, 1]})
    out = triangulate(table, n_resamples=300)
    got = {(r.measure, r.against): r.value for r in out.itertuples()}
    assert got == {("index", "governance_share"): 0.8, ("index", "scale_score"): -1.0,
                   ("governance_share", "scale_score"): -0.8}
    assert (out["n"] == 4).all()


def test_hit_precision_from_coded_kwic_lines():
    coded = pd.DataFrame({"unit": "kwic", "match": ["共治", "共治", "共治", "网格", "", ""],
                          "term": ["共治", "共治", "共治", "网格", "", ""],
                          "category": ["co", "co", "co", "grid", "", ""], "code": [1, 1, 0, 0, 1, 0]})
    out = validate_hits(coded, n_resamples=200).set_index("measure")
    assert out.loc["hits", "value"] == 0.5 and out.loc["hits", "n"] == 4
    assert out.loc["category:co", "value"] == pytest.approx(2 / 3)
    assert out.loc["term:共治", "value"] == pytest.approx(2 / 3)
    assert "term:网格" not in out.index  # fewer than 3 coded lines
    assert out.loc["passages", ["metric", "value", "n"]].tolist() == ["positive_rate", 0.5, 2]
    assert validate_measures(coded, None, n_resamples=200)["measure"].tolist() == out.index.tolist()


def test_validate_measures_combines_labels_and_triangulation():
    out = validate_measures(SCORES, LABELS, score_columns=["index", "scale_score"], n_resamples=100)
    assert out["metric"].tolist() == ["auroc", "spearman", "precision", "recall"] * 2 + ["spearman"]
    assert out["against"].iloc[-1] == "scale_score"
    with pytest.raises(ConfigError, match="nothing to validate"):
        validate_measures(SCORES, None, score_columns=["index"])


def test_read_labels_restores_neutralised_formulas(tmp_path):
    from policytext.reports import write_table

    df = pd.DataFrame({"doc_id": ["001", "=cmd"], "code": [1, 0]})
    for ext in (".xlsx", ".csv"):
        write_table(df, tmp_path / f"l{ext}")
        back = read_labels(tmp_path / f"l{ext}")
        assert back["doc_id"].tolist() == ["001", "=cmd"] and back["code"].tolist() == [1, 0]
    with pytest.raises(ConfigError, match="file not found"):
        read_labels(tmp_path / "nope.csv")
