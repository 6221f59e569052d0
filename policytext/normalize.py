"""Text normalisation applied before tokenising and matching.

Steps, in order (each documented in ``docs/semantics.md``):

1. line endings ``\\r\\n`` and ``\\r`` become ``\\n``;
2. Unicode NFKC: full-width digits, letters and ASCII punctuation become their ordinary forms
   (``２０２５`` -> ``2025``, ``，`` -> ``,``); CJK punctuation such as ``。`` and ``、`` is kept;
3. zero-width and invisible characters are removed (U+200B-U+200D, U+2060, U+FEFF, U+00AD);
4. traditional -> simplified characters with OpenCC ``t2s`` (on by default, ``t2s=False`` turns it off);
5. hard-wrapped lines are joined: a single line break between two CJK characters is removed, because a
   sentence never ends on a bare ideograph (it ends on ``。！？；：`` or a closing mark). A break is kept
   when the next line opens a heading (``一、``, ``（二）``, ``第三条``, ``1.``), and blank lines are always kept.

All offsets that policytext reports (hits, keyword in context) refer to the normalised text.

A text longer than :data:`SLICE_CHARS` characters is normalised in slices (:func:`normalization_slices`), each
cut before an ideograph that follows ``。``, ``。\\n`` or ``\\n\\n`` or, where a slice has no such point, one of
``，；！？`` (full-width or ASCII) after an ideograph, and the results are joined: the same string, with the copies
each step makes taken of one slice at a time (issue 13.10; :func:`normalization_slices` says why).

>>> normalize_text("推进精细\\n化管理，实现无缝\\u200b对接")
'推进精细化管理,实现无缝对接'
>>> normalize_text("無縫對接")
'无缝对接'
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

__all__ = ["SLICE_CHARS", "is_cjk", "join_hard_wraps", "nfkc", "normalization_slices", "normalize_text",
           "normalized_slices", "to_simplified"]

_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS), None)


def _has_invisible(text: str) -> bool:
    """Whether ``text`` holds one of the invisible characters (translate() is slow: it runs only then); seven
    ``in`` tests, each a fast search in C, take a quarter of the time of one regex search for the class."""
    return any(ch in text for ch in _INVISIBLE_CHARS)


# CJK unified ideographs (basic, extension A, compatibility) and the iteration mark 〇.
_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HEADING = (
    r"(?:第[一二三四五六七八九十百千零〇两\d]+[章节条款部分篇]"
    r"|[一二三四五六七八九十]+、"
    r"|[(（][一二三四五六七八九十\d]+[)）]"
    r"|\d+[.、．])"
)
# Patterns compiled when first used (:func:`_pattern`; ``normalize._WRAP`` etc. from outside, by the module's
# ``__getattr__``): compiling them all at import took 9 ms of every command's start-up.
_PATTERNS = {
    # the rule: a line break with only spaces around it, between two CJK characters, not before a heading
    "_WRAP": rf"(?<=[{_CJK}])[ \t\u3000]*\n[ \t\u3000]*(?=[{_CJK}])(?!{_HEADING})",
    # the same, found from the line break (a pattern that starts with a look-behind is tried at every character)
    "_WRAP_FROM_BREAK": rf"\n[ \t\u3000]*(?=[{_CJK}])(?!{_HEADING})",
    "_CJK_CHAR": f"[{_CJK}]",
}


@functools.lru_cache(maxsize=None)
def _pattern(name: str) -> re.Pattern:
    """The compiled pattern ``name`` of :data:`_PATTERNS`."""
    return re.compile(_PATTERNS[name])


def __getattr__(name: str):
    if name in _PATTERNS:
        return _pattern(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph.

    >>> is_cjk("治"), is_cjk("a"), is_cjk("。")
    (True, False, False)
    """
    return bool(_pattern("_CJK_CHAR").fullmatch(ch))


def join_hard_wraps(text: str) -> str:
    """Remove line breaks that split a sentence between two CJK characters.

    >>> join_hard_wraps("全面推进网格\\n化管理。\\n一、总体要求\\n二、主要任务")
    '全面推进网格化管理。\\n一、总体要求\\n二、主要任务'
    """
    if "\n" not in text:
        return text
    # _WRAP.sub("", text), six times as fast: find each break with spaces after it and a CJK character
    # next, then walk back over the spaces before it and check for a CJK character there
    out, done, cjk = [], 0, _pattern("_CJK_CHAR").match
    for m in _pattern("_WRAP_FROM_BREAK").finditer(text):
        start = m.start()
        while start and text[start - 1] in " \t\u3000":
            start -= 1
        if start and cjk(text, start - 1):
            out.append(text[done:start])
            done = m.end()
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


