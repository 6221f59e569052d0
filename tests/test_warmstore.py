"""The store of a warm corpus (policytext.warmstore): a run whose documents all come from the index of
unchanged files scores them at once from arrays, and its outputs are byte-identical to a run that reads and
tokenizes every file; it is written only when due, ignored when damaged, and not used where it does not apply."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import policytext as pt
from policytext import warm, warmstore
from policytext.cache import TokenCache

REPO = Path(__file__).resolve().parents[1]

# a lexicon with what the store must get right: weights that do not add up exactly in binary, one text in two
# categories (one of them with an exclusion only it has), exclusions, the three kinds of context rule (one with
# a window), a contrast category with rejections, a one-character term, a term beyond U+FFFF, ASCII terms
LEXICON = """
name: store-test
version: "1"
categories:
  fine:
    label: fine
    polarity: 1
    terms:
      - term: 精细化
        weight: 0.3
        exclusions: [精细化工]
      - term: 精细
        weight: 0.1
        exclusions: [精细化学品, 精细化工]
      - term: 精细化管理
        weight: 0.7
      - term: 网格
        weight: 0.2
        require_context: [社区, 基层]
      - term: 𠀀治理
        weight: 1.1
      - term: 5G
        weight: 0.3
  service:
    label: service
    polarity: 1
    terms:
      - term: 无缝对接
        weight: 1.3
        exclude_context: [产业链, 供应链]
      - term: 一网通办
      - term: 网格
        weight: 0.6
        exclusions: [网格员]
      - term: 办
        weight: 0.05
  crude:
    label: crude
    polarity: -1
    terms:
      - term: 一刀切
        weight: 0.9
      - term: 粗放
        weight: 0.4
    reject_context:
      - cues: [不搞, 避免, 防止]
        window: 3
"""

PIECES = ["精细化", "精细化工", "精细化管理", "精细", "精细化学品", "网格", "网格员", "社区", "基层", "𠀀治理", "𠀀",
          "5G", "5G网络", "无缝对接", "产业链", "一网通办", "办", "办理", "一刀切", "不搞", "避免", "防止", "粗放",
          "推进", "工作", "的", "和", "是", "城市", "管理", "治理", "服务", "，", "。", "；", "！", "、", "\n",
          "\n\n", " ", "（", "）", "“", "”", "條例", "精細化", "ABC", "12", "：", "\u3000"]


def random_texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        k = rng.choice([1, 2, 5, 30, 120, 400])
        text = "".join(rng.choice(PIECES) for _ in range(k))
        if i % 17 == 3:
            text = "，、；"  # no sentence
        if not text.strip():
            text = "精细化"
        texts.append(text)
    return texts


def write(folder: Path, texts: list[str]) -> Path:
    for i, text in enumerate(texts):
        path = folder / f"{i // 50:02d}" / f"d{i:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def no_racy_margin(monkeypatch):
    """Files written by a test are seconds old; the racy margin of policytext.warm would keep them out."""
    monkeypatch.setattr(warm, "RACY_NS", 0)


def run(scorer, corpus, cache, out: Path, **kw) -> dict:
    info: dict = {}
    scorer.score(corpus, cache=cache, output=out, evidence=kw.pop("evidence", False), info=info, **kw)
    return info


def store_runs(scorer, corpus: Path, tmp: Path) -> tuple[bytes, bytes, list[str]]:
    """The scores of a run without cache, and of the third run on a cache (cold: it writes the store; then
    twice from the store, the second time also with ``jobs=2``); and the store column of the three runs' info;
    the second run's scores are the third's."""
    plain = tmp / "plain.csv"
    scorer.score(corpus, cache=None, output=plain, evidence=False)
    cache = TokenCache(tmp / "cache")
    states = []
    for i in range(3):
        info = run(scorer, corpus, cache, tmp / f"run{i}.csv", jobs=1 if i < 2 else 2)
        states.append(info["warm_index"]["store"])
    assert (tmp / "run1.csv").read_bytes() == (tmp / "run2.csv").read_bytes()
    return plain.read_bytes(), (tmp / "run2.csv").read_bytes(), states


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_store_equals_reading_on_random_texts(tmp_path, seed):
    corpus = write(tmp_path / "corpus", random_texts(seed, 160))
    scorer = pt.Scorer(_yaml_lexicon(tmp_path))
    plain, stored, states = store_runs(scorer, corpus, tmp_path)
    assert states == ["written", "kept", "kept"]  # the cold run writes the store; the warm runs use it
    assert stored == plain


def _yaml_lexicon(tmp_path: Path):
    path = tmp_path / "lexicon.yaml"
    path.write_text(LEXICON, encoding="utf-8")
    return pt.load_lexicon(path)


def test_lexicon_of_the_test_has_every_feature(tmp_path):
    """(the lexicon above holds what it claims, so the comparisons exercise the store's every branch)"""
    lex = _yaml_lexicon(tmp_path)
    terms = {(t.term, t.category) for t in lex.terms}
    assert ("网格", "fine") in terms and ("网格", "service") in terms
    assert any(t.exclusions for t in lex.terms)
    assert any(any(lex.context_rules(t)) for t in lex.terms)
    assert any(ord(ch) > 0xFFFF for t in lex.terms for ch in t.term)
    assert lex.category("crude").polarity == -1


@pytest.mark.parametrize("which", ["default", "changed", "test"])
def test_store_equals_reading_on_the_demo_corpus(tmp_path, which):
    lexicon = {"default": pt.load_lexicon(), "test": _yaml_lexicon(tmp_path)}.get(which)
    if lexicon is None:
        base = pt.load_lexicon()
        mapping = {c: [t.term for t in base.terms_of(c)] for c in base.categories[:-1]}
        mapping[base.categories[0]] += ["营商环境", "放管服", "网格化"]
        lexicon = pt.Lexicon.from_dict(mapping)
    plain, stored, states = store_runs(pt.Scorer(lexicon), REPO / "corpora" / "demo", tmp_path)
    assert states == ["written", "kept", "kept"]
    assert stored == plain


def test_store_equals_reading_on_shared_corpora(tmp_path, shared_corpora):
    """Real documents (a slice of each collection, linked): the default lexicon with its rules and exclusions."""
    corpus = tmp_path / "corpus"
    for folder in sorted(p for p in shared_corpora.iterdir() if p.is_dir()):
        for path in sorted(folder.rglob("*.txt"))[:60]:
            link = corpus / folder.name / path.relative_to(folder)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)
    plain, stored, states = store_runs(pt.Scorer(), corpus, tmp_path)
    assert states == ["written", "kept", "kept"]
    assert stored == plain


