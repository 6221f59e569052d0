"""Keyword in context."""

import pytest

from policytext import Corpus, Lexicon, kwic
from policytext.errors import ConfigError

CORPUS = Corpus.from_texts({
    "a": "推进公共治理，实现社区共治。\n发展精细化工，推进精细化管理。",
    "b": "实现服务的无缝对接，生产无缝钢管。",
})
LEX = Lexicon.from_dict({"co": ["共治", "无缝对接"], "fine": ["精细化", "精细化管理"]})


def test_lines_are_the_hits_scoring_counts():
    df = kwic(CORPUS, ["共治", "无缝对接", "精细化"], window=4)
    assert df[["doc_id", "offset", "left", "match", "right"]].values.tolist() == [
        ["a", 11, "实现社区", "共治", "。 发展"],
        ["a", 24, "工,推进", "精细化", "管理。"],  # 精细化工 is not a hit; 精细化/管理 is
        ["b", 5, "现服务的", "无缝对接", ",生产无"],  # 无缝钢管 is not a hit
    ]


def test_category_names_stand_for_their_terms():
    df = kwic(CORPUS, ["fine"], lexicon=LEX, window=3)
    assert df[["doc_id", "match", "term", "category"]].values.tolist() == [["a", "精细化管理", "精细化管理", "fine"]]


def test_known_lexicon_terms_carry_their_category():
    df = kwic(CORPUS, ["共治"], lexicon=LEX)
    assert df["category"].tolist() == ["co"]


def test_offsets_point_into_the_normalised_text():
    from policytext.normalize import normalize_text

    df = kwic(CORPUS, ["共治", "无缝对接"], window=0)
    for r in df.itertuples():
        text = normalize_text(CORPUS[r.doc_id].text)
        assert text[r.offset:r.offset + len(r.match)] == r.match
        assert r.left == r.right == ""


def test_no_terms_or_negative_window_is_an_error():
    with pytest.raises(ConfigError):
        kwic(CORPUS, [" "])
    with pytest.raises(ConfigError):
        kwic(CORPUS, ["共治"], window=-1)