_local = threading.local()

# Characters NFKC leaves alone whatever surrounds them: unchanged on their own, no decomposition, combining
# class 0 (ASCII, CJK ideographs, most CJK and general punctuation). Only the runs between them need NFKC.
_STABLE_RANGES = ((0x20, 0x7E), (0x2010, 0x206F), (0x3001, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF))


@functools.lru_cache(maxsize=1)
def _stable_points() -> tuple[int, ...]:
    """The code points of :data:`_STABLE_RANGES` that NFKC leaves alone whatever surrounds them."""
    return tuple(c for lo, hi in _STABLE_RANGES for c in range(lo, hi + 1)
                 if unicodedata.normalize("NFKC", chr(c)) == chr(c) and not unicodedata.combining(chr(c))
                 and not unicodedata.decomposition(chr(c)))


@functools.lru_cache(maxsize=1)
def _unstable_runs() -> re.Pattern:
    stable = _stable_points()
    ranges, i = [], 0
    while i < len(stable):
        j = i
        while j + 1 < len(stable) and stable[j + 1] == stable[j] + 1:
            j += 1
        a, b = re.escape(chr(stable[i])), re.escape(chr(stable[j]))
        ranges.append(a if i == j else f"{a}-{b}")
        i = j + 1
    return re.compile(f"([^\n\t{''.join(ranges)}]+)")


@functools.lru_cache(maxsize=1)
def _unstable_table():
    """:func:`_unstable_runs`' character class as a bool array over every code point: True for a character that
    pattern's runs hold (U+FFFF is one, and so is every character above it, and a surrogate)."""
    import numpy as np

    table = np.ones(0x110000, dtype=bool)
    table[list(_stable_points())] = False
    table[[ord("\n"), ord("\t")]] = False
    return table


# full-width ASCII (U+FF01-U+FF5E, NFKC: minus 0xFEE0) and the ideographic space (NFKC: a space): most of what
# NFKC changes in Chinese text
_HAS_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]").search
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _fold_fullwidth(text: str) -> str:
    """Replace full-width ASCII and U+3000 with their NFKC forms (numpy on long texts: 10x faster than
    ``str.translate``)."""
    if len(text) < 512:
        return text.translate(_FULLWIDTH)
    return _fold_fullwidth_points(text)[0]


def _fold_fullwidth_points(text: str):
    """:func:`_fold_fullwidth` with numpy, whatever the length: the new text and its code points (uint32)."""
    import codecs

    import numpy as np

    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    fullwidth = (points - np.uint32(0xFF01)) < np.uint32(0x5E)  # U+FF01-U+FF5E (below wraps round)
    np.subtract(points, np.uint32(0xFEE0), out=points, where=fullwidth)
    np.copyto(points, np.uint32(0x20), where=points == 0x3000)
    return codecs.utf_32_le_decode(points, "surrogatepass", True)[0], points  # (decoded without a copy)