@pytest.fixture
def stored_corpus(tmp_path):
    """A corpus whose store is written, its cache and a scorer."""
    corpus = write(tmp_path / "corpus", random_texts(7, 80))
    scorer = pt.Scorer(_yaml_lexicon(tmp_path))
    cache = TokenCache(tmp_path / "cache")
    assert [run(scorer, corpus, cache, tmp_path / "x.csv")["warm_index"]["store"] for _ in range(2)] == \
        ["written", "kept"]
    return corpus, cache, scorer


def forbid_analyze(monkeypatch):
    """Scoring a document one by one (policytext.warm.analyze_document, in this process or a worker) fails."""
    def analyze(*args, **kwargs):
        raise AssertionError("scored one by one")

    monkeypatch.setattr(warm, "analyze_document", analyze)


def count_analyze(monkeypatch) -> list:
    """The documents scored one by one, counted."""
    calls = []
    original = warm.analyze_document

    def analyze(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(warm, "analyze_document", analyze)
    return calls


def test_a_store_run_scores_nothing_one_by_one(stored_corpus, tmp_path, monkeypatch):
    corpus, cache, scorer = stored_corpus
    expected = (tmp_path / "x.csv").read_bytes()
    forbid_analyze(monkeypatch)
    run(scorer, corpus, cache, tmp_path / "y.csv", jobs=2)
    assert (tmp_path / "y.csv").read_bytes() == expected


def test_not_used_with_evidence_and_not_for_a_subclass(stored_corpus, tmp_path, monkeypatch):
    corpus, cache, scorer = stored_corpus
    expected = (tmp_path / "x.csv").read_bytes()
    calls = count_analyze(monkeypatch)
    run(scorer, corpus, cache, tmp_path / "e.csv", evidence=tmp_path / "hits.csv")
    assert calls and (tmp_path / "e.csv").read_bytes() == expected

    class Mine(pt.Scorer):
        def analyze(self, doc, cache=None, *, evidence=True):
            row, hits = super().analyze(doc, cache=cache, evidence=evidence)
            row["n_terms"] = -1
            return row, hits

    assert not warmstore.scorer_supported(Mine(scorer.lexicon))
    run(Mine(scorer.lexicon), corpus, cache, tmp_path / "m.csv")
    assert b",-1," in (tmp_path / "m.csv").read_bytes()


def test_not_used_for_glob_terms(tmp_path):
    lexicon = pt.Lexicon.from_dict({"a": ["精细*", "网格"]})
    assert not warmstore.scorer_supported(pt.Scorer(lexicon))
    corpus = write(tmp_path / "corpus", random_texts(3, 40))
    plain, stored, states = store_runs(pt.Scorer(lexicon), corpus, tmp_path)
    assert stored == plain


def test_a_changed_file_is_read_and_the_store_renewed(stored_corpus, tmp_path):
    corpus, cache, scorer = stored_corpus
    changed = sorted(corpus.rglob("*.txt"))[40]
    changed.write_text("推进城市管理精细化，实现无缝对接。不搞一刀切。", encoding="utf-8")
    plain = tmp_path / "plain.csv"
    scorer.score(corpus, cache=None, output=plain, evidence=False)
    info = run(scorer, corpus, cache, tmp_path / "a.csv")
    # the documents before the changed file came from the store, the rest one by one; then renewed with its entry
    assert info["warm_index"]["read"] == 1 and info["warm_index"]["store"] == "written"
    assert (tmp_path / "a.csv").read_bytes() == plain.read_bytes()
    info = run(scorer, corpus, cache, tmp_path / "b.csv")
    assert info["warm_index"]["store"] == "kept"
    info = run(scorer, corpus, cache, tmp_path / "c.csv")
    assert info["warm_index"]["store"] == "kept"
    assert (tmp_path / "b.csv").read_bytes() == (tmp_path / "c.csv").read_bytes() == plain.read_bytes()


@pytest.mark.parametrize("damage", ["truncate", "header", "magic", "empty", "other-corpus"])
def test_a_damaged_store_is_ignored_and_rebuilt(stored_corpus, tmp_path, monkeypatch, damage):
    corpus, cache, scorer = stored_corpus
    expected = (tmp_path / "x.csv").read_bytes()
    path = next((cache.folder / "warm").glob("*.store"))
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[:-100])
    elif damage == "header":
        at = data.index(b'"keys"') + 12
        path.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1:])
    elif damage == "magic":
        path.write_bytes(b"X" + data[1:])
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # another corpus's store under this name
        other = write(tmp_path / "other", random_texts(8, 30))
        for _ in range(2):
            run(scorer, other, cache, tmp_path / "o.csv")
        other_store = next(p for p in (cache.folder / "warm").glob("*.store") if p != path)
        path.write_bytes(other_store.read_bytes())
    calls = count_analyze(monkeypatch)
    info = run(scorer, corpus, cache, tmp_path / "y.csv")
    assert calls  # not used
    assert info["warm_index"]["store"] == "written"
    assert (tmp_path / "y.csv").read_bytes() == expected
    forbid_analyze(monkeypatch)
    run(scorer, corpus, cache, tmp_path / "z.csv")
    assert (tmp_path / "z.csv").read_bytes() == expected


