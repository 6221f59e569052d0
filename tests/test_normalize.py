"""Normalisation: NFKC, invisible characters, traditional -> simplified, hard wraps."""

from policytext.normalize import is_cjk, join_hard_wraps, normalize_text


def test_nfkc_folds_fullwidth_digits_letters_and_ascii_punctuation():
    assert normalize_text("２０２５年ＡＢＣ，第（一）条") == "2025年ABC,第(一)条"


def test_cjk_punctuation_is_kept():
    assert normalize_text("一、总体要求。") == "一、总体要求。"


def test_invisible_characters_are_removed():
    assert normalize_text("共\u200b治\u200c与\u200d精\u2060细\ufeff化\u00ad") == "共治与精细化"


def test_traditional_to_simplified_is_on_by_default_and_switchable():
    assert normalize_text("精細化治理與無縫對接") == "精细化治理与无缝对接"
    assert normalize_text("精細化治理", t2s=False) == "精細化治理"


def test_line_endings():
    assert normalize_text("甲。\r\n乙。\r丙。") == "甲。\n乙。\n丙。"


def test_hard_wraps_between_cjk_characters_are_joined():
    assert join_hard_wraps("推进社区精细\n化治理，实现无缝\n  对接。") == "推进社区精细化治理，实现无缝对接。"


def test_breaks_after_sentence_punctuation_blank_lines_and_before_headings_are_kept():
    text = "完成任务。\n下一段\n\n新段落\n一、总体要求\n（二）主要任务\n第三条 职责\n1.目标"
    assert join_hard_wraps(text) == text
    assert join_hard_wraps("本条\n第三条") == "本条\n第三条"
    assert join_hard_wraps("本条\n第三方评估") == "本条第三方评估"


def test_breaks_next_to_latin_or_digits_are_kept():
    assert join_hard_wraps("建设5G\n基站") == "建设5G\n基站"


def test_join_hard_wraps_equals_its_rule_written_as_one_regex():
    """join_hard_wraps finds breaks from the newline for speed; the rule it implements is the regex _WRAP."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from policytext.normalize import _WRAP

    pieces = st.sampled_from(["治", "理", "\n", " ", "\t", "\u3000", "a", "5", "。", "一、", "（二）", "第三条", "1.",
                              "第三方", "二", "\n\n", "〇"])

    @settings(max_examples=400, deadline=None)
    @given(st.one_of(st.lists(pieces, max_size=30).map("".join), st.text(alphabet="治 \n\t\u3000a一、", max_size=30)))
    def check(text):
        assert join_hard_wraps(text) == _WRAP.sub("", text)

    check()


def test_is_cjk():
    assert [is_cjk(c) for c in "治a。〇"] == [True, False, False, True]


def test_fast_nfkc_equals_unicodedata():
    import unicodedata

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from policytext.normalize import nfkc

    cases = ["e\u0301", "治e\u0301", "ｅ\u0301", "a\u0308\u0323", "カ\u3099", "ｶﾞ", "\u1100\u1161\u11a8", "A\ufb01",
             "１２３，４", "…。\u3000", "〇一\u2460", "", "\n\t\r\n"]
    for text in cases:
        assert nfkc(text) == unicodedata.normalize("NFKC", text), repr(text)
    long = "推进Ａ\u0301，ｅ\u0301\u3000\uff5e\u0323" * 80  # over 512 characters: the numpy folding path
    assert len(long) > 512 and nfkc(long) == unicodedata.normalize("NFKC", long)
    pieces = st.sampled_from(["治", "理", "a", "e", "\u0301", "\u0323", "\u3099", "カ", "ｶ", "ﾞ", "，", "。", "\u3000",
                              "１", "Ａ", "\uff01", "\uff5e", "\u1100", "\u1161", "\ufb01", "\n", " "])

    @settings(max_examples=300, deadline=None)
    @given(st.one_of(st.text(max_size=60), st.lists(pieces, max_size=30).map("".join),
                     st.tuples(st.lists(pieces, min_size=1, max_size=30).map("".join),
                               st.integers(1, 60)).map(lambda t: t[0] * t[1])))
    def check(text):
        assert nfkc(text) == unicodedata.normalize("NFKC", text)

    check()