#: texts shorter than this are given to unicodedata as they are
_SHORT = 64


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, three times as fast on Chinese text, and identical
    (tests/test_normalize.py checks it). A text under :data:`_SHORT` characters goes to unicodedata as it is;
    a longer one:

    1. full-width ASCII and U+3000 are replaced by their NFKC forms. NFKC of the new text equals NFKC of the
       old, since each character was replaced by a compatibility-equivalent string;
    2. only the runs of characters that NFKC may change (with the character before each) are normalised.
       Between two stable characters no composition or reordering can happen. A text of 512 characters or
       more finds its runs with numpy (:func:`_unstable_table`, on the code points the folding made when it
       was done with numpy) instead of a regex split: half the time, the same runs.

    >>> nfkc("２０２５年，第（一）条") == unicodedata.normalize("NFKC", "２０２５年，第（一）条")
    True
    """
    if len(text) < _SHORT:  # (a lexicon's terms and cues: the tables below cost 20 ms to build)
        return unicodedata.normalize("NFKC", text)
    points = None
    if not text.isascii() and _HAS_FULLWIDTH(text):
        if len(text) < 512:
            text = text.translate(_FULLWIDTH)
        else:
            text, points = _fold_fullwidth_points(text)
    if len(text) < 512:
        pieces = _unstable_runs().split(text)  # stable, run, stable, run, ..., stable
        if len(pieces) == 1:
            return text
    else:
        import numpy as np

        if points is None:
            points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        unstable = _unstable_table()[points]
        # where a run starts or ends: the characters that differ from the one before, and the text's ends
        edges = (np.flatnonzero(unstable[1:] != unstable[:-1]) + 1).tolist()
        if unstable[0]:
            edges.insert(0, 0)
        if unstable[-1]:
            edges.append(len(unstable))
        if not edges:
            return text
        starts, ends = edges[0::2], edges[1::2]  # the runs: text[starts[k]:ends[k]]
        pieces = [text[:starts[0]]]
        for k, a in enumerate(starts):
            pieces += (text[a:ends[k]], text[ends[k]:starts[k + 1]] if k + 1 < len(starts) else text[ends[k]:])
    out = [pieces[0]]
    for i in range(1, len(pieces), 2):
        before = out[-1]
        if before:  # a run is normalised with the character before it: a combining mark composes with its base
            out[-1] = before[:-1]
            out.append(unicodedata.normalize("NFKC", before[-1] + pieces[i]))
        else:
            out.append(unicodedata.normalize("NFKC", pieces[i]))
        out.append(pieces[i + 1])
    return "".join(out)


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified ones with OpenCC's ``t2s`` table.

    A text in which no key of the t2s dictionaries that OpenCC would replace by something else occurs is
    returned as it is, without calling OpenCC (:func:`_t2s_may_change`): the same string.

    >>> to_simplified("績效評估與社區自治")
    '绩效评估与社区自治'
    """
    conv = getattr(_local, "t2s", None)
    if conv is None:
        import opencc

        conv = _local.t2s = opencc.OpenCC("t2s")
        _local.t2s_changes = _t2s_changes(getattr(conv, "config", ""))
    changes = _local.t2s_changes
    if changes is not None and len(text) >= 256 and not _t2s_may_change(text, changes):
        return text
    return conv.convert(text)


#: what the installed t2s dictionaries change (``tests/test_normalize.py`` derives it from them and checks it)
_T2S_TABLE = "data/opencc_t2s_changes.json"


@functools.lru_cache(maxsize=4)
def _t2s_changes(config: str):
    """``(table, phrases)`` for :func:`_t2s_may_change` when OpenCC's configuration file ``config`` and the
    dictionaries it names are, byte for byte (sha256), those ``policytext/data/opencc_t2s_changes.json`` was
    derived from, under the same OpenCC version; None otherwise (every text then goes to OpenCC).

    OpenCC (t2s: a normalisation stage, then one conversion stage, each a maximum-match segmentation and a
    dictionary replacement) changes a text only by replacing an occurrence of a key of one of its dictionaries
    with that entry's default value, its first. The file lists every key whose default differs from it: the
    ``characters`` and the longer ``phrases`` (key -> default). When none of them occurs in a text, each
    replacement OpenCC makes puts back the same characters, so the text comes back unchanged.

    ``table``: a uint8 per code point: 1 for a changing character, and for what is left to OpenCC whatever
    the dictionaries say (surrogates, which its UTF-8 encoding refuses; NUL; the ideographic description
    characters U+2FF0-U+2FFF, which its segmentation treats specially); 2 for the witness of a changing phrase
    holding no changing character (a character of the phrase that differs from its default: the phrase can
    occur only where it does); ``phrases``: witness -> those phrases, each with the witness's offset in it.
    """
    import hashlib
    import json
    import os
    from importlib import resources

    try:
        import opencc

        data = json.loads(resources.files("policytext").joinpath(_T2S_TABLE).read_text("utf-8"))
        if os.path.basename(config) != data["config"] or getattr(opencc, "__version__", None) != data["opencc"]:
            return None
        folder = os.path.dirname(config)
        for name, digest in data["sha256"].items():
            with open(os.path.join(folder, name), "rb") as fh:
                if hashlib.sha256(fh.read()).hexdigest() != digest:
                    return None
        characters, phrases = data["characters"], data["phrases"]
    except (OSError, ValueError, KeyError, TypeError, ImportError):
        return None
    import numpy as np

    table = np.zeros(0x110000, dtype=np.uint8)
    table[[ord(c) for c in characters]] = 1
    table[0xD800:0xE000] = 1
    table[0] = 1
    table[0x2FF0:0x3000] = 1
    witnesses: dict[str, list[tuple[str, int]]] = {}
    for key, value in phrases.items():
        if any(table[ord(c)] == 1 for c in key):
            continue  # it cannot occur without a changing character
        at = next((i for i, (a, b) in enumerate(zip(key, value)) if a != b), len(key) - 1)
        table[ord(key[at])] = 2
        witnesses.setdefault(key[at], []).append((key, at))
    return table, witnesses


