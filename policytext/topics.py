"""Topic models that show how far each text emphasises fine-grained governance.

Three estimators follow scikit-learn's contract (``__init__`` only stores arguments, ``fit`` returns self,
learned state ends in ``_``, randomness only through ``random_state``), all fitted on a
:class:`~policytext.dtm.DocumentTermMatrix`:

* :class:`LdaModel` -- gensim's LDA (online variational Bayes). ``workers=1`` (default) is single-process and
  deterministic for a given ``random_state``; ``workers>1`` uses ``LdaMulticore``, faster, not reproducible.
* :class:`SeededLdaModel` -- LDA whose topic-word prior (``eta``) is built from the lexicon: one topic (or
  ``topics_per_seed``) per lexicon dimension, the dimension's terms as seeds, plus unseeded topics. **Seed
  strength**: each seeded topic adds ``seed_strength x total tokens`` to the prior, spread evenly over its seed
  words present in the vocabulary (seededlda's rule of thumb; default 0.01). Small constant pseudo-counts
  (0.5, 1, 5) are swamped by long documents and leave the topics as if unseeded.
* :class:`NmfModel` -- scikit-learn NMF on TF-IDF.

:func:`fit_topics` runs the whole pipeline and returns a :class:`TopicsResult` with the document table
(``doc_id``, metadata, ``topic_<i>`` shares, ``governance_share``) and the topic table (``topic_id``, ``label``,
``seeded_dimension``, ``top_terms``, ``coherence``). :func:`select_k` compares several K.

``governance_share`` of a document is the sum of its shares in the *governance topics*: for the seeded model,
the topics seeded with a dimension of polarity +1; for ``lda`` and ``nmf``, the topics whose probability mass on
the lexicon's +1 terms is at least twice those terms' share of all tokens in the corpus. The definitions and a
validation on real documents are in ``docs/topics.md``.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from .corpus import Corpus
from .dtm import DocumentTermMatrix, TopicEstimator, as_dtm, build_dtm, topic_tokenizer
from .anchored import SEED_PRIOR
from .errors import ConfigError, EmptyVocabularyError, SeedError
from .lexicon import Lexicon, load_lexicon

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LdaModel", "MODELS", "NmfModel", "SeedWarning", "SeededLdaModel", "TopicOptions", "TopicsResult", "apply_topics", "coherence_npmi",
    "StabilityResult", "fit_topics", "load_topic_model", "parse_k", "save_topic_model", "select_k", "topic_diversity",
    "topic_stability", "write_stability", "write_topics",
]

MODELS = ("anchored", "seeded-dimensions", "lda", "nmf")
#: older names still accepted by the library
ALIASES = {"seeded": "seeded-dimensions"}
#: default K per model (the anchored model was measured at K 20-40; docs/topics.md)
DEFAULT_K = {"anchored": 30, "seeded-dimensions": 10, "lda": 10, "nmf": 10}


def _model_name(model: str) -> str:
    model = ALIASES.get(model, model)
    if model not in MODELS:
        raise ConfigError(f"unknown topic model {model!r}; choose one of: {', '.join(MODELS)}")
    return model


def default_unit(model: str) -> str:
    """Whole documents for the anchored model (measured: paragraphs give two modes), paragraphs otherwise."""
    return "document" if _model_name(model) == "anchored" else "paragraph"
TOP_N = 20


class SeedWarning(UserWarning):
    """Seed words are missing from the vocabulary or too rare to steer their topic."""


# -- estimators ------------------------------------------------------------------------------------------
class _TopicModel(TopicEstimator):
    """Shared behaviour: input checks, normalised topic-word weights, labels.

    ``fit`` and ``transform`` take a :class:`~policytext.dtm.DocumentTermMatrix` or a plain documents x words
    count matrix (as :class:`sklearn.feature_extraction.text.CountVectorizer` makes, so that a model can end a
    scikit-learn ``Pipeline``); for a plain matrix the ``vocabulary`` given to ``fit`` names its columns
    (:func:`~policytext.dtm.as_dtm`).
    """

    def _check_fit(self, dtm: DocumentTermMatrix) -> None:
        k, n_rows, n_docs = self.n_components, dtm.X.shape[0], dtm.n_documents
        if k < 2:
            raise ConfigError(f"n_components must be at least 2, got {k}")
        if k > n_rows:
            raise ConfigError(f"K={k} topics is more than the {n_rows} {dtm.unit}s of {n_docs} documents to fit them on; "
                              f"use K <= {n_rows}")

    def _finish(self, dtm: DocumentTermMatrix, components: np.ndarray, seeded: list[str | None]) -> None:
        """Store normalised topic-word weights; ``seeded`` names each topic's seed dimension (or None)."""
        comp = np.asarray(components, dtype=float)
        sums = comp.sum(axis=1, keepdims=True)
        sums[sums == 0] = 1.0
        self.components_ = comp / sums
        self.vocabulary_ = list(dtm.vocabulary)
        self.seeded_dimensions_ = seeded
        labels = []
        for k in range(comp.shape[0]):
            top = [self.vocabulary_[j] for j in np.argsort(-self.components_[k], kind="stable")[:3]]
            if seeded[k] is None:
                labels.append("·".join(top))
            else:
                same = [i for i, d in enumerate(seeded) if d == seeded[k]]
                labels.append(seeded[k] if len(same) == 1 else f"{seeded[k]}_{same.index(k) + 1}")
        self.topic_labels_ = labels


_FIT_DOC = """
        Parameters
        ----------
        X : DocumentTermMatrix or sparse matrix of shape (n_rows, n_words)
            The counts to fit on: a :func:`~policytext.dtm.build_dtm` matrix, or a plain count matrix (rows are
            documents) such as ``CountVectorizer`` makes.
        y : None
            Ignored; present for scikit-learn's API.
        vocabulary : list of str, optional
            The words of a plain matrix's columns (``CountVectorizer().get_feature_names_out()``); needed for
            seed words to be found. Ignored for a ``DocumentTermMatrix``, which carries its own.

        Returns
        -------
        self
"""

_TRANSFORM_DOC = """
        Parameters
        ----------
        X : DocumentTermMatrix or sparse matrix of shape (n_rows, n_words)
            Counts over the fitted vocabulary (``build_dtm(..., vocabulary=model.vocabulary_)``, or a plain
            matrix with the fitted columns).

        Returns
        -------
        ndarray of shape (n_rows, n_components)
"""


