"""policytext scale."""

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from policytext.cli import cli

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"


def test_scale_writes_scores_seed_check_and_words(tmp_path):
    res = CliRunner().invoke(cli, ["scale", str(DEMO), "--min-count", "2", "-o", str(tmp_path / "s.csv"),
                                   "--seed-check", str(tmp_path / "seeds.xlsx"), "--words", str(tmp_path / "w.csv")])
    assert res.exit_code == 0, res.output
    docs = pd.read_csv(tmp_path / "s.csv", encoding="utf-8-sig")
    assert len(docs) == 24 and {"doc_id", "intended_level", "scale_score", "scale_raw", "n_scored_tokens"} <= set(docs)
    assert abs(docs["scale_score"].mean()) < 1e-9 and abs(docs["scale_score"].std() - 1) < 1e-9
    seeds = pd.read_excel(tmp_path / "seeds.xlsx")
    assert list(seeds.columns) == ["seed", "pole", "in_vocabulary", "frequency", "polarity", "nearest"]
    assert set(seeds.pole) == {1, -1}
    assert "seeds used:" in res.stderr and "most fine-grained words:" in res.stderr
    again = CliRunner().invoke(cli, ["scale", str(DEMO), "--min-count", "2", "-q"])
    assert again.exit_code == 0 and again.stderr == ""
    assert again.stdout == docs.to_csv(index=False, lineterminator="\n")


def test_scale_with_a_seed_file(tmp_path):
    seeds = tmp_path / "poles.csv"
    seeds.write_text("term,category,polarity\n精细化,fine,1\n便民,fine,1\n一刀切,crude,-1\n粗放,crude,-1\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["scale", str(DEMO), "--min-count", "2", "--seeds", str(seeds), "--dims", "20"])
    assert res.exit_code == 0, res.output
    assert "seeds used: 2 positive, 2 negative" in res.stderr and "20 SVD dimensions" in res.stderr


def test_scale_errors_are_one_line(tmp_path):
    seeds = tmp_path / "poles.csv"
    seeds.write_text("term,category,polarity\n精细化,fine,1\n契约式,crude,-1\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["scale", str(DEMO), "--min-count", "2", "--seeds", str(seeds)])
    assert res.exit_code == 3 and "no negative seed word occurs" in res.stderr and res.stderr.count("\n") == 1


def test_scale_with_reference_documents(tmp_path):
    ref = tmp_path / "ref"
    ref.mkdir()
    (ref / "r.txt").write_text("反对形式主义。防止一刀切。不搞大水漫灌。推进精细化治理。", encoding="utf-8")
    res = CliRunner().invoke(cli, ["scale", str(DEMO), "--min-count", "2", "--reference", str(ref)])
    assert res.exit_code == 0, res.output
    assert "scaled 24 documents with 1 reference documents" in res.stderr
    assert len(res.stdout.splitlines()) == 25