def _t2s_may_change(text: str, changes) -> bool:
    """False when OpenCC's t2s returns ``text`` unchanged for certain: none of its changing keys occurs in it
    (``changes``: :func:`_t2s_changes`); True when it may change it."""
    import numpy as np

    table, witnesses = changes
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    marks = table[points]
    if not marks.any():
        return False
    found = np.flatnonzero(marks)
    if (marks[found] & 1).any():
        return True
    for i in found.tolist():  # a witness: is one of its phrases there?
        for phrase, at in witnesses[text[i]]:
            if i >= at and text.startswith(phrase, i - at):
                return True
    return False


#: texts longer than this many characters are normalised slice by slice (:func:`normalization_slices`)
SLICE_CHARS = 1_000_000
# a sentence cut: before an ideograph (basic block or extension A) that follows 。, 。\n or \n\n (or 。\r\n, \n\r\n)
_IDEOGRAPH = "\u3400-\u4dbf\u4e00-\u9fff"
_PATTERNS["_CUT"] = f"(?:。|(?<=[。\n])\n|(?<=[。\n]\r)\n)(?=[{_IDEOGRAPH}])"
#: the marks of a clause cut (:func:`normalization_slices`), full-width and ASCII: NFKC makes ，；！？ ASCII
CLAUSE_CUT_MARKS = "，,；;！!？?"
# a clause cut: after one of them with an ideograph on each side (the match ends at the cut)
_PATTERNS["_CLAUSE_CUT"] = f"[{_IDEOGRAPH}][{CLAUSE_CUT_MARKS}](?=[{_IDEOGRAPH}])"


def _last_cut(pattern: re.Pattern, text: str, start: int, end: int) -> int | None:
    """The last cut of ``pattern`` in ``text`` after ``start`` and at most at ``end``, or None."""
    cut = None
    for m in pattern.finditer(text, start, end + 1):  # the look-ahead may read one past the cut
        if start < m.end() <= end:
            cut = m.end()
    return cut


