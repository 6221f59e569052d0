"""The index of unchanged files (policytext.warm): a warm run does not open a file whose identity is unchanged,
reads it on any doubt, and its outputs are byte-identical to a cold run's (scores, evidence, errors).

"Not opened" is shown by recording every ``os.open``/``io.open`` of a corpus file in this process (every
reader opens through them: ``policytext.readers._files.open_regular``), with ``jobs=1``; the runs with
worker processes check the outputs and the counts the index keeps."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

import policytext as pt
from policytext import warm
from policytext.cache import TokenCache
from policytext.cli import cli
from policytext.readers import ReadOptions

REPO = Path(__file__).resolve().parents[1]
OUTPUTS = ("scores.csv", "hits.csv", "errors.csv")

# texts written for this test; a few terms of the default lexicon in each
TEXTS = {
    "a/通知.txt": "各区要推进基层治理精细化，建立网格化管理机制。\n社区服务实现无缝对接，群众办事零距离。\n",
    "a/意见.md": "# 意见\n\n健全绩效评估制度，完善考评办法，\n推动多元共治和社会参与。\n",
    "b/报告.html": "<html><body><article><p>城市管理由粗放走向精细化。</p><p>推进智慧政务，"
                   "一网通办。</p></article></body></html>",
    "b/條例.txt": "本條例所稱精細化管理，是指以標準化手段提升基層治理水平。\n",
    "c/空白.txt": "   \n\n",
    "c/旧稿.doc": "not read",
}
METADATA = "doc_id,region,year\na/通知,东区,2024\nb/报告,西区,2025\n"
TABLE = "doc_id,text\nt1,推进社区自治与共建共治共享。\nt2,完善政务服务标准化建设。\n"


@pytest.fixture(autouse=True)
def no_racy_margin(monkeypatch):
    """Files written by a test are seconds old; the racy margin (tested on its own below) would keep them out."""
    monkeypatch.setattr(warm, "RACY_NS", 0)


@pytest.fixture(scope="module")
def scorers():
    lexicon = pt.load_lexicon()
    mapping = {c: [t.term for t in lexicon.terms_of(c)] for c in lexicon.categories[:-1]}
    mapping[lexicon.categories[0]] += ["网格化", "一网通办"]
    return pt.Scorer(), pt.Scorer(pt.Lexicon.from_dict(mapping))


def write_corpus(root: Path) -> Path:
    for rel, text in TEXTS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="gb18030" if rel.endswith("條例.txt") else "utf-8")
    (root / "metadata.csv").write_text(METADATA, encoding="utf-8")
    (root / "c" / "表.csv").write_text(TABLE, encoding="utf-8")
    old = 1_600_000_000_000_000_000  # identities are compared, not ages: an old mtime changes nothing
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(old, old))
    return root


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus")


SINGLE = sorted(rel for rel in TEXTS if not rel.endswith(".doc"))


def run(scorer, corpus, out: Path, cache=None, **kw) -> tuple[dict, dict]:
    out.mkdir(parents=True)
    info: dict = {}
    scorer.score(corpus if isinstance(corpus, list) else str(corpus), cache=cache, output=out / "scores.csv", evidence=out / "hits.csv",
                 errors=out / "errors.csv", info=info, **kw)
    return {name: (out / name).read_bytes() for name in OUTPUTS}, info


class Opens:
    """Records the corpus files opened in this process."""

    def __init__(self, monkeypatch, root: Path):
        self.paths: list[str] = []
        root = os.fspath(root)
        real_os_open, real_io_open = os.open, io.open

        def note(path):
            if isinstance(path, (str, bytes, os.PathLike)):
                name = os.fsdecode(os.fspath(path))
                if name.startswith(root):
                    self.paths.append(Path(name).relative_to(root).as_posix())

        def os_open(path, *args, **kwargs):
            note(path)
            return real_os_open(path, *args, **kwargs)

        def io_open(file, *args, **kwargs):
            note(file)
            return real_io_open(file, *args, **kwargs)

        monkeypatch.setattr(os, "open", os_open)
        monkeypatch.setattr(io, "open", io_open)

    def documents(self) -> list[str]:
        return sorted({p for p in self.paths if p in TEXTS})


def cold(scorer, corpus, out: Path) -> dict:
    """The reference: no cache at all."""
    return run(scorer, corpus, out)[0]


def test_unchanged_files_are_not_opened_and_outputs_match_a_cold_run(corpus, tmp_path, scorers, monkeypatch):
    default, changed = scorers
    cache = TokenCache(tmp_path / "cache")
    first, info = run(default, corpus, tmp_path / "first", cache)
    assert info["warm_index"]["recorded"] == len(SINGLE) - 1  # the empty text gives an error: never indexed
    assert first == cold(default, corpus, tmp_path / "cold")
    opens = Opens(monkeypatch, corpus)
    # a warm run after a lexicon change: only the empty file (an error) is read again, and the table
    warm_out, info = run(changed, corpus, tmp_path / "warm", TokenCache(tmp_path / "cache"))
    assert opens.documents() == ["c/空白.txt"]
    assert "c/表.csv" in opens.paths and "metadata.csv" in opens.paths  # tables and metadata: always read
    assert info["warm_index"]["unread"] == len(SINGLE) - 1 and info["warm_index"]["written"] == 0
    assert info["encodings"]["%s" % (corpus / "b" / "條例.txt")] == "gb18030"
    monkeypatch.undo()
    reference = cold(changed, corpus, tmp_path / "cold2")
    assert warm_out == reference
    assert b"\xe4\xb8\x9c\xe5\x8c\xba" in warm_out["scores.csv"]  # 东区: metadata joined as in a cold run
    assert b"EmptyDocumentError" in warm_out["errors.csv"] and b"UnsupportedFormatError" in warm_out["errors.csv"]
    assert info["encodings"] == run(changed, corpus, tmp_path / "info")[1]["encodings"]


@pytest.mark.parametrize("restore_mtime", [False, True], ids=["new-mtime", "old-mtime-restored"])
def test_a_file_changed_in_place_with_the_same_size_is_read(corpus, tmp_path, scorers, monkeypatch, restore_mtime):
    default, _ = scorers
    run(default, corpus, tmp_path / "first", TokenCache(tmp_path / "cache"))
    path = corpus / "a" / "通知.txt"
    before = path.stat()
    text = TEXTS["a/通知.txt"].replace("精细化", "粗放式")  # three characters for three: the same bytes
    path.write_text(text, encoding="utf-8")
    if restore_mtime:  # as `touch -d` or a careless copy would: the ctime still moves on
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert after.st_size == before.st_size
    assert (after.st_mtime_ns == before.st_mtime_ns) is restore_mtime
    assert after.st_ctime_ns != before.st_ctime_ns
    opens = Opens(monkeypatch, corpus)
    out, info = run(default, corpus, tmp_path / "warm", TokenCache(tmp_path / "cache"))
    assert opens.documents() == ["a/通知.txt", "c/空白.txt"]
    monkeypatch.undo()
    assert out == cold(default, corpus, tmp_path / "cold")
    assert "粗放式" in out["hits.csv"].decode("utf-8-sig")
    assert info["warm_index"]["recorded"] == 1 and info["warm_index"]["written"] == 1


def test_a_touched_file_is_read_once_then_skipped_again(corpus, tmp_path, scorers, monkeypatch):
    default, _ = scorers
    cache = tmp_path / "cache"
    first, _ = run(default, corpus, tmp_path / "first", TokenCache(cache))
    os.utime(corpus / "a" / "意见.md")  # touched, content unchanged
    opens = Opens(monkeypatch, corpus)
    out, info = run(default, corpus, tmp_path / "warm", TokenCache(cache))
    assert opens.documents() == ["a/意见.md", "c/空白.txt"]
    assert info["token_cache"]["misses"] == 0  # same text, same entry: nothing tokenized
    opens.paths.clear()
    again, _ = run(default, corpus, tmp_path / "again", TokenCache(cache))
    assert opens.documents() == ["c/空白.txt"]
    monkeypatch.undo()
    assert out == again == first == cold(default, corpus, tmp_path / "cold")


def test_renamed_and_deleted_files(corpus, tmp_path, scorers, monkeypatch):
    default, _ = scorers
    cache = tmp_path / "cache"
    run(default, corpus, tmp_path / "first", TokenCache(cache))
    (corpus / "a" / "意见.md").rename(corpus / "a" / "新意见.md")
    (corpus / "b" / "报告.html").unlink()
    opens = Opens(monkeypatch, corpus)
    out, info = run(default, corpus, tmp_path / "warm", TokenCache(cache))
    assert opens.documents() == ["c/空白.txt"]
    assert "a/新意见.md" in opens.paths  # the new name is read (it is not in the index)
    monkeypatch.undo()
    assert out == cold(default, corpus, tmp_path / "cold")
    assert b"a/\xe6\x96\xb0" in out["scores.csv"]  # a/新意见, the new id
    index = json.loads(Path(info["warm_index"]["path"]).read_bytes().split(b"\n", 2)[2])
    names = sorted(Path(p).relative_to(corpus).as_posix() for p in index["files"])
    assert names == ["a/新意见.md", "a/通知.txt", "b/條例.txt"]  # the deleted file is gone from the index


@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage", "empty"])
def test_a_damaged_index_is_ignored_and_rebuilt(corpus, tmp_path, scorers, monkeypatch, damage):
    default, _ = scorers
    cache = tmp_path / "cache"
    first, info = run(default, corpus, tmp_path / "first", TokenCache(cache))
    index = Path(info["warm_index"]["path"])
    data = index.read_bytes()
    index.write_bytes({"truncated": data[:len(data) // 2], "flipped": data[:-5] + bytes([data[-5] ^ 1]) + data[-4:],
                       "garbage": b"\x00\xff" * 40, "empty": b""}[damage])
    opens = Opens(monkeypatch, corpus)
    out, info = run(default, corpus, tmp_path / "warm", TokenCache(cache))
    assert opens.documents() == SINGLE  # every file read again
    assert info["warm_index"]["damaged"] == 1 and info["warm_index"]["written"] == 1
    opens.paths.clear()
    run(default, corpus, tmp_path / "again", TokenCache(cache))
    assert opens.documents() == ["c/空白.txt"]  # rebuilt
    monkeypatch.undo()
    assert out == first == cold(default, corpus, tmp_path / "cold")


def test_entries_missing_from_the_cache_packs_mean_reading(corpus, tmp_path, scorers, monkeypatch):
    default, _ = scorers
    cache = tmp_path / "cache"
    first, _ = run(default, corpus, tmp_path / "first", TokenCache(cache))
    for pack in [*cache.glob("*.pack"), *cache.glob("warm/*.store")]:  # (entries in a store serve: test_warmstore)
        pack.unlink()
    opens = Opens(monkeypatch, corpus)
    out, info = run(default, corpus, tmp_path / "warm", TokenCache(cache))
    assert opens.documents() == SINGLE and info["warm_index"]["unread"] == 0
    monkeypatch.undo()
    assert out == first


def test_an_entry_vanishing_after_the_index_was_read_is_read_by_the_scoring_process(corpus, tmp_path, scorers,
                                                                                   monkeypatch):
    default, _ = scorers
    cache = tmp_path / "cache"
    first, _ = run(default, corpus, tmp_path / "first", TokenCache(cache))
    for pack in cache.glob("*.pack"):
        pack.unlink()
    monkeypatch.setattr(TokenCache, "contains", lambda self, key: True)  # the packs were there when listed
    for jobs, options in ((1, {}), (2, {"min_docs": 1, "min_chars": 1, "chunk_docs": 1})):
        out, info = run(default, corpus, tmp_path / f"warm{jobs}", TokenCache(cache), jobs=jobs, **options)
        assert info["warm_index"]["unread"] == len(SINGLE) - 1
        assert out == first


def test_worker_processes_score_unread_files_from_the_cache(corpus, tmp_path, scorers):
    default, changed = scorers
    cache = tmp_path / "cache"
    options = {"jobs": 2, "min_docs": 1, "min_chars": 1, "chunk_docs": 2}
    first, info = run(default, corpus, tmp_path / "first", TokenCache(cache), **options)
    assert info["warm_index"]["recorded"] == len(SINGLE) - 1  # keys noted by the workers
    out, info = run(changed, corpus, tmp_path / "warm", TokenCache(cache), **options)
    assert info["warm_index"]["unread"] == len(SINGLE) - 1 and info["token_cache"]["misses"] == 0
    assert first == cold(default, corpus, tmp_path / "cold1")
    assert out == cold(changed, corpus, tmp_path / "cold2")


def test_other_reader_or_tokenizer_options_are_another_index(corpus, tmp_path, scorers, monkeypatch):
    default, _ = scorers
    cache = tmp_path / "cache"
    _, info = run(default, corpus, tmp_path / "first", TokenCache(cache))
    opens = Opens(monkeypatch, corpus)
    _, glob_info = run(default, corpus, tmp_path / "glob", TokenCache(cache), read_options=ReadOptions(glob="a/*"))
    assert opens.documents() == ["a/意见.md", "a/通知.txt"]
    opens.paths.clear()
    no_t2s = pt.Scorer(default.lexicon, t2s=False)
    _, t2s_info = run(no_t2s, corpus, tmp_path / "t2s", TokenCache(cache))
    assert opens.documents() == SINGLE
    paths = {info["warm_index"]["path"], glob_info["warm_index"]["path"], t2s_info["warm_index"]["path"]}
    assert len(paths) == 3


def test_the_racy_margin_keeps_files_changed_just_now_out_of_the_index(corpus, tmp_path, scorers, monkeypatch):
    """Every file of the fixture was written (its ctime set) a moment ago: none is recorded until the clock is
    RACY_NS past it."""
    default, _ = scorers
    monkeypatch.setattr(warm, "RACY_NS", 2_000_000_000)
    _, info = run(default, corpus, tmp_path / "first", TokenCache(tmp_path / "cache"))
    assert info["warm_index"]["read"] == len(SINGLE) and info["warm_index"]["recorded"] == 0
    real = time.time_ns
    monkeypatch.setattr(warm, "time", types.SimpleNamespace(time_ns=lambda: real() + 3_000_000_000))
    _, info = run(default, corpus, tmp_path / "later", TokenCache(tmp_path / "cache"))
    assert info["warm_index"]["recorded"] == len(SINGLE) - 1


def test_verify_reads_every_file_and_refreshes_the_index(corpus, tmp_path, scorers, monkeypatch):
    default, _ = scorers
    cache = tmp_path / "cache"
    first, info = run(default, corpus, tmp_path / "first", TokenCache(cache))
    index = Path(info["warm_index"]["path"])
    index.write_bytes(b"PTWARM1\n" + b"0" * 64 + b"\n{}")  # damaged
    opens = Opens(monkeypatch, corpus)
    res = CliRunner().invoke(cli, ["score", str(corpus), "-o", str(tmp_path / "v.csv"), "--cache", str(cache),
                                   "--verify", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert opens.documents() == SINGLE
    assert "unchanged files not read" not in res.stderr
    opens.paths.clear()
    res = CliRunner().invoke(cli, ["score", str(corpus), "-o", str(tmp_path / "w.csv"), "--cache", str(cache),
                                   "--jobs", "1"])
    assert res.exit_code == 0 and f"{len(SINGLE) - 1} unchanged files not read" in res.stderr
    assert opens.documents() == ["c/空白.txt"]
    opens.paths.clear()
    out, info = run(default, corpus, tmp_path / "lib", TokenCache(cache), verify=True)
    assert opens.documents() == SINGLE and info["warm_index"]["unread"] == 0
    monkeypatch.undo()
    assert out == first
    assert (tmp_path / "v.csv").read_bytes() == (tmp_path / "w.csv").read_bytes() == first["scores.csv"]


def test_the_index_is_replaced_whole_last_writer_wins(corpus, tmp_path, scorers):
    """Two runs that finish one after the other, each with what it saw: the file is always one of them."""
    default, _ = scorers
    cache = TokenCache(tmp_path / "cache")
    run(default, corpus, tmp_path / "first", cache)
    one = warm.WarmIndex(cache, str(corpus), None, default.tokenizer, True, verify=True)
    two = warm.WarmIndex(cache, str(corpus), None, default.tokenizer, True, verify=True)
    assert one.path == two.path
    one._new = {"x": [1, 2, 3, 4, 5, "00" * 32, None, 10, "x"]}
    two._new = {"y": [1, 2, 3, 4, 5, "11" * 32, None, 10, "y"]}
    assert one.save() and two.save()
    assert list(warm.WarmIndex(cache, str(corpus), None, default.tokenizer, True)._old) == ["y"]
    assert not list(one.path.parent.glob(".*.tmp"))


CONCURRENT = """
import sys
import policytext as pt
from policytext import warm
warm.RACY_NS = 0
corpus, out, cache = sys.argv[1:4]
info = {}
pt.Scorer().score(corpus, cache=cache, output=out + "/scores.csv", evidence=out + "/hits.csv",
                  errors=out + "/errors.csv", info=info)
