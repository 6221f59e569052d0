"""Scoring one long document slice by slice, with the memory of one slice (issue 13.10).

:meth:`policytext.Scorer.analyze` hands a document longer than :data:`SLICE_CHARS` characters to
:func:`analyze_in_slices`, which returns exactly what the whole-text path returns: the same score row and the
same evidence rows (offsets, left and right context, statuses), in the same order. The normalised text of the
whole document, its token arrays and its sentence list never exist at once; one slice's do. With a token cache,
each slice is an entry of its own (keyed by the slice's raw text like any text), so a warm run reads one slice
at a time too.

The slices are those of :func:`policytext.normalize.normalization_slices`: each is cut before an ideograph
that follows ``。``, ``。\\n`` or ``\\n\\n`` (a *sentence cut*) or, where a slice would otherwise grow past its
size, before an ideograph that follows one of ``，；！？`` (full-width or ASCII) after an ideograph (a *clause
cut*: a text of clauses joined by commas has no other). The slices, each normalised on its own, give the
normalised text of the whole in pieces (the proof is in that function's docstring). Each cut is checked once
more after normalisation: the piece after it must start with an ideograph, and the piece before it end with
``。``, a line break or one of ``;!?`` (a sentence end), or with ``,`` after a letter, digit or ideograph;
else the document is scored whole. At such a cut, every step of scoring is local:

* **tokens**: ``。``, a line break and ``,;!?`` are tokens of their own for jieba and jieba-rs, outside the
  runs of ideographs, letters and digits they segment (:func:`policytext.tokenize.clause_slices` cuts after
  the same marks);
* **hits**: a hit is text equal to a term at token boundaries; no term and no exclusion phrase of the
  lexicon contains ``。`` or a line break (:func:`can_slice` checks; otherwise the document is scored whole),
  nor, for clause cuts, one of ``，,；;！!？?`` (:func:`can_cut_clauses`; otherwise only sentence cuts are
  made), so neither a hit nor an exclusion spans the cut;
* **context rules** look only inside a hit's clause, and ``。``, a line break and ``,;!?`` end a clause
  (:data:`policytext.matching.CLAUSE_BREAKS`), so a hit's clause is the same in its slice as in the whole;
* **sentences**: at a sentence cut (``。``, ``;!?`` or a line break followed by an ideograph, not by another
  mark or a closing quote) a sentence ends, and each piece starts with a word character, so the sentences of
  the pieces are those of the whole in order. At a cut after ``,`` the sentence runs on: the piece before
  ends with it (a word character precedes the ``,``) and the piece after starts with it (an ideograph), so
  the two are one sentence of the whole, counted once and numbered alike
  (:meth:`policytext.results.Tally.add_slice_sentences`); since the hits come in text order, a sentence with
  hits in both pieces counts once in the sentence shares too;
* **counts** (characters, tokens, hits, weighted sums in hit order) add up, and the evidence context that
  reaches across a cut is taken from the last characters of the text before it and the first characters of
  the text after it.

A run of ideographs without any punctuation is never cut: jieba and jieba-rs segment it with one dynamic
programme, summing log-probabilities from its end in floating point, so no cut inside it is provably neutral.

``tests/test_slicing.py`` compares the two paths on texts crossing many slice boundaries, with traditional
characters, hard wraps, context rules, exclusions, weights and both engines, and on texts of clauses joined
by commas only (clause cuts, sentences running over many slices).
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING, Iterator

from .normalize import CLAUSE_CUT_MARKS, normalization_slices
from .results import Tally

if TYPE_CHECKING:
    from .corpus import Document
    from .scoring import Scorer

__all__ = ["SLICE_CHARS", "SLICE_SIZE", "analyze_in_slices", "can_cut_clauses", "can_slice"]

#: documents longer than this many characters are scored slice by slice (without a token cache)
SLICE_CHARS = 250_000
#: ... in slices of about this many characters (at most SLICE_CHARS): a slice's tokens, hits and sentences are
#: the working set, about 20 bytes per character of text dense with hits (issue 13.10)
SLICE_SIZE = 50_000
_CUT_MARKS = ("。", "\n")
# how a normalised piece ends at a cut: a sentence end (the next piece starts a sentence), or a comma (the
# sentence runs on into the next piece)
_SENTENCE_CUT_ENDS = ("。", "\n", ";", "!", "?")
_STARTS_WITH_IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]").match
_WORD_CHAR = re.compile(r"[^\W_]").match  # as policytext.matching.split_sentences tells a sentence


def _holds(scorer: Scorer, marks) -> bool:
    """Whether a term or an exclusion phrase of the scorer's lexicon holds one of ``marks``."""
    for t in scorer.lexicon.terms:
        for text in (t.term, *t.exclusions):
            if any(mark in text for mark in marks):
                return True
    return False


