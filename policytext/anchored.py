"""The anchored topic model: one governance topic seeded with every +1 lexicon term, fitted by collapsed Gibbs
sampling (tomotopy), and an ensemble of such fits that gives every share an interval.

**The model** (:class:`AnchoredTopicModel`). K topics: topic 0 is the *governance topic*, topic 1 the *contrast
topic* (when contrast seeds are given: by default the lexicon's crude terms, polarity -1) and the rest are
unseeded *residual topics*. Seeding uses tomotopy's word priors: a governance seed word has the topic-word
prior ``seed_prior`` (default 15) on the governance topic and 0 on every other topic, so every occurrence of a
seed word is assigned to the governance topic; the same for the contrast seeds and the contrast topic. All other
words have the symmetric prior ``eta`` (default 0.01) on every topic, so the governance topic is free to take
in the words that occur beside the seeds. ``alpha`` (default 0.1) is the initial document-topic prior, which
tomotopy re-estimates every ``optim_interval`` (10) iterations; ``max_iter`` (default 500) Gibbs sweeps. One
fit uses one thread and is deterministic for a given ``random_state``.

**Shares** (:meth:`AnchoredTopicModel.transform`). A document's topic shares are computed with the fitted
topic-word distributions held fixed (fold-in): an EM iteration finds each row's topic proportions and the
expected number of its tokens assigned to each topic; a share is that expected count over the row's tokens.
``governance_share`` is the share of a document's tokens assigned to the governance topic. No random numbers
are drawn, so the fitted corpus and any new documents are scored the same way, run after run.
:meth:`AnchoredTopicModel.nonseed_share` is the part of ``governance_share`` carried by words that are not seeds.

**The ensemble** (:class:`AnchoredEnsemble`). ``n_fits`` fits (default 5) with seeds drawn from
``numpy.random.SeedSequence(random_state)``, run in separate processes (``n_jobs``, default all cores). The
governance and contrast topics are the same topic in every fit by construction; residual topics are matched to
the first fit's by the Hungarian algorithm on the cosine similarity of their word distributions.
Fits can land in different *modes* (on the national work reports, about one fit in six gives a governance topic
whose shares are ~40 times larger and unrelated to the others'): :func:`majority_mode` finds the largest set of
fits that agree pairwise (Spearman of ``governance_share`` >= 0.6, the lowest agreement the verdict accepts); when
it is a strict majority, the other fits are *off-mode*: reported (seeds, agreement with the majority, mean share)
and left out of the point estimate and the range. ``governance_share`` is the **median** over the kept fits (so
one fit that escapes detection cannot take the estimate over either), with the standard deviation and the
5th-95th percentile range over the kept fits (with 5 fits, close to the min-max range). ``docs/topics.md`` has
the measurements that chose the defaults and what the model does and does not add to the lexicon count.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Sequence

import numpy as np

from sklearn.utils.validation import check_is_fitted

from .dtm import DocumentTermMatrix, TopicEstimator, as_dtm
from .errors import ConfigError, SeedError
from .lexicon import Lexicon, load_lexicon

__all__ = ["AnchoredEnsemble", "AnchoredTopicModel", "anchored_seeds", "fit_many", "fit_seeds", "fold_in",
           "majority_mode", "match_topics", "pairwise_spearman", "require_tomotopy", "stability_verdict"]

#: the default topic-word prior of a seed word on its own topic (docs/topics.md: 10 lets non-seed words carry
#: half of the share but fits disagree more; 15 meets the stability targets on the provincial reports)
SEED_PRIOR = 15.0
#: the verdict thresholds: median pairwise Spearman between fits, and the lowest one
STABLE_MEDIAN, STABLE_MIN = 0.8, 0.6


def anchored_seeds(lexicon: Lexicon) -> tuple[list[str], list[str]]:
    """The governance seeds (every fixed term of a +1 category) and the contrast seeds (terms of -1 categories).

    A term listed under both poles is a governance seed only.
    """
    pos, neg = [], []
    for t in lexicon.terms:
        if t.is_glob:
            continue
        pol = lexicon.category(t.category).polarity
        (pos if pol > 0 else neg if pol < 0 else []).append(t.term)
    pos = list(dict.fromkeys(pos))
    seen = set(pos)
    return pos, [w for w in dict.fromkeys(neg) if w not in seen]


def stability_verdict(median: float, lowest: float) -> tuple[str, str]:
    """``("stable", why)`` when the median pairwise Spearman is at least 0.8 and the lowest at least 0.6,
    else ``("unstable", why)``."""
    if median == median and lowest == lowest and median >= STABLE_MEDIAN and lowest >= STABLE_MIN:
        return "stable", (f"stable: median Spearman between fits {median:.2f} >= {STABLE_MEDIAN}, lowest "
                          f"{lowest:.2f} >= {STABLE_MIN}")
    return "unstable", (f"unstable: median Spearman between fits {median:.2f}, lowest {lowest:.2f} (stable needs "
                        f">= {STABLE_MEDIAN} and >= {STABLE_MIN}); do not report a single fit")


def majority_mode(agreement: np.ndarray, threshold: float = STABLE_MIN) -> tuple[list[int], list[int]]:
    """Split fits into the majority mode and the off-mode fits, from their pairwise Spearman matrix.

    The majority mode is the largest set of fits whose every pair agrees at least ``threshold`` (a maximum
    clique of the graph "agrees >= threshold"; among cliques of equal size, the one with the highest mean
    agreement, then the lowest indices). Only when it holds a strict majority (more than half of the fits) are
    the others called off-mode; otherwise every fit is kept and nothing is called off-mode (no mode is the
    consensus, and the verdict says unstable). Returns ``(kept, off)``, sorted fit indices.
    """
    A = np.asarray(agreement, dtype=float)
    n = A.shape[0]
    if n < 3:
        return list(range(n)), []
    ok = np.nan_to_num(A, nan=-1.0) >= threshold
    best: tuple = (0, -np.inf, ())

    def consider(clique: tuple) -> None:
        nonlocal best
        vals = [A[i, j] for a, i in enumerate(clique) for j in clique[a + 1:]]
        score = (len(clique), float(np.mean(vals)) if vals else 0.0, tuple(-i for i in clique))
        if score > (best[0], best[1], tuple(-i for i in best[2])):
            best = (len(clique), score[1], clique)

    def expand(clique: tuple, candidates: list[int]) -> None:  # Bron-Kerbosch without pivoting; n is small
        if len(clique) + len(candidates) < best[0]:
            return
        if not candidates:
            consider(clique)
            return
        for a, i in enumerate(candidates):
            expand(clique + (i,), [j for j in candidates[a + 1:] if ok[i, j]])
        consider(clique)

    expand((), list(range(n)))
    kept = sorted(best[2])
    if 2 * len(kept) <= n:
        return list(range(n)), []
    return kept, [i for i in range(n) if i not in kept]


def pairwise_spearman(columns: np.ndarray) -> np.ndarray:
    """Spearman correlations between the columns of ``columns`` (rows = documents); NaN for a constant column."""
    import pandas as pd

    return pd.DataFrame(columns).corr(method="spearman").to_numpy()


def _upper(matrix: np.ndarray) -> np.ndarray:
    vals = matrix[np.triu_indices_from(matrix, k=1)]
    return vals[~np.isnan(vals)]


def fold_in(X, phi: np.ndarray, alpha: np.ndarray, *, max_iter: int = 100, tol: float = 1e-5,
            chunk_nnz: int = 400_000, columns: np.ndarray | None = None):
    """Expected number of each row's tokens assigned to each topic, topic-word distributions ``phi`` held fixed.

    EM for the row's topic proportions ``theta`` (prior ``alpha``; starts uniform, stops when no proportion
    moves by ``tol`` or after ``max_iter`` steps): a token of word w is assigned to topic k with probability
    ``theta[k] phi[k, w] / sum_j theta[j] phi[j, w]``. Returns a rows x K array of expected
    counts (rows sum to the row's token count). Deterministic.
    """
    from scipy import sparse

    X = sparse.csr_matrix(X, dtype=np.float64)
    n, K = X.shape[0], phi.shape[0]
    out = np.zeros((n, K))
    part = np.zeros(n)
    alpha = np.asarray(alpha, dtype=float)
    bounds, start, acc = [], 0, 0
    for i in range(n):
        acc += X.indptr[i + 1] - X.indptr[i]
        if acc >= chunk_nnz:
            bounds.append((start, i + 1))
            start, acc = i + 1, 0
    if start < n:
        bounds.append((start, n))
    phi_t = np.ascontiguousarray(phi.T)
    for a, b in bounds:
        sub = X[a:b]
        rows = np.repeat(np.arange(b - a), np.diff(sub.indptr))
        cols, data = sub.indices, sub.data
        lengths = np.asarray(sub.sum(axis=1)).ravel()
        pw = phi_t[cols]  # nnz x K
        theta = np.full((b - a, K), 1.0 / K)
        for _ in range(max_iter):
            denom = np.einsum("nk,nk->n", theta[rows], pw)
            ratio = np.divide(data, denom, out=np.zeros_like(data), where=denom > 0)
            R = sparse.csr_matrix((ratio, cols, sub.indptr), shape=sub.shape)
            counts = theta * (R @ phi_t)
            new = counts + alpha
            new /= new.sum(axis=1, keepdims=True)
            done = np.abs(new - theta).max() < tol
            theta = new
            if done:
                break
        denom = np.einsum("nk,nk->n", theta[rows], pw)
        ratio = np.divide(data, denom, out=np.zeros_like(data), where=denom > 0)
        R = sparse.csr_matrix((ratio, cols, sub.indptr), shape=sub.shape)
        counts = theta * (R @ phi_t)
        empty = lengths == 0
        counts[empty] = 0.0
        out[a:b] = counts
        if columns is not None:
            Rm = sparse.csr_matrix((ratio * columns[cols], cols, sub.indptr), shape=sub.shape)
            part[a:b] = np.where(empty, 0.0, theta[:, 0] * (Rm @ phi_t[:, 0]))
    return (out, part) if columns is not None else out


def _shares(counts: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Expected counts -> shares of the row's tokens; an empty row gets the prior's proportions."""
    tot = counts.sum(axis=1, keepdims=True)
    prior = np.asarray(alpha, dtype=float) / np.sum(alpha)
    out = np.tile(prior, (counts.shape[0], 1))
    nz = tot[:, 0] > 0
    out[nz] = counts[nz] / tot[nz]
    return out


def require_tomotopy():
    """The ``tomotopy`` module, or :class:`~policytext.errors.MissingDependencyError` (one line naming the extra):
    tomotopy (96 MB) is the ``[topics]`` extra; the other topic models and the rest of policytext do without it."""
    try:
        import tomotopy
    except ImportError:
        from .errors import MissingDependencyError

        raise MissingDependencyError('the anchored topic model needs tomotopy, which is not installed; '
                                     'pip install "policytext[topics]" (the lda, nmf and seeded-dimensions models '
                                     'do without it)') from None
    return tomotopy


_PARAMETERS = """
    n_components : int
        Number of topics K: the governance topic, the contrast topic (when there are contrast seeds) and K - 1 or
        K - 2 residual topics.
    seeds : list of str, optional
        The governance topic's seed words; default: :func:`anchored_seeds` of the default lexicon.
    contrast_seeds : list of str, optional
        The contrast topic's seed words; default: the default lexicon's crude (-1) terms; ``[]`` leaves out the
        contrast topic.
    seed_prior : float
        Topic-word prior of a seed word on its own topic (0 on the others).
    alpha : float
        Initial document-topic prior (re-estimated every ``optim_interval`` iterations).
    eta : float
        Topic-word prior of every other word on every topic.
    max_iter : int
        Gibbs sweeps.
    random_state : int
        Seed of the sampler (an ensemble's base seed: :func:`fit_seeds`)."""


def _documented(cls):
    """Put the shared parameter descriptions in place of ``{PARAMS}`` in the class docstring."""
    cls.__doc__ = cls.__doc__.replace("\n    {PARAMS}", _PARAMETERS)
    return cls


class _AnchoredBase(TopicEstimator):
    """The parameters of one anchored fit, shared by :class:`AnchoredTopicModel` and :class:`AnchoredEnsemble`."""

    def __init__(self, n_components: int = 30, *, seeds: Sequence[str] | None = None,
                 contrast_seeds: Sequence[str] | None = None, seed_prior: float = SEED_PRIOR, alpha: float = 0.1,
                 eta: float = 0.01, max_iter: int = 500, random_state: int = 0, optim_interval: int = 10):
        self.n_components = n_components
        self.seeds = seeds
        self.contrast_seeds = contrast_seeds
        self.seed_prior = seed_prior
        self.alpha = alpha
        self.eta = eta
        self.max_iter = max_iter
        self.random_state = random_state
        self.optim_interval = optim_interval

    def __setstate__(self, state: dict) -> None:
        # as pickle does for a class without __setstate__ (and BaseEstimator's does not): intern the attribute
        # names, so that a model that came back from a worker process saves to the same bytes as before
        self.__dict__.update({sys.intern(k): v for k, v in state.items()})


@_documented
class AnchoredTopicModel(_AnchoredBase):
    """One anchored fit (module docstring), a scikit-learn estimator: ``__init__`` stores arguments, ``fit``
    returns self, learned state ends in ``_``.

    Parameters
    ----------
    {PARAMS}
    optim_interval : int
        Iterations between re-estimates of ``alpha``.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_words)
        Topic-word distributions (rows sum to 1).
    alpha_ : ndarray of shape (n_components,)
        The re-estimated document-topic prior.
    governance_word_share_ : ndarray of shape (n_words,)
        Per word, the share of its tokens the sampler assigned to the governance topic.
    governance_topic_, contrast_topic_ : int, int or None
        0, and 1 (None without contrast seeds).
    seed_words_, contrast_words_ : list of str
        The seeds found in the vocabulary.
    seeded_dimensions_, topic_labels_, vocabulary_ : list
        Each topic's role (``"governance"``, ``"contrast"`` or None) and label; the words of the columns.
    ll_per_word_ : float
        The sampler's final log-likelihood per word.
    """

    def _seed_sets(self, vocabulary: list[str]) -> tuple[list[str], list[str]]:
        pos, neg = (self.seeds, self.contrast_seeds)
        if pos is None or neg is None:
            dpos, dneg = anchored_seeds(load_lexicon())
            pos = dpos if pos is None else pos
            neg = dneg if neg is None else neg
        vocab = set(vocabulary)
        pos = [w for w in dict.fromkeys(pos) if w in vocab]
        neg = [w for w in dict.fromkeys(neg) if w in vocab and w not in set(pos)]
        return pos, neg

    def check(self, dtm: DocumentTermMatrix) -> tuple[list[str], list[str]]:
        """Raise what :meth:`fit` would raise on bad settings (K, no seed in the vocabulary), without fitting;
        return the governance and contrast seeds found in the vocabulary.

        Parameters
        ----------
        dtm : DocumentTermMatrix
            The matrix the model would be fitted on.
        """
        pos, neg = self._seed_sets(dtm.vocabulary)
        n_anchor = 1 + (1 if neg else 0)
        K = int(self.n_components)
        if K < n_anchor + 1:
            raise ConfigError(f"the anchored model needs K >= {n_anchor + 1} (the governance topic"
                              f"{', the contrast topic' if neg else ''} and at least one residual topic), got K={K}")
        if K > dtm.X.shape[0]:
            raise ConfigError(f"K={K} topics is more than the {dtm.X.shape[0]} {dtm.unit}s of {dtm.n_documents} "
                              f"documents to fit them on; use K <= {dtm.X.shape[0]}")
        if not pos:
            raise SeedError(f"none of the seed words of the governance topic occurs in the vocabulary "
                            f"({len(dtm.vocabulary)} words from {dtm.n_documents} documents); the lexicon does not "
                            "match this corpus")
        return pos, neg

    def fit(self, X, y=None, vocabulary: Sequence[str] | None = None) -> "AnchoredTopicModel":
        """Fit by collapsed Gibbs sampling (tomotopy, one thread); returns the model.

        Parameters
        ----------
        X : DocumentTermMatrix or sparse matrix of shape (n_rows, n_words)
            The counts: a :func:`~policytext.dtm.build_dtm` matrix, or a plain count matrix (rows are documents)
            such as ``CountVectorizer`` makes.
        y : None
            Ignored; present for scikit-learn's API.
        vocabulary : list of str, optional
            The words of a plain matrix's columns, so that the seeds can be found; ignored for a
            ``DocumentTermMatrix``.
        """
        tp = require_tomotopy()

        dtm = as_dtm(X, vocabulary)
        pos, neg = self.check(dtm)
        n_anchor = 1 + (1 if neg else 0)
        K = int(self.n_components)
        m = tp.LDAModel(k=K, alpha=self.alpha, eta=self.eta, seed=int(self.random_state), min_cf=0, rm_top=0)
        m.optim_interval = int(self.optim_interval)
        vocab = dtm.vocabulary
        X = dtm.X.tocsr()
        for i in range(X.shape[0]):
            lo, hi = X.indptr[i], X.indptr[i + 1]
            words = [vocab[j] for j, c in zip(X.indices[lo:hi], X.data[lo:hi]) for _ in range(int(c))]
            if words:
                m.add_doc(words)
        prior = np.full((K, len(vocab)), float(self.eta))
        col = {w: j for j, w in enumerate(vocab)}
        for topic, words in ((0, pos), (1, neg)):
            for w in words:
                p = [0.0] * K
                p[topic] = float(self.seed_prior)
                m.set_word_prior(w, p)
                prior[:, col[w]] = p
        m.train(int(self.max_iter), workers=1)
        used = list(m.used_vocabs)
        order = np.array([col[w] for w in used])
        counts = np.zeros((K, len(vocab)))
        for k in range(K):
            counts[k, order] = np.asarray(m.get_topic_word_dist(k, normalize=False)) - float(m.eta)
        counts = np.clip(counts, 0.0, None)
        phi = counts + prior
        self.components_ = phi / phi.sum(axis=1, keepdims=True)
        # share of each word's tokens that the sampler assigned to the governance topic
        self.governance_word_share_ = counts[0] / np.maximum(counts.sum(axis=0), 1e-12)
        self.alpha_ = np.asarray(m.alpha, dtype=float)
        self.ll_per_word_ = float(m.ll_per_word)
        self.vocabulary_ = list(vocab)
        self.seed_words_ = pos
        self.contrast_words_ = neg
        self.governance_topic_ = 0
        self.contrast_topic_ = 1 if neg else None
        self.seeded_dimensions_ = ["governance"] + (["contrast"] if neg else []) + [None] * (K - n_anchor)
        self.topic_labels_ = _labels(self.components_, self.vocabulary_, self.seeded_dimensions_,
                                     set(pos) | set(neg))
        return self

    def expected_counts(self, X) -> np.ndarray:
        """Rows x K expected token counts per topic (:func:`fold_in`).

        Parameters
        ----------
        X : DocumentTermMatrix or sparse matrix of shape (n_rows, n_words)
            Counts over the fitted vocabulary.
        """
        return fold_in(self._fitted_input(X).X, self.components_, self.alpha_)

    def transform(self, X) -> np.ndarray:
        """Row-level topic shares: the share of each row's tokens assigned to each topic (rows sum to 1).

        Parameters
        ----------
        X : DocumentTermMatrix or sparse matrix of shape (n_rows, n_words)
            Counts over the fitted vocabulary (``build_dtm(..., vocabulary=model.vocabulary_)``).
        """
        return _shares(self.expected_counts(X), self.alpha_)

    def shares_and_nonseed(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Row-level topic shares and, per row, the share of its tokens that are non-seed words assigned to the
        governance topic (one fold-in for both).

        Parameters
        ----------
        X : DocumentTermMatrix or sparse matrix
            As :meth:`AnchoredTopicModel.expected_counts` takes it.
        """
        dtm = self._fitted_input(X)
        seeds = set(self.seed_words_)
        mask = np.array([w not in seeds for w in self.vocabulary_], dtype=float)
        counts, part = fold_in(dtm.X, self.components_, self.alpha_, columns=mask)
        tot = counts.sum(axis=1)
        return _shares(counts, self.alpha_), np.divide(part, tot, out=np.zeros_like(part), where=tot > 0)

    def nonseed_share(self, X) -> np.ndarray:
        """Per row, the share of its tokens that are non-seed words assigned to the governance topic.

        Parameters
        ----------
        X : DocumentTermMatrix or sparse matrix
            As :meth:`AnchoredTopicModel.expected_counts` takes it.
        """
        return self.shares_and_nonseed(X)[1]


def _document_mean(dtm: DocumentTermMatrix, values: np.ndarray) -> np.ndarray:
    """Row values averaged to documents, weighted by the rows' token counts (0 for a document without tokens)."""
    num = np.zeros(dtm.n_documents)
    den = np.zeros(dtm.n_documents)
    np.add.at(num, dtm.row_doc, values * dtm.row_tokens)
    np.add.at(den, dtm.row_doc, dtm.row_tokens)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _labels(components: np.ndarray, vocabulary: list[str], dims: list, seeds: set[str]) -> list[str]:
    labels = []
    for k in range(components.shape[0]):
        top = [vocabulary[j] for j in np.argsort(-components[k], kind="stable")[:3]]
        head = {"governance": "治理: ", "contrast": "粗放: "}.get(dims[k], "")
        labels.append(head + "/".join(top))
    return labels


def _fit_one(params: dict, dtm: DocumentTermMatrix) -> AnchoredTopicModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AnchoredTopicModel(**params).fit(dtm)


def fit_many(param_list: list[dict], dtm: DocumentTermMatrix, n_jobs: int | None = None,
             progress=None) -> list[AnchoredTopicModel]:
    """Fit several :class:`AnchoredTopicModel` (one per parameter dict) in up to ``n_jobs`` processes (default:
    all cores); results in input order. Each fit is single-threaded, so the results do not depend on ``n_jobs``."""
    jobs = min(len(param_list), n_jobs or os.cpu_count() or 1)
    if jobs <= 1:
        out = []
        for p in param_list:
            out.append(_fit_one(p, dtm))
            if progress is not None:
                progress.update(1)
        return out
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_fit_one, p, dtm) for p in param_list]
        out = []
        for f in futures:
            out.append(f.result())
            if progress is not None:
                progress.update(1)
    return out


