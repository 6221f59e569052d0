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

import bisect
import fnmatch
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

from .corpus import Corpus, Document, ErrorRecord
from .errors import EmptyDocumentError
from .lexicon import CLAUSE_BREAKS, Lexicon, Term, load_lexicon
from .tokenize import Tokenizer

if TYPE_CHECKING:  # pandas is imported when a table is built, not with policytext
    import pandas as pd

__all__ = ["Hit", "Matcher", "ScoreResult", "Scorer", "score_corpus", "score_texts", "split_sentences",
           "SHORT_TEXT", "STATUSES"]

_END = ""  # trie key marking the end of a term (no term contains the empty string)
EVIDENCE_WINDOW = 12
#: a document with fewer non-whitespace characters than this is flagged ``short``: its rates rest on few characters
SHORT_TEXT = 300
#: context rules look at most this many characters before and after a hit, even in a longer clause
MAX_CLAUSE = 200
#: the status of an evidence row
STATUSES = ("counted", "rejected", "vetoed")
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)\"']*|\n")
_CLAUSE_BREAK = re.compile("[" + re.escape(CLAUSE_BREAKS) + "]")
_WORD_CHAR = re.compile(r"[^\W_]")


def split_sentences(text: str) -> list[tuple[int, int]]:
    r"""``(start, end)`` of each sentence of ``text``: segments ending at 。！？； (full-width or ASCII, a run of
    them, with any closing quote or bracket that follows) or at a line break; segments without a letter, digit
    or ideograph are left out. Apply it to normalised text, where hard wraps are already joined.

    >>> t = "一是加强基层治理；二是推进精细化管理。他说：“不搞一刀切。”\n附件"
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['一是加强基层治理；', '二是推进精细化管理。', '他说：“不搞一刀切。”', '附件']
    """
    out, pos = [], 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if _WORD_CHAR.search(text[pos:m.start()]):
            seg_end = m.start() if m.group() == "\n" else end
            out.append((pos + _lead(text, pos, seg_end), seg_end))
        pos = end
    if _WORD_CHAR.search(text[pos:]):
        out.append((pos + _lead(text, pos, len(text)), len(text.rstrip())))
    return out


def _lead(text: str, start: int, end: int) -> int:
    """Leading whitespace of ``text[start:end]``."""
    seg = text[start:end]
    return len(seg) - len(seg.lstrip())


def _trie_regex(node: dict) -> str:
    """A regex matching exactly the strings of a character trie (``_END`` marks ends), e.g. 精细化(?:管理)?."""
    alternatives = [re.escape(ch) + _trie_regex(child) for ch, child in sorted(node.items()) if ch != _END]
    if not alternatives:
        return ""
    body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    return f"(?:{body})?" if _END in node else body


@dataclass(frozen=True)
class Hit:
    """One matched span: the text ``text[start:end]`` equals ``term``; ``terms`` are the lexicon entries."""

    term: str
    start: int
    end: int
    terms: tuple[Term, ...]


