"""A token cache on disk: re-scoring a corpus (say, with a changed lexicon) does not segment it again.

What is stored
    For each document, its normalised text (UTF-8), the boundaries of its tokens (the ``(start, end)``
    offsets :meth:`policytext.Tokenizer.tokenize` gives) and the start of each sentence
    (:func:`policytext.tokenize.sentence_starts`), both delta-encoded (four bits per delta when they all fit,
    else one byte, else four; not compressed: zlib cost more time than the bytes it saved), plus ``n_chars``
    and ``n_tokens``: a :class:`Segmentation`. A cached run therefore skips normalising, tokenizing and
    splitting sentences; it only hashes the raw text, reads the entry from its pack and matches.

Unchanged files
    A run over paths (:meth:`policytext.Scorer.score`, ``policytext score``) also keeps, in
    ``<folder>/warm/<key>.idx``, an index per corpus from each single-document file's identity (path, size,
    modification and change times in nanoseconds, inode, device) to its entry's key
    (:mod:`policytext.warm`, which says what is and is not detected). A file whose identity is unchanged is
    then not even opened: its document is its entry. Any doubt (another identity, other reader, normalisation
    or tokenizer options, the entry missing from the packs, an index that does not check out) means reading
    the file; ``verify=True`` (``policytext score --verify``) reads and hashes every file and writes the index
    anew. Tables are always read.

The key
    sha256 of the raw text together with everything that determines the normalised text and the tokens:
    the normalisation settings (t2s), the tokenizer configuration (:attr:`policytext.Tokenizer.config`:
    engine and its version, HMM, dictionary sha256, injected-words sha256), the versions of OpenCC and of
    the Unicode database, and the source code of policytext's normaliser and tokenizer. The raw text plus
    the normalisation settings fix the normalised text, so this is as strict as keying by the normalised
    text, and lets a warm run skip normalisation. A changed tokenizer setting (``--no-hmm``,
    ``--inject-lexicon`` with a changed lexicon, another engine or dictionary) is a different key, so stale
    tokens are never returned; a changed lexicon without ``--inject-lexicon`` reuses every entry.

Files
    Entries are written in packs, ``<folder>/<random hex>.pack``: the entries of one batch (a chunk of
    documents in a worker process, or up to :data:`PACK_BYTES` in a one-process run), each its 32-byte key
    followed by the entry, then an index of keys, offsets and lengths, then a footer with the index's CRC-32.
    An entry starts with a header (magic ``PTTOK4``, payload length, CRC-32 of the payload). A pack is
    written to a temporary file in the folder, then moved into place with ``os.replace``: concurrent writers
    (several processes, several machines on a shared folder) never expose half a pack, and each writes its
    own packs. A pack whose index or an entry does not check out (cut short by a crash, a disk error) is
    ignored, removed and its entries rebuilt; temporary files left by a crash are removed after an hour.
    The indexes of unchanged files (``warm/*.idx``) are written the same way, whole, and only by the
    process that scored the corpus: two runs at once each write a complete index, and the last wins.
    One file per chunk instead of one per document keeps cold runs fast (creating a file costs more than
    writing it) and suits shared file systems. A cache reads the index of every pack once, when first used:
    the first 8 bytes of each key in a sorted array (24 bytes per entry in memory); the full key is
    compared on every read. Nothing evicts entries on its own: :meth:`TokenCache.clear` (``policytext cache
    clear [--older-than DAYS]``) removes packs and the indexes of unchanged files; entries take about the
    corpus's size.

The library never writes a cache unless given one (``Scorer().score(corpus, cache=TokenCache(folder))``);
the command line uses :func:`default_cache_dir` unless ``--no-cache``.

>>> import tempfile
>>> from policytext import Tokenizer
>>> folder = tempfile.TemporaryDirectory()
>>> cache = TokenCache(folder.name)
>>> seg = cache.segment("推进精细化\\n管理", Tokenizer())
>>> seg.text, seg.tokens(), (cache.stats["misses"], cache.stats["hits"])
('推进精细化管理', [('推进', 0, 2), ('精细化', 2, 5), ('管理', 5, 7)], (1, 0))
>>> cache.segment("推进精细化\\n管理", Tokenizer()).tokens() == seg.tokens(), cache.stats["hits"]
(True, 1)
>>> folder.cleanup()
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import struct
import time
import unicodedata
import uuid
import zlib
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, EmptyDocumentError
from .normalize import normalize_text

if TYPE_CHECKING:
    import numpy as np

    from .tokenize import Tokenizer

__all__ = ["CACHE_FORMAT", "Segmentation", "TokenCache", "default_cache_dir", "segment_text"]

#: bump when the file layout changes: every old entry then misses
CACHE_FORMAT = 5
_MAGIC = b"PTTOK4\n\x00"
_HEADER = struct.Struct("<8sQI")  # magic, payload length, CRC-32 of the payload
# n_chars, n_tokens, bytes of the text, number of tokens, their delta width, number of sentences, their width
_COUNTS = struct.Struct("<QQQQBQB")


def default_cache_dir() -> Path:
    """The command line's default cache folder: ``tokens`` in the user's cache folder
    (``~/.cache/policytext/tokens`` on Linux, as :func:`platformdirs.user_cache_dir` says elsewhere)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("policytext", appauthor=False)) / "tokens"