def match_topics(reference: np.ndarray, other: np.ndarray, n_anchor: int) -> tuple[np.ndarray, np.ndarray]:
    """Match the topics of ``other`` to those of ``reference`` (both K x V): the first ``n_anchor`` topics match
    themselves; the rest by the Hungarian algorithm on the cosine similarity of their word distributions.
    Returns ``(matching, cosine)``: ``matching[k]`` is the topic of ``other`` matched to topic k of
    ``reference`` and ``cosine[k]`` their similarity (1 for the anchored topics)."""
    from scipy.optimize import linear_sum_assignment

    K = reference.shape[0]
    matching, cosine = np.arange(K), np.ones(K)

    def unit(a):
        return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-300)

    cos = unit(reference[n_anchor:]) @ unit(other[n_anchor:]).T
    r, c = linear_sum_assignment(-cos)
    matching[n_anchor + r] = n_anchor + c
    cosine[n_anchor + r] = cos[r, c]
    return matching, cosine


def fit_seeds(random_state: int, n: int) -> list[int]:
    """The seeds of the ``n`` fits of an ensemble with base seed ``random_state`` (``SeedSequence``: ensembles
    with different base seeds share no fit)."""
    return [int(s) for s in np.random.SeedSequence(int(random_state)).generate_state(n) % (2**31 - 1)]