class LdaModel(_TopicModel):
    """gensim LDA (online variational Bayes) as a scikit-learn estimator.

    Parameters
    ----------
    n_components : int
        Number of topics K.
    max_iter : int
        Passes over the corpus.
    iterations : int
        Limit of the E-step's iterations per document.
    random_state : int
        Seed of gensim's random numbers; fit and transform are deterministic for a given value when
        ``workers=1``.
    alpha : str or float
        The document-topic prior, as gensim takes it (``"symmetric"``, ``"auto"`` or a number).
    workers : int
        More than 1 fits with gensim's ``LdaMulticore``: faster, not reproducible.
    chunksize : int
        Documents per training chunk.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_words)
        Topic-word distributions (rows sum to 1).
    vocabulary_ : list of str
        The words of the columns.
    topic_labels_ : list of str
        Each topic's three most probable words.
    seeded_dimensions_ : list
        The seed dimension of each topic (``None``: unseeded).
    model_ : gensim.models.LdaModel
        The fitted gensim model.
    """

    def __init__(self, n_components: int = 10, *, max_iter: int = 10, iterations: int = 100, random_state: int = 0,
                 alpha: str | float = "symmetric", workers: int = 1, chunksize: int = 2000):
        self.n_components = n_components
        self.max_iter = max_iter
        self.iterations = iterations
        self.random_state = random_state
        self.alpha = alpha
        self.workers = workers
        self.chunksize = chunksize

    @staticmethod
    def _bow(X) -> list[list[tuple[int, int]]]:
        X = X.tocsr()
        return [list(zip(X.indices[X.indptr[i]:X.indptr[i + 1]].tolist(), X.data[X.indptr[i]:X.indptr[i + 1]].tolist()))
                for i in range(X.shape[0])]

    def _eta(self, dtm: DocumentTermMatrix):
        return None, [None] * self.n_components

    def fit(self, X, y=None, vocabulary: Sequence[str] | None = None) -> "LdaModel":
        from gensim.corpora import Dictionary
        from gensim.models import LdaModel as GensimLda, LdaMulticore

        dtm = as_dtm(X, vocabulary)
        self._check_fit(dtm)
        eta, seeded = self._eta(dtm)
        id2word = Dictionary.from_corpus([[(i, 1)] for i in range(len(dtm.vocabulary))],
                                         id2word=dict(enumerate(dtm.vocabulary)))
        common = dict(corpus=self._bow(dtm.X), num_topics=self.n_components, id2word=id2word, passes=self.max_iter,
                      iterations=self.iterations, random_state=self.random_state, chunksize=self.chunksize,
                      eta=eta if eta is not None else "symmetric")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if self.workers > 1:
                self.model_ = LdaMulticore(workers=self.workers, alpha=self.alpha, **common)
            else:
                self.model_ = GensimLda(alpha=self.alpha, update_every=1, **common)
        self._finish(dtm, self.model_.get_topics(), seeded)
        return self

    fit.__doc__ = "Fit the topics; returns the model.\n" + _FIT_DOC

    def transform(self, X) -> np.ndarray:
        dtm = self._fitted_input(X)
        self.model_.random_state = np.random.RandomState(self.random_state)
        gamma, _ = self.model_.inference(self._bow(dtm.X))
        return gamma / gamma.sum(axis=1, keepdims=True)

    transform.__doc__ = ("Row-level topic shares (rows sum to 1); deterministic: inference restarts from "
                         "``random_state``.\n" + _TRANSFORM_DOC)

    def log_perplexity(self, X) -> float:
        """Held-out perplexity (gensim's per-word bound, reported as ``2 ** -bound``).

        Parameters
        ----------
        X : DocumentTermMatrix or sparse matrix of shape (n_rows, n_words)
            Held-out counts over the fitted vocabulary.
        """
        dtm = self._fitted_input(X)
        self.model_.random_state = np.random.RandomState(self.random_state)
        return float(np.exp2(-self.model_.log_perplexity(self._bow(dtm.X))))


class SeededLdaModel(LdaModel):
    """LDA with a lexicon-built prior: the first topics are seeded, one (or ``topics_per_seed``) per dimension.

    Seed words absent from the vocabulary are skipped, and a :class:`SeedWarning` says how many and which; so
    are words seen fewer than ``min_seed_count`` times. A dimension with no usable seed raises
    :class:`~policytext.errors.SeedError` when no dimension has one, and otherwise leaves its topic unseeded
    with a warning. The other parameters and the attributes are :class:`LdaModel`'s.

    Parameters
    ----------
    n_components : int
        Number of topics K (at least the number of dimensions x ``topics_per_seed``).
    seeds : dict of str to list of str, optional
        Seed words per dimension; default: the default lexicon's categories and their fixed terms.
    topics_per_seed : int
        Seeded topics per dimension.
    seed_strength : float
        Prior mass each seeded topic adds, as a share of all tokens, spread over its seed words.
    min_seed_count : int
        Seed words seen fewer times are left out when others remain.
    max_iter : int
        Passes over the corpus.
    iterations : int
        Limit of the E-step's iterations per document.
    random_state : int
        Seed of gensim's random numbers.
    alpha : str or float
        The document-topic prior.
    workers : int
        More than 1: ``LdaMulticore``, not reproducible.
    chunksize : int
        Documents per training chunk.
    """

    def __init__(self, n_components: int = 10, *, seeds: dict[str, Sequence[str]] | None = None,
                 topics_per_seed: int = 1, seed_strength: float = 0.01, min_seed_count: int = 5,
                 max_iter: int = 10, iterations: int = 100, random_state: int = 0, alpha: str | float = "symmetric",
                 workers: int = 1, chunksize: int = 2000):
        super().__init__(n_components, max_iter=max_iter, iterations=iterations, random_state=random_state,
                         alpha=alpha, workers=workers, chunksize=chunksize)
        self.seeds = seeds
        self.topics_per_seed = topics_per_seed
        self.seed_strength = seed_strength
        self.min_seed_count = min_seed_count

    def _eta(self, dtm: DocumentTermMatrix):
        seeds = self.seeds if self.seeds is not None else lexicon_seeds(load_lexicon())
        n_seeded = len(seeds) * self.topics_per_seed
        if n_seeded > self.n_components:
            raise ConfigError(f"{len(seeds)} seeded dimensions x {self.topics_per_seed} topics each need K >= {n_seeded}, "
                              f"got K={self.n_components}")
        index = {w: j for j, w in enumerate(dtm.vocabulary)}
        counts = np.asarray(dtm.X.sum(axis=0)).ravel()
        total = float(counts.sum())
        K, V = self.n_components, len(dtm.vocabulary)
        eta = np.full((K, V), 1.0 / K)
        seeded: list[str | None] = [None] * K
        report, usable_any = [], False
        self.seed_words_: dict[str, list[str]] = {}
        for d, (dim, words) in enumerate(seeds.items()):
            words = list(dict.fromkeys(words))
            present = [w for w in words if w in index]
            rare = [w for w in present if counts[index[w]] < self.min_seed_count]
            usable = [w for w in present if counts[index[w]] >= self.min_seed_count] or present
            missing = [w for w in words if w not in index]
            if missing or rare:
                report.append(f"{dim}: {len(missing)} of {len(words)} seed words not in the vocabulary"
                              + (f" ({', '.join(missing[:6])}{' ...' if len(missing) > 6 else ''})" if missing else "")
                              + (f"; {len(rare)} seen fewer than {self.min_seed_count} times ({', '.join(rare[:6])})"
                                 if rare else ""))
            self.seed_words_[dim] = usable
            if not usable:
                continue
            usable_any = True
            for r in range(self.topics_per_seed):
                k = d * self.topics_per_seed + r
                seeded[k] = dim
                cols = [index[w] for w in usable]
                eta[k, cols] += self.seed_strength * total / len(cols)
        if not usable_any:
            raise SeedError(f"none of the seed words of the {len(seeds)} dimensions occurs in the vocabulary "
                            f"({V} words from {dtm.n_documents} documents); the lexicon does not match this corpus")
        if report:
            warnings.warn("seed words missing or rare: " + "; ".join(report), SeedWarning, stacklevel=3)
        self.eta_ = eta
        return eta, seeded


