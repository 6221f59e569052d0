"""One scoring run, as ``policytext score`` makes it and a notebook can: read, score over processes or a Dask
cluster, keep a checkpoint, stream the evidence to a file, write the scores and the errors.

:meth:`policytext.Scorer.score` calls :func:`score_run`; the command line's ``score`` is that call between
parsing its options and printing its summary. Everything here is built from the modules below it
(:mod:`policytext.readers`, :mod:`policytext.parallel`, :mod:`policytext.distributed`,
:mod:`policytext.checkpoint`, :mod:`policytext.io`); a scorer is used only through ``analyze``,
``score_columns`` and ``config``.

The order of a run with every output (each step only if asked for):

1. with ``resume`` and a checkpoint from a killed run, the killed run's temporary output files are removed;
2. the corpus is read as a stream (paths) or taken as given, scored in input order, each outcome checkpointed,
   the evidence written as it comes;
3. the score table is written to ``output`` (atomically), then the evidence file is moved into place, then
   the error table is written; only then is the checkpoint removed. When no document at all could be scored,
   neither ``output`` nor ``evidence`` is written (``errors`` is).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .corpus import Corpus
from .errors import ConfigError

if TYPE_CHECKING:
    from .checkpoint import Checkpoint
    from .readers import ReadOptions
    from .results import ScoreResult

__all__ = ["score_run"]


def _is_paths(corpus) -> bool:
    from .readers import is_path_input

    return not isinstance(corpus, Corpus) and is_path_input(corpus)


def _token_cache(cache, scheduler):
    """``cache`` as the run uses it: True is the user's default folder (on a cluster: each worker's own)."""
    from .cache import TokenCache, as_cache, default_cache_dir

    if cache is True:
        return "default" if scheduler else TokenCache(default_cache_dir())
    if cache is False:
        return None
    return as_cache(cache)


def _checkpoint(checkpoint, output, corpus, scorer, read_options, evidence, every) -> Checkpoint | None:
    if checkpoint is None or checkpoint is False:
        return None
    from .checkpoint import Checkpoint

    if isinstance(checkpoint, Checkpoint):
        return checkpoint
    anchor = output if checkpoint is True else checkpoint
    if anchor is None:
        raise ConfigError("checkpoint=True needs an output file to keep the checkpoint beside; give output= or "
                          "a path as checkpoint=")
    if _is_paths(corpus):
        from .readers import ReadOptions

        paths = [corpus] if isinstance(corpus, (str, os.PathLike)) else list(corpus)
        return Checkpoint.for_run(anchor, scorer, inputs=paths, read_options=ReadOptions.of(read_options),
                                  evidence=bool(evidence), every=every)
    if not isinstance(corpus, Corpus):
        raise ConfigError("a checkpoint needs the corpus as paths or as a Corpus (a stream cannot be checked on "
                          "resume)")
    return Checkpoint.for_run(anchor, scorer, corpus=corpus, evidence=bool(evidence), every=every)


def score_run(scorer, corpus, *, progress=None, jobs: int | None = 1, cache=None,
              read_options: ReadOptions | None = None, scheduler=None, output=None, evidence=None, errors=None,
              checkpoint=None, resume: bool = False, checkpoint_every: int = 200, decimals: int | None = None,
              info: dict | None = None, verify: bool = False, **options: Any) -> ScoreResult:
    """Run ``scorer`` over ``corpus`` with the outputs asked for; the arguments are those of
    :meth:`policytext.Scorer.score`, which documents them."""
    from .io import remove_stale_temps

    if scheduler is not None and checkpoint:
        raise ConfigError("a checkpoint (and resume) works without a Dask scheduler")
    if resume and not checkpoint:
        raise ConfigError("resume=True needs a checkpoint (checkpoint=True with output=, or a path)")
    info = info if info is not None else {}
    cache = _token_cache(cache, scheduler)
    owned = checkpoint is not None and checkpoint is not False and not _is_checkpoint(checkpoint)
    cp = _checkpoint(checkpoint, output, corpus, scorer, read_options, evidence, checkpoint_every)
    if resume and cp is not None and cp.exists():  # the run being resumed was killed: its temporary files go
        for path in (output, evidence):
            if path:
                remove_stale_temps(path, max_age=0)
    writer = None
    if evidence:
        from .parallel import EvidenceWriter

        writer = EvidenceWriter(evidence)
    try:
        result = _score(scorer, corpus, progress, jobs, cache, read_options, scheduler, writer, evidence is False, cp,
                        resume, info, verify, options)
        if len(result):
            if output:
                _write_scores(result, output, decimals)
            if writer is not None:
                writer.close()
        elif writer is not None:
            writer.abort()
        if errors:
            from .io import write_table

            write_table(result.errors_frame, errors, sheet_name="errors")
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if cp is not None:
        info["resumed"] = cp.resumed
        if owned:
            cp.finish()
    from .cache import TokenCache

    if isinstance(cache, TokenCache):
        info["token_cache"] = {"folder": str(cache.folder), **cache.stats}
    return result


def _is_checkpoint(value) -> bool:
    from .checkpoint import Checkpoint

    return isinstance(value, Checkpoint)


def _drop(rows: list[dict]) -> None:
    """Evidence nobody asked for: not kept."""


def _score(scorer, corpus, progress, jobs, cache, read_options, scheduler, writer, evidence_off, cp, resume, info,
           verify, options):
    from .parallel import score_documents

    # evidence to a file, dropped (evidence=False: the command line without --evidence), or kept in the result
    on_hits = writer if writer is not None else (_drop if evidence_off else None)
    # not wanted: no hit row is built at all; to a file written as it comes: a document's rows are spilled to a
    # temporary file beside it past a batch (issue 13.10: a document dense with hits); else kept as lists
    rows = False if evidence_off else (writer.spill() if writer is not None else True)
    if scheduler is not None:
        if not _is_paths(corpus):
            raise ConfigError("scheduler= scores files: give the corpus as paths (the workers read them)")
        from .distributed import score_distributed

        return score_distributed(corpus, scorer, scheduler=scheduler, read_options=read_options, info=info,
                                 progress=progress, cache=cache, on_hits=on_hits, evidence=not evidence_off)
    warm = None
    if _is_paths(corpus):
        from .readers import iter_corpus

        warm = _warm_index(cache, corpus, read_options, scorer, verify)
        # read as scored (bounded memory); unchanged files not at all
        items = iter_corpus(corpus, read_options, progress=progress, info=info, reuse=warm)
        progress = None  # counted per file while reading
    else:
        if read_options is not None:
            raise ConfigError("read_options apply to paths; this corpus is already read")
        items = corpus
        if not isinstance(corpus, Corpus) and progress is not None and hasattr(corpus, "__len__"):
            progress.total = len(corpus)
    if warm is not None:
        options["warm"] = warm
    try:
        result = score_documents(items, scorer, jobs=jobs, cache=cache, on_hits=on_hits, progress=progress,
                                 checkpoint=cp, resume=resume, evidence=rows, **options)
    finally:
        if warm is not None and warm.store is not None:
            warm.store.close()
    if warm is not None:
        warm.save()
        info["warm_index"] = {"path": str(warm.path), **warm.stats}
        from .warmstore import renew  # the arrays a run without evidence scores from (policytext.warmstore)

        info["warm_index"]["store"] = {None: "kept", True: "written", False: "not written"}[renew(cache, warm)]
    return result


def _warm_index(cache, corpus, read_options, scorer, verify: bool):
    """The index of unchanged files (:mod:`policytext.warm`) of a run over paths with a token cache, else None."""
    from .cache import TokenCache

    tokenizer = getattr(scorer, "tokenizer", None)
    if not isinstance(cache, TokenCache) or tokenizer is None:
        return None
    from .warm import WarmIndex
    from .warmstore import WarmStore

    warm = WarmIndex(cache, corpus, read_options, tokenizer, getattr(scorer, "t2s", True), verify=verify)
    if not verify:
        warm.store = WarmStore.open(warm)
    return warm


def _write_scores(result: ScoreResult, output, decimals: int | None) -> Path:
    """The score table to ``output`` (format by extension): CSV/TSV without metadata straight from the rows
    (no pandas), a block of rows at a time (the whole text is never in memory), anything else through
    :func:`policytext.io.write_table`."""
    from .io import write_table, write_text_table

    fmt = Path(output).suffix.lower()[1:]
    if decimals is None and not result.has_metadata and fmt in ("csv", "tsv"):
        return write_text_table(result.iter_text(fmt), output)
    scores = result.scores
    return write_table(scores if decimals is None else scores.round(decimals), output)
