"""Scoring on a Dask distributed cluster (``policytext score --scheduler ADDRESS``).

The client lists the input files (:func:`policytext.readers.plan_corpus`: folders walked, metadata loaded,
nothing read) and cuts the list into partitions of about equal size in bytes; a table larger than a
partition is cut into row ranges (each task opens the table and keeps its share of the rows). Each task
reads its files **on the worker**, scores every document with the same :meth:`Scorer.analyze` as a local
run, and sends back the rows, the evidence and the error records. The client takes the partitions back in
input order, checks ids and joins metadata exactly as :func:`policytext.read_corpus` does, so the score
table is identical, byte for byte, to a local run.

Workers must see the input files at the paths the client sees (a shared or replicated file system) and
run the same policytext version. With ``cache="default"`` each worker uses its own user's cache folder;
a folder given explicitly is used as is by every worker (share it on a common file system to share
tokens across machines). ``docs/scale.md`` shows how to start a scheduler and workers.

Needs ``pip install "policytext[dask]"`` (``dask[distributed]``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
from typing import TYPE_CHECKING, Any, Callable

from .corpus import Document, ErrorRecord
from .errors import ConfigError

if TYPE_CHECKING:
    from .readers import ReadOptions
    from .results import ScoreResult
    from .scoring import Scorer

__all__ = ["MIN_PARTITION_BYTES", "partition_entries", "score_distributed"]

#: partitions are no smaller than this (unless the corpus is), so that tiny tasks do not dominate
MIN_PARTITION_BYTES = 1 << 20
_PARTS_PER_THREAD = 4


def _size(entry) -> int:
    if entry.problem is not None:
        return 0
    try:
        return entry.path.stat().st_size
    except OSError:
        return 0


def partition_entries(entries: list, n_threads: int, min_bytes: int = MIN_PARTITION_BYTES) -> list[list[tuple]]:
    """Cut the file list into partitions of ``(entry, part, parts)``: about ``4 * n_threads`` partitions of
    contiguous files, equal in bytes; a table larger than a partition is split into ``parts`` row ranges."""
    from .readers import TABLE_FORMATS

    sizes = [_size(e) for e in entries]
    total = sum(sizes)
    target = max(min_bytes, math.ceil(total / max(1, _PARTS_PER_THREAD * n_threads)))
    partitions: list[list[tuple]] = []
    current: list[tuple] = []
    current_size = 0
    for entry, size in zip(entries, sizes):
        if entry.path.suffix.lower() in TABLE_FORMATS and size > target:
            if current:
                partitions.append(current)
                current, current_size = [], 0
            parts = min(256, math.ceil(size / target))
            partitions.extend([(entry, k, parts)] for k in range(parts))
            continue
        current.append((entry, 0, 1))
        current_size += size
        if current_size >= target:
            partitions.append(current)
            current, current_size = [], 0
    if current:
        partitions.append(current)
    return partitions


def _resolve_cache(cache):
    from .cache import TokenCache, default_cache_dir

    if cache is None or isinstance(cache, TokenCache):
        return cache
    if cache == "default":
        return TokenCache(default_cache_dir())
    return TokenCache(cache)


def _score_partition(scorer: Scorer, partition: list[tuple], options: ReadOptions, cache,
                     evidence: bool = True) -> dict:
    """Worker side: read the partition's files (or row ranges) and score their documents."""
    cache = _resolve_cache(cache)
    before = dict(cache.stats) if cache is not None else None
    encodings: dict[str, str] = {}
    notes: list[str] = []
    items: list[tuple] = []
    with cache.batch() if cache is not None else contextlib.nullcontext():  # one pack per partition
        _read_and_score(scorer, partition, options, cache, encodings, notes, items, evidence)
    delta = {k: cache.stats[k] - before[k] for k in before} if cache is not None else None
    return {"items": items, "encodings": encodings, "notes": notes, "cache": delta}


