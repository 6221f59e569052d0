"""policytext lexicon diagnose."""

import pandas as pd
from click.testing import CliRunner

from policytext.cli import cli


def corpus(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    (d / "a.txt").write_text("推进数据共享和社区共治，实现共享。", encoding="utf-8")
    (d / "b.txt").write_text("加强公共治理，推动共建共治共享，鼓励共享单车规范停放。", encoding="utf-8")
    (d / "c.txt").write_text("完善网格化管理，落实网格化管理责任。", encoding="utf-8")
    lex = tmp_path / "lex.csv"
    lex.write_text("term,category,weight,polarity,exclusions\n共享,share,1,1,共享单车\n共建共治共享,share,2,1,\n"
                   "共治,co,2,1,\n网格化管理,grid,1,1,\n网格,grid,1,1,\n契约式,none,1,1,\n", encoding="utf-8")
    return d, lex


def test_diagnose_writes_term_category_and_sensitivity_tables(tmp_path):
    d, lex = corpus(tmp_path)
    res = CliRunner().invoke(cli, ["lexicon", "diagnose", str(d), "--lexicon", str(lex), "-o", str(tmp_path / "t.csv"),
                                   "--categories", str(tmp_path / "c.xlsx"), "--sensitivity", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    terms = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig").set_index("term")
    assert terms.loc["共享", ["hits", "inside_tokens", "inside_compounds", "excluded"]].tolist() == [1, 1, "数据共享×1", 1]
    cats = pd.read_excel(tmp_path / "c.xlsx").set_index("category")
    assert cats.loc["co", "dominated"] and not cats.loc["share", "dominated"]
    sens = pd.read_csv(tmp_path / "s.csv", encoding="utf-8-sig")
    assert sens["term"].iloc[0] == "共治" and sens["spearman"].iloc[0] == -0.5
    assert "dominated categories: co (共治 100% of its hits), grid (网格化管理 100% of its hits)" in res.stderr
    assert "1 terms never occur: 契约式" in res.stderr
    assert "most influential terms" in res.stderr and "共治 -0.500" in res.stderr


def test_diagnose_to_stdout_and_quiet(tmp_path):
    d, lex = corpus(tmp_path)
    res = CliRunner().invoke(cli, ["lexicon", "diagnose", str(d), "--lexicon", str(lex), "-q"])
    assert res.exit_code == 0 and res.stderr == ""
    assert res.stdout.splitlines()[0].startswith("term,category,polarity,weight,hits")


def test_diagnose_errors_are_one_line(tmp_path):
    res = CliRunner().invoke(cli, ["lexicon", "diagnose", str(tmp_path / "missing")])
    assert res.exit_code == 3 and res.stderr.count("\n") == 1 and res.stderr.startswith("policytext: error:")
    d, lex = corpus(tmp_path)
    res = CliRunner().invoke(cli, ["lexicon", "diagnose", str(d), "--lexicon", str(lex), "-o",
                                   str(tmp_path / "nowhere" / "t.csv")])
    assert res.exit_code == 4 and "does not exist" in res.stderr
