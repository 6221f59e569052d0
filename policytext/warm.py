"""Warm runs that do not open unchanged files: a per-corpus index from file identity to the token-cache entry.

A run over paths with a token cache (:mod:`policytext.cache`) keeps, in the cache folder, an index per corpus
(``<cache>/warm/<key>.idx``), like a build system's dependency index: for every single-document file (.txt,
.md, .docx, .pdf, .html, .htm) that was read, decoded, normalised and tokenized, its identity and the key of
its cache entry. On the next run, a file whose identity is unchanged and whose entry is still in the cache's
packs (or in the corpus's store, :mod:`policytext.warmstore`) is **not opened**: its document is the cached :class:`~policytext.cache.Segmentation` (normalised text
and tokens), so the run only matches. Tables (.csv, .xlsx ...) are always read.

The index key
    sha256 of the resolved input roots (symbolic links followed, so the same folder reached another way is
    the same corpus and a link moved elsewhere is another), the reader options
    (:meth:`policytext.readers.ReadOptions.as_dict`), the configuration prefix of the cache keys
    (:meth:`policytext.cache.TokenCache.config_prefix`: tokenizer, t2s, OpenCC and Unicode versions, the
    normaliser's and tokenizer's source), and the readers' own identity (their source code, the versions of
    lxml, pypdf and charset-normalizer, Python's). Any of these changed is another index, which starts empty:
    every file is read again.

What is recorded per file
    Its absolute path as listed (the map's key) and identity: device, inode, size, ``st_mtime_ns``,
    ``st_ctime_ns`` (of the file a symbolic link points to), taken *before* the file is read; then the cache
    key, the codec the reader used (``corpus.info["encodings"]``), the raw text's length and the document id.
    The identity is the one taken when the folder was listed (or just before reading a file named directly),
    before the file is read.
    A file is recorded only after its document was scored through exactly one cache entry (documents long
    enough to be scored in slices, files that gave an error, and empty documents are read every time).
    Metadata (``metadata.csv`` or ``metadata=``) is read on every run and joined as in a cold run.

When a file is read anyway (any doubt)
    Its path is not in the index, any of the five identity fields differs (a rename, a copy, an edit, a
    ``touch``), its id differs, its cache entry is neither in the packs nor in the corpus's store
    (:mod:`policytext.warmstore`; ``policytext cache clear``, a damaged pack), the index file does not check out (cut short, edited: a SHA-256 of its body is in its header), or
    ``verify`` (``policytext score --verify``) is on: then every file is read and hashed and the index is
    written anew. The entry is read from the packs by whichever process scores the document; should it have
    vanished in between, that process reads the file after all.

What is detected and what is not (as with ``make`` and ``git``)
    Writing to a file changes its ``st_ctime_ns``, which no ordinary tool can set back (``touch -d``/
    ``os.utime`` restore the modification time only). So a file changed in place, with the same size and its
    old modification time restored, is read again. Not detected: a change that leaves size, both times, inode
    and device as they were, which takes setting the system clock back (or writing the block device directly),
    and file systems that do not keep a ctime (some FAT and network mounts report the modification time
    instead). A file changed less than :data:`RACY_NS` before the run started could share its recorded
    timestamps with a version changed later in the same clock tick (file-system clocks tick coarsely; git
    calls these entries "racily clean"): such files are not recorded, and are read on the next run too. A network file system whose clock runs more
    than that behind this machine's defeats the margin; ``--verify`` is the answer there.

The index file
    ``PTWARM1\\n``, the SHA-256 of the body in hex and a newline, then the body (JSON, ASCII). It is written
    only when it changed, once the corpus is scored (a run that fails leaves the old one), to a temporary
    file in the same folder moved into place with ``os.replace``: a reader sees the old index or the new one,
    never a mix. Two runs on the same corpus at the same time each
    write a complete index of what they saw; the last one to finish wins, and an entry of the loser's that is
    missing is only a file read once more next time. ``TokenCache.clear()`` removes the indexes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .corpus import Document, ErrorRecord
from .errors import DocumentError, EmptyDocumentError, UnreadableFileError

if TYPE_CHECKING:
    from .cache import Segmentation, TokenCache

__all__ = ["INDEX_FORMAT", "RACY_NS", "WarmDocument", "WarmIndex", "analyze_document"]

#: bump when the index layout changes: every old index is then ignored
INDEX_FORMAT = 1
_MAGIC = b"PTWARM1\n"
#: a file whose modification or change time is less than this many nanoseconds before it is read is not
#: recorded (its timestamps could equal those of a change made in the same clock tick)
RACY_NS = 2_000_000_000


@dataclass
class WarmDocument(Document):
    """A document whose file was not read: its normalised text and tokens are the cache entry ``key``.

    ``text`` is empty until it is scored (:func:`analyze_document`); ``path``, ``encoding`` and ``max_chars``
    let the scoring process read the file after all if the entry has vanished; ``n_raw`` is the length of
    the raw text when it was read (for sizing chunks of work).
    """

    key: str = ""
    path: str = ""
    encoding: str | None = None
    max_chars: int | None = None
    n_raw: int = 0

    def ref(self) -> tuple:
        """What a worker process needs besides ``doc_id`` and ``source``."""
        return (self.key, self.path, self.encoding, self.max_chars, self.n_raw)

    @classmethod
    def from_ref(cls, doc_id: str, source: str, ref: tuple, meta: dict | None = None) -> "WarmDocument":
        key, path, encoding, max_chars, n_raw = ref
        return cls(doc_id, "", meta if meta is not None else {}, source, key, path, encoding, max_chars, n_raw)

    def read_text(self) -> str:
        """The file read as a cold run reads it (the registry's reader for its extension)."""
        from .readers import FORMATS

        text, _ = FORMATS[Path(self.path).suffix.lower()].read(Path(self.path), self.encoding, self.max_chars)
        return text


class _Given:
    """A cache that answers :meth:`segment` with one segmentation already at hand."""

    def __init__(self, seg: Segmentation):
        self.seg = seg

    def segment(self, raw, tokenizer, *, t2s=True, source="", doc_id=None) -> Segmentation:
        return self.seg


def analyze_document(scorer, doc: Document, cache: TokenCache | None, want_key: bool = False, evidence=True):
    """``(row, hit rows, error record, note)`` for one document, as :func:`policytext.parallel.analyze_one`
    gives the first three; a :class:`WarmDocument` is scored from its cache entry. ``note`` (with
    ``want_key``) is ``(cache key, length of the normalised text)`` when the document was scored through
    exactly one cache entry, else None. ``evidence``: as :meth:`policytext.Scorer.analyze` takes it (passed
    only when not True, so that any object with an ``analyze(doc, cache=...)`` method scores)."""
    from .slicing import SLICE_CHARS

    if evidence is not True:
        analyze = functools.partial(scorer.analyze, evidence=evidence)
    else:
        analyze = scorer.analyze

    if isinstance(doc, WarmDocument):
        seg = cache.get(doc.key) if cache is not None else None
        if seg is not None and len(seg.text) <= SLICE_CHARS:
            cache.stats["hits"] += 1
            try:
                row, hits = analyze(Document(doc.doc_id, seg.text, doc.meta, doc.source), cache=_Given(seg))
            except EmptyDocumentError as exc:  # pragma: no cover (an empty text is never stored)
                return None, [], ErrorRecord.from_error(exc), None
            return row, hits, None, None
        try:  # the entry vanished since the index was read: read the file after all
            text = doc.read_text()
        except DocumentError as exc:
            exc.source, exc.doc_id = doc.source, doc.doc_id
            return None, [], ErrorRecord.from_error(exc), None
        except OSError as exc:
            error = UnreadableFileError(f"cannot read the file ({exc.strerror or exc})", doc.source, doc.doc_id)
            return None, [], ErrorRecord.from_error(error), None
        doc = Document(doc.doc_id, text, doc.meta, doc.source)
    try:
        if not want_key or cache is None:
            row, hits = analyze(doc, cache=cache)
            return row, hits, None, None
        before = cache.stats["hits"] + cache.stats["misses"]
        cache.last = None
        row, hits = analyze(doc, cache=cache)
        note = cache.last if cache.stats["hits"] + cache.stats["misses"] == before + 1 else None
        return row, hits, None, note
    except EmptyDocumentError as exc:
        return None, [], ErrorRecord.from_error(exc), None


_readers_digest: str | None = None


def _readers_fingerprint() -> str:
    """sha256 of the readers' source and of the libraries they decode with: a change re-reads every file."""
    global _readers_digest
    if _readers_digest is None:
        from .tokenize import distribution_version

        h = hashlib.sha256(sys.version.encode())
        folder = Path(__file__).resolve().parent / "readers"
        for path in sorted(folder.glob("*.py")):
            with contextlib.suppress(OSError):
                h.update(path.name.encode() + b"\0" + path.read_bytes())
        for name in ("lxml", "pypdf", "charset-normalizer"):
            found = distribution_version(name)
            h.update(f"{name}={'none' if found == 'unknown' else found}".encode())
        _readers_digest = h.hexdigest()
    return _readers_digest


def index_key(inputs, read_options, prefix: bytes) -> str:
    """The hex sha256 naming the index of these inputs, reader options and cache configuration prefix."""
    from .readers import ReadOptions

    paths = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    body = {"format": INDEX_FORMAT, "roots": [os.path.realpath(p) for p in paths],
            "read": ReadOptions.of(read_options).as_dict(), "cache": prefix.hex(), "readers": _readers_fingerprint()}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=True).encode("ascii")).hexdigest()


