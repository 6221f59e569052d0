"""policytext score: exit codes, output formats, errors on stderr, --strict."""

import io

import pandas as pd
import pytest
from click.testing import CliRunner

from policytext.cli import cli

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

DEMO = str(REPO / "corpora" / "demo")


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def mini(tmp_path):
    """A folder of three documents written for this test, one of them empty."""
    d = tmp_path / "mini"
    (d / "2020").mkdir(parents=True)
    (d / "2020" / "a.txt").write_text("推进网格化管理，实现无缝对接。", encoding="utf-8")
    (d / "2020" / "b.txt").write_text("发展精细化工，生产无缝钢管，加强公共治理。", encoding="utf-8")
    (d / "empty.txt").write_text("   \n", encoding="utf-8")
    return d


def test_scores_go_to_stdout_as_csv_and_the_summary_to_stderr(runner, mini):
    res = runner.invoke(cli, ["score", str(mini)])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(io.StringIO(res.stdout))
    assert df["doc_id"].tolist() == ["2020/a", "2020/b"]
    assert df.set_index("doc_id")["hits_total"].to_dict() == {"2020/a": 2, "2020/b": 0}
    assert "scored 2 documents against fine_grained_governance" in res.stderr
    assert "1 of 3 inputs not scored (EmptyDocumentError 1)" in res.stderr
    assert "empty.txt" in res.stderr and "Traceback" not in res.stderr


def test_strict_turns_skipped_documents_into_exit_code_1(runner, mini):
    res = runner.invoke(cli, ["score", str(mini), "--strict", "-q"])
    assert res.exit_code == 1
    assert res.stderr.count("\n") == 1 and "1 of 3 inputs not scored" in res.stderr


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_output_format_follows_the_extension(runner, mini, tmp_path, ext):
    out = tmp_path / f"scores{ext}"
    res = runner.invoke(cli, ["score", str(mini), "-o", str(out), "-q"])
    assert res.exit_code == 0 and res.stdout == ""
    df = {".csv": pd.read_csv, ".jsonl": lambda p: pd.read_json(p, lines=True), ".parquet": pd.read_parquet,
          ".xlsx": pd.read_excel}[ext](out)
    assert df["doc_id"].tolist() == ["2020/a", "2020/b"]
    assert df["hits_total"].tolist() == [2, 0]


def test_evidence_and_errors_files(runner, mini, tmp_path):
    ev, err = tmp_path / "ev.csv", tmp_path / "err.csv"
    res = runner.invoke(cli, ["score", str(mini), "--evidence", str(ev), "--errors", str(err), "-q"])
    assert res.exit_code == 0
    hits = pd.read_csv(ev)
    assert hits[["doc_id", "term", "start", "end"]].values.tolist() == [
        ["2020/a", "网格化管理", 2, 7], ["2020/a", "无缝对接", 10, 14]]
    errors = pd.read_csv(err)
    assert errors[["doc_id", "error"]].values.tolist() == [["empty", "EmptyDocumentError"]]