def _read_and_score(scorer, partition, options, cache, encodings, notes, items, evidence: bool = True) -> None:
    from .parallel import analyze_one
    from .readers import read_entry

    for entry, part, parts in partition:
        entry_notes: list[str] = []
        read = read_entry(entry, options, encodings, entry_notes)
        if parts > 1:
            read = list(read)
            n = len(read)
            read = read[n * part // parts: n * (part + 1) // parts]
            if part:
                entry_notes = []
        for item in read:
            if isinstance(item, Document):
                items.append(("doc", item.doc_id, item.meta, item.source, analyze_one(scorer, item, cache, evidence)))
            else:
                items.append(("error", item))
        notes.extend(entry_notes)


def score_distributed(inputs, scorer: Scorer, *, scheduler: Any, read_options: ReadOptions | None = None,
                      cache=None, on_hits: Callable[[list[dict]], Any] | None = None, progress=None,
                      info: dict | None = None, min_partition_bytes: int = MIN_PARTITION_BYTES,
                      evidence: bool = True, **fields: Any) -> ScoreResult:
    """Score the corpus ``inputs`` on a Dask cluster; the result equals ``Scorer.score(read_corpus(inputs, ...))``.

    Parameters
    ----------
    inputs : path or list of paths
        The corpus, as :func:`policytext.read_corpus` takes it.
    scorer : Scorer
        Sent once to every worker.
    scheduler : str or distributed.Client
        The scheduler's address (``tcp://10.0.0.5:8786``) or a client.
    read_options : ReadOptions, optional
        How to read (every option applies: the workers read with them).
    cache : None, TokenCache, str, os.PathLike or "default"
        The token cache: a folder used as is by every worker, or ``"default"`` (each worker's own default
        folder).
    on_hits : callable, optional
        As in :func:`policytext.parallel.score_documents`.
    progress : tqdm-like, optional
        Updated per file.
    info : dict, optional
        Filled with ``corpus.info``.
    min_partition_bytes : int
        Partitions are no smaller than this (unless the corpus is).
    evidence : bool
        False: the workers build no hit row (``on_hits`` gets empty lists); the scores are the same.
    **fields
        Fields of :class:`~policytext.readers.ReadOptions`, replacing those of ``read_options``.

    Returns
    -------
    ScoreResult
    """
    from .cache import TokenCache
    from .readers import CorpusAssembler, ReadOptions, plan_corpus
    from .results import ScoreCollector

    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask is installed with the test extra
        raise ConfigError('--scheduler needs Dask: pip install "policytext[dask]"') from None

    options = ReadOptions.of(read_options, **fields)
    plan = plan_corpus(inputs, options)
    if progress is not None:
        progress.total = len(plan.entries)
    own_client = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, set_as_default=False) if own_client else scheduler
    except OSError as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
    futures: list = []
    try:
        workers = client.scheduler_info().get("workers", {})
        n_threads = sum(w.get("nthreads", 1) for w in workers.values()) or 1
        # workers read by absolute path (their working folder is not ours); sources keep the user's spelling
        entries = [dataclasses.replace(e, path=e.path.absolute()) for e in plan.entries]
        partitions = partition_entries(entries, n_threads, min_partition_bytes)
        remote_scorer = client.scatter(scorer, broadcast=True, hash=False)
        remote_cache = cache.folder.as_posix() if isinstance(cache, TokenCache) else (
            os.fspath(cache) if isinstance(cache, os.PathLike) else cache)
        futures = [client.submit(_score_partition, remote_scorer, part, options, remote_cache, evidence, pure=False)
                   for part in partitions]

        assembler = CorpusAssembler(plan)
        collector = ScoreCollector(on_hits)
        for i, partition in enumerate(partitions):
            out = futures[i].result()
            futures[i] = None  # let the cluster forget it
            for key, value in out["encodings"].items():
                assembler.encodings.setdefault(key, value)
            plan.notes.extend(out["notes"])
            if out["cache"] and isinstance(cache, TokenCache):
                for k, v in out["cache"].items():
                    cache.stats[k] = cache.stats.get(k, 0) + v
            for item in out["items"]:
                if item[0] == "error":
                    collector.read_errors.append(assembler.add(item[1]))
                    continue
                _, doc_id, meta, source, (row, hit_rows, err) = item
                accepted = assembler.add(Document(doc_id, "", meta, source))
                if isinstance(accepted, ErrorRecord):
                    collector.read_errors.append(accepted)
                else:
                    collector.add(accepted.doc_id, accepted.source, accepted.meta, row, hit_rows, err)
            if progress is not None:
                progress.update(sum(1 for _, k, _ in partition if k == 0))
        final = assembler.finish()
    except BaseException:
        client.cancel([f for f in futures if f is not None])
        raise
    finally:
        if own_client:
            client.close()
    if info is not None:
        info.update(final)
    return collector.result(scorer.score_columns)
