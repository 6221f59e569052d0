"""Scoring a long document slice by slice (policytext.slicing, issue 13.10) gives exactly what scoring it whole
gives: the score row, the evidence rows (offsets, context, statuses) and the files the command line writes.
Texts are generated here from the lexicon's terms and cues, traditional characters, hard wraps, headings and
punctuation, so that many slice boundaries fall between every kind of neighbour."""

from __future__ import annotations

import random

import pytest
from click.testing import CliRunner

import policytext.slicing as slicing
from policytext import Lexicon, Scorer, Tokenizer, load_lexicon
from policytext.cli import cli
from policytext.corpus import Document
from policytext.normalize import normalize_text, normalized_slices

LEXICON = load_lexicon()
CUES = sorted({cue for t in LEXICON.terms for rules in LEXICON.context_rules(t) for r in rules for cue in r.cues})
EXCLUSIONS = sorted({p for t in LEXICON.terms for p in t.exclusions})
TERMS = sorted(t.term for t in LEXICON.terms if not t.is_glob)
FILLER = ["推进", "工作", "群众", "加强", "完善", "制度", "發展", "績效評估", "無縫對接", "社區", "網格化管理", "參與",
          "精细", "化", "２０２５年", "ＡＢＣ", "abc", "第", "条", "一、", "（二）", "3.", "\u200b", "\u3000", "  "]
MARKS = ["，", "。", "。", "；", "！", "？", "：", "、", "。”", "”", "\n", "。\n", "\n\n", "\r\n", "\n一、", "\n第三条",
         "\n（二）", "\n 　", "。\n\n"]


def generated_text(seed: int, n_chars: int) -> str:
    rng = random.Random(seed)
    out, size = [], 0
    while size < n_chars:
        r = rng.random()
        piece = (rng.choice(TERMS) if r < 0.3 else rng.choice(CUES) if r < 0.4 else rng.choice(EXCLUSIONS)
                 if r < 0.45 else rng.choice(MARKS) if r < 0.65 else rng.choice(FILLER))
        out.append(piece)
        size += len(piece)
    return "".join(out)


def whole(scorer: Scorer, doc: Document, monkeypatch) -> tuple[dict, list[dict]]:
    monkeypatch.setattr(slicing, "SLICE_CHARS", 10**12)
    return scorer.analyze(doc)


@pytest.fixture(scope="module")
def scorer():
    return Scorer()


@pytest.mark.parametrize("seed", range(6))
def test_scoring_in_slices_gives_the_row_and_evidence_of_the_whole(scorer, seed, monkeypatch):
    doc = Document("d", generated_text(seed, 30_000))
    pieces = list(normalized_slices(doc.text, size=400))
    assert len(pieces) > 40 and "".join(pieces) == normalize_text(doc.text)
    assert {p[-1] for p in pieces[:-1]} == {"。", "\n"}  # both kinds of cut occur
    expected = whole(scorer, doc, monkeypatch)
    assert expected[1] and any(r["status"] != "counted" for r in expected[1])  # rules and exclusions at work
    assert slicing.analyze_in_slices(scorer, doc, size=400) == expected
    monkeypatch.setattr(slicing, "SLICE_CHARS", 400)
    assert scorer.analyze(doc) == expected  # the path Scorer.analyze takes


@pytest.mark.parametrize("engine, hmm", [("jieba", True), ("jieba", False), ("rjieba", False)])
def test_slices_give_the_same_result_with_each_engine(engine, hmm, monkeypatch):
    scorer = Scorer(tokenizer=Tokenizer(engine=engine, hmm=hmm))
    doc = Document("d", generated_text(11, 12_000))
    assert slicing.analyze_in_slices(scorer, doc, size=300) == whole(scorer, doc, monkeypatch)


def test_evidence_context_wider_than_the_slices_reaches_across_several(monkeypatch):
    scorer = Scorer(evidence_window=700)
    doc = Document("d", generated_text(3, 8_000))
    expected = whole(scorer, doc, monkeypatch)
    got = slicing.analyze_in_slices(scorer, doc, size=150)
    assert got == expected and max(len(r["left"]) for r in got[1]) == 700


def test_without_traditional_conversion_too(monkeypatch):
    scorer = Scorer(t2s=False)
    doc = Document("d", generated_text(5, 10_000))
    assert slicing.analyze_in_slices(scorer, doc, size=250) == whole(scorer, doc, monkeypatch)


def test_a_lexicon_term_holding_a_cut_mark_means_no_slices(monkeypatch):
    lexicon = Lexicon.from_dict({"co": ["共治", "治理。推进"]})
    scorer = Scorer(lexicon)
    doc = Document("d", "加强社区治理。推进共治。" * 200)
    assert not slicing.can_slice(scorer) and slicing.analyze_in_slices(scorer, doc, size=50) is None
    monkeypatch.setattr(slicing, "SLICE_CHARS", 50)
    row, hits = scorer.analyze(doc)
    assert row["hits_co"] == 400 and [h["term"] for h in hits[:2]] == ["治理。推进", "共治"]


def test_a_text_without_cut_points_is_scored_whole(scorer, monkeypatch):
    doc = Document("d", "推进社区精细化治理，实现无缝对接，" * 100)
    assert list(normalized_slices(doc.text, size=100)) == [normalize_text(doc.text)]
    assert slicing.analyze_in_slices(scorer, doc, size=100) is None
    expected = whole(scorer, doc, monkeypatch)
    monkeypatch.setattr(slicing, "SLICE_CHARS", 100)
    assert scorer.analyze(doc) == expected


def test_with_a_token_cache_each_slice_is_an_entry_and_the_result_is_the_same(scorer, tmp_path, monkeypatch):
    from policytext.cache import TokenCache

    doc = Document("d", generated_text(8, 20_000))
    expected = whole(scorer, doc, monkeypatch)
    monkeypatch.setattr(slicing, "SLICE_CHARS", 500)
    n_slices = len(slicing.normalization_slices(doc.text, 500))
    cache = TokenCache(tmp_path / "tokens")
    with cache.batch():
        assert scorer.analyze(doc, cache=cache) == expected  # cold: every slice computed and stored
    assert cache.stats["misses"] == n_slices > 30 and cache.stats["hits"] == 0
    warm = TokenCache(tmp_path / "tokens")
    assert scorer.analyze(doc, cache=warm) == expected  # warm: every slice read back
    assert warm.stats["hits"] == n_slices and warm.stats["misses"] == 0


def test_a_document_that_normalises_to_nothing_is_still_an_error(scorer, monkeypatch):
    from policytext.errors import EmptyDocumentError

    monkeypatch.setattr(slicing, "SLICE_CHARS", 10)
    with pytest.raises(EmptyDocumentError):
        scorer.analyze(Document("d", "\u200b" * 100))


def test_the_command_line_writes_the_same_bytes_with_and_without_slices(tmp_path, monkeypatch):
    (tmp_path / "long.txt").write_text(generated_text(21, 40_000), encoding="utf-8")
    outputs = []
    for size in (10**12, 500):
        monkeypatch.setattr(slicing, "SLICE_CHARS", size)
        out = tmp_path / f"run{size}"
        out.mkdir()
        res = CliRunner().invoke(cli, ["score", str(tmp_path / "long.txt"), "-o", str(out / "s.csv"),
                                       "--evidence", str(out / "h.csv"), "--no-cache", "-q", "--jobs", "1"])
        assert res.exit_code == 0, res.output
        outputs.append(((out / "s.csv").read_bytes(), (out / "h.csv").read_bytes()))
    assert outputs[0] == outputs[1] and outputs[0][1].count(b"\n") > 1000
