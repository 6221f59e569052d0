"""policytext topics (fit) and topics apply."""

import io
import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from policytext import load_lexicon
from policytext.cli import cli

DEMO = str(Path(__file__).resolve().parents[1] / "corpora" / "demo")


def test_fit_writes_tables_and_model_then_apply_reproduces_them(tmp_path):
    """The default (anchored, 5 fits) writes the interval columns, the verdict and candidates.csv; apply on the
    saved ensemble reproduces the document table exactly."""
    out = tmp_path / "t"
    res = CliRunner().invoke(cli, ["topics", DEMO, "--k", "6", "--seed", "3", "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    assert "policytext: warning: seed words missing or rare: governance:" in res.stderr  # the demo is small
    assert "anchored model, K=6, 24 documents" in res.stderr and "governance topics: 治理: " in res.stderr
    assert "governance_share (mean of 5 fits)" in res.stderr and "stable: median Spearman between fits" in res.stderr
    docs = pd.read_csv(out / "documents.csv")
    topics = pd.read_csv(out / "topics.csv")
    assert len(docs) == 24 and len(topics) == 6
    for col in ("governance_share", "governance_share_sd", "governance_share_p05", "governance_share_p95",
                "governance_share_nonseed", "contrast_share", "other_topic_1_label", "other_topic_2_share"):
        assert col in docs, col
    assert (docs["governance_share_p05"] <= docs["governance_share_p95"]).all()
    assert (docs["governance_share_nonseed"] <= docs["governance_share"] + 1e-12).all()
    assert topics["fits_found"].between(1, 5).all() and topics.loc[0, "seeded_dimension"] == "governance"
    manifest = json.loads((out / "model" / "manifest.json").read_text("utf-8"))
    assert manifest["settings"]["verdict"] == "stable" and len(manifest["settings"]["fit_seeds"]) == 5
    res = CliRunner().invoke(cli, ["topics", "apply", str(out / "model"), DEMO, "-q"])
    assert res.exit_code == 0, res.stderr
    applied = pd.read_csv(io.StringIO(res.stdout))
    pd.testing.assert_frame_equal(applied, docs)


def test_one_fit_says_it_has_no_interval(tmp_path):
    out = tmp_path / "one"
    res = CliRunner().invoke(cli, ["topics", DEMO, "--k", "6", "--seeds", "1", "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    assert "one fit: no interval" in res.stderr
    docs = pd.read_csv(out / "documents.csv")
    assert docs["governance_share_sd"].isna().all() and docs["governance_share_p95"].isna().all()
    manifest = json.loads((out / "model" / "manifest.json").read_text("utf-8"))
    assert manifest["settings"]["verdict"] is None and "no interval" in manifest["settings"]["verdict_text"]


def test_candidates_file_round_trips_through_lexicon_merge(tmp_path):
    out = tmp_path / "t"
    assert CliRunner().invoke(cli, ["topics", DEMO, "--k", "6", "--seeds", "2", "-q", "-o", str(out)]).exit_code == 0
    cand = pd.read_csv(out / "candidates.csv", dtype=str, keep_default_na=False)
    assert len(cand) > 0 and set(cand["accept"]) == {""}
    assert cand["provenance"].str.startswith("anchored topic model: governance topic").all()
    cand.loc[0, "accept"] = "1"
    cand.to_csv(tmp_path / "reviewed.csv", index=False)
    new = tmp_path / "lex.yaml"
    res = CliRunner().invoke(cli, ["lexicon", "merge", "fine_grained_governance", str(tmp_path / "reviewed.csv"),
                                   "-o", str(new)])
    assert res.exit_code == 0, res.stderr
    assert "added 1 accepted candidates" in res.stderr
    lex = load_lexicon(new)
    assert [t.category for t in lex.terms if t.term == cand.loc[0, "candidate"]] == [cand.loc[0, "category"]]


def test_seeded_dimensions_is_still_there(tmp_path):
    out = tmp_path / "s"
    res = CliRunner().invoke(cli, ["topics", DEMO, "--model", "seeded-dimensions", "--k", "9", "--seed", "3",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    assert "governance topics: fine_grained, smart_admin, seamless_service, co_governance, grassroots, performance" in res.stderr
    assert "paragraphs of 24 documents" in res.stderr


def test_k_range_writes_the_selection_table_and_says_why(tmp_path):
    out = tmp_path / "k"
    res = CliRunner().invoke(cli, ["topics", DEMO, "--model", "nmf", "--k", "3:6:3", "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    table = pd.read_csv(out / "k_selection.csv")
    assert table["k"].tolist() == [3, 6] and table["chosen"].sum() == 1
    assert "highest mean NPMI coherence" in res.stderr


def test_same_seed_same_document_table(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert CliRunner().invoke(cli, ["topics", DEMO, "--model", "lda", "--k", "4", "-q", "-o", str(out)]).exit_code == 0
    assert (a / "documents.csv").read_bytes() == (b / "documents.csv").read_bytes()


def test_bad_input_is_one_line_and_nothing_is_written(tmp_path):
    out = tmp_path / "never"
    res = CliRunner().invoke(cli, ["topics", DEMO, "--model", "lda", "--k", "99", "--unit", "document", "-o", str(out)])
    assert res.exit_code == 3 and "K=99 is more than the 24 documents of 24 documents" in res.stderr
    assert res.stderr.count("policytext: error:") == 1 and "Traceback" not in res.stderr
    res = CliRunner().invoke(cli, ["topics", DEMO, "--min-df", "500", "-o", str(out)])
    assert res.exit_code == 3 and "pruning left no words: min_df=500" in res.stderr
    lex = tmp_path / "lex.csv"
    lex.write_text("term,category\n量子纠缠,x\n暗物质,y\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["topics", DEMO, "--k", "3", "--lexicon", str(lex), "-o", str(out)])
    assert res.exit_code == 3 and "none of the seed words" in res.stderr
    res = CliRunner().invoke(cli, ["topics", DEMO, "--k", "ten", "-o", str(out)])
    assert res.exit_code == 3 and "cannot read K" in res.stderr
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["lex.csv"]
    res = CliRunner().invoke(cli, ["topics", "apply", str(tmp_path), DEMO])
    assert res.exit_code == 3 and "not a policytext topic model folder" in res.stderr


def test_help_has_examples():
    for cmd in (["topics"], ["topics", "fit"], ["topics", "apply"]):
        res = CliRunner().invoke(cli, [*cmd, "--help"])
        assert res.exit_code == 0 and "policytext topics" in res.output


def test_all_empty_documents_are_a_clear_error(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    (d / "a.txt").write_text("  \n", encoding="utf-8")
    (d / "b.txt").write_text("的了。", encoding="utf-8")
    res = CliRunner().invoke(cli, ["topics", str(d), "--model", "lda", "--k", "2", "-o", str(tmp_path / "o")])
    assert res.exit_code == 3
    assert "none of the 1 documents has a countable word" in res.stderr
    assert not (tmp_path / "o").exists()


def test_a_folder_with_other_files_is_never_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"precious")
    res = CliRunner().invoke(cli, ["topics", DEMO, "--model", "nmf", "--k", "3", "-o", str(out)])
    assert res.exit_code == 4 and "folder holds files that are not part of a topic model output (thesis.docx)" in res.stderr
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]


def test_stability_prints_the_agreement_and_writes_the_tables(tmp_path):
    out = tmp_path / "s"
    res = CliRunner().invoke(cli, ["topics", "stability", DEMO, "--k", "8,9", "--seeds", "0,1", "--model", "nmf",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    assert "governance_share over 4 fits (nmf, K 8, 9; seeds 0, 1) of 24 documents: median Spearman" in res.stdout
    assert "Spearman with the lexicon index" in res.stdout and "verdict: " in res.stdout
    assert sorted(p.name for p in out.iterdir()) == ["agreement.csv", "documents.csv", "fits.csv", "summary.json"]
    summary = __import__("json").loads((out / "summary.json").read_text())
    assert summary["fits"] == 4 and len(pd.read_csv(out / "documents.csv")) == 24
    assert summary["verdict"] in ("stable", "unstable") and summary["verdict_text"].startswith(summary["verdict"])
    one = CliRunner().invoke(cli, ["topics", "stability", DEMO, "--k", "9", "--seeds", "0"])
    assert one.exit_code != 0 and "at least two fits" in one.output
