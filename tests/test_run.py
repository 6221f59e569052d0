"""The library run (``Scorer.score`` with paths, outputs and a checkpoint) is the command line's run: the same
outputs, the same checkpoint, killed with SIGKILL and resumed to the same bytes."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import policytext as pt
from policytext.checkpoint import Checkpoint
from policytext.errors import ConfigError
from policytext.readers import ReadOptions

REPO = Path(__file__).resolve().parents[1]

#: a notebook's resumable run, as a script (argv: corpus, output, evidence, errors, resume)
LIBRARY_RUN = textwrap.dedent("""
    import sys
    from policytext import Scorer
    corpus, out, ev, errors, resume = sys.argv[1:]
    result = Scorer().score([corpus], jobs=1, cache=None, output=out, evidence=ev, errors=errors, checkpoint=True,
                            resume=resume == "1", checkpoint_every=5, info=(info := {}))
    print(info.get("resumed", 0), len(result))
""")


def library(*args):
    return [sys.executable, "-c", LIBRARY_RUN, *map(str, args)]


def cli(corpus, out, ev, *extra):
    return [sys.executable, "-m", "policytext", "score", str(corpus), "-o", str(out), "--evidence", str(ev),
            "--jobs", "1", "--no-cache", "--checkpoint-every", "5", *extra]


def test_library_run_killed_and_resumed_gives_what_the_cli_resume_gives(big_demo_corpus, tmp_path,
                                                                       kill_after_parts):
    corpus = big_demo_corpus
    ref = subprocess.run(cli(corpus, tmp_path / "ref.csv", tmp_path / "ref_ev.csv"), capture_output=True, text=True,
                         timeout=600)
    assert ref.returncode == 0, ref.stderr

    # the library run, killed, then resumed by the library
    out, ev, err = tmp_path / "lib.csv", tmp_path / "lib_ev.csv", tmp_path / "lib_err.csv"
    assert kill_after_parts(library(corpus, out, ev, err, 0), tmp_path / ".lib.csv.checkpoint") >= 3
    assert not out.exists() and not ev.exists()
    resumed = subprocess.run(library(corpus, out, ev, err, 1), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    n_resumed, n_scored = map(int, resumed.stdout.split())
    assert 15 <= n_resumed < 400 and n_scored == 400
    assert out.read_bytes() == (tmp_path / "ref.csv").read_bytes()
    assert ev.read_bytes() == (tmp_path / "ref_ev.csv").read_bytes()
    assert not (tmp_path / ".lib.csv.checkpoint").exists() and not list(tmp_path.glob(".lib*.tmp"))

    # the same checkpoint (one fingerprint): a library run killed is resumed by the command line's --resume
    out2, ev2 = tmp_path / "mixed.csv", tmp_path / "mixed_ev.csv"
    assert kill_after_parts(library(corpus, out2, ev2, err, 0), tmp_path / ".mixed.csv.checkpoint") >= 3
    by_cli = subprocess.run(cli(corpus, out2, ev2, "--resume"), capture_output=True, text=True, timeout=600)
    assert by_cli.returncode == 0, by_cli.stderr
    assert "resumed: " in by_cli.stderr and int(by_cli.stderr.split("resumed: ")[1].split()[0]) >= 15
    assert out2.read_bytes() == (tmp_path / "ref.csv").read_bytes()
    assert ev2.read_bytes() == (tmp_path / "ref_ev.csv").read_bytes()


def _demo_files(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("推进精细化治理，实现无缝对接。", encoding="utf-8")
    (folder / "b.txt").write_text("坚持粗放式管理。", encoding="utf-8")
    (folder / "c.txt").write_text("   ", encoding="utf-8")
    return folder


def test_library_run_writes_what_the_cli_writes(tmp_path):
    folder = _demo_files(tmp_path)
    info: dict = {}
    result = pt.Scorer().score(folder, output=tmp_path / "s.csv", evidence=tmp_path / "e.csv",
                               errors=tmp_path / "x.csv", info=info)
    res = subprocess.run([sys.executable, "-m", "policytext", "score", str(folder), "-o", str(tmp_path / "cli.csv"),
                          "--evidence", str(tmp_path / "cli_e.csv"), "--errors", str(tmp_path / "cli_x.csv"), "-q",
                          "--no-cache"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    for mine, theirs in (("s.csv", "cli.csv"), ("e.csv", "cli_e.csv"), ("x.csv", "cli_x.csv")):
        assert (tmp_path / mine).read_bytes() == (tmp_path / theirs).read_bytes()
    assert list(result.scores.doc_id) == ["a", "b"] and [e.error for e in result.errors] == ["EmptyDocumentError"]
    assert result.hits.empty  # the evidence went to the file
    assert info["n_files"] == 3 and "resumed" not in info


def test_paths_read_options_and_a_corpus_give_the_same_scores(tmp_path):
    folder = _demo_files(tmp_path)
    by_paths = pt.Scorer().score([folder], read_options=ReadOptions(glob="[ab].txt"))
    by_corpus = pt.Scorer().score(pt.read_corpus(folder, glob="[ab].txt"))
    assert by_paths.scores.equals(by_corpus.scores) and by_paths.to_text() == by_corpus.to_text()
    assert not by_paths.errors and len(by_paths.hits) == len(by_corpus.hits) > 0
    dropped = pt.Scorer().score([folder], evidence=False)
    assert dropped.hits.empty and len(dropped) == 2


def test_a_run_refuses_what_it_cannot_do(tmp_path):
    folder = _demo_files(tmp_path)
    with pytest.raises(ConfigError, match="resume=True needs a checkpoint"):
        pt.Scorer().score(folder, resume=True)
    with pytest.raises(ConfigError, match="checkpoint=True needs an output file"):
        pt.Scorer().score(folder, checkpoint=True)
    with pytest.raises(ConfigError, match="works without a Dask scheduler"):
        pt.Scorer().score(folder, checkpoint=True, output=tmp_path / "o.csv", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ConfigError, match="read_options apply to paths"):
        pt.Scorer().score(pt.read_corpus(folder), read_options=ReadOptions())


def test_a_checkpoint_path_without_output_is_removed_when_the_run_ends(tmp_path):
    folder = _demo_files(tmp_path)
    result = pt.Scorer().score(folder, checkpoint=tmp_path / "run.marker")
    assert len(result) == 2 and not (tmp_path / ".run.marker.checkpoint").exists()


def test_one_fingerprint_for_score_and_report(tmp_path):
    """Checkpoint.for_run is the one fingerprint: the version, the scorer, the corpus and the reader options
    all count; the same settings give the same fingerprint."""
    scorer = pt.Scorer()
    corpus = pt.read_corpus(_demo_files(tmp_path))
    a = Checkpoint.for_run(tmp_path / "o.csv", scorer, inputs=["docs"], read_options=ReadOptions())
    assert a.fingerprint == Checkpoint.for_run(tmp_path / "p.csv", scorer, inputs=["docs"],
                                               read_options=ReadOptions()).fingerprint
    others = [Checkpoint.for_run(tmp_path / "o.csv", scorer, inputs=["docs"], read_options=ReadOptions(glob="*.txt")),
              Checkpoint.for_run(tmp_path / "o.csv", scorer, inputs=["docs"], read_options=ReadOptions(), evidence=True),
              Checkpoint.for_run(tmp_path / "o.csv", pt.Scorer(t2s=False), inputs=["docs"], read_options=ReadOptions()),
              Checkpoint.for_run(tmp_path / "o.csv", scorer, corpus=corpus)]
    assert len({a.fingerprint, *(c.fingerprint for c in others)}) == 5
    assert a.folder == tmp_path / ".o.csv.checkpoint"


def test_the_readme_notebook_run_works_as_written(tmp_path):
    """The README's resumable, cached, parallel run (Development), run as written in a copy of the demo corpus,
    twice: the second run takes every token from the cache, and the outputs equal the command line's."""
    import re
    import shutil

    readme = (REPO / "README.md").read_text("utf-8").split("## Development", 1)[1]
    code = textwrap.dedent(re.search(r"```python\n(.*?)```", readme, re.S).group(1))
    shutil.copytree(REPO / "corpora" / "demo", tmp_path / "corpora" / "demo")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    runs = [subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=600) for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr + runs[1].stderr
    said = [re.fullmatch(r"(\d+) documents; (\d+) from the checkpoint; (\d+) tokenized\n", r.stdout).groups()
            for r in runs]
    n_docs = int(said[0][0])
    assert n_docs > 10 and said[0] == (str(n_docs), "0", str(n_docs))  # the first run tokenized every document
    assert said[1] == (str(n_docs), "0", "0")  # the second: every token from the cache
    assert (tmp_path / "cache" / "policytext" / "tokens").is_dir()
    res = subprocess.run([sys.executable, "-m", "policytext", "score", "corpora/demo", "--glob", "*/*.txt", "-o",
                          "cli.csv", "--evidence", "cli_hits.csv", "--no-cache", "-q"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "scores.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()
    assert (tmp_path / "hits.csv").read_bytes() == (tmp_path / "cli_hits.csv").read_bytes()


def test_a_result_built_lazily_reads_and_replaces_like_a_dataclass(tmp_path):
    result = pt.Scorer().score(pt.Corpus.from_texts({"a": "推进精细化治理", "b": "粗放管理"}))
    assert len(result) == 2 and result.records[0]["doc_id"] == "a" and not result.has_metadata
    from policytext.io import table_to_text

    assert result.to_text("tsv") == table_to_text(result.scores, "tsv")
    changed = result.scores.assign(index=0.0)
    result.scores = changed
    assert result.scores is changed and result.records[0]["index"] == 0.0 and len(result) == 2
    result.hits = result.hits.head(0)
    assert result.hits.empty
