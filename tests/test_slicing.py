"""Scoring a long document slice by slice (policytext.slicing, issue 13.10) gives exactly what scoring it whole
gives: the score row, the evidence rows (offsets, context, statuses) and the files the command line writes.
Texts are generated here from the lexicon's terms and cues, traditional characters, hard wraps, headings and
punctuation, so that many slice boundaries fall between every kind of neighbour; texts of clauses joined by
commas only are cut at clause marks, with sentences running on over many slices."""

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


def generated_text(seed: int, n_chars: int, marks=MARKS, filler=FILLER) -> str:
    """Terms, cues, exclusion phrases, marks and filler drawn at random, about ``n_chars`` characters."""
    rng = random.Random(seed)
    out, size = [], 0
    while size < n_chars:
        r = rng.random()
        piece = (rng.choice(TERMS) if r < 0.3 else rng.choice(CUES) if r < 0.4 else rng.choice(EXCLUSIONS)
                 if r < 0.45 else rng.choice(marks) if r < 0.65 else rng.choice(filler))
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
    ends = {p[-1] for p in pieces[:-1]}
    assert {"。", "\n"} <= ends <= {"。", "\n", ",", ";", "!", "?"}  # sentence cuts, clause cuts where none
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
    # no punctuation at all: one run of ideographs, which jieba segments with one dynamic programme
    doc = Document("d", "推进社区精细化治理实现无缝对接" * 100)
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


# Clause cuts: texts without 。 or a line break, so every cut is after one of ，；！？ (full-width or ASCII)
CLAUSE_MARKS = ["，", "，", "，", ",", "，", "；", ";", "！", "!", "？", "?", "、", "：", "”", "“"]


def comma_text(seed: int, n_chars: int, marks=CLAUSE_MARKS) -> str:
    """Terms, cues, exclusion phrases and filler (traditional characters, full-width forms, invisible characters)
    joined by clause marks only: no 。 and no line break, so the only cuts are clause cuts."""
    text = generated_text(seed, n_chars, marks, [f for f in FILLER if "\n" not in f])
    assert "。" not in text and "\n" not in text and "\r" not in text
    return text


def cut_ends(text: str, size: int, clauses: bool = True) -> list[str]:
    """The last character of each normalised slice but the last."""
    return [p[-1] for p in list(normalized_slices_of(text, size, clauses))[:-1]]


def normalized_slices_of(text: str, size: int, clauses: bool = True):
    from policytext.normalize import _normalize, normalization_slices

    return (_normalize(text[a:b], True, True) for a, b in normalization_slices(text, size, clauses))


@pytest.mark.parametrize("seed", range(6))
def test_a_text_of_clauses_is_cut_after_commas_and_scored_as_whole(scorer, seed, monkeypatch):
    doc = Document("d", comma_text(seed, 20_000))
    pieces = list(normalized_slices(doc.text, size=300))
    assert len(pieces) > 50 and "".join(pieces) == normalize_text(doc.text)
    ends = [p[-1] for p in pieces[:-1]]
    assert "," in ends and set(ends) <= {",", ";", "!", "?"}
    expected = whole(scorer, doc, monkeypatch)
    row, rows = expected
    assert any(r["status"] == "rejected" for r in rows) and any(r["status"] == "vetoed" for r in rows)
    # a sentence runs on over each cut after a comma: the pieces, split on their own, have one more sentence each
    from policytext.matching import split_sentences

    assert sum(len(split_sentences(p)) for p in pieces) == row["n_sentences"] + ends.count(",")
    assert row["sentences_positive"] > 0
    assert slicing.analyze_in_slices(scorer, doc, size=300) == expected
    monkeypatch.setattr(slicing, "SLICE_CHARS", 300)
    monkeypatch.setattr(slicing, "SLICE_SIZE", 300)
    assert scorer.analyze(doc) == expected  # the path Scorer.analyze takes


def test_one_sentence_over_many_slices_is_one_sentence(scorer, monkeypatch):
    """Clauses joined by ， only: the whole text is one sentence, however many slices it is cut into."""
    clauses = ["推进网格化管理", "完善绩效评估", "加强基层治理", "实现无缝对接", "杜绝粗放管理", "推动精细化治理"]
    doc = Document("d", "，".join(clauses[i % len(clauses)] for i in range(600)))
    assert len(slicing.normalization_slices(doc.text, 200)) > 20
    expected = whole(scorer, doc, monkeypatch)
    assert expected[0]["n_sentences"] == 1 and expected[0]["sentences_positive"] == 1
    assert slicing.analyze_in_slices(scorer, doc, size=200) == expected


def test_a_sentence_positive_only_in_its_second_piece(scorer, monkeypatch):
    """A sentence whose only hit comes after a clause cut is counted once, with the number the whole text gives
    it; a sentence with hits on both sides of a cut is counted once."""
    filler = "，".join(["各地区各部门要认真贯彻落实"] * 12)  # no term of the lexicon
    assert not whole(scorer, Document("f", filler + "。"), monkeypatch)[1]
    text = (filler + "。") * 3 + filler + "，推进精细化治理。" + filler + "。" + "网格化管理，" + filler + "，完善绩效评估。"
    doc = Document("d", text * 5)
    cuts = [b for _, b in slicing.normalization_slices(doc.text, 60)[:-1]]
    assert any(doc.text[c - 1] == "，" for c in cuts)
    expected = whole(scorer, doc, monkeypatch)
    row, rows = expected
    assert row["n_sentences"] == 30 and row["sentences_positive"] == 10
    got = slicing.analyze_in_slices(scorer, doc, size=60)
    assert got == expected
    # the first positive sentence's hit is not in the slice its sentence starts in
    first_hit = rows[0]["start"]
    starts = [a for a, _ in slicing.normalization_slices(doc.text, 60)]
    sentence_start = doc.text.rfind("。", 0, first_hit) + 1
    assert any(sentence_start < a <= first_hit for a in starts)


