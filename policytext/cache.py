"""A token cache on disk: re-scoring a corpus (say, with a changed lexicon) does not segment it again.

What is stored
    For each document, its normalised text (UTF-8) and the boundaries of its tokens (the ``(start, end)``
    offsets :meth:`policytext.Tokenizer.tokenize` gives, delta-encoded, zlib-compressed), plus ``n_chars``
    and ``n_tokens``: a :class:`Segmentation`. A cached run therefore skips normalising and tokenizing;
    it only hashes the raw text, reads one small file and matches.

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
    ``<folder>/<key[:2]>/<key>.tok``. A file starts with a header (magic ``PTTOK2``, payload length, CRC-32
    of the payload); an entry whose length or checksum does not match (a file cut short by a crash, a disk
    error) is ignored, removed and rebuilt. Writes go to a temporary file in the same folder, then
    ``os.replace``: concurrent writers (several processes, several machines on a shared folder) never
    expose half a file, and the last complete write wins (all writers of one key write the same bytes).
    Nothing evicts entries; delete the folder to empty the cache (entries take about the corpus's size).

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
import tempfile
import unicodedata
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
CACHE_FORMAT = 2
_MAGIC = b"PTTOK2\n\x00"
_HEADER = struct.Struct("<8sQI")  # magic, payload length, CRC-32 of the payload
_COUNTS = struct.Struct("<QQQQB")  # n_chars, n_tokens, bytes of the text, number of tokens, delta width


def default_cache_dir() -> Path:
    """The command line's default cache folder: ``tokens`` in the user's cache folder
    (``~/.cache/policytext/tokens`` on Linux, as :func:`platformdirs.user_cache_dir` says elsewhere)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("policytext", appauthor=False)) / "tokens"


