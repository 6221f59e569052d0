"""Context rules of the lexicon (reject/exclude/require_context), the evidence status, crude_rejected, the
sentence measure and the entry checks every loader applies. Texts are written for these tests."""

import math

import pytest

from dataclasses import replace

from policytext import Corpus, Lexicon, Scorer, load_lexicon, score_texts
from policytext.errors import LexiconError
from policytext.lexicon import ContextRule, check_entry
from policytext.scoring import split_sentences


@pytest.fixture(scope="module")
def default_scorer():
    return Scorer()


def row_and_hits(scorer, text):
    res = scorer.score(Corpus.from_texts({"d": text}), jobs=1)
    return res.scores.iloc[0], res.hits


def test_rejected_crude_hit_is_counted_apart_and_not_subtracted(default_scorer):
    row, hits = row_and_hits(default_scorer, "坚决反对形式主义")
    assert row["crude_rejected"] == 1 and row["hits_crude"] == 0
    assert row["index_contrast"] == 0.0 and row["index"] == 0.0
    assert hits["status"].tolist() == ["rejected"]


def test_described_crude_hit_is_subtracted(default_scorer):
    row, hits = row_and_hits(default_scorer, "形式主义严重，群众反映强烈")
    assert row["crude_rejected"] == 0 and row["hits_crude"] == 1
    assert row["index"] == pytest.approx(-10000 * 0.5 / 13)
    assert hits["status"].tolist() == ["counted"]


def test_a_cue_in_the_previous_clause_does_not_reject(default_scorer):
    row, hits = row_and_hits(default_scorer, "反对浪费，形式主义依然存在")
    assert row["crude_rejected"] == 0 and row["hits_crude"] == 1 and hits["status"].tolist() == ["counted"]


@pytest.mark.parametrize("text, status", [
    ("切忌搞一刀切", "rejected"),        # a prohibition
    ("不“一刀切”", "rejected"),           # 不 right before the term, quote marks not counted
    ("不同地区一刀切", "counted"),        # 不 not right before it
    ("推动由粗放向集约转变", "rejected"),  # change frame
    ("由于管理粗放", "counted"),
    ("同官僚主义作斗争", "rejected"),      # a cue after the term
    ("开展形式主义突出问题专项整治", "rejected"),  # a remedy after the term, same clause
    ("形式主义依然存在，必须整治", "counted"),      # the remedy is in the next clause
])
def test_rejection_cues_before_and_after(default_scorer, text, status):
    _, hits = row_and_hits(default_scorer, text)
    assert hits[hits["category"] == "crude"]["status"].tolist() == [status]


def test_exclude_context_vetoes_co_governance_in_pollution_control(default_scorer):
    row, hits = row_and_hits(default_scorer, "大气污染协同治理")
    assert row["hits_co_governance"] == 0 and row["n_vetoed"] == 1
    assert hits[hits["term"] == "协同治理"]["status"].tolist() == ["vetoed"]
    row, hits = row_and_hits(default_scorer, "推动社会协同治理")
    assert row["hits_co_governance"] == 1 and "vetoed" not in hits["status"].tolist()


def test_exclude_context_vetoes_seamless_in_supply_chains(default_scorer):
    row, hits = row_and_hits(default_scorer, "产业链无缝对接")
    assert row["hits_seamless_service"] == 0 and hits["status"].tolist() == ["vetoed"]
    row, hits = row_and_hits(default_scorer, "政务服务无缝对接")
    assert row["hits_seamless_service"] == 2 and hits["status"].tolist() == ["counted", "counted"]


def test_evaluation_next_to_a_veto_quota_is_vetoed_and_the_quota_is_crude(default_scorer):
    row, hits = row_and_hits(default_scorer, "实行一票否决考核")
    assert row["hits_performance"] == 0 and row["hits_crude"] == 1
    assert dict(zip(hits["term"], hits["status"])) == {"一票否决": "counted", "考核": "vetoed"}