class Matcher:
    """Finds lexicon terms in tokenized text by the token-boundary, longest-match rule (module docstring)."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self._trie: dict = {}
        self._globs: list[tuple[re.Pattern, Term]] = []
        for t in lexicon.terms:
            if t.is_glob:
                self._globs.append((re.compile(fnmatch.translate(t.term)), t))
                continue
            node = self._trie
            for ch in t.term:
                node = node.setdefault(ch, {})
            node.setdefault(_END, []).append(t)
        # Candidate starts are found by one regex built from the terms (and the literal prefixes of the
        # globs), so that only positions where a term can start are examined. A glob without a literal
        # prefix (``*治理``) could match any token: then every token start is examined (_match_scan).
        prefixes = [re.split(r"[*?\[]", t.term, maxsplit=1)[0] for _, t in self._globs]
        self._scan_all = any(not p for p in prefixes)
        search_trie: dict = {}
        for s in [t.term for t in lexicon.terms if not t.is_glob] + prefixes:
            node = search_trie
            for ch in s:
                node = node.setdefault(ch, {})
            node[_END] = True
        self._search = re.compile(_trie_regex(search_trie)).search if search_trie else None
        self._rules = {t: r for t in lexicon.terms if any(r := lexicon.context_rules(t))}

    def statuses(self, text: str, hits: list[Hit]) -> list[tuple[str, ...]]:
        """For each hit, the status of each of its terms: ``counted``, ``rejected`` (a ``reject_context`` cue in
        its clause) or ``vetoed`` (an ``exclude_context`` cue, or no ``require_context`` cue). A veto wins over
        a rejection. See :mod:`policytext.lexicon` for the rules' scope."""
        if not self._rules or not hits:
            return [("counted",) * len(h.terms) for h in hits]
        breaks: list[int] | None = None
        out = []
        for h in hits:
            row = []
            for t in h.terms:
                rules = self._rules.get(t)
                if rules is None:
                    row.append("counted")
                    continue
                if breaks is None:
                    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(text)]
                i = bisect.bisect_left(breaks, h.start)
                c_start = max(breaks[i - 1] + 1 if i else 0, h.start - MAX_CLAUSE)
                j = bisect.bisect_left(breaks, h.end)
                c_end = min(breaks[j] if j < len(breaks) else len(text), h.end + MAX_CLAUSE)
                reject, exclude, require = rules
                if any(r.found(text, h.start, h.end, c_start, c_end) for r in exclude) or (
                        require and not any(r.found(text, h.start, h.end, c_start, c_end) for r in require)):
                    row.append("vetoed")
                elif any(r.found(text, h.start, h.end, c_start, c_end) for r in reject):
                    row.append("rejected")
                else:
                    row.append("counted")
            out.append(tuple(row))
        return out

    @staticmethod
    def _excluded(text: str, start: int, t: Term) -> bool:
        for phrase in t.exclusions:
            k = phrase.find(t.term)
            while k >= 0:
                if start - k >= 0 and text.startswith(phrase, start - k):
                    return True
                k = phrase.find(t.term, k + 1)
        return False

    def _choose(self, text: str, start: int, cands: list[tuple[int, int, list[Term]]]) -> Hit | None:
        """The longest candidate ``(end, fixed-first rank, terms)`` at ``start`` not excluded there, or None."""
        for end, _, terms in sorted(cands, key=lambda c: (c[0], c[1]), reverse=True):
            keep = tuple(t for t in terms if not (t.exclusions and self._excluded(text, start, t)))
            if keep:
                return Hit(text[start:end], start, end, keep)
        return None

    def match(self, text: str, tokens: list[tuple[str, int, int]]) -> list[Hit]:
        """Hits in ``text`` given its ``tokens`` (``(token, start, end)``, whitespace tokens left out)."""
        if self._scan_all:
            return self._match_scan(text, tokens)
        return self.match_spans(text, [s for _, s, _ in tokens], [e for _, _, e in tokens])

    def match_spans(self, text: str, starts, ends) -> list[Hit]:
        """Hits in ``text`` given the token offsets as two ascending sequences or int arrays.

        The same rule as :meth:`match`, but only where a term (or a glob's literal prefix) occurs in the
        text is anything examined: matching costs one regex scan plus work per occurrence, not per token.
        """
        import numpy as np

        starts = np.asarray(starts, dtype=np.int64)
        ends = np.asarray(ends, dtype=np.int64)
        if self._scan_all:
            s_list, e_list = starts.tolist(), ends.tolist()
            return self._match_scan(text, [(text[s:e], s, e) for s, e in zip(s_list, e_list)])
        hits: list[Hit] = []
        search = self._search
        n_text = len(text)
        if search is None or not len(starts):
            return hits
        flags = np.zeros(n_text + 1, dtype=np.uint8)
        flags[starts] |= 1
        flags[ends] |= 2
        flags = flags.tobytes()
        trie, globs = self._trie, self._globs
        pos = 0
        while True:
            m = search(text, pos)
            if m is None:
                break
            start = m.start()
            if not flags[start] & 1:
                pos = start + 1
                continue
            cands: list[tuple[int, int, list[Term]]] = []  # (end, fixed-first rank, terms)
            node, p = trie, start
            while p < n_text:
                node = node.get(text[p])
                if node is None:
                    break
                p += 1
                if _END in node and flags[p] & 2:
                    cands.append((p, 1, node[_END]))
            if globs:
                tok_end = int(ends[int(np.searchsorted(starts, start))])
                word = text[start:tok_end]
                for pattern, t in globs:
                    if pattern.match(word):
                        cands.append((tok_end, 0, [t]))
            chosen = self._choose(text, start, cands)
            if chosen is None:
                pos = start + 1
            else:
                hits.append(chosen)
                pos = chosen.end
        return hits

    def _match_scan(self, text: str, tokens: list[tuple[str, int, int]]) -> list[Hit]:
        """The rule applied at every token start (used when a glob has no literal prefix)."""
        end_index = {e: i for i, (_, _, e) in enumerate(tokens)}
        hits: list[Hit] = []
        trie, globs, n_text = self._trie, self._globs, len(text)
        i, n = 0, len(tokens)
        while i < n:
            word, start, tok_end = tokens[i]
            cands: list[tuple[int, int, list[Term]]] = []  # (end, fixed-first rank, terms)
            node, pos = trie, start
            while pos < n_text:
                node = node.get(text[pos])
                if node is None:
                    break
                pos += 1
                if _END in node and pos in end_index:
                    cands.append((pos, 1, node[_END]))
            for pattern, t in globs:
                if pattern.match(word):
                    cands.append((tok_end, 0, [t]))
            chosen = self._choose(text, start, cands)
            if chosen is None:
                i += 1
            else:
                hits.append(chosen)
                i = end_index[chosen.end] + 1
        return hits