def can_slice(scorer: Scorer) -> bool:
    """Whether the scorer's lexicon allows slicing: no term and no exclusion phrase contains ``。`` or a line
    break."""
    return not _holds(scorer, _CUT_MARKS)


def can_cut_clauses(scorer: Scorer) -> bool:
    """Whether the scorer's lexicon allows clause cuts too: no term and no exclusion phrase contains one of
    ``，,；;！!？?`` (:data:`policytext.normalize.CLAUSE_CUT_MARKS`)."""
    return not _holds(scorer, CLAUSE_CUT_MARKS)


def _segmented_slices(scorer: Scorer, doc: Document, size: int, cache, clauses: bool) -> Iterator:
    """The :class:`~policytext.cache.Segmentation` of each slice of ``doc.text`` (normalised text and tokens),
    from ``cache`` when given (each slice is an entry of its own), else computed; ``None`` for a slice left
    without any character (its normalised text then comes with it: ``(None, text)``)."""
    from .cache import segment_text
    from .errors import EmptyDocumentError
    from .normalize import normalize_text

    text = doc.text
    for a, b in normalization_slices(text, size, clauses):
        raw = text[a:b]
        try:
            if cache is not None:
                yield cache.segment(raw, scorer.tokenizer, t2s=scorer.t2s, source=doc.source, doc_id=doc.doc_id)
            else:
                yield segment_text(raw, scorer.tokenizer, t2s=scorer.t2s, source=doc.source, doc_id=doc.doc_id)
        except EmptyDocumentError:  # only white space: no token, no sentence, but its length and context count
            yield None, normalize_text(raw, t2s=scorer.t2s)


def analyze_in_slices(scorer: Scorer, doc: Document, size: int | None = None,
                      cache=None, evidence=True) -> tuple[dict, list[dict]] | None:
    """``scorer.analyze(doc, cache=cache, evidence=evidence)`` computed slice by slice, or None when the text
    is one slice, the lexicon does not allow slicing (:func:`can_slice`) or a cut does not hold after
    normalisation (never seen; checked all the same): then the caller scores the document whole. With a
    ``cache``, each slice is looked up and stored as an entry of its own.

    ``evidence`` False: no evidence row is built. A :class:`~policytext.rowtext.Spill`: the rows whose right
    context is complete (all but those of the last ``evidence_window`` characters seen) are handed to a
    :class:`~policytext.rowtext.SpooledRows` whenever a batch of them is ready, so at most about a batch of
    rows is in memory whatever the document's number of hits."""
    from .rowtext import SpooledRows, row_sink, sink_rows

    size = min(SLICE_SIZE, SLICE_CHARS) if size is None else size
    if len(doc.text) <= size or not can_slice(scorer):
        return None
    clauses = can_cut_clauses(scorer)
    if len(normalization_slices(doc.text, size, clauses)) < 2:
        return None
    sink = row_sink(evidence)
    try:
        row = _analyze_slices(scorer, doc, size, cache, sink, clauses)
    except BaseException:
        if isinstance(sink, SpooledRows):
            sink.discard()
        raise
    if row is None:
        if isinstance(sink, SpooledRows):
            sink.discard()
        return None
    return row, sink_rows(sink)


