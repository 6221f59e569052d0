"""The token cache: a hit gives what a fresh run gives, a changed tokenizer never gets stale tokens, a damaged
entry is detected and rebuilt, concurrent writers are safe, and nothing is written unless asked."""

import multiprocessing
import os
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import policytext as pt
from policytext.cache import Segmentation, TokenCache, default_cache_dir, segment_text
from policytext.cli import cli
from policytext.matching import split_sentences
from policytext.tokenize import is_word_token

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "corpora" / "demo"

TEXTS = ["全面推进网格\n化管理，实现公共服务无缝对接。", "發展精細化工，生產無縫鋼管。", "２０２５年 坚持共建共治共享"]
LEX_A = pt.Lexicon.from_dict({"fine": ["网格化管理", "精细化"], "co": ["无缝对接", "共治"]})
LEX_B = pt.Lexicon.from_dict({"co": ["共建共治共享", "公共服务"], "crude": ["无缝钢管"]})


@pytest.fixture(autouse=True)
def private_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def packs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pack"))


def n_entries(folder: Path) -> int:
    """Distinct entries on disk, as a new cache on the folder (a later run) sees them."""
    return len(TokenCache(folder))


def test_a_hit_returns_what_a_fresh_run_computes(tmp_path, tokenizer):
    cache = TokenCache(tmp_path / "c")
    for raw in TEXTS:
        fresh = pt.normalize_text(raw)
        tokens = tokenizer.tokenize(fresh)
        miss = cache.segment(raw, tokenizer)
        hit = cache.segment(raw, tokenizer)
        for seg in (miss, hit):
            assert seg.text == fresh and seg.tokens() == tokens
            assert seg.n_chars == sum(1 for ch in fresh if not ch.isspace())
            assert seg.n_tokens == sum(1 for w, _, _ in tokens if is_word_token(w))
    assert cache.stats == {"hits": 3, "misses": 3, "bad": 0, "write_errors": 0}
    assert len(cache) == 3 and n_entries(tmp_path / "c") == 3


def test_a_batch_writes_one_pack_and_a_later_cache_reads_it(tmp_path, tokenizer):
    cache = TokenCache(tmp_path / "c")
    with cache.batch():
        first = [cache.segment(raw, tokenizer) for raw in TEXTS]
        assert packs(tmp_path / "c") == [] and cache.segment(TEXTS[0], tokenizer).text == first[0].text
    assert len(packs(tmp_path / "c")) == 1 and cache.stats["hits"] == 1
    later = TokenCache(tmp_path / "c")
    again = [later.segment(raw, tokenizer) for raw in TEXTS]
    assert later.stats["hits"] == 3 and later.stats["misses"] == 0
    assert [(s.text, s.tokens()) for s in again] == [(s.text, s.tokens()) for s in first]


def test_a_full_buffer_is_written_before_the_batch_ends(tmp_path, tokenizer):
    cache = TokenCache(tmp_path / "c", pack_bytes=1)
    with cache.batch():
        for raw in TEXTS:
            cache.segment(raw, tokenizer)
        assert len(packs(tmp_path / "c")) == 3


def test_many_entries_are_merged_into_the_index_and_still_found(tmp_path, tokenizer):
    cache = TokenCache(tmp_path / "c")
    texts = [f"第{i}条 推进精细化管理" for i in range(40)]
    with cache.batch():
        segs = [cache.segment(raw, tokenizer) for raw in texts[:20]]
    cache._packs()._merge()  # what happens after 65,536 entries
    segs += [cache.segment(raw, tokenizer) for raw in texts[20:]]
    assert [cache.segment(raw, tokenizer).tokens() for raw in texts] == [s.tokens() for s in segs]
    assert cache.stats["hits"] == 40 and len(cache) == 40 == n_entries(tmp_path / "c")


def test_segmentation_bytes_round_trip():
    seg = segment_text("推进精细化管理 \n\n 2006-2020年", pt.Tokenizer())
    back = Segmentation.from_bytes(seg.to_bytes())
    assert (back.text, back.tokens(), back.n_chars, back.n_tokens) == (seg.text, seg.tokens(), seg.n_chars, seg.n_tokens)
    assert back.sentences.tolist() == seg.sentences.tolist() == [a for a, _ in split_sentences(seg.text)]
    assert back.sentences.tolist() == [0, 11]


