"""Topic models: the estimator contract, reproducibility, bad input, K selection, save/apply."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import policytext as pt
from policytext import Lexicon, read_corpus
from policytext.dtm import build_dtm
from policytext.errors import ConfigError
from policytext.topics import (
    LdaModel, NmfModel, SeededLdaModel, SeedError, SeedWarning, apply_topics, coherence_npmi, fit_topics, parse_k,
    TopicOptions, select_k, topic_diversity, topic_stability, write_topics,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo():
    return read_corpus(REPO / "corpora" / "demo")


@pytest.fixture(scope="module")
def demo_dtm(demo):
    return build_dtm(demo, unit="paragraph")


@pytest.mark.parametrize("cls", [LdaModel, SeededLdaModel, NmfModel])
def test_estimator_contract(cls, demo_dtm):
    m = cls(4, random_state=3, **({"seeds": {"a": ["社区"], "b": ["积分"]}} if cls is SeededLdaModel else {}))
    assert not [k for k in vars(m) if k.endswith("_")], "__init__ only stores arguments"
    assert m.get_params()["n_components"] == 4 and m.get_params()["random_state"] == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeedWarning)
        assert m.fit(demo_dtm) is m
    assert m.components_.shape == (4, len(demo_dtm.vocabulary))
    assert np.allclose(m.components_.sum(axis=1), 1.0)
    shares = m.transform(demo_dtm)
    assert shares.shape == (demo_dtm.X.shape[0], 4) and np.allclose(shares.sum(axis=1), 1.0)
    assert len(m.topic_labels_) == 4 and m.vocabulary_ == demo_dtm.vocabulary


def test_same_corpus_settings_and_seed_give_an_identical_document_table(demo):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeedWarning)
        a = fit_topics(demo, 9, random_state=7)
        b = fit_topics(demo, 9, random_state=7)
        c = fit_topics(demo, 9, random_state=8)
    pd.testing.assert_frame_equal(a.documents, b.documents)
    pd.testing.assert_frame_equal(a.topics, b.topics)
    assert not a.documents.equals(c.documents)
    assert list(a.documents.columns[:2]) == ["doc_id", "title"]
    assert [f"topic_{k}" for k in range(9)] == [c for c in a.documents.columns if c.startswith("topic_")]
    assert a.documents["governance_share"].between(0, 1).all()


def test_seeded_topics_are_labelled_and_governance_topics_are_the_positive_ones(demo):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeedWarning)
        r = fit_topics(demo, 9, TopicOptions(model="seeded-dimensions"))
    assert r.topics["seeded_dimension"].tolist()[:7] == [
        "fine_grained", "smart_admin", "seamless_service", "co_governance", "grassroots", "performance", "crude"]
    assert r.governance_topics == [0, 1, 2, 3, 4, 5]  # crude (polarity -1) and the two unseeded topics are not
    gs = r.documents["governance_share"].to_numpy()
    assert np.allclose(gs, r.documents[[f"topic_{k}" for k in range(6)]].sum(axis=1))
    assert all(len(t.split("; ")) == 20 for t in r.topics["top_terms"])


def test_missing_and_rare_seeds_are_warned_with_numbers(demo_dtm):
    m = SeededLdaModel(3, seeds={"a": ["社区", "不存在的词"], "b": ["积分"]}, min_seed_count=1000)
    with pytest.warns(SeedWarning, match=r"a: 1 of 2 seed words not in the vocabulary \(不存在的词\); 1 seen fewer than 1000"):
        m.fit(demo_dtm)
    assert m.seed_words_ == {"a": ["社区"], "b": ["积分"]}


def test_a_lexicon_none_of_whose_terms_occur_is_an_error(demo):
    lex = Lexicon.from_dict({"x": ["量子纠缠", "暗物质"], "y": ["黑洞"]})
    with pytest.raises(SeedError, match=r"none of the seed words of the 2 dimensions occurs in the vocabulary \(\d+ words"):
        fit_topics(demo, 4, TopicOptions(model="seeded-dimensions"), lexicon=lex)


def test_k_larger_than_the_rows_is_an_error_with_the_numbers(demo):
    with pytest.raises(ConfigError, match=r"K=30 is more than the 24 documents of 24 documents; use K <= 24"):
        fit_topics(demo, 30, TopicOptions(unit="document", model="lda"))
    with pytest.raises(ConfigError, match="at least 2"):
        LdaModel(1).fit(build_dtm(demo, unit="document"))


def test_too_few_topics_for_the_seeds(demo_dtm):
    with pytest.raises(ConfigError, match=r"7 seeded dimensions x 1 topics each need K >= 7, got K=5"):
        fit_topics(read_corpus(REPO / "corpora" / "demo"), 5, TopicOptions(model="seeded-dimensions"))


def test_parse_k():
    assert parse_k("5:40:5") == list(range(5, 41, 5)) and parse_k("10") == [10] and parse_k("4,2") == [2, 4]
    with pytest.raises(ConfigError, match="cannot read K"):
        parse_k("ten")


def test_select_k_reports_coherence_perplexity_diversity_and_one_choice(demo_dtm):
    table = select_k(demo_dtm, [3, 5], TopicOptions(model="lda"), random_state=1)
    assert table.columns.tolist() == ["k", "coherence_npmi", "perplexity", "diversity", "chosen", "reason"]
    assert table["chosen"].sum() == 1 and (table["perplexity"] > 1).all()
    assert table.loc[table.chosen, "reason"].item().startswith(f"K={table.loc[table.chosen, 'k'].item()}: highest")
    assert table["diversity"].between(0, 1).all() and table["coherence_npmi"].between(-1, 1).all()
    nmf = select_k(demo_dtm, [3, 4], TopicOptions(model="nmf"))
    assert nmf["perplexity"].isna().all()  # NMF is not a probability model


def test_npmi_and_diversity_on_a_hand_made_case():
    from scipy import sparse

    from policytext.dtm import DocumentTermMatrix

    X = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1]]))
    dtm = DocumentTermMatrix(X, ["a", "b", "c"], ["d"], [{}], np.zeros(4, int), np.ones(4))

    class Fixed:
        components_ = np.array([[0.5, 0.5, 0.0], [0.0, 0.1, 0.9]])

    # topic 0: a,b always together (P=0.5 each, P(ab)=0.5): NPMI = log(0.5/0.25)/-log(0.5) = 1
    # topic 1: c,b never together: -1; a is third with P(ac)=0: pairs (c,b),(c,a),(b,a) -> (-1 -1 +1)/3
    assert coherence_npmi(Fixed, dtm, top_n=2).tolist() == pytest.approx([1.0, -1.0])
    assert coherence_npmi(Fixed, dtm, top_n=3).tolist() == pytest.approx([-1 / 3, -1 / 3])
    assert topic_diversity(Fixed, top_n=2) == 0.75  # {a,b} and {c,b}: 3 distinct of 4


def test_write_and_apply_reproduce_the_document_table(demo, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeedWarning)
        r = fit_topics(demo, 9, random_state=2)
    out = write_topics(r, tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == ["candidates.csv", "documents.csv", "model", "topics.csv"]
    assert sorted(p.name for p in (out / "model").iterdir()) == ["manifest.json", "model.joblib", "vocabulary.json"]
    applied = apply_topics(out / "model", demo)
    pd.testing.assert_frame_equal(applied, r.documents)
    manifest = (out / "model" / "manifest.json").read_text("utf-8")
    for key in ('"random_state": 2', '"vocabulary_size"', '"tomotopy"', '"lexicon"', '"tokenizer"', '"verdict"',
                '"fit_seeds"'):
        assert key in manifest


def test_write_replaces_the_folder_atomically(demo, tmp_path, monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeedWarning)
        r = fit_topics(demo, 4, TopicOptions(model="nmf"))
    out = tmp_path / "out"
    write_topics(r, out)
    before = (out / "documents.csv").read_bytes()
    import policytext.topics as topics_mod

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(topics_mod, "save_topic_model", boom)
    with pytest.raises(OSError):
        write_topics(r, out)
    assert (out / "documents.csv").read_bytes() == before  # the previous outputs are intact
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no half-written folder left behind


def test_stability_fits_every_k_and_seed_and_agrees_with_single_fits(demo):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeedWarning)
        result = topic_stability(demo, "8,9", "0,1", TopicOptions(model="seeded-dimensions"))
        single = fit_topics(demo, 9, TopicOptions(model="seeded-dimensions"), random_state=1)
        again = topic_stability(demo, "8,9", "0,1", TopicOptions(model="seeded-dimensions"))
    names = ["k8_seed0", "k8_seed1", "k9_seed0", "k9_seed1"]
    assert result.fits["fit"].tolist() == names and result.fits["k"].tolist() == [8, 8, 9, 9]
    assert list(result.documents.columns) == ["doc_id", *names, "mean", "sd", "min", "max"]
    assert len(result.documents) == 24
    # the same fit as fit_topics with that K and seed, up to gensim's float32 rounding
    np.testing.assert_allclose(result.documents["k9_seed1"], single.documents["governance_share"], atol=1e-5)
    shares = result.documents[names]
    assert np.allclose(result.documents["sd"], shares.std(axis=1, ddof=0))
    assert (result.documents["min"] <= result.documents["mean"]).all()
    assert result.agreement.shape == (4, 4) and np.allclose(np.diag(result.agreement), 1.0)
    assert result.agreement.loc["k8_seed0", "k9_seed1"] == pytest.approx(
        shares["k8_seed0"].rank().corr(shares["k9_seed1"].rank()))
    s = result.summary
    assert s["fits"] == 4 and s["documents"] == 24 and s["k"] == [8, 9] and s["seeds"] == [0, 1]
    same_k = [result.agreement.loc["k8_seed0", "k8_seed1"], result.agreement.loc["k9_seed0", "k9_seed1"]]
    assert s["median_spearman_same_k"] == pytest.approx(np.median(same_k))
    assert -1 <= s["lowest_spearman"] <= s["median_spearman"] <= 1
    pd.testing.assert_frame_equal(result.documents, again.documents)  # deterministic
    index = pt.Scorer().score(demo).scores.set_index("doc_id")["index"]
    expected = shares["k9_seed0"].rank().corr(index.loc[result.documents["doc_id"]].reset_index(drop=True).rank())
    assert result.fits.loc[2, "spearman_with_index"] == pytest.approx(expected)
    assert s["spearman_with_index_range"] == [result.fits["spearman_with_index"].min(),
                                              result.fits["spearman_with_index"].max()]


def test_stability_needs_two_fits(demo):
    with pytest.raises(ConfigError, match="at least two fits"):
        topic_stability(demo, "9", "0")
