"""Latent semantic scaling: the published formulas on a hand-written corpus with a known answer."""

from pathlib import Path

import numpy as np
import pytest

from policytext import Corpus, Lexicon, read_corpus
from policytext.errors import ConfigError
from policytext.scaling import LatentSemanticScaling, lexicon_poles, scale_corpus

REPO = Path(__file__).resolve().parents[1]
POLES = Lexicon.from_dict({"fine": ["精细化"], "crude": ["粗放"]}, polarity={"crude": -1})
# Two vocabularies that never share a sentence: {精细化, 服务, 便民服务, 效率, 群众满意} and
# {粗放, 管理, 命令, 摊派, 层层}. Document m has one sentence of each.
TEXTS = {
    "p1": "推进精细化服务。精细化服务提升效率。便民服务精细化。群众满意服务。",
    "p2": "便民服务提升效率。精细化服务群众满意。",
    "n1": "粗放管理靠命令。命令摊派粗放。粗放管理层层摊派。",
    "n2": "层层摊派靠命令。粗放管理命令摊派。",
    "m": "精细化服务。粗放管理靠命令。",
}


@pytest.fixture(scope="module")
def two_blocks():
    return scale_corpus(Corpus.from_texts(TEXTS), lexicon=POLES, min_count=1, n_components=2)


def test_two_disconnected_vocabularies_get_polarity_plus_and_minus_one(two_blocks):
    # the sentence-term matrix is block-diagonal: with 2 dimensions each block is one singular vector, so every
    # word has cosine 1 with the seed of its block and 0 with the other seed
    pol = dict(zip(two_blocks.words.word, two_blocks.words.polarity))
    assert pol == pytest.approx({"精细化": 1, "服务": 1, "便民服务": 1, "效率": 1, "群众满意": 1,
                                 "粗放": -1, "管理": -1, "命令": -1, "摊派": -1, "层层": -1})


def test_document_score_is_the_weighted_mean_polarity_standardised(two_blocks):
    d = two_blocks.documents.set_index("doc_id")
    assert d["n_scored_tokens"].tolist() == [9, 5, 10, 7, 5]
    # m: 精细化, 服务 (+1 each) and 粗放, 管理, 命令 (-1 each): (2 - 3) / 5
    assert d["scale_raw"].tolist() == pytest.approx([1, 1, -1, -1, -0.2])
    raw = np.array([1, 1, -1, -1, -0.2])
    assert d["scale_score"].to_numpy() == pytest.approx((raw - raw.mean()) / raw.std(ddof=1))


def test_polarity_is_mean_similarity_to_positive_minus_negative_seeds():
    texts = dict(TEXTS, x="精细化管理服务。粗放服务。")
    seeds = {"精细化": 1, "效率": 1, "粗放": -1, "契约式": 1}
    r = scale_corpus(Corpus.from_texts(texts), seeds=seeds, lexicon=POLES, min_count=1, n_components=3)
    m = r.model
    W = m.word_vectors_
    assert np.linalg.norm(W, axis=1) == pytest.approx(1.0)
    i = {w: j for j, w in enumerate(m.vocabulary_)}
    for w in ("服务", "管理", "命令"):
        expected = (W[i[w]] @ W[i["精细化"]] + W[i[w]] @ W[i["效率"]]) / 2 - W[i[w]] @ W[i["粗放"]]
        assert m.polarity_[i[w]] == pytest.approx(expected)
    check = r.seed_check.set_index("seed")
    assert check.loc["契约式", ["pole", "in_vocabulary", "frequency"]].tolist() == [1, False, 0]
    assert check.loc["精细化", "in_vocabulary"] and len(check.loc["精细化", "nearest"].split("; ")) == 10
    assert r.settings["seeds_positive"] == 2 and r.settings["seeds_negative"] == 1 and r.settings["seeds_missing"] == 1


def test_same_seed_same_scores_and_errors():
    corpus = Corpus.from_texts(TEXTS)
    a = scale_corpus(corpus, lexicon=POLES, min_count=1, n_components=3, random_state=4)
    b = scale_corpus(corpus, lexicon=POLES, min_count=1, n_components=3, random_state=4)
    assert a.documents.equals(b.documents)
    with pytest.raises(ConfigError, match="no negative seed word"):
        scale_corpus(corpus, seeds={"精细化": 1, "契约式": -1}, lexicon=POLES, min_count=1)
    with pytest.raises(ConfigError, match="both poles"):
        lexicon_poles(Lexicon.from_dict({"a": ["共治"], "b": ["共治"]}, polarity={"b": -1}))
    assert LatentSemanticScaling({"a": 1}).get_params()["n_components"] == 300


def test_default_seeds_on_the_demo_corpus_agree_with_the_index(tokenizer):
    from policytext import score_corpus
    from policytext.validation import auroc, spearman

    corpus = read_corpus(REPO / "corpora" / "demo")
    r = scale_corpus(corpus, min_count=2)
    assert r.settings["seeds_negative"] >= 3 and r.settings["seeds_positive"] >= 30
    merged = score_corpus(corpus, tokenizer=tokenizer).merge(r.documents[["doc_id", "scale_score"]], on="doc_id")
    assert spearman(merged["index"], merged["scale_score"]) > 0.5
    # the demo documents were written to be fine-grained, mixed or crude
    fine_vs_crude = merged[merged.intended_level.isin(["fine", "crude"])]
    assert auroc(fine_vs_crude["scale_score"], fine_vs_crude.intended_level == "fine") > 0.9


def test_reference_documents_shape_the_vectors_but_are_not_scored():
    corpus = Corpus.from_texts({"p2": TEXTS["p2"], "n2": TEXTS["n2"]})
    reference = Corpus.from_texts({k: v for k, v in TEXTS.items() if k not in ("p2", "n2")})
    r = scale_corpus(corpus, lexicon=POLES, min_count=1, n_components=2, reference=reference)
    assert r.documents["doc_id"].tolist() == ["p2", "n2"] and r.settings["n_reference_documents"] == 3
    assert r.documents["scale_raw"].tolist() == pytest.approx([1, -1])  # the two blocks, as with all five
    assert r.documents["n_scored_tokens"].tolist() == [5, 7]
