"""policytext report: exit codes, the files written, messages on stderr, --help examples, --topics."""

import importlib
import importlib.util
import json
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from policytext.cli import cli

REPO = Path(__file__).resolve().parents[1]
DEMO = str(REPO / "corpora" / "demo")


@pytest.fixture
def runner():
    return CliRunner()


def test_report_on_the_demo_corpus_writes_the_folder(runner, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(cli, ["report", DEMO, "-o", str(out), "--group-by", "region", "--title", "演示报告"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["columns.csv", "manifest.json", "report.docx", "report.html",
                                                     "report.xlsx", "scores.csv"]
    assert res.stdout == ""
    assert "policytext: report of 24 documents written to" in res.stderr
    assert "report.docx, scores.csv, columns.csv, manifest.json" in res.stderr
    html = (out / "report.html").read_text("utf-8")
    assert "<title>演示报告</title>" in html and "按“地区”比较" in html and '<section id="trend">' in html
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["options"]["group_by"] == ["region"] and manifest["counts"]["scored"] == 24
    assert len(manifest["inputs"]) == 25  # 24 documents and metadata.csv


def test_quiet_report_prints_nothing(runner, tmp_path):
    res = runner.invoke(cli, ["report", DEMO, "-o", str(tmp_path / "out"), "-q", "--engine", "rjieba"])
    assert res.exit_code == 0 and res.output == ""
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))
    assert manifest["tokenizer"]["engine"] == "rjieba"


def test_help_has_examples(runner):
    res = runner.invoke(cli, ["report", "--help"])
    assert res.exit_code == 0
    assert re.search(r"Examples:\n\s+policytext report corpora/demo -o \S+\n", res.output), res.output
    for opt in ("--group-by COLUMN", "--topics K", "--title TEXT", "--seed", "--lang [zh|en]"):
        assert opt in res.output


def test_unknown_group_column_is_a_one_line_error(runner, tmp_path):
    res = runner.invoke(cli, ["report", DEMO, "-o", str(tmp_path / "out"), "--group-by", "province"])
    assert res.exit_code == 3
    assert res.stderr.startswith("policytext: error: no column 'province' to group by; metadata columns: title, year,")
    assert "Traceback" not in res.stderr and not (tmp_path / "out").exists()


def test_a_folder_with_other_files_is_refused_with_exit_code_4(runner, tmp_path):
    (tmp_path / "thesis.docx").write_bytes(b"mine")
    res = runner.invoke(cli, ["report", DEMO, "-o", str(tmp_path)])
    assert res.exit_code == 4 and "not part of a report (thesis.docx)" in res.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.docx"]


@pytest.mark.skipif(importlib.util.find_spec("policytext.topics") is None
                    or not hasattr(importlib.import_module("policytext.topics"), "fit_topics"),
                    reason="policytext.topics.fit_topics is not available")
def test_topics_end_to_end(runner, tmp_path):
    """The seeded model needs at least one topic per lexicon dimension (7 by default): K=8 is the smallest
    useful K; the demo corpus is fitted on paragraphs."""
    out = tmp_path / "out"
    res = runner.invoke(cli, ["report", DEMO, "-o", str(out), "--topics", "8", "-q"])
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text("utf-8")
    assert '<section id="topics">' in html and "共 8 个主题" in html
    wb = openpyxl.load_workbook(out / "report.xlsx")
    assert "topics" in wb.sheetnames
    rows = list(wb["topics"].iter_rows(values_only=True))
    assert len(rows) == 10 and rows[0][:2] == ("主题", "标签") and rows[1][:2] == ("topic_id", "label")
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["seeds"]["topics"] == 0 and manifest["topics"]["k"] == 8


def test_lang_en_labels_the_workbook_in_english(runner, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(cli, ["report", DEMO, "-o", str(out), "--group-by", "region", "--lang", "en", "-q"])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out / "report.xlsx")
    assert [c.value for c in wb["scores"][1]][:2] == ["Rank", "Document"]
    assert json.loads((out / "manifest.json").read_text("utf-8"))["options"]["lang"] == "en"
    res = runner.invoke(cli, ["report", DEMO, "-o", str(tmp_path / "x"), "--lang", "fr"])
    assert res.exit_code == 2 and "'fr' is not one of 'zh', 'en'" in res.stderr


def test_score_round_n_rounds_the_decimal_columns_and_keeps_full_precision_by_default(runner):
    """``policytext score --round N`` (owned with the report's analyst CSV, issue 16)."""
    full = runner.invoke(cli, ["score", DEMO, "-q", "--no-cache"])
    rounded = runner.invoke(cli, ["score", DEMO, "-q", "--no-cache", "--round", "2"])
    assert full.exit_code == rounded.exit_code == 0
    import io

    import pandas as pd

    a, b = pd.read_csv(io.StringIO(full.stdout)), pd.read_csv(io.StringIO(rounded.stdout))
    assert list(a.columns) == list(b.columns) and a["doc_id"].tolist() == b["doc_id"].tolist()
    assert (a["index"].round(2) == b["index"]).all() and (a["per10k_grassroots"].round(2) == b["per10k_grassroots"]).all()
    assert (a["hits_total"] == b["hits_total"]).all()
    assert re.search(r"\.\d{5,}", full.stdout) and not re.search(r"\d\.\d{3,}", rounded.stdout)
    assert runner.invoke(cli, ["score", DEMO, "--round", "-1"]).exit_code == 2


# -- tomotopy is an extra (issue 15.5) ---------------------------------------------------------------------------
WITHOUT_TOMOTOPY = """
import sys
sys.modules["tomotopy"] = None  # as if tomotopy were not installed: every import of it raises ImportError
{body}
"""


def _without_tomotopy(tmp_path, body: str):
    import os
    import subprocess
    import sys
    import textwrap

    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-c", WITHOUT_TOMOTOPY.format(body=textwrap.dedent(body))],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)


def test_anchored_topics_without_tomotopy_is_one_line_naming_the_extra(tmp_path):
    """`pip install .` leaves tomotopy out (92 MB); the commands that fit the anchored model say in one line
    which extra to install, the library raises the typed error, and the models that do without it still fit."""
    extra = 'pip install "policytext[topics]"'
    cli_run = """
        from policytext.cli import main
        sys.argv = ["policytext", *{args!r}]
        main()
    """
    for args in (["report", DEMO, "-o", "out", "--topics", "3"],
                 ["topics", "fit", DEMO, "--k", "3", "--seeds", "2", "-o", "tout"]):
        res = _without_tomotopy(tmp_path, cli_run.format(args=args))
        assert res.returncode == 3, (args, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert "Traceback" not in res.stderr, res.stderr
        assert lines[-1].startswith("policytext: error: the anchored topic model needs tomotopy, which is not "
                                    "installed; " + extra), (args, lines)
        assert res.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no report folder, no table

    res = _without_tomotopy(tmp_path, f"""
        import policytext as pt
        from policytext.errors import ConfigError, MissingDependencyError
        from policytext.topics import TopicOptions, fit_topics
        corpus = pt.read_corpus({DEMO!r})
        try:
            fit_topics(corpus, 3, TopicOptions(model="anchored", n_fits=1))
        except MissingDependencyError as exc:
            assert isinstance(exc, ConfigError)
            print(exc)
        print(fit_topics(corpus, 3, TopicOptions(model="nmf")).settings["k"], "tomotopy" in sys.modules and sys.modules["tomotopy"] is None)
    """)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0].endswith(extra + " (the lda, nmf and seeded-dimensions models do without it)")
    assert res.stdout.splitlines()[1:] == ["3 True"]