def test_verify_rebuilds_the_store(stored_corpus, tmp_path):
    corpus, cache, scorer = stored_corpus
    info = run(scorer, corpus, cache, tmp_path / "v.csv", verify=True)
    assert info["warm_index"]["store"] == "written"
    assert (tmp_path / "v.csv").read_bytes() == (tmp_path / "x.csv").read_bytes()


def test_identical_files_share_an_entry_and_the_store_stays(tmp_path):
    corpus = write(tmp_path / "corpus", ["推进精细化管理。"] * 5 + ["网格化服务，一网通办。"] * 3)
    scorer = pt.Scorer(_yaml_lexicon(tmp_path))
    cache = TokenCache(tmp_path / "cache")
    states = [run(scorer, corpus, cache, tmp_path / f"{i}.csv")["warm_index"]["store"] for i in range(4)]
    assert states == ["written", "kept", "kept", "kept"]
    assert (tmp_path / "3.csv").read_bytes() == (tmp_path / "0.csv").read_bytes()


def test_cache_clear_removes_the_store(stored_corpus):
    corpus, cache, scorer = stored_corpus
    assert list((cache.folder / "warm").glob("*.store"))
    cache.clear()
    assert not list(cache.folder.glob("warm/*.store"))


def test_the_store_serves_documents_whose_packs_are_gone(stored_corpus, tmp_path, monkeypatch):
    """Entries the store holds are taken from it, whether or not the cache's packs still have them; a run that
    cannot use the store (evidence) reads those files again."""
    corpus, cache, scorer = stored_corpus
    expected = (tmp_path / "x.csv").read_bytes()
    for pack in cache.folder.glob("*.pack"):
        pack.unlink()
    forbid_analyze(monkeypatch)
    info = run(scorer, corpus, TokenCache(cache.folder), tmp_path / "y.csv")
    assert info["warm_index"]["unread"] == 80 and (tmp_path / "y.csv").read_bytes() == expected
    monkeypatch.undo()
    monkeypatch.setattr(warm, "RACY_NS", 0)
    info = run(scorer, corpus, TokenCache(cache.folder), tmp_path / "z.csv", evidence=tmp_path / "hits.csv")
    assert (tmp_path / "z.csv").read_bytes() == expected


