"""policytext lexicon show | validate | export."""

import pytest
from click.testing import CliRunner

from policytext import load_lexicon
from policytext.cli import cli


def test_show_lists_categories_and_terms():
    res = CliRunner().invoke(cli, ["lexicon", "show"])
    assert res.exit_code == 0
    assert res.output.startswith("fine_grained_governance 1.1.0: 7 categories, 145 terms")
    assert "[+] fine_grained 精细化理念 (fine-grained ethos)" in res.output
    assert "[-] crude 粗放管理" in res.output and "无缝对接" in res.output
    brief = CliRunner().invoke(cli, ["lexicon", "show", "--no-terms"]).output
    assert "无缝对接" not in brief and "seamless_service" in brief


def test_validate_default_lexicon_has_no_errors():
    res = CliRunner().invoke(cli, ["lexicon", "validate"])
    assert res.exit_code == 0
    assert " 0 errors" in res.output.splitlines()[-1]


def test_validate_reports_errors_with_exit_code_1(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("term,category\n共治,a\n共治,a\n数据 共享,a\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["lexicon", "validate", str(p)])
    assert res.exit_code == 1
    assert "error: [duplicate] 共治 (a): also listed in a (line 2)" in res.output
    assert "error: [bad-term] 数据 共享" in res.output


def test_validate_with_a_corpus_finds_hidden_terms(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    (d / "a.txt").write_text("推进数据共享。", encoding="utf-8")
    p = tmp_path / "l.csv"
    p.write_text("term,category\n共享,a\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["lexicon", "validate", str(p), "--corpus", str(d)])
    assert res.exit_code == 0
    assert "warning: [never-whole] 共享 (a): never a whole-token hit in the corpus; occurs only inside: 数据共享×1" in res.output


@pytest.mark.parametrize("ext", ["yaml", "csv", "dic"])
def test_export_round_trips(tmp_path, ext):
    out = tmp_path / f"lex.{ext}"
    res = CliRunner().invoke(cli, ["lexicon", "export", "-o", str(out)])
    assert res.exit_code == 0
    back, orig = load_lexicon(out), load_lexicon()
    assert [(t.term, t.category) for t in back.terms] == [(t.term, t.category) for t in orig.terms]
    if ext != "dic":
        assert [t.weight for t in back.terms] == [t.weight for t in orig.terms]


def test_export_to_stdout_and_bad_format(tmp_path):
    res = CliRunner().invoke(cli, ["lexicon", "export", "--format", "csv"])
    assert res.exit_code == 0 and res.output.startswith("term,category,weight,polarity,provenance,exclusions,reject_context,exclude_context,require_context\n")
    res = CliRunner().invoke(cli, ["lexicon", "export", "-o", str(tmp_path / "x.json")])
    assert res.exit_code == 3 and "unknown lexicon format 'json'" in res.stderr


def test_help_texts_have_examples():
    for cmd in (["lexicon"], ["lexicon", "show"], ["lexicon", "validate"], ["lexicon", "export"]):
        res = CliRunner().invoke(cli, [*cmd, "--help"])
        assert res.exit_code == 0 and "policytext lexicon" in res.output, cmd