def test_entries_keep_the_sentence_starts_and_an_entry_of_the_format_before_is_refused():
    # a long sentence: starts 256 characters apart need four bytes per delta
    raw = "推进精细化管理。" + "网格" * 200 + "。\n  附件1"
    seg = segment_text(raw, pt.Tokenizer())
    back = Segmentation.from_bytes(seg.to_bytes())
    assert back.sentences.tolist() == [a for a, _ in split_sentences(seg.text)] == [0, 8, 412]
    old = bytearray(seg.to_bytes())
    old[:8] = b"PTTOK2\n\x00"  # the magic of format 3 (no sentences): never parsed as this format
    with pytest.raises(ValueError, match="not a policytext token-cache entry"):
        Segmentation.from_bytes(bytes(old))


def test_scores_with_and_without_cache_are_identical(tmp_path):
    corpus = pt.read_corpus(DEMO)
    plain = pt.Scorer().score(corpus)
    cache = TokenCache(tmp_path / "c")
    cold = pt.Scorer().score(corpus, cache=cache)
    warm = pt.Scorer().score(corpus, cache=cache)
    for result in (cold, warm):
        pd.testing.assert_frame_equal(result.scores, plain.scores)
        pd.testing.assert_frame_equal(result.hits, plain.hits)
    assert cache.stats["misses"] == 24 and cache.stats["hits"] == 24


def test_a_changed_lexicon_reuses_the_tokens(tmp_path):
    cache = TokenCache(tmp_path / "c")
    corpus = pt.Corpus.from_texts(TEXTS)
    pt.Scorer(LEX_A).score(corpus, cache=cache)
    before = dict(cache.stats)
    with_b = pt.Scorer(LEX_B).score(corpus, cache=cache)
    assert cache.stats["hits"] - before["hits"] == 3 and cache.stats["misses"] == before["misses"]
    pd.testing.assert_frame_equal(with_b.scores, pt.Scorer(LEX_B).score(corpus).scores)
    assert with_b.scores["hits_crude"].tolist() == [0, 1, 0]  # t2s applied before the cached tokens were made


@pytest.mark.parametrize("other", [
    dict(tokenizer=pt.Tokenizer(hmm=False)),
    dict(tokenizer=pt.Tokenizer(words=["公共服务无缝对接"])),
    dict(tokenizer=pt.Tokenizer(engine="jieba")),  # the fixture's Tokenizer() is rjieba (engine auto)
    dict(t2s=False),
], ids=["no-hmm", "injected-words", "other-engine", "no-t2s"])
def test_a_changed_tokenizer_configuration_is_another_key(tmp_path, tokenizer, other):
    cache = TokenCache(tmp_path / "c")
    raw = TEXTS[1]
    cache.segment(raw, tokenizer)
    tok = other.get("tokenizer", tokenizer)
    t2s = other.get("t2s", True)
    assert cache.key(raw, tok, t2s) != cache.key(raw, tokenizer, True)
    seg = cache.segment(raw, tok, t2s=t2s)
    assert cache.stats["hits"] == 0 and cache.stats["misses"] == 2
    fresh = pt.normalize_text(raw, t2s=t2s)
    assert seg.text == fresh and seg.tokens() == tok.tokenize(fresh)


def test_injecting_a_changed_lexicon_changes_the_key(tmp_path):
    words_a = [t.term for t in LEX_A.terms]
    words_b = [t.term for t in LEX_B.terms]
    cache = TokenCache(tmp_path / "c")
    assert cache.key(TEXTS[0], pt.Tokenizer(words=words_a)) != cache.key(TEXTS[0], pt.Tokenizer(words=words_b))
    assert cache.key(TEXTS[0], pt.Tokenizer(words=words_a)) == cache.key(TEXTS[0], pt.Tokenizer(words=words_a))


def _damaged(data: bytes, damage: str) -> bytes:
    mid = len(data) // 2  # inside the entry's text: the pack holds one small entry
    return {"truncated": data[:mid],  # a write cut short
            "entry-flipped": data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1:],
            "index-flipped": data[:-40] + bytes([data[-40] ^ 0xFF]) + data[-39:],
            "garbage": b"not a cache pack at all" * 3,
            "empty": b""}[damage]


@pytest.mark.parametrize("damage", ["truncated", "entry-flipped", "index-flipped", "garbage", "empty"])
def test_a_damaged_pack_is_detected_removed_and_rebuilt(tmp_path, tokenizer, damage):
    good = TokenCache(tmp_path / "c").segment(TEXTS[0], tokenizer)
    (path,) = packs(tmp_path / "c")
    path.write_bytes(_damaged(path.read_bytes(), damage))
    cache = TokenCache(tmp_path / "c")  # the next run
    assert cache.get(cache.key(TEXTS[0], tokenizer)) is None
    assert cache.stats["bad"] == 1 and not path.exists()  # removed
    rebuilt = cache.segment(TEXTS[0], tokenizer)
    assert rebuilt.tokens() == good.tokens() and rebuilt.text == good.text
    (new,) = packs(tmp_path / "c")
    assert TokenCache(tmp_path / "c").get(cache.key(TEXTS[0], tokenizer)).tokens() == good.tokens()


