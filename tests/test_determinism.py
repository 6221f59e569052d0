"""Same inputs and settings give byte-identical outputs whatever the order files were created in, --jobs, or
the state of the token cache; only manifest.json carries times."""

import shutil

import pytest
from click.testing import CliRunner

from policytext.cli import cli


def run(*args):
    res = CliRunner().invoke(cli, [*map(str, args), "-q"])
    assert res.exit_code == 0, res.stderr
    return res


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_score_outputs_do_not_depend_on_jobs_or_cache(big_demo_corpus, tmp_path, ext):
    """A quarter of the big demo corpus (100 documents): enough for ``--jobs 2`` to score in parallel, in several
    chunks (checked below)."""
    from policytext.parallel import CHUNK_CHARS, MIN_CHARS, MIN_DOCS

    corpus = big_demo_corpus / "00"
    texts = [p.read_text("utf-8") for p in corpus.glob("*.txt")]
    assert len(texts) >= MIN_DOCS and sum(map(len, texts)) >= max(MIN_CHARS, 3 * CHUNK_CHARS)
    cache = tmp_path / "cache"
    outs = []
    for i, opts in enumerate([["--jobs", "1", "--no-cache"], ["--jobs", "2", "--cache", cache],
                              ["--jobs", "2", "--cache", cache], ["--jobs", "1", "--cache", cache]]):
        out, ev = tmp_path / f"s{i}{ext}", tmp_path / f"e{i}{ext}"
        run("score", corpus, "-o", out, "--evidence", ev, *opts)
        outs.append((out.read_bytes(), ev.read_bytes()))
    assert all(o == outs[0] for o in outs[1:])


def test_file_creation_order_does_not_matter(tmp_path):
    texts = {f"{k}.txt": f"第{k}份：推进网格化管理与社区共治，杜绝一刀切。" for k in "dcba"}
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, order in ((a, sorted(texts)), (b, sorted(texts, reverse=True))):
        folder.mkdir()
        for name in order:
            (folder / name).write_text(texts[name], encoding="utf-8")
    run("score", a, "-o", tmp_path / "a.csv")
    run("score", b, "-o", tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_report_files_are_identical_except_the_manifest(big_demo_corpus, tmp_path):
    small = tmp_path / "corpus"
    shutil.copytree(big_demo_corpus / "00", small)
    run("report", small, "-o", tmp_path / "r1", "--jobs", "1")
    run("report", small, "-o", tmp_path / "r2", "--jobs", "2")
    for name in ("report.html", "report.xlsx", "scores.csv"):
        assert (tmp_path / "r1" / name).read_bytes() == (tmp_path / "r2" / name).read_bytes(), name
    m1 = (tmp_path / "r1" / "manifest.json").read_text("utf-8")
    assert '"started_utc"' in m1 and '"finished_utc"' in m1
