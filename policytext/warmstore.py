"""Re-scoring an unchanged corpus with arrays: its normalised texts and tokens in one file per corpus.

A warm run (:mod:`policytext.warm`) opens no unchanged file, but it still reads each document's cache entry
(checksum, inflate, UTF-8) and matches the lexicon document by document: about 0.6 s of processor time for
the 2,982 files of ``laws_regulations``, most of it per-document overhead. After a lexicon change, scoring
needs only where the terms occur, so this module keeps, beside the corpus's index of unchanged files, a
**store**: every indexed document's normalised text as code points, its token ends as bits, its sentence
starts, its counts, and the starts of all tokens grouped by their first character, in one file of flat
arrays (``<cache>/warm/<index key>.store``). A run whose documents all come from the index and that builds no
evidence then scores them **all at once** (:meth:`WarmStore.score`): for each term, the token starts that
begin with its first character are looked up and its other characters, its token end, its exclusions and the
longest-match rule are checked on arrays; the rows are counted with ``numpy.bincount``. Only context rules
are checked hit by hit, with the same code as :meth:`policytext.Matcher.statuses`, on the hit's clause.

The rows are the same, value for value and type for type, as :meth:`policytext.Scorer.analyze` gives
(``tests/test_warmstore.py`` compares both on lexicons with exclusions, context rules, terms of several
categories, weights and contrast categories, and the command's outputs byte for byte).

When it is used
    ``policytext score`` (or :meth:`policytext.Scorer.score`) over paths, with a token cache, without
    evidence (``--evidence``: hit rows need each hit's context, so documents are scored one by one as before),
    by the library's own :class:`~policytext.Scorer` (a subclass that changes :meth:`~policytext.Scorer.analyze`
    or its rows is scored its own way), with a lexicon without glob terms. Documents are taken from the store
    as long as they come from the index and the store holds their entry; from the first one that does not
    (a file read because it changed), the rest of the run goes the usual way. Nothing else changes: the
    same rows, in the same order, with the same ids, metadata, errors, checkpoint and outputs.

When it is written
    At the end of every run over paths with a cache whose store is missing, does not check out or holds
    other entries than the index (files added, changed, removed), and at the end of a ``--verify`` run. So
    the cold run that fills the cache writes it too (reading every entry back: about 0.4-0.6 s for
    ``laws_regulations``, part of that cold run's time), and every warm run after it, the first one after a
    lexicon change included, scores from it. A run that found a file changed uses the store for the documents
    before that file, scores the rest one by one and writes a new store. A corpus of more than
    :data:`MAX_CHARS` characters (about 150 MB of Chinese text) gets no store (building one holds about 15
    bytes a character at its peak): its warm runs score document by document.

The file
    ``PTSTORE1\\n``, the length of the header (16 hex digits and a newline), the header (JSON, ASCII: the
    format, the index key, the cache keys of the documents in order, and each array's type, offset and
    length), the SHA-256 of the header in hex and a newline, then the arrays, each at a multiple of 64 bytes.
    It is written to a temporary file in the same folder and moved into place with ``os.replace``, so a
    reader sees a whole old store or a whole new one. On opening, the header's checksum, the format, the
    index key and the file's size are checked (anything else: the store is ignored and rebuilt); the arrays
    are mapped, not read, so a run touches only the pages it needs. They are not hashed on every run (that
    would cost more than scoring): ``--verify`` rebuilds the store from the cache, whose entries carry
    checksums. ``policytext cache clear`` removes stores with the indexes.

Size
    About 2 bytes per character (4 if the corpus has characters beyond U+FFFF), 4 per token (8 beyond 2**31
    of either), a bit per character and 8 per sentence: about 80 MB for the 57 MB of ``laws_regulations``,
    whose cache entries take 55 MB.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import mmap
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from .matching import MAX_CLAUSE, SHORT_TEXT, Hit
from .warm import WarmDocument

if TYPE_CHECKING:
    import numpy as np

    from .cache import TokenCache
    from .warm import WarmIndex

__all__ = ["STORE_FORMAT", "WarmStore", "build_store", "scorer_supported", "store_path"]

#: bump when the layout changes: an older store is then ignored and rebuilt
STORE_FORMAT = 3
_MAGIC = b"PTSTORE1\n"
_ALIGN = 64
#: at most this many documents are scored together (the rest of the run, batch after batch)
BATCH_DOCS = 50_000
#: the code point between two documents' texts (never compared: a term must end inside its document)
_GAP = 0
#: a corpus with more characters than this has no store: building one holds about 15 bytes a character at its
#: peak (285 MB more for the 19 M characters of laws_regulations), so at most about 750 MB
MAX_CHARS = 50_000_000


def store_path(warm: WarmIndex) -> Path:
    """Where the store of ``warm``'s corpus is kept."""
    return warm.path.with_suffix(".store")


