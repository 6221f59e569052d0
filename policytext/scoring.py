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

import fnmatch
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

from .corpus import Corpus, Document, ErrorRecord
from .errors import EmptyDocumentError
from .lexicon import Lexicon, Term, load_lexicon
from .normalize import normalize_text
from .tokenize import Tokenizer, is_word_token

if TYPE_CHECKING:  # pandas is imported when a table is built, not with policytext
    import pandas as pd

__all__ = ["Hit", "Matcher", "ScoreResult", "Scorer", "score_corpus", "score_texts"]

_END = ""  # trie key marking the end of a term (no term contains the empty string)
EVIDENCE_WINDOW = 12


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

    @staticmethod
    def _excluded(text: str, start: int, t: Term) -> bool:
        for phrase in t.exclusions:
            k = phrase.find(t.term)
            while k >= 0:
                if start - k >= 0 and text.startswith(phrase, start - k):
                    return True
                k = phrase.find(t.term, k + 1)
        return False

    def match(self, text: str, tokens: list[tuple[str, int, int]]) -> list[Hit]:
        """Hits in ``text`` given its ``tokens`` (``(token, start, end)``, whitespace tokens left out)."""
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
            chosen = None
            for end, _, terms in sorted(cands, key=lambda c: (c[0], c[1]), reverse=True):
                keep = tuple(t for t in terms if not (t.exclusions and self._excluded(text, start, t)))
                if keep:
                    chosen = Hit(text[start:end], start, end, keep)
                    break
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


HIT_COLUMNS = ["doc_id", "term", "category", "polarity", "weight", "start", "end", "left", "right"]


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

    def analyze(self, doc: Document) -> tuple[dict, list[dict]]:
        """Score one document: ``(row, hit rows)``. Raises :class:`EmptyDocumentError` for text with no characters."""
        text = normalize_text(doc.text, t2s=self.t2s)
        n_chars = sum(1 for ch in text if not ch.isspace())
        if n_chars == 0:
            raise EmptyDocumentError("no text left after normalisation", source=doc.source, doc_id=doc.doc_id)
        tokens = self.tokenizer.tokenize(text)
        n_tokens = sum(1 for w, _, _ in tokens if is_word_token(w))
        hits = self.matcher.match(text, tokens)
        return self._row(doc, text, n_chars, n_tokens, hits)

    def _row(self, doc: Document, text: str, n_chars: int, n_tokens: int, hits: list[Hit]) -> tuple[dict, list[dict]]:
        lex = self.lexicon
        cats = lex.categories
        counts = dict.fromkeys(cats, 0)
        weighted = {1: 0.0, -1: 0.0}
        term_counts: Counter = Counter()
        hit_rows = []
        w = self.evidence_window
        for h in hits:
            term_counts[h.term] += 1
            for t in h.terms:
                c = lex.category(t.category)
                counts[t.category] += 1
                weighted[c.polarity] += t.weight
                hit_rows.append({"doc_id": doc.doc_id, "term": h.term, "category": t.category, "polarity": c.polarity,
                                 "weight": t.weight, "start": h.start, "end": h.end,
                                 "left": text[max(0, h.start - w):h.start], "right": text[h.end:h.end + w]})
        row: dict = {"n_chars": n_chars, "n_tokens": n_tokens}
        for c in cats:
            row[f"hits_{c}"] = counts[c]
        for c in cats:
            row[f"per10k_{c}"] = 10000.0 * counts[c] / n_chars
        for c in cats:
            row[f"per1ktok_{c}"] = 1000.0 * counts[c] / n_tokens if n_tokens else 0.0
        positive = [c for c in cats if lex.category(c).polarity == 1]
        row["hits_total"] = len(hits)
        row["n_terms"] = len(term_counts)
        row["coverage"] = any(counts[c] for c in positive)
        row["index_positive"] = 10000.0 * weighted[1] / n_chars
        row["index_contrast"] = 10000.0 * weighted[-1] / n_chars
        row["index"] = row["index_positive"] - row["index_contrast"]
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

    def score(self, corpus: Corpus | Iterable[Document], progress=None) -> ScoreResult:
        """Score every document; see the module docstring for the columns.

        ``progress`` is None or a tqdm-like object (``update(n)``, ``total``). Errors from reading (the
        corpus's own ``errors``) and from scoring are returned together in input order of discovery.
        """
        import pandas as pd

        docs = corpus.documents if isinstance(corpus, Corpus) else list(corpus)
        errors = list(corpus.errors) if isinstance(corpus, Corpus) else []
        if progress is not None:
            progress.total = len(docs)
        rows, metas, all_hits = [], [], []
        for doc, row, hit_rows, err in self.iter_analyses(docs):
            if err is not None:
                errors.append(err)
            else:
                rows.append(row)
                metas.append(doc)
                all_hits.extend(hit_rows)
            if progress is not None:
                progress.update(1)
        return ScoreResult(self._frame(metas, rows), pd.DataFrame(all_hits, columns=HIT_COLUMNS), errors)

    def empty_row(self) -> dict:
        return self._row(Document("", " "), "", 1, 0, [])[0]

    def _frame(self, docs: list[Document], rows: list[dict]) -> pd.DataFrame:
        import pandas as pd

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
        df = pd.DataFrame.from_records(records, columns=columns)
        int_cols = ["n_chars", "n_tokens", "n_terms", *[c for c in score_cols if c.startswith("hits_")]]
        df[int_cols] = df[int_cols].astype("int64")
        df["coverage"] = df["coverage"].astype(bool)
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