@pytest.mark.parametrize("damage", ["truncated", "entry-flipped"])
def test_damage_after_the_index_was_read_is_detected_too(tmp_path, tokenizer, damage):
    cache = TokenCache(tmp_path / "c")
    good = cache.segment(TEXTS[0], tokenizer)
    (path,) = packs(tmp_path / "c")
    path.write_bytes(_damaged(path.read_bytes(), damage))
    assert cache.get(cache.key(TEXTS[0], tokenizer)) is None
    assert cache.stats["bad"] == 1 and not path.exists()
    assert cache.segment(TEXTS[0], tokenizer).tokens() == good.tokens() and cache.stats["misses"] == 2


def test_a_damaged_pack_does_not_change_scores(tmp_path):
    cache = TokenCache(tmp_path / "c")
    corpus = pt.Corpus.from_texts(TEXTS)
    first = pt.Scorer(LEX_A).score(corpus, cache=cache)
    damaged = packs(tmp_path / "c")
    for path in damaged:
        path.write_bytes(path.read_bytes()[:-7])
    again_cache = TokenCache(tmp_path / "c")
    again = pt.Scorer(LEX_A).score(corpus, cache=again_cache)
    pd.testing.assert_frame_equal(first.scores, again.scores)
    assert again_cache.stats["bad"] == len(damaged) >= 1 and again_cache.stats["misses"] == 3
    assert n_entries(tmp_path / "c") == 3


def test_stale_temporary_packs_are_removed_fresh_ones_kept(tmp_path, tokenizer):
    folder = tmp_path / "c"
    TokenCache(folder).segment(TEXTS[0], tokenizer)
    stale, fresh = folder / ".dead.pack.tmp", folder / ".busy.pack.tmp"
    stale.write_bytes(b"half a pack")
    fresh.write_bytes(b"a pack being written")
    os.utime(stale, (1, 1))
    assert len(TokenCache(folder)) == 1
    assert not stale.exists() and fresh.exists()


def _write_many(folder):
    cache = TokenCache(folder)
    tok = pt.Tokenizer()
    for _ in range(3):
        for raw in TEXTS:
            cache.put(cache.key(raw, tok), segment_text(raw, tok))
    return True


def test_concurrent_writers_never_leave_a_broken_entry(tmp_path):
    folder = tmp_path / "shared"
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert pool.map(_write_many, [folder] * 4) == [True] * 4
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert files and all(p.suffix == ".pack" and not p.name.startswith(".") for p in files)  # no temporary files
    cache = TokenCache(folder)
    assert len(cache) == 3
    for raw in TEXTS:
        assert cache.segment(raw, pt.Tokenizer()).text == pt.normalize_text(raw)
    assert cache.stats["hits"] == 3 and cache.stats["bad"] == 0


def test_an_unwritable_cache_does_not_fail_the_run(tmp_path):
    blocker = tmp_path / "c"
    blocker.write_text("a file where the cache folder's parent would be")
    cache = TokenCache(blocker / "tokens")
    result = pt.Scorer(LEX_A).score(pt.Corpus.from_texts(TEXTS), cache=cache)
    assert len(result.scores) == 3 and cache.stats["write_errors"] == 3


def test_the_library_writes_nothing_unless_given_a_cache(tmp_path):
    pt.Scorer().score(pt.read_corpus(DEMO))
    pt.score_texts(TEXTS)
    assert not (tmp_path / "xdg").exists()


def test_default_cache_dir_is_in_the_user_cache_folder(tmp_path):
    assert default_cache_dir() == tmp_path / "xdg" / "policytext" / "tokens"


def test_cli_uses_the_default_cache_and_reuses_it(tmp_path):
    runner = CliRunner()
    first = runner.invoke(cli, ["score", str(DEMO)])
    assert first.exit_code == 0, first.output
    assert "token cache 0 reused, 24 new" in first.stderr
    assert n_entries(tmp_path / "xdg" / "policytext" / "tokens") == 24
    lex = tmp_path / "lex.yaml"
    lex.write_text(LEX_B.dumps("yaml"), encoding="utf-8")
    second = runner.invoke(cli, ["score", str(DEMO), "--lexicon", str(lex)])
    assert second.exit_code == 0 and "token cache 24 reused, 0 new" in second.stderr
    plain = runner.invoke(cli, ["score", str(DEMO), "--lexicon", str(lex), "--no-cache", "-q"])
    assert plain.stdout == second.stdout