def test_demo_corpus_ranks_fine_above_crude(runner, tmp_path):
    out = tmp_path / "demo.csv"
    res = runner.invoke(cli, ["score", DEMO, "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    df = pd.read_csv(out)
    assert len(df) == 24 and "metadata from" in res.stderr and "highest index:" in res.stderr
    mean = df.groupby("intended_level")["index"].mean()
    assert mean["fine"] > mean["mixed"] > mean["crude"]
    assert df.loc[df.intended_level == "fine", "index"].min() > df.loc[df.intended_level == "crude", "index"].max()


def test_table_input_with_named_columns(runner, tmp_path):
    t = tmp_path / "docs.csv"
    t.write_text("文号,正文,year\nA-1,推进社区自治,2020\nA-2,粗放管理,2021\n", encoding="utf-8")
    res = runner.invoke(cli, ["score", str(t), "--text-column", "正文", "--id-column", "文号", "--format", "x"])
    assert res.exit_code == 2  # unknown option: click's usage error
    res = runner.invoke(cli, ["score", str(t), "--text-column", "正文", "--id-column", "文号", "-q"])
    assert res.exit_code == 0, res.stderr
    df = pd.read_csv(io.StringIO(res.stdout))
    assert df[["doc_id", "year", "hits_grassroots", "hits_crude"]].values.tolist() == [["A-1", 2020, 2, 0], ["A-2", 2021, 0, 1]]


def test_missing_text_column_is_one_line_naming_the_columns(runner, tmp_path):
    t = tmp_path / "docs.csv"
    t.write_text("id,body\n1,推进社区自治\n", encoding="utf-8")
    res = runner.invoke(cli, ["score", str(t), "--text-column", "正文"])
    assert res.exit_code == 3
    assert res.stderr.startswith("policytext: error: ") and res.stderr.count("\n") == 1
    assert "正文" in res.stderr and "body" in res.stderr and "Traceback" not in res.stderr


def test_missing_corpus_and_bad_lexicon_are_input_errors(runner, mini, tmp_path):
    res = runner.invoke(cli, ["score", str(tmp_path / "nope")])
    assert res.exit_code == 3 and "nope" in res.stderr
    lex = tmp_path / "lex.csv"
    lex.write_text("term,category,weight\n共治,co,1\n精细化,fine,heavy\n", encoding="utf-8")
    res = runner.invoke(cli, ["score", str(mini), "--lexicon", str(lex)])
    assert res.exit_code == 3
    assert "lex.csv, line 3: weight must be a number" in res.stderr


def test_unwritable_output_is_exit_code_4(runner, mini, tmp_path):
    res = runner.invoke(cli, ["score", str(mini), "-o", str(tmp_path / "no" / "such" / "dir.csv")])
    assert res.exit_code == 4 and "does not exist" in res.stderr
    res = runner.invoke(cli, ["score", str(mini), "-o", str(tmp_path / "scores.txt")])
    assert res.exit_code == 4 and "unknown output format" in res.stderr


def test_debug_shows_the_traceback(runner, tmp_path):
    res = runner.invoke(cli, ["score", str(tmp_path / "nope"), "--debug"])
    assert res.exit_code != 0 and res.exception is not None


def test_engine_and_options_give_identical_scores(runner, mini):
    a = runner.invoke(cli, ["score", str(mini), "-q"]).stdout
    b = runner.invoke(cli, ["score", str(mini), "-q", "--engine", "rjieba"]).stdout
    assert a == b


def test_custom_csv_lexicon_and_no_t2s(runner, tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    (d / "t.txt").write_text("推進社區自治", encoding="utf-8")
    lex = tmp_path / "lex.csv"
    lex.write_text("term,category\n自治,self\n", encoding="utf-8")
    on = pd.read_csv(io.StringIO(runner.invoke(cli, ["score", str(d), "--lexicon", str(lex), "-q"]).stdout))
    off = pd.read_csv(io.StringIO(runner.invoke(cli, ["score", str(d), "--lexicon", str(lex), "-q", "--no-t2s"]).stdout))
    assert list(on.filter(like="hits_").columns) == ["hits_self", "hits_total"]
    assert (int(on.loc[0, "hits_self"]), int(off.loc[0, "hits_self"])) == (1, 1)  # 自治 is the same in both scripts
    assert on.loc[0, "n_chars"] == off.loc[0, "n_chars"] == 6


def test_help_has_an_example(runner):
    res = runner.invoke(cli, ["score", "--help"])
    assert res.exit_code == 0 and "Examples:" in res.output and "policytext score corpora/demo" in res.output


def test_bad_inputs_are_reported_and_the_batch_goes_on(runner, tmp_path):
    """Every kind of bad input from the issue: each a record naming the file; inputs == scored + errors."""
    d = tmp_path / "bad"
    d.mkdir()
    (d / "good.txt").write_text("推进社区共治。", encoding="utf-8")
    (d / "junk.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (d / "zero.txt").write_bytes(b"")
    (d / "blank.md").write_text(" \n\u3000\n", encoding="utf-8")
    (d / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    (d / "notes.rtf").write_text("{\\rtf1 x}", encoding="ascii")
    (d / "good.md").write_text("推进基层自治。", encoding="utf-8")  # id "good" again; sorted first, so it is kept
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(d / "scan.pdf"))
    c.rect(100, 100, 200, 200, fill=1)
    c.save()
    errors = tmp_path / "errors.csv"
    res = runner.invoke(cli, ["score", str(d), "--errors", str(errors)])
    assert res.exit_code == 0, res.stderr
    scored = pd.read_csv(io.StringIO(res.stdout))
    table = pd.read_csv(errors)
    assert len(scored) + len(table) == 8
    assert scored["doc_id"].tolist() == ["good"]
    by_file = {s.rsplit("/", 1)[-1]: e for s, e in zip(table["source"], table["error"])}
    assert by_file == {
        "blank.md": "EmptyDocumentError", "good.txt": "DuplicateIdError", "junk.txt": "DecodeError",
        "notes.rtf": "UnsupportedFormatError", "old.docx": "CorruptFileError", "scan.pdf": "NoTextLayerError",
        "zero.txt": "EmptyDocumentError",
    }
    dup = table.loc[table.error == "DuplicateIdError", "message"].item()
    assert "good.md" in dup  # names the document that holds the id
    assert "7 of 8 inputs not scored" in res.stderr and "Traceback" not in res.stderr
    for line in res.stderr.splitlines():
        if line.startswith("  ") and "more" not in line:
            assert str(d) in line  # each shown error names its file
    assert all("\n" not in m for m in table["message"])
    res = runner.invoke(cli, ["score", str(d), "--strict", "-q"])
    assert res.exit_code == 1


# -- start-up (issue 15.1) ------------------------------------------------------------------------------------
#: modules that scoring one document as a user types it must not load: pandas, pyarrow, the report, topic,
#: plotting and Excel machinery, and jieba itself when the default engine is rjieba (it loads pkg_resources);
#: decimal (1.4 ms), which only the Excel writer's cells need, and the readers of corpora in memory and of metadata
#: files, which a folder without metadata.csv does not (issue 15, fixed costs of a warm run)
NOT_FOR_SCORE = ("policytext.reports", "policytext.topics", "policytext.dtm", "policytext.embedding",
                 "plotly", "openpyxl", "sklearn", "gensim", "tomotopy", "matplotlib", "docx", "pypdf", "bs4",
                 "lxml", "jieba", "pkg_resources", "dask", "distributed", "tqdm", "pandas", "pyarrow", "decimal",
                 "policytext.readers._frames", "policytext.readers._metadata")


def _modules_loaded_by(tmp_path, *args):
    import os
    import subprocess
    import sys

    code = ("import sys\nfrom policytext.cli import main\nsys.argv = ['policytext', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "sys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules)))\n")
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                         env=env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    return res.stdout, set(res.stderr.rsplit("MODULES ", 1)[1].split())


def _heavy(loaded):
    return sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in NOT_FOR_SCORE))


