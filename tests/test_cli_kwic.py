"""policytext kwic."""

import io

import pandas as pd
import pytest
from click.testing import CliRunner

from policytext.cli import cli


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    (d / "a.txt").write_text("推进公共治理，实现社区共治。\n发展精细化工，推进精细化管理。", encoding="utf-8")
    (d / "b.txt").write_text("实现服务的无缝\n对接，生产无缝钢管。", encoding="utf-8")
    return d


def test_text_lines_show_the_match_in_brackets(corpus):
    res = CliRunner().invoke(cli, ["kwic", str(corpus), "共治", "无缝对接", "--window", "4", "-q"])
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines() == ["a  实现社区 【共治】 。 发展", "b  现服务的 【无缝对接】 ,生产无"]


def test_csv_output_and_categories(corpus, tmp_path):
    res = CliRunner().invoke(cli, ["kwic", str(corpus), "fine_grained", "--format", "csv", "-w", "2"])
    assert res.exit_code == 0
    df = pd.read_csv(io.StringIO(res.stdout))
    assert df[["doc_id", "match", "category"]].values.tolist() == [["a", "精细化管理", "fine_grained"]]
    assert "1 lines in 1 of 2 documents" in res.stderr
    out = tmp_path / "k.xlsx"
    assert CliRunner().invoke(cli, ["kwic", str(corpus), "共治", "-o", str(out)]).exit_code == 0
    assert pd.read_excel(out)["match"].tolist() == ["共治"]


def test_errors_and_help(corpus, tmp_path):
    res = CliRunner().invoke(cli, ["kwic", str(corpus)])
    assert res.exit_code == 2 and "TERM" in res.stderr
    res = CliRunner().invoke(cli, ["kwic", str(tmp_path / "none"), "共治"])
    assert res.exit_code == 3 and res.stderr.startswith("policytext: error:")
    res = CliRunner().invoke(cli, ["kwic", "--help"])
    assert "Examples:" in res.output and "policytext kwic corpora/demo" in res.output


def test_status_of_each_line_and_the_status_filter(tmp_path):
    d = tmp_path / "s"
    d.mkdir()
    (d / "a.txt").write_text("坚决反对形式主义。形式主义依然存在。推进大气污染协同治理。", encoding="utf-8")
    res = CliRunner().invoke(cli, ["kwic", str(d), "crude", "协同治理", "--format", "csv", "-q"])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(io.StringIO(res.stdout))
    assert df[["match", "status"]].values.tolist() == [["形式主义", "rejected"], ["形式主义", "counted"],
                                                      ["协同治理", "vetoed"]]
    res = CliRunner().invoke(cli, ["kwic", str(d), "crude", "--status", "rejected", "-w", "4", "-q"])
    assert res.exit_code == 0 and res.stdout.splitlines() == ["a  坚决反对 【形式主义】 。形式主  (rejected)"]


def test_diagnose_counts_rejected_and_vetoed_hits_per_term(tmp_path):
    d = tmp_path / "s"
    d.mkdir()
    (d / "a.txt").write_text("坚决反对形式主义。形式主义依然存在。推进大气污染协同治理。", encoding="utf-8")
    res = CliRunner().invoke(cli, ["lexicon", "diagnose", str(d), "-q"])
    assert res.exit_code == 0, res.output
    t = pd.read_csv(io.StringIO(res.stdout)).set_index("term")
    assert t.loc["形式主义", ["hits", "rejected", "vetoed"]].tolist() == [1, 1, 0]
    assert t.loc["协同治理", ["hits", "rejected", "vetoed"]].tolist() == [0, 0, 1]