@dataclass
class Segmentation:
    """A normalised text and its tokens: ``bounds`` holds ``start0, end0, start1, end1, ...`` (int32);
    ``sentences``, when known, the start of each sentence (:func:`policytext.tokenize.sentence_start_array`,
    int64)."""

    text: str
    bounds: np.ndarray
    n_chars: int
    n_tokens: int
    sentences: np.ndarray | None = None

    @property
    def starts(self) -> np.ndarray:
        return self.bounds[0::2]

    @property
    def ends(self) -> np.ndarray:
        return self.bounds[1::2]

    def tokens(self) -> list[tuple[str, int, int]]:
        """The tokens as :meth:`policytext.Tokenizer.tokenize` gives them: ``(token, start, end)``."""
        text = self.text
        pairs = self.bounds.reshape(-1, 2).tolist()
        return [(text[s:e], s, e) for s, e in pairs]

    # -- bytes --------------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The file content: header, counts, the UTF-8 text, then the token boundaries and the sentence starts
        delta-encoded, each in the narrowest of half a byte, one byte or four per delta that holds them all
        (:func:`_pack`; format 5: zlib level 1 took 0.15 s of a cold run's processor time over the 2,982 laws
        to shrink these 18.6 MB to 4.6 MB, half bytes take 0.02 s for 9.5 MB)."""
        import numpy as np

        from .tokenize import sentence_start_array

        raw = self.text.encode("utf-8")
        deltas = _deltas(self.bounds)
        width = _width(deltas)
        sentences = sentence_start_array(self.text) if self.sentences is None else self.sentences
        s_deltas = _deltas(sentences)
        s_width = _width(s_deltas)
        payload = b"".join((_COUNTS.pack(self.n_chars, self.n_tokens, len(raw), len(self.bounds) // 2, width,
                                         len(sentences), s_width),
                            raw, _pack(deltas, width), _pack(s_deltas, s_width)))
        return _HEADER.pack(_MAGIC, len(payload), zlib.crc32(payload)) + payload

    @classmethod
    def from_bytes(cls, data: bytes) -> "Segmentation":
        """Parse :meth:`to_bytes` output; ``ValueError`` if the data is cut short or damaged."""
        import numpy as np

        if len(data) < _HEADER.size + _COUNTS.size:
            raise ValueError("shorter than the header")
        magic, length, crc = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise ValueError("not a policytext token-cache entry")
        payload = memoryview(data)[_HEADER.size:]
        if len(payload) != length:
            raise ValueError(f"payload is {len(payload)} bytes, header says {length} (cut short?)")
        if zlib.crc32(payload) != crc:
            raise ValueError("checksum mismatch")
        n_chars, n_tokens, n_bytes, n_tok, width, n_sent, s_width = _COUNTS.unpack_from(payload)
        start = _COUNTS.size
        text = str(payload[start:start + n_bytes], "utf-8")
        start += n_bytes
        if (width not in _WIDTHS or s_width not in _WIDTHS
                or len(payload) - start != _packed_size(2 * n_tok, width) + _packed_size(n_sent, s_width)):
            raise ValueError("boundaries do not match the token and sentence counts")
        bounds = np.cumsum(_unpack(payload, start, 2 * n_tok, width), dtype=np.int32)
        sentences = np.cumsum(_unpack(payload, start + _packed_size(2 * n_tok, width), n_sent, s_width),
                              dtype=np.int64)
        return cls(text, bounds, n_chars, n_tokens, sentences)


_DTYPES = {1: "u1", 4: "<i4"}
#: bytes per delta of each width code: 0 is half a byte (two deltas of 0-15 a byte, the first in the high bits)
_WIDTHS = {0: 0.5, 1: 1, 4: 4}


def _width(deltas) -> int:
    """0 (half a byte) when every delta is in 0-15, 1 when every one fits a byte, else 4."""
    if not len(deltas):
        return 0
    low, high = deltas.min(), deltas.max()
    return 4 if low < 0 or high > 255 else 1 if high > 15 else 0


def _deltas(values):
    """``numpy.diff(values, prepend=0)`` without the padded copy."""
    import numpy as np

    out = np.empty_like(values)
    if len(values):
        out[0] = values[0]
        np.subtract(values[1:], values[:-1], out=out[1:])
    return out


def _packed_size(n: int, width: int) -> int:
    """Bytes that :func:`_pack` makes of ``n`` deltas of width code ``width``."""
    return (n + 1) // 2 if width == 0 else n * width


def _pack(deltas, width: int) -> bytes:
    """``deltas`` at ``width`` (a code of :data:`_WIDTHS`; :func:`_width` says which fits)."""
    import numpy as np

    if width:
        return deltas.astype(_DTYPES[width]).tobytes()
    d = np.zeros(len(deltas) + len(deltas) % 2, dtype=np.uint8)  # (an odd count ends with a 0)
    d[:len(deltas)] = deltas
    packed = d[0::2] << 4
    packed |= d[1::2]
    return packed.tobytes()


def _unpack(data, offset: int, n: int, width: int):
    """The ``n`` deltas :func:`_pack` wrote at ``offset`` of ``data`` (an array)."""
    import numpy as np

    if width:
        return np.frombuffer(data, dtype=_DTYPES[width], count=n, offset=offset)
    packed = np.frombuffer(data, dtype=np.uint8, count=(n + 1) // 2, offset=offset)
    out = np.empty(2 * len(packed), dtype=np.uint8)
    out[0::2] = packed >> 4
    out[1::2] = packed & 15
    return out[:n]


def count_chars(text: str) -> int:
    """Non-whitespace characters (``str.isspace``), as the scores define ``n_chars``.

    >>> count_chars("推进 精细化\\n管理。")
    8
    """
    return sum(map(len, text.split()))


def code_points(text: str):
    """``text`` as a numpy array of code points (uint32)."""
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


_code_points = code_points  # (the name the tests use)


def segment_text(raw: str, tokenizer: Tokenizer, *, t2s: bool = True, source: str = "",
                 doc_id: str | None = None) -> Segmentation:
    """Normalise and tokenize ``raw`` (no cache). Raises :class:`EmptyDocumentError` if no character is left."""
    import numpy as np

    text = normalize_text(raw, t2s=t2s)
    from .tokenize import KIND_SPACE, SLICE_CHARS, char_kinds, clause_slices, sentence_start_array, word_counts

    spans = getattr(tokenizer, "_spans", None)
    # a long text in slices cut after clause marks: the same tokens (policytext.tokenize.clause_slices), with
    # the per-character arrays of one slice in memory at a time (issue 13.10)
    slices = clause_slices(text, SLICE_CHARS) if spans is not None and len(text) > SLICE_CHARS else [(0, len(text))]
    if len(slices) == 1:  # the code points and kinds of characters serve every step below
        points = code_points(text)
        kinds = char_kinds(text, points)
        n_chars = len(text) - int(np.count_nonzero(kinds & KIND_SPACE))  # count_chars(text)
    else:
        n_chars = count_chars(text)
    if n_chars == 0:
        raise EmptyDocumentError("no text left after normalisation", source=source, doc_id=doc_id)
    parts, n_tokens, sentences = [], 0, None
    for a, b in slices:
        piece = text
        if len(slices) > 1:
            piece = text[a:b]
            points = code_points(piece)
            kinds = char_kinds(piece, points)
        if spans is None:  # a tokenizer-like object: only tokenize() to go by
            tokens = tokenizer.tokenize(piece)
            starts = np.fromiter(map(itemgetter(1), tokens), dtype=np.int64, count=len(tokens))
            ends = np.fromiter(map(itemgetter(2), tokens), dtype=np.int64, count=len(tokens))
        else:  # the same tokens as tokenize(), as arrays, without a tuple per token
            starts, ends = spans(piece, points, kinds)
        part = np.empty(2 * len(starts), dtype=np.int32)
        part[0::2], part[1::2] = (starts, ends) if a == 0 else (starts + a, ends + a)
        parts.append(part)
        # a word token holds at least one letter or digit: count the tokens whose span contains one
        in_words = word_counts(kinds)
        n_tokens += int(np.count_nonzero(in_words[ends] != in_words[starts]))
        if len(slices) == 1:
            sentences = sentence_start_array(text, points, kinds, in_words)
        del points, kinds, starts, ends, in_words
    bounds = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return Segmentation(text, bounds, n_chars, n_tokens,
                        sentence_start_array(text) if sentences is None else sentences)


_code_digest: str | None = None


def _code_fingerprint() -> str:
    """sha256 of policytext's normaliser and tokenizer source (the sentence splitter of the entries included),
    so that a change to either misses."""
    global _code_digest
    if _code_digest is None:
        h = hashlib.sha256()
        here = Path(__file__).resolve().parent
        for name in ("normalize.py", "tokenize.py"):
            with contextlib.suppress(OSError):
                h.update((here / name).read_bytes())
        _code_digest = h.hexdigest()
    return _code_digest


def _library_versions() -> dict:
    from .tokenize import distribution_version

    return {"opencc": distribution_version("opencc"), "unicodedata": unicodedata.unidata_version}


_PACK_MAGIC = b"PTPACK3\n"
_FOOTER = struct.Struct("<QQI8s")  # offset of the index, number of entries, CRC-32 of the index, magic
_RECORD = struct.Struct("<32sQI")  # key, offset, length
_RECORD_DTYPE = [("k0", "<u8"), ("k1", "S24"), ("offset", "<u8"), ("length", "<u4")]
#: a pack is written when a batch's buffer holds this many bytes
PACK_BYTES = 8 << 20
_SHARD = re.compile(r"[0-9a-f]{2}")
_OLD_ENTRY = re.compile(r"[0-9a-f]{64}\.tok|\.[0-9a-f]{16}\..+\.tmp")
#: temporary pack files older than this (seconds) were left by a crash and are removed
STALE_SECONDS = 3600



class TokenCache:
    """Normalised texts and tokens on disk, keyed by text and configuration (see the module docstring).

    ``folder`` is created when the first pack is written. ``stats`` counts ``hits``, ``misses``, ``bad``
    (damaged packs found and removed) and ``write_errors`` (entries that could not be stored) in this process.
    A cache that cannot be written (read-only folder, full disk) never fails a run: the entry is simply not
    stored.

    Entries are buffered and written as one pack: inside :meth:`batch` when the batch ends (or its buffer
    reaches ``pack_bytes``), outside a batch at once. The packs on disk are indexed when the cache is first
    read; packs that other processes write later are seen by the next ``TokenCache`` on the folder.
    """

    def __init__(self, folder: str | os.PathLike, *, pack_bytes: int = PACK_BYTES):
        self.folder = Path(folder).expanduser()
        if self.folder.exists() and not self.folder.is_dir():
            raise ConfigError(f"token cache {self.folder} is not a folder")
        self.pack_bytes = int(pack_bytes)
        self.stats = {"hits": 0, "misses": 0, "bad": 0, "write_errors": 0}
        self._prefixes: dict[tuple, bytes] = {}
        self._index: _PackIndex | None = None
        self._pending: dict[bytes, bytes] = {}  # digest -> entry bytes, not yet written
        self._pending_bytes = 0
        self._batch = 0
        #: ``(key, length of the normalised text)`` of the last :meth:`segment` call
        self.last: tuple[str, int] | None = None

    def __repr__(self) -> str:
        return f"TokenCache({str(self.folder)!r})"

    def __getstate__(self) -> dict:
        return {"folder": self.folder, "pack_bytes": self.pack_bytes}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["folder"], pack_bytes=state.get("pack_bytes", PACK_BYTES))

    def __len__(self) -> int:
        """Entries on disk (as indexed by this cache) plus those waiting to be written."""
        return len(self._packs()) + len(self._pending)

    # -- housekeeping ---------------------------------------------------------------------------------
    def summary(self) -> dict:
        """What is on disk: ``packs``, ``entries`` (distinct), ``damaged_packs`` (the next run removes them),
        ``bytes`` (packs), ``oldest`` and ``newest``
        (pack modification times, POSIX seconds, or None), and ``old_format_files``/``old_format_bytes``
        (entries left by policytext versions that wrote one file per document; :meth:`clear` removes them)."""
        packs = sorted(self.folder.glob("*.pack")) if self.folder.is_dir() else []
        stats = [p.stat() for p in packs]
        old = self._old_format_files()
        counts: dict = {"bad": 0}
        entries = len(_PackIndex(self.folder, counts, tidy=False))  # looking changes nothing
        return {"folder": str(self.folder), "packs": len(packs), "entries": entries, "damaged_packs": counts["bad"],
                "bytes": sum(st.st_size for st in stats),
                "oldest": min((st.st_mtime for st in stats), default=None),
                "newest": max((st.st_mtime for st in stats), default=None),
                "old_format_files": len(old), "old_format_bytes": sum(p.stat().st_size for p in old)}

    def clear(self, older_than_days: float | None = None) -> dict:
        """Remove packs (all, or those written more than ``older_than_days`` days ago; their entries are rebuilt
        when next needed), the indexes of unchanged files and their stores (``warm/``, :mod:`policytext.warm`,
        :mod:`policytext.warmstore`) likewise,
        temporary files, and entries of older cache formats. Nothing else in the folder is touched. Returns
        the counts removed: ``packs``, ``bytes``, ``old_format_files``."""
        removed = {"packs": 0, "bytes": 0, "old_format_files": 0}
        if not self.folder.is_dir():
            return removed
        limit = None if older_than_days is None else time.time() - float(older_than_days) * 86400
        for path in sorted(self.folder.glob("*.pack")) + sorted(self.folder.glob(".*.pack.tmp")):
            with contextlib.suppress(OSError):
                st = path.stat()
                if limit is None or st.st_mtime < limit:
                    path.unlink()
                    if path.suffix == ".pack":
                        removed["packs"] += 1
                        removed["bytes"] += st.st_size
        warm = [p for pattern in ("warm/*.idx", "warm/.*.idx.tmp", "warm/*.store", "warm/.*.store.tmp")
                for p in sorted(self.folder.glob(pattern))]
        for path in warm:
            with contextlib.suppress(OSError):  # indexes of unchanged files and their stores: rebuilt when needed
                if limit is None or path.stat().st_mtime < limit:
                    path.unlink()
        if limit is None:
            with contextlib.suppress(OSError):
                (self.folder / "warm").rmdir()  # only if empty
            for path in self._old_format_files():
                with contextlib.suppress(OSError):
                    removed["bytes"] += path.stat().st_size
                    path.unlink()
                    removed["old_format_files"] += 1
            for shard in self.folder.iterdir():
                if _SHARD.fullmatch(shard.name) and shard.is_dir():
                    with contextlib.suppress(OSError):
                        shard.rmdir()  # only if empty: anything else in it stays
        self._index, self._pending, self._pending_bytes = None, {}, 0
        return removed

    def compact(self, small_bytes: int | None = None) -> dict:
        """Merge the packs smaller than ``small_bytes`` (default: half of ``pack_bytes``) into packs of up to
        ``pack_bytes``, one copy per key; damaged packs are removed, as any run removes them. New packs are
        written before the old ones are removed, so a crash in between leaves duplicates, never a loss. Returns
        ``packs_before``, ``packs_after``, ``merged`` (small packs replaced) and ``entries`` (entries copied)."""
        limit = self.pack_bytes // 2 if small_bytes is None else int(small_bytes)
        self.flush()
        packs = sorted(self.folder.glob("*.pack")) if self.folder.is_dir() else []
        small = [p for p in packs if p.stat().st_size < limit]
        result = {"packs_before": len(packs), "packs_after": len(packs), "merged": 0, "entries": 0}
        if len(small) < 2:
            return result
        writer = TokenCache(self.folder, pack_bytes=self.pack_bytes)
        seen: set[bytes] = set()
        done: list[Path] = []
        with writer.batch():
            for path in small:
                entries = _pack_entries(path)
                if entries is None:  # damaged (the writer's index removes it) or gone
                    continue
                for digest, data in entries:
                    if digest not in seen:
                        seen.add(digest)
                        writer._store(digest, data)
                done.append(path)
        if writer.stats["write_errors"]:
            raise OSError(f"cannot write packs in {self.folder}")
        for path in done:
            with contextlib.suppress(OSError):
                path.unlink()
        self._index = None  # index again on next use
        result.update(merged=len(done), entries=len(seen),
                      packs_after=len(list(self.folder.glob("*.pack"))))
        return result

    def _old_format_files(self) -> list[Path]:
        """Entries of cache format 2 and their temporary files: ``<folder>/<2 hex>/<64 hex>.tok``."""
        if not self.folder.is_dir():
            return []
        return [p for shard in sorted(self.folder.iterdir()) if _SHARD.fullmatch(shard.name) and shard.is_dir()
                for p in sorted(shard.iterdir()) if _OLD_ENTRY.fullmatch(p.name) and p.is_file()]

    # -- keys -----------------------------------------------------------------------------------------
    def config_prefix(self, tokenizer: Tokenizer, t2s: bool) -> bytes:
        """The configuration part of every key for this tokenizer and t2s setting (computed once)."""
        ident = (tokenizer.engine, tokenizer.hmm, tokenizer.words, tokenizer.dictionary, bool(t2s))
        prefix = self._prefixes.get(ident)
        if prefix is None:
            config = {"format": CACHE_FORMAT, "tokenizer": tokenizer.config, "t2s": bool(t2s),
                      "libraries": _library_versions(), "code": _code_fingerprint()}
            prefix = hashlib.sha256(json.dumps(config, sort_keys=True).encode("utf-8")).digest()
            self._prefixes[ident] = prefix
        return prefix

    def key(self, raw: str, tokenizer: Tokenizer, t2s: bool = True) -> str:
        """The hex sha256 naming the entry of ``raw`` under this tokenizer and t2s setting."""
        h = hashlib.sha256(self.config_prefix(tokenizer, t2s))
        h.update(raw.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    # -- entries --------------------------------------------------------------------------------------
    def _packs(self) -> _PackIndex:
        if self._index is None:
            self._index = _PackIndex(self.folder, self.stats)
        return self._index

    def load(self) -> "TokenCache":
        """Index the packs on disk now (it happens on first use otherwise): a parent process that loads the
        index before forking its workers spares each of them the work."""
        self._packs()
        return self

    def contains(self, key: str) -> bool:
        """Whether the packs' index lists an entry for ``key`` (by its first 8 bytes, without reading the pack)
        or it is waiting to be written. :meth:`get` compares the full key and checks the entry; a run that
        finds ``contains`` true and ``get`` empty falls back to reading the file (:mod:`policytext.warm`)."""
        digest = bytes.fromhex(key)
        return digest in self._pending or self._packs()._where(digest) is not None

    def get(self, key: str) -> Segmentation | None:
        """The entry for ``key``, or None if absent or damaged (a damaged pack is removed)."""
        digest = bytes.fromhex(key)
        data = self._pending.get(digest)
        if data is None:
            data = self._packs().read(digest)
            if data is None:
                return None
        try:
            return Segmentation.from_bytes(data)
        except (ValueError, UnicodeDecodeError, struct.error):
            self._packs().discard(digest)
            return None

    def put(self, key: str, seg: Segmentation) -> bool:
        """Store ``seg``: buffered inside :meth:`batch`, written at once outside one. False if it could not be
        written."""
        return self._store(bytes.fromhex(key), seg.to_bytes())

    def _store(self, digest: bytes, data: bytes) -> bool:
        """Buffer one entry's bytes; write the buffer unless a batch is open and it is below ``pack_bytes``."""
        self._pending[digest] = data
        self._pending_bytes += len(data)
        if self._batch and self._pending_bytes < self.pack_bytes:
            return True
        return self.flush()

    def flush(self) -> bool:
        """Write the buffered entries as one pack (temporary file, then ``os.replace``). False if it failed."""
        if not self._pending:
            return True
        pending, self._pending, self._pending_bytes = self._pending, {}, 0
        try:
            self._packs().write(pending)
            return True
        except OSError:
            self.stats["write_errors"] += len(pending)
            return False

    @contextlib.contextmanager
    def batch(self):
        """Within this block, entries are written together, as one pack, when it ends."""
        self._batch += 1
        try:
            yield self
        finally:
            self._batch -= 1
            if not self._batch:
                self.flush()

    def segment(self, raw: str, tokenizer: Tokenizer, *, t2s: bool = True, source: str = "",
                doc_id: str | None = None) -> Segmentation:
        """The cached segmentation of ``raw``, computed (:func:`segment_text`) and stored on a miss."""
        key = self.key(raw, tokenizer, t2s)
        seg = self.get(key)
        if seg is not None:
            self.stats["hits"] += 1
        else:
            self.stats["misses"] += 1
            seg = segment_text(raw, tokenizer, t2s=t2s, source=source, doc_id=doc_id)
            self.put(key, seg)
        self.last = (key, len(seg.text))
        return seg