def test_score_one_document_loads_no_report_topic_plotting_or_excel_module(tmp_path):
    one = tmp_path / "one.txt"
    one.write_text("推进精细化治理，加强基层社区自治。", encoding="utf-8")
    out, loaded = _modules_loaded_by(tmp_path, "score", str(one), "--cache", str(tmp_path / "tokens"))
    assert out.startswith("doc_id,") and "\none," in out
    assert "rjieba.rjieba" in loaded and "policytext.scoring" in loaded  # the test sees the modules of the run
    assert _heavy(loaded) == []
    # and the same again warm (tokens from the cache), and with the output in a file
    out, loaded = _modules_loaded_by(tmp_path, "score", str(one), "--cache", str(tmp_path / "tokens"),
                                     "-o", str(tmp_path / "s.csv"), "-q")
    assert _heavy(loaded) == [] and (tmp_path / "s.csv").read_text(encoding="utf-8-sig").startswith("doc_id,")


def test_the_import_set_test_sees_a_heavy_module_when_one_is_loaded(tmp_path):
    """The test above can fail: writing .xlsx does load openpyxl, and --engine jieba loads jieba."""
    one = tmp_path / "one.txt"
    one.write_text("推进精细化治理。", encoding="utf-8")
    _, loaded = _modules_loaded_by(tmp_path, "score", str(one), "--no-cache", "--engine", "jieba",
                                   "-o", str(tmp_path / "s.xlsx"), "-q")
    assert "openpyxl" in _heavy(loaded) and "jieba" in _heavy(loaded)


# -- pyarrow is an extra (issue 15.5) ------------------------------------------------------------------------
WITHOUT_PYARROW = """
import sys
sys.modules["pyarrow"] = None  # as if pyarrow were not installed: every import of it raises ImportError
{body}
"""


def _without_pyarrow(tmp_path, body: str):
    import os
    import subprocess
    import sys
    import textwrap

    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-c", WITHOUT_PYARROW.format(body=textwrap.dedent(body))],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)


def test_parquet_without_pyarrow_is_one_line_naming_the_extra(tmp_path):
    pd.DataFrame({"text": ["推进精细化治理。"], "id": ["a"]}).to_parquet(tmp_path / "in.parquet", index=False)
    (tmp_path / "one.txt").write_text("推进精细化治理。", encoding="utf-8")
    extra = 'pip install "policytext[parquet]"'
    cli_run = """
        from policytext.cli import main
        sys.argv = ["policytext", *{args!r}]
        main()
    """
    cases = {  # command line -> the file the message must name
        ("score", "one.txt", "-o", "out.parquet", "--no-cache"): "out.parquet",
        ("score", "one.txt", "--evidence", "hits.parquet", "--no-cache"): "hits.parquet",
        ("score", "in.parquet", "--text-column", "text", "--no-cache"): "in.parquet",
        ("score", ".", "--glob", "*.parquet", "--text-column", "text", "--no-cache"): "in.parquet",
    }
    for args, named in cases.items():
        res = _without_pyarrow(tmp_path, cli_run.format(args=list(args)))
        assert res.returncode == 3, (args, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in res.stderr, (args, res.stderr)
        assert lines[0].startswith(f"policytext: error: {named}: ") and lines[0].endswith(extra), lines[0]
        assert res.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "one.txt"]  # nothing written

    # the library raises the typed error (a ConfigError), on reading and on writing
    res = _without_pyarrow(tmp_path, """
        import pandas as pd
        import policytext as pt
        from policytext.errors import ConfigError, MissingDependencyError
        from policytext.io import write_table
        for call in (lambda: pt.read_corpus("in.parquet", text_column="text"),
                     lambda: write_table(pd.DataFrame({"a": [1]}), "x.parquet")):
            try:
                call()
            except MissingDependencyError as exc:
                assert isinstance(exc, ConfigError)
                print(exc)
        # everything else works without pyarrow
        print(len(pt.score_texts(["推进精细化治理"])), "pyarrow" in sys.modules and sys.modules["pyarrow"] is None)
    """)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [f"in.parquet: .parquet files need pyarrow, which is not installed; {extra}",
                                       f"x.parquet: .parquet files need pyarrow, which is not installed; {extra}",
                                       "1 True"]


