"""Scoring over several processes, and as a stream with bounded memory.

:func:`score_documents` is what :meth:`policytext.Scorer.score` runs and what ``policytext score`` calls
with ``--jobs``: the documents are cut into chunks of about :data:`CHUNK_CHARS` characters (at most
:data:`CHUNK_DOCS` documents), each chunk is scored in a worker process of a
:class:`concurrent.futures.ProcessPoolExecutor`, and the results are taken back **in input order**. Every
document is scored by the same :meth:`Scorer.analyze` whatever the number of processes, so the table is
identical, byte for byte, to a one-process run.

* **Small corpora stay in one process**: below :data:`MIN_DOCS` documents or :data:`MIN_CHARS` characters
  (the first documents are held until both are reached), starting processes costs more than it saves.
* **Bounded memory**: at most ``2 * jobs`` chunks are in flight; the texts of a chunk are dropped when its
  results arrive. ``items`` may be any iterator (:func:`policytext.readers.iter_corpus`), so the corpus is
  never read into memory as a whole. The score table (one row per document) is kept; the evidence, which
  can be much larger, can go to ``on_hits`` instead (e.g. an :class:`EvidenceWriter`).
* **Start methods**: the worker function is a top-level function and the scorer is pickled to each worker
  once (the :class:`~policytext.Tokenizer` rebuilds its segmenter there, lazily), so ``fork`` (Linux's
  default), ``forkserver`` and ``spawn`` all work (``mp_context="spawn"``). With ``spawn``, a script that
  scores in parallel needs the usual ``if __name__ == "__main__":`` guard.
* **Token cache**: ``cache`` (:class:`policytext.cache.TokenCache`) is used by every worker; the counts of
  hits and misses are added to the parent's ``cache.stats``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from .corpus import Corpus, Document, ErrorRecord
from .errors import ConfigError, OutputError
from .io import publish_mode, remove_stale_temps

if TYPE_CHECKING:
    from .cache import TokenCache
    from .checkpoint import Checkpoint
    from .warm import WarmIndex
    from .results import ScoreResult
    from .scoring import Scorer

__all__ = ["CHUNK_CHARS", "CHUNK_DOCS", "MIN_CHARS", "MIN_DOCS", "EvidenceWriter", "default_jobs",
           "iter_scored", "score_documents"]

#: below this many documents, or ...
MIN_DOCS = 50
#: ... this many characters in all, scoring stays in one process
MIN_CHARS = 200_000
#: a chunk sent to a worker holds about this many characters ...
CHUNK_CHARS = 100_000
#: ... and at most this many documents
CHUNK_DOCS = 1000

Outcome = tuple[dict | None, list[dict], ErrorRecord | None]


def default_jobs() -> int:
    """The command line's default ``--jobs``: every core (``os.cpu_count()``)."""
    return os.cpu_count() or 1


# --------------------------------------------------------------------------- one document, one chunk


def analyze_one(scorer: Scorer, doc: Document, cache: TokenCache | None = None, evidence=True) -> Outcome:
    """``(row, hit rows, None)`` or ``(None, [], error record)`` for one document (a
    :class:`policytext.warm.WarmDocument` is scored from its cache entry); ``evidence`` as
    :meth:`policytext.Scorer.analyze` takes it."""
    from .warm import analyze_document

    row, hits, error, _ = analyze_document(scorer, doc, cache, evidence=evidence)
    return row, hits, error


_WORKER: dict[str, Any] = {}


def _init_worker(scorer: Scorer, cache: TokenCache | None, evidence=True) -> None:
    import signal

    # the parent stops its workers (Ctrl-C, SIGTERM, SIGHUP): a worker neither handles Ctrl-C itself nor inherits
    # the command line's SIGTERM/SIGHUP handlers, so terminate() ends it at once
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    _WORKER["scorer"] = scorer
    _WORKER["cache"] = cache
    _WORKER["evidence"] = evidence


def _score_chunk(chunk: list[tuple]) -> tuple[list[Outcome], dict | None, list | None]:
    """Worker side: score ``(doc_id, text, source, warm ref, want key)`` tuples (the ref of a document
    whose file was not read, :class:`policytext.warm.WarmDocument`, else None); return the outcomes, the
    cache counts and, where asked, the notes of the cache keys used (:func:`policytext.warm.analyze_document`)."""
    from .warm import WarmDocument, analyze_document

    scorer, cache = _WORKER["scorer"], _WORKER["cache"]
    before = dict(cache.stats) if cache is not None else None
    out, notes = [], []
    with cache.batch() if cache is not None else contextlib.nullcontext():  # one pack per chunk
        for doc_id, text, source, ref, want in chunk:
            doc = Document(doc_id, text, {}, source) if ref is None else WarmDocument.from_ref(doc_id, source, ref)
            *outcome, note = analyze_document(scorer, doc, cache, want, _WORKER.get("evidence", True))
            out.append(tuple(outcome))
            notes.append(note)
    delta = {k: cache.stats[k] - before[k] for k in before} if cache is not None else None
    return out, delta, notes if any(n is not None for n in notes) else None