def test_require_context_and_window_rules():
    lex = Lexicon.from_dict({"a": ["网格"]})
    lex = Lexicon([lex.category("a")], [replace(lex.terms[0], require_context=(ContextRule(("管理", "服务"), "both"),))])
    df = score_texts(["网格管理到位", "网格布料", "网格，管理"], lexicon=lex)
    assert df["hits_a"].tolist() == [1, 0, 0] and df["n_vetoed"].tolist() == [0, 1, 1]
    r = ContextRule(("反对",), "before", window=2)
    assert r.found("反对这种形式主义", 5, 9, 0, 9) is False and r.found("反对“形式主义”", 3, 7, 0, 8) is True


def test_rules_read_from_yaml_and_csv_give_the_same_scores(tmp_path):
    yaml_text = """name: t
categories:
  co:
    terms:
      - term: 协同治理
        exclude_context: [污染]
  crude:
    polarity: -1
    reject_context:
      - cues: [反对]
      - cues: [不]
        window: 0
      - cues: [斗争]
        side: after
    terms: [一刀切, 官僚主义]
"""
    p = tmp_path / "t.yaml"
    p.write_text(yaml_text, encoding="utf-8")
    lex = load_lexicon(p)
    c = tmp_path / "t.csv"
    c.write_text(lex.to_csv(), encoding="utf-8")
    back = load_lexicon(c)
    texts = ["污染协同治理；反对一刀切；不一刀切；一刀切严重；同官僚主义的斗争。", "社会协同治理"]
    a, b = score_texts(texts, lexicon=lex), score_texts(texts, lexicon=back)
    assert a.drop(columns="doc_id").equals(b.drop(columns="doc_id"))
    assert a["crude_rejected"].tolist() == [3, 0] and a["hits_crude"].tolist() == [1, 0]
    assert a["hits_co"].tolist() == [0, 1] and a["n_vetoed"].tolist() == [1, 0]
    y = tmp_path / "back.yaml"
    y.write_text(lex.to_yaml(), encoding="utf-8")
    assert load_lexicon(y).hash == lex.hash


@pytest.mark.parametrize("body, message", [
    ("  co:\n    terms:\n      - term: 共治\n        reject_contxt: [反对]\n", r"line 4: unknown field\(s\) reject_contxt"),
    ("  co:\n    terms:\n      - term: 共治\n        exclude_context:\n          - cues: [a]\n            sides: both\n",
     r"line 6: unknown field\(s\) sides"),
    ("  co:\n    terms:\n      - term: 共治\n        exclude_context:\n          - cues: [a]\n            side: left\n",
     r"side must be before, after or both"),
    ("  co:\n    reject_contxt: [a]\n    terms: [共治]\n", r"line 3: unknown field\(s\) reject_contxt for category"),
])
def test_bad_context_fields_are_errors_naming_the_line(tmp_path, body, message):
    p = tmp_path / "bad.yaml"
    p.write_text("categories:\n" + body, encoding="utf-8")
    with pytest.raises(LexiconError, match=message):
        load_lexicon(p)


def test_lexicon_validate_checks_cue_lists(tmp_path):
    p = tmp_path / "v.yaml"
    p.write_text("categories:\n  co:\n    terms:\n      - term: 共治\n        exclude_context:\n          - cues: []\n"
                 "      - term: 协同\n        reject_context: [共治]\n", encoding="utf-8")
    lex = load_lexicon(p)
    issues = {(i.level, i.code, i.term): i.message for i in lex.validate()}
    assert "empty cue list" in issues[("error", "context", "共治")]
    assert "cue '共治' is itself a lexicon term" in issues[("warning", "context", "协同")]


