"""policytext validate."""

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
