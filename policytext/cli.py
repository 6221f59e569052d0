"""The ``policytext`` command line: parse options -> one library call -> write output.

Only this module imports click. Library errors (:class:`policytext.errors.PolicyTextError`) become one line
on stderr and an exit code; ``--debug`` shows the traceback instead. Exit codes (``docs/errors.md``):

====  ==========================================================================
0     success
1     ``--strict`` and some inputs were not scored; ``lexicon validate`` found errors
2     bad command-line usage (unknown option, missing argument)
3     input error: unreadable corpus, missing column, malformed lexicon, bad option value, no readable document
4     an output file cannot be written (incl. a full disk)
129   stopped by SIGHUP; 143 stopped by SIGTERM (workers stopped, temporary files removed, checkpoint kept)
130   interrupted (Ctrl-C)
====  ==========================================================================
"""

from __future__ import annotations

import contextlib
import errno
import functools
import gc
import os
import signal
import sys
from collections import Counter
from pathlib import Path

import click

from . import __version__
from .errors import NoDocumentsError, OutputError, PolicyTextError

EXIT_STRICT = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
#: errors of a write that mean the disk (or the quota, or the file size limit) is full
DISK_FULL = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EFBIG) if e is not None)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: unwinds like Ctrl-C (workers stopped, temporary files removed, checkpoint
    kept), then the command exits with 128 + the signal number."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, _frame):
    for sig in _STOP_SIGNALS:  # a second signal while cleaning up is not a second exception
        signal.signal(sig, signal.SIG_IGN)
    raise Terminated(signum)