@pytest.mark.parametrize("weight", ["nan", "inf", "-1e308", "0", "1e6"])
@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_absurd_weights_are_refused_by_every_loader(tmp_path, weight, fmt):
    p = tmp_path / f"w.{fmt}"
    if fmt == "yaml":
        p.write_text(f"categories:\n  a:\n    terms:\n      - term: 共治\n        weight: {weight}\n", encoding="utf-8")
        line = 4
    else:
        p.write_text(f"term,category,weight\n共治,a,{weight}\n", encoding="utf-8")
        line = 2
    with pytest.raises(LexiconError, match=rf"line {line}: weight"):
        load_lexicon(p)
    with pytest.raises(LexiconError, match="weight"):
        Lexicon.from_dict({"a": ["共治"]}, weights={"共治": float(weight)})


@pytest.mark.parametrize("fmt, text, line", [
    ("yaml", "categories:\n  a:\n    terms:\n      - 共治\n      - \"\\u200b\\u200d\"\n", 5),
    ("csv", "term,category\n共治,a\n\u200b\u2060,a\n", 3),
    ("dic", "%\n1\ta\n%\n共治\t1\n\ufeff\u200b\t1\n", 5),
])
def test_terms_empty_after_normalisation_are_errors_naming_the_line(tmp_path, fmt, text, line):
    p = tmp_path / f"z.{fmt}"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(LexiconError, match=rf"line {line}: term .* is empty after normalisation"):
        load_lexicon(p)


def test_terms_are_normalised_like_text():
    assert check_entry("\u200b共治\u200d", 1.0) == "共治"
    assert check_entry("ｅ政务", 1.0) == "e政务"  # NFKC: full-width letters, as texts are
    lex = Lexicon.from_dict({"a": ["共\u200b治"]})
    assert lex.terms[0].term == "共治" and score_texts(["推进社会共治"], lexicon=lex)["hits_a"].tolist() == [1]
    assert math.isfinite(load_lexicon().terms[0].weight)


def test_sentences_hard_wraps_lists_quotes_and_semicolons():
    # hard wraps are joined by normalisation before splitting (Scorer), so a wrapped sentence stays one
    row = score_texts(["推进精细化\n管理，加强基层治理。\n一是完善网格；二是推进共治。他说：“不搞一刀切！”"]).iloc[0]
    assert row["n_sentences"] == 4
    t = "一是加强基层治理；二是推进精细化管理;三是完善考核。他说：“不搞一刀切。”\n附件1"
    assert [t[a:b] for a, b in split_sentences(t)] == [
        "一是加强基层治理；", "二是推进精细化管理;", "三是完善考核。", "他说：“不搞一刀切。”", "附件1"]
    assert split_sentences("。\n\n  ") == [] and split_sentences("") == []


def test_sentence_share_is_bounded_and_robust_to_repetition():
    one = "精准" * 20 + "。没有关系的一句话。又一句话。再一句话。"
    df = score_texts([one, "精准。精准。没有关系的一句话。又一句话。"])
    assert df["n_sentences"].tolist() == [4, 4]
    assert df["sentences_positive"].tolist() == [1, 2]
    assert df["sentence_share"].tolist() == [0.25, 0.5]
    assert df["sentence_share_fine_grained"].tolist() == [0.25, 0.5] and df["sentence_share_crude"].tolist() == [0, 0]
    assert df["hits_fine_grained"].tolist() == [20, 2]


def test_short_flag_uses_the_documented_threshold():
    from policytext.scoring import SHORT_TEXT

    assert SHORT_TEXT == 300
    df = score_texts(["精准施策。" * 59 + "精准", "精准施策。" * 60])  # 297 and 300 non-space characters
    assert df["n_chars"].tolist() == [297, 300] and df["short"].tolist() == [True, False]


@pytest.mark.parametrize("command", ["score", "lexicon validate"])
def test_cli_refuses_a_nan_weight_naming_the_line(tmp_path, command):
    from click.testing import CliRunner

    from policytext.cli import cli

    lex = tmp_path / "w.csv"
    lex.write_text("term,category,weight\n共治,a,1\n协同,a,nan\n", encoding="utf-8")
    doc = tmp_path / "t.txt"
    doc.write_text("推进社会共治", encoding="utf-8")
    args = ["score", str(doc), "--lexicon", str(lex)] if command == "score" else ["lexicon", "validate", str(lex)]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code not in (0, 1) and "w.csv, line 3: weight nan is not a finite number" in res.output
    assert "index" not in res.stdout


