"""Matching lexicon terms in tokenized text: the token-boundary, longest-match rule and the context rules.

The rule is stated in :mod:`policytext.scoring` (which counts what is matched here). This module sits below
both :mod:`policytext.lexicon` (whose diagnostics look for terms hidden inside longer tokens) and
:mod:`policytext.scoring`, and imports neither: a lexicon is used only through its ``terms`` and
``context_rules``.
"""

from __future__ import annotations

import bisect
import fnmatch
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    from .lexicon import Lexicon, Term

__all__ = ["CLAUSE_BREAKS", "Hit", "MAX_CLAUSE", "Matcher", "SHORT_TEXT", "STATUSES", "hidden_occurrences",
           "split_sentences"]

_END = ""  # trie key marking the end of a term (no term contains the empty string)
#: characters ending a clause (after NFKC, full-width punctuation is ASCII): context rules look inside it
CLAUSE_BREAKS = "，,；;。！？!?：:\n"
#: context rules look at most this many characters before and after a hit, even in a longer clause
MAX_CLAUSE = 200
#: the status of an evidence row
STATUSES = ("counted", "rejected", "vetoed")
_CLAUSE_BREAK = re.compile("[" + re.escape(CLAUSE_BREAKS) + "]")


#: a document with fewer non-whitespace characters than this is flagged ``short``: its rates rest on few characters
SHORT_TEXT = 300
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)\"']*|\n")
_WORD_CHAR = re.compile(r"[^\W_]")
_NON_SPACE = re.compile(r"\S")  # \s is str.isspace, as str.lstrip uses


def split_sentences(text: str) -> list[tuple[int, int]]:
    r"""``(start, end)`` of each sentence of ``text``: segments ending at 。！？； (full-width or ASCII, a run of
    them, with any closing quote or bracket that follows) or at a line break; segments without a letter, digit
    or ideograph are left out; a sentence starts at its first character that is not whitespace. Apply it to
    normalised text, where hard wraps are already joined.

    >>> t = "一是加强基层治理；二是推进精细化管理。他说：“不搞一刀切。”\n附件"
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['一是加强基层治理；', '二是推进精细化管理。', '他说：“不搞一刀切。”', '附件']
    """
    # searched within bounds (pos, endpos), never on slices: no copy of the text per sentence
    out, pos = [], 0
    word, non_space = _WORD_CHAR.search, _NON_SPACE.search
    for m in _SENTENCE_END.finditer(text):
        start, end = m.span()
        if word(text, pos, start):
            out.append((non_space(text, pos, start).start(), start if m.group() == "\n" else end))
        pos = end
    if word(text, pos):
        out.append((non_space(text, pos).start(), len(text.rstrip())))
    return out

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

    def _fixed(self, text: str, start: int, ends_token) -> list[tuple[int, int, list[Term]]]:
        """Candidates ``(end, 1, terms)`` of the fixed terms starting at ``start`` and ending where
        ``ends_token(end)`` says a token ends (the rank 1 puts a fixed term before a glob of the same length)."""
        cands: list[tuple[int, int, list[Term]]] = []
        node, p, n_text = self._trie, start, len(text)
        while p < n_text:
            node = node.get(text[p])
            if node is None:
                break
            p += 1
            if _END in node and ends_token(p):
                cands.append((p, 1, node[_END]))
        return cands

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
        globs = self._globs
        ends_token = flags.__getitem__  # bit 2: a token ends here (tested as flags[p] & 2 below)
        pos = 0
        while True:
            m = search(text, pos)
            if m is None:
                break
            start = m.start()
            if not flags[start] & 1:
                pos = start + 1
                continue
            cands = self._fixed(text, start, lambda p: ends_token(p) & 2)
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
        globs = self._globs
        i, n = 0, len(tokens)
        while i < n:
            word, start, tok_end = tokens[i]
            cands = self._fixed(text, start, end_index.__contains__)
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