def _analyze_slices(scorer: Scorer, doc: Document, size: int, cache, sink, clauses: bool) -> dict | None:
    """The score row of :func:`analyze_in_slices`, its evidence rows handed to ``sink`` (a list, a
    :class:`~policytext.rowtext.SpooledRows`, or None: not built) in order; None: score the text whole."""
    from .matching import split_sentences
    from .rowtext import SpooledRows

    matcher = scorer.matcher
    tally = Tally(scorer.lexicon)
    # rows not handed on yet; those of ``pending`` (whose right context runs into the next piece) are its tail,
    # since a row is pending exactly when its hit ends less than w characters before the end of the text seen
    hit_rows: list[dict] = []
    batch = sink.spill.limit if isinstance(sink, SpooledRows) else None
    w = scorer.evidence_window
    offset = 0
    keep = max(w, 2)  # the tail: at least the last two characters, which the cut check reads
    tail = ""  # the last ``keep`` characters before the current piece
    pending: list[tuple[dict, int]] = []  # rows whose right context runs into the next piece: (row, missing)
    for seg in _segmented_slices(scorer, doc, size, cache, clauses):
        text = seg[1] if isinstance(seg, tuple) else seg.text
        continued = False  # the piece starts inside the last sentence of the text before it
        if offset:
            if not _STARTS_WITH_IDEOGRAPH(text):
                return None  # not a clean cut after normalisation (see the module docstring): score it whole
            if not tail.endswith(_SENTENCE_CUT_ENDS):
                if not (clauses and tail.endswith(",") and len(tail) > 1 and _WORD_CHAR(tail[-2])):
                    return None
                continued = True
        if pending:
            still = []
            for row, missing in pending:
                more = text[:missing]
                row["right"] += more
                if len(more) < missing:
                    still.append((row, missing - len(more)))
            pending = still
        if isinstance(seg, tuple):  # only white space: the first piece, if any (the others start with an ideograph)
            offset += len(text)
            tail = (tail + text)[-keep:]
            continue
        hits = matcher.match_spans(text, seg.starts, seg.ends)
        sentences = split_sentences(text)
        if continued and not sentences:
            return None  # cannot happen: the piece starts with an ideograph
        sent_starts = [a for a, _ in sentences]
        # the document's index of the piece's first sentence; with two or more pieces the document has a
        # sentence (each piece but the first starts with an ideograph), so every hit has an index, as whole
        first = tally.add_slice_sentences(len(sentences), continued)
        for h, statuses in zip(hits, matcher.statuses(text, hits)):
            sentence = first + max(0, bisect.bisect_right(sent_starts, h.start) - 1)
            entries = tally.add(h, statuses, sentence)
            if sink is None:  # no evidence wanted: the rows are not built
                continue
            for t, pol, status in entries:
                left_start = h.start - w
                left = (text[left_start:h.start] if left_start >= 0
                        else tail[max(0, len(tail) + left_start):] + text[:h.start])
                right = text[h.end:h.end + w]
                row = {"doc_id": doc.doc_id, "term": h.term, "category": t.category, "polarity": pol,
                       "weight": t.weight, "start": offset + h.start, "end": offset + h.end,
                       "left": left, "right": right, "status": status}
                if len(right) < w and h.end + w > len(text):
                    pending.append((row, w - len(right)))
                hit_rows.append(row)
            if batch is not None and len(hit_rows) - len(pending) >= batch:
                ready = len(hit_rows) - len(pending)
                sink.extend(hit_rows[:ready])
                del hit_rows[:ready]
        tally.n_chars += seg.n_chars
        tally.n_tokens += seg.n_tokens
        offset += len(text)
        tail = (tail + text[-keep:])[-keep:]
        del seg, hits, sentences, sent_starts
    if tally.n_chars == 0:  # cannot happen (a slice after a cut starts with an ideograph), but never divide by 0
        from .errors import EmptyDocumentError

        raise EmptyDocumentError("no text left after normalisation", source=doc.source, doc_id=doc.doc_id)
    if sink is not None:
        sink.extend(hit_rows)
    return tally.row()
