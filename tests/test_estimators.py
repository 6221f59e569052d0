"""The topic models are estimators scikit-learn accepts: clone, get_params(deep=True), set_params, fit(X, y=None),
NotFittedError before fit, and a Pipeline of the tokenizer, CountVectorizer and a topic model."""

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import Pipeline

from policytext import read_corpus
from policytext.anchored import AnchoredEnsemble, AnchoredTopicModel
from policytext.dtm import DocumentTokenizer, build_dtm, pretokenized, topic_tokenizer
from policytext.scaling import LatentSemanticScaling
from policytext.topics import LdaModel, NmfModel, SeededLdaModel, SeedWarning

REPO = Path(__file__).resolve().parents[1]
SEEDS = ["社区", "网格", "精细化", "满意度", "基层"]


def _models():
    return [
        LdaModel(3, max_iter=2, random_state=5),
        SeededLdaModel(3, seeds={"grid": ["网格", "社区"]}, max_iter=2, random_state=5),
        NmfModel(3, max_iter=50, random_state=5),
        AnchoredTopicModel(4, seeds=SEEDS, contrast_seeds=[], max_iter=30, random_state=5),
        AnchoredEnsemble(4, n_fits=2, seeds=SEEDS, contrast_seeds=[], max_iter=30, random_state=5, n_jobs=1),
    ]


IDS = ["lda", "seeded", "nmf", "anchored", "ensemble"]


@pytest.fixture(scope="module")
def demo():
    return read_corpus(REPO / "corpora" / "demo")


@pytest.fixture(scope="module")
def tokenizer():
    return topic_tokenizer(engine="jieba")


@pytest.fixture(scope="module")
def dtm(demo, tokenizer):
    return build_dtm(demo, tokenizer=tokenizer, unit="document")


@pytest.mark.parametrize("model", _models(), ids=IDS)
def test_clone_gives_an_unfitted_copy_with_equal_parameters(model):
    copy = clone(model)
    assert copy is not model and type(copy) is type(model)
    assert copy.get_params(deep=True) == model.get_params(deep=True)
    assert not [k for k in vars(copy) if k.endswith("_")]


@pytest.mark.parametrize("model", _models(), ids=IDS)
def test_get_params_lists_every_constructor_argument_and_set_params_changes_them(model):
    params = model.get_params(deep=True)
    assert params["n_components"] in (3, 4) and params["random_state"] == 5
    assert set(params) == set(model.get_params(deep=False))
    assert model.set_params(n_components=7, random_state=11) is model
    assert model.n_components == 7 and model.get_params()["random_state"] == 11
    with pytest.raises(ValueError, match="Invalid parameter"):
        model.set_params(no_such_parameter=1)


def test_the_constructor_stores_its_arguments_unchanged():
    seeds = ["网格", "社区"]
    m = AnchoredEnsemble(6, seeds=seeds, n_fits=3, n_jobs=2)
    assert m.seeds is seeds and m.n_fits == 3 and m.n_jobs == 2 and m.n_components == 6
    assert m.get_params()["match_threshold"] == 0.5
    # an ensemble's repr names its changed parameters, as scikit-learn's own estimators do
    assert repr(NmfModel(4, init="random")) == "NmfModel(init='random', n_components=4)"


@pytest.mark.parametrize("model", _models(), ids=IDS)
def test_transform_before_fit_raises_not_fitted(model, dtm):
    with pytest.raises(NotFittedError):
        model.transform(dtm)


@pytest.mark.parametrize("model", _models(), ids=IDS)
def test_fit_takes_y_none_and_returns_self_and_a_clone_refits_to_the_same_shares(model, dtm):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeedWarning)
        assert model.fit(dtm, None) is model
        shares = model.transform(dtm)
        again = clone(model).fit(dtm).transform(dtm)
    assert shares.shape == (dtm.X.shape[0], model.n_components)
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert np.allclose(shares, again, atol=1e-5)  # gensim computes in float32
    # fitted state survives pickling (models are saved with joblib)
    assert np.array_equal(pickle.loads(pickle.dumps(model)).components_, model.components_)


def test_the_document_tokenizer_gives_the_counts_of_build_dtm(demo, tokenizer):
    texts = [d.text for d in demo]
    pipe = Pipeline([("tokens", DocumentTokenizer(tokenizer)), ("counts", CountVectorizer(analyzer=pretokenized))])
    X = pipe.fit_transform(texts)
    full = build_dtm(demo, tokenizer=tokenizer, unit="document", min_df=1, max_df=1.0)
    assert pipe["counts"].get_feature_names_out().tolist() == full.vocabulary
    assert (X != full.X).nnz == 0
    assert clone(pipe["tokens"]).get_params()["tokenizer"].config == tokenizer.config  # deep-copied by clone


@pytest.mark.parametrize("make", [lambda: LdaModel(3, max_iter=3, random_state=1),
                                  lambda: NmfModel(3, max_iter=100, random_state=1)], ids=["lda", "nmf"])
def test_a_pipeline_of_tokenizer_countvectorizer_and_topic_model(demo, tokenizer, make):
    texts = [d.text for d in demo]
    pipe = Pipeline([("tokens", DocumentTokenizer(tokenizer)),
                     ("counts", CountVectorizer(analyzer=pretokenized, min_df=2, max_df=0.5)),
                     ("topics", make())])
    shares = pipe.fit(texts).transform(texts)
    assert shares.shape == (len(texts), 3) and np.allclose(shares.sum(axis=1), 1.0)
    # without a vocabulary the columns are named w0, w1, ...; the counts are those of the matrix path
    dtm = build_dtm(demo, tokenizer=tokenizer, unit="document")
    model = pipe["topics"]
    assert model.vocabulary_ == [f"w{j}" for j in range(len(dtm.vocabulary))]
    direct = make().fit(dtm)
    assert np.allclose(direct.transform(dtm), shares, atol=1e-5)
    assert np.allclose(clone(pipe).fit_transform(texts), shares, atol=1e-5)


def test_an_anchored_model_in_a_pipeline_finds_its_seeds_through_the_vocabulary(demo, tokenizer):
    texts = [d.text for d in demo]
    dtm = build_dtm(demo, tokenizer=tokenizer, unit="document")
    pipe = Pipeline([("tokens", DocumentTokenizer(tokenizer)),
                     ("counts", CountVectorizer(analyzer=pretokenized, vocabulary=dtm.vocabulary)),
                     ("topics", AnchoredTopicModel(4, seeds=SEEDS, contrast_seeds=[], max_iter=30, random_state=2))])
    shares = pipe.fit(texts, topics__vocabulary=dtm.vocabulary).transform(texts)
    model = pipe["topics"]
    assert model.seed_words_ == [w for w in SEEDS if w in dtm.vocabulary] and model.vocabulary_ == dtm.vocabulary
    # the same counts as build_dtm's (the order of words within a row, which Gibbs sampling sees, may differ)
    assert (pipe[:-1].transform(texts) != dtm.X).nnz == 0
    cols = [dtm.vocabulary.index(w) for w in model.seed_words_]
    assert model.components_[0, cols].min() > 0 and model.components_[1:, cols].max() == 0
    assert shares.shape == (len(texts), 4) and np.allclose(shares.sum(axis=1), 1.0)


def test_semantic_scaling_is_an_estimator_too():
    m = LatentSemanticScaling({"精细化": 1, "粗放": -1}, n_components=20, random_state=3)
    copy = clone(m)
    assert copy.get_params(deep=True) == m.get_params(deep=True) and copy.set_params(n_iter=2).n_iter == 2
    with pytest.raises(NotFittedError):
        m.transform(None)