def test_cli_cache_dir_no_cache_and_their_conflict(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["score", str(DEMO), "--cache", str(tmp_path / "mine"), "-q"])
    assert res.exit_code == 0 and n_entries(tmp_path / "mine") == 24
    res = runner.invoke(cli, ["score", str(DEMO), "--no-cache", "-q"])
    assert res.exit_code == 0 and not (tmp_path / "xdg").exists()
    res = runner.invoke(cli, ["score", str(DEMO), "--no-cache", "--cache", str(tmp_path / "mine")])
    assert res.exit_code == 2 and "exclude each other" in res.output
    (tmp_path / "file").write_text("x")
    res = runner.invoke(cli, ["score", str(DEMO), "--cache", str(tmp_path / "file")])
    assert res.exit_code in (2, 3) and "file" in res.output


def test_cli_inject_lexicon_with_another_lexicon_misses(tmp_path):
    runner = CliRunner()
    folder = str(tmp_path / "c")
    runner.invoke(cli, ["score", str(DEMO), "--cache", folder, "--inject-lexicon", "-q"])
    lex = tmp_path / "lex.yaml"
    lex.write_text(LEX_B.dumps("yaml"), encoding="utf-8")
    res = runner.invoke(cli, ["score", str(DEMO), "--cache", folder, "--inject-lexicon", "--lexicon", str(lex)])
    assert res.exit_code == 0 and "token cache 0 reused, 24 new" in res.stderr
    assert n_entries(tmp_path / "c") == 48
    assert os.path.isdir(folder)


@pytest.mark.parametrize("engine", ["jieba", "rjieba"])
def test_counts_follow_the_published_definitions_on_odd_characters(engine):
    raw = "推进_治理 𠀀字 ①② ，。abc 12.5% —— \U0001F600 ＿ Ⅷ 〇 ٣ x_y __ \u3000 ··· 2006-2020年"
    tok = pt.Tokenizer(engine=engine)
    seg = segment_text(raw, tok)
    tokens = tok.tokenize(seg.text)
    assert seg.tokens() == tokens
    assert seg.n_tokens == sum(1 for w, _, _ in tokens if is_word_token(w))
    assert seg.n_chars == sum(1 for ch in seg.text if not ch.isspace())


def test_cli_cache_info_and_clear_touch_only_cache_files(tmp_path):
    runner = CliRunner()
    folder = tmp_path / "c"
    assert runner.invoke(cli, ["score", str(DEMO), "--cache", str(folder), "-q"]).exit_code == 0
    old = folder / "ab" / ("a" * 64 + ".tok")  # an entry of the format before packs
    old.parent.mkdir()
    old.write_bytes(b"old entry")
    (folder / "ab" / "mine.txt").write_text("not the cache's")
    (folder / "notes.txt").write_text("not the cache's either")
    (folder / "broken.pack").write_bytes(b"not a pack")
    info = runner.invoke(cli, ["cache", "info", "--cache", str(folder)])
    assert info.exit_code == 0, info.output
    assert "2 packs, 24 entries" in info.output and "damaged packs: 1" in info.output
    assert "1 file (9 bytes)" in info.output
    assert (folder / "broken.pack").exists()  # looking changes nothing
    kept = runner.invoke(cli, ["cache", "clear", "--cache", str(folder), "--older-than", "1"])
    assert kept.exit_code == 0 and "removed 0 packs" in kept.output
    assert n_entries(folder) == 24 and not (folder / "broken.pack").exists()  # a run removes a damaged pack
    cleared = runner.invoke(cli, ["cache", "clear", "--cache", str(folder)])
    assert cleared.exit_code == 0 and "removed 1 pack and 1 file of an older format" in cleared.output
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == ["ab", "ab/mine.txt", "notes.txt"]
    assert n_entries(folder) == 0
    empty = runner.invoke(cli, ["cache", "info", "--cache", str(tmp_path / "none")])
    assert empty.exit_code == 0 and "0 packs, 0 entries" in empty.output


def test_clear_older_than_removes_only_old_packs(tmp_path, tokenizer):
    cache = TokenCache(tmp_path / "c")
    cache.segment(TEXTS[0], tokenizer)
    cache.segment(TEXTS[1], tokenizer)
    first, second = packs(tmp_path / "c")
    os.utime(first, (1, 1))
    assert cache.clear(older_than_days=30)["packs"] == 1
    assert packs(tmp_path / "c") == [second] and n_entries(tmp_path / "c") == 1