@dataclass
class ScoreResult:
    """What :meth:`Scorer.score` returns: the score table, the evidence (one row per hit) and error records."""

    scores: pd.DataFrame
    hits: pd.DataFrame
    errors: list[ErrorRecord]

    @property
    def errors_frame(self) -> pd.DataFrame:
        return Corpus(errors=self.errors).errors_frame()


HIT_COLUMNS = ["doc_id", "term", "category", "polarity", "weight", "start", "end", "left", "right", "status"]


@dataclass
class ScoreRows:
    """The score table before it becomes a DataFrame: what ``score_documents(..., frames=False)`` returns, so
    that a run printing or writing CSV/TSV need not import pandas (about 0.2-0.3 s of start-up, most of what
    scoring one document costs). :meth:`frame` gives the table :attr:`ScoreResult.scores` holds;
    :meth:`to_text` the bytes :func:`policytext.io.table_to_text` writes for it (tested equal)."""

    columns: list[str]
    records: list[dict]
    errors: list[ErrorRecord]
    #: True when the documents carry metadata (columns whose types only pandas decides: :meth:`to_text` refuses)
    has_metadata: bool
    _scorer: "Scorer"
    _docs: list[Document]
    _rows: list[dict]

    def __len__(self) -> int:
        return len(self.records)

    def frame(self) -> pd.DataFrame:
        """The score table as :attr:`ScoreResult.scores` has it."""
        return self._scorer._frame(self._docs, self._rows)

    def to_text(self, fmt: str = "csv") -> str:
        """The table as CSV or TSV text, formulas neutralised, byte for byte what
        ``table_to_text(self.frame(), fmt)`` gives; only for tables without metadata columns."""
        if self.has_metadata or fmt not in ("csv", "tsv"):
            raise ValueError("to_text: only CSV/TSV of tables without metadata; use table_to_text(frame())")
        import csv
        import io

        from .io import FORMULA_START

        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n",
                            quoting=csv.QUOTE_MINIMAL, quotechar='"', doublequote=True)
        writer.writerow(self.columns)
        for rec in self.records:
            # ints, floats (repr, as pandas writes float64), booleans (True/False) and text (neutralised)
            writer.writerow(["'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v
                             for v in (rec[c] for c in self.columns)])
        return buf.getvalue()