_STOP_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP end a command as Ctrl-C does (main thread only; the console script calls this)."""
    import threading

    if threading.current_thread() is threading.main_thread():
        for sig in _STOP_SIGNALS:
            signal.signal(sig, _on_signal)


class _Group(click.Group):
    """Runs a command and turns library errors into one-line messages with the documented exit codes."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PolicyTextError as exc:
            if ctx.meta.get("policytext.debug"):
                raise
            click.echo(f"policytext: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except Terminated as exc:
            name = signal.Signals(exc.signum).name
            click.echo(f"policytext: stopped by {name}; workers stopped and temporary files removed (a checkpoint, "
                       "if any, is kept: run again with --resume)", err=True)
            # temporary files went while the exception unwound; exit now rather than let the interpreter's exit
            # wait on a worker pool's thread (Terminated is raised only by the handler main() installs)
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(128 + exc.signum)
        except KeyboardInterrupt:
            click.echo("policytext: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


def _set_debug(ctx, _param, value):
    if value:
        ctx.meta["policytext.debug"] = True
    return value


class _NoBar:
    """What a hidden bar is: counts, shows nothing (tqdm is not imported for it)."""

    total = None
    n = 0

    def update(self, n=1):
        self.n += n

    def close(self):
        """Nothing to close: a hidden bar holds no terminal."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _progress(quiet: bool, desc: str):
    """A tqdm bar on stderr, shown only on a terminal and without --quiet."""
    if quiet or not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm

    return tqdm(desc=desc, unit="doc", file=sys.stderr, disable=quiet or not sys.stderr.isatty(), leave=False)


def _info(quiet: bool, message: str) -> None:
    if not quiet:
        click.echo(message, err=True)


# -- shared options ------------------------------------------------------------------------------------
# -- outputs never overwrite inputs (docs/errors.md) -----------------------------------------------------
#: parameters naming files or folders a command reads
_INPUT_PARAMS = ("inputs", "corpus_path", "scores_path", "labels_path", "gold_path", "candidates_path", "seeds_path",
                 "metadata", "reference_paths", "model_dir", "lexicon_path")
#: parameters naming files or folders a command writes
_OUTPUT_PARAMS = ("output", "output_dir", "evidence", "errors_path", "seed_check_path", "words_path", "key_path",
                  "categories_path", "sensitivity_path", "cache_dir")


def _stat(path: str):
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _same_stat(a, b) -> bool:
    return a is not None and b is not None and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _ancestors(path: str) -> list[tuple[str, str]]:
    """``(ancestor, path relative to it)`` for every existing folder above ``path`` (symlinks resolved)."""
    real = os.path.realpath(path)
    out, current = [], real
    while True:
        parent = os.path.dirname(current)
        if parent == current:
            return out
        out.append((parent, os.path.relpath(real, parent)))
        current = parent


def _case_insensitive(folder: str) -> bool:
    """True when ``folder``'s file system ignores case (macOS, Windows): the same folder under another case."""
    head, tail = os.path.split(os.path.realpath(folder))
    swapped = tail.swapcase()
    return bool(tail) and swapped != tail and _same_stat(_stat(folder), _stat(os.path.join(head, swapped)))


def _key(path: str) -> str:
    real = os.path.normcase(os.path.realpath(path))
    return real.casefold() if _case_insensitive(os.path.dirname(real) or ".") else real


def _would_be_read(rel: str, patterns) -> bool:
    from fnmatch import fnmatchcase

    parts = rel.replace(os.sep, "/").split("/")
    if any(p.startswith(".") for p in parts):
        return False  # names starting with "." are never read
    rel = "/".join(parts)
    return not patterns or any(fnmatchcase(rel, p) for p in patterns)


def output_conflicts(inputs: list[tuple[str, str]], outputs: list[tuple[str, str, bool]], patterns=None) -> list[str]:
    """Why the outputs would destroy or pollute an input, or each other: ``inputs`` are ``(option, path)``,
    ``outputs`` ``(option, path, is_folder)``. Paths are compared as files (same device and inode: symlinks,
    hard links, ``..`` and case on case-insensitive file systems all resolve to the same file)."""
    problems = []
    existing = [(name, p, _stat(p)) for name, p in inputs if _stat(p) is not None]
    for name, out, is_folder in outputs:
        out_stat = _stat(out)
        for in_name, inp, in_stat in existing:
            import stat as _st

            in_is_dir = _st.S_ISDIR(in_stat.st_mode)
            if _same_stat(out_stat, in_stat):
                problems.append(f"{name} {out} is the input {inp} ({in_name}); writing it would destroy the input")
                continue
            if in_is_dir:
                for folder, rel in _ancestors(out):
                    if _same_stat(_stat(folder), in_stat):
                        if _would_be_read(rel, patterns):
                            problems.append(f"{name} {out} lies inside the input folder {inp}, where it would be "
                                            "read as an input")
                        break
            if is_folder and name != "--cache":  # report/topics folders are replaced as a whole
                for folder, _rel in _ancestors(inp):
                    if _same_stat(_stat(folder), out_stat):
                        problems.append(f"{name} {out} holds the input {inp}; the output folder is replaced as a whole")
                        break
    seen: dict[str, str] = {}
    for name, out, is_folder in outputs:
        key = _key(out)
        if key in seen:
            problems.append(f"{name} {out} is also {seen[key]}; give each output its own path")
        else:
            seen[key] = f"{name} {out}"
    folders = [(name, out) for name, out, is_folder in outputs if is_folder and name != "--cache"]
    for name, out, is_folder in outputs:
        for folder_name, folder in folders:
            if out != folder and _key(out).startswith(_key(folder).rstrip(os.sep) + os.sep):
                problems.append(f"{name} {out} lies inside the output folder {folder} ({folder_name}), which is "
                                "replaced as a whole")
    return problems


def guard_outputs(f):
    """For every command that writes: refuse (one line, exit 2), before anything is read, an output path that
    is an input, lies where it would be read as an input, holds an input, or is another output of the same
    command; and turn a full disk while writing into one line and exit 4."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        params = {p.name: p for p in ctx.command.params}

        def option(name: str) -> str:
            p = params.get(name)
            if isinstance(p, click.Argument):
                return p.metavar.strip("[].") if p.metavar else name.upper()
            return max(p.opts, key=len) if p is not None and p.opts else name

        read_options = kwargs.get("read_options")

        def values(name):
            v = kwargs.get(name) if name != "metadata" or read_options is None else read_options.metadata
            return [] if v is None or v == () else ([v] if isinstance(v, (str, os.PathLike)) else list(v))

        inputs = [(option(n), os.fspath(v)) for n in _INPUT_PARAMS for v in values(n)]
        outputs = []
        for n in _OUTPUT_PARAMS:
            for v in values(n):
                p = params.get(n)
                is_folder = bool(p is not None and isinstance(p.type, click.Path) and not p.type.file_okay)
                outputs.append((option(n), os.fspath(v), is_folder))
        patterns = read_options.glob if read_options is not None else kwargs.get("glob")
        problems = output_conflicts(inputs, outputs, list(patterns or ()) or None)
        for _, out, _ in outputs:  # a .parquet output without pyarrow: one line before anything is read
            if out.lower().endswith(".parquet"):
                from .io import require_parquet

                require_parquet(out)
        if problems:
            click.echo(f"policytext: error: {problems[0]}; choose another output path (nothing was read or written)",
                       err=True)
            ctx.exit(EXIT_USAGE)
        try:
            return f(*args, **kwargs)
        except OSError as exc:
            if exc.errno not in DISK_FULL:
                raise
            where = exc.filename or ", ".join(out for _, out, _ in outputs) or "the output"
            raise OutputError(f"{where}: cannot write ({exc.strerror or os.strerror(exc.errno)}); nothing was "
                              "written: free some space or write elsewhere") from None

    return wrapper


#: the options of corpus_options that are reader options: the command gets them as one ReadOptions
_READER_PARAMS = ("text_column", "id_column", "encoding", "metadata", "metadata_id_column", "glob", "max_chars",
                  "sheet", "include_docs")


def common_options(f):
    @click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary on stderr (errors still print).")
    @click.option("--debug", is_flag=True, expose_value=False, callback=_set_debug, is_eager=True,
                  help="Show the full traceback of an error.")
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return f(*args, **kwargs)

    return wrapper


def corpus_options(f):
    """The reader options (and --no-t2s); the command receives the reader options as one
    :class:`policytext.readers.ReadOptions`, ``read_options``, built here once."""
    options = [
        click.option("--text-column", metavar="NAME", help="Tables: the column holding the text (default: 'text')."),
        click.option("--id-column", metavar="NAME", help="Tables: the id column (default: 'doc_id' or 'id', else row numbers)."),
        click.option("--encoding", metavar="NAME", help="Decode every text file with this encoding (default: detect per file)."),
        click.option("--metadata", type=click.Path(dir_okay=False), metavar="CSV",
                     help="CSV joined to documents by id (default: metadata.csv at the root of a corpus folder)."),
        click.option("--metadata-id-column", metavar="NAME", help="Id column of --metadata (default: doc_id or id)."),
        click.option("--glob", "glob", multiple=True, metavar="PATTERN",
                     help="Folders: read only files whose relative path matches, e.g. '*.txt' or '2025/*' (repeatable)."),
        click.option("--no-t2s", is_flag=True, help="Do not convert traditional characters to simplified."),
        click.option("--max-chars", type=click.IntRange(1), default=_MAX_CHARS, show_default=True, metavar="N",
                     help="A document with more characters is not read (TooLargeError record); checked while reading."),
        click.option("--sheet", metavar="NAME|INDEX|all",
                     help=".xlsx: the worksheet to read (a name, a position from 1, or all; default: the first "
                          "visible one). Worksheets not read are listed."),
        click.option("--include-docs", is_flag=True,
                     help="Folders: also score README*, MANIFEST*, LICENSE*, CHANGELOG* files (skipped by default)."),
    ]

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        from .readers import ReadOptions

        kwargs["read_options"] = ReadOptions(**{name: kwargs.pop(name) for name in _READER_PARAMS})
        return f(*args, **kwargs)

    for opt in reversed(options):
        wrapper = opt(wrapper)
    return wrapper


_MAX_CHARS = 50_000_000  # policytext.readers.MAX_CHARS, repeated so that --help does not import the readers


def _formats_in_help(f):
    """Fill ``{formats}`` in a command's help with the readable formats, from the reader registry."""
    from .readers import formats_help

    f.__doc__ = f.__doc__.replace("{formats}", formats_help())
    return f


def corpus_command_options(f):
    """The corpus and common options and the output guard: the stack of a command that reads a corpus."""
    return corpus_options(common_options(guard_outputs(f)))


def checkpoint_options(f):
    """--resume and --checkpoint-every, for commands that write their outputs at the end (score -o, report)."""
    options = [
        click.option("--resume", is_flag=True,
                     help="Continue an interrupted run into the same output from its checkpoint (docs/errors.md)."),
        click.option("--checkpoint-every", type=click.IntRange(1), default=200, show_default=True, metavar="N",
                     help="Save progress every N documents (and every 5 s) so that --resume can continue."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def tokenizer_options(f):
    options = [
        click.option("--lexicon", "lexicon_path", metavar="FILE",
                     help="Lexicon file (.yaml, .csv, .dic); default: the fine-grained-governance lexicon."),
        click.option("--engine", type=click.Choice(["auto", "jieba", "rjieba"]), default="auto", show_default=True,
                     help="Tokenizer engine: rjieba (jieba-rs) gives jieba's tokens several times faster; auto uses it "
                          "with jieba's default dictionary."),
        click.option("--no-hmm", is_flag=True, help="Turn off jieba's HMM for unknown words."),
        click.option("--inject-lexicon", is_flag=True,
                     help="Add the lexicon's terms to the tokenizer's dictionary (changes segmentation; see docs)."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def scoring_run_options(f):
    """The options of a command that scores a corpus into files it writes at the end (score, report): the
    checkpoint, corpus, tokenizer and common options, and the output guard."""
    return checkpoint_options(corpus_options(tokenizer_options(common_options(guard_outputs(f)))))


def _read(inputs, options, quiet: bool):
    """Read the corpus ``inputs`` with ``options`` (a ReadOptions, or None for the defaults), with a progress bar;
    nothing readable is exit 3."""
    from .readers import read_corpus

    with _progress(quiet, "reading") as bar:
        corpus = read_corpus(list(inputs), options, progress=bar)
    if not len(corpus):
        _nothing_readable(corpus.errors, None, quiet)
    return corpus


def _nothing_readable(errors, errors_path, quiet: bool):
    """No input could be used: list why (and write --errors), then exit 3 with one line."""
    _report_errors(errors, len(errors), errors_path, quiet)
    kinds = ", ".join(f"{k} {n}" for k, n in Counter(e.error for e in errors).most_common())
    raise NoDocumentsError(f"no readable document: all {len(errors)} inputs failed ({kinds}); nothing was written. "
                           "Fix the inputs listed above, or choose files with --glob")


def _lexicon_and_tokenizer(lexicon_path, engine, no_hmm, inject_lexicon):
    from .lexicon import load_lexicon
    from .tokenize import Tokenizer

    lexicon = load_lexicon(lexicon_path)
    words = [t.term for t in lexicon.terms if not t.is_glob] if inject_lexicon else ()
    return lexicon, Tokenizer(engine=engine, hmm=not no_hmm, words=words)


def _token_cache(cache_dir):
    """The token cache of the command line: ``--cache DIR``, else the user's cache folder."""
    from .cache import TokenCache, default_cache_dir

    return TokenCache(cache_dir if cache_dir else default_cache_dir())


def _report_errors(errors, n_inputs: int, errors_path, quiet: bool) -> None:
    """Say on stderr which inputs were not scored and why (``errors_path``: where the run wrote them all)."""
    if not errors:
        return
    kinds = ", ".join(f"{k} {n}" for k, n in Counter(e.error for e in errors).most_common())
    where = f"; all listed in {errors_path}" if errors_path else "; list them all with --errors FILE"
    click.echo(f"policytext: {len(errors)} of {n_inputs} inputs not scored ({kinds}){where}", err=True)
    for e in errors[: 5 if not quiet else 0]:
        click.echo(f"  {e}", err=True)
    if len(errors) > 5 and not quiet:
        click.echo(f"  ... and {len(errors) - 5} more", err=True)
    skipped = [e for e in errors if e.error == "SkippedInputError"]
    if skipped and not quiet:
        docs = [e for e in skipped if "documentation file" in e.message]
        sheets = [e for e in skipped if "worksheet" in e.message]
        parts = []
        if docs:
            names = ", ".join(Path(e.source).name for e in docs[:5]) + (" ..." if len(docs) > 5 else "")
            parts.append(f"{len(docs)} documentation file(s) ({names}; --include-docs to score them)")
        if sheets:
            names = ", ".join(e.source.rsplit("#", 1)[-1] for e in sheets[:5]) + (" ..." if len(sheets) > 5 else "")
            parts.append(f"{len(sheets)} worksheet(s) not chosen ({names}; --sheet NAME|INDEX|all to read them)")
        click.echo(f"policytext: skipped on purpose: {'; '.join(parts)}", err=True)


def _write_tables(*tables) -> None:
    """Write each ``(table, path, sheet name)`` whose path was given (the optional extra outputs of a command)."""
    from .io import write_table

    for df, path, sheet in tables:
        if path:
            write_table(df, path, sheet_name=sheet)


def _emit_table(df, output, fmt="csv"):
    from .io import table_to_text, write_table

    if output:
        write_table(df, output)
    else:
        click.echo(table_to_text(df, fmt), nl=False)


# -- commands ------------------------------------------------------------------------------------------
@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="policytext")
def cli():
    """Chinese policy-text analysis: score government documents for fine-grained governance (精细化治理).

    \b
    Examples:
      policytext score corpora/demo -o scores.csv
      policytext kwic corpora/demo 精细化 无缝对接 --window 15
      policytext lexicon show
    """


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(), metavar="CORPUS...")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write scores here (.csv, .tsv, .jsonl, .parquet, .xlsx); default: CSV on stdout.")
@click.option("--evidence", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write one row per hit (doc_id, term, category, offsets, context) to FILE.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the inputs that could not be scored, with reasons, to FILE.")
@click.option("--strict", is_flag=True, help="Exit with code 1 if any input was not scored.")
@click.option("-j", "--jobs", type=click.IntRange(1), metavar="N",
              help="Worker processes (default: every core). Scores are identical whatever N; corpora under "
                   "50 documents or 200,000 characters use one.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Token cache folder (default: tokens/ in the user cache folder, e.g. ~/.cache/policytext/tokens); "
                   "a re-run with another lexicon reuses the tokens.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the token cache.")
@click.option("--verify", is_flag=True,
              help="Read and hash every file again, also those unchanged since their tokens were cached, and "
                   "rebuild the cache's index of unchanged files.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Score on a Dask cluster (e.g. tcp://10.0.0.5:8786); workers read their share of the files.")
@click.option("--round", "round_to", type=click.IntRange(0, 15), metavar="N",
              help="Round the decimal columns (rates, index, shares) to N decimals (default: full precision).")
@scoring_run_options
@_formats_in_help
def score(inputs, output, evidence, errors_path, strict, jobs, cache_dir, no_cache, verify, scheduler, resume,
          checkpoint_every, round_to, read_options, no_t2s, lexicon_path, engine, no_hmm, inject_lexicon, quiet):
    """Score documents against the lexicon: hits, rates and a composite index per document.

    CORPUS is a folder (read recursively), a document file, or a table (name the text column with
    --text-column); readable: {formats}. Scores go to stdout as CSV unless -o is given; progress and a
    summary go to stderr.

    \b
    Examples:
      policytext score corpora/demo -o scores.xlsx --evidence hits.csv
      policytext score docs.csv --text-column 正文 --id-column 文号 > scores.csv
      policytext score reports/ --glob '*.txt' --metadata meta.csv --errors errors.csv --strict
      policytext score laws/ -o scores.csv --jobs 2 --cache ~/tokens
      policytext score laws/ -o scores.csv --scheduler tcp://10.0.0.5:8786
    """
    from .parallel import default_jobs
    from .scoring import Scorer

    if cache_dir and no_cache:
        raise click.UsageError("--cache and --no-cache exclude each other")
    if resume and (not output or scheduler):
        raise click.UsageError("--resume needs -o FILE and works without --scheduler")
    lexicon, tokenizer = _lexicon_and_tokenizer(lexicon_path, engine, no_hmm, inject_lexicon)
    jobs, info = jobs or default_jobs(), {}
    with _progress(quiet, "scoring") as bar:  # read, scored and the evidence written as a stream (docs/scale.md)
        result = Scorer(lexicon, tokenizer, t2s=not no_t2s).score(
            list(inputs), bar, jobs=jobs, cache=None if no_cache else (cache_dir or True), read_options=read_options,
            scheduler=scheduler, output=output, evidence=evidence or False, errors=errors_path,
            checkpoint=bool(output) and not scheduler, resume=resume, checkpoint_every=checkpoint_every,
            decimals=round_to, info=info, verify=verify)
    if not len(result):  # nothing readable: exit 3, no output written
        _nothing_readable(result.errors, errors_path, quiet)
    if not output:
        _print_table(result, round_to)
    if info.get("resumed"):
        _info(quiet, f"policytext: resumed: {info['resumed']} documents came from the checkpoint")
    _score_summary(result, lexicon, tokenizer, no_t2s, info, f"Dask cluster {scheduler}" if scheduler else
                   f"--jobs {jobs}", quiet)
    _report_errors(result.errors, len(result) + len(result.errors), errors_path, quiet)
    if strict and result.errors:
        sys.exit(EXIT_STRICT)


def _print_table(result, round_to) -> None:
    """The score table on stdout as CSV: from the rows without pandas (issue 15.1) unless it must be rounded."""
    if round_to is None:
        click.echo(result.to_text("csv"), nl=False)
    else:
        _emit_table(result.scores.round(round_to), None)


def _column(records, name: str):
    """``record[name]`` of each record: from a run's columns (:meth:`policytext.results.ScoreRecords.column_values`,
    no dict built per record) or from a list of dicts."""
    values = getattr(records, "column_values", None)
    return values(name) if values is not None else (r[name] for r in records)


def _score_summary(result, lexicon, tokenizer, no_t2s: bool, info: dict, where: str, quiet: bool) -> None:
    """What ``score`` says on stderr: what was applied, short documents, the highest and lowest index."""
    records = result.records
    cache = info.get("token_cache")
    unread = (info.get("warm_index") or {}).get("unread")
    reuse = f"; token cache {cache['hits']} reused, {cache['misses']} new ({cache['folder']})" if cache else ""
    if cache and unread:
        reuse += f"; {unread} unchanged files not read"
    _info(quiet, f"policytext: scored {len(records)} documents against {lexicon.name} {lexicon.version} "
                 f"({len(lexicon.categories)} categories, {len(lexicon.terms)} terms); tokenizer {tokenizer.engine}, "
                 f"HMM {'on' if tokenizer.hmm else 'off'}, t2s {'off' if no_t2s else 'on'}"
                 + (f"; metadata from {info['metadata']}" if info.get("metadata") else "")
                 + f"; {where}{reuse}")
    if records and not quiet and "short" in records[0]:  # (quiet: nothing to say, nothing to count)
        from .scoring import SHORT_TEXT

        n_short = sum(map(bool, _column(records, "short")))
        if n_short:
            _info(quiet, f"policytext: warning: {n_short} of {len(records)} documents are short (under "
                         f"{SHORT_TEXT} characters, column short): their rates per 10,000 characters rest on few "
                         "characters and swing widely; compare sentence_share, or set them apart")
    if records and not quiet:
        import heapq

        # the three first and three last of the records sorted by (-index, doc_id), ties in input order, without
        # holding every record at once, and from the two columns only (no record is built: issue 15)
        rank = lambda ir: (-ir[1][0], ir[1][1], ir[0])  # noqa: E731
        pairs = lambda: enumerate(zip(_column(records, "index"), _column(records, "doc_id")))  # noqa: E731
        top = [r for _, r in heapq.nsmallest(3, pairs(), key=rank)]
        bottom = [r for _, r in heapq.nlargest(3, pairs(), key=rank)]
        show = lambda rows: ", ".join(f"{doc_id} ({index:.1f})" for index, doc_id in rows)  # noqa: E731
        click.echo(f"policytext: highest index: {show(top)}; lowest: {show(bottom)}", err=True)


@cli.command()
@click.argument("corpus_path", type=click.Path(), metavar="CORPUS")
@click.argument("terms", nargs=-1, required=True, metavar="TERM...")
@click.option("-w", "--window", type=click.IntRange(0, 500), default=20, show_default=True,
              help="Characters of context on each side.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the lines to FILE (.csv, .tsv, .jsonl, .parquet, .xlsx).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "tsv", "jsonl"]), default="text", show_default=True,
              help="Format on stdout when -o is not given.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(["counted", "rejected", "vetoed"]),
              help="Only hits with this status (repeatable; default: all). Rejected and vetoed hits come from the "
                   "lexicon's context rules and are not counted in scores.")
@corpus_options
@tokenizer_options
@common_options
@guard_outputs
def kwic(corpus_path, terms, window, output, fmt, statuses, read_options, no_t2s, lexicon_path, engine, no_hmm, inject_lexicon, quiet):
    """Keyword in context: every hit of TERMs, matched as scoring matches them.

    A TERM may also name a lexicon category (e.g. co_governance), which stands for all its terms.

    \b
    Examples:
      policytext kwic corpora/demo 共治 无缝对接
      policytext kwic corpora/demo seamless_service --window 10 -o kwic.xlsx
      policytext kwic corpora/demo crude --status rejected
    """
    from .kwic import kwic as run_kwic

    corpus = _read([corpus_path], read_options, quiet)
    lexicon, tokenizer = _lexicon_and_tokenizer(lexicon_path, engine, no_hmm, inject_lexicon)
    with _progress(quiet, "kwic") as bar:
        df = run_kwic(corpus, terms, lexicon=lexicon, window=window, tokenizer=tokenizer, t2s=not no_t2s, progress=bar,
                      status=statuses or None)
    if output or fmt != "text":
        _emit_table(df, output, fmt if fmt != "text" else "csv")
    else:
        width = max([len(d) for d in df["doc_id"]] + [0])
        for r in df.itertuples():
            mark = "" if r.status == "counted" else f"  ({r.status})"
            click.echo(f"{r.doc_id:<{width}}  {r.left:>{window}} 【{r.match}】 {r.right}{mark}")
    _info(quiet, f"policytext: {len(df)} lines in {df['doc_id'].nunique()} of {len(corpus)} documents")
    _report_errors(corpus.errors, corpus.n_inputs, None, quiet)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(), metavar="CORPUS...")
@click.option("-o", "--output", "output_dir", required=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Folder for report.html, report.xlsx, report.docx, scores.csv, columns.csv and manifest.json "
                   "(replaced as a whole).")
@click.option("--group-by", "group_by", multiple=True, metavar="COLUMN",
              help="Compare groups of this metadata column, with bootstrap 95% intervals (repeatable).")
@click.option("--topics", "n_topics", type=click.IntRange(2, 200), metavar="K",
              help="Add the anchored topic model with K topics (governance, contrast and K-2 residual topics; "
                   "5 fits, share with its 5-95% range and a stability verdict; K >= 3).")
@click.option("--title", metavar="TEXT", help="Title of the report (default: 精细化治理政策文本分析报告).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap and the topic model.")
@click.option("--jobs", type=click.IntRange(1), metavar="N", help="Worker processes for scoring (default: all cores).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of category labels and column headings (the text of the page stays Chinese).")
@scoring_run_options
def report(inputs, output_dir, group_by, n_topics, title, seed, jobs, lang, resume, checkpoint_every, read_options, no_t2s, lexicon_path, engine, no_hmm, inject_lexicon, quiet):
    """Write a batch report: an offline HTML page in Chinese, a workbook, a Word file, the scores and a manifest.

    The page ranks every document, shows the distribution of the index, category profiles, group
    comparisons and trends over time (a year or date column is found by itself) with bootstrap 95%
    intervals, top terms, keyword-in-context evidence, methods and the inputs not scored.

    \b
    Examples:
      policytext report corpora/demo -o demo_report
      policytext report corpora/demo -o demo_report --group-by region --group-by doc_type --topics 8
      policytext report laws/ -o laws_report --engine rjieba --title 地方性法规中的精细化治理
    """
    import warnings

    from .reports import write_report

    corpus = _read(inputs, read_options, quiet)
    lexicon, tokenizer = _lexicon_and_tokenizer(lexicon_path, engine, no_hmm, inject_lexicon)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = write_report(corpus, output_dir, group_by=group_by, topics=n_topics, title=title, lexicon=lexicon,
                              tokenizer=tokenizer, t2s=not no_t2s, random_state=seed, command=sys.argv,
                              progress=functools.partial(_progress, quiet), jobs=jobs, resume=resume,
                              checkpoint_every=checkpoint_every, lang=lang)
    _warn_lines([w for w in caught if issubclass(w.category, UserWarning)], quiet)
    size = result.files["report.html"].stat().st_size / 1e6
    _info(quiet, f"policytext: report of {len(result.scores)} documents written to {result.directory}/ "
                 f"(report.html {size:.1f} MB, report.xlsx, report.docx, scores.csv, columns.csv, manifest.json)")
    _report_errors(result.errors, corpus.n_inputs, None, quiet)


class _DefaultFit(click.Group):
    """``policytext topics CORPUS ...`` means ``policytext topics fit CORPUS ...``; ``topics apply`` is explicit."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["fit", *args]
        return super().parse_args(ctx, args)


def _warn_lines(caught, quiet: bool) -> None:
    for w in caught:
        if not quiet:
            click.echo(f"policytext: warning: {w.message}", err=True)


@cli.group(cls=_DefaultFit)
def topics():
    """Topic models (anchored governance topic, LDA, NMF) and each document's share in fine-grained governance.

    \b
    Examples:
      policytext topics corpora/demo --k 6 -o topics_out
      policytext topics reports/ --model lda --k 5:40:5 --seed 1 -o topics_k
      policytext topics apply topics_out/model new_docs/ -o new_shares.csv
    """


def topic_model_options(f):
    """The model and vocabulary options of topics fit and topics stability, handed to the command as one
    :class:`policytext.topics.TopicOptions` (``options``); ``--lexicon``, ``--engine`` and ``--no-hmm`` stay."""
    options = [
        click.option("--model", type=click.Choice(["anchored", "seeded-dimensions", "lda", "nmf"]), default="anchored",
                     show_default=True, help="anchored: one governance topic seeded with the lexicon's +1 terms "
                     "(tomotopy Gibbs); seeded-dimensions: gensim LDA, one seeded topic per dimension (unstable, see "
                     "docs/topics.md); lda: gensim LDA; nmf: NMF on TF-IDF."),
        click.option("--unit", type=click.Choice(["paragraph", "document"]),
                     help="Fit on whole documents (default for anchored) or on paragraphs (shares averaged back to "
                          "documents; default for the other models)."),
        click.option("--min-df", type=float, default=2, show_default=True,
                     help="Drop words in fewer rows (a share if < 1)."),
        click.option("--max-df", type=float, default=0.5, show_default=True,
                     help="Drop words in more rows (a share if <= 1)."),
        click.option("--passes", "max_iter", type=click.IntRange(1),
                     help="Gibbs iterations (anchored, 500), passes (LDA, 10) or iterations (NMF, 400)."),
        click.option("--workers", type=click.IntRange(1), default=1, show_default=True,
                     help="LDA worker processes; more than 1 is faster but not reproducible."),
        click.option("--seed-strength", type=click.FloatRange(0, min_open=True), default=0.01, show_default=True,
                     help="seeded-dimensions: prior mass per seeded topic as a share of all tokens."),
        click.option("--seed-prior", type=click.FloatRange(0, min_open=True), default=15.0, show_default=True,
                     help="anchored: topic-word prior of a seed word on its own topic (0 on the others)."),
        click.option("--jobs", "n_jobs", type=click.IntRange(1), help="anchored: processes for the fits "
                     "(default: all cores; each fit is single-threaded, so results do not depend on it)."),
        click.option("--lexicon", "lexicon_path", metavar="FILE", help="Lexicon for seeds and governance topics."),
        click.option("--engine", type=click.Choice(["auto", "jieba", "rjieba"]), default="auto", show_default=True),
        click.option("--no-hmm", is_flag=True, help="Turn off jieba's HMM for unknown words."),
    ]

    @functools.wraps(f)
    def wrapper(*args, **kw):
        from .topics import TopicOptions

        names = ("model", "unit", "max_iter", "workers", "seed_strength", "seed_prior", "n_jobs")
        settings = {n: kw.pop(n) for n in names}
        min_df, max_df = kw.pop("min_df"), kw.pop("max_df")  # counts as int, shares as float, as build_dtm takes them
        kw["options"] = TopicOptions(**settings, t2s=not kw.pop("no_t2s"), n_fits=kw.pop("n_fits", 5),
                                     min_df=int(min_df) if min_df >= 1 else min_df,
                                     max_df=int(max_df) if max_df > 1 else max_df)
        return f(*args, **kw)

    for opt in reversed(options):
        wrapper = opt(wrapper)
    return wrapper


def _topic_lexicon_and_tokenizer(lexicon_path, engine, no_hmm):
    from .dtm import topic_tokenizer
    from .lexicon import load_lexicon

    lexicon = load_lexicon(lexicon_path)
    return lexicon, topic_tokenizer(lexicon, engine=engine, hmm=not no_hmm)


def _topics_summary(result, n_documents: int, output, quiet: bool) -> None:
    """The summary of topics fit on stderr: the model, the governance topics and, for the anchored ensemble, how
    far its fits agree."""
    if result.k_selection is not None and not quiet:
        click.echo(f"policytext: {result.k_selection.loc[result.k_selection.chosen, 'reason'].iloc[0]}", err=True)
    s, docs = result.settings, result.documents
    gov = ", ".join(result.topics.loc[result.topics.governance, "label"]) or "none"
    files = "documents.csv, topics.csv, " + ("candidates.csv, " if result.candidates is not None else "") + "model/"
    rows = f"{n_documents} documents" if s["unit"] == "document" else f"{s['n_rows']} paragraphs of {n_documents} documents"
    _info(quiet, f"policytext: {s['model']} model, K={s['k']}, {rows}, "
                 f"vocabulary {s['vocabulary_size']}; governance topics: {gov}; wrote {output}/{files}")
    if s["model"] != "anchored":
        return
    if s["n_fits"] > 1:
        off = len(s.get("off_mode_fits") or [])
        how = (f"median of {s['n_fits']} fits" if not off else
               f"median of the {s['fits_in_share']} majority-mode fits; {off} of {s['n_fits']} in another mode left out")
        _info(quiet, f"policytext: governance_share ({how}) median {docs['governance_share'].median():.3f}, "
                     f"median sd {docs['governance_share_sd'].median():.3f}; {s['verdict_text']} "
                     f"(seeds only, K={s['k']}; topics stability checks K too)")
    else:
        _info(quiet, f"policytext: governance_share median {docs['governance_share'].median():.3f}; one fit: no "
                     "interval (governance_share_sd and the 90% range are empty; use --seeds 5)")


def _stability_summary(s: dict) -> str:
    fmt = lambda v: "n/a" if v != v else f"{v:+.2f}"  # noqa: E731 - NaN when no pair could be correlated
    return (f"governance_share over {s['fits']} fits ({s['model']}, K {', '.join(map(str, s['k']))}; seeds "
            f"{', '.join(map(str, s['seeds']))}) of {s['documents']} documents: median Spearman between fits "
            f"{fmt(s['median_spearman'])} (same K {fmt(s['median_spearman_same_k'])}, different K "
            f"{fmt(s['median_spearman_different_k'])}; lowest {fmt(s['lowest_spearman'])}); median spread per "
            f"document (sd) {s['median_document_sd']:.3f}; Spearman with the lexicon index "
            f"{fmt(s['spearman_with_index_range'][0])} to {fmt(s['spearman_with_index_range'][1])}")


@topics.command("fit")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(), metavar="CORPUS...")
@click.option("-o", "--output", "output", required=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Folder for documents.csv, topics.csv, k_selection.csv and model/ (replaced as a whole).")
@click.option("--k", "k", metavar="K",
              help="Number of topics: 30 (anchored) or 10 (others) by default, a list 5,10,20 or a range 5:40:5 "
                   "(then K is chosen; see k_selection.csv).")
@click.option("--seed", "seed", type=int, default=0, show_default=True, help="Random seed (the ensemble's base seed).")
@click.option("--seeds", "n_fits", type=click.IntRange(1), default=5, show_default=True,
              help="anchored: number of fits in the ensemble (1: a single fit, without an interval).")
@topic_model_options
@corpus_command_options
def topics_fit(inputs, output, k, seed, options, lexicon_path, engine, no_hmm, read_options, quiet):
    """Fit a topic model and write the document table, topic table and model.

    The default, anchored, fits 5 models with different seeds: governance_share is their median, with its sd and
    5th-95th percentile range (fits in another mode, when a minority, are named and left out: docs/topics.md); candidates.csv lists the governance topic's words that are not in the lexicon
    (mark accept and run policytext lexicon merge).

    \b
    Examples:
      policytext topics corpora/demo --k 6 -o topics_out
      policytext topics corpora/demo --k 6 --seeds 1 -o one_fit
      policytext topics corpora/demo --model nmf --k 4,6,8 -o topics_nmf
    """
    import warnings

    from .topics import fit_topics, write_topics

    corpus = _read(inputs, read_options, quiet)
    lexicon, tokenizer = _topic_lexicon_and_tokenizer(lexicon_path, engine, no_hmm)
    with _progress(quiet, "tokenizing") as bar, _progress(quiet, "fitting") as fits_bar:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fit_topics(corpus, k, options, lexicon=lexicon, tokenizer=tokenizer, random_state=seed,
                                progress=bar, fit_progress=fits_bar)
    _warn_lines([w for w in caught if issubclass(w.category, UserWarning)], quiet)
    write_topics(result, output)
    _topics_summary(result, len(corpus), output, quiet)
    _report_errors(corpus.errors, corpus.n_inputs, None, quiet)


@topics.command("stability")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(), metavar="CORPUS...")
@click.option("-o", "--output", "output", type=click.Path(file_okay=False), metavar="DIR",
              help="Folder for fits.csv, documents.csv, agreement.csv and summary.json (replaced as a whole).")
@click.option("--k", "k", metavar="KS",
              help="The K to fit: a list 20,30,40 or a range 6:14:2 (default: 20,30,40 for anchored, 8,10,12 for "
                   "the others).")
@click.option("--seeds", "seeds", default="0:5", show_default=True, metavar="SEEDS",
              help="The random seeds to fit each K with: a list 0,1,2 or a range 0:5.")
@topic_model_options
@corpus_command_options
def topics_stability(inputs, output, k, seeds, options, lexicon_path, engine, no_hmm, read_options, quiet):
    """Fit every K with every seed and measure how much each document's governance_share moves.

    Prints the median Spearman correlation of governance_share between fits (all pairs, same K, different
    K), the median spread per document and a verdict: stable when the median is at least 0.8 and the lowest
    at least 0.6, otherwise do not report a single fit. -o writes the tables (the verdict in summary.json).

    \b
    Examples:
      policytext topics stability corpora/demo --k 5,6 --seeds 0,1
      policytext topics stability reports/ --k 20,30,40 --seeds 0:5 -o stability
    """
    from .topics import topic_stability, write_stability

    corpus = _read(inputs, read_options, quiet)
    lexicon, tokenizer = _topic_lexicon_and_tokenizer(lexicon_path, engine, no_hmm)
    with _progress(quiet, "tokenizing") as bar, _progress(quiet, "fitting") as fits_bar:
        result = topic_stability(corpus, k, seeds, options, lexicon=lexicon, tokenizer=tokenizer, progress=bar,
                                 fit_progress=fits_bar)
    if output:
        write_stability(result, output)
    click.echo(_stability_summary(result.summary))
    click.echo(f"verdict: {result.summary['verdict_text']}")
    if output:
        _info(quiet, f"policytext: wrote {output}/fits.csv, documents.csv, agreement.csv, summary.json")
    _report_errors(corpus.errors, corpus.n_inputs, None, quiet)


@topics.command("apply")
@click.argument("model_dir", type=click.Path(file_okay=False), metavar="MODEL")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(), metavar="CORPUS...")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the document table here (.csv, .tsv, .jsonl, .parquet, .xlsx); default: CSV on stdout.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Fold the documents in on a Dask cluster (e.g. tcp://10.0.0.5:8786); the workers load MODEL from "
                   "the same absolute path. The table equals the local one.")
@corpus_options
@common_options
@guard_outputs
def topics_apply(model_dir, inputs, output, scheduler, read_options, no_t2s, quiet):
    """Score new documents with a saved model: topic shares and governance_share per document.

    \b
    Examples:
      policytext topics apply topics_out/model corpora/demo -o shares.csv
      policytext topics apply topics_out/model big/ --scheduler tcp://10.0.0.5:8786 -o shares.csv
    """
    from .topics import apply_topics

    corpus = _read(inputs, read_options, quiet)
    with _progress(quiet, "applying") as bar:
        docs = apply_topics(model_dir, corpus, scheduler=scheduler, progress=bar)
    _emit_table(docs, output)
    _info(quiet, f"policytext: applied {model_dir} to {len(docs)} documents")
    _report_errors(corpus.errors, corpus.n_inputs, None, quiet)


@cli.group("cache")
def cache_group():
    """Look at or empty the token cache (score --cache DIR; default: tokens/ in the user cache folder).

    \b
    Examples:
      policytext cache info
      policytext cache compact
      policytext cache clear --older-than 90
    """


def _cache_dir_option(f):
    return click.option("--cache", "cache_dir", type=click.Path(file_okay=False), metavar="DIR",
                        help="The cache folder (default: the one `policytext score` uses).")(f)


@cache_group.command("info")
@_cache_dir_option
def cache_info(cache_dir):
    """Print the cache's folder, packs, entries and size.

    \b
    Examples:
      policytext cache info
      policytext cache info --cache ~/tokens
    """
    import datetime

    info = _token_cache(cache_dir).summary()

    def when(t):
        return datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") if t is not None else "-"

    click.echo(f"token cache: {info['folder']}")
    click.echo(f"{_count(info['packs'], 'pack')}, {_count(info['entries'], 'entry', 'entries')}, "
               f"{_size(info['bytes'])}; oldest pack {when(info['oldest'])}, newest {when(info['newest'])}")
    if info["damaged_packs"]:
        click.echo(f"damaged packs: {info['damaged_packs']} (the next run removes them and rebuilds their entries)")
    if info["old_format_files"]:
        click.echo(f"left by older policytext versions: {_count(info['old_format_files'], 'file')} "
                   f"({_size(info['old_format_bytes'])}), unused; `policytext cache clear` removes them")


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB" if n >= 1000 else _count(n, "byte")


@cache_group.command("compact")
@_cache_dir_option
@guard_outputs
def cache_compact(cache_dir):
    """Merge small packs into packs of up to 8 MB (fewer files: faster to index, kinder to shared disks).

    \b
    Examples:
      policytext cache compact
      policytext cache compact --cache ~/tokens
    """
    cache = _token_cache(cache_dir)
    r = cache.compact()
    click.echo(f"{cache.folder}: {_count(r['packs_before'], 'pack')} before, {r['packs_after']} after "
               f"({_count(r['merged'], 'small pack')} merged, {_count(r['entries'], 'entry', 'entries')} copied)")


@cache_group.command("clear")
@_cache_dir_option
@click.option("--older-than", "older_than", type=click.FloatRange(min=0), metavar="DAYS",
              help="Only packs written more than DAYS days ago.")
@guard_outputs
def cache_clear(cache_dir, older_than):
    """Remove the cache's packs (entries are rebuilt when next needed). Only cache files are removed.

    \b
    Examples:
      policytext cache clear
      policytext cache clear --cache ~/tokens --older-than 30
    """
    cache = _token_cache(cache_dir)
    removed = cache.clear(older_than)
    extra = (f" and {_count(removed['old_format_files'], 'file')} of an older format"
             if removed["old_format_files"] else "")
    click.echo(f"removed {_count(removed['packs'], 'pack')}{extra} ({_size(removed['bytes'])}) from {cache.folder}")


@cli.group()
def lexicon():
    """Show, check, diagnose, expand and convert lexicons.

    \b
    Examples:
      policytext lexicon show
      policytext lexicon validate my_terms.csv --corpus corpora/demo
      policytext lexicon export -o lexicon.csv
    """


@lexicon.command("show")
@click.argument("lexicon_path", required=False, metavar="[LEXICON]")
@click.option("--terms/--no-terms", default=True, show_default=True, help="List the terms of each category.")
def lexicon_show(lexicon_path, terms):
    """Print a lexicon's categories and terms (default: the shipped fine-grained-governance lexicon).

    \b
    Example:
      policytext lexicon show --no-terms
    """
    from .lexicon import load_lexicon

    lex = load_lexicon(lexicon_path)
    click.echo(f"{lex.name} {lex.version}: {len(lex.categories)} categories, {len(lex.terms)} terms")
    if lex.description:
        click.echo(lex.description)
    for key in lex.categories:
        c = lex.category(key)
        ts = lex.terms_of(key)
        sign = "+" if c.polarity > 0 else "-"
        label = f" {c.label}" if c.label and c.label != key else ""
        en = f" ({c.label_en})" if c.label_en else ""
        click.echo(f"\n[{sign}] {key}{label}{en}: {len(ts)} terms, weight {c.weight:g}")
        if terms:
            click.echo("    " + "  ".join(t.term if t.weight == c.weight else f"{t.term}({t.weight:g})" for t in ts))


@lexicon.command("validate")
@click.argument("lexicon_path", required=False, metavar="[LEXICON]")
@click.option("--corpus", "corpus_path", type=click.Path(), metavar="PATH",
              help="Also check the terms on this corpus: terms never hit as whole tokens, and the compounds that hide them.")
@click.option("--engine", type=click.Choice(["auto", "jieba", "rjieba"]), default="auto", show_default=True)
@click.option("--no-hmm", is_flag=True, help="Turn off jieba's HMM.")
@click.option("--glob", "glob", multiple=True, metavar="PATTERN", help="With --corpus: only files matching.")
@common_options
def lexicon_validate(lexicon_path, corpus_path, engine, no_hmm, glob, quiet):
    """Check a lexicon: duplicates, nested terms, terms jieba splits, and (with --corpus) terms that never
    occur as whole tokens. Exits 1 if there are errors.

    \b
    Examples:
      policytext lexicon validate
      policytext lexicon validate my_terms.yaml --corpus corpora/demo
    """
    from .lexicon import load_lexicon
    from .readers import ReadOptions
    from .tokenize import Tokenizer

    lex = load_lexicon(lexicon_path)
    tokenizer = Tokenizer(engine=engine, hmm=not no_hmm)
    texts = None
    if corpus_path:
        corpus = _read([corpus_path], ReadOptions(glob=glob), quiet)
        texts = [d.text for d in corpus]
    issues = lex.validate(tokenizer, texts=texts)
    for issue in issues:
        click.echo(str(issue))
    counts = Counter(i.level for i in issues)
    click.echo(f"{lex.name} {lex.version}: {len(lex.terms)} terms; {counts['error']} errors, "
               f"{counts['warning']} warnings, {counts['info']} notes")
    if counts["error"]:
        sys.exit(EXIT_STRICT)


@lexicon.command("export")
@click.argument("lexicon_path", required=False, metavar="[LEXICON]")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write here; the format follows the extension (.yaml, .csv, .dic).")
@click.option("--format", "fmt", type=click.Choice(["yaml", "csv", "dic"]), help="Format on stdout (default: yaml).")
@guard_outputs
def lexicon_export(lexicon_path, output, fmt):
    """Convert a lexicon to YAML, CSV (term,category,weight,...) or LIWC .dic.

    \b
    Examples:
      policytext lexicon export -o fine_grained.csv
      policytext lexicon export my.dic --format yaml > my.yaml
    """
    from .lexicon import load_lexicon
    from .io import atomic_write

    lex = load_lexicon(lexicon_path)
    if output:
        fmt = fmt or Path(output).suffix.lower().lstrip(".")
        text = lex.dumps(fmt)
        with atomic_write(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    else:
        click.echo(lex.dumps(fmt or "yaml"), nl=False)


# -- measurement you can defend (docs/validation.md): lexicon diagnose | expand | merge, scale, validate, sample --
def _percent(x: float) -> str:
    return f"{100 * x:.0f}%"


@lexicon.command("diagnose")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(), metavar="CORPUS...")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the term table here (.csv, .tsv, .jsonl, .parquet, .xlsx); default: CSV on stdout.")
@click.option("--categories", "categories_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the category table (hits, coverage, top term, dominance) to FILE.")
@click.option("--sensitivity", "sensitivity_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Leave-one-term-out: rescore without each term and write how the document ranking changes to FILE.")
@click.option("--dominance", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Flag a term (and its category) when it has more than this share of the category's hits.")
@corpus_options
@tokenizer_options
@common_options
@guard_outputs
def lexicon_diagnose(inputs, output, categories_path, sensitivity_path, dominance, read_options, no_t2s, lexicon_path, engine, no_hmm, inject_lexicon, quiet):
    """Which terms drive the index on a corpus, which hide inside longer tokens, which never occur.

    Per term: hits, documents, share of all hits and of its category, share of the index, occurrences inside
    longer tokens with those compounds (共享 in 数据共享), exclusions applied, never seen. Per category:
    coverage and whether one term dominates it. Matching is the scoring matcher's (docs/semantics.md).

    \b
    Examples:
      policytext lexicon diagnose corpora/demo -o terms.csv --categories categories.csv
      policytext lexicon diagnose reports/ --glob '202*/*.txt' --engine rjieba --sensitivity loto.csv
    """
    from .diagnostics import diagnose_lexicon

    corpus = _read(inputs, read_options, quiet)
    lexicon, tokenizer = _lexicon_and_tokenizer(lexicon_path, engine, no_hmm, inject_lexicon)
    with _progress(quiet, "diagnosing") as bar:
        diag = diagnose_lexicon(corpus, lexicon, tokenizer=tokenizer, t2s=not no_t2s, dominance=dominance,
                                sensitivity=bool(sensitivity_path), progress=bar)
    _write_tables((diag.categories, categories_path, "categories"), (diag.sensitivity, sensitivity_path, "sensitivity"))
    _emit_table(diag.terms, output)
    t = diag.terms
    drivers = t[t.polarity > 0].sort_values("index_share", ascending=False).head(5)
    _info(quiet, f"policytext: {diag.n_documents} documents, {lexicon.name} {lexicon.version}: {int(t.hits.sum())} "
                 f"hits; terms driving the index: "
                 + ", ".join(f"{r.term} {_percent(r.index_share)}" for r in drivers.itertuples()))
    _info(quiet, "policytext: coverage: " + ", ".join(f"{r.category} {_percent(r.coverage)}"
                                                      for r in diag.categories.itertuples()))
    dom = diag.dominated
    if len(dom):
        _info(quiet, "policytext: dominated categories: " + ", ".join(
            f"{r.category} ({r.top_term} {_percent(r.top_term_share)} of its hits)" for r in dom.itertuples()))
    hidden = t[(t.hits == 0) & (t.inside_tokens > 0)]
    if len(hidden):
        _info(quiet, f"policytext: {len(hidden)} terms occur only inside longer tokens: "
                     + ", ".join(f"{r.term} ({r.inside_compounds.split('; ')[0]})" for r in hidden.head(8).itertuples()))
    if diag.unseen:
        _info(quiet, f"policytext: {len(diag.unseen)} terms never occur: {', '.join(diag.unseen[:12])}"
                     + (" ..." if len(diag.unseen) > 12 else ""))
    if diag.sensitivity is not None and len(diag.sensitivity):
        _info(quiet, "policytext: most influential terms (Spearman of the index without the term vs with it): "
                     + ", ".join(f"{r.term} {r.spearman:.3f}" for r in diag.sensitivity.head(5).itertuples()))
    _report_errors(corpus.errors, corpus.n_inputs, None, quiet)


@lexicon.command("expand")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(), metavar="CORPUS...")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="Candidate file to review (.xlsx or .csv), with an empty accept column.")
@click.option("--top", "top_n", type=click.IntRange(1), default=20, show_default=True, help="Candidates per category.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed of word2vec (one thread: reproducible).")
@click.option("--dim", "vector_size", type=click.IntRange(2), default=100, show_default=True, help="Vector dimensions.")
@click.option("--window", type=click.IntRange(1), default=5, show_default=True, help="word2vec context window (tokens).")
@click.option("--min-count", type=click.IntRange(1), default=5, show_default=True,
              help="Ignore words seen fewer times (seeds too).")
@click.option("--epochs", type=click.IntRange(1), default=10, show_default=True, help="Training passes.")
@click.option("--examples", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Keyword-in-context lines per candidate.")
@click.option("--lexicon", "lexicon_path", metavar="FILE", help="Lexicon to expand (default: fine-grained governance).")
@click.option("--engine", type=click.Choice(["auto", "jieba", "rjieba"]), default="auto", show_default=True)
@corpus_command_options
def lexicon_expand(inputs, output, top_n, seed, vector_size, window, min_count, epochs, examples, lexicon_path, engine,
                   read_options, no_t2s, quiet):
    """Propose candidate terms per category from word embeddings trained on the corpus, for a person to review.

    Nothing is added to the lexicon: mark the accept column (1 / yes / 是) and run `policytext lexicon merge`.

    \b
    Examples:
      policytext lexicon expand reports/ --engine rjieba -o candidates.xlsx
      policytext lexicon merge fine_grained_governance candidates.xlsx -o fine_grained_1.1.yaml
    """
    from .expansion import expand_lexicon
    from .lexicon import load_lexicon
    from .io import write_table

    if Path(output).suffix.lower() not in (".xlsx", ".csv"):
        raise click.BadParameter("the candidate file is .xlsx or .csv", param_hint="-o/--output")
    corpus = _read(inputs, read_options, quiet)
    lexicon = load_lexicon(lexicon_path)
    with _progress(quiet, "tokenizing") as bar:
        result = expand_lexicon(corpus, lexicon, engine=engine, t2s=not no_t2s, top_n=top_n, vector_size=vector_size,
                                window=window, min_count=min_count, epochs=epochs, random_state=seed, examples=examples,
                                progress=bar)
    write_table(result.candidates, output, sheet_name="candidates")
    s = result.settings
    no_seed = [c for c, ws in result.seeds.items() if not ws]
    _info(quiet, f"policytext: word2vec on {s['n_sentences']} sentences of {s['n_documents']} documents (vocabulary "
                 f"{s['vocabulary_size']}, seed {seed}); {len(result.candidates)} candidates written to {output}; "
                 "mark accept and run policytext lexicon merge"
                 + (f"; no seed word seen {min_count} times in: {', '.join(no_seed)}" if no_seed else ""))
    _report_errors(corpus.errors, corpus.n_inputs, None, quiet)


@lexicon.command("merge")
@click.argument("lexicon_path", metavar="LEXICON")
@click.argument("candidates_path", type=click.Path(dir_okay=False), metavar="CANDIDATES")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="The new lexicon; the format follows the extension (.yaml, .csv, .dic).")
@click.option("--version", "new_version", metavar="VERSION",
              help="Version of the new lexicon (default: the minor version bumped, 1.0.0 -> 1.1.0).")
@click.option("--name", metavar="NAME", help="Name of the new lexicon (default: the old name).")
@common_options
@guard_outputs
def lexicon_merge(lexicon_path, candidates_path, output, new_version, name, quiet):
    """Add the accepted candidates of a reviewed candidate file to a new version of a lexicon.

    LEXICON is a lexicon file or fine_grained_governance (the shipped one, which is not changed).

    \b
    Example:
      policytext lexicon merge fine_grained_governance candidates.xlsx -o fine_grained_1.1.yaml
    """
    from .expansion import merge_candidates
    from .lexicon import load_lexicon
    from .io import atomic_write
    from .io import read_table

    lex = load_lexicon(lexicon_path)
    new, notes = merge_candidates(lex, read_table(candidates_path), version=new_version, name=name)
    text = new.dumps(Path(output).suffix.lower().lstrip(".") or "yaml")
    with atomic_write(output, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    for line in notes:
        _info(quiet, f"policytext: {line}")
    _info(quiet, f"policytext: wrote {output}")


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(), metavar="CORPUS...")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write document scores here (.csv, .tsv, .jsonl, .parquet, .xlsx); default: CSV on stdout.")
@click.option("--seeds", "seeds_path", metavar="FILE",
              help="Seed words as a lexicon file (.yaml, .csv, .dic): +1 categories are the positive pole, -1 the "
                   "negative (default: the lexicon's +1 terms against its crude terms).")
@click.option("--seed-check", "seed_check_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write each seed's frequency, polarity and nearest words to FILE.")
@click.option("--words", "words_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write every word's polarity to FILE.")
@click.option("--dims", "n_components", type=click.IntRange(2), default=300, show_default=True,
              help="SVD dimensions (fewer if the corpus is small).")
@click.option("--min-count", type=click.IntRange(1), default=5, show_default=True,
              help="Ignore words found in fewer sentences.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed of the randomized SVD.")
@click.option("--neighbors", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Nearest words shown per seed in --seed-check.")
@click.option("--reference", "reference_paths", multiple=True, type=click.Path(), metavar="PATH",
              help="More documents to learn word vectors from, not scored (repeatable; --glob does not apply).")
@click.option("--lexicon", "lexicon_path", metavar="FILE", help="Lexicon for the default seeds and the tokenizer.")
@click.option("--engine", type=click.Choice(["auto", "jieba", "rjieba"]), default="auto", show_default=True)
@corpus_command_options
def scale(inputs, output, seeds_path, seed_check_path, words_path, n_components, min_count, seed, neighbors,
          reference_paths, lexicon_path, engine, read_options,
          no_t2s, quiet):
    """Latent semantic scaling: place documents on the fine-grained <-> crude (精细化 <-> 粗放) dimension.

    Word vectors come from an SVD of the corpus's sentence-term matrix; a word's polarity is its mean cosine
    similarity to the positive seeds minus that to the negative seeds; a document's scale_score is the
    frequency-weighted mean polarity of its words, standardised (docs/validation.md).

    \b
    Examples:
      policytext scale reports/ --glob '202*/*.txt' --engine rjieba -o scale.csv --seed-check seeds.csv
      policytext scale corpora/demo --min-count 2 --seeds my_poles.csv
    """
    from .lexicon import load_lexicon
    from .io import write_table
    from .scaling import scale_corpus

    corpus = _read(inputs, read_options, quiet)
    reference = (_read(reference_paths, read_options.of(read_options, text_column=None, id_column=None, metadata=None,
                                                      metadata_id_column=None, glob=None), quiet)
                 if reference_paths else ())
    lexicon = load_lexicon(lexicon_path)
    seeds = load_lexicon(seeds_path) if seeds_path else None
    with _progress(quiet, "tokenizing") as bar:
        result = scale_corpus(corpus, seeds=seeds, lexicon=lexicon, engine=engine, t2s=not no_t2s,
                              n_components=n_components, min_count=min_count, random_state=seed,
                              n_neighbors=neighbors, reference=reference, progress=bar)
    _write_tables((result.seed_check, seed_check_path, "seeds"), (result.words, words_path, "words"))
    _emit_table(result.documents, output)
    s = result.settings
    _info(quiet, f"policytext: scaled {s['n_documents']} documents"
                 + (f" with {s['n_reference_documents']} reference documents" if s["n_reference_documents"] else "")
                 + f" ({s['n_sentences']} sentences, vocabulary "
                 f"{s['vocabulary_size']}, {s['n_components']} SVD dimensions); seeds used: {s['seeds_positive']} "
                 f"positive, {s['seeds_negative']} negative; {s['seeds_missing']} not in the vocabulary")
    w = result.words[result.words.seed == 0]
    _info(quiet, "policytext: most fine-grained words: " + ", ".join(w.word.head(8))
                 + "; most crude: " + ", ".join(w.word.tail(8).iloc[::-1]))
    _report_errors(corpus.errors, corpus.n_inputs, None, quiet)


@cli.command()
@click.argument("scores_path", required=False, type=click.Path(dir_okay=False), metavar="[SCORES]")
@click.option("--gold", "gold_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="A coded sentence file (id, source, sentence, label, dimension; or id, term, sentence, frame): "
                   "score each sentence with the lexicon and check the calls (no SCORES needed).")
@click.option("--lexicon", "lexicon_path", metavar="FILE", help="With --gold: the lexicon (default: fine-grained governance).")
@click.option("--engine", type=click.Choice(["jieba", "rjieba"]), default="jieba", show_default=True,
              help="With --gold: the tokenizer engine.")
@click.option("--labels", "labels_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Human labels or known groups (.xlsx, .csv, .tsv, .jsonl, .parquet), joined to SCORES by "
                   "--id-column; a coded `policytext sample` file works as it is. Default: labels in SCORES itself.")
@click.option("--score-column", "score_columns", multiple=True, metavar="NAME",
              help="Score column to validate (repeatable; default: index). Two or more are also correlated with "
                   "each other (triangulation).")
@click.option("--label-column", default="code", show_default=True, metavar="NAME", help="The label column.")
@click.option("--id-column", default="doc_id", show_default=True, metavar="NAME", help="Joins labels to scores.")
@click.option("--positive", metavar="VALUE", help="The label that counts as positive (default: 1, yes, 是, true).")
@click.option("--threshold", type=float, metavar="X",
              help="Precision and recall count score >= X as positive (default: the median score).")
@click.option("--resamples", type=click.IntRange(100), default=2000, show_default=True, help="Bootstrap resamples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the results here (.csv, .tsv, .jsonl, .parquet, .xlsx); default: CSV on stdout.")
@common_options
@guard_outputs
def validate(scores_path, gold_path, lexicon_path, engine, labels_path, score_columns, label_column, id_column, positive,
             threshold, resamples, seed, output, quiet):
    """Check scores against human labels or known groups, and against each other, with bootstrap 95% intervals.

    Binary labels: AUROC, Spearman, precision and recall at a threshold; ordinal labels: Spearman. Coded
    keyword-in-context lines: the share of hits the coders accepted, per category and term. Two or more
    score columns: their Spearman correlations.

    \b
    Examples:
      policytext validate scores.csv --labels sample.xlsx
      policytext validate measures.csv --labels groups.csv --label-column group --positive smart --score-column index --score-column scale_score
      policytext validate measures.csv --score-column index --score-column governance_share --score-column scale_score
      policytext validate --gold ../shared/gold/dev.csv
      policytext validate --gold ../shared/gold/crude_dev.csv --lexicon my_lexicon.yaml
    """
    from .io import read_table
    from .validation import validate_measures

    if gold_path:
        if scores_path or labels_path:
            raise click.UsageError("--gold scores the sentences itself: give no SCORES and no --labels")
        return _validate_gold(gold_path, lexicon_path, engine, resamples, seed, output, quiet)
    if not scores_path:
        raise click.UsageError("give SCORES (a score table), or --gold FILE (coded sentences)")
    scores = read_table(scores_path, id_column=id_column)
    labels = read_table(labels_path, id_column=id_column) if labels_path else None
    table = validate_measures(scores, labels, score_columns=score_columns, label_column=label_column,
                              id_column=id_column, positive=positive, threshold=threshold, n_resamples=resamples,
                              random_state=seed)
    _emit_table(table, output)
    for r in table.itertuples():
        against = f" vs {r.against}" if r.against else ""
        _info(quiet, f"policytext: {r.measure}{against}: {r.metric} {r.value:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}] "
                     f"(n={r.n})")


def _validate_gold(gold_path, lexicon_path, engine, resamples, seed, output, quiet) -> None:
    from .lexicon import load_lexicon
    from .tokenize import Tokenizer
    from .validation import read_gold, validate_gold

    lexicon = load_lexicon(lexicon_path)
    gold = read_gold(gold_path)
    table = validate_gold(gold, lexicon, Tokenizer(engine=engine), n_resamples=resamples, random_state=seed)
    _emit_table(table, output)
    _info(quiet, f"policytext: {len(gold)} coded rows of {gold_path} against {lexicon.name} {lexicon.version} "
                 f"({resamples} bootstrap resamples, seed {seed})")
    for r in table.itertuples():
        if r.metric in ("precision", "recall", "f1", "auroc") and "|" not in r.against \
                and not r.measure.startswith("hit_"):
            _info(quiet, f"policytext: {r.measure} vs {r.against}: {r.metric} {r.value:.3f} "
                         f"[{r.ci_low:.3f}, {r.ci_high:.3f}] (n={r.n}, {r.n_positive} positive)")
        elif r.metric.endswith("_rejected"):
            _info(quiet, f"policytext: {r.against} rows called rejected: {int(r.value)} of {r.n}")


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(), metavar="CORPUS...")
@click.option("-n", "n", type=click.IntRange(1), required=True, metavar="N", help="Number of units to draw.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="The coding sheet (.xlsx or .csv) with an empty code column.")
@click.option("--unit", type=click.Choice(["document", "kwic"]), default="document", show_default=True,
              help="Draw whole documents or keyword-in-context lines.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed of the draw.")
@click.option("--include-uncounted", is_flag=True,
              help="kwic: also draw hits that a context rule vetoed or rejected (column status); by default only "
                   "counted hits.")
@click.option("-w", "--window", type=click.IntRange(5, 500), default=30, show_default=True,
              help="kwic: characters of context on each side.")
@click.option("--key", "key_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the stratum and index of each unit to FILE instead of the sheet (blind coding).")
@corpus_options
@tokenizer_options
@common_options
@guard_outputs
def sample(inputs, n, output, unit, seed, include_uncounted, window, key_path, read_options, no_t2s, lexicon_path,
           engine, no_hmm, inject_lexicon, quiet):
    """Draw a sample for human coding, stratified by the lexicon index (high, low, zero).

    \b
    Examples:
      policytext sample corpora/demo -n 12 -o sample.xlsx
      policytext sample reports/ -n 200 --unit kwic --seed 7 -o kwic_sample.xlsx --key kwic_key.csv
      policytext validate scores.csv --labels sample.xlsx
    """
    from .sampling import draw_sample, write_sample

    corpus = _read(inputs, read_options, quiet)
    lexicon, tokenizer = _lexicon_and_tokenizer(lexicon_path, engine, no_hmm, inject_lexicon)
    with _progress(quiet, "scoring") as bar:
        drawn = draw_sample(corpus, n, unit=unit, random_state=seed, lexicon=lexicon, tokenizer=tokenizer,
                            t2s=not no_t2s, window=window, include_uncounted=include_uncounted, progress=bar)
    write_sample(drawn, output, key=key_path)
    counts = ", ".join(f"{k} {v}" for k, v in drawn["stratum"].value_counts().reindex(["high", "low", "zero"],
                                                                                     fill_value=0).items())
    _info(quiet, f"policytext: {len(drawn)} {unit} units drawn (seed {seed}; {counts}) to {output}; fill in the code "
                 f"column and run policytext validate --labels {output}")
    _report_errors(corpus.errors, corpus.n_inputs, None, quiet)


def main(argv=None) -> None:
    """Entry point of the ``policytext`` console script and ``python -m policytext``."""
    install_signal_handlers()
    # The objects made so far (modules, functions, classes: tens of thousands) live as long as the process;
    # moved out of the collector's generations, they are not traversed again by every collection the command
    # triggers (its score rows are many small containers). A command's own garbage is collected as before.
    gc.freeze()
    cli.main(args=argv, prog_name="policytext")


if __name__ == "__main__":  # pragma: no cover
    main()
