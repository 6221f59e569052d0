"""Lexicon diagnostics on hand-written texts, with counts worked out by hand from jieba's tokens."""

import math
from pathlib import Path

import pytest

from policytext import Corpus, Lexicon
from policytext.diagnostics import CATEGORY_COLUMNS, SENSITIVITY_COLUMNS, TERM_COLUMNS, diagnose_lexicon
from policytext.lexicon import Category, Term

REPO = Path(__file__).resolve().parents[1]

# jieba's tokens (checked in test_tokens_are_as_assumed):
# a: 推进/数据共享/和/社区/共治/，/实现/共享/。                                  17 characters
# b: 加强/公共/治理/，/推动/共建/共治/共享/，/鼓励/共享/单车/规范/停放/。          27 characters
# c: 完善/网格化/管理/，/落实/网格化/管理/责任/。                                18 characters
TEXTS = {
    "a": "推进数据共享和社区共治，实现共享。",
    "b": "加强公共治理，推动共建共治共享，鼓励共享单车规范停放。",
    "c": "完善网格化管理，落实网格化管理责任。",
}


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon(
        [Category("share"), Category("co"), Category("grid"), Category("none"), Category("crude", polarity=-1)],
        [Term("共享", "share", 1.0, exclusions=("共享单车",)), Term("共建共治共享", "share", 2.0),
         Term("共治", "co", 2.0), Term("网格化管理", "grid", 1.0), Term("网格", "grid", 1.0),
         Term("契约式", "none", 1.0), Term("一刀切", "crude", 1.0)])


@pytest.fixture(scope="module")
def diag(lexicon, tokenizer):
    return diagnose_lexicon(Corpus.from_texts(TEXTS), lexicon, tokenizer=tokenizer, sensitivity=True)


def test_tokens_are_as_assumed(tokenizer):
    assert [w for w, _, _ in tokenizer.tokenize(TEXTS["a"])] == ["推进", "数据共享", "和", "社区", "共治", "，", "实现",
                                                                "共享", "。"]
    assert "/".join(w for w, _, _ in tokenizer.tokenize(TEXTS["b"])) == \
        "加强/公共/治理/，/推动/共建/共治/共享/，/鼓励/共享/单车/规范/停放/。"
    assert "/".join(w for w, _, _ in tokenizer.tokenize(TEXTS["c"])) == "完善/网格化/管理/，/落实/网格化/管理/责任/。"


def test_term_counts(diag):
    t = diag.terms.set_index("term")
    assert list(diag.terms.columns) == TERM_COLUMNS
    # 共享 occurs 4 times: a hit (实现/共享), inside 数据共享, excluded in 共享/单车, inside the hit 共建共治共享
    assert t.loc["共享", ["hits", "documents", "inside_tokens", "inside_compounds", "excluded", "in_longer_hits"]].tolist() \
        == [1, 1, 1, "数据共享×1", 1, 1]
    # 共治: a hit in a; straddles 公共/治理 in b; inside the longer hit 共建共治共享 in b
    assert t.loc["共治", ["hits", "inside_tokens", "inside_compounds", "in_longer_hits"]].tolist() == [1, 1, "公共治理×1", 1]
    assert t.loc["网格化管理", ["hits", "documents"]].tolist() == [2, 1]  # 网格化/管理 twice, a run of two tokens
    assert t.loc["网格", ["hits", "in_longer_hits", "unseen"]].tolist() == [0, 2, False]
    assert t.loc["契约式", "unseen"] and t.loc["一刀切", "unseen"]
    assert diag.unseen == ["契约式", "一刀切"]
    # 5 hits in all: 共享, 共治, 共建共治共享, 网格化管理 x2
    assert t["share_of_hits"].to_dict() == {"共享": 0.2, "共建共治共享": 0.2, "共治": 0.2, "网格化管理": 0.4, "网格": 0.0,
                                            "契约式": 0.0, "一刀切": 0.0}
    # index shares: sum over documents of weight x hits / n_chars, over the positive pole's total
    total = 1 / 17 + 2 / 17 + 2 / 27 + 2 / 18
    assert t.loc["共享", "index_share"] == pytest.approx((1 / 17) / total)
    assert t.loc["网格化管理", "index_share"] == pytest.approx((2 / 18) / total)
    assert t.loc["一刀切", "index_share"] == 0.0


def test_dominance_and_coverage(diag):
    c = diag.categories.set_index("category")
    assert list(diag.categories.columns) == CATEGORY_COLUMNS
    assert c.loc["share", ["terms", "terms_hit", "hits", "documents", "top_term_share", "dominated"]].tolist() == \
        [2, 2, 2, 2, 0.5, False]  # 50% is not more than half
    assert c.loc["share", "coverage"] == pytest.approx(2 / 3)
    assert c.loc["co", ["top_term", "top_term_share", "dominated"]].tolist() == ["共治", 1.0, True]
    assert c.loc["grid", ["top_term", "dominated"]].tolist() == ["网格化管理", True]
    assert c.loc["none", ["hits", "coverage", "top_term", "dominated"]].tolist() == [0, 0.0, "", False]
    assert sorted(diag.dominated["category"]) == ["co", "grid"]
    t = diag.terms.set_index("term")
    assert t.loc["共治", "dominant"] and t.loc["网格化管理", "dominant"] and not t.loc["共享", "dominant"]


def test_leave_one_term_out(diag):
    s = diag.sensitivity.set_index("term")
    assert list(diag.sensitivity.columns) == SENSITIVITY_COLUMNS
    # full index (weighted hits per 10,000 characters): a 3/17, b 2/27, c 2/18 -> ranks a > c > b
    # without 共治, a falls to 1/17 -> c > b > a: rank differences 2, 1, 1 -> Spearman 1 - 6*6/(3*8) = -0.5
    assert s.loc["共治", "spearman"] == pytest.approx(-0.5)
    assert s.loc["共治", ["mean_rank_change", "max_rank_change"]].tolist() == pytest.approx([4 / 3, 2.0])
    # without 共享, a falls to 2/17, still first: ranking unchanged although a's index changed
    assert s.loc["共享", ["spearman", "max_rank_change", "documents_changed"]].tolist() == [1.0, 0.0, 1]
    # without 共建共治共享, the nested terms take its span: 共治 + 共享 = 3/27 = 1/9, tying c (2/18)
    assert s.loc["共建共治共享", "spearman"] == pytest.approx(math.sqrt(3) / 2)
    assert diag.sensitivity["term"].iloc[0] == "共治"  # most influential first
    assert "网格" not in s.index  # never hit: dropping it changes nothing


def test_empty_documents_are_skipped(lexicon, tokenizer):
    d = diagnose_lexicon(Corpus.from_texts({"a": TEXTS["a"], "blank": "   "}), lexicon, tokenizer=tokenizer)
    assert (d.n_documents, d.skipped) == (1, 1)
    assert d.sensitivity is None


def test_default_lexicon_on_the_demo_corpus_runs(tokenizer):
    from policytext import read_corpus

    d = diagnose_lexicon(read_corpus(REPO / "corpora" / "demo"), tokenizer=tokenizer)
    assert d.n_documents == 24 and len(d.terms) == 145
    assert d.terms["hits"].sum() > 0
    assert d.terms.loc[d.terms.polarity > 0, "index_share"].sum() == pytest.approx(1.0)