def test_parquet_with_pyarrow_still_round_trips(tmp_path, runner):
    """The check above does not refuse Parquet when pyarrow is there."""
    (tmp_path / "one.txt").write_text("推进精细化治理。", encoding="utf-8")
    res = runner.invoke(cli, ["score", str(tmp_path / "one.txt"), "-o", str(tmp_path / "s.parquet"), "--no-cache"])
    assert res.exit_code == 0, res.stderr
    assert pd.read_parquet(tmp_path / "s.parquet")["doc_id"].tolist() == ["one"]


# -- CSV without pandas (issue 15.1) ----------------------------------------------------------------------------
def test_score_csv_written_without_pandas_is_byte_identical_to_the_pandas_table(tmp_path, runner):
    """`policytext score` prints and writes CSV/TSV from the rows (no pandas); the bytes must be those of the
    DataFrame the library returns, written by table_to_text/write_table, for ids that need quoting or
    neutralising, and the summary lines the same."""
    import policytext as pt
    from policytext.io import table_to_text, write_table

    d = tmp_path / "odd"
    d.mkdir()
    texts = {"=cmd": "推进精细化治理，实现无缝对接。" * 3, "a,b": "加强基层社区自治，推进共建共治共享。",
             'q"uote': "坚持粗放式管理。", "-minus": "精细化管理" * 40, "+plus": "无关的文字。", "@at": "网格化管理。"}
    for name, text in texts.items():
        (d / f"{name}.txt").write_text(text, encoding="utf-8")
    result = pt.Scorer().score(pt.read_corpus(str(d)))
    assert set(result.scores["doc_id"]) == set(texts)
    res = runner.invoke(cli, ["score", str(d), "--no-cache"])
    assert res.exit_code == 0, res.stderr
    assert res.stdout == table_to_text(result.scores, "csv")
    for ext in (".csv", ".tsv"):
        res = runner.invoke(cli, ["score", str(d), "--no-cache", "-q", "-o", str(tmp_path / f"s{ext}")])
        assert res.exit_code == 0, res.stderr
        write_table(result.scores, tmp_path / f"pandas{ext}")
        assert (tmp_path / f"s{ext}").read_bytes() == (tmp_path / f"pandas{ext}").read_bytes()
    # the summary is computed from the rows as it was from the frame
    ranked = result.scores.sort_values(["index", "doc_id"], ascending=[False, True])
    top = ", ".join(f"{r.doc_id} ({r.index:.1f})" for r in ranked.head(3).itertuples())
    res = runner.invoke(cli, ["score", str(d), "--no-cache"])
    assert f"policytext: highest index: {top};" in res.stderr
    assert f"{int(result.scores['short'].sum())} of 6 documents are short" in res.stderr


def test_score_rows_to_text_matches_pandas_on_any_values():
    from hypothesis import given, settings, strategies as st

    from policytext.io import table_to_text
    from policytext.scoring import ScoreRows

    values = st.one_of(st.integers(-2**62, 2**62), st.floats(allow_nan=False, allow_infinity=False),
                       st.booleans())
    text = st.text(alphabet=st.sampled_from(list('ab精,"\'=+-@\t\r\n ;×')), max_size=8)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.tuples(text, values, st.floats(allow_nan=False, allow_infinity=False), st.booleans(), text),
                    min_size=1, max_size=5))
    def check(rows):
        columns = ["doc_id", "n", "x", "short", "top_terms"]
        records = [dict(zip(columns, r)) for r in rows]
        for r in records:  # a column holds one type, as the scorer's do
            r["n"] = int(r["n"]) if not isinstance(r["n"], float) else r["n"]
        if len({type(r["n"]) for r in records}) > 1:
            return
        import pandas as pd

        frame = pd.DataFrame.from_records(records, columns=columns)
        for fmt in ("csv", "tsv"):
            assert ScoreRows(columns, records, [], False).to_text(fmt) == table_to_text(frame, fmt)

    check()