@dataclass
class Segmentation:
    """A normalised text and its tokens: ``bounds`` holds ``start0, end0, start1, end1, ...`` (int32)."""

    text: str
    bounds: np.ndarray
    n_chars: int
    n_tokens: int

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
        """The file content: header, counts, the UTF-8 text, then the boundaries delta-encoded (one byte per
        delta when they all fit, else four) and zlib-compressed."""
        import numpy as np

        raw = self.text.encode("utf-8")
        deltas = np.diff(self.bounds, prepend=np.int32(0))
        width = 1 if not len(deltas) or (deltas.max() < 256 and deltas.min() >= 0) else 4
        packed = zlib.compress(deltas.astype("u1" if width == 1 else "<i4").tobytes(), 1)
        payload = _COUNTS.pack(self.n_chars, self.n_tokens, len(raw), len(self.bounds) // 2, width) + raw + packed
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
        n_chars, n_tokens, n_bytes, n_tok, width = _COUNTS.unpack_from(payload)
        start = _COUNTS.size
        text = str(payload[start:start + n_bytes], "utf-8")
        try:
            deltas = zlib.decompress(payload[start + n_bytes:])
        except zlib.error as exc:
            raise ValueError(f"cannot decompress ({exc})") from None
        if width not in (1, 4) or len(deltas) != 2 * n_tok * width:
            raise ValueError("boundaries do not match the token count")
        bounds = np.cumsum(np.frombuffer(deltas, dtype="u1" if width == 1 else "<i4"), dtype=np.int32)
        return cls(text, bounds, n_chars, n_tokens)


def count_chars(text: str) -> int:
    """Non-whitespace characters (``str.isspace``), as the scores define ``n_chars``.

    >>> count_chars("推进 精细化\\n管理。")
    8
    """
    return sum(map(len, text.split()))


_word_table = None


def _code_points(text: str):
    """``text`` as a numpy array of code points (uint32)."""
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _word_chars(text: str, points=None):
    """A boolean array: is each character of ``text`` a letter or digit (Unicode category L* or N*, which is
    exactly ``str.isalnum``), the test :func:`policytext.tokenize.is_word_token` applies to each character.
    ``points``: ``text``'s code points, if already at hand."""
    import numpy as np

    global _word_table
    if _word_table is None:  # the Basic Multilingual Plane, once per process
        bmp = "".join(map(chr, range(0xD800))) + "\0" * 0x800 + "".join(map(chr, range(0xE000, 0x10000)))
        _word_table = np.frombuffer(re.sub(r"[\W_]", "\0", bmp).encode("utf-32-le"), dtype=np.uint32) != 0
    if points is None:
        points = _code_points(text)
    mask = _word_table[np.minimum(points, 0xFFFF)]
    astral = np.flatnonzero(points > 0xFFFF)
    if len(astral):
        mask[astral] = [text[i].isalnum() for i in astral.tolist()]
    return mask


def segment_text(raw: str, tokenizer: Tokenizer, *, t2s: bool = True, source: str = "",
                 doc_id: str | None = None) -> Segmentation:
    """Normalise and tokenize ``raw`` (no cache). Raises :class:`EmptyDocumentError` if no character is left."""
    import numpy as np

    text = normalize_text(raw, t2s=t2s)
    n_chars = count_chars(text)
    if n_chars == 0:
        raise EmptyDocumentError("no text left after normalisation", source=source, doc_id=doc_id)
    points = _code_points(text)
    spans = getattr(tokenizer, "_spans", None)
    if spans is None:  # a tokenizer-like object: only tokenize() to go by
        tokens = tokenizer.tokenize(text)
        starts = np.fromiter(map(itemgetter(1), tokens), dtype=np.int64, count=len(tokens))
        ends = np.fromiter(map(itemgetter(2), tokens), dtype=np.int64, count=len(tokens))
    else:  # the same tokens as tokenize(), as arrays, without a tuple per token
        starts, ends = spans(text, points)
    bounds = np.empty(2 * len(starts), dtype=np.int32)
    bounds[0::2], bounds[1::2] = starts, ends
    # a word token holds at least one letter or digit: count the tokens whose span contains one
    in_words = np.concatenate(([0], np.cumsum(_word_chars(text, points), dtype=np.int64)))
    n_tokens = int(np.count_nonzero(in_words[ends] - in_words[starts]))
    return Segmentation(text, bounds, n_chars, n_tokens)


_code_digest: str | None = None


def _code_fingerprint() -> str:
    """sha256 of policytext's normaliser and tokenizer source, so that a change to either misses."""
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
    from importlib.metadata import PackageNotFoundError, version

    try:
        opencc = version("opencc")
    except PackageNotFoundError:  # pragma: no cover
        opencc = "unknown"
    return {"opencc": opencc, "unicodedata": unicodedata.unidata_version}


class TokenCache:
    """Normalised texts and tokens on disk, keyed by text and configuration (see the module docstring).

    ``folder`` is created when the first entry is written. ``stats`` counts ``hits``, ``misses``,
    ``bad`` (damaged entries removed) and ``write_errors`` in this process. A cache that cannot be written
    (read-only folder, full disk) never fails a run: the entry is simply not stored.
    """

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder).expanduser()
        if self.folder.exists() and not self.folder.is_dir():
            raise ConfigError(f"token cache {self.folder} is not a folder")
        self.stats = {"hits": 0, "misses": 0, "bad": 0, "write_errors": 0}
        self._prefixes: dict[tuple, bytes] = {}
        self._made: set[str] = set()  # shard folders known to exist

    def __repr__(self) -> str:
        return f"TokenCache({str(self.folder)!r})"

    def __getstate__(self) -> dict:
        return {"folder": self.folder}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["folder"])

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

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.tok"

    # -- entries --------------------------------------------------------------------------------------
    def get(self, key: str) -> Segmentation | None:
        """The entry for ``key``, or None if absent or damaged (a damaged file is removed)."""
        path = self.path(key)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        try:
            return Segmentation.from_bytes(data)
        except (ValueError, UnicodeDecodeError, struct.error):
            self.stats["bad"] += 1
            with contextlib.suppress(OSError):
                os.unlink(path)
            return None

    def put(self, key: str, seg: Segmentation) -> bool:
        """Store ``seg`` atomically (temporary file + ``os.replace``); False if it could not be written."""
        path = self.path(key)
        tmp = None
        try:
            if key[:2] not in self._made:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(key[:2])
            fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(seg.to_bytes())
            os.replace(tmp, path)
            return True
        except OSError:
            self.stats["write_errors"] += 1
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            return False

    def segment(self, raw: str, tokenizer: Tokenizer, *, t2s: bool = True, source: str = "",
                doc_id: str | None = None) -> Segmentation:
        """The cached segmentation of ``raw``, computed (:func:`segment_text`) and stored on a miss."""
        key = self.key(raw, tokenizer, t2s)
        seg = self.get(key)
        if seg is not None:
            self.stats["hits"] += 1
            return seg
        self.stats["misses"] += 1
        seg = segment_text(raw, tokenizer, t2s=t2s, source=source, doc_id=doc_id)
        self.put(key, seg)
        return seg


def as_cache(cache: Any) -> TokenCache | None:
    """None, a :class:`TokenCache`, or a folder (str/PathLike) -> a TokenCache or None."""
    if cache is None or isinstance(cache, TokenCache):
        return cache
    if isinstance(cache, (str, os.PathLike)):
        return TokenCache(cache)
    raise ConfigError(f"cache must be a TokenCache or a folder, not {type(cache).__name__}")