def normalization_slices(text: str, size: int | None = None, clauses: bool = True) -> list[tuple[int, int]]:
    """``(start, end)`` slices covering ``text`` whose normalisations, joined, are the normalisation of
    ``text``. Each slice but the last ends right before an ideograph (U+3400-U+4DBF, U+4E00-U+9FFF) at a cut:

    * a **sentence cut**: after ``。``, ``。\\n`` or ``\\n\\n`` (``\\r\\n`` counting as ``\\n``);
    * a **clause cut** (unless ``clauses`` is False): after one of ``，,；;！!？?`` (:data:`CLAUSE_CUT_MARKS`)
      that follows an ideograph.

    A slice ends at the last sentence cut at most ``size`` (default :data:`SLICE_CHARS`) characters from its
    start; when there is none, at the last clause cut there; when there is neither, at the first cut of
    either kind after. A text without any cut is one slice (a run of ideographs without punctuation).

    Why each step of :func:`normalize_text` gives the same result on the slices as on the whole, at such a
    cut (``c`` the character before it: ``。``, a line break or a clause mark; ``x`` the ideograph after it):

    1. line endings: ``x`` is no ``\\r`` or ``\\n``, and a ``\\r`` before ``c`` stays in the slice with it;
    2. NFKC decomposes character by character (``c`` becomes ``。``, a line break or one of ``,;!?``), puts
       combining marks in order only among marks of a non-zero class (never past a class-0 character), and
       composes a character only with an earlier class-0 character with nothing of class 0 between them.
       ``x`` has class 0, no decomposition, and is the second part of no composition (NFKC_QC Yes: it is
       stable, see :func:`nfkc`), so nothing after it reaches before it and it joins nothing before it:
       NFKC of the whole is NFKC of the part before ``x`` followed by NFKC of the part from ``x``;
    3. invisible characters are removed one by one;
    4. OpenCC ``t2s`` replaces, left to right, the longest key of its dictionaries found at each position
       (one character when none); every key longer than one character consists of ideographs only
       (``tests/test_normalize.py`` reads the installed dictionaries to check it), so no replacement spans
       ``c`` (after step 2: ``。``, a line break or ASCII punctuation), which stays itself, and the scan
       restarts after it as on a new text;
    5. hard-wrap joining: a line break is removed only when a CJK character precedes it (spaces aside) and a
       CJK character follows it (spaces aside), and its heading look-ahead reads only heading characters
       (numerals, 第, 、, brackets, digits, ``.``), none of them ``。``, a line break or ``,;!?``. So a break
       before the cut is decided by the text before it, ``c`` included (``c`` is no space, so the look for a
       CJK character stops at ``c`` at the latest, and no heading runs over ``c``): a break at the cut itself
       follows ``。`` or a break, which is not CJK, and is kept whether ``x`` follows or nothing does. A break
       after the cut is kept in both cases when walking back from it reaches ``c`` in the whole text, the
       start of the slice alone, and is decided by the slice otherwise (after a clause cut the walk stops at
       ``x`` at the latest).

    >>> normalization_slices("一二。三四。五六", size=3)
    [(0, 3), (3, 6), (6, 8)]
    >>> normalization_slices("甲。\\n乙丙\\n丁。戊", size=4)
    [(0, 3), (3, 8), (8, 9)]
    >>> normalization_slices("甲。\\r\\n乙丙", size=2)
    [(0, 4), (4, 6)]
    >>> normalization_slices("甲乙，丙丁，戊。己", size=8)  # the sentence cut when there is one
    [(0, 8), (8, 9)]
    >>> normalization_slices("甲乙，丙丁，戊。己", size=5)  # else a clause cut
    [(0, 3), (3, 8), (8, 9)]
    >>> normalization_slices("甲乙，丙丁，戊。己", size=5, clauses=False)
    [(0, 8), (8, 9)]
    """
    size = SLICE_CHARS if size is None else size
    out: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > size:
        cut = _last_cut(_pattern("_CUT"), text, start, start + size)
        if cut is None and clauses:
            cut = _last_cut(_pattern("_CLAUSE_CUT"), text, start, start + size)
        if cut is None:  # the first cut of either kind after the window
            m = _pattern("_CUT").search(text, start + size)
            cut = m.end() if m else None
            if clauses:
                m = _pattern("_CLAUSE_CUT").search(text, start + size - 1, cut if cut is not None else n)
                if m is not None and (cut is None or m.end() < cut):
                    cut = m.end()
            if cut is None:
                break
        out.append((start, cut))
        start = cut
    out.append((start, n))
    return out


def _normalize(text: str, t2s: bool, join_wraps: bool) -> str:
    """:func:`normalize_text` of one slice (or of a text that needs none)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = nfkc(text)
    if _has_invisible(text):
        text = text.translate(_INVISIBLE)
    if t2s:
        text = to_simplified(text)
    if join_wraps:
        text = join_hard_wraps(text)
    return text


def normalized_slices(text: str, *, t2s: bool = True, join_wraps: bool = True, size: int | None = None):
    """The normalisations of the slices of ``text`` (:func:`normalization_slices`), one at a time: joined,
    they are ``normalize_text(text)``. Each but the last ends with ``。``, a line break or (at a clause cut) one
    of ``,;!?`` after an ideograph.

    >>> list(normalized_slices("無縫對接。績效評估", size=5))
    ['无缝对接。', '绩效评估']
    """
    for a, b in normalization_slices(text, size):
        yield _normalize(text[a:b] if (a, b) != (0, len(text)) else text, t2s, join_wraps)


def normalize_text(text: str, *, t2s: bool = True, join_wraps: bool = True) -> str:
    """Normalise ``text`` as described in the module docstring: line ends to ``\\n``, NFKC, zero-width characters
    removed, traditional to simplified, hard wraps joined. A text longer than :data:`SLICE_CHARS` is
    normalised slice by slice (:func:`normalization_slices`), with the same result.

    Parameters
    ----------
    text : str
        The text as read.
    t2s : bool
        Convert traditional characters to simplified (OpenCC t2s).
    join_wraps : bool
        Join hard-wrapped lines (a line break between two CJK characters with no sentence end before it).

    Returns
    -------
    str
        The new string; offsets in evidence refer to it.
    """
    if len(text) <= SLICE_CHARS:
        return _normalize(text, t2s, join_wraps)
    return "".join(normalized_slices(text, t2s=t2s, join_wraps=join_wraps))