_PREAD = hasattr(os, "pread")


def _pack_entries(path: Path) -> list[tuple[bytes, bytes]] | None:
    """Every ``(key, entry bytes)`` of a pack whose index and entries check out, else None."""
    records = _PackIndex._read_index(path)
    if records is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    out = []
    for k0, k1, offset, length in records.tolist():
        entry = data[offset:offset + length]
        digest = entry[:32]
        if int.from_bytes(digest[:8], "little") != k0 or digest[8:] != k1.ljust(24, b"\0"):
            return None
        try:
            Segmentation.from_bytes(entry[32:])
        except (ValueError, UnicodeDecodeError, struct.error):
            return None
        out.append((digest, entry[32:]))
    return out


def _prefix(digest: bytes) -> int:
    return int.from_bytes(digest[:8], "little")


class _PackIndex:
    """Where each entry is: the first 8 bytes of each key (sorted, numpy) -> pack, offset, length.

    A pack is ``<magic> entries <index> <footer>``; an entry is its 32-byte key followed by
    :meth:`Segmentation.to_bytes`. The full key is compared on every read, so two keys sharing 8 bytes only
    cost a miss.
    """

    def __init__(self, folder: Path, stats: dict, tidy: bool = True):
        """Index the packs in ``folder``; with ``tidy``, remove damaged packs and stale temporary files."""
        import numpy as np

        self.folder, self.stats = folder, stats
        self.paths: list[Path] = []
        self.dead: set[int] = set()
        self._fds: dict[int, int] = {}
        parts = []
        names = sorted(os.listdir(folder)) if folder.is_dir() else []
        now = time.time()
        for name in names:
            path = folder / name
            if name.endswith(".pack"):
                records = self._read_index(path)
                if records is None:
                    self.stats["bad"] += 1
                    if tidy:
                        with contextlib.suppress(OSError):
                            path.unlink()
                    continue
                parts.append((len(self.paths), records))
                self.paths.append(path)
            elif name.endswith(".pack.tmp") and tidy:
                with contextlib.suppress(OSError):
                    if now - path.stat().st_mtime > STALE_SECONDS:
                        path.unlink()
        if parts:
            keys = np.concatenate([r["k0"] for _, r in parts])
            packs = np.concatenate([np.full(len(r), i, dtype=np.uint32) for i, r in parts])
            offsets = np.concatenate([r["offset"] for _, r in parts])
            lengths = np.concatenate([r["length"] for _, r in parts])
            order = np.argsort(keys, kind="stable")
            self.keys, self.packs = keys[order], packs[order]
            self.offsets, self.lengths = offsets[order], lengths[order]
        else:
            self.keys, self.packs = np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.uint32)
            self.offsets, self.lengths = np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.uint32)
        self.recent: dict[int, tuple[int, int, int]] = {}  # entries written by this process

    def __len__(self) -> int:
        """Distinct entries in the packs that are not removed."""
        import numpy as np

        self._merge()
        alive = ~np.isin(self.packs, list(self.dead)) if self.dead else slice(None)
        return len(np.unique(self.keys[alive]))

    def _merge(self) -> None:
        """Move the entries written by this process into the sorted arrays."""
        import numpy as np

        if not self.recent:
            return
        keys = np.fromiter(self.recent, dtype=np.uint64, count=len(self.recent))
        where = np.array(list(self.recent.values()), dtype=np.uint64).reshape(-1, 3)
        self.recent = {}
        keys = np.concatenate((keys, self.keys))  # this process's entries first: they win ties
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.packs = np.concatenate((where[:, 0].astype(np.uint32), self.packs))[order]
        self.offsets = np.concatenate((where[:, 1], self.offsets))[order]
        self.lengths = np.concatenate((where[:, 2].astype(np.uint32), self.lengths))[order]

    @staticmethod
    def _read_index(path: Path):
        import numpy as np

        try:
            with open(path, "rb") as fh:
                size = fh.seek(0, 2)
                if size < len(_PACK_MAGIC) + _FOOTER.size:
                    return None
                fh.seek(0)
                if fh.read(len(_PACK_MAGIC)) != _PACK_MAGIC:
                    return None
                fh.seek(size - _FOOTER.size)
                where, count, crc, magic = _FOOTER.unpack(fh.read(_FOOTER.size))
                if magic != _PACK_MAGIC or where + count * _RECORD.size != size - _FOOTER.size:
                    return None
                fh.seek(where)
                index = fh.read(count * _RECORD.size)
        except OSError:
            return None
        if len(index) != count * _RECORD.size or zlib.crc32(index) != crc:
            return None
        records = np.frombuffer(index, dtype=_RECORD_DTYPE)
        if count and (int(records["offset"].min()) < len(_PACK_MAGIC)
                      or int((records["offset"] + records["length"]).max()) > where):
            return None
        return records

    def _where(self, digest: bytes) -> tuple[int, int, int] | None:
        import numpy as np

        k = _prefix(digest)
        found = self.recent.get(k)
        if found is not None:
            return found
        i = int(np.searchsorted(self.keys, k))
        while i < len(self.keys) and int(self.keys[i]) == k:
            pack = int(self.packs[i])
            if pack not in self.dead:
                return pack, int(self.offsets[i]), int(self.lengths[i])
            i += 1
        return None

    def read(self, digest: bytes) -> bytes | None:
        """The entry's bytes (without the key), or None if absent, in a removed pack, or unreadable."""
        where = self._where(digest)
        if where is None:
            return None
        pack, offset, length = where
        data = self._pread(pack, offset, length)
        if data[:32] != digest:
            if len(data) != length:  # cut short or gone: the pack is damaged
                self._remove(pack)
            return None  # another key with the same first 8 bytes
        return data[32:]

    def _pread(self, pack: int, offset: int, length: int) -> bytes:
        """``length`` bytes of pack ``pack`` from ``offset`` (fewer if the file is shorter; b"" on an error)."""
        try:
            if _PREAD:  # keep a few packs open; pread never moves a file offset shared with forked workers
                fd = self._fds.get(pack)
                if fd is None:
                    if len(self._fds) >= 64:
                        os.close(self._fds.pop(next(iter(self._fds))))
                    fd = self._fds[pack] = os.open(self.paths[pack], os.O_RDONLY)
                data = os.pread(fd, length, offset)
            else:  # Windows
                with open(self.paths[pack], "rb") as fh:
                    fh.seek(offset)
                    data = fh.read(length)
        except OSError:
            data = b""
        return data

    def discard(self, digest: bytes) -> None:
        """The entry of ``digest`` did not parse: its pack is damaged and removed."""
        where = self._where(digest)
        if where is not None:
            self._remove(where[0])

    def _remove(self, pack: int) -> None:
        if pack in self.dead:
            return
        self.dead.add(pack)
        self.stats["bad"] += 1
        self.recent = {k: v for k, v in self.recent.items() if v[0] != pack}
        fd = self._fds.pop(pack, None)
        if fd is not None:
            os.close(fd)
        with contextlib.suppress(OSError):
            self.paths[pack].unlink()

    def write(self, entries: dict[bytes, bytes]) -> None:
        """Write ``entries`` (key -> entry bytes) as a new pack and index it; OSError if it fails."""
        chunks, records, offset = [_PACK_MAGIC], [], len(_PACK_MAGIC)
        for digest, data in entries.items():
            chunks += (digest, data)
            records.append(_RECORD.pack(digest, offset, 32 + len(data)))
            offset += 32 + len(data)
        index = b"".join(records)
        chunks += (index, _FOOTER.pack(offset, len(records), zlib.crc32(index), _PACK_MAGIC))
        self.folder.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex
        tmp = self.folder / f".{name}.pack.tmp"
        path = self.folder / f"{name}.pack"
        try:
            with open(tmp, "wb") as fh:
                fh.write(b"".join(chunks))
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        pack = len(self.paths)
        self.paths.append(path)
        offset = len(_PACK_MAGIC)
        for digest, data in entries.items():
            self.recent[_prefix(digest)] = (pack, offset, 32 + len(data))
            offset += 32 + len(data)
        if len(self.recent) > 65536:
            self._merge()

    def __del__(self):
        for fd in getattr(self, "_fds", {}).values():
            with contextlib.suppress(OSError):
                os.close(fd)


def as_cache(cache: Any) -> TokenCache | None:
    """None, a :class:`TokenCache`, or a folder (str/PathLike) -> a TokenCache or None."""
    if cache is None or isinstance(cache, TokenCache):
        return cache
    if isinstance(cache, (str, os.PathLike)):
        return TokenCache(cache)
    raise ConfigError(f"cache must be a TokenCache or a folder, not {type(cache).__name__}")
