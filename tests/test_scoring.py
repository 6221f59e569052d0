"""Known-answer tests of matching and scores, on texts written for these tests."""

import pandas as pd
import pytest

from policytext import Corpus, Document, Lexicon, Scorer, Tokenizer, score_corpus, score_texts
from policytext.lexicon import Category, Term
from policytext.scoring import Matcher, hidden_occurrences

LEX = Lexicon.from_dict(
    {
        "fine": ["精细化", "精细化管理", "网格化管理"],
        "co": ["共治", "共建共治共享", "无缝对接", "社会参与"],
        "crude": ["粗放", "一刀切"],
    },
    weights={"精细化管理": 2.0},
    polarity={"crude": -1},
)


def hits_of(text, lexicon=LEX, **kw):
    df = score_texts([text], lexicon=lexicon, **kw)
    return {c: int(df.loc[0, f"hits_{c}"]) for c in lexicon.categories}


def test_false_friends_are_not_hits(tokenizer):
    assert hits_of("加强公共治理体系建设") == {"fine": 0, "co": 0, "crude": 0}  # 公共/治理, not 共治
    assert hits_of("发展精细化工产业") == {"fine": 0, "co": 0, "crude": 0}  # 精细化工 is one token
    assert hits_of("生产无缝钢管") == {"fine": 0, "co": 0, "crude": 0}  # 无缝钢管 is one token


def test_split_term_counts_whether_or_not_jieba_splits_it():
    text = "实现公共服务与居民需求的无缝对接"
    plain, injected = Tokenizer(), Tokenizer(words=["无缝对接"])
    assert [w for w, _, _ in plain.tokenize(text)][-2:] == ["无缝", "对接"]
    assert [w for w, _, _ in injected.tokenize(text)][-1] == "无缝对接"
    assert hits_of(text, tokenizer=plain)["co"] == 1
    assert hits_of(text, tokenizer=injected)["co"] == 1


def test_hard_wrapped_term_still_counts():
    assert hits_of("全面推进无缝\n对接，坚持精细\n化管理。") == {"fine": 1, "co": 1, "crude": 0}


def test_longest_match_wins_and_no_span_counts_twice():
    text = "构建共建共治共享的社会治理格局，推进精细化管理。"
    df = score_texts([text], lexicon=LEX)
    assert int(df.loc[0, "hits_co"]) == 1  # 共建共治共享 once; 共治 inside it does not count again
    assert int(df.loc[0, "hits_fine"]) == 1  # 精细化管理, not 精细化 + 管理
    assert df.loc[0, "top_terms"] == "共建共治共享×1; 精细化管理×1"


def test_counts_rates_and_index_are_the_published_formulas():
    text = "坚持共治，推进精细化管理，反对粗放管理。"
    row = score_texts([text], lexicon=LEX).iloc[0]
    assert row["n_chars"] == len(text) == 20  # punctuation counts as characters, whitespace does not
    assert row["n_tokens"] == 8  # 坚持 共治 推进 精细化 管理 反对 粗放 管理; punctuation is not a token
    assert (row["hits_fine"], row["hits_co"], row["hits_crude"], row["hits_total"]) == (1, 1, 1, 3)
    assert row["per10k_co"] == pytest.approx(10000 / len(text))
    assert row["per1ktok_co"] == pytest.approx(1000 / 8)
    assert row["index_positive"] == pytest.approx(10000 * (2.0 + 1.0) / len(text))
    assert row["index_contrast"] == pytest.approx(10000 * 1.0 / len(text))
    assert row["index"] == pytest.approx(10000 * 2.0 / len(text))
    assert bool(row["coverage"]) is True


def test_every_category_is_a_column_even_without_hits():
    df = score_texts(["今天天气很好。"], lexicon=LEX)
    for c in LEX.categories:
        assert df.loc[0, f"hits_{c}"] == 0
        assert df.loc[0, f"per10k_{c}"] == 0.0
        assert df.loc[0, f"per1ktok_{c}"] == 0.0
    assert not df.loc[0, "coverage"] and df.loc[0, "index"] == 0.0 and df.loc[0, "top_terms"] == ""


