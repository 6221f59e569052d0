"""Matching lexicon terms on token boundaries, and the published scores.

Matching rule
-------------
Text is normalised (:func:`policytext.normalize_text`) and segmented (:class:`policytext.Tokenizer`). A lexicon
term is **hit** where it equals a run of whole consecutive tokens: it must start where a token starts and end
where a token ends. So 共治 is not hit in 公共/治理, 精细化 not in 精细化工, 无缝对接 not in 无缝钢管, and
无缝对接 is hit whether jieba yields 无缝对接 or 无缝/对接. A glob term (``智慧*``) is hit by a single token
that matches it.

Scanning goes left to right over token starts. At each start the **longest** term that ends on a token
boundary wins (a fixed term beats a glob of the same length); its tokens are consumed, so one span is never
counted twice and a term nested in a longer hit (共治 inside 共建共治共享) does not count again. A term's
``exclusions`` are longer phrases containing it: a would-be hit lying inside such a phrase is skipped and the
next-longest candidate at that start is tried.

Scores (one row per document)
-----------------------------
With ``n_chars`` the number of non-whitespace characters of the normalised text and ``n_tokens`` the number of
word tokens (tokens holding a letter, digit or ideograph; punctuation excluded, stopwords included):

* ``hits_<c>``: hits of terms of category *c*; ``per10k_<c> = 10000 * hits_<c> / n_chars``;
  ``per1ktok_<c> = 1000 * hits_<c> / n_tokens``;
* ``hits_total``: all hits, both poles; ``n_terms``: distinct terms hit;
* ``coverage``: True if the document has at least one hit in a category of polarity +1;
* ``index_positive = 10000 * sum(weight of each hit in +1 categories) / n_chars``;
  ``index_contrast`` likewise for the -1 (contrast) categories;
* ``index = index_positive - index_contrast``: weighted hits per 10,000 characters, contrast pole subtracted;
* ``top_terms``: the five most frequent terms, ``term×count`` joined by ``; ``.

>>> from policytext import Lexicon, score_texts
>>> lex = Lexicon.from_dict({"co": ["共治", "无缝对接"]})
>>> df = score_texts(["推进公共治理，实现无缝对接与共治。"], lexicon=lex)
>>> int(df.loc[0, "hits_co"]), df.loc[0, "top_terms"]
(2, '共治×1; 无缝对接×1')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from .corpus import Corpus, Document
from .lexicon import Lexicon, load_lexicon
from .matching import (MAX_CLAUSE, SHORT_TEXT, STATUSES, Hit, Matcher, hidden_occurrences,  # noqa: F401
                       sentence_starts, split_sentences)  # (re-exported)
from .results import HIT_COLUMNS, ScoreResult, ScoreRows, Tally  # noqa: F401  (re-exported)
from .tokenize import Tokenizer, sentence_start_array

if TYPE_CHECKING:  # pandas is imported when a table is built, not with policytext
    import pandas as pd

__all__ = ["Hit", "Matcher", "ScoreResult", "Scorer", "score_corpus", "score_texts", "sentence_starts",
           "split_sentences", "SHORT_TEXT", "STATUSES"]

EVIDENCE_WINDOW = 12


class Scorer:
    """Scores documents against a lexicon: normalise, tokenize, match, count.

    One document is :meth:`analyze`; a whole run (paths or a corpus, processes, cache, checkpoint, outputs) is
    :meth:`score`.

    Parameters
    ----------
    lexicon : Lexicon, optional
        Default: the shipped fine-grained-governance lexicon.
    tokenizer : Tokenizer, optional
        Default: ``Tokenizer()``.
    t2s : bool
        Convert traditional characters to simplified before matching (on by default).
    evidence_window : int
        Characters of context kept on each side of a hit in the evidence (``left``, ``right``).
    """

    def __init__(self, lexicon: Lexicon | None = None, tokenizer: Tokenizer | None = None, *, t2s: bool = True,
                 evidence_window: int = EVIDENCE_WINDOW):
        self.lexicon = lexicon if lexicon is not None else load_lexicon()
        self.tokenizer = tokenizer if tokenizer is not None else Tokenizer()
        self.t2s = t2s
        self.evidence_window = evidence_window
        self.matcher = Matcher(self.lexicon)

    @property
    def config(self) -> dict:
        """Lexicon identity and tokenizer settings, for manifests."""
        return {
            "lexicon": {"name": self.lexicon.name, "version": self.lexicon.version, "sha256": self.lexicon.hash,
                        "terms": len(self.lexicon.terms), "categories": self.lexicon.categories},
            "tokenizer": self.tokenizer.config,
            "normalization": {"nfkc": True, "zero_width_removed": True, "t2s": self.t2s, "hard_wraps_joined": True},
        }

    def analyze(self, doc: Document, cache=None, *, evidence=True) -> tuple[dict, list[dict]]:
        """Score one document.

        Parameters
        ----------
        doc : Document
            The document.
        cache : TokenCache, optional
            Supplies the normalised text and tokens when it has them and stores them when it does not; the
            result is the same either way.
        evidence : bool or Spill
            True: the evidence rows as a list. False: no evidence row is built (an empty list; the score row
            is the same). A :class:`policytext.rowtext.Spill`: rows beyond its limit are written to a
            temporary file as they are complete, so that a document dense with hits never holds them all;
            the rows returned are then a :class:`policytext.rowtext.SpooledRows` (a list when they stayed
            under the limit).

        Returns
        -------
        tuple of (dict, list of dict)
            The score row (columns :attr:`score_columns`) and one evidence row per hit (columns
            :data:`HIT_COLUMNS`).

        Raises
        ------
        EmptyDocumentError
            The text has no characters.
        """
        from . import slicing
        from .cache import segment_text

        if len(doc.text) > slicing.SLICE_CHARS:  # a long text, slice by slice (issue 13.10)
            sliced = slicing.analyze_in_slices(self, doc, cache=cache, evidence=evidence)
            if sliced is not None:
                return sliced
        if cache is not None:
            seg = cache.segment(doc.text, self.tokenizer, t2s=self.t2s, source=doc.source, doc_id=doc.doc_id)
        else:
            seg = segment_text(doc.text, self.tokenizer, t2s=self.t2s, source=doc.source, doc_id=doc.doc_id)
        hits = self.matcher.match_spans(seg.text, seg.starts, seg.ends)
        return self._row(doc, seg.text, seg.n_chars, seg.n_tokens, hits, evidence, seg.sentences)

    def _row(self, doc: Document, text: str, n_chars: int, n_tokens: int, hits: list[Hit],
             evidence=True, sent_starts=None) -> tuple[dict, list[dict]]:
        from .rowtext import row_sink, sink_rows

        tally = Tally(self.lexicon)
        sink = row_sink(evidence)
        w = self.evidence_window
        if sent_starts is None:  # (the segmentation has them: split_sentences' starts)
            sent_starts = sentence_start_array(text)
        sentence_of = None  # the sentence of each hit (bisect_right - 1, at least 0), for all hits at once
        if hits and len(sent_starts):
            import numpy as np

            found = np.searchsorted(sent_starts, [h.start for h in hits], side="right") - 1
            sentence_of = np.maximum(found, 0).tolist()
        for k, (h, statuses) in enumerate(zip(hits, self.matcher.statuses(text, hits))):
            sentence = sentence_of[k] if sentence_of is not None else None
            entries = tally.add(h, statuses, sentence)
            if sink is None:
                continue
            for t, pol, status in entries:
                sink.append({"doc_id": doc.doc_id, "term": h.term, "category": t.category, "polarity": pol,
                             "weight": t.weight, "start": h.start, "end": h.end,
                             "left": text[max(0, h.start - w):h.start], "right": text[h.end:h.end + w],
                             "status": status})
        tally.n_chars, tally.n_tokens, tally.n_sentences = n_chars, n_tokens, len(sent_starts)
        return tally.row(), sink_rows(sink)

    def score(self, corpus, progress=None, *, jobs: int | None = 1, cache=None, read_options=None, scheduler=None,
              output=None, evidence=None, errors=None, checkpoint=None, resume: bool = False,
              checkpoint_every: int = 200, decimals: int | None = None, info: dict | None = None,
              verify: bool = False, **options) -> ScoreResult:
        """Score a corpus: the whole run ``policytext score`` makes, in one call (see the module docstring for
        the columns, :mod:`policytext.run` for the order of the steps).

        The result is the same, byte for byte, whatever ``jobs``, ``cache``, ``scheduler`` or an interruption
        resumed from a checkpoint. Errors from reading and from scoring are returned together, reading errors
        first, each in input order.

        Parameters
        ----------
        corpus : Corpus, iterable of Document, path, list of paths, DataFrame, dict or list of str
            What to score. Paths are read as the run goes (:func:`policytext.readers.iter_corpus`), so the
            corpus is never held in memory; a DataFrame, ``{doc_id: text}`` dict or list of texts is taken as
            :func:`policytext.read_corpus` takes it.
        progress : tqdm-like, optional
            ``total`` and ``update(n)``: per document, or per file when ``corpus`` is paths.
        jobs : int or None
            Worker processes (None: every core). Corpora under 50 documents or 200,000 characters stay in this
            process (:mod:`policytext.parallel`).
        cache : None, bool, str, os.PathLike or TokenCache
            The token cache (:mod:`policytext.cache`): a folder or a :class:`~policytext.cache.TokenCache`;
            True: the user's cache folder (``policytext score``'s default); None or False: none.
        read_options : ReadOptions, optional
            How to read ``corpus`` when it is paths (:class:`policytext.readers.ReadOptions`).
        scheduler : str or distributed.Client, optional
            Score on this Dask cluster (:func:`policytext.distributed.score_distributed`); ``corpus`` must be
            paths, which the workers read. Not with ``checkpoint``.
        output : str or os.PathLike, optional
            Write the score table here (.csv, .tsv, .jsonl, .parquet, .xlsx), atomically.
        evidence : str, os.PathLike or False, optional
            Write the evidence (one row per hit) here as the documents are scored; ``result.hits`` is then
            empty. False: do not keep it at all (a large corpus's evidence can be much larger than its
            scores); None (the default): keep it in ``result.hits``.
        errors : str or os.PathLike, optional
            Write the inputs that could not be scored, with reasons, here.
        checkpoint : bool, str, os.PathLike or Checkpoint, optional
            Keep a checkpoint so that an interrupted run can be resumed: True keeps it beside ``output``; a
            path keeps it beside that file (``.<name>.checkpoint/``). Either is removed when the run and its
            outputs are complete. A :class:`~policytext.checkpoint.Checkpoint` is used as is and left to the
            caller to remove.
        resume : bool
            Continue from the checkpoint of an interrupted run with the same inputs and settings (else a
            :class:`~policytext.errors.ConfigError`); the outputs come out as an uninterrupted run's.
        checkpoint_every : int
            Save progress every this many documents (and every 5 seconds).
        decimals : int, optional
            Round the decimal columns of ``output`` to this many decimals (the returned table is not rounded).
        info : dict, optional
            Filled with ``corpus.info`` (paths), ``resumed`` (outcomes taken from the checkpoint) and
            ``token_cache`` (its folder and counts of ``hits`` and ``misses``).
        verify : bool
            With paths and a token cache: read and hash every file again, as if none were known unchanged, and
            refresh the index of unchanged files (:mod:`policytext.warm`; ``policytext score --verify``).
        **options
            Passed to :func:`policytext.parallel.iter_scored` (e.g. ``mp_context="spawn"``).

        Returns
        -------
        ScoreResult
            The score table, the evidence (unless written to ``evidence``) and the error records.

        Examples
        --------
        A resumable, cached, parallel run from a notebook (the checkpoint sits beside ``scores.csv``)::

            result = Scorer().score(["laws/"], jobs=4, cache=True, output="scores.csv", evidence="hits.csv",
                                    errors="errors.csv", checkpoint=True, resume=True)
        """
        from .run import score_run

        return score_run(self, corpus, progress=progress, jobs=jobs, cache=cache, read_options=read_options,
                         scheduler=scheduler, output=output, evidence=evidence, errors=errors, checkpoint=checkpoint,
                         resume=resume, checkpoint_every=checkpoint_every, decimals=decimals, info=info,
                         verify=verify, **options)

    def empty_row(self) -> dict:
        """The score row of a document without hits (the columns and their types, all counts zero).

        Returns
        -------
        dict
            ``{column: value}`` in column order.
        """
        return self._row(Document("", " "), "", 1, 0, [])[0]

    @property
    def score_columns(self) -> list[str]:
        """The score columns of this scorer's table, in order (they depend on the lexicon's categories)."""
        return list(self.empty_row())


def score_corpus(corpus: Corpus | Iterable[Document], lexicon: Lexicon | None = None, *,
                 tokenizer: Tokenizer | None = None, t2s: bool = True, progress=None) -> pd.DataFrame:
    """Score every document of ``corpus`` against ``lexicon`` (default: fine-grained governance).

    Documents that cannot be scored are listed by :meth:`Scorer.score`, which also returns the evidence and
    takes processes, a cache, a checkpoint and output files; use it when you need any of them.

    Parameters
    ----------
    corpus : Corpus, iterable of Document, path or list of paths
        What :meth:`Scorer.score` takes (paths are read with the default reader options).
    lexicon : Lexicon, optional
        Default: the shipped fine-grained-governance lexicon.
    tokenizer : Tokenizer, optional
        Default: ``Tokenizer()``.
    t2s : bool
        Convert traditional characters to simplified before matching.
    progress : tqdm-like, optional
        Updated once per document.

    Returns
    -------
    pandas.DataFrame
        One row per scored document (columns in :mod:`policytext.scoring`).
    """
    return Scorer(lexicon, tokenizer, t2s=t2s).score(corpus, progress=progress).scores


def score_texts(texts: Iterable[str] | dict[str, str], lexicon: Lexicon | None = None, *,
                tokenizer: Tokenizer | None = None, t2s: bool = True) -> pd.DataFrame:
    """Score plain strings; a convenience for notebooks.

    Parameters
    ----------
    texts : iterable of str or dict
        Texts (ids ``doc1``, ``doc2`` ...) or a ``{doc_id: text}`` mapping.
    lexicon : Lexicon, optional
        As in :func:`score_corpus`.
    tokenizer : Tokenizer, optional
        As in :func:`score_corpus`.
    t2s : bool
        As in :func:`score_corpus`.

    Returns
    -------
    pandas.DataFrame
        One row per text that could be scored.
    """
    return score_corpus(Corpus.from_texts(texts), lexicon, tokenizer=tokenizer, t2s=t2s)