@pytest.mark.parametrize("engine, hmm", [("jieba", True), ("jieba", False), ("rjieba", False), ("rjieba", True)])
def test_clause_cuts_give_the_same_result_with_each_engine(engine, hmm, monkeypatch):
    scorer = Scorer(tokenizer=Tokenizer(engine=engine, hmm=hmm))
    doc = Document("d", comma_text(13, 10_000))
    assert len(slicing.normalization_slices(doc.text, 250)) > 30
    assert slicing.analyze_in_slices(scorer, doc, size=250) == whole(scorer, doc, monkeypatch)


def test_clause_cuts_with_a_wide_evidence_window_and_without_t2s(monkeypatch):
    doc = Document("d", comma_text(17, 8_000))
    for scorer in (Scorer(evidence_window=700), Scorer(t2s=False)):
        expected = whole(scorer, doc, monkeypatch)
        assert slicing.analyze_in_slices(scorer, doc, size=150) == expected
        assert max(len(r["left"]) for r in expected[1]) == scorer.evidence_window


def test_sentence_cuts_are_preferred_and_clause_cuts_fill_in(scorer, monkeypatch):
    from policytext.normalize import _CUT

    text = "".join(comma_text(s, 700) + "。推进" for s in range(30))  # a sentence cut every 700 characters or so
    slices = slicing.normalization_slices(text, 500)
    ends = [text[b - 1] for _, b in slices[:-1]]
    assert "。" in ends and set(ends) - {"。"}  # both kinds
    for (a, b), end in zip(slices, ends):
        assert b - a <= 500
        if end != "。":  # a clause cut only where the slice could end at no sentence cut
            assert not any(a < m.end() <= a + 500 for m in _CUT.finditer(text, a, a + 501))
    doc = Document("d", text)
    assert slicing.analyze_in_slices(scorer, doc, size=500) == whole(scorer, doc, monkeypatch)


def test_a_lexicon_term_holding_a_comma_turns_clause_cuts_off_only(monkeypatch):
    lexicon = Lexicon.from_dict({"co": ["共治", "治理,推进"], "gr": ["网格化管理"]})
    scorer = Scorer(lexicon)
    commas = Document("d", "加强社区治理，推进共治，网格化管理，" * 200)
    assert slicing.can_slice(scorer) and not slicing.can_cut_clauses(scorer)
    assert slicing.analyze_in_slices(scorer, commas, size=50) is None  # no sentence cut: scored whole
    monkeypatch.setattr(slicing, "SLICE_CHARS", 50)
    row, hits = scorer.analyze(commas)
    assert row["hits_co"] == 400 and [h["term"] for h in hits[:2]] == ["治理,推进", "共治"]
    mixed = Document("m", "加强社区治理，推进共治，网格化管理。" * 200)
    got = slicing.analyze_in_slices(scorer, mixed, size=50)
    assert got == whole(scorer, mixed, monkeypatch) and got[0]["hits_co"] == 400
    assert all(mixed.text[b - 1] == "。" for _, b in slicing.normalization_slices(mixed.text, 50, False)[:-1])


def test_normalising_at_clause_cuts_gives_the_normalisation_of_the_whole():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from policytext.normalize import _normalize, normalization_slices

    alphabet = list("，,；;！!？?、：:。\n\r 　\t第条一二（）(1.精细化治理網格後台乾隆發財面條著名隻憑藉深沈"
                    "\u0301\u0308\u200b\u2060ＡＢ２ｅ“”﹐﹔")

    @settings(max_examples=600, deadline=None)
    @given(st.text(alphabet=st.sampled_from(alphabet), max_size=120), st.integers(1, 12), st.booleans(),
           st.booleans())
    def check(text, size, t2s, join_wraps):
        slices = normalization_slices(text, size)
        assert slices[0][0] == 0 and slices[-1][1] == len(text)
        assert all(b == c for (_, b), (c, _) in zip(slices, slices[1:]))
        joined = "".join(_normalize(text[a:b], t2s, join_wraps) for a, b in slices)
        assert joined == _normalize(text, t2s, join_wraps)

    check()


def test_scoring_at_clause_cuts_property(scorer, monkeypatch):
    """Random short texts of terms, cues, exclusion phrases and every kind of mark, cut into slices of 5-60
    characters: whenever they are sliced, the result is the whole text's."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pieces = (TERMS[::7] + CUES[::3] + EXCLUSIONS[::3] + FILLER + MARKS + CLAUSE_MARKS
              + ["治理", "各地", "，推进", "！网格", "?精细"])
    monkeypatch.setattr(slicing, "SLICE_CHARS", 10**12)  # analyze() below: the whole path
    sliced = []

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(pieces), min_size=20, max_size=80), st.integers(5, 60))
    def check(parts, size):
        doc = Document("d", "".join(parts))
        got = slicing.analyze_in_slices(scorer, doc, size=size)
        if got is not None:
            sliced.append(size)
            assert got == scorer.analyze(doc)

    check()
    assert len(sliced) > 150