def test_rules_look_at_most_max_clause_characters_away(default_scorer):
    from policytext.scoring import MAX_CLAUSE

    near = "反对" + "的" * (MAX_CLAUSE - 2) + "形式主义"  # the cue starts MAX_CLAUSE characters before the term
    far = "反对" + "的" * (MAX_CLAUSE - 1) + "形式主义"
    assert row_and_hits(default_scorer, near)[1]["status"].tolist() == ["rejected"]
    assert row_and_hits(default_scorer, far)[1]["status"].tolist() == ["counted"]


def test_cues_are_normalised_like_text(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("categories:\n  crude:\n    polarity: -1\n    reject_context: [\"反\\u200b对\", \"ＰＭ\"]\n"
                 "    terms: [一刀切]\n", encoding="utf-8")
    lex = load_lexicon(p)
    assert lex.category("crude").reject_context[0].cues == ("反对", "PM")
    assert score_texts(["坚决反对一刀切"], lexicon=lex)["crude_rejected"].tolist() == [1]
    p.write_text("categories:\n  crude:\n    polarity: -1\n    reject_context: [\"\\u200b\"]\n    terms: [一刀切]\n",
                 encoding="utf-8")
    assert [i.message for i in load_lexicon(p).validate() if i.code == "context"] == ["reject_context: empty cue"]


def test_sentence_starts_are_split_sentences_starts():
    """The array version the score rows use (matching.sentence_starts) against split_sentences, on random texts
    of sentence ends, closing marks, breaks, spaces, word characters (one above U+FFFF) and punctuation."""
    import random

    from policytext.matching import sentence_starts

    rng = random.Random(15)
    alphabet = "。！？；!?;\n”’」』）)\"' \t\u3000\u2028a_1中文,、\U00020000\U0001F600"
    for _ in range(20000):
        t = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert sentence_starts(t) == [a for a, _ in split_sentences(t)], t
    t = "一是加强基层治理；二是推进。”\n  附件\n。"
    assert sentence_starts(t) == [0, 9, 18] == [a for a, _ in split_sentences(t)]


def test_clause_bounds_equal_the_breaks_searched_over_the_whole_text(monkeypatch):
    """Matcher.statuses searches for clause breaks only near each hit: the clause handed to the rules is the
    one found from every break of the text (a short MAX_CLAUSE so that the limit is reached often)."""
    import bisect
    import random

    from policytext import matching
    from policytext.lexicon import Category, Term

    class Recorder:
        def __init__(self):
            self.seen = []

        def found(self, text, start, end, c_start, c_end):
            self.seen.append((start, end, c_start, c_end))
            return False

    rec = Recorder()

    class Lex:
        terms = [Term("ab", "c")]
        categories = [Category("c")]

        @staticmethod
        def context_rules(t):
            return ((rec,), (), ())

    monkeypatch.setattr(matching, "MAX_CLAUSE", 3)
    m = matching.Matcher(Lex)
    rng = random.Random(5)
    for _ in range(3000):
        text = "".join(rng.choice("ab,;。:\nxy") for _ in range(rng.randint(2, 24)))
        hits = [matching.Hit("ab", k, k + 2, tuple(Lex.terms)) for k in range(len(text) - 1) if text[k:k + 2] == "ab"]
        rec.seen.clear()
        m.statuses(text, hits)
        breaks = [k for k, ch in enumerate(text) if ch in matching.CLAUSE_BREAKS]
        expected = []
        for h in hits:
            i = bisect.bisect_left(breaks, h.start)
            j = bisect.bisect_left(breaks, h.end)
            expected.append((h.start, h.end, max(breaks[i - 1] + 1 if i else 0, h.start - 3),
                             min(breaks[j] if j < len(breaks) else len(text), h.end + 3)))
        assert rec.seen == expected, text
