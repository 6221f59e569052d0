"""Resumable batches: a run killed with SIGKILL half-way finishes with --resume, and its outputs are byte for
byte those of an uninterrupted run."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from policytext.checkpoint import Checkpoint, fingerprint
from policytext.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus(big_demo_corpus):
    return big_demo_corpus


def policytext(*args, quiet=True):
    return [sys.executable, "-m", "policytext", "score", *map(str, args), "--jobs", "1", "--no-cache",
            *(["-q"] if quiet else [])]


def test_kill_9_then_resume_gives_the_uninterrupted_outputs(corpus, tmp_path, kill_after_parts):
    ref = subprocess.run(policytext(corpus, "-o", tmp_path / "ref.csv", "--evidence", tmp_path / "ref_ev.csv"),
                         capture_output=True, text=True, timeout=600)
    assert ref.returncode == 0, ref.stderr

    out, ev = tmp_path / "out.csv", tmp_path / "ev.csv"
    folder = tmp_path / ".out.csv.checkpoint"
    parts = kill_after_parts(policytext(corpus, "-o", out, "--evidence", ev, "--checkpoint-every", "5"), folder)
    assert parts >= 3 and not out.exists() and not ev.exists()  # nothing half-written where outputs go
    assert list(tmp_path.glob(".ev.csv.*.tmp"))  # the killed run's evidence stream, left behind

    resumed = subprocess.run(policytext(corpus, "-o", out, "--evidence", ev, "--checkpoint-every", "5", "--resume",
                                        quiet=False), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    n_resumed = int(resumed.stderr.split("resumed: ")[1].split()[0])
    assert 15 <= n_resumed < 400
    assert out.read_bytes() == (tmp_path / "ref.csv").read_bytes()
    assert ev.read_bytes() == (tmp_path / "ref_ev.csv").read_bytes()
    assert not folder.exists()
    assert not list(tmp_path.glob(".*.tmp"))  # --resume removed what the killed run left


def test_resume_refuses_a_checkpoint_made_with_other_settings(corpus, tmp_path):
    cp = Checkpoint(tmp_path / "o.csv", fingerprint(a=1))
    cp.start(resume=False)
    cp.add(("x", "x.txt", {}, {"n": 1}, [], None))
    cp.flush()
    assert Checkpoint(tmp_path / "o.csv", fingerprint(a=1)).start(resume=True) == [("x", "x.txt", {}, {"n": 1}, [], None)]
    with pytest.raises(ConfigError, match="made with other inputs or settings"):
        Checkpoint(tmp_path / "o.csv", fingerprint(a=2)).start(resume=True)
    assert Checkpoint(tmp_path / "o.csv", fingerprint(a=2)).start(resume=False) == []  # without --resume: start over


def test_resume_refuses_a_corpus_that_changed(corpus, tmp_path):
    from policytext import Scorer, read_corpus
    from policytext.parallel import score_documents

    docs = read_corpus(corpus, glob="00/*").documents[:30]
    cp = Checkpoint(tmp_path / "o.csv", "same", every=5)
    score_documents(docs, Scorer(), checkpoint=cp)
    with pytest.raises(ConfigError, match="the corpus changed since the checkpoint"):
        score_documents(docs[1:], Scorer(), checkpoint=Checkpoint(tmp_path / "o.csv", "same"), resume=True)
    full = score_documents(docs, Scorer()).scores
    again = score_documents(docs, Scorer(), checkpoint=Checkpoint(tmp_path / "o.csv", "same"), resume=True).scores
    assert again.equals(full)


def test_resume_needs_an_output_file(corpus):
    res = subprocess.run([sys.executable, "-m", "policytext", "score", str(corpus), "--resume"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "--resume needs -o FILE" in res.stderr


def test_report_killed_while_scoring_resumes_to_the_same_report(corpus, tmp_path, kill_after_parts):
    def report(out, *extra):
        return [sys.executable, "-m", "policytext", "report", str(corpus), "-o", str(out), "--jobs", "1", "-q",
                "--engine", "jieba", *extra]

    ref = subprocess.run(report(tmp_path / "ref"), capture_output=True, text=True, timeout=600)
    assert ref.returncode == 0, ref.stderr
    out, folder = tmp_path / "rep", tmp_path / ".rep.checkpoint"
    assert kill_after_parts(report(out, "--checkpoint-every", "5"), folder) >= 3
    assert not out.exists()
    resumed = subprocess.run(report(out, "--checkpoint-every", "5", "--resume"), capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    for name in ("report.html", "report.xlsx", "scores.csv"):
        assert (out / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name
    assert not folder.exists()


def test_stale_temporary_outputs_are_removed_fresh_ones_and_others_kept(tmp_path):
    from policytext.reports.tables import atomic_write, remove_stale_temps

    out = tmp_path / "scores.csv"
    stale_file, stale_dir = tmp_path / ".scores.csv.ab12cd34.tmp", tmp_path / ".scores.csv.0f0f0f0f.tmp"
    fresh, other = tmp_path / ".scores.csv.zz_99yy8.tmp", tmp_path / ".other.csv.ab12cd34.tmp"
    unrelated = tmp_path / ".scores.csv.notes.tmp"  # not 8 characters: not a name policytext makes
    stale_dir.mkdir()
    (stale_dir / "report.html").write_text("half")
    for path in (stale_file, fresh, other, unrelated):
        path.write_text("x")
    for path in (stale_file, stale_dir, other, unrelated):
        os.utime(path, (1, 1))
    with atomic_write(out, "w") as fh:  # any write of scores.csv removes its stale temporaries
        fh.write("doc_id\n")
    assert not stale_file.exists() and not stale_dir.exists()
    assert fresh.exists() and other.exists() and unrelated.exists() and out.read_text() == "doc_id\n"
    assert remove_stale_temps(out, max_age=0) == 1 and not fresh.exists() and other.exists()