def test_contrast_only_document_has_no_coverage_and_negative_index():
    row = score_texts(["一刀切地粗放管理"], lexicon=LEX).iloc[0]
    assert row["hits_crude"] == 2 and not row["coverage"] and row["index"] < 0


def test_exclusions_skip_hits_inside_the_phrase():
    lex = Lexicon([Category("c")], [Term("共享", "c", exclusions=("共享单车",))])
    # jieba keeps 共享/单车 apart, so only the exclusion can tell them apart
    assert [w for w, _, _ in Tokenizer().tokenize("共享单车")] == ["共享", "单车"]
    assert hits_of("推进成果共享，规范共享单车停放", lexicon=lex) == {"c": 1}


def test_glob_terms_match_single_tokens():
    lex = Lexicon([Category("c")], [Term("智慧*", "c")])
    assert hits_of("建设智慧城市和智慧社区", lexicon=lex) == {"c": 2}


def test_term_inside_a_longer_token_is_reported_not_counted():
    lex = Lexicon.from_dict({"c": ["共享"]})
    text = "推进数据共享"
    assert hits_of(text, lexicon=lex) == {"c": 0}
    tokens = Tokenizer().tokenize(text)
    assert list(hidden_occurrences(text, tokens, [], ["共享"])) == [("共享", "数据共享")]


def test_traditional_characters_are_converted_unless_switched_off():
    assert hits_of("堅持共治，推進精細化管理") == {"fine": 1, "co": 1, "crude": 0}
    assert hits_of("堅持共治，推進精細化管理", t2s=False)["fine"] == 0


def test_zero_width_and_fullwidth_characters_do_not_change_counts():
    assert hits_of("共\u200b治与精细\u200d化管理") == hits_of("共治与精细化管理") == {"fine": 1, "co": 1, "crude": 0}


def test_hit_offsets_point_into_the_normalised_text():
    from policytext.normalize import normalize_text

    raw = "第一条　推进社会参与，\n实现共治。"
    res = Scorer(LEX).score(Corpus.from_texts({"a": raw}))
    norm = normalize_text(raw)
    assert list(res.hits["term"]) == ["社会参与", "共治"]
    for h in res.hits.itertuples():
        assert norm[h.start:h.end] == h.term


def test_metadata_columns_follow_doc_id_and_clashing_names_are_prefixed():
    corpus = Corpus([Document("a", "推进共治", {"year": "2020", "index": "x"})])
    df = score_corpus(corpus, LEX)
    assert list(df.columns[:3]) == ["doc_id", "year", "meta_index"]
    assert df.loc[0, "index"] > 0


def test_empty_after_normalisation_is_an_error_record_not_a_row():
    res = Scorer(LEX).score(Corpus.from_texts({"a": "\u200b\u200b", "b": "共治"}))
    assert list(res.scores["doc_id"]) == ["b"]
    assert [(e.doc_id, e.error) for e in res.errors] == [("a", "EmptyDocumentError")]


def test_scores_do_not_depend_on_document_order():
    texts = {"a": "推进共治", "b": "粗放管理", "c": "精细化管理与社会参与"}
    fwd = score_texts(texts, lexicon=LEX).set_index("doc_id")
    rev = score_texts(dict(reversed(list(texts.items()))), lexicon=LEX).set_index("doc_id")
    pd.testing.assert_frame_equal(fwd, rev.loc[fwd.index])


def test_matcher_on_explicit_tokens():
    m = Matcher(LEX)
    tokens = [("共建", 0, 2), ("共治", 2, 4), ("共享", 4, 6)]
    assert [(h.term, h.start, h.end) for h in m.match("共建共治共享", tokens)] == [("共建共治共享", 0, 6)]
    # a token boundary inside the term blocks it: 共治 cannot start inside 公共
    assert m.match("公共治理", [("公共", 0, 2), ("治理", 2, 4)]) == []