def test_reading_without_pread_as_on_windows(tmp_path, tokenizer, monkeypatch):
    import policytext.cache as cache_module

    monkeypatch.setattr(cache_module, "_PREAD", False)
    first = TokenCache(tmp_path / "c")
    with first.batch():
        segs = [first.segment(raw, tokenizer) for raw in TEXTS]
    later = TokenCache(tmp_path / "c")
    assert [later.segment(raw, tokenizer).tokens() for raw in TEXTS] == [s.tokens() for s in segs]
    assert later.stats["hits"] == 3 and later._packs()._fds == {}


def test_compact_merges_small_packs_keeps_every_entry_once_and_skips_damaged_ones(tmp_path, tokenizer):
    folder = tmp_path / "c"
    cache = TokenCache(folder)
    texts = [f"第{i}条 推进精细化管理" for i in range(12)]
    segs = [cache.segment(raw, tokenizer) for raw in texts]  # outside a batch: a pack each
    cache.segment(texts[0], tokenizer)  # a hit, nothing written
    with TokenCache(folder).batch() as again:  # the same entry written again in another pack
        again.put(again.key(texts[1], tokenizer), segs[1])
    broken = folder / "broken.pack"
    broken.write_bytes(b"not a pack")
    assert len(packs(folder)) == 14
    result = CliRunner().invoke(cli, ["cache", "compact", "--cache", str(folder)])
    assert result.exit_code == 0, result.output
    assert "14 packs before, 1 after (13 small packs merged, 12 entries copied)" in result.output
    assert not broken.exists()  # removed, as any run removes a damaged pack
    later = TokenCache(folder)
    assert [later.segment(raw, tokenizer).tokens() for raw in texts] == [s.tokens() for s in segs]
    assert later.stats["hits"] == 12 and len(later) == 12 and later.stats["bad"] == 0
    assert TokenCache(folder).compact() == {"packs_before": 1, "packs_after": 1, "merged": 0, "entries": 0}


def test_deltas_packed_in_half_bytes_bytes_or_four_bytes_round_trip():
    """Format 5 stores the deltas uncompressed, two to a byte when all are 0-15: every width, odd and even
    counts, and whole entries whose tokens and sentences need different widths."""
    import numpy as np
    from hypothesis import given, settings, strategies as st

    from policytext.cache import _pack, _packed_size, _unpack, _width

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.integers(0, 15), max_size=41) | st.lists(st.integers(0, 255), max_size=41)
           | st.lists(st.integers(-2**31, 2**31 - 1), max_size=41))
    def check(values):
        deltas = np.array(values, dtype=np.int64)
        width = _width(deltas)
        assert width == (0 if all(0 <= v <= 15 for v in values) else 1 if all(0 <= v <= 255 for v in values)
                         else 4)
        data = b"xyz" + _pack(deltas, width) + b"tail"
        assert len(data) == 7 + _packed_size(len(values), width)
        assert _unpack(data, 3, len(values), width).tolist() == values

    check()
    tok = pt.Tokenizer()
    for raw in ["推进精细化管理", "推进精细化管理。", "https://example.org/a-very-long-address-in-one-token 推进。" * 3,
                "推进精细化管理。" + "网格" * 200 + "。\n  附件1", "甲"]:
        seg = segment_text(raw, tok)
        back = Segmentation.from_bytes(seg.to_bytes())
        assert back.bounds.tolist() == seg.bounds.tolist() and back.sentences.tolist() == seg.sentences.tolist()
        assert back.text == seg.text and (back.n_chars, back.n_tokens) == (seg.n_chars, seg.n_tokens)
    data = segment_text("推进精细化管理", tok).to_bytes()
    with pytest.raises(ValueError, match="do not match"):  # one byte of the half-byte deltas missing
        Segmentation.from_bytes(_with_length(data[:-1]))


def _with_length(data: bytes) -> bytes:
    """An entry cut short, with its header's length and checksum made to agree (only the counts can tell)."""
    import struct
    import zlib

    payload = data[20:]
    return struct.pack("<8sQI", data[:8], len(payload), zlib.crc32(payload)) + payload


def test_deltas_are_numpy_diff_with_a_leading_zero():
    import numpy as np

    from policytext.cache import _deltas

    rng = np.random.default_rng(5)
    for dtype in (np.int32, np.int64):
        for n in (0, 1, 2, 7):
            values = np.cumsum(rng.integers(0, 300, n)).astype(dtype)
            got = _deltas(values)
            assert got.dtype == values.dtype and got.tolist() == np.diff(values, prepend=dtype(0)).tolist()