class NmfModel(_TopicModel):
    """scikit-learn NMF on TF-IDF weights; ``transform`` gives each row's normalised topic loadings.

    Parameters
    ----------
    n_components : int
        Number of topics K.
    max_iter : int
        NMF's iteration limit.
    random_state : int
        Seed of NMF's initialisation.
    init : str
        NMF's initialisation method.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_words)
        Topic-word weights normalised to sum to 1 per topic.
    vocabulary_ : list of str
        The words of the columns.
    topic_labels_ : list of str
        Each topic's three heaviest words.
    tfidf_, model_ : TfidfTransformer, NMF
        The fitted scikit-learn steps.
    """

    def __init__(self, n_components: int = 10, *, max_iter: int = 400, random_state: int = 0, init: str = "nndsvda"):
        self.n_components = n_components
        self.max_iter = max_iter
        self.random_state = random_state
        self.init = init

    def fit(self, X, y=None, vocabulary: Sequence[str] | None = None) -> "NmfModel":
        from sklearn.decomposition import NMF
        from sklearn.feature_extraction.text import TfidfTransformer

        dtm = as_dtm(X, vocabulary)
        self._check_fit(dtm)
        self.tfidf_ = TfidfTransformer().fit(dtm.X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)  # sklearn's ConvergenceWarning subclass
            self.model_ = NMF(n_components=self.n_components, init=self.init, max_iter=self.max_iter,
                              random_state=self.random_state).fit(self.tfidf_.transform(dtm.X))
        self._finish(dtm, self.model_.components_, [None] * self.n_components)
        return self

    fit.__doc__ = "Fit the topics; returns the model.\n" + _FIT_DOC

    def transform(self, X) -> np.ndarray:
        dtm = self._fitted_input(X)
        W = self.model_.transform(self.tfidf_.transform(dtm.X))
        sums = W.sum(axis=1, keepdims=True)
        out = np.full_like(W, 1.0 / W.shape[1])
        nz = sums[:, 0] > 0
        out[nz] = W[nz] / sums[nz]
        return out

    transform.__doc__ = "Each row's topic loadings normalised to sum to 1 (uniform for an empty row).\n" + _TRANSFORM_DOC


def lexicon_seeds(lexicon: Lexicon) -> dict[str, list[str]]:
    """Seed words per lexicon category: its fixed (non-glob) terms, in file order."""
    return {c: [t.term for t in lexicon.terms_of(c) if not t.is_glob] for c in lexicon.categories}


# -- evaluation ------------------------------------------------------------------------------------------
def coherence_npmi(model: _TopicModel, dtm: DocumentTermMatrix, top_n: int = 10) -> np.ndarray:
    """Mean NPMI of each topic's ``top_n`` words, with document (row) co-occurrence as the window.

    ``NPMI(a, b) = log(P(a,b) / (P(a) P(b))) / -log P(a,b)``, probabilities being shares of rows containing
    the words; a pair that never co-occurs scores -1. Ranges from -1 to 1; higher is more coherent.
    """
    B = (dtm.X > 0).astype(np.float64).tocsc()
    n = B.shape[0]
    out = np.zeros(model.components_.shape[0])
    for k in range(len(out)):
        top = np.argsort(-model.components_[k], kind="stable")[:top_n]
        sub = B[:, top]
        co = (sub.T @ sub).toarray() / n
        p = np.diag(co).copy()
        vals = []
        for i in range(len(top)):
            for j in range(i + 1, len(top)):
                pij = co[i, j]
                if pij <= 0 or p[i] <= 0 or p[j] <= 0:
                    vals.append(-1.0)
                elif pij >= 1:
                    vals.append(1.0)
                else:
                    vals.append(np.log(pij / (p[i] * p[j])) / -np.log(pij))
        out[k] = float(np.mean(vals)) if vals else 0.0
    return out


def topic_diversity(model: _TopicModel, top_n: int = 25) -> float:
    """Share of distinct words among all topics' ``top_n`` words (1.0: no topic repeats another's words)."""
    tops = [np.argsort(-row, kind="stable")[:top_n] for row in model.components_]
    return len(set(np.concatenate(tops).tolist())) / float(top_n * len(tops))


# -- the pipeline ----------------------------------------------------------------------------------------
@dataclass
class TopicsResult:
    """Document table, topic table, the fitted model and its matrix; ``k_selection`` when several K were tried."""

    documents: "pd.DataFrame"
    topics: "pd.DataFrame"
    model: _TopicModel
    dtm: DocumentTermMatrix
    governance_topics: list[int]
    tokenizer: object = None
    k_selection: "pd.DataFrame | None" = None
    settings: dict | None = None
    #: anchored model: the governance topic's discovered words as a lexicon candidate table
    candidates: "pd.DataFrame | None" = None


