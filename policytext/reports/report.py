"""Batch reports: one call scores a corpus and writes a folder an analyst can hand on.

:func:`write_report` writes into ``output_dir``:

* ``report.html``: one self-contained page in Chinese (no network needed): headline summary, a ranking of all
  documents (sortable, searchable, paginated), the distribution of the index, category profiles, comparisons
  by each ``group_by`` column and over time with bootstrap 95% intervals, top terms, keyword-in-context
  evidence, the topic model (when ``topics`` is given), methods, and the inputs that were not scored;
* ``report.xlsx``: the same tables, every row (:mod:`policytext.reports.workbook`);
* ``report.docx``: the headline, rankings, group comparisons, categories and methods as a Word file with real
  headings and tables (:mod:`policytext.reports.word`);
* ``scores.csv``: one row per document in the order a reader needs, rates rounded (UTF-8 with BOM, formulas
  neutralised), and ``columns.csv``, what each of its columns holds;
* ``manifest.json``: versions, lexicon and tokenizer, seeds, inputs with sha256, command, start and end time.

The folder is written whole into a temporary folder beside ``output_dir`` and then swapped in, so an
interrupted or failed run leaves the previous report as it was (or no folder), never a mix. An existing
``output_dir`` is replaced only when it is empty or holds a previous report (nothing but the six files
above; an earlier version's report had four of them); anything else is an
:class:`~policytext.errors.OutputError`, so a report never deletes other files.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..errors import ConfigError, OutputError
from . import analysis
from .labels import Labels
from .manifest import dependency_versions, file_sha256, input_files, utc_now
from .tables import check_output_folder, remove_stale_temps, replace_folder, temp_folder_beside

if TYPE_CHECKING:
    import pandas as pd

    from ..corpus import Corpus, ErrorRecord
    from ..lexicon import Lexicon
    from ..tokenize import Tokenizer

__all__ = ["REPORT_FILES", "ReportData", "ReportResult", "write_report"]

#: the files of a report folder
REPORT_FILES = ("report.html", "report.xlsx", "report.docx", "scores.csv", "columns.csv", "manifest.json")
DEFAULT_TITLE = "精细化治理政策文本分析报告"
_TITLE_NAMES = ("title", "标题", "题目", "文件名称", "name")


@dataclass
class ReportData:
    """Everything a report shows, computed once and rendered by :mod:`.html` and :mod:`.workbook`."""

    title: str
    scores: pd.DataFrame
    hits: pd.DataFrame
    errors: pd.DataFrame
    lexicon: Lexicon
    config: dict
    summary: dict
    categories: pd.DataFrame
    terms: pd.DataFrame
    evidence: pd.DataFrame
    group_columns: list[str]
    group_tables: dict[str, pd.DataFrame]
    time: dict | None
    topics: dict | None
    manifest: dict
    title_column: str | None = None
    random_state: int = 0
    n_resamples: int = analysis.N_RESAMPLES
    labels: Labels = field(default_factory=lambda: Labels(None))
    meta_columns: list[str] = field(default_factory=list)


@dataclass
class ReportResult:
    """What :func:`write_report` returns: the folder, its files, and the scores and errors behind them."""

    directory: Path
    files: dict[str, Path]
    scores: pd.DataFrame
    errors: list[ErrorRecord]
    manifest: dict = field(default_factory=dict)


class _NoBar:
    """Stands in for a progress bar when the caller gave none."""

    total = None

    def update(self, n: int = 1) -> None:
        """No bar: nothing to update."""

    def close(self) -> None:
        """No bar: nothing to close."""


@contextlib.contextmanager
def _stage(progress: Callable[[str], Any] | None, name: str, total: int | None = None):
    bar = progress(name) if progress is not None else _NoBar()
    if total is not None:
        bar.total = total
    try:
        yield bar
    finally:
        bar.close()


def write_report(
    corpus: Corpus | str | os.PathLike | Iterable[str | os.PathLike],
    output_dir: str | os.PathLike,
    *,
    group_by: Iterable[str] = (),
    topics: int | Any | None = None,
    title: str | None = None,
    lexicon: Lexicon | None = None,
    tokenizer: Tokenizer | None = None,
    t2s: bool = True,
    random_state: int = 0,
    n_resamples: int = analysis.N_RESAMPLES,
    command: Iterable[str] | None = None,
    progress: Callable[[str], Any] | None = None,
    jobs: int | None = 1,
    resume: bool = False,
    checkpoint_every: int = 200,
    lang: str = "zh",
) -> ReportResult:
    """Score ``corpus`` and write a batch report folder (see the module docstring) to ``output_dir``.

    Scoring is checkpointed beside ``output_dir`` (``.<name>.checkpoint/``, the fingerprint of
    :meth:`policytext.checkpoint.Checkpoint.for_run`): after an interruption, ``resume=True`` reuses the
    documents already scored and the report comes out as an uninterrupted run would have written it.

    Parameters
    ----------
    corpus : Corpus, path or list of paths
        A :class:`~policytext.Corpus` or what :func:`~policytext.read_corpus` takes.
    output_dir : str or os.PathLike
        The report folder (replaced as a whole).
    group_by : iterable of str
        Metadata columns to compare (a year or date column is found by itself for the trend).
    topics : int or fitted result, optional
        A number of topics K (fits ``policytext.topics.fit_topics(corpus, K, model="anchored")``, an ensemble
        of 5 anchored fits on whole documents), or an already fitted result with ``documents`` and ``topics``
        DataFrames.
    title : str, optional
        The report's title (default: 精细化治理政策文本分析报告).
    lexicon : Lexicon, optional
        The lexicon scored against (default: fine-grained governance, shipped with policytext).
    tokenizer : Tokenizer, optional
        The tokenizer of scoring (default: a new ``Tokenizer()``).
    t2s : bool
        Traditional to simplified characters first (on by default).
    random_state : int
        Seeds the bootstrap and the topic model.
    n_resamples : int
        Bootstrap resamples of every interval.
    command : iterable of str, optional
        The command line (e.g. ``sys.argv``), recorded in the manifest.
    progress : callable, optional
        A factory ``progress(stage) -> tqdm-like`` (``total``, ``update``, ``close``), called once per stage;
        nothing is printed.
    jobs : int or None
        Processes that score (None: every core; the report is the same whatever their number).
    resume : bool
        Continue from the checkpoint of an interrupted run.
    checkpoint_every : int
        Save scoring progress every this many documents.
    lang : {"zh", "en"}
        Chinese category labels and headings, or English ones (from the lexicon's ``label_en``); the text of
        the page and the Word file stays Chinese.

    Returns
    -------
    ReportResult
        The folder, its files, the scores and the error records.

    Raises
    ------
    ConfigError
        A ``group_by`` column that does not exist.
    OutputError
        The folder cannot be written.
    """
    from ..checkpoint import Checkpoint
    from ..corpus import Corpus
    from ..readers import read_corpus
    from ..scoring import Scorer

    started = utc_now()
    out = Path(output_dir)
    check_output_folder(out, REPORT_FILES, "report")
    group_by = list(dict.fromkeys(group_by))
    Labels(None, lang)  # an unknown language is refused before any work
    if isinstance(topics, bool) or (isinstance(topics, int) and topics < 2):
        raise ConfigError(f"topics must be a number of topics of at least 2, not {topics!r}")
    if isinstance(topics, int):  # tomotopy is an extra: a missing one is said before anything is read or scored
        from ..anchored import require_tomotopy

        require_tomotopy()

    if not isinstance(corpus, Corpus):
        with _stage(progress, "reading") as bar:
            corpus = read_corpus(corpus, progress=bar)
    scorer = Scorer(lexicon, tokenizer, t2s=t2s)
    checkpoint = Checkpoint.for_run(out, scorer, corpus=corpus, every=checkpoint_every)  # as policytext score's
    if resume and checkpoint.exists():  # the run being resumed was killed: its temporary folder is garbage
        remove_stale_temps(out, max_age=0)
    with _stage(progress, "scoring") as bar:
        result = scorer.score(corpus, progress=bar, jobs=jobs, checkpoint=checkpoint, resume=resume)
    scores = result.scores
    meta = [c for c in scores.columns if c not in scorer.empty_row() and c != "doc_id"]
    if scores.empty:  # nothing scored: the metadata columns are those of the documents read
        meta = list(dict.fromkeys(k for d in corpus.documents for k in d.meta))
    missing = [c for c in group_by if c not in meta]
    if missing:
        raise ConfigError(f"no column {', '.join(map(repr, missing))} to group by; metadata columns: "
                          f"{', '.join(meta) or '(none)'}")

    topic_result = None
    if topics is not None:
        if isinstance(topics, int):
            from ..dtm import topic_tokenizer  # imported only when asked for: topic models are heavy
            from ..topics import TopicOptions, fit_topics

            tok = topic_tokenizer(scorer.lexicon, engine=scorer.tokenizer.engine, hmm=scorer.tokenizer.hmm)
            with _stage(progress, "topics") as bar:
                topic_result = fit_topics(corpus, topics, TopicOptions(model="anchored", t2s=t2s, candidates=0),
                                          lexicon=scorer.lexicon, tokenizer=tok, random_state=random_state, progress=bar)
        else:
            topic_result = topics

    with _stage(progress, "inputs sha256") as bar:
        inputs = input_files(corpus, progress=bar)
    manifest = {
        "policytext": _version(),
        "command": [str(a) for a in command] if command is not None else None,
        "started_utc": started,
        "finished_utc": None,
        "dependencies": dependency_versions(),
        "lexicon": scorer.config["lexicon"],
        "tokenizer": scorer.config["tokenizer"],
        "normalization": scorer.config["normalization"],
        "seeds": {"bootstrap": random_state, "bootstrap_resamples": n_resamples,
                  "topics": random_state if isinstance(topics, int) else None},
        "topics": _topic_settings(topic_result),
        "options": {"group_by": group_by, "topics": topics if isinstance(topics, int) else
                    (None if topics is None else "fitted by caller"), "title": title or DEFAULT_TITLE,
                    "lang": lang},
        "counts": {"inputs": corpus.n_inputs, "documents_read": len(corpus), "scored": len(scores),
                   "errors": len(result.errors)},
        "corpus": {k: corpus.info.get(k) for k in ("inputs", "glob", "metadata") if k in corpus.info},
        "inputs": inputs,
    }

    with _stage(progress, "statistics", total=3 + len(group_by)) as bar:
        data = _build(corpus, result, scorer, group_by, topic_result, manifest, title or DEFAULT_TITLE, random_state,
                      n_resamples, t2s, bar, lang)

    tmp = temp_folder_beside(out)
    try:
        with _stage(progress, "writing", total=len(REPORT_FILES)) as bar:
            from .html import render_html
            from .labels import column_table
            from .tables import table_to_text
            from .word import write_docx
            from .workbook import write_workbook

            (tmp / "report.html").write_text(render_html(data), encoding="utf-8")
            bar.update(1)
            write_workbook(data, tmp / "report.xlsx")
            bar.update(1)
            write_docx(data, tmp / "report.docx")
            bar.update(1)
            csv_scores, rounding = analysis.analyst_scores(data.scores)
            (tmp / "scores.csv").write_text(table_to_text(csv_scores, "csv"), encoding="utf-8-sig", newline="")
            bar.update(1)
            columns = column_table(csv_scores.columns, scorer.lexicon, rounding=rounding)
            (tmp / "columns.csv").write_text(table_to_text(columns, "csv"), encoding="utf-8-sig", newline="")
            bar.update(1)
            manifest["finished_utc"] = utc_now()
            manifest["outputs"] = {name: {"bytes": (tmp / name).stat().st_size, "sha256": file_sha256(tmp / name)}
                                   for name in REPORT_FILES if name != "manifest.json"}
            (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n",
                                               encoding="utf-8")
            bar.update(1)
        replace_folder(tmp, out, REPORT_FILES, "report")
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):  # e.g. ENOSPC: one line, exit 4
            raise OutputError(f"{out}: cannot write the report ({exc.strerror or exc}); nothing was written") from None
        raise
    checkpoint.finish()
    return ReportResult(out, {name: out / name for name in REPORT_FILES}, data.scores, result.errors, manifest)


def _topic_settings(result) -> dict | None:
    if result is None:
        return None
    settings = getattr(result, "settings", None)
    out = {"model": None, "k": int(len(result.topics))}  # the settings, when the result has them, name it
    if isinstance(settings, dict):
        out.update({k: v for k, v in settings.items()
                    if isinstance(v, (str, int, float, bool, type(None), list, dict))})
    return out


def _version() -> str:
    from .. import __version__

    return __version__


def _build(corpus, result, scorer, group_by, topic_result, manifest, title, random_state, n_resamples, t2s, bar,
           lang="zh") -> ReportData:
    lex = scorer.lexicon
    cats = lex.categories
    score_cols = set(scorer.empty_row())
    meta_cols = [c for c in result.scores.columns if c not in score_cols and c != "doc_id"]
    scores = analysis.numeric_metadata(result.scores, meta_cols)
    scores = scores.sort_values(["index", "doc_id"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    scores.insert(0, "rank", range(1, len(scores) + 1))
    title_column = next((c for c in meta_cols if str(c).lower() in _TITLE_NAMES), None)
    scores = scores[analysis.reader_order(scores, cats, meta_cols, title_column)]

    hits = result.hits
    if "status" in hits.columns:  # rejected and vetoed occurrences are evidence of what was not counted
        hits = hits[hits["status"] == "counted"].reset_index(drop=True)
    categories = analysis.category_table(scores, hits, lex)
    summary = analysis.summary_facts(scores, categories, n_inputs=corpus.n_inputs, n_errors=len(result.errors),
                                     n_resamples=n_resamples, random_state=random_state)
    bar.update(1)
    group_tables = {}
    for col in group_by:
        if col in scores.columns:  # absent only when no document was scored
            group_tables[col] = analysis.group_table(scores, col, cats, n_resamples=n_resamples, random_state=random_state)
        bar.update(1)
    time = None
    found = analysis.find_time_column(scores, meta_cols)
    if found is not None:
        col, year = found
        table = analysis.group_table(scores, col, cats, keys=year, n_resamples=n_resamples, random_state=random_state, sort="key")
        dated = year.notna()
        rho = float("nan")
        if dated.sum() >= 3 and year[dated].nunique() > 1 and scores.loc[dated, "index"].nunique() > 1:
            rho = float(scores.loc[dated, "index"].rank().corr(year[dated].rank()))
        time = {"column": col, "table": table, "from_date": str(col).lower() not in analysis._YEAR_NAMES,
                "n_dated": int(dated.sum()), "n_undated": int((~dated).sum()), "spearman": rho}
    bar.update(1)
    terms = analysis.term_table(scores, hits, list(group_tables))
    evidence = analysis.evidence_table(scores, hits, corpus, t2s=t2s, title_column=title_column)
    bar.update(1)
    topic_data = None
    if topic_result is not None:
        topic_data = {"documents": topic_result.documents, "settings": getattr(topic_result, "settings", None),
                      **analysis.topic_tables(topic_result.documents, topic_result.topics, scores)}
    return ReportData(title=title, scores=scores, hits=result.hits, errors=result.errors_frame, lexicon=lex,
                      config=scorer.config, summary=summary, categories=categories, terms=terms, evidence=evidence,
                      group_columns=group_by, group_tables=group_tables, time=time, topics=topic_data,
                      manifest=manifest, title_column=title_column, random_state=random_state, n_resamples=n_resamples,
                      labels=Labels(lex, lang), meta_columns=meta_cols)


# -- the folder, written whole and swapped in ------------------------------------------------------------