def scorer_supported(scorer) -> bool:
    """Whether ``scorer`` scores as :class:`policytext.Scorer` does with a lexicon the store can match: the
    library's own ``analyze`` and row, its own :class:`~policytext.Matcher`, and no glob term."""
    cls = type(scorer)
    analyze, row = getattr(cls, "analyze", None), getattr(cls, "_row", None)
    if getattr(analyze, "__qualname__", "") != "Scorer.analyze" or getattr(row, "__qualname__", "") != "Scorer._row":
        return False
    if getattr(analyze, "__module__", "") != "policytext.scoring":
        return False
    from .matching import Matcher

    matcher = getattr(scorer, "matcher", None)
    if type(matcher) is not Matcher or matcher._globs or matcher.lexicon is not scorer.lexicon:
        return False
    return not any(chr(_GAP) in t.term for t in matcher.lexicon.terms)  # (a term never runs across texts)


# --------------------------------------------------------------------------- building


def build_store(cache: TokenCache, warm: WarmIndex, keys: Iterable[str]) -> bool:
    """Write the store of ``warm``'s corpus from the cache entries ``keys`` (each once, in order); False if an
    entry is missing, the corpus is too large for one (:data:`MAX_CHARS`) or the file could not be written (no
    store is then left behind)."""
    with _small_pages():
        return _build(cache, warm, keys)


@contextlib.contextmanager
def _small_pages():
    """numpy asks Linux for huge pages for its large arrays (madvise); where the kernel then compacts memory
    on each first touch, building the store spent 0.5 s of system time on page faults, 0.25 s without (a
    fresh process, laws_regulations). Off while building, then as it was; numpy without the switch: as is."""
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # pragma: no cover - another numpy
        yield
        return
    before = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(before)


