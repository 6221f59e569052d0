"""The anchored model and its ensemble: the estimator contract, seeding, fold-in, matching, determinism."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from policytext import read_corpus
from policytext.anchored import (
    AnchoredEnsemble, AnchoredTopicModel, anchored_seeds, fit_seeds, fold_in, majority_mode, match_topics,
    stability_verdict,
)
from policytext.dtm import build_dtm
from policytext.errors import ConfigError
from policytext.lexicon import Lexicon, load_lexicon
from policytext.topics import SeedError, SeedWarning, TopicOptions, fit_topics, topic_stability

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
    kept = one.kept_fits_
    assert np.allclose(table["governance_share"], np.median(shares[kept], axis=0))  # median over the majority mode
    assert np.allclose(table["governance_share_sd"], shares[kept].std(axis=0, ddof=1))
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
        st = topic_stability(demo, "5,6", "0,1", TopicOptions(max_iter=100))
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
        r = fit_topics(demo, 5, TopicOptions(n_fits=2, max_iter=100, candidates=0), random_state=1)
    html = topics_section(r.documents, r.topics, Scorer().score(demo).scores, settings=r.settings)
    assert "锚定主题模型" in html and "共 5 个主题，2 次不同随机种子的拟合取中位数" in html
    assert "稳定性判定" in html and r.settings["verdict_text"].split(":")[0] in html
    assert "模型发现的词语" in html and r.topics.loc[0, "top_nonseed_terms"].split("; ")[0] in html
    assert "5%–95% 范围" in html and "其他主题 1" in html
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeedWarning)
        one = fit_topics(demo, 5, TopicOptions(n_fits=1, max_iter=100, candidates=0))
    html = topics_section(one.documents, one.topics, Scorer().score(demo).scores, settings=one.settings)
    assert "只有一次拟合，没有区间" in html and "5%–95% 范围" not in html


class _InjectedFit:
    """A stand-in for a fitted AnchoredTopicModel with given document shares (rows = documents)."""

    def __init__(self, shares, components, vocabulary):
        self.shares, self.components_, self.vocabulary_ = shares, components, vocabulary
        self.contrast_topic_, self.seed_words_, self.contrast_words_ = 1, [], []
        self.seeded_dimensions_ = ["governance", "contrast"] + [None] * (components.shape[0] - 2)
        self.governance_word_share_ = np.zeros(components.shape[1])

    def shares_and_nonseed(self, dtm):
        return self.shares, np.zeros(len(self.shares))

    def transform(self, dtm):
        return self.shares


def _injected_ensemble(dtm, n_majority, n_off, scale=40.0):
    """An ensemble whose fits are injected: ``n_majority`` fits agree on a governance share (small jitter),
    ``n_off`` fits are in another mode (shares ``scale`` times larger, ranked differently)."""
    rng = np.random.default_rng(0)
    n, K, V = dtm.X.shape[0], 5, len(dtm.vocabulary)
    comps = rng.dirichlet(np.ones(V), size=K)
    base = np.linspace(0.002, 0.01, n)
    fits = []
    for f in range(n_majority + n_off):
        if f < n_majority:
            g = base * (1 + rng.normal(0, 0.03, n))
        else:
            g = scale * base[rng.permutation(n)] * (1 + rng.normal(0, 0.03, n))
        rest = (1 - g)[:, None] * np.array([0.05, 0.4, 0.35, 0.2])
        fits.append(_InjectedFit(np.column_stack([g, rest]), comps, list(dtm.vocabulary)))
    e = AnchoredEnsemble(K, n_fits=len(fits))
    e.fits_, e.fit_seeds_ = fits, list(range(100, 100 + len(fits)))
    return e._combine(dtm), np.stack([f.shares[:, 0] for f in fits]), base


def test_majority_mode_finds_the_largest_agreeing_majority():
    A = np.full((5, 5), 0.9)
    A[3, :] = A[:, 3] = 0.05
    np.fill_diagonal(A, 1.0)
    assert majority_mode(A) == ([0, 1, 2, 4], [3])
    A[1, :] = A[:, 1] = -0.1  # two off-mode fits, still a majority of three
    np.fill_diagonal(A, 1.0)
    assert majority_mode(A) == ([0, 2, 4], [1, 3])
    B = np.eye(4) + np.array([[0, .9, 0, 0], [.9, 0, 0, 0], [0, 0, 0, .9], [0, 0, .9, 0]])
    assert majority_mode(B) == ([0, 1, 2, 3], [])  # two modes of two: no majority, nothing excluded
    assert majority_mode(np.ones((2, 2))) == ([0, 1], [])


@pytest.mark.parametrize("n_off", [1, 2])
def test_a_minority_of_fits_in_another_mode_does_not_take_over_the_share(dtm, n_off):
    e, gov, base = _injected_ensemble(dtm, 5 - n_off, n_off)
    assert e.off_mode_fits_ == list(range(5 - n_off, 5)) and e.kept_fits_ == list(range(5 - n_off))
    table = e.document_table(dtm)
    majority = np.median(gov[: 5 - n_off], axis=0)
    assert np.allclose(table["governance_share"], majority)
    assert np.abs(table["governance_share"] / base - 1).max() < 0.1  # close to the majority's share
    assert np.abs(gov.mean(axis=0) / base - 1).min() > 1  # the old mean over all fits was taken over
    assert (table["governance_share_p95"] <= gov[: 5 - n_off].max(axis=0) + 1e-12).all()
    assert (table["governance_share_fits"] == 5 - n_off).all()
    assert np.allclose(table["governance_share_off_mode"], np.median(gov[5 - n_off:], axis=0))
    assert e.verdict_ == "stable" and f"{n_off} of 5 fits in another mode" in e.verdict_text_
    assert [o["seed"] for o in e.off_mode_] == e.fit_seeds_[5 - n_off:]
    assert all(o["mean_share"] > 10 * o["majority_mean_share"] for o in e.off_mode_)
    assert np.allclose(table[[f"topic_{k}" for k in range(5)]].sum(axis=1), 1.0)


def test_without_a_majority_mode_every_fit_is_kept_and_the_verdict_is_unstable(dtm):
    e, gov, _ = _injected_ensemble(dtm, 2, 2)
    assert e.off_mode_fits_ == [] and e.verdict_ == "unstable"
    assert np.allclose(e.document_table(dtm)["governance_share"], np.median(gov, axis=0))
