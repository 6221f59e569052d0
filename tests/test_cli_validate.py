"""policytext validate."""

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from policytext.cli import cli


@pytest.fixture
def files(tmp_path):
    scores = tmp_path / "scores.csv"
    pd.DataFrame({"doc_id": ["001", "002", "003", "004"], "index": [0.1, 0.4, 0.35, 0.8],
                  "scale_score": [4, 3, 2, 1]}).to_csv(scores, index=False)
    labels = tmp_path / "labels.xlsx"
    pd.DataFrame({"doc_id": ["001", "002", "003", "004"], "group": ["law", "law", "smart", "smart"]}).to_excel(
        labels, index=False)
    return scores, labels


def test_validate_against_known_groups(files, tmp_path):
    scores, labels = files
    out = tmp_path / "v.csv"
    res = CliRunner().invoke(cli, ["validate", str(scores), "--labels", str(labels), "--label-column", "group",
                                   "--positive", "smart", "--threshold", "0.35", "--resamples", "200", "-o", str(out)])
    assert res.exit_code == 0, res.output
    v = pd.read_csv(out, encoding="utf-8-sig").set_index("metric")
    assert v.loc["auroc", "value"] == 0.75 and v.loc["precision", "value"] == pytest.approx(2 / 3)
    assert v.loc["recall", "value"] == 1.0 and v.loc["auroc", "n"] == 4
    assert "policytext: index vs group: auroc 0.750 [" in res.stderr


def test_triangulation_without_labels(files):
    scores, _ = files
    res = CliRunner().invoke(cli, ["validate", str(scores), "--score-column", "index", "--score-column", "scale_score",
                                   "--resamples", "200"])
    assert res.exit_code == 0, res.output
    rows = res.stdout.splitlines()
    assert rows[0].startswith("measure,metric,against,value,ci_low,ci_high,n")
    assert rows[1].startswith("index,spearman,scale_score,-0.8,")


def test_validate_errors_are_one_line(files, tmp_path):
    scores, labels = files
    for args, message in [
        ([str(scores)], "nothing to validate"),
        ([str(scores), "--labels", str(labels), "--label-column", "group"], "--positive"),
        ([str(scores), "--labels", str(labels), "--label-column", "nope"], "no column 'nope'"),
        ([str(tmp_path / "missing.csv")], "file not found"),
    ]:
        res = CliRunner().invoke(cli, ["validate", *args])
        assert res.exit_code == 3, (args, res.output)
        assert message in res.stderr and res.stderr.count("\n") == 1, res.stderr


# -- validate --gold on the coded sentences of ../shared/gold (documented in docs/validation.md) ------------------
#: lexicon 1.1.0 on dev.csv, `policytext validate --gold ../shared/gold/dev.csv` (docs/validation.md, table 1)
DEV_F1, DEV_PRECISION, DEV_AUROC_SHARE = 0.750, 0.947, 0.808


def test_the_documented_dev_figures_are_the_ones_asserted():
    """Table 1 of docs/validation.md quotes, for the default lexicon, the figures the test below checks."""
    import re

    from policytext import load_lexicon

    doc = (Path(__file__).resolve().parents[1] / "docs" / "validation.md").read_text(encoding="utf-8")
    table = doc.split("### Table 1", 1)[1].split("\n\n", 2)[1]
    header = [c.strip() for c in table.splitlines()[0].strip("|").split("|")]
    col = header.index(load_lexicon().version)  # the default lexicon's column
    rows = {r.split("|")[1].strip(): r.split("|")[col + 1] for r in table.splitlines()[2:]}
    value = lambda label: float(re.search(r"\d\.\d{3}", rows[label]).group())  # noqa: E731
    assert value("F1") == DEV_F1
    assert value("precision of the positive call") == DEV_PRECISION
    assert value("AUROC of `sentence_share`") == DEV_AUROC_SHARE


@pytest.fixture(scope="module")
def gold_dir(shared_corpora):
    gold = shared_corpora.parent / "gold"
    if not (gold / "dev.csv").is_file():
        pytest.skip(reason=f"coded sentences not found at {gold} (they sit beside the checkout in CI)")
    return gold


def test_validate_gold_dev_f1_is_the_documented_figure(gold_dir, tmp_path):
    out = tmp_path / "dev.csv"
    res = CliRunner().invoke(cli, ["validate", "--gold", str(gold_dir / "dev.csv"), "--resamples", "200", "-o", str(out)])
    assert res.exit_code == 0, res.output
    v = pd.read_csv(out, encoding="utf-8-sig").set_index(["measure", "metric", "against"])
    assert v.loc[("positive_call", "f1", "label"), "value"] == pytest.approx(DEV_F1, abs=0.01)
    assert v.loc[("positive_call", "precision", "label"), "value"] == pytest.approx(DEV_PRECISION, abs=0.01)
    assert v.loc[("sentence_share", "auroc", "label"), "value"] == pytest.approx(DEV_AUROC_SHARE, abs=0.01)
    low, high = v.loc[("positive_call", "f1", "label"), ["ci_low", "ci_high"]]
    assert low < DEV_F1 < high
    assert ("positive_call", "f1", "label | source=gwr") in v.index and ("hit_grassroots", "recall", "dimension=grassroots") in v.index
    assert "positive_call vs label: f1 0.750 [" in res.stderr


def test_validate_gold_crude_rejection_call(gold_dir, tmp_path):
    out = tmp_path / "crude.csv"
    res = CliRunner().invoke(cli, ["validate", "--gold", str(gold_dir / "crude_dev.csv"), "--resamples", "200",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    v = pd.read_csv(out, encoding="utf-8-sig").set_index(["metric", "against"])
    assert v.loc[("precision", "frame=reject"), "value"] >= 0.95
    assert v.loc[("recall", "frame=reject"), "value"] >= 0.85
    assert v.loc[("endorse_rejected", "frame=endorse"), "value"] == 0


def test_validate_gold_with_own_file_and_usage_errors(tmp_path):
    gold = tmp_path / "g.csv"
    pd.DataFrame({"id": ["a", "b", "c", "d"], "source": ["x", "x", "y", "y"],
                  "sentence": ["推进基层治理", "今天天气晴朗", "坚持精细化管理", "修建一条公路"],
                  "label": [1, 0, 0, 1], "dimension": ["grassroots", "", "", "fine_grained"]}).to_csv(gold, index=False)
    out = tmp_path / "v.csv"
    res = CliRunner().invoke(cli, ["validate", "--gold", str(gold), "--resamples", "100", "-o", str(out)])
    assert res.exit_code == 0, res.output
    v = pd.read_csv(out, encoding="utf-8-sig").set_index(["measure", "metric", "against"])
    # calls: a and c positive; truth: a and d -> precision 1/2, recall 1/2
    assert v.loc[("positive_call", "precision", "label"), "value"] == 0.5
    assert v.loc[("positive_call", "recall", "label"), "value"] == 0.5
    assert v.loc[("hit_grassroots", "recall", "dimension=grassroots"), "value"] == 1.0
    res = CliRunner().invoke(cli, ["validate", str(out), "--gold", str(gold)])
    assert res.exit_code == 2 and "give no SCORES" in res.output
    res = CliRunner().invoke(cli, ["validate"])
    assert res.exit_code == 2 and "--gold" in res.output