# one record: device, inode, size, mtime_ns, ctime_ns, cache key, codec, raw length, doc id
_IDENT = 5


class WarmIndex:
    """The index of one corpus in one cache (see the module docstring): the hook
    :func:`policytext.readers.iter_corpus` calls before reading each single-document file (:meth:`reuse`) and
    after reading it (:meth:`read`), and the notes of the scoring side (:meth:`scored`); :meth:`save` writes it.

    ``stats``: ``unread`` (files not opened), ``read`` (single-document files read), ``recorded`` (files in
    the new index that were read in this run), ``damaged`` (1 if the index on disk did not check out),
    ``written`` (1 if the index was written).
    """

    def __init__(self, cache: TokenCache, inputs, read_options, tokenizer, t2s: bool, *, verify: bool = False):
        self.cache = cache
        self.verify = bool(verify)
        self.key = index_key(inputs, read_options, cache.config_prefix(tokenizer, t2s))
        self.path = cache.folder / "warm" / f"{self.key}.idx"
        self.stats = {"unread": 0, "read": 0, "recorded": 0, "damaged": 0, "written": 0}
        from .slicing import SLICE_CHARS

        self._limit = SLICE_CHARS
        self._start = time.time_ns()  # before any file is listed or read
        self._old = self._load()
        self._new: dict[str, list] = {}
        self._pending: dict[str, list] = {}  # source -> [path, identity..., codec, raw length, doc id]
        #: the corpus's store (:class:`policytext.warmstore.WarmStore`), set by the run that opened it: an entry
        #: it holds need not be looked up in the cache's packs
        self.store = None

    def __repr__(self) -> str:
        return f"WarmIndex({str(self.path)!r})"

    # -- the file -------------------------------------------------------------------------------------
    def _load(self) -> dict[str, list]:
        try:
            data = self.path.read_bytes()
        except OSError:
            return {}
        try:
            head, digest, body = data.split(b"\n", 2)
            if head + b"\n" != _MAGIC or hashlib.sha256(body).hexdigest().encode("ascii") != digest:
                raise ValueError("header or checksum")
            parsed = json.loads(body)
            files = parsed["files"]
            if parsed.get("key") != self.key or not isinstance(files, dict) or not all(
                    isinstance(r, list) and len(r) == 9 for r in files.values()):
                raise ValueError("layout")
            return files
        except (ValueError, KeyError, TypeError, AttributeError):
            self.stats["damaged"] = 1
            return {}

    def save(self) -> bool:
        """Write the index if it changed (temporary file, then ``os.replace``); False if it could not be
        written (a cache folder that cannot be written never fails a run)."""
        if self._new == self._old and not self.stats["damaged"]:
            return True
        body = json.dumps({"key": self.key, "files": self._new}, ensure_ascii=True, separators=(",", ":"))
        raw = body.encode("ascii")
        data = _MAGIC + hashlib.sha256(raw).hexdigest().encode("ascii") + b"\n" + raw
        tmp = self.path.parent / f".{uuid.uuid4().hex}.idx.tmp"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            return False
        self.stats["written"] = 1
        return True

    def recorded(self) -> list[list]:
        """The records of the index as it will be saved, in the order the files were listed."""
        return list(self._new.values())

    # -- the reader's hook ----------------------------------------------------------------------------
    def reuse(self, path: Path, file_id: str, source: str, options, st: os.stat_result | None = None
              ) -> tuple[Document, str | None] | None:
        """``(document, codec)`` for a file that need not be read, else None (and its identity is noted).
        ``st``: the file's ``os.stat`` (symbolic links followed) if taken since this index was created."""
        where = os.path.abspath(path)
        if st is None:
            try:
                st = os.stat(path)
            except OSError:
                return None
        ident = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
        if not self.verify:
            rec = self._old.get(where)
            if rec is not None and rec[:_IDENT] == ident and rec[8] == file_id and (
                    (self.store is not None and rec[5] in self.store) or self.cache.contains(rec[5])):
                self._new[where] = rec
                self.stats["unread"] += 1
                doc = WarmDocument(file_id, "", {}, source, key=rec[5], path=os.fspath(path),
                                   encoding=options.encoding, max_chars=options.max_chars, n_raw=rec[7])
                return doc, rec[6]
        self.stats["read"] += 1
        if max(st.st_mtime_ns, st.st_ctime_ns) < self._start - RACY_NS:  # not racily clean (module docstring)
            self._pending[source] = [where, *ident]
        return None

    def read(self, source: str, doc: Document, codec: str | None) -> None:
        """The file of ``source`` was read into ``doc`` (ids checked, metadata joined)."""
        pending = self._pending.get(source)
        if pending is None:
            return
        if len(doc.text) > self._limit:  # scored in slices: several entries
            del self._pending[source]
            return
        pending += [codec, len(doc.text), doc.doc_id]

    def wants(self, doc: Document) -> bool:
        """Whether the scoring side should note ``doc``'s cache key."""
        return doc.source in self._pending and not isinstance(doc, WarmDocument)

    def scored(self, doc: Document, note: tuple[str, int] | None) -> None:
        """``doc`` was scored through the cache entry ``note[0]``, its normalised text ``note[1]`` long."""
        pending = self._pending.pop(doc.source, None)
        if pending is None or note is None or len(pending) != 1 + _IDENT + 3 or note[1] > self._limit:
            return
        key, _ = note
        where, *rest = pending
        self._new[where] = [*rest[:_IDENT], key, *rest[_IDENT:]]
        self.stats["recorded"] += 1
