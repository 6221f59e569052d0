"""Matching lexicon terms in tokenized text: the token-boundary, longest-match rule and the context rules.

The rule is stated in :mod:`policytext.scoring` (which counts what is matched here). This module sits below
both :mod:`policytext.lexicon` (whose diagnostics look for terms hidden inside longer tokens) and
:mod:`policytext.scoring`, and imports neither: a lexicon is used only through its ``terms`` and
``context_rules``.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

from .tokenize import sentence_starts  # (re-exported: the score rows' sentences, with arrays)

if TYPE_CHECKING:
    from .lexicon import Lexicon, Term

__all__ = ["CLAUSE_BREAKS", "Hit", "MAX_CLAUSE", "Matcher", "SHORT_TEXT", "STATUSES", "hidden_occurrences",
           "sentence_starts", "split_sentences"]

_END = ""  # trie key marking the end of a term (no term contains the empty string)
#: characters ending a clause (after NFKC, full-width punctuation is ASCII): context rules look inside it
CLAUSE_BREAKS = "，,；;。！？!?：:\n"
#: context rules look at most this many characters before and after a hit, even in a longer clause
MAX_CLAUSE = 200
#: the status of an evidence row
STATUSES = ("counted", "rejected", "vetoed")
_CLAUSE_BREAK = re.compile("[" + re.escape(CLAUSE_BREAKS) + "]")
_LAST_CLAUSE_BREAK = re.compile("(?s:.*)[" + re.escape(CLAUSE_BREAKS) + "]")  # matched: ends after the last one


#: the largest table of first and second characters :meth:`Matcher._candidates` builds (else a sorted array)
_PAIR_TABLE_CELLS = 1 << 22

#: a document with fewer non-whitespace characters than this is flagged ``short``: its rates rest on few characters
SHORT_TEXT = 300
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)\"']*|\n")
_WORD_CHAR = re.compile(r"[^\W_]")
_NON_SPACE = re.compile(r"\S")  # \s is str.isspace, as str.lstrip uses


def _finds(text: str, sub: str) -> list[int]:
    """Every offset of ``sub`` in ``text``, overlapping ones included."""
    out, k = [], text.find(sub)
    while k >= 0:
        out.append(k)
        k = text.find(sub, k + 1)
    return out


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
        # Candidate starts are the token starts whose first character begins a one-character term (or a glob's
        # literal prefix), or whose first two characters begin a longer one (_candidates): only where a term
        # can start is the trie walked. A glob without a literal prefix (``*治理``) could match any token:
        # then every token start is examined (_match_scan).
        prefixes = [re.split(r"[*?\[]", t.term, maxsplit=1)[0] for _, t in self._globs]
        self._scan_all = any(not p for p in prefixes)
        self._keys = [t.term for t in lexicon.terms if not t.is_glob] + [p for p in prefixes if p]
        search_trie: dict = {}
        for key in self._keys:
            node = search_trie
            for ch in key:
                node = node.setdefault(ch, {})
            node[_END] = True
        # whether a term or prefix occurs at a position (one regex, before the trie walk in Python)
        self._occurs = re.compile(_trie_regex(search_trie)).match if search_trie else None
        # a term's exclusions as {(where the term sits in a phrase, its length): the phrases}
        self._exclusions: dict[Term, list[tuple[int, int, frozenset[str]]]] = {}
        for t in lexicon.terms:
            if t.exclusions:
                groups: dict[tuple[int, int], set[str]] = {}
                for phrase in t.exclusions:
                    for k in _finds(phrase, t.term):
                        groups.setdefault((k, len(phrase)), set()).add(phrase)
                self._exclusions[t] = [(k, n, frozenset(g)) for (k, n), g in groups.items()]
        self._tables = None  # built on first use (numpy)
        self._rules = {t: r for t in lexicon.terms if any(r := lexicon.context_rules(t))}

    def statuses(self, text: str, hits: list[Hit]) -> list[tuple[str, ...]]:
        """For each hit, the status of each of its terms: ``counted``, ``rejected`` (a ``reject_context`` cue in
        its clause) or ``vetoed`` (an ``exclude_context`` cue, or no ``require_context`` cue). A veto wins over
        a rejection. See :mod:`policytext.lexicon` for the rules' scope."""
        if not self._rules or not hits:
            return [("counted",) * len(h.terms) for h in hits]
        out = []
        n_text = len(text)
        for h in hits:
            row = []
            for t in h.terms:
                rules = self._rules.get(t)
                if rules is None:
                    row.append("counted")
                    continue
                # the clause: from after the last break before the hit to the first break from its end, at
                # most MAX_CLAUSE characters either side (only those are searched for the breaks)
                before = _LAST_CLAUSE_BREAK.match(text, max(0, h.start - MAX_CLAUSE - 1), h.start)
                c_start = max(before.end() if before else 0, h.start - MAX_CLAUSE)
                after = _CLAUSE_BREAK.search(text, h.end, h.end + MAX_CLAUSE)
                c_end = after.start() if after else min(n_text, h.end + MAX_CLAUSE)
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

    def _excluded(self, text: str, start: int, t: Term) -> bool:
        """Whether the occurrence of ``t`` at ``start`` lies inside one of its exclusion phrases."""
        for k, n, phrases in self._exclusions[t]:
            if start >= k and text[start - k:start - k + n] in phrases:
                return True
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

    def match_spans(self, text: str, starts, ends, points=None) -> list[Hit]:
        """Hits in ``text`` given the token offsets as two ascending sequences or int arrays.

        The same rule as :meth:`match`, but only at the token starts where a term (or a glob's literal prefix)
        may begin is anything examined: arrays pick the token starts whose first character, or first two
        characters, begin a term (:meth:`_candidates`), and Python walks the terms only there. ``points``:
        ``text`` as UTF-32 code points (a ``numpy.uint32`` array), if already at hand.
        """
        import numpy as np

        starts = np.asarray(starts, dtype=np.int64)
        ends = np.asarray(ends, dtype=np.int64)
        if self._scan_all:
            s_list, e_list = starts.tolist(), ends.tolist()
            return self._match_scan(text, [(text[s:e], s, e) for s, e in zip(s_list, e_list)])
        hits: list[Hit] = []
        n_text = len(text)
        if not self._keys or not len(starts):
            return hits
        candidates = self._candidates(text, starts, points)
        if not candidates:
            return hits
        flags = np.zeros(n_text + 1, dtype=bool)
        flags[ends] = True  # a token ends here
        flags = flags.tobytes()
        globs = self._globs
        ends_token = flags.__getitem__
        pos = 0
        occurs = self._occurs
        for start in candidates:
            if start < pos or not occurs(text, start):  # inside the last hit, or no term there
                continue
            cands = self._fixed(text, start, ends_token)
            if globs:
                tok_end = int(ends[int(np.searchsorted(starts, start))])
                word = text[start:tok_end]
                for pattern, t in globs:
                    if pattern.match(word):
                        cands.append((tok_end, 0, [t]))
            if cands:
                chosen = self._choose(text, start, cands)
                if chosen is not None:
                    hits.append(chosen)
                    pos = chosen.end
        return hits

    def _candidates(self, text: str, starts, points=None) -> list[int]:
        """The token starts, ascending, at which a term or a glob's literal prefix may occur: those whose
        character begins a one-character one, or whose first two characters begin a longer one. Every start
        where one occurs is among them (the test is on a prefix of it), so examining these alone finds every
        hit."""
        import numpy as np

        if self._tables is None:
            self._tables = self._candidate_tables()
        table, first_id, second_id, pair_ok, pairs = self._tables
        if points is None:
            points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        n = len(points)
        if starts[-1] >= n:
            starts = starts[starts < n]  # (an empty token at the end of the text starts nothing)
        first = np.minimum(points[starts], 0xFFFF)  # characters above U+FFFF share the last entry
        kind = table[first]
        two = np.flatnonzero(kind == 2)  # (an exact pair test below; kind 3: a one-character key anyway)
        if len(two):
            at = starts[two] + 1
            second = np.minimum(points[np.minimum(at, n - 1)], 0xFFFF)
            if pair_ok is not None:  # the first two characters' places in a table of the pairs
                found = pair_ok[first_id[first[two]], second_id[second]]
            else:  # (too many distinct characters for that table)
                pair = (first[two].astype(np.uint64) << np.uint64(32)) | second
                found = pairs[np.minimum(np.searchsorted(pairs, pair), len(pairs) - 1)] == pair
            kind[two[~(found & (at < n))]] = 0
        return starts[kind != 0].tolist()

    def _candidate_tables(self) -> tuple:
        """What :meth:`_candidates` looks up, built on first use: the kind of each character of the Basic
        Multilingual Plane (1: a one-character key is it, 2: a longer key begins with it; characters above
        U+FFFF share the last entry), and the pairs that begin a longer key: as a boolean table indexed by the
        places of their first and of their second character among those that occur there (``first_id``,
        ``second_id``: 0 for none), or, when that table would be large, as a sorted array of
        ``first << 32 | second``."""
        import numpy as np

        table = np.zeros(0x10000, dtype=np.uint8)
        for key in self._keys:
            table[min(ord(key[0]), 0xFFFF)] |= 1 if len(key) == 1 else 2
        heads = {(min(ord(k[0]), 0xFFFF), min(ord(k[1]), 0xFFFF)) for k in self._keys if len(k) > 1}
        pairs = np.array(sorted((a << 32) | b for a, b in heads) or [0], dtype=np.uint64)
        firsts, seconds = sorted({a for a, _ in heads}), sorted({b for _, b in heads})
        if (len(firsts) + 1) * (len(seconds) + 1) > _PAIR_TABLE_CELLS:
            return table, None, None, None, pairs
        first_id = np.zeros(0x10000, dtype=np.int32)
        second_id = np.zeros(0x10000, dtype=np.int32)
        first_id[firsts] = np.arange(1, len(firsts) + 1)
        second_id[seconds] = np.arange(1, len(seconds) + 1)
        pair_ok = np.zeros((len(firsts) + 1, len(seconds) + 1), dtype=bool)
        for a, b in heads:
            pair_ok[first_id[a], second_id[b]] = True
        return table, first_id, second_id, pair_ok, pairs

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