@dataclass(frozen=True)
class TopicOptions:
    """How :func:`fit_topics`, :func:`topic_stability` and :func:`select_k` build the matrix and the models.

    Frozen: change one setting with ``dataclasses.replace(options, unit="document")``.

    Parameters
    ----------
    model : str
        ``"anchored"`` (default), ``"seeded-dimensions"``, ``"lda"`` or ``"nmf"`` (:data:`MODELS`).
    unit : str, optional
        ``"document"`` fits on whole documents; ``"paragraph"`` on paragraphs, shares averaged back to documents
        by length; ``None`` is the model's default (:func:`default_unit`).
    t2s : bool
        Convert traditional characters to simplified before tokenizing.
    min_df : int or float
        Drop words in fewer rows (a share of rows if a float), as :func:`~policytext.dtm.build_dtm`.
    max_df : int or float
        Drop words in more rows (a share of rows if a float).
    ngram_range : tuple of int
        ``(1, 2)`` adds pairs of neighbouring words.
    max_iter : int, optional
        Gibbs sweeps (anchored, default 500), passes (LDA, 10) or iterations (NMF, 400).
    workers : int
        LDA worker processes; more than 1 is faster but not reproducible.
    seed_strength : float
        seeded-dimensions: prior mass per seeded topic as a share of all tokens.
    seed_prior : float
        anchored: topic-word prior of a seed word on its own topic.
    n_fits : int
        anchored: fits in the ensemble (1: a single fit, without an interval).
    n_jobs : int, optional
        anchored: processes for the fits (default: all cores; results do not depend on it).
    candidates : int
        anchored: rows of the lexicon candidate table (0: none).

    >>> TopicOptions(model="seeded").model
    'seeded-dimensions'
    """

    model: str = "anchored"
    unit: str | None = None
    t2s: bool = True
    min_df: int | float = 2
    max_df: int | float = 0.5
    ngram_range: tuple[int, int] = (1, 1)
    max_iter: int | None = None
    workers: int = 1
    seed_strength: float = 0.01
    seed_prior: float = SEED_PRIOR
    n_fits: int = 5
    n_jobs: int | None = None
    candidates: int = 30

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", _model_name(self.model))
        object.__setattr__(self, "ngram_range", tuple(self.ngram_range))

    @property
    def fit_unit(self) -> str:
        """``unit``, or the model's default when it is None."""
        return self.unit or default_unit(self.model)

    def make_model(self, k: int, random_state: int, lexicon: Lexicon) -> _TopicModel:
        """One unfitted model of ``k`` topics (for the anchored model, a single fit).

        Parameters
        ----------
        k : int
            Number of topics.
        random_state : int
            The model's seed.
        lexicon : Lexicon
            Gives the seed words.
        """
        if self.model == "anchored":
            from .anchored import AnchoredTopicModel, anchored_seeds

            pos, neg = anchored_seeds(lexicon)
            return AnchoredTopicModel(k, seeds=pos, contrast_seeds=neg, seed_prior=self.seed_prior,
                                      random_state=random_state, max_iter=self.max_iter or 500)
        if self.model == "lda":
            return LdaModel(k, random_state=random_state, max_iter=self.max_iter or 10, workers=self.workers)
        if self.model == "seeded-dimensions":
            return SeededLdaModel(k, seeds=lexicon_seeds(lexicon), random_state=random_state,
                                  max_iter=self.max_iter or 10, workers=self.workers, seed_strength=self.seed_strength)
        return NmfModel(k, random_state=random_state, max_iter=self.max_iter or 400)


def governance_topics(model: _TopicModel, dtm: DocumentTermMatrix, lexicon: Lexicon) -> list[int]:
    """Indices of the governance topics (module docstring)."""
    positive = {c for c in lexicon.categories if lexicon.category(c).polarity > 0}
    if hasattr(model, "governance_topic_"):
        return [model.governance_topic_]
    if any(model.seeded_dimensions_):
        return [k for k, dim in enumerate(model.seeded_dimensions_) if dim in positive]
    terms = {t.term for t in lexicon.terms if t.category in positive}
    cols = [j for j, w in enumerate(dtm.vocabulary) if w in terms]
    if not cols:
        return []
    counts = np.asarray(dtm.X.sum(axis=0)).ravel()
    baseline = counts[cols].sum() / counts.sum()
    mass = model.components_[:, cols].sum(axis=1)
    return [k for k in range(len(mass)) if mass[k] >= 2 * baseline]


def _tables(model: _TopicModel, dtm: DocumentTermMatrix, gov: list[int]):
    import pandas as pd

    from .anchored import AnchoredEnsemble

    ensemble = isinstance(model, AnchoredEnsemble)
    if ensemble:
        docs = model.document_table(dtm)
    else:
        shares = dtm.document_shares(model.transform(dtm))
        docs = dtm.metadata_frame()
        for k in range(shares.shape[1]):
            docs[f"topic_{k}"] = shares[:, k]
        docs["governance_share"] = shares[:, gov].sum(axis=1) if gov else 0.0
    coh = coherence_npmi(model, dtm)
    seeds = set(getattr(model, "seed_words_", None) or []) if ensemble else set()
    rows = []
    for k in range(model.components_.shape[0]):
        row = {"topic_id": k, "label": model.topic_labels_[k], "seeded_dimension": model.seeded_dimensions_[k],
               "governance": k in gov,
               "top_terms": "; ".join(f"{w}:{p:.4f}" for w, p in model.top_terms(k)),
               "coherence": round(float(coh[k]), 6)}
        if ensemble:
            row["fits_found"] = int(model.found_[k])
            row["mean_match"] = round(float(model.match_cosine_[:, k].mean()), 6)
            # what the governance topic finds beside its seeds (empty for the other topics)
            row["top_nonseed_terms"] = "; ".join([w for w, _ in model.top_terms(k, 500) if w not in seeds][:TOP_N]) \
                if k == model.governance_topic_ else ""
        rows.append(row)
    columns = ["topic_id", "label", "seeded_dimension", "governance", "top_terms", "coherence"]
    if ensemble:
        columns += ["fits_found", "mean_match", "top_nonseed_terms"]
    return docs, pd.DataFrame(rows, columns=columns)


def select_k(dtm: DocumentTermMatrix, ks: Iterable[int], options: TopicOptions | None = None, *,
             lexicon: Lexicon | None = None, random_state: int = 0, holdout: float = 0.2, min_diversity: float = 0.5,
             progress=None) -> "pd.DataFrame":
    """Fit each K and report coherence (mean NPMI), held-out perplexity (LDA models) and topic diversity.

    The held-out rows (``holdout`` share, drawn with ``random_state``) are left out of the fit used for
    perplexity; coherence and diversity come from a fit on all rows. The chosen K has the highest coherence
    among those with diversity >= ``min_diversity`` (all K if none qualifies); ties go to the smaller K.

    Parameters
    ----------
    dtm : DocumentTermMatrix
        The matrix to fit on.
    ks : iterable of int
        The K to compare.
    options : TopicOptions, optional
        The model and its settings; default ``TopicOptions(model="seeded-dimensions")``.
    lexicon : Lexicon, optional
        Seeds of the seeded models; default: the shipped lexicon.
    random_state : int
        Seed of the fits and of the held-out draw.
    holdout : float
        Share of rows held out for perplexity.
    min_diversity : float
        Lowest topic diversity a chosen K may have.
    progress : tqdm-like, optional
        Advanced once per K.
    """
    options = options if options is not None else TopicOptions(model="seeded-dimensions")
    import pandas as pd

    lexicon = lexicon if lexicon is not None else load_lexicon()
    ks = sorted(set(int(k) for k in ks))
    rng = np.random.default_rng(random_state)
    n = dtm.X.shape[0]
    test = np.zeros(n, dtype=bool)
    test[rng.choice(n, size=max(1, int(round(holdout * n))), replace=False)] = True
    rows = []
    if progress is not None:
        progress.total = len(ks)
    for k in ks:
        m = options.make_model(k, random_state, lexicon)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SeedWarning)
            m.fit(dtm)
            perplexity = float("nan")
            if isinstance(m, LdaModel) and test.sum() and (~test).sum() > k:
                held = options.make_model(k, random_state, lexicon)
                held.fit(_rows(dtm, ~test))
                perplexity = held.log_perplexity(_rows(dtm, test))
        rows.append({"k": k, "coherence_npmi": float(coherence_npmi(m, dtm).mean()), "perplexity": perplexity,
                     "diversity": topic_diversity(m)})
        if progress is not None:
            progress.update(1)
    table = pd.DataFrame(rows)
    ok = table[table.diversity >= min_diversity]
    pool = ok if len(ok) else table
    best = pool.sort_values(["coherence_npmi", "k"], ascending=[False, True]).iloc[0]
    table["chosen"] = table.k == best.k
    why = (f"K={int(best.k)}: highest mean NPMI coherence ({best.coherence_npmi:.3f}) among the K with topic "
           f"diversity >= {min_diversity}" if len(ok) else
           f"K={int(best.k)}: highest mean NPMI coherence ({best.coherence_npmi:.3f}); no K reached topic diversity "
           f">= {min_diversity}")
    table["reason"] = [why if c else "" for c in table.chosen]
    return table