print(info["warm_index"]["unread"], info["warm_index"]["damaged"])
"""


def test_two_concurrent_runs(corpus, tmp_path, scorers):
    default, _ = scorers
    for i in range(30):  # enough files that the runs overlap
        (corpus / "d" / f"{i:02d}.txt").parent.mkdir(exist_ok=True)
        (corpus / "d" / f"{i:02d}.txt").write_text(f"第{i}条 推进基层治理精细化。\n" * (i + 1), encoding="utf-8")
    reference = cold(default, corpus, tmp_path / "cold")
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    for round_ in ("cold", "warm"):  # both start with no index, then both with the index the winner wrote
        outs = [tmp_path / f"{round_}{i}" for i in range(2)]
        for out in outs:
            out.mkdir()
        procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(corpus), str(out), str(cache)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for out in outs]
        results = [p.communicate(timeout=300) for p in procs]
        assert all(p.returncode == 0 for p in procs), results
        for out in outs:
            assert {name: (out / name).read_bytes() for name in OUTPUTS} == reference
        unread = [int(stdout.split()[0]) for stdout, _ in results]
        assert all(stdout.split()[1] == "0" for stdout, _ in results)  # neither saw a half-written index
        if round_ == "warm":
            assert unread == [len(SINGLE) - 1 + 30] * 2
    idx = list((cache / "warm").glob("*.idx"))
    assert len(idx) == 1 and not list((cache / "warm").glob(".*.tmp"))


def test_cache_clear_removes_the_indexes(corpus, tmp_path, scorers):
    default, _ = scorers
    cache = TokenCache(tmp_path / "cache")
    _, info = run(default, corpus, tmp_path / "first", cache)
    assert Path(info["warm_index"]["path"]).exists()
    cache.clear()
    assert not (tmp_path / "cache" / "warm").exists()


def test_files_named_directly(corpus, tmp_path, scorers, monkeypatch):
    default, _ = scorers
    files = [str(corpus / "a" / "通知.txt"), str(corpus / "b" / "报告.html")]
    cache = tmp_path / "cache"
    first, info = run(default, files, tmp_path / "first", TokenCache(cache))
    assert info["warm_index"]["recorded"] == 2
    opens = Opens(monkeypatch, corpus)
    out, info = run(default, files, tmp_path / "warm", TokenCache(cache))
    assert opens.documents() == [] and info["warm_index"]["unread"] == 2
    monkeypatch.undo()
    assert out == first == run(default, files, tmp_path / "cold")[0]
