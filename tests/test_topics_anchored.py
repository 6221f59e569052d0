"""The anchored model and its ensemble: the estimator contract, seeding, fold-in, matching, determinism."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from policytext import read_corpus
from policytext.anchored import (
    AnchoredEnsemble, AnchoredTopicModel, anchored_seeds, fit_seeds, fold_in, match_topics, stability_verdict,
)
from policytext.dtm import build_dtm
from policytext.errors import ConfigError
from policytext.lexicon import Lexicon, load_lexicon
from policytext.topics import SeedError, SeedWarning, fit_topics, topic_stability

REPO = Path(__file__).resolve().parents[1]
SEEDS = ["社区", "网格", "精细化", "满意度", "基层"]
CRUDE = ["粗放", "一刀切"]


@pytest.fixture(scope="module")
def demo():
    return read_corpus(REPO / "corpora" / "demo")


@pytest.fixture(scope="module")
def dtm(demo):
    return build_dtm(demo, unit="document")


@pytest.fixture(scope="module")
def fitted(dtm):
    return AnchoredTopicModel(5, seeds=SEEDS, contrast_seeds=CRUDE, max_iter=200, random_state=4).fit(dtm)


def test_estimator_contract(dtm, fitted):
    m = AnchoredTopicModel(5, seeds=SEEDS, contrast_seeds=CRUDE, max_iter=200, random_state=4)
    assert not [k for k in vars(m) if k.endswith("_")], "__init__ only stores arguments"
    assert m.get_params()["n_components"] == 5 and m.get_params()["random_state"] == 4
    assert m.fit(dtm) is m
    assert fitted.components_.shape == (5, len(dtm.vocabulary)) and np.allclose(fitted.components_.sum(axis=1), 1)
    shares = fitted.transform(dtm)
    assert shares.shape == (24, 5) and np.allclose(shares.sum(axis=1), 1.0)
    assert fitted.seeded_dimensions_ == ["governance", "contrast", None, None, None]
    assert fitted.topic_labels_[0].startswith("治理: ") and fitted.topic_labels_[1].startswith("粗放: ")
    e = AnchoredEnsemble(5, n_fits=2, seeds=SEEDS, contrast_seeds=CRUDE, max_iter=50)
    assert not [k for k in vars(e) if k.endswith("_")] and e.get_params()["n_fits"] == 2


def test_same_seed_same_model_other_seed_other_model(dtm, fitted):
    again = AnchoredTopicModel(5, seeds=SEEDS, contrast_seeds=CRUDE, max_iter=200, random_state=4).fit(dtm)
    other = AnchoredTopicModel(5, seeds=SEEDS, contrast_seeds=CRUDE, max_iter=200, random_state=5).fit(dtm)
    assert np.array_equal(again.components_, fitted.components_)
    assert np.array_equal(again.transform(dtm), fitted.transform(dtm))
    assert not np.array_equal(other.components_, fitted.components_)


def test_seed_words_belong_to_their_topic_only(dtm, fitted):
    col = {w: j for j, w in enumerate(dtm.vocabulary)}
    seeds = [col[w] for w in fitted.seed_words_]
    crude = [col[w] for w in fitted.contrast_words_]
    assert set(fitted.seed_words_) <= set(SEEDS) and fitted.contrast_words_
    assert (fitted.components_[1:, seeds] == 0).all() and (fitted.components_[0, seeds] > 0).all()
    assert (np.delete(fitted.components_, 1, axis=0)[:, crude] == 0).all()
    # every seed token is assigned to the governance topic, so the share is at least the seed words' share
    X = dtm.X.toarray()
    seed_share = X[:, seeds].sum(axis=1) / X.sum(axis=1)
    shares, nonseed = fitted.shares_and_nonseed(dtm)
    assert np.allclose(shares[:, 0] - nonseed, seed_share)
    assert (nonseed >= 0).all()
    assert np.allclose(fitted.governance_word_share_[seeds], 1.0)


def test_fold_in_on_a_hand_made_case():
    # words 0, 1 only in topic 0; word 2 only in topic 1: assignments are certain
    phi = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    X = sparse.csr_matrix(np.array([[2, 1, 1], [0, 0, 3], [0, 0, 0]]))
    counts, part = fold_in(X, phi, np.array([0.1, 0.1]), columns=np.array([0.0, 1.0, 1.0]))
    assert np.allclose(counts, [[3, 1], [0, 3], [0, 0]])
    assert np.allclose(part, [1, 0, 0])  # only word 1 is a masked (non-seed) word assigned to topic 0
    # a shared word (c) is split in proportion to the topics' weight in the row: the fixed point of
    # theta0 = (2 + 4 theta0) / 12 is 1/4, so topic 0 gets 2 + 4/4 = 3 of the 12 tokens
    phi = np.array([[0.5, 0.0, 0.5], [0.0, 0.5, 0.5]])
    counts = fold_in(sparse.csr_matrix(np.array([[2, 6, 4]])), phi, np.array([1e-12, 1e-12]), tol=1e-12)
    assert counts[0].tolist() == pytest.approx([3, 9], abs=1e-6)


def test_match_topics_recovers_a_permutation():
    rng = np.random.default_rng(0)
    ref = rng.dirichlet(np.ones(40), size=6)
    perm = np.array([0, 1, 4, 2, 5, 3])
    other = ref[perm] + rng.normal(0, 1e-4, ref.shape).clip(0)
    matching, cosine = match_topics(ref, other, n_anchor=2)
    assert (other[matching] == other[matching]).all() and np.allclose(other[matching], ref, atol=1e-3)
    assert matching[:2].tolist() == [0, 1] and (cosine > 0.99).all()


def test_ensemble_seeds_differ_between_base_seeds_and_are_reproducible():
    a, b = fit_seeds(0, 5), fit_seeds(1, 5)
    assert a == fit_seeds(0, 5) and len(set(a)) == 5 and not set(a) & set(b)


def test_ensemble_is_deterministic_and_independent_of_the_processes(dtm):
    kw = dict(n_fits=3, seeds=SEEDS, contrast_seeds=CRUDE, max_iter=100, random_state=2)
    one = AnchoredEnsemble(5, n_jobs=1, **kw).fit(dtm)
    two = AnchoredEnsemble(5, n_jobs=2, **kw).fit(dtm)
    pd.testing.assert_frame_equal(one.document_table(dtm), two.document_table(dtm))
    assert one.matching_.shape == (3, 5) and one.matching_[:, :2].tolist() == [[0, 1]] * 3
    table = one.document_table(dtm)
    shares = np.stack([dtm.document_shares(f.transform(dtm))[:, 0] for f in one.fits_])
    assert np.allclose(table["governance_share"], shares.mean(axis=0))
    assert np.allclose(table["governance_share_sd"], shares.std(axis=0, ddof=1))
    assert (table["governance_share_p05"] >= shares.min(axis=0) - 1e-12).all()
    assert (table["governance_share_p95"] <= shares.max(axis=0) + 1e-12).all()
    assert (table["other_topic_1"] >= 2).all() and (table["other_topic_1_share"] >= table["other_topic_2_share"]).all()
    assert one.verdict_ in ("stable", "unstable") and one.agreement_.shape == (3, 3)


def test_bad_settings_are_clear_errors(dtm):
    with pytest.raises(ConfigError, match=r"needs K >= 3 \(the governance topic, the contrast topic"):
        AnchoredTopicModel(2, seeds=SEEDS, contrast_seeds=CRUDE).fit(dtm)
    with pytest.raises(SeedError, match="none of the seed words of the governance topic"):
        AnchoredEnsemble(4, seeds=["量子纠缠"], contrast_seeds=[]).fit(dtm)
    with pytest.raises(ConfigError, match="K=40 topics is more than the 24 documents"):
        AnchoredTopicModel(40, seeds=SEEDS).fit(dtm)
    with pytest.raises(SeedError):
        fit_topics(read_corpus(REPO / "corpora" / "demo"), 4, lexicon=Lexicon.from_dict({"x": ["量子纠缠"]}))


def test_anchored_seeds_take_every_positive_term_and_the_crude_ones():
    lex = load_lexicon()
    pos, neg = anchored_seeds(lex)
    positive = {c for c in lex.categories if lex.category(c).polarity > 0}
    assert set(pos) == {t.term for t in lex.terms if t.category in positive and not t.is_glob}
    assert neg and not set(pos) & set(neg)


def test_verdict_thresholds():
    assert stability_verdict(0.8, 0.6)[0] == "stable"
    assert stability_verdict(0.95, 0.55)[0] == "unstable"
    assert "do not report a single fit" in stability_verdict(0.5, 0.2)[1]
    assert stability_verdict(float("nan"), float("nan"))[0] == "unstable"


def test_anchored_stability_has_a_verdict_and_parallel_fits_equal_serial_ones(demo):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeedWarning)
        st = topic_stability(demo, "5,6", "0,1", max_iter=100)
    s = st.summary
    assert s["model"] == "anchored" and s["unit"] == "document" and s["fits"] == 4
    assert s["verdict"] in ("stable", "unstable") and s["verdict_text"].startswith(s["verdict"])
    dtm = build_dtm(demo, unit="document")
    seeds, crude = anchored_seeds(load_lexicon())
    single = AnchoredTopicModel(6, seeds=seeds, contrast_seeds=crude, max_iter=100, random_state=1).fit(dtm)
    assert np.allclose(st.documents["k6_seed1"], single.transform(dtm)[:, 0])


def test_report_topic_section_shows_intervals_verdict_and_discovered_words(demo):
    from policytext import Scorer
    from policytext.reports.html import topics_section

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeedWarning)
        r = fit_topics(demo, 5, n_fits=2, max_iter=100, random_state=1, candidates=0)
    html = topics_section(r.documents, r.topics, Scorer().score(demo).scores, settings=r.settings)
    assert "锚定主题模型" in html and "共 5 个主题，2 次不同随机种子的拟合取平均" in html
    assert "稳定性判定" in html and r.settings["verdict_text"].split(":")[0] in html
    assert "模型发现的词语" in html and r.topics.loc[0, "top_nonseed_terms"].split("; ")[0] in html
    assert "5%–95% 范围" in html and "其他主题 1" in html
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeedWarning)
        one = fit_topics(demo, 5, n_fits=1, max_iter=100, candidates=0)
    html = topics_section(one.documents, one.topics, Scorer().score(demo).scores, settings=one.settings)
    assert "只有一次拟合，没有区间" in html and "5%–95% 范围" not in html