def _rows(dtm: DocumentTermMatrix, mask: np.ndarray) -> DocumentTermMatrix:
    idx = np.flatnonzero(mask)
    return DocumentTermMatrix(X=dtm.X[idx], vocabulary=dtm.vocabulary, doc_ids=dtm.doc_ids, meta=dtm.meta,
                              row_doc=dtm.row_doc[idx], row_tokens=dtm.row_tokens[idx], unit=dtm.unit,
                              settings=dtm.settings)


def parse_k(spec: str | int | Sequence[int]) -> list[int]:
    """``10``, ``"5,10,20"`` or ``"5:40:5"`` (start:stop:step, stop included) -> list of K.

    >>> parse_k("5:20:5"), parse_k("8,4"), parse_k(6)
    ([5, 10, 15, 20], [4, 8], [6])
    """
    if isinstance(spec, int):
        return [spec]
    if not isinstance(spec, str):
        return sorted(int(k) for k in spec)
    try:
        if ":" in spec:
            parts = [int(p) for p in spec.split(":")]
            start, stop, step = (parts + [1])[:3] if len(parts) == 2 else parts
            if step <= 0 or stop < start:
                raise ValueError
            return list(range(start, stop + 1, step))
        return sorted(int(p) for p in spec.split(",") if p.strip())
    except ValueError:
        raise ConfigError(f"cannot read K from {spec!r}; use a number (10), a list (5,10,20) or a range (5:40:5)") from None


def fit_topics(corpus: Corpus, k: int | str | Sequence[int] | None = None, options: TopicOptions | None = None, *,
               lexicon: Lexicon | None = None, tokenizer=None, random_state: int = 0, progress=None,
               fit_progress=None) -> TopicsResult:
    """Build the document-term matrix, choose K if several are given, fit, and tabulate.

    The default model, anchored, is an :class:`~policytext.anchored.AnchoredEnsemble` of ``options.n_fits``
    fits (base seed ``random_state``), K=30 and whole documents unless given; the result also holds the
    governance topic's discovered words as lexicon candidates (``options.candidates`` rows).

    Parameters
    ----------
    corpus : Corpus or list of Document
        The documents.
    k : int, str or list of int, optional
        One K, a list, or a ``"start:stop:step"`` string (:func:`parse_k`); with several, K is chosen by
        :func:`select_k`. ``None``: the model's default (:data:`DEFAULT_K`).
    options : TopicOptions, optional
        The model, the matrix and the fits' settings; default ``TopicOptions()`` (anchored).
    lexicon : Lexicon, optional
        Seeds and governance topics; default: the shipped lexicon.
    tokenizer : Tokenizer, optional
        Default: :func:`~policytext.dtm.topic_tokenizer` of ``lexicon``.
    random_state : int
        Seed of the fit (the ensemble's base seed).
    progress : tqdm-like, optional
        Follows tokenizing (one step per document).
    fit_progress : tqdm-like, optional
        Follows the anchored ensemble's fits.

    Returns
    -------
    TopicsResult
        The document and topic tables, the fitted model, its matrix and the settings for a manifest.
    """
    options, lexicon = _defaults(options, lexicon)
    model = options.model
    ks = parse_k(k if k is not None else DEFAULT_K[model])
    unit = options.fit_unit
    docs, tokenizer, dtm = _prepare(corpus, ks, options, lexicon, tokenizer, progress)
    selection = None
    if len(ks) > 1:
        selection = select_k(dtm, ks, options, lexicon=lexicon, random_state=random_state)
        ks = [int(selection.loc[selection.chosen, "k"].iloc[0])]
    extra: dict = {}
    if model == "anchored":
        from .anchored import AnchoredEnsemble, anchored_seeds

        pos, neg = anchored_seeds(lexicon)
        _warn_missing_seeds(pos, dtm)
        m = AnchoredEnsemble(ks[0], n_fits=options.n_fits, seeds=pos, contrast_seeds=neg, seed_prior=options.seed_prior,
                             max_iter=options.max_iter or 500, random_state=random_state, n_jobs=options.n_jobs)
        m.fit(dtm, progress=fit_progress)
        extra = {"n_fits": options.n_fits, "fit_seeds": m.fit_seeds_, "seed_prior": options.seed_prior, "alpha": m.alpha,
                 "eta": m.eta, "max_iter": m.max_iter, "seed_words": len(m.seed_words_),
                 "contrast_words": len(m.contrast_words_),
                 "agreement_between_fits": {"median_spearman": _nan_none(m.agreement_median_),
                                            "lowest_spearman": _nan_none(m.agreement_min_)},
                 "fits_in_share": len(m.kept_fits_), "off_mode_fits": m.off_mode_,
                 "verdict": m.verdict_, "verdict_text": m.verdict_text_ or
                 "one fit: no interval and no agreement between fits (use n_fits >= 2)"}
    else:
        m = options.make_model(ks[0], random_state, lexicon).fit(dtm)
    gov = governance_topics(m, dtm, lexicon)
    documents, topics = _tables(m, dtm, gov)
    o = options
    settings = {"model": model, "k": ks[0], "random_state": random_state, "unit": unit, "min_df": o.min_df,
                "max_df": o.max_df, "ngram_range": list(o.ngram_range), "max_iter": o.max_iter, "workers": o.workers,
                "seed_strength": o.seed_strength if model == "seeded-dimensions" else None, "t2s": o.t2s,
                "vocabulary_size": len(dtm.vocabulary), "n_documents": len(docs), "n_rows": int(dtm.X.shape[0]),
                "lexicon": {"name": lexicon.name, "version": lexicon.version, "sha256": lexicon.hash},
                "tokenizer": tokenizer.config, "governance_topics": gov, **extra}
    result = TopicsResult(documents, topics, m, dtm, gov, tokenizer, selection, settings)
    if model == "anchored" and options.candidates:
        result.candidates = governance_candidates(result, docs, lexicon, top_n=options.candidates)
    return result


def _nan_none(v):
    return None if v is None or (isinstance(v, float) and v != v) else v


def _warn_missing_seeds(seeds: list[str], dtm: DocumentTermMatrix) -> None:
    vocab = set(dtm.vocabulary)
    missing = [w for w in seeds if w not in vocab]
    if missing and len(missing) == len(seeds):
        return  # the model raises SeedError
    if missing:
        warnings.warn(f"seed words missing or rare: governance: {len(missing)} of {len(seeds)} seed words not in the "
                      f"vocabulary ({', '.join(missing[:6])}{' ...' if len(missing) > 6 else ''})", SeedWarning,
                      stacklevel=3)