def _build(cache: TokenCache, warm: WarmIndex, keys: Iterable[str]) -> bool:
    import numpy as np

    keys = list(dict.fromkeys(keys))
    segs = []
    total = 0
    for key in keys:
        seg = cache.get(key)
        if seg is None:
            return False
        total += len(seg.text) + 1
        if total > MAX_CHARS:
            return False
        segs.append(seg)
    n_docs = len(segs)
    lengths = np.fromiter((len(seg.text) for seg in segs), dtype=np.int64, count=n_docs)
    bases = np.cumsum(lengths + 1) - (lengths + 1)
    n_bounds = np.fromiter((len(seg.bounds) for seg in segs), dtype=np.int64, count=n_docs)
    # every array is filled text by text in place: no corpus-wide temporaries (time and memory are page faults)
    points = np.zeros(total, dtype=np.uint16)  # each text followed by the gap, U+0000
    plain = np.ones(n_docs, dtype=np.uint8)  # its UTF-16 code units are its characters: no surrogate, no astral
    starts = np.empty(int(n_bounds.sum()) // 2, dtype=np.int32)
    end_flags = np.zeros(total + 1, dtype=bool)
    astral_pos, astral_code, sentences = [], [], []
    k = 0
    for d, seg in enumerate(segs):
        text, base, n = seg.text, int(bases[d]), int(lengths[d])
        units = text.encode("utf-16-le", "surrogatepass")
        if len(units) == 2 * n:  # (an astral character takes two units)
            here = np.frombuffer(units, dtype=np.uint16)
            points[base:base + n] = here
            if ((here - np.uint16(0xD800)) < np.uint16(0x800)).any() or (here == 0xFFFF).any():
                plain[d] = 0
                high = np.flatnonzero(here == 0xFFFF)
                astral_pos.append(high + base)
                astral_code.append(np.full(len(high), 0xFFFF, dtype=np.uint32))
        else:
            wide = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            high = np.flatnonzero(wide >= 0xFFFF)
            here = wide.astype(np.uint16)
            here[high] = 0xFFFF
            points[base:base + n] = here
            plain[d] = 0
            astral_pos.append(high + base)
            astral_code.append(wide[high])
        bounds = seg.bounds
        s = bounds[0::2]
        m = int(np.searchsorted(s, n))  # (an empty token at the end of a text starts nothing)
        starts[k:k + m] = s[:m]
        starts[k:k + m] += base
        k += m
        end_flags[bounds[1::2] + base] = True
        sentences.append(seg.sentences + base if seg.sentences is not None else _sentences(text) + base)
    starts = starts[:k]
    n_sent = np.fromiter((len(x) for x in sentences), dtype=np.int64, count=n_docs)
    sent = np.concatenate(sentences).astype(np.int64) if segs else np.zeros(0, np.int64)
    high = np.concatenate(astral_pos).astype(np.int64) if astral_pos else np.zeros(0, np.int64)
    astral_code = np.concatenate(astral_code).astype(np.uint32) if astral_code else np.zeros(0, np.uint32)
    n_chars = np.fromiter((seg.n_chars for seg in segs), dtype=np.int64, count=n_docs)
    n_tokens = np.fromiter((seg.n_tokens for seg in segs), dtype=np.int64, count=n_docs)
    del segs, sentences
    # token starts by their first character, then their second (U+0000 at a text's end), then in text order:
    # one sort of (first << 48 | second << 32 | position), built in place
    pair = points[starts].astype(np.uint32)
    pair <<= np.uint32(16)
    starts += 1
    pair |= points[starts]
    starts -= 1
    order = pair.astype(np.uint64)
    del pair
    order <<= np.uint64(32)
    order |= starts.view(np.uint32)
    del starts
    order.sort()
    first_off = np.empty(0x10001, dtype=np.int64)
    first_off[:0x10000] = np.searchsorted(order, np.arange(0x10000, dtype=np.uint64) << np.uint64(48))
    first_off[0x10000] = len(order)
    first_pos = order.astype(np.uint32).view(np.int32)  # (the low 32 bits: the position)
    del order
    arrays = {
        "base": bases,
        "length": lengths,
        "n_chars": n_chars,
        "n_tokens": n_tokens,
        "plain": plain,
        "sent_off": np.concatenate(([0], np.cumsum(n_sent))).astype(np.int64),
        "sent": sent,
        "points": points,
        "astral_pos": high.astype(np.int64),
        "astral_code": astral_code,
        "ends": np.packbits(end_flags, bitorder="little"),
        "first_off": first_off,
        "first_pos": first_pos,
    }
    return _write(store_path(warm), warm.key, keys, arrays)


def _sentences(text: str):
    from .tokenize import sentence_start_array

    return sentence_start_array(text)


def _write(path: Path, index_key: str, keys: list[str], arrays: dict) -> bool:
    import numpy as np

    layout, offset = {}, 0
    for name, arr in arrays.items():
        layout[name] = [arr.dtype.str, offset, int(arr.size)]
        offset += -(-arr.nbytes // _ALIGN) * _ALIGN
    header = json.dumps({"format": STORE_FORMAT, "index": index_key, "keys": keys, "arrays": layout,
                         "body": offset}, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    head = _MAGIC + b"%016x\n" % len(header) + header + hashlib.sha256(header).hexdigest().encode("ascii") + b"\n"
    start = -(-len(head) // _ALIGN) * _ALIGN
    tmp = path.parent / f".{uuid.uuid4().hex}.store.tmp"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(head + b"\0" * (start - len(head)))
            for arr in arrays.values():
                fh.write(memoryview(np.ascontiguousarray(arr)).cast("B"))
                fh.write(b"\0" * (-arr.nbytes % _ALIGN))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    return True


# --------------------------------------------------------------------------- reading


class WarmStore:
    """The store of one corpus, mapped (see the module docstring); :meth:`open` gives it or None."""

    def __init__(self, path: Path, keys: list[str], arrays: dict, mapped):
        self.path = path
        self.keys = keys
        self.index = {k: i for i, k in enumerate(keys)}
        self._arrays = arrays
        self._mapped = mapped
        for name, arr in arrays.items():
            setattr(self, name, arr)

    def __contains__(self, key: str) -> bool:
        return key in self.index

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def open(cls, warm: WarmIndex) -> WarmStore | None:
        """The store of ``warm``'s corpus, or None if there is none or it does not check out."""
        path = store_path(warm)
        try:
            fh = open(path, "rb")
        except OSError:
            return None
        with fh:
            try:
                head = fh.read(len(_MAGIC) + 17)
                if head[:len(_MAGIC)] != _MAGIC or head[-1:] != b"\n":
                    return None
                n = int(head[len(_MAGIC):-1], 16)
                header = fh.read(n)
                digest = fh.read(65)
                if len(header) != n or digest != hashlib.sha256(header).hexdigest().encode("ascii") + b"\n":
                    return None
                meta = json.loads(header)
                start = -(-(len(head) + n + 65) // _ALIGN) * _ALIGN
                size = os.fstat(fh.fileno()).st_size
                if meta.get("format") != STORE_FORMAT or meta.get("index") != warm.key or \
                        size != start + meta["body"]:
                    return None
                keys, layout = meta["keys"], meta["arrays"]
                mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
            except (ValueError, KeyError, TypeError, OSError):
                return None
        import numpy as np

        try:
            arrays = {name: np.frombuffer(mapped, dtype=np.dtype(dtype), count=count, offset=start + offset)
                      for name, (dtype, offset, count) in layout.items()}
            if len(arrays["base"]) != len(keys) or len(arrays["first_off"]) != 0x10001:
                return None
        except (ValueError, KeyError, TypeError):
            return None
        return cls(path, keys, arrays, mapped)

    # -- scoring ----------------------------------------------------------------------------------------
    def score(self, scorer, docs: list[WarmDocument]) -> list[dict]:
        """The score rows of ``docs`` (each one whose key is in the store), in order, as ``scorer.analyze``
        gives them."""
        import numpy as np

        if not docs:
            return []
        idx = np.fromiter((self.index[d.key] for d in docs), dtype=np.int64, count=len(docs))
        wanted = np.zeros(len(self.keys), dtype=bool)
        wanted[idx] = True
        hits = _match(self, scorer.matcher, wanted)
        return _rows(self, scorer, hits, idx)

    @property
    def is_open(self) -> bool:
        return self._arrays is not None

    def close(self) -> None:
        """Unmap the file (the store cannot score after this; its keys stay)."""
        if self._arrays is None:
            return
        for name in self._arrays:
            self.__dict__.pop(name, None)
        self._arrays = None
        if self._mapped is not None:
            with contextlib.suppress(BufferError):
                self._mapped.close()


class _Hits:
    """The hits of a batch, in text order: global start, length, term text id, kept-terms variant, document."""

    def __init__(self, pos, length, sid, variant, doc, strings, variants):
        self.pos, self.length, self.sid, self.variant, self.doc = pos, length, sid, variant, doc
        self.strings = strings  # term text of each sid
        self.variants = variants  # the kept Term tuple of each variant


def _terms_by_string(matcher) -> dict[str, list]:
    """Each fixed term's text with its lexicon entries, in the matcher's order (its trie's lists)."""
    out: dict[str, list] = {}
    for t in matcher.lexicon.terms:
        if not t.is_glob:
            out.setdefault(t.term, []).append(t)
    return out


def _unique(values, counts: bool = False):
    """``numpy.unique`` of an int array (with the counts), without it: its first call imports ``numpy.ma``
    (8 ms of a 0.3 s run)."""
    import numpy as np

    a = np.sort(values, kind="stable")
    if not len(a):
        return (a, np.zeros(0, dtype=np.int64)) if counts else a
    first = np.flatnonzero(np.concatenate(([True], a[1:] != a[:-1])))
    if not counts:
        return a[first]
    return a[first], np.diff(np.concatenate((first, [len(a)])))


def _codes(store: WarmStore, at) -> np.ndarray:
    """The code points of the store's text at the positions ``at`` (uint32)."""
    import numpy as np

    codes = store.points[at].astype(np.uint32)
    if len(store.astral_pos):
        high = codes == 0xFFFF
        if high.any():
            codes[high] = store.astral_code[np.searchsorted(store.astral_pos, at[high])]
    return codes


def _equal(store: WarmStore, at, code: int) -> np.ndarray:
    """Whether the character at each position of ``at`` is ``code``."""
    if code < 0xFFFF:
        return store.points[at] == code
    return _codes(store, at) == code


def _match(store: WarmStore, matcher, wanted) -> _Hits:
    """The matcher's hits in the wanted documents, as arrays (the rule of :meth:`policytext.Matcher.match_spans`:
    token starts, longest term ending on a token end, exclusions, left to right without overlap).

    A term cannot run from one text into the next: the gap between them is U+0000, which no term holds
    (:func:`scorer_supported`), so the comparison of characters stops there."""
    import numpy as np

    points, ends, first_off, first_pos = store.points, store.ends, store.first_off, store.first_pos
    base, length = store.base, store.length
    by_string = _terms_by_string(matcher)
    strings = list(by_string)
    groups: dict[int, list[int]] = {}
    for sid, s in enumerate(strings):
        groups.setdefault(min(ord(s[0]), 0xFFFF), []).append(sid)
    variants: list[tuple] = []
    variant_id: dict[tuple, int] = {}
    found: list[tuple] = []
    for bucket, sids in groups.items():
        cand = first_pos[first_off[bucket]:first_off[bucket + 1]]
        if not len(cand):
            continue
        second = None  # the bucket's second characters: ascending (the store's order)
        for sid in sids:
            s = strings[sid]
            n = len(s)
            p = cand
            if n > 1:
                c1 = min(ord(s[1]), 0xFFFF)
                if second is None:
                    second = points[cand + 1]
                p = cand[np.searchsorted(second, c1, "left"):np.searchsorted(second, c1, "right")]
                if c1 == 0xFFFF:
                    p = p[_equal(store, p + 1, ord(s[1]))]
            if bucket == 0xFFFF:
                p = p[_equal(store, p, ord(s[0]))]
            for k in range(2, n):
                if not len(p):
                    break
                p = p[_equal(store, p + k, ord(s[k]))]
            if not len(p):
                continue
            e = p + n
            p = p[((ends[e >> 3] >> (e & 7).astype(np.uint8)) & 1).astype(bool)]  # ends on a token end
            if not len(p):
                continue
            p = p.astype(np.int64)
            d = np.searchsorted(base, p, side="right") - 1
            keep = wanted[d]
            if not keep.all():
                p, d = p[keep], d[keep]
                if not len(p):
                    continue
            terms = by_string[s]
            full = (1 << len(terms)) - 1
            masks = None  # which of the text's lexicon entries each occurrence keeps (all, unless excluded)
            for j, t in enumerate(terms):
                if t.exclusions:
                    if masks is None:
                        masks = np.full(len(p), full, dtype=np.int64)
                    masks[_excluded(store, p, p - base[d], base[d] + length[d], matcher._exclusions[t])] &= ~(1 << j)
            for m in ([full] if masks is None else _unique(masks).tolist()):
                if not m:
                    continue
                key = (sid, m)
                if key not in variant_id:
                    variant_id[key] = len(variants)
                    variants.append(tuple(t for j, t in enumerate(terms) if m >> j & 1))
                found.append((p if masks is None else p[masks == m], n, sid, variant_id[key]))
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return _Hits(empty, empty, empty, empty, empty, strings, variants)
    pos = np.concatenate([f[0] for f in found])
    lens = np.repeat(np.asarray([f[1] for f in found], dtype=np.int64), [len(f[0]) for f in found])
    sid = np.repeat(np.asarray([f[2] for f in found], dtype=np.int64), [len(f[0]) for f in found])
    var = np.repeat(np.asarray([f[3] for f in found], dtype=np.int64), [len(f[0]) for f in found])
    order = np.lexsort((-lens, pos))  # by start, the longest first
    pos, lens, sid, var = pos[order], lens[order], sid[order], var[order]
    first = np.ones(len(pos), dtype=bool)
    first[1:] = pos[1:] != pos[:-1]
    pos, lens, sid, var = pos[first], lens[first], sid[first], var[first]
    stop = pos + lens
    if len(pos) > 1 and bool((pos[1:] < stop[:-1]).any()):  # a start inside an earlier hit: left to right
        taken, last = [], -1
        for i, (a, b) in enumerate(zip(pos.tolist(), stop.tolist())):
            if a >= last:
                taken.append(i)
                last = b
        taken = np.asarray(taken, dtype=np.int64)
        pos, lens, sid, var = pos[taken], lens[taken], sid[taken], var[taken]
    doc = np.searchsorted(base, pos, side="right") - 1
    return _Hits(pos, lens, sid, var, doc, strings, variants)


def _excluded(store: WarmStore, p, local, doc_end, groups) -> np.ndarray:
    """Which occurrences at global starts ``p`` (``local``: from their document's start) lie inside one of a
    term's exclusion phrases (:meth:`policytext.Matcher._excluded`: ``text[start - k:start - k + n]`` is one)."""
    import numpy as np

    out = np.zeros(len(p), dtype=bool)
    for k, n, phrases in groups:
        at = np.flatnonzero((local >= k) & (p - k + n <= doc_end) & ~out)
        if not len(at):
            continue
        chars = _codes(store, ((p[at] - k)[:, None] + np.arange(n)).ravel()).reshape(len(at), n)
        for phrase in phrases:
            code = np.fromiter(map(ord, phrase), dtype=np.uint32, count=n)
            out[at[(chars == code).all(axis=1)]] = True
    return out


def _text(store: WarmStore, a: int, b: int, doc: int) -> str:
    """The store's text from global position ``a`` to ``b``, in document ``doc``."""
    import numpy as np

    if store.plain[doc]:
        return store.points[a:b].tobytes().decode("utf-16-le")
    codes = _codes(store, np.arange(a, b, dtype=np.int64))
    return codes.tobytes().decode("utf-32-le", "surrogatepass")


def _statuses(store: WarmStore, matcher, hits: _Hits) -> list[tuple[str, ...]] | None:
    """The status of each kept term of each hit; None when every one is ``counted`` (no term has rules)."""
    rules = matcher._rules
    if not rules or not len(hits.pos):
        return None
    flagged = [any(t in rules for t in terms) for terms in hits.variants]
    if not any(flagged):
        return None
    var = hits.variant.tolist()
    out = [("counted",) * len(hits.variants[v]) for v in var]
    base, length = store.base, store.length
    for i, v in enumerate(var):
        if not flagged[v]:
            continue
        d = int(hits.doc[i])
        start, end = int(hits.pos[i]), int(hits.pos[i] + hits.length[i])
        lo = max(int(base[d]), start - MAX_CLAUSE - 1)
        hi = min(int(base[d] + length[d]), end + MAX_CLAUSE)
        window = _text(store, lo, hi, d)
        hit = Hit(hits.strings[int(hits.sid[i])], start - lo, end - lo, hits.variants[v])
        out[i] = matcher.statuses(window, [hit])[0]
    return out


_STATUS_CODE = {"counted": 0, "rejected": 1, "vetoed": 2}


def _rows(store: WarmStore, scorer, hits: _Hits, idx) -> list[dict]:
    """The score rows of the documents ``idx`` (store indexes, in order) from their hits: the formulas of
    :meth:`policytext.results.Tally.row`, with arrays."""
    import numpy as np

    lexicon = scorer.lexicon
    cats = list(lexicon.categories)
    n_cat = len(cats)
    polarity = [lexicon.category(c).polarity for c in cats]
    cat_index = {c: i for i, c in enumerate(cats)}
    n_docs = len(store.keys)

    # the entries (one per kept term of each hit), in text order and, within a hit, in term order
    sizes = np.asarray([len(v) for v in hits.variants] or [0], dtype=np.int64)
    var = hits.variant
    per_hit = sizes[var] if len(var) else np.zeros(0, dtype=np.int64)
    hit_of = np.repeat(np.arange(len(var)), per_hit)
    slot = np.arange(len(hit_of)) - np.repeat(np.cumsum(per_hit) - per_hit, per_hit)
    v_cat = [[cat_index[t.category] for t in v] for v in hits.variants]
    v_weight = [[t.weight for t in v] for v in hits.variants]
    width = int(sizes.max()) if len(hits.variants) else 1
    cat_table = np.zeros((max(len(hits.variants), 1), width), dtype=np.int64)
    weight_table = np.zeros((max(len(hits.variants), 1), width), dtype=np.float64)
    for i, (cs, ws) in enumerate(zip(v_cat, v_weight)):
        cat_table[i, :len(cs)] = cs
        weight_table[i, :len(ws)] = ws
    e_var = var[hit_of]
    e_cat = cat_table[e_var, slot]
    e_weight = weight_table[e_var, slot]
    e_pol = np.asarray(polarity, dtype=np.int64)[e_cat] if n_cat else np.zeros(0, dtype=np.int64)
    e_doc = hits.doc[hit_of]
    statuses = _statuses(store, scorer.matcher, hits)
    if statuses is None:
        e_status = np.zeros(len(hit_of), dtype=np.int64)
    else:
        e_status = np.fromiter((_STATUS_CODE[s] for row in statuses for s in row), dtype=np.int64,
                               count=len(hit_of))
    counted = e_status == 0

    # the sentence of each hit (bisect_right - 1, at least 0, within its document); None where it has none
    n_sent = np.diff(store.sent_off)
    if len(hits.pos):
        found = np.searchsorted(store.sent, hits.pos, side="right") - 1 - store.sent_off[hits.doc]
        h_sent = np.maximum(found, 0)
    else:
        h_sent = np.zeros(0, dtype=np.int64)
    e_sent = h_sent[hit_of]
    e_has_sent = n_sent[e_doc] > 0

    def per_doc(index, weights=None, minlength=n_docs):
        return np.bincount(index, weights=weights, minlength=minlength)

    counts = per_doc(e_doc[counted] * n_cat + e_cat[counted], minlength=n_docs * n_cat).reshape(n_docs, n_cat) \
        if n_cat else np.zeros((n_docs, 0), dtype=np.int64)
    pos_w = counted & (e_pol == 1)
    neg_w = counted & (e_pol == -1)
    weighted_pos = per_doc(e_doc[pos_w], e_weight[pos_w])
    weighted_neg = per_doc(e_doc[neg_w], e_weight[neg_w])
    hit_counted = np.zeros(len(var), dtype=bool)
    hit_counted[hit_of[counted]] = True
    n_counted = per_doc(hits.doc[hit_counted])
    vetoed = per_doc(e_doc[e_status == 2])
    contrast = [i for i, p in enumerate(polarity) if p == -1]
    rejected_mask = (e_status == 1) & (e_pol == -1)
    rejected = {i: per_doc(e_doc[rejected_mask & (e_cat == i)]) for i in contrast}
    # sentences holding a counted entry, per category and for the positive pole (distinct: hits in text order)
    with_sent = counted & e_has_sent
    keys = _unique((e_doc[with_sent] * max(n_cat, 1) + e_cat[with_sent]) * (1 << 32) + e_sent[with_sent])
    sent_counts = per_doc(keys >> 32, minlength=n_docs * max(n_cat, 1)).reshape(n_docs, max(n_cat, 1))
    pos_sent = with_sent & (e_pol == 1)
    pkeys = _unique(e_doc[pos_sent] * (1 << 32) + e_sent[pos_sent])
    sentences_positive = per_doc(pkeys >> 32)
    # the terms of the hits with a counted entry: how many distinct, and the five most frequent
    c_doc, c_sid = hits.doc[hit_counted], hits.sid[hit_counted]
    n_strings = len(hits.strings)
    pairs, pair_counts = _unique(c_doc * max(n_strings, 1) + c_sid, counts=True)
    p_doc, p_sid = pairs // max(n_strings, 1), pairs % max(n_strings, 1)
    n_terms = per_doc(p_doc)
    rank = np.zeros(max(n_strings, 1), dtype=np.int64)
    rank[sorted(range(n_strings), key=hits.strings.__getitem__)] = np.arange(n_strings)
    order = np.lexsort((rank[p_sid], -pair_counts, p_doc))
    top: dict[int, list[str]] = {}
    strings = hits.strings
    for d, s, n in zip(p_doc[order].tolist(), p_sid[order].tolist(), pair_counts[order].tolist()):
        row = top.setdefault(d, [])
        if len(row) < 5:
            row.append(f"{strings[s]}×{n}")

    # the rows of the wanted documents, columns in Tally.row's order
    nc = store.n_chars[idx]
    nt = store.n_tokens[idx]
    ns = n_sent[idx]
    cnt = counts[idx]
    cols: list[tuple[str, list]] = [("n_chars", nc.tolist()), ("n_tokens", nt.tolist())]
    for i, c in enumerate(cats):
        cols.append((f"hits_{c}", cnt[:, i].tolist()))
    for i, c in enumerate(cats):
        cols.append((f"per10k_{c}", (10000.0 * cnt[:, i] / nc).tolist()))
    safe_nt = np.where(nt > 0, nt, 1)
    for i, c in enumerate(cats):
        cols.append((f"per1ktok_{c}", np.where(nt > 0, 1000.0 * cnt[:, i] / safe_nt, 0.0).tolist()))
    positive = [i for i, p in enumerate(polarity) if p == 1]
    cols.append(("hits_total", n_counted[idx].tolist()))
    cols.append(("n_terms", n_terms[idx].tolist()))
    cols.append(("coverage", (cnt[:, positive] > 0).any(axis=1).tolist() if positive else [False] * len(idx)))
    ip = 10000.0 * weighted_pos[idx] / nc
    ic = 10000.0 * weighted_neg[idx] / nc
    cols.append(("index_positive", ip.tolist()))
    cols.append(("index_contrast", ic.tolist()))
    cols.append(("index", (ip - ic).tolist()))
    for i in contrast:
        cols.append((f"{cats[i]}_rejected", rejected[i][idx].tolist()))
    cols.append(("n_vetoed", vetoed[idx].tolist()))
    cols.append(("n_sentences", ns.tolist()))
    sp = sentences_positive[idx]
    cols.append(("sentences_positive", sp.tolist()))
    safe_ns = np.where(ns > 0, ns, 1)
    cols.append(("sentence_share", np.where(ns > 0, sp / safe_ns, 0.0).tolist()))
    sc = sent_counts[idx]
    for i, c in enumerate(cats):
        cols.append((f"sentence_share_{c}", np.where(ns > 0, sc[:, i] / safe_ns, 0.0).tolist()))
    cols.append(("short", (nc < SHORT_TEXT).tolist()))
    cols.append(("top_terms", ["; ".join(top.get(d, ())) for d in idx.tolist()]))
    names = [name for name, _ in cols]
    return [dict(zip(names, values)) for values in zip(*(v for _, v in cols))]


# --------------------------------------------------------------------------- the run's side


def iter_from_store(documents: Iterable, store: WarmStore, scorer, cache, rest, hold=None) -> Iterator[tuple]:
    """``(document, row, [], None)`` for the leading documents of ``documents`` that the store holds, scored a
    batch at a time; from the first one it does not hold, ``rest(iterator of the remaining documents)``.
    ``hold``: a context manager factory within which a batch's outcomes are yielded (the checkpoint writes
    them as one part)."""
    docs = iter(documents)
    batch: list[WarmDocument] = []

    def flush():
        rows = store.score(scorer, batch)
        if cache is not None:
            cache.stats["hits"] = cache.stats.get("hits", 0) + len(batch)
        out = [(doc, row, [], None) for doc, row in zip(batch, rows)]
        batch.clear()
        with hold() if hold is not None else contextlib.nullcontext():
            yield from out

    for doc in docs:
        if isinstance(doc, WarmDocument) and doc.key in store:
            batch.append(doc)
            if len(batch) >= BATCH_DOCS:
                yield from flush()
            continue
        yield from flush()
        yield from rest(itertools.chain([doc], docs))
        return
    yield from flush()


def open_for(warm: WarmIndex | None, scorer, evidence) -> WarmStore | None:
    """The store a run may score from (module docstring: when it is used; the run opened it as
    ``warm.store``), or None."""
    if warm is None or warm.verify or evidence is not False or not scorer_supported(scorer):
        return None
    store = getattr(warm, "store", None)
    return store if isinstance(store, WarmStore) and store.is_open else None


def renew(cache: TokenCache, warm: WarmIndex) -> bool | None:
    """After a run: write the store if it is due (module docstring: when it is written). True if written,
    False if it failed, None if not due."""
    records = warm.recorded()
    if not records:
        return None
    keys = list(dict.fromkeys(rec[5] for rec in records))  # (two files of the same text share an entry)
    if sum(rec[7] for rec in records) > MAX_CHARS:  # (raw lengths: no entry is read to find out)
        return False
    if not warm.verify:
        current = warm.store if warm.store is not None else WarmStore.open(warm)
        if current is not None:
            same = current.keys == keys
            current.close()
            if same:
                return None
    from .cache import TokenCache

    # a cache of its own: worker processes wrote packs this process's index of them has not seen
    return build_store(TokenCache(cache.folder), warm, keys)