def test_a_batch_from_the_store_is_one_checkpoint_part(tmp_path):
    """Outcomes added while held go into one part (one fsync), written by the next add or flush; a resume
    reads them back like any part."""
    from policytext.checkpoint import Checkpoint

    cp = Checkpoint(tmp_path / "o.csv", "same", every=2)
    cp.begin(False)
    outcomes = [(f"d{i}", f"s{i}", {}, {"n": i}, [], None) for i in range(7)]
    with cp.held():
        for outcome in outcomes[:5]:
            cp.add(outcome)
        cp.wait()
        assert not list(cp.folder.glob("part-*"))
    cp.add(outcomes[5])
    cp.add(outcomes[6])
    cp.flush()
    parts = sorted(cp.folder.glob("part-*"))
    assert len(parts) == 2
    assert list(Checkpoint(tmp_path / "o.csv", "same").begin(True)) == outcomes


def test_a_store_run_with_a_checkpoint_resumes_to_the_same_scores(stored_corpus, tmp_path):
    corpus, cache, scorer = stored_corpus
    expected = (tmp_path / "x.csv").read_bytes()
    out = tmp_path / "r.csv"
    run(scorer, corpus, cache, out, checkpoint=True)
    assert out.read_bytes() == expected and not list(tmp_path.glob(".r.csv.checkpoint"))


@pytest.mark.parametrize("seed", range(5))
def test_unique_is_numpys(seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    values = rng.integers(0, [1, 3, 50, 2**40, 7][seed], size=[0, 1, 10, 1000, 5][seed])
    expected = np.unique(values, return_counts=True)
    got = warmstore._unique(values, counts=True)
    assert got[0].tolist() == expected[0].tolist() and got[1].tolist() == expected[1].tolist()
    assert warmstore._unique(values).tolist() == expected[0].tolist()


def test_no_store_above_the_size_limit(tmp_path, monkeypatch):
    """A corpus over MAX_CHARS characters gets no store; its runs score document by document, the same."""
    corpus = write(tmp_path / "corpus", random_texts(4, 30))
    monkeypatch.setattr(warmstore, "MAX_CHARS", 200)
    scorer = pt.Scorer(_yaml_lexicon(tmp_path))
    plain = tmp_path / "plain.csv"
    scorer.score(corpus, cache=None, output=plain, evidence=False)
    cache = TokenCache(tmp_path / "cache")
    states = [run(scorer, corpus, cache, tmp_path / f"{i}.csv")["warm_index"]["store"] for i in range(2)]
    assert states == ["not written", "not written"] and not list(cache.folder.glob("warm/*.store"))
    assert (tmp_path / "1.csv").read_bytes() == plain.read_bytes()


CONCURRENT = """
import sys
import policytext as pt
from policytext import warm
warm.RACY_NS = 0
corpus, out, cache, lexicon = sys.argv[1:5]
info = {}
pt.Scorer(pt.load_lexicon(lexicon)).score(corpus, cache=cache, output=out, evidence=False, info=info)
print(info["warm_index"]["unread"], info["warm_index"]["store"])
"""


def test_two_concurrent_runs_write_and_read_the_store(tmp_path):
    """Two processes on one cache at once: both write a whole store (the last replace wins) and both then score
    from one; the scores are those of a run without cache, and no temporary file is left."""
    import os
    import subprocess
    import sys

    corpus = write(tmp_path / "corpus", random_texts(11, 200))
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text(LEXICON, encoding="utf-8")
    plain = tmp_path / "plain.csv"
    pt.Scorer(pt.load_lexicon(lexicon)).score(corpus, cache=None, output=plain, evidence=False)
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    for round_ in ("cold", "warm"):
        outs = [tmp_path / f"{round_}{i}.csv" for i in range(2)]
        procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(corpus), str(out), str(cache), str(lexicon)],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for out in outs]
        results = [p.communicate(timeout=300) for p in procs]
        assert all(p.returncode == 0 for p in procs), results
        assert all(out.read_bytes() == plain.read_bytes() for out in outs)
        if round_ == "warm":
            assert [stdout.split() for stdout, _ in results] == [["200", "kept"]] * 2
    assert len(list((cache / "warm").glob("*.store"))) == 1 and not list((cache / "warm").glob(".*.tmp"))


def test_building_leaves_numpys_huge_page_setting_as_it_was(tmp_path):
    pytest.importorskip("numpy._core.multiarray", reason="numpy 2 has the switch there")
    from numpy._core.multiarray import _set_madvise_hugepage

    corpus = write(tmp_path / "corpus", random_texts(5, 20))
    original = _set_madvise_hugepage(True)
    try:
        for setting in (True, False):
            _set_madvise_hugepage(setting)
            info = run(pt.Scorer(_yaml_lexicon(tmp_path)), corpus, TokenCache(tmp_path / f"cache{setting}"),
                       tmp_path / "x.csv")
            assert info["warm_index"]["store"] == "written"
            assert _set_madvise_hugepage(setting) is setting  # (it returns the setting it replaces)
    finally:
        _set_madvise_hugepage(original)