CANDIDATE_SOURCE = "anchored topic model"


def governance_candidates(result: TopicsResult, docs, lexicon: Lexicon, *, top_n: int = 30, examples: int = 3,
                          window: int = 20) -> "pd.DataFrame":
    """The governance topic's most probable words that are not in the lexicon, as a lexicon candidate table
    (:data:`policytext.expansion.CANDIDATE_COLUMNS`, ``accept`` empty) that ``policytext lexicon merge`` reads.

    ``similarity`` is the share of the word's tokens in the corpus that the model assigns to the governance
    topic (mean over the kept, majority-mode fits); ``topic_probability`` its probability in the governance topic. ``category`` is
    the +1 category whose seed words' counts are most correlated (cosine over rows) with the word's counts;
    ``nearest_seeds`` the three seed words most correlated with it. Examples are keyword-in-context lines.
    """
    import pandas as pd

    from .expansion import CANDIDATE_COLUMNS, context_examples

    m, dtm = result.model, result.dtm
    g = m.governance_topic_
    known = {t.term for t in lexicon.terms}
    col = {w: j for j, w in enumerate(dtm.vocabulary)}
    # share of each word's tokens assigned to the governance topic, mean over the kept (majority-mode) fits
    owned = np.mean([m.fits_[f].governance_word_share_ for f in getattr(m, "kept_fits_", range(len(m.fits_)))], axis=0)
    order = [j for j in np.argsort(-m.components_[g], kind="stable") if dtm.vocabulary[j] not in known][:top_n]
    X = dtm.X.tocsc().astype(float)
    freq = np.asarray(X.sum(axis=0)).ravel()
    ndocs = np.zeros(len(dtm.vocabulary))
    for j in range(X.shape[1]):
        ndocs[j] = len(set(dtm.row_doc[X.indices[X.indptr[j]:X.indptr[j + 1]]].tolist()))
    positive = [c for c in lexicon.categories if lexicon.category(c).polarity > 0]
    seed_set = set(m.seed_words_)
    cat_cols = {c: [col[t.term] for t in lexicon.terms_of(c) if t.term in seed_set] for c in positive}
    cat_cols = {c: v for c, v in cat_cols.items() if v}

    def unit(v):
        v = np.asarray(v, dtype=float).ravel()
        n = np.linalg.norm(v)
        return v / n if n else v

    cat_vec = {c: unit(X[:, v].sum(axis=1)) for c, v in cat_cols.items()}
    seed_idx = [col[w] for w in m.seed_words_]
    S = X[:, seed_idx].toarray()
    S = S / np.maximum(np.linalg.norm(S, axis=0, keepdims=True), 1e-12)
    words = [dtm.vocabulary[j] for j in order]
    ex = context_examples(list(docs), words, result.tokenizer, result.settings["t2s"], examples, window) if words else {}
    n_fits = len(m.fits_)
    rows = []
    for j, w in zip(order, words):
        v = unit(X[:, j].toarray())
        best = max(cat_vec, key=lambda c: float(cat_vec[c] @ v)) if cat_vec else positive[0]
        near = [m.seed_words_[i] for i in np.argsort(-(v @ S), kind="stable")[:3]]
        lines = ex.get(w, []) + [""] * examples
        rows.append({"accept": "", "category": best, "candidate": w, "similarity": round(float(owned[j]), 4),
                     "frequency": int(freq[j]), "documents": int(ndocs[j]), "nearest_seeds": ", ".join(near),
                     **{f"example_{i + 1}": lines[i] for i in range(3)},
                     "provenance": f"{CANDIDATE_SOURCE}: governance topic p={m.components_[g, j]:.4f}, "
                                   f"{owned[j]:.0%} of its tokens in the topic ({n_fits} fits, K={m.n_components}, "
                                   f"{dtm.n_documents} documents, seed {m.random_state})",
                     "topic_probability": round(float(m.components_[g, j]), 6)})
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS + ["topic_probability"])


def _defaults(options: TopicOptions | None, lexicon: Lexicon | None) -> tuple[TopicOptions, Lexicon]:
    """``TopicOptions()`` and the shipped lexicon where none is given."""
    return (options if options is not None else TopicOptions()), (lexicon if lexicon is not None else load_lexicon())


def _prepare(corpus, ks: list[int], options: TopicOptions, lexicon: Lexicon, tokenizer, progress):
    """Check the settings, build the document-term matrix: ``(documents, tokenizer, dtm)``."""
    docs = corpus.documents if isinstance(corpus, Corpus) else list(corpus)
    if not docs:
        raise EmptyVocabularyError("the corpus has no documents to fit a topic model on")
    tokenizer = tokenizer if tokenizer is not None else topic_tokenizer(lexicon)
    dtm = build_dtm(docs, tokenizer=tokenizer, progress=progress, t2s=options.t2s, unit=options.fit_unit,
                    min_df=options.min_df, max_df=options.max_df, ngram_range=options.ngram_range)
    too_big = [x for x in ks if x > dtm.X.shape[0]]
    if too_big:
        raise ConfigError(f"K={max(too_big)} is more than the {dtm.X.shape[0]} {options.fit_unit}s of "
                          f"{len(docs)} documents; use K <= {dtm.X.shape[0]}")
    return docs, tokenizer, dtm


@dataclass
class StabilityResult:
    """How much ``governance_share`` moves between fits that differ only in K and the random seed.

    ``fits``: one row per fit (``fit``, ``k``, ``seed``, the number of governance topics, the mean
    ``governance_share`` and mean NPMI coherence). ``documents``: ``doc_id``, each fit's ``governance_share``
    (a column per fit, named ``k<K>_seed<S>``), then their ``mean``, ``sd``, ``min`` and ``max``.
    ``agreement``: Spearman correlations of ``governance_share`` between every two fits (NaN where a fit gives
    every document the same share). ``summary``: medians of those correlations over all pairs, over pairs with
    the same K (what the seed alone moves) and over pairs with different K, the lowest correlation, the
    median over documents of ``sd``, and the range over fits of ``spearman_with_index`` (a column of
    ``fits``: each fit's rank correlation with the lexicon ``index`` of the same documents, scored with the
    default tokenizer of the topic tokenizer's engine).
    """

    fits: "pd.DataFrame"
    documents: "pd.DataFrame"
    agreement: "pd.DataFrame"
    summary: dict


def default_k_grid(model: str) -> list[int]:
    """The K grid of :func:`topic_stability` around the model's default K: 20, 30, 40 for the anchored model
    (K - 10, K, K + 10), 8, 10, 12 for the others (K - 2, K, K + 2)."""
    kk = DEFAULT_K[_model_name(model)]
    step = 10 if _model_name(model) == "anchored" else 2
    return [kk - step, kk, kk + step]