def _size(doc: Document) -> int:
    """The characters of a document, for sizing chunks (a document whose file was not read: as read last)."""
    return getattr(doc, "n_raw", 0) or len(doc.text)


def _chunks(docs: Iterable[Document], chunk_chars: int, chunk_docs: int) -> Iterator[list[Document]]:
    chunk: list[Document] = []
    size = 0
    for doc in docs:
        chunk.append(doc)
        size += _size(doc)
        if size >= chunk_chars or len(chunk) >= chunk_docs:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _default_context():
    import multiprocessing

    return multiprocessing.get_context()


def _context(mp_context):
    if mp_context is None or not isinstance(mp_context, str):
        return mp_context
    import multiprocessing

    try:
        return multiprocessing.get_context(mp_context)
    except ValueError:
        raise ConfigError(f"unknown start method {mp_context!r}; use fork, forkserver or spawn") from None


# --------------------------------------------------------------------------- the stream


def iter_scored(documents: Iterable[Document], scorer: Scorer, *, jobs: int = 1, cache: TokenCache | None = None,
                chunk_chars: int = CHUNK_CHARS, chunk_docs: int = CHUNK_DOCS, min_docs: int = MIN_DOCS,
                min_chars: int = MIN_CHARS, mp_context=None, warm: WarmIndex | None = None, evidence=True,
                hold=None) -> Iterator[tuple[Document, dict | None, list[dict], ErrorRecord | None]]:
    """Yield ``(document, row, hit rows, error)`` for each document, in input order (see the module docstring).

    ``jobs`` processes (1: this process). Corpora smaller than ``min_docs`` documents or ``min_chars``
    characters are scored in this process whatever ``jobs`` says. ``warm``: the index of unchanged files
    (:class:`policytext.warm.WarmIndex`) that the documents were read with; it is told the cache key each
    document read from a file was scored with. A :class:`policytext.warm.WarmDocument` is scored from its
    cache entry with or without it. ``evidence``: True, False (no hit row is built, in any process) or a
    :class:`policytext.rowtext.Spill` (a document's rows beyond its limit are in a temporary file there: a
    :class:`~policytext.rowtext.SpooledRows`, which the consumer discards), as :meth:`Scorer.analyze` takes it.
    ``hold``: a context manager factory (``Checkpoint.held``) around the yielding of a batch of documents
    scored at once from the warm store (:mod:`policytext.warmstore`).
    """
    if jobs is None:
        jobs = default_jobs()
    if int(jobs) < 1:
        raise ConfigError(f"jobs must be at least 1, not {jobs}")
    jobs = int(jobs)
    ctx = _context(mp_context)
    options = dict(jobs=jobs, cache=cache, chunk_chars=chunk_chars, chunk_docs=chunk_docs, min_docs=min_docs,
                   min_chars=min_chars, ctx=ctx, warm=warm, evidence=evidence)
    if warm is not None and evidence is False:
        from .warmstore import iter_from_store, open_for

        store = open_for(warm, scorer, evidence)
        if store is not None:  # documents of the index, all at once from its store (policytext.warmstore)
            yield from iter_from_store(documents, store, scorer, cache,
                                       lambda rest: _iter_scored(rest, scorer, **options), hold)
            return
    yield from _iter_scored(documents, scorer, **options)


def _iter_scored(documents, scorer, *, jobs, cache, chunk_chars, chunk_docs, min_docs, min_chars, ctx, warm,
                 evidence):
    """:func:`iter_scored` one document at a time (in ``jobs`` processes)."""
    docs = iter(documents)
    head: list[Document] = []
    if jobs > 1:
        n_chars = 0
        for doc in docs:
            head.append(doc)
            n_chars += _size(doc)
            if len(head) >= min_docs and n_chars >= min_chars:
                break
        else:
            jobs = 1  # the whole corpus is small
    if jobs == 1:
        from .warm import analyze_document

        with cache.batch() if cache is not None else contextlib.nullcontext():  # packs of PACK_BYTES
            for doc in itertools.chain(head, docs):
                want = warm is not None and warm.wants(doc)
                *outcome, note = analyze_document(scorer, doc, cache, want, evidence)
                if want:
                    warm.scored(doc, note)
                yield (doc, *outcome)
        return
    if cache is not None and (ctx or _default_context()).get_start_method() == "fork":
        cache.load()  # forked workers inherit the index instead of each reading it
    yield from _pool(itertools.chain(head, docs), scorer, jobs, cache, chunk_chars, chunk_docs, ctx, warm, evidence)