@_documented
class AnchoredEnsemble(_AnchoredBase):
    """``n_fits`` :class:`AnchoredTopicModel` fits with matched topics (module docstring).

    Parameters
    ----------
    {PARAMS}
    n_fits : int
        Number of fits; their seeds come from ``random_state`` (:func:`fit_seeds`).
    optim_interval : int
        Iterations between re-estimates of ``alpha``.
    n_jobs : int, optional
        Processes for the fits (default: all cores); each fit is single-threaded, so results do not depend on it.
    match_threshold : float
        Cosine similarity from which a fit's topic counts as found (``found_``).

    Attributes
    ----------
    fits_, fit_seeds_ : list
        The fitted models and their seeds.
    matching_, match_cosine_ : ndarray of shape (n_fits, n_components)
        Which topic of each fit matches each topic of the first fit, and their cosine similarities (1 for the
        anchored topics).
    components_ : ndarray of shape (n_components, n_words)
        The matched topics' mean word distributions over the kept fits.
    found_ : ndarray of shape (n_components,)
        Per topic, how many kept fits have a match with cosine >= ``match_threshold``.
    agreement_ : ndarray of shape (n_fits, n_fits)
        Spearman of ``governance_share`` between fits.
    kept_fits_, off_mode_fits_, off_mode_ : list
        :func:`majority_mode`: the fits the share is taken over, those in another mode, and per off-mode fit its
        seed, Spearman with the majority's share and mean share.
    verdict_, verdict_text_ : str or None
        :func:`stability_verdict` over the kept fits (``None`` for one fit).
    seed_words_, contrast_words_, seeded_dimensions_, topic_labels_, vocabulary_ : list
        As the first fit's.
    """

    def __init__(self, n_components: int = 30, *, n_fits: int = 5, seeds: Sequence[str] | None = None,
                 contrast_seeds: Sequence[str] | None = None, seed_prior: float = SEED_PRIOR, alpha: float = 0.1,
                 eta: float = 0.01, max_iter: int = 500, random_state: int = 0, optim_interval: int = 10,
                 n_jobs: int | None = None, match_threshold: float = 0.5):
        # n_fits is stored second, where it always was, so that a saved model pickles to the same bytes
        self.n_components, self.n_fits = n_components, n_fits
        super().__init__(n_components, seeds=seeds, contrast_seeds=contrast_seeds, seed_prior=seed_prior, alpha=alpha,
                         eta=eta, max_iter=max_iter, random_state=random_state, optim_interval=optim_interval)
        self.n_jobs = n_jobs
        self.match_threshold = match_threshold

    def _single_params(self) -> dict:
        return {k: getattr(self, k) for k in _AnchoredBase._get_param_names() if k != "random_state"}

    def fit(self, X, y=None, vocabulary: Sequence[str] | None = None, progress=None) -> "AnchoredEnsemble":
        """Fit ``n_fits`` models, match their topics and find the majority mode; returns the ensemble.

        Parameters
        ----------
        X : DocumentTermMatrix or sparse matrix of shape (n_rows, n_words)
            The counts, as :meth:`AnchoredTopicModel.fit` takes them.
        y : None
            Ignored; present for scikit-learn's API.
        vocabulary : list of str, optional
            The words of a plain matrix's columns; ignored for a ``DocumentTermMatrix``.
        progress : tqdm-like, optional
            Its ``total`` is set to ``n_fits``; it advances by one per finished fit.
        """
        dtm = as_dtm(X, vocabulary)
        if int(self.n_fits) < 1:
            raise ConfigError(f"an ensemble needs at least one fit, got n_fits={self.n_fits}")
        # check settings in this process first, so that errors are raised here and not in a worker
        AnchoredTopicModel(**self._single_params()).check(dtm)
        self.fit_seeds_ = fit_seeds(self.random_state, int(self.n_fits))
        params = [{**self._single_params(), "random_state": s} for s in self.fit_seeds_]
        if progress is not None:
            progress.total = len(params)
        if len(params) == 1:
            self.fits_ = [AnchoredTopicModel(**params[0]).fit(dtm)]
            if progress is not None:
                progress.update(1)
        else:
            self.fits_ = fit_many(params, dtm, self.n_jobs, progress)
        return self._combine(dtm)

    def _combine(self, dtm: DocumentTermMatrix) -> "AnchoredEnsemble":
        """Match the fits' topics, find the majority mode, and set the ensemble's learned state from
        ``fits_`` and ``fit_seeds_``."""
        ref = self.fits_[0]  # residual topics are matched to the first fit's, whichever mode it is in
        K = ref.components_.shape[0]
        n_anchor = 2 if ref.contrast_topic_ is not None else 1
        self.matching_ = np.tile(np.arange(K), (len(self.fits_), 1))
        self.match_cosine_ = np.ones((len(self.fits_), K))
        for f, m in enumerate(self.fits_[1:], start=1):
            self.matching_[f], self.match_cosine_[f] = match_topics(ref.components_, m.components_, n_anchor)
        self.vocabulary_ = ref.vocabulary_
        self.seed_words_, self.contrast_words_ = ref.seed_words_, ref.contrast_words_
        self.governance_topic_, self.contrast_topic_ = 0, ref.contrast_topic_
        self.seeded_dimensions_ = ref.seeded_dimensions_
        import weakref

        self._fitted_on = None
        self._fitted_on = (weakref.ref(dtm), self.fit_shares(dtm))  # reused by document_table on the same matrix
        gov = self._fitted_on[1][0][:, :, 0].T
        self.agreement_ = pairwise_spearman(gov)
        self._assess(gov)
        kept = self.kept_fits_
        comps = np.mean([self.fits_[f].components_[self.matching_[f]] for f in kept], axis=0)
        self.components_ = comps / comps.sum(axis=1, keepdims=True)
        self.found_ = (self.match_cosine_[kept] >= self.match_threshold).sum(axis=0)
        self.topic_labels_ = _labels(self.components_, self.vocabulary_, self.seeded_dimensions_,
                                     set(self.seed_words_) | set(self.contrast_words_))
        return self

    def _assess(self, gov: np.ndarray) -> None:
        """Majority mode, off-mode fits and the verdict from the fits' document shares (documents x fits)."""
        n = gov.shape[1]
        kept, off = majority_mode(self.agreement_) if n > 1 else ([0], [])
        self.kept_fits_, self.off_mode_fits_ = kept, off
        consensus = np.median(gov[:, kept], axis=1)
        self.off_mode_ = [{"fit": int(f), "seed": int(self.fit_seeds_[f]),
                           "spearman_with_majority": _nan_none(float(pairwise_spearman(
                               np.column_stack([gov[:, f], consensus]))[0, 1])),
                           "mean_share": float(gov[:, f].mean()),
                           "majority_mean_share": float(consensus.mean())} for f in off]
        if n > 1:
            vals = _upper(self.agreement_[np.ix_(kept, kept)])
            med = float(np.median(vals)) if len(vals) else float("nan")
            low = float(vals.min()) if len(vals) else float("nan")
            self.verdict_, text = stability_verdict(med, low)
            if off:
                rhos = [o["spearman_with_majority"] for o in self.off_mode_]
                means = ", ".join(f"{o['mean_share']:.4f}" for o in self.off_mode_)
                text += (f" ({len(kept)} of {n} fits, the majority mode); {len(off)} of {n} fits in another mode "
                         f"(Spearman with the majority's share {', '.join('n/a' if r is None else f'{r:+.2f}' for r in rhos)}; "
                         f"mean share {means} against "
                         f"{self.off_mode_[0]['majority_mean_share']:.4f}), left out of the share and its range: "
                         "the corpus has more than one mode, so a single fit could land in either")
            self.verdict_text_ = text
            self.agreement_median_, self.agreement_min_ = med, low
        else:
            self.verdict_ = self.verdict_text_ = None
            self.agreement_median_ = self.agreement_min_ = float("nan")

    def fit_shares(self, dtm: DocumentTermMatrix) -> tuple[np.ndarray, np.ndarray]:
        """Document-level shares of every fit, topics in the first fit's order: ``(shares, nonseed)`` of shapes
        n_fits x documents x K and n_fits x documents.

        Parameters
        ----------
        dtm : DocumentTermMatrix
            Counts over the fitted vocabulary.
        """
        cached = self.__dict__.get("_fitted_on")
        if cached is not None and cached[0]() is dtm:
            return cached[1]
        shares, nonseed = [], []
        for f, m in enumerate(self.fits_):
            s, ns = m.shares_and_nonseed(dtm)
            shares.append(dtm.document_shares(s)[:, self.matching_[f]])
            nonseed.append(_document_mean(dtm, ns))
        return np.stack(shares), np.stack(nonseed)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_fitted_on", None)  # a cache of the fit's own matrix: not saved
        return state

    def transform(self, X) -> np.ndarray:
        """Row-level topic shares, averaged over the kept fits (the majority mode; rows sum to 1).

        Parameters
        ----------
        X : DocumentTermMatrix or sparse matrix
            As :meth:`AnchoredTopicModel.expected_counts` takes it.
        """
        check_is_fitted(self, "fits_")
        kept = self.__dict__.get("kept_fits_", list(range(len(self.fits_))))
        return np.mean([self.fits_[f].transform(X)[:, self.matching_[f]] for f in kept], axis=0)

    def document_table(self, dtm: DocumentTermMatrix) -> "pd.DataFrame":  # noqa: F821
        """The document table: metadata, ``governance_share`` (median over the kept fits, i.e. the majority mode:
        :meth:`fit`) with ``governance_share_sd``, ``governance_share_p05`` / ``_p95`` over the kept fits (NaN
        for a single fit), ``governance_share_fits`` (how many fits the share is taken over),
        ``governance_share_off_mode`` (median over the off-mode fits; NaN when there are none),
        ``governance_share_nonseed``, ``contrast_share``, the ``topic_<i>`` shares (mean over the kept fits, so
        that they sum to 1), and the two residual topics with the largest shares (``other_topic_1``,
        ``other_topic_1_label``, ``other_topic_1_share``, and the same for ``_2``).

        Parameters
        ----------
        dtm : DocumentTermMatrix
            Counts over the fitted vocabulary (the fitted matrix's shares are cached by :meth:`fit`).
        """
        shares, nonseed = self.fit_shares(dtm)
        kept, off = self.__dict__.get("kept_fits_", list(range(len(self.fits_)))), self.__dict__.get("off_mode_fits_", [])
        docs = dtm.metadata_frame()
        gov = shares[kept, :, 0]
        docs["governance_share"] = np.median(gov, axis=0)
        if len(kept) > 1:
            docs["governance_share_sd"] = gov.std(axis=0, ddof=1)
            docs["governance_share_p05"] = np.quantile(gov, 0.05, axis=0)
            docs["governance_share_p95"] = np.quantile(gov, 0.95, axis=0)
        else:
            docs["governance_share_sd"] = docs["governance_share_p05"] = docs["governance_share_p95"] = np.nan
        docs["governance_share_fits"] = len(kept)
        docs["governance_share_off_mode"] = np.median(shares[off, :, 0], axis=0) if off else np.nan
        docs["governance_share_nonseed"] = np.median(nonseed[kept], axis=0)
        mean = shares[kept].mean(axis=0)
        docs["contrast_share"] = mean[:, self.contrast_topic_] if self.contrast_topic_ is not None else np.nan
        for k in range(mean.shape[1]):
            docs[f"topic_{k}"] = mean[:, k]
        n_anchor = 2 if self.contrast_topic_ is not None else 1
        resid = mean[:, n_anchor:]
        order = np.argsort(-resid, axis=1, kind="stable")
        for r in range(min(2, resid.shape[1])):
            idx = order[:, r] + n_anchor
            docs[f"other_topic_{r + 1}"] = idx
            docs[f"other_topic_{r + 1}_label"] = [self.topic_labels_[i] for i in idx]
            docs[f"other_topic_{r + 1}_share"] = mean[np.arange(len(idx)), idx]
        return docs


def _nan_none(v):
    return None if v is None or (isinstance(v, float) and v != v) else v