def topic_stability(corpus: Corpus, k: int | str | Sequence[int] | None = None,
                    seeds: int | str | Sequence[int] = (0, 1, 2, 3, 4, 5), options: TopicOptions | None = None, *,
                    lexicon: Lexicon | None = None, tokenizer=None, progress=None, fit_progress=None) -> StabilityResult:
    """Fit the model for every K in ``k`` and every seed in ``seeds`` on one document-term matrix, and measure
    how far each document's ``governance_share`` depends on those choices (:class:`StabilityResult`).

    A ``governance_share`` worth reporting should rank documents about the same way whatever K and seed; if
    the correlations between fits are low, report the range, not one fit. The anchored model's fits are single
    fits (not ensembles), run in ``options.n_jobs`` processes.

    Parameters
    ----------
    corpus : Corpus or list of Document
        The documents.
    k : int, str or list of int, optional
        The K to fit, in the forms :func:`parse_k` reads; default :func:`default_k_grid`.
    seeds : int, str or list of int
        The random seeds to fit each K with, in the same forms (``"0,1,2"``, ``"0:4"``).
    options : TopicOptions, optional
        As for :func:`fit_topics` (``n_fits`` and ``candidates`` do not apply: each fit is a single one).
    lexicon : Lexicon, optional
        As for :func:`fit_topics`; it also scores the lexicon index each fit is compared with.
    tokenizer : Tokenizer, optional
        As for :func:`fit_topics`.
    progress : tqdm-like, optional
        Follows tokenizing.
    fit_progress : tqdm-like, optional
        Follows the fits.

    Returns
    -------
    StabilityResult
        Per fit, per document and per pair of fits, with a summary and a verdict.
    """
    import pandas as pd

    options, lexicon = _defaults(options, lexicon)
    model = options.model
    ks, seed_list = parse_k(k if k is not None else default_k_grid(model)), parse_k(seeds)
    unit = options.fit_unit
    if len(ks) * len(seed_list) < 2:
        raise ConfigError("stability needs at least two fits: give several K or several seeds")
    docs, tokenizer, dtm = _prepare(corpus, ks, options, lexicon, tokenizer, progress)
    from .scoring import Scorer
    from .tokenize import Tokenizer

    # the index is scored with the default tokenizer of the same engine (no injected words)
    scorer = Scorer(lexicon, Tokenizer(engine=getattr(tokenizer, "engine", "jieba"), hmm=getattr(tokenizer, "hmm", True)),
                    t2s=options.t2s)
    index = scorer.score(docs).scores.set_index("doc_id")["index"]
    fits, shares = [], {}
    if fit_progress is not None:
        fit_progress.total = len(ks) * len(seed_list)
    grid = [(kk, seed) for kk in ks for seed in seed_list]
    fitted = {}
    if model == "anchored":  # single-threaded fits, in parallel processes
        from .anchored import fit_many

        made = [options.make_model(kk, seed, lexicon) for kk, seed in grid]
        for m in made:
            m.check(dtm)
        for key, m in zip(grid, fit_many([m.get_params() for m in made], dtm, options.n_jobs, fit_progress)):
            fitted[key] = m
    for kk, seed in grid:
        m = fitted.get((kk, seed))
        if m is None:
            m = options.make_model(kk, seed, lexicon)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SeedWarning)
                m.fit(dtm)
        gov = governance_topics(m, dtm, lexicon)
        table, _ = _tables(m, dtm, gov)
        name = f"k{kk}_seed{seed}"
        shares[name] = table["governance_share"].to_numpy()
        fits.append({"fit": name, "k": kk, "seed": seed, "governance_topics": len(gov),
                     "mean_governance_share": float(shares[name].mean()),
                     "spearman_with_index": _spearman(shares[name], index.reindex(table["doc_id"]).to_numpy()),
                     "coherence_npmi": float(coherence_npmi(m, dtm).mean())})
        if fit_progress is not None and model != "anchored":
            fit_progress.update(1)
    documents = dtm.metadata_frame()[["doc_id"]].copy()
    frame = pd.DataFrame(shares, index=documents.index)
    documents = pd.concat([documents, frame], axis=1)
    documents["mean"], documents["sd"] = frame.mean(axis=1), frame.std(axis=1, ddof=0)
    documents["min"], documents["max"] = frame.min(axis=1), frame.max(axis=1)
    agreement = frame.corr(method="spearman")
    fits = pd.DataFrame(fits)
    k_of = dict(zip(fits.fit, fits.k))
    pairs = [(a, b) for i, a in enumerate(frame.columns) for b in frame.columns[i + 1:]]

    def median(selected) -> float:
        values = [agreement.loc[a, b] for a, b in selected if not np.isnan(agreement.loc[a, b])]
        return float(np.median(values)) if values else float("nan")

    lowest = [agreement.loc[a, b] for a, b in pairs if not np.isnan(agreement.loc[a, b])]
    summary = {"fits": len(fits), "documents": len(documents), "model": model, "k": ks, "seeds": seed_list,
               "median_spearman": median(pairs),
               "median_spearman_same_k": median([(a, b) for a, b in pairs if k_of[a] == k_of[b]]),
               "median_spearman_different_k": median([(a, b) for a, b in pairs if k_of[a] != k_of[b]]),
               "lowest_spearman": float(min(lowest)) if lowest else float("nan"),
               "median_document_sd": float(documents["sd"].median()),
               "spearman_with_index_range": [float(fits["spearman_with_index"].min()),
                                             float(fits["spearman_with_index"].max())]}
    from .anchored import majority_mode, stability_verdict

    summary["verdict"], summary["verdict_text"] = stability_verdict(summary["median_spearman"],
                                                                    summary["lowest_spearman"])
    # fits in another mode: outside the largest set of fits agreeing pairwise >= 0.6, when that set is a majority
    kept, off = majority_mode(agreement.to_numpy()) if len(frame.columns) > 2 else (list(range(len(frame.columns))), [])
    names = list(frame.columns)
    summary["off_mode_fits"] = [names[i] for i in off]
    if off:
        inner = [agreement.iloc[i, j] for a, i in enumerate(kept) for j in kept[a + 1:]]
        inner = [v for v in inner if not np.isnan(v)]
        summary["majority_median_spearman"] = float(np.median(inner)) if inner else float("nan")
        summary["majority_lowest_spearman"] = float(min(inner)) if inner else float("nan")
        summary["verdict_text"] += (f"; {len(off)} of {len(names)} fits are in another mode ({', '.join(names[i] for i in off)}"
                                    f"); the other {len(kept)} agree (median {summary['majority_median_spearman']:.2f}, "
                                    f"lowest {summary['majority_lowest_spearman']:.2f}): an ensemble's majority-mode "
                                    "share can be reported, a single fit cannot")
    summary["unit"] = unit
    return StabilityResult(fits, documents, agreement, summary)


def _spearman(a, b) -> float:
    """Spearman's rank correlation of two arrays (NaN pairs dropped; NaN if either side is constant)."""
    import pandas as pd

    both = pd.DataFrame({"a": a, "b": b}).dropna()
    if len(both) < 3 or both["a"].nunique() < 2 or both["b"].nunique() < 2:
        return float("nan")
    return float(both["a"].rank().corr(both["b"].rank()))