class Scorer:
    """Scores documents against a lexicon: normalise, tokenize, match, count.

    ``lexicon`` defaults to the shipped fine-grained-governance lexicon, ``tokenizer`` to ``Tokenizer()``;
    ``t2s`` converts traditional characters to simplified before matching (on by default).
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

    def analyze(self, doc: Document, cache=None) -> tuple[dict, list[dict]]:
        """Score one document: ``(row, hit rows)``. Raises :class:`EmptyDocumentError` for text with no characters.

        ``cache`` (a :class:`policytext.cache.TokenCache`) supplies the normalised text and tokens when it
        has them and stores them when it does not; the result is the same either way.
        """
        from . import slicing
        from .cache import segment_text

        if len(doc.text) > slicing.SLICE_CHARS:  # a long text, slice by slice (issue 13.10)
            sliced = slicing.analyze_in_slices(self, doc, cache=cache)
            if sliced is not None:
                return sliced
        if cache is not None:
            seg = cache.segment(doc.text, self.tokenizer, t2s=self.t2s, source=doc.source, doc_id=doc.doc_id)
        else:
            seg = segment_text(doc.text, self.tokenizer, t2s=self.t2s, source=doc.source, doc_id=doc.doc_id)
        hits = self.matcher.match_spans(seg.text, seg.starts, seg.ends)
        return self._row(doc, seg.text, seg.n_chars, seg.n_tokens, hits)

    def _row(self, doc: Document, text: str, n_chars: int, n_tokens: int, hits: list[Hit]) -> tuple[dict, list[dict]]:
        lex = self.lexicon
        cats = lex.categories
        polarity = {c: lex.category(c).polarity for c in cats}
        contrast = [c for c in cats if polarity[c] == -1]
        counts = dict.fromkeys(cats, 0)
        rejected = dict.fromkeys(contrast, 0)
        n_vetoed = 0
        weighted = {1: 0.0, -1: 0.0}
        term_counts: Counter = Counter()
        hit_rows = []
        w = self.evidence_window
        sentences = split_sentences(text)
        sent_starts = [a for a, _ in sentences]
        sent_cats: dict[str, set[int]] = {c: set() for c in cats}
        n_counted = 0
        for h, statuses in zip(hits, self.matcher.statuses(text, hits)):
            if "counted" in statuses:
                term_counts[h.term] += 1
                n_counted += 1
            for t, status in zip(h.terms, statuses):
                pol = polarity[t.category]
                if status == "counted":
                    counts[t.category] += 1
                    weighted[pol] += t.weight
                    if sentences:
                        sent_cats[t.category].add(max(0, bisect.bisect_right(sent_starts, h.start) - 1))
                elif status == "rejected" and pol == -1:
                    rejected[t.category] += 1
                elif status == "vetoed":
                    n_vetoed += 1
                hit_rows.append({"doc_id": doc.doc_id, "term": h.term, "category": t.category, "polarity": pol,
                                 "weight": t.weight, "start": h.start, "end": h.end,
                                 "left": text[max(0, h.start - w):h.start], "right": text[h.end:h.end + w],
                                 "status": status})
        row: dict = {"n_chars": n_chars, "n_tokens": n_tokens}
        for c in cats:
            row[f"hits_{c}"] = counts[c]
        for c in cats:
            row[f"per10k_{c}"] = 10000.0 * counts[c] / n_chars
        for c in cats:
            row[f"per1ktok_{c}"] = 1000.0 * counts[c] / n_tokens if n_tokens else 0.0
        positive = [c for c in cats if polarity[c] == 1]
        row["hits_total"] = n_counted
        row["n_terms"] = len(term_counts)
        row["coverage"] = any(counts[c] for c in positive)
        row["index_positive"] = 10000.0 * weighted[1] / n_chars
        row["index_contrast"] = 10000.0 * weighted[-1] / n_chars
        row["index"] = row["index_positive"] - row["index_contrast"]
        for c in contrast:
            row[f"{c}_rejected"] = rejected[c]
        row["n_vetoed"] = n_vetoed
        n_sent = len(sentences)
        pos_sents = set().union(*(sent_cats[c] for c in positive)) if positive else set()
        row["n_sentences"] = n_sent
        row["sentences_positive"] = len(pos_sents)
        row["sentence_share"] = len(pos_sents) / n_sent if n_sent else 0.0
        for c in cats:
            row[f"sentence_share_{c}"] = len(sent_cats[c]) / n_sent if n_sent else 0.0
        row["short"] = n_chars < SHORT_TEXT
        ordered = sorted(term_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        row["top_terms"] = "; ".join(f"{t}×{n}" for t, n in ordered[:5])
        return row, hit_rows

    def iter_analyses(self, documents: Iterable[Document]) -> Iterator[tuple[Document, dict | None, list[dict], ErrorRecord | None]]:
        """Yield ``(document, row, hit rows, error)`` for each document, in order; ``row`` is None on error."""
        for doc in documents:
            try:
                row, hit_rows = self.analyze(doc)
            except EmptyDocumentError as exc:
                yield doc, None, [], ErrorRecord.from_error(exc)
            else:
                yield doc, row, hit_rows, None

    def score(self, corpus: Corpus | Iterable[Document], progress=None, *, jobs: int | None = 1, cache=None,
              **options) -> ScoreResult:
        """Score every document; see the module docstring for the columns.

        ``progress`` is None or a tqdm-like object (``update(n)``, ``total``). Errors from reading (the
        corpus's own ``errors``) and from scoring are returned together in input order of discovery.

        ``jobs`` worker processes share the work (None: every core); the result is the same, byte for byte,
        whatever their number, and corpora under 50 documents or 200,000 characters stay in this process
        (:mod:`policytext.parallel`). ``cache``, a :class:`policytext.cache.TokenCache` or a folder, keeps
        normalised texts and tokens for the next run; without it nothing is written. ``options`` go to
        :func:`policytext.parallel.iter_scored` (e.g. ``mp_context="spawn"``).
        """
        from .parallel import score_documents

        if not isinstance(corpus, Corpus) and progress is not None and hasattr(corpus, "__len__"):
            progress.total = len(corpus)
        return score_documents(corpus, self, jobs=jobs, cache=cache, progress=progress, **options)

    def empty_row(self) -> dict:
        return self._row(Document("", " "), "", 1, 0, [])[0]

    def _records(self, docs: list[Document], rows: list[dict]) -> tuple[list[str], list[dict], list[str], list[str]]:
        """(columns, one dict per document, metadata keys, score columns) of the score table."""
        score_cols = list(self.empty_row())
        meta_keys: list[str] = []
        for d in docs:
            for k in d.meta:
                if k not in meta_keys:
                    meta_keys.append(k)
        reserved = {"doc_id", *score_cols}
        renamed = {k: (f"meta_{k}" if k in reserved else k) for k in meta_keys}
        records = []
        for d, r in zip(docs, rows):
            rec = {"doc_id": d.doc_id}
            for k in meta_keys:
                rec[renamed[k]] = d.meta.get(k)
            rec.update(r)
            records.append(rec)
        columns = ["doc_id", *renamed.values(), *score_cols]
        return columns, records, meta_keys, score_cols

    def _frame(self, docs: list[Document], rows: list[dict]) -> pd.DataFrame:
        import pandas as pd

        columns, records, _, score_cols = self._records(docs, rows)
        df = pd.DataFrame.from_records(records, columns=columns)
        int_cols = ["n_chars", "n_tokens", "n_terms", "n_sentences", "sentences_positive",
                    *[c for c in score_cols if c.startswith("hits_") or c.endswith("_rejected")]]
        df[int_cols] = df[int_cols].astype("int64")
        df["coverage"] = df["coverage"].astype(bool)
        df["short"] = df["short"].astype(bool)
        return df


def score_corpus(corpus: Corpus | Iterable[Document], lexicon: Lexicon | None = None, *,
                 tokenizer: Tokenizer | None = None, t2s: bool = True, progress=None) -> pd.DataFrame:
    """Score every document of ``corpus`` against ``lexicon`` (default: fine-grained governance).

    Returns one row per scored document (columns in :mod:`policytext.scoring`). Documents that cannot be
    scored are listed by :meth:`Scorer.score`, which also returns the evidence; use it when you need either.
    """
    return Scorer(lexicon, tokenizer, t2s=t2s).score(corpus, progress=progress).scores


def score_texts(texts: Iterable[str] | dict[str, str], lexicon: Lexicon | None = None, *,
                tokenizer: Tokenizer | None = None, t2s: bool = True) -> pd.DataFrame:
    """Score plain strings (ids ``doc1``, ``doc2`` ... or the keys of a mapping); a convenience for notebooks."""
    return score_corpus(Corpus.from_texts(texts), lexicon, tokenizer=tokenizer, t2s=t2s)


def hidden_occurrences(text: str, tokens: list[tuple[str, int, int]], hits: list[Hit],
                       terms: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Occurrences of ``terms`` in ``text`` that are not hits, as ``(term, covering text)``.

    The covering text runs from the start of the token holding the occurrence's first character to the end of
    the token holding its last: the compound that hid the term (共享 inside 数据共享). Occurrences inside a
    longer hit (共治 inside 共建共治共享) are not reported: that is the longest-match rule, not a miss.

    >>> toks = [("推进", 0, 2), ("数据共享", 2, 6)]
    >>> list(hidden_occurrences("推进数据共享", toks, [], ["共享"]))
    [('共享', '数据共享')]
    """
    covered = bytearray(len(text))
    for h in hits:
        covered[h.start:h.end] = b"\x01" * (h.end - h.start)
    tok_at = [0] * len(text)
    for i, (_, s, e) in enumerate(tokens):
        for p in range(s, e):
            tok_at[p] = i
    for term in terms:
        k = text.find(term)
        while k >= 0:
            end = k + len(term)
            if not covered[k]:
                first, last = tokens[tok_at[k]], tokens[tok_at[end - 1]]
                yield term, text[first[1]:last[2]]
            k = text.find(term, k + 1)