def _payload(doc: Document, warm: WarmIndex | None) -> tuple:
    ref = doc.ref() if hasattr(doc, "ref") else None
    want = warm is not None and warm.wants(doc)
    return (doc.doc_id, doc.text if ref is None else "", doc.source, ref, want)


def _pool(docs, scorer, jobs, cache, chunk_chars, chunk_docs, ctx, warm=None, evidence=True):
    from concurrent.futures import ProcessPoolExecutor

    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                   initargs=(scorer, cache, evidence))
    pending: deque = deque()
    try:
        def take():
            chunk, future = pending.popleft()
            outcomes, delta, notes = future.result()
            if delta and cache is not None:
                for k, v in delta.items():
                    cache.stats[k] = cache.stats.get(k, 0) + v
            for i, (doc, outcome) in enumerate(zip(chunk, outcomes)):
                if warm is not None and warm.wants(doc):
                    warm.scored(doc, notes[i] if notes is not None else None)
                yield (doc, *outcome)

        for chunk in _chunks(docs, chunk_chars, chunk_docs):
            payload = [_payload(d, warm) for d in chunk]
            pending.append((chunk, executor.submit(_score_chunk, payload)))
            if len(pending) >= 2 * jobs:
                yield from take()
        while pending:
            yield from take()
    except BaseException:  # an error, Ctrl-C, SIGTERM, or the consumer stopped: no worker may outlive us
        _stop_workers(executor)
        # not wait=True: a worker killed while sending its result leaves half a message in the result pipe,
        # and the executor's thread would wait for the rest of it forever
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True, cancel_futures=True)