# -- saving and applying ---------------------------------------------------------------------------------
def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("policytext", "tomotopy", "gensim", "scikit-learn", "numpy", "jieba", "rjieba"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


MODEL_FILES = ("model.joblib", "vocabulary.json", "manifest.json")


def save_topic_model(result: TopicsResult, directory: str | os.PathLike) -> Path:
    """Write ``model.joblib``, ``vocabulary.json`` and ``manifest.json`` (settings, seed, vocabulary size,
    versions) to ``directory``, atomically (a temporary folder is renamed into place)."""
    import joblib

    from .io import replacing_folder

    with replacing_folder(directory, MODEL_FILES, "topic model") as tmp:
        joblib.dump({"model": result.model, "tokenizer": result.tokenizer}, tmp / "model.joblib")
        (tmp / "vocabulary.json").write_text(json.dumps(result.dtm.vocabulary, ensure_ascii=False), "utf-8")
        manifest = {"format": "policytext-topic-model/1", "settings": result.settings, "versions": _versions(),
                    "topics": result.topics[["topic_id", "label", "seeded_dimension", "governance"]].to_dict("records")}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str), "utf-8")
    return Path(directory)


TOPIC_FILES = ("documents.csv", "topics.csv", "k_selection.csv", "candidates.csv", "model")


def write_topics(result: TopicsResult, directory: str | os.PathLike) -> Path:
    """Write the outputs of :func:`fit_topics` to ``directory``: ``documents.csv``, ``topics.csv``,
    ``k_selection.csv`` (when several K were compared), ``candidates.csv`` (anchored model: the governance
    topic's discovered words, for ``policytext lexicon merge``) and the model folder ``model/``.

    Everything is written to a temporary folder that then replaces ``directory``: an interrupted run leaves the
    previous outputs or none, never a mix. A folder holding other files is refused, never replaced.
    """
    from .io import write_table
    from .io import replacing_folder

    with replacing_folder(directory, TOPIC_FILES, "topic model output") as tmp:
        write_table(result.documents, tmp / "documents.csv")
        write_table(result.topics, tmp / "topics.csv")
        if result.k_selection is not None:
            write_table(result.k_selection, tmp / "k_selection.csv")
        if result.candidates is not None:
            write_table(result.candidates, tmp / "candidates.csv")
        save_topic_model(result, tmp / "model")
    return Path(directory)


STABILITY_FILES = ("fits.csv", "documents.csv", "agreement.csv", "summary.json")


def write_stability(result: StabilityResult, directory: str | os.PathLike) -> Path:
    """Write a :class:`StabilityResult` to ``directory`` (``fits.csv``, ``documents.csv``, ``agreement.csv``,
    ``summary.json``), replacing it as a whole, as :func:`write_topics` does."""
    from .io import write_table
    from .io import replacing_folder

    with replacing_folder(directory, STABILITY_FILES, "topic stability output") as tmp:
        write_table(result.fits, tmp / "fits.csv")
        write_table(result.documents, tmp / "documents.csv")
        write_table(result.agreement.rename_axis("fit").reset_index(), tmp / "agreement.csv")
        summary = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in result.summary.items()}
        (tmp / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Path(directory)


def load_topic_model(directory: str | os.PathLike) -> tuple[_TopicModel, object, dict]:
    """Load a model saved by :func:`save_topic_model`: ``(model, tokenizer, manifest)``. Only load folders you
    trust (the model is a pickle)."""
    import joblib

    directory = Path(directory)
    manifest_path = directory / "manifest.json"
    if not manifest_path.is_file() or not (directory / "model.joblib").is_file():
        raise ConfigError(f"{directory}: not a policytext topic model folder (needs manifest.json and model.joblib)")
    manifest = json.loads(manifest_path.read_text("utf-8"))
    saved = joblib.load(directory / "model.joblib")
    return saved["model"], saved["tokenizer"], manifest


def apply_topics(directory: str | os.PathLike, corpus: Corpus, *, scheduler: Any = None, partition_docs: int = 200,
                 progress=None) -> "pd.DataFrame":
    """Score new documents with a saved model: the document table (topic shares and ``governance_share``).

    The topic-word distributions are fixed and folding a document in draws no random numbers, so each
    document's row depends on that document alone. With ``scheduler`` (a Dask scheduler's address or a
    ``distributed.Client``) the documents are sent to the cluster's workers in partitions of ``partition_docs``
    and the partitions' tables are joined in corpus order: the table equals the local one. Each worker loads the
    model from ``directory`` (made absolute here), so the workers must see that folder at the same path, as
    for ``policytext score --scheduler``. ``progress`` is advanced per document locally and per partition on a
    cluster.
    """
    if scheduler is not None:
        return _apply_distributed(os.path.abspath(os.fspath(directory)), corpus, scheduler, partition_docs,
                                  progress)
    model, tokenizer, manifest = load_topic_model(directory)
    s = manifest["settings"]
    dtm = build_dtm(corpus, tokenizer=tokenizer, t2s=s["t2s"], unit=s["unit"], ngram_range=tuple(s["ngram_range"]),
                    vocabulary=model.vocabulary_, progress=progress)
    docs, _ = _tables(model, dtm, list(s["governance_topics"]))
    return docs


def _apply_part(directory: str, documents: list) -> "pd.DataFrame":
    """One partition of :func:`apply_topics` on a Dask worker."""
    return apply_topics(directory, Corpus(documents))


def _apply_distributed(directory: str, corpus: Corpus, scheduler: Any, partition_docs: int, progress):
    import pandas as pd

    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask is installed with the test extra
        raise ConfigError('--scheduler needs Dask: pip install "policytext[dask]"') from None
    if partition_docs < 1:
        raise ConfigError(f"partition_docs must be at least 1, not {partition_docs}")
    docs = list(corpus)
    parts = [docs[i:i + partition_docs] for i in range(0, len(docs), partition_docs)]
    if progress is not None:
        progress.total = len(parts)
    own_client = not isinstance(scheduler, Client)
    client = Client(scheduler, set_as_default=False) if own_client else scheduler
    try:
        futures = [client.submit(_apply_part, directory, part, pure=False) for part in parts]
        tables = []
        for future in futures:  # in corpus order; the cluster works on all of them meanwhile
            tables.append(future.result())
            if progress is not None:
                progress.update(1)
    finally:
        if own_client:
            client.close()
    if not tables:
        return apply_topics(directory, corpus)
    table = pd.concat(tables, ignore_index=True, sort=False)
    # metadata columns in the order of first appearance over the whole corpus, as one local table has them
    meta = list(corpus.metadata_frame().columns)
    rest = [c for c in tables[0].columns if c not in meta] + [c for c in table.columns
                                                               if c not in meta and c not in tables[0].columns]
    return table[[c for c in meta if c in table.columns] + rest]
