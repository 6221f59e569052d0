"""Scoring on a Dask cluster gives what a local run gives: one LocalCluster (two worker processes, loopback
only) is started for the whole module."""

import io
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import policytext as pt
from policytext.cli import cli
from policytext.distributed import partition_entries, score_distributed
from policytext.errors import ColumnError
from policytext.readers import plan_corpus, read_corpus

distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed (the test extra has it)")

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "corpora" / "demo"


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=50) as c:
        yield c


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """A folder with documents, a table with a repeated id and an empty cell, a file that cannot be decoded,
    a document whose id repeats a table row's id, and metadata for some of them."""
    root = tmp_path_factory.mktemp("dask") / "mixed"
    root.mkdir()
    docs = read_corpus(DEMO).documents
    for i, d in enumerate(docs[:12]):
        (root / f"a{i:02d}.txt").write_text(d.text, encoding="utf-8")
    rows = ["doc_id,text,region"] + [f"t{i},\"{d.text.replace(chr(34), '')}\",r{i % 3}" for i, d in enumerate(docs)]
    rows += ["t3,重复的编号,r0", "t99,,r1"]
    (root / "b_table.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (root / "c_binary.txt").write_bytes(b"\x00\x01\x02\xff\xfe" * 10)
    (root / "t5.txt").write_text("社区共治", encoding="utf-8")  # id t5: also a row of the table, read earlier
    (root / "metadata.csv").write_text("doc_id,year\na00,2020\nt1,2021\nghost,1999\n", encoding="utf-8")
    return root


def test_cli_scheduler_run_equals_the_local_run(cluster, mixed, tmp_path):
    runner = CliRunner()
    outputs = {}
    for name, extra in (("local", ["--jobs", "1"]), ("dask", ["--scheduler", cluster.scheduler_address])):
        folder = tmp_path / name
        folder.mkdir()
        res = runner.invoke(cli, ["score", str(mixed), "--no-cache", "-o", str(folder / "scores.csv"),
                                  "--evidence", str(folder / "hits.csv"), "--errors", str(folder / "errors.csv"),
                                  *extra])
        assert res.exit_code == 0, res.output
        assert "4 of 40 inputs not scored" in res.stderr
        outputs[name] = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    assert outputs["dask"] == outputs["local"]
    errors = pd.read_csv(tmp_path / "dask" / "errors.csv")
    assert sorted(errors["error"]) == ["DecodeError", "DuplicateIdError", "DuplicateIdError", "EmptyDocumentError"]


def test_library_run_with_small_partitions_equals_read_and_score(cluster, mixed, tmp_path):
    scorer = pt.Scorer()
    corpus = read_corpus(mixed)
    local = scorer.score(corpus)
    info = {}
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        from policytext.cache import TokenCache

        pt_cache = TokenCache(tmp_path / "cache")
        counts = []
        for cache in (pt_cache, pt_cache):  # cold, then warm: the same result both times
            remote = score_distributed([mixed], scorer, scheduler=client, min_partition_bytes=1, info=info,
                                       cache=cache)
            pd.testing.assert_frame_equal(remote.scores, local.scores)
            pd.testing.assert_frame_equal(remote.hits, local.hits)
            assert remote.errors == local.errors
            counts.append(dict(pt_cache.stats))
    assert info == corpus.info
    cold, warm = counts  # counted on the workers, added up here
    assert cold["misses"] > 20 and warm["misses"] == cold["misses"]
    assert warm["hits"] - cold["hits"] == cold["hits"] + cold["misses"]


def test_without_evidence_the_workers_build_no_hit_row(cluster, mixed):
    scorer = pt.Scorer()
    local = scorer.score(read_corpus(mixed))
    seen = []
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        remote = score_distributed([mixed], scorer, scheduler=client, min_partition_bytes=1, on_hits=seen.append,
                                   evidence=False)
    pd.testing.assert_frame_equal(remote.scores, local.scores)
    assert len(local.hits) > 50 and len(seen) == len(local.scores) and not any(seen)


def test_tables_are_split_into_row_ranges(mixed):
    plan = plan_corpus(mixed)
    parts = partition_entries(plan.entries, n_threads=2, min_bytes=1)
    table = [(k, n) for part in parts for entry, k, n in part if entry.path.name == "b_table.csv"]
    assert len(table) > 1 and [k for k, _ in table] == list(range(len(table)))
    assert [e.path.name for part in parts for e, k, _ in part if k == 0] == [e.path.name for e in plan.entries]


def test_a_missing_column_fails_as_locally(cluster, mixed):
    with pytest.raises(ColumnError, match="no column 'body'"):
        score_distributed([mixed], pt.Scorer(), scheduler=cluster.scheduler_address, text_column="body")


def test_relative_paths_are_read_by_workers_whose_folder_differs(cluster, mixed, monkeypatch):
    monkeypatch.chdir(mixed.parent)  # the workers were started elsewhere
    runner = CliRunner()
    args = ["score", mixed.name, "--no-cache", "-q", "--glob", "*.txt"]
    local = runner.invoke(cli, args)
    remote = runner.invoke(cli, [*args, "--scheduler", cluster.scheduler_address])
    assert remote.exit_code == 0 and remote.stdout == local.stdout
    assert len(pd.read_csv(io.StringIO(remote.stdout))) == 13


def test_topics_apply_on_a_cluster_equals_the_local_table(cluster, tmp_path):
    """Fold-in is per document and deterministic: partitions on two workers give the local table, row for row."""
    from click.testing import CliRunner

    from policytext.cli import cli
    from policytext.topics import apply_topics

    out = tmp_path / "fit"
    run = CliRunner().invoke(cli, ["topics", "fit", str(DEMO), "--k", "4", "--seeds", "2", "--passes", "50",
                                   "-o", str(out), "-q"])
    assert run.exit_code == 0, run.output
    corpus = read_corpus(DEMO)
    local = apply_topics(out / "model", corpus)
    on_cluster = apply_topics(out / "model", corpus, scheduler=cluster.scheduler_address, partition_docs=5)
    assert len(local) == len(corpus) > 10
    pd.testing.assert_frame_equal(on_cluster, local)
    shares = tmp_path / "shares.csv"
    run = CliRunner().invoke(cli, ["topics", "apply", str(out / "model"), str(DEMO), "--scheduler",
                                   cluster.scheduler_address, "-o", str(shares), "-q"])
    assert run.exit_code == 0, run.output
    assert len(pd.read_csv(shares)) == len(local)


def test_every_reader_option_reaches_the_workers(cluster, tmp_path):
    """--max-chars, --include-docs (and --sheet) are read on the workers as locally: the ReadOptions object
    travels with the task, so a cluster run reads exactly what read_corpus reads."""
    from policytext.readers import ReadOptions

    root = tmp_path / "opts"
    root.mkdir()
    (root / "README.txt").write_text("推进精细化治理。", encoding="utf-8")
    (root / "long.txt").write_text("推进精细化治理，实现无缝对接。" * 20, encoding="utf-8")
    (root / "short.txt").write_text("社区共治。", encoding="utf-8")
    opts = ReadOptions(max_chars=100, include_docs=True)
    local = pt.Scorer().score([root], read_options=opts)
    remote = pt.Scorer().score([root], read_options=opts, scheduler=cluster.scheduler_address)
    assert list(local.scores.doc_id) == ["README", "short"]
    pd.testing.assert_frame_equal(remote.scores, local.scores)
    assert [e.error for e in remote.errors] == [e.error for e in local.errors] == ["TooLargeError"]