def _stop_workers(executor, timeout: float = 1.0) -> None:
    """Terminate the worker processes of ``executor`` (SIGTERM, then SIGKILL after ``timeout`` seconds)."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout)
            if process.is_alive():
                process.kill()
                process.join(timeout)


def score_documents(items: Corpus | Iterable[Document | ErrorRecord], scorer: Scorer, *, jobs: int | None = 1,
                    cache: TokenCache | str | os.PathLike | None = None,
                    on_hits: Callable[[list[dict]], Any] | None = None, progress=None,
                    checkpoint: "Checkpoint | None" = None, resume: bool = False, evidence=True,
                    **options) -> "ScoreResult":
    """Score a corpus, or a stream of documents and error records, into a :class:`~policytext.ScoreResult`.

    :meth:`policytext.Scorer.score` is the run a user calls (it also reads paths, writes outputs and keeps a
    checkpoint); this is its engine.

    Parameters
    ----------
    items : Corpus, iterable of Document or ErrorRecord, DataFrame, dict or list of str
        What to score. Error records (reading errors) come first in ``result.errors``, then the documents
        that could not be scored, each in input order.
    scorer : Scorer
        Anything with the :meth:`policytext.Scorer.analyze` method and ``score_columns``.
    jobs : int or None
        Worker processes (None: every core).
    cache : TokenCache, str or os.PathLike, optional
        The token cache, or its folder.
    on_hits : callable, optional
        Receives each scored document's hit rows in input order; ``result.hits`` is then empty: the
        evidence is never held in memory.
    progress : tqdm-like, optional
        Updated once per document.
    checkpoint : Checkpoint, optional
        Records every outcome as it comes; with ``resume``, the outcomes it already holds are used instead of
        scoring those documents again (they must be the first documents of the stream, with the same ids and
        sources). The caller removes it (``checkpoint.finish()``) once its outputs are written.
    resume : bool
        Continue from ``checkpoint``.
    evidence : bool or Spill
        True: each document's hit rows as a list. False: no hit row is built, in this process or a worker
        (``on_hits`` gets empty lists; the scores are the same). A :class:`policytext.rowtext.Spill`: a
        document's rows beyond the spill's limit are written to a temporary file as they are complete (in the
        checkpoint's folder when there is one, which keeps it until the run is complete; else in the spill's
        folder, and removed once ``on_hits`` has had them), so a document dense with hits never has all its
        rows in memory; ``on_hits`` then gets a :class:`~policytext.rowtext.SpooledRows` for such a document.
    **options
        Passed to :func:`iter_scored` (e.g. ``mp_context="spawn"``, ``chunk_docs``).

    Returns
    -------
    ScoreResult
        Its tables are built (with pandas) only when read: ``policytext score`` prints or writes CSV from the
        rows without loading pandas.
    """
    from .cache import as_cache
    from .results import ScoreCollector

    cache = as_cache(cache)
    collector = ScoreCollector(on_hits, progress)
    items = _as_items(items)
    if isinstance(items, Corpus):
        collector.read_errors.extend(items.errors)
        if progress is not None:
            progress.total = len(items.documents)
        documents: Iterable[Document] = items.documents
    else:
        def split(stream):
            for item in stream:
                if isinstance(item, ErrorRecord):
                    collector.read_errors.append(item)
                elif isinstance(item, Document):
                    yield item
                else:
                    from .readers import ACCEPTED_INPUTS

                    raise TypeError(f"cannot score {type(item).__name__} items; accepted: {ACCEPTED_INPUTS}, or an "
                                    "iterable of policytext Document")

        documents = split(items)

    # the outcomes a resumed checkpoint holds, a part at a time, each taken as the stream reaches its document
    stored = checkpoint.begin(resume) if checkpoint is not None else iter(())

    def after_stored(docs):
        seen = 0
        pending = next(stored, None)
        for doc in docs:
            if pending is not None:
                if (doc.doc_id, doc.source) != tuple(pending[:2]):
                    raise ConfigError(f"{doc.source}: the corpus changed since the checkpoint was written "
                                      f"(expected {pending[1]} here); run again without --resume")
                collector.add(*pending)
                seen += 1
                pending = next(stored, None)
                continue
            yield doc
        if pending is not None:
            total = seen + 1 + sum(1 for _ in stored)
            raise ConfigError(f"the corpus has fewer documents than the checkpoint ({seen} < {total}); "
                              "run again without --resume")

    from .rowtext import Spill, SpooledRows

    if isinstance(evidence, Spill) and checkpoint is not None:  # the checkpoint keeps the rows it refers to
        evidence = Spill(checkpoint.folder, evidence.name, evidence.limit)
    hold = checkpoint.held if checkpoint is not None else None
    for doc, row, hit_rows, err in iter_scored(after_stored(documents), scorer, jobs=jobs, cache=cache,
                                               evidence=evidence, hold=hold, **options):
        outcome = (doc.doc_id, doc.source, doc.meta, row, hit_rows, err)
        if checkpoint is not None:
            checkpoint.add(outcome)
        collector.add(*outcome)
        if checkpoint is None and isinstance(hit_rows, SpooledRows):
            hit_rows.discard()
    if checkpoint is not None:
        checkpoint.flush()
    return collector.result(scorer.score_columns)


def _as_items(items):
    """A DataFrame, a ``{doc_id: text}`` dict or a list of strings as a :class:`Corpus` (see
    :func:`policytext.read_corpus`); other inputs unchanged."""
    is_texts = isinstance(items, (list, tuple)) and bool(items) and all(isinstance(i, str) for i in items)
    if type(items).__name__ == "DataFrame" or isinstance(items, dict) or is_texts:
        from .readers import ReadOptions, iter_objects

        added = list(iter_objects(items, ReadOptions(max_chars=None)))
        return Corpus([d for d in added if isinstance(d, Document)], [e for e in added if isinstance(e, ErrorRecord)])
    if isinstance(items, (str, os.PathLike)):
        from .readers import ACCEPTED_INPUTS

        raise TypeError(f"cannot score a path directly; read it first with policytext.read_corpus({str(items)!r}), "
                        f"which accepts {ACCEPTED_INPUTS}")
    return items


# --------------------------------------------------------------------------- evidence to a file, as it comes


class EvidenceWriter:
    """Writes hit rows to a table file as they arrive, atomically (temporary file, then rename).

    ``.csv``, ``.tsv`` and ``.jsonl`` are written in blocks of ``block`` rows and never held in memory; the
    bytes are those :func:`policytext.io.write_table` writes for the whole table. The block is small (500 rows)
    because each block's rows and text are freed as a whole: a block of 5000 left the parent process of a long
    run growing by about 3 kB a document in freed-but-scattered memory (issue 15). ``.parquet`` and
    ``.xlsx`` need the whole table: their rows are collected and written by :meth:`close`. Use as a context
    manager, or call :meth:`close` (an exception inside the ``with`` removes the temporary file).
    """

    STREAMED = (".csv", ".tsv", ".jsonl")

    def __init__(self, path: str | os.PathLike, block: int = 500):
        from .io import TABLE_FORMATS, require_parquet

        self.path = Path(path)
        self.ext = self.path.suffix.lower()
        if self.ext not in TABLE_FORMATS:
            raise OutputError(f"{self.path}: unknown output format {self.ext or '(no extension)'!r}; use one of "
                              f"{', '.join(TABLE_FORMATS)}")
        if self.ext == ".parquet":  # before the corpus is scored, not at the end
            require_parquet(self.path)
        self.block = block
        self.n_rows = 0
        self._rows: list[dict] = []
        self._fh = None
        self._tmp: str | None = None
        self._header_written = False
        if self.ext in self.STREAMED:
            folder = self.path.parent if str(self.path.parent) else Path(".")
            if not folder.is_dir():
                raise OutputError(f"{self.path}: folder {folder} does not exist")
            remove_stale_temps(self.path)
            try:
                fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
            except OSError as exc:
                raise OutputError(f"{self.path}: cannot write here ({exc.strerror})") from None
            encoding = "utf-8-sig" if self.ext in (".csv", ".tsv") else "utf-8"
            self._fh = os.fdopen(fd, "w", encoding=encoding, newline="")

    def __call__(self, rows: list[dict]) -> None:
        self.write(rows)

    def spill(self):
        """Where a run puts the rows of a document dense with hits before they reach this writer: a
        :class:`policytext.rowtext.Spill` to this file's folder (temporary files named like this writer's)
        for the formats written as they come; True (rows kept as lists) for .parquet and .xlsx, which hold
        the whole table until :meth:`close` anyway."""
        from .rowtext import Spill

        if self._fh is None:
            return True
        return Spill(self.path.parent if str(self.path.parent) else Path("."), self.path.name)

    def write(self, rows: list[dict]) -> None:
        from .rowtext import SpooledRows

        if isinstance(rows, SpooledRows):  # a document dense with hits: its rows a batch at a time
            for batch in rows.batches():
                self.write(batch)
            return
        self._rows.extend(rows)
        self.n_rows += len(rows)
        if self._fh is not None and len(self._rows) >= self.block:
            self._flush()

    def _flush(self) -> None:
        from .results import HIT_COLUMNS
        from .rowtext import hit_rows_text

        if not self._rows:
            return
        # CSV/TSV without pandas when the rows allow it (policytext.rowtext: the same bytes; issue 13.10)
        text = hit_rows_text(self._rows, HIT_COLUMNS, self.ext[1:], not self._header_written)
        if text is not None:
            self._rows = []
            try:
                self._fh.write(text)
            except OSError as exc:
                raise OutputError(f"{self.path}: cannot write ({exc.strerror or exc})") from None
            self._header_written = True
            return
        import pandas as pd

        from .io import neutralize_formulas

        df = pd.DataFrame(self._rows, columns=HIT_COLUMNS)
        self._rows = []
        try:
            if self.ext == ".jsonl":
                text = df.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
                if text and not text.endswith("\n"):
                    text += "\n"
            else:
                text = neutralize_formulas(df).to_csv(index=False, header=not self._header_written,
                                                      sep="," if self.ext == ".csv" else "\t", lineterminator="\n")
            self._fh.write(text)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write ({exc.strerror or exc})") from None
        self._header_written = True

    def close(self) -> Path:
        """Finish the file and move it into place."""
        from .io import write_table
        from .results import HIT_COLUMNS

        if self._fh is None:
            import pandas as pd

            write_table(pd.DataFrame(self._rows, columns=HIT_COLUMNS), self.path)
            self._rows = []
            return self.path
        if self.n_rows == 0:  # no hit at all: exactly what write_table writes for an empty table
            import pandas as pd

            self.abort()
            return write_table(pd.DataFrame([], columns=HIT_COLUMNS), self.path)
        self._flush()
        self._fh.close()
        self._fh = None
        try:
            publish_mode(self._tmp)  # mkstemp made it private; an output is readable like any other file
            os.replace(self._tmp, self.path)
        except OSError as exc:
            self.abort()
            raise OutputError(f"{self.path}: cannot write ({exc.strerror or exc})") from None
        return self.path

    def abort(self) -> None:
        """Drop the temporary file (nothing is written to ``path``)."""
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.close()
            self._fh = None
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)
            self._tmp = None

    def __enter__(self) -> "EvidenceWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
