"""The ``policytext`` command line: parse options -> one library call -> write output.

Only this module imports click. Library errors (:class:`policytext.errors.PolicyTextError`) become one line
on stderr and an exit code; ``--debug`` shows the traceback instead. Exit codes (``docs/errors.md``):

====  ==========================================================================
0     success
1     ``--strict`` and some inputs were not scored; ``lexicon validate`` found errors
2     bad command-line usage (unknown option, missing argument)
3     input error: unreadable corpus, missing column, malformed lexicon, bad option value
4     an output file cannot be written
130   interrupted (Ctrl-C)
====  ==========================================================================
"""

from __future__ import annotations

import functools
import sys
from collections import Counter
from pathlib import Path

import click

from . import __version__
from .errors import PolicyTextError

EXIT_STRICT = 1
EXIT_INTERRUPTED = 130


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
        except KeyboardInterrupt:
            click.echo("policytext: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


def _set_debug(ctx, _param, value):
    if value:
        ctx.meta["policytext.debug"] = True
    return value


def _progress(quiet: bool, desc: str):
    """A tqdm bar on stderr, shown only on a terminal and without --quiet."""
    from tqdm import tqdm

    return tqdm(desc=desc, unit="doc", file=sys.stderr, disable=quiet or not sys.stderr.isatty(), leave=False)


def _info(quiet: bool, message: str) -> None:
    if not quiet:
        click.echo(message, err=True)


# -- shared options ------------------------------------------------------------------------------------
def common_options(f):
    @click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary on stderr (errors still print).")
    @click.option("--debug", is_flag=True, expose_value=False, callback=_set_debug, is_eager=True,
                  help="Show the full traceback of an error.")
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return f(*args, **kwargs)

    return wrapper


def corpus_options(f):
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
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def tokenizer_options(f):
    options = [
        click.option("--lexicon", "lexicon_path", metavar="FILE",
                     help="Lexicon file (.yaml, .csv, .dic); default: the fine-grained-governance lexicon."),
        click.option("--engine", type=click.Choice(["jieba", "rjieba"]), default="jieba", show_default=True,
                     help="Tokenizer engine; rjieba gives the same tokens as jieba, several times faster."),
        click.option("--no-hmm", is_flag=True, help="Turn off jieba's HMM for unknown words."),
        click.option("--inject-lexicon", is_flag=True,
                     help="Add the lexicon's terms to the tokenizer's dictionary (changes segmentation; see docs)."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def _read(inputs, text_column, id_column, encoding, metadata, metadata_id_column, glob, quiet):
    from .readers import read_corpus

    bar = _progress(quiet, "reading")
    try:
        return read_corpus(list(inputs), text_column=text_column, id_column=id_column, encoding=encoding,
                           metadata=metadata, metadata_id_column=metadata_id_column, glob=list(glob) or None,
                           progress=bar)
    finally:
        bar.close()


def _lexicon_and_tokenizer(lexicon_path, engine, no_hmm, inject_lexicon):
    from .lexicon import load_lexicon
    from .tokenize import Tokenizer

    lexicon = load_lexicon(lexicon_path)
    words = [t.term for t in lexicon.terms if not t.is_glob] if inject_lexicon else ()
    return lexicon, Tokenizer(engine=engine, hmm=not no_hmm, words=words)


def _report_errors(errors, n_inputs: int, errors_path, quiet: bool) -> None:
    from .corpus import Corpus
    from .reports import write_table

    if errors_path:
        write_table(Corpus(errors=errors).errors_frame(), errors_path, sheet_name="errors")
    if not errors:
        return
    kinds = ", ".join(f"{k} {n}" for k, n in Counter(e.error for e in errors).most_common())
    where = f"; all listed in {errors_path}" if errors_path else "; list them all with --errors FILE"
    click.echo(f"policytext: {len(errors)} of {n_inputs} inputs not scored ({kinds}){where}", err=True)
    for e in errors[: 5 if not quiet else 0]:
        click.echo(f"  {e}", err=True)
    if len(errors) > 5 and not quiet:
        click.echo(f"  ... and {len(errors) - 5} more", err=True)


def _emit_table(df, output, fmt="csv"):
    from .reports import table_to_text, write_table

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
@corpus_options
@tokenizer_options
@common_options
def score(inputs, output, evidence, errors_path, strict, text_column, id_column, encoding, metadata,
          metadata_id_column, glob, no_t2s, lexicon_path, engine, no_hmm, inject_lexicon, quiet):
    """Score documents against the lexicon: hits, rates and a composite index per document.

    CORPUS is a folder (read recursively: .txt .md .docx .pdf .html), a document file, or a table
    (.csv .tsv .jsonl .xlsx .parquet; name the text column with --text-column). Scores go to stdout as
    CSV unless -o is given; progress and a summary go to stderr.

    \b
    Examples:
      policytext score corpora/demo -o scores.xlsx --evidence hits.csv
      policytext score docs.csv --text-column 正文 --id-column 文号 > scores.csv
      policytext score reports/ --glob '*.txt' --metadata meta.csv --errors errors.csv --strict
    """
    from .scoring import Scorer

    corpus = _read(inputs, text_column, id_column, encoding, metadata, metadata_id_column, glob, quiet)
    lexicon, tokenizer = _lexicon_and_tokenizer(lexicon_path, engine, no_hmm, inject_lexicon)
    scorer = Scorer(lexicon, tokenizer, t2s=not no_t2s)
    bar = _progress(quiet, "scoring")
    try:
        result = scorer.score(corpus, progress=bar)
    finally:
        bar.close()
    _emit_table(result.scores, output)
    if evidence:
        from .reports import write_table

        write_table(result.hits, evidence)
    _info(quiet, f"policytext: scored {len(result.scores)} documents against {lexicon.name} {lexicon.version} "
                 f"({len(lexicon.categories)} categories, {len(lexicon.terms)} terms); tokenizer {tokenizer.engine}, "
                 f"HMM {'on' if tokenizer.hmm else 'off'}, t2s {'off' if no_t2s else 'on'}"
                 + (f"; metadata from {corpus.info['metadata']}" if corpus.info.get("metadata") else ""))
    if len(result.scores) and not quiet:
        ranked = result.scores.sort_values(["index", "doc_id"], ascending=[False, True])
        fmt = lambda rows: ", ".join(f"{r.doc_id} ({r.index:.1f})" for r in rows.itertuples())  # noqa: E731
        click.echo(f"policytext: highest index: {fmt(ranked.head(3))}; lowest: {fmt(ranked.tail(3).iloc[::-1])}",
                   err=True)
    _report_errors(result.errors, corpus.n_inputs, errors_path, quiet)
    if strict and result.errors:
        sys.exit(EXIT_STRICT)


@cli.command()
@click.argument("corpus_path", type=click.Path(), metavar="CORPUS")
@click.argument("terms", nargs=-1, required=True, metavar="TERM...")
@click.option("-w", "--window", type=click.IntRange(0, 500), default=20, show_default=True,
              help="Characters of context on each side.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the lines to FILE (.csv, .tsv, .jsonl, .parquet, .xlsx).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "tsv", "jsonl"]), default="text", show_default=True,
              help="Format on stdout when -o is not given.")
@corpus_options
@tokenizer_options
@common_options
def kwic(corpus_path, terms, window, output, fmt, text_column, id_column, encoding, metadata, metadata_id_column,
         glob, no_t2s, lexicon_path, engine, no_hmm, inject_lexicon, quiet):
    """Keyword in context: every hit of TERMs, matched as scoring matches them.

    A TERM may also name a lexicon category (e.g. co_governance), which stands for all its terms.

    \b
    Examples:
      policytext kwic corpora/demo 共治 无缝对接
      policytext kwic corpora/demo seamless_service --window 10 -o kwic.xlsx
    """
    from .kwic import kwic as run_kwic

    corpus = _read([corpus_path], text_column, id_column, encoding, metadata, metadata_id_column, glob, quiet)
    lexicon, tokenizer = _lexicon_and_tokenizer(lexicon_path, engine, no_hmm, inject_lexicon)
    bar = _progress(quiet, "kwic")
    try:
        df = run_kwic(corpus, terms, lexicon=lexicon, window=window, tokenizer=tokenizer, t2s=not no_t2s, progress=bar)
    finally:
        bar.close()
    if output or fmt != "text":
        _emit_table(df, output, fmt if fmt != "text" else "csv")
    else:
        width = max([len(d) for d in df["doc_id"]] + [0])
        for r in df.itertuples():
            click.echo(f"{r.doc_id:<{width}}  {r.left:>{window}} 【{r.match}】 {r.right}")
    _info(quiet, f"policytext: {len(df)} lines in {df['doc_id'].nunique()} of {len(corpus)} documents")
    _report_errors(corpus.errors, corpus.n_inputs, None, quiet)


@cli.group()
def lexicon():
    """Show, check and convert lexicons.

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
@click.option("--engine", type=click.Choice(["jieba", "rjieba"]), default="jieba", show_default=True)
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
    from .tokenize import Tokenizer

    lex = load_lexicon(lexicon_path)
    tokenizer = Tokenizer(engine=engine, hmm=not no_hmm)
    texts = None
    if corpus_path:
        corpus = _read([corpus_path], None, None, None, None, None, glob, quiet)
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
def lexicon_export(lexicon_path, output, fmt):
    """Convert a lexicon to YAML, CSV (term,category,weight,...) or LIWC .dic.

    \b
    Examples:
      policytext lexicon export -o fine_grained.csv
      policytext lexicon export my.dic --format yaml > my.yaml
    """
    from .lexicon import load_lexicon
    from .reports import atomic_write

    lex = load_lexicon(lexicon_path)
    if output:
        fmt = fmt or Path(output).suffix.lower().lstrip(".")
        text = lex.dumps(fmt)
        with atomic_write(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    else:
        click.echo(lex.dumps(fmt or "yaml"), nl=False)


def main(argv=None) -> None:
    """Entry point of the ``policytext`` console script and ``python -m policytext``."""
    cli.main(args=argv, prog_name="policytext")


if __name__ == "__main__":  # pragma: no cover
    main()
