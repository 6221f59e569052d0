"""The bad-input suite (tests/data/bad): every input becomes a document or an error record with a one-line
reason, the run completes, and inputs == results + errors. Run through the library and the CLI."""

import importlib.util
import io
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from policytext import Scorer, Tokenizer, read_corpus
from policytext.cli import cli

BAD = Path(__file__).resolve().parent / "data" / "bad"
spec = importlib.util.spec_from_file_location("bad_generate", BAD / "generate.py")
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


def _make_suite(tmp_path_factory, line_mb):
    folder = tmp_path_factory.mktemp("bad") / "inputs"
    shutil.copytree(BAD / "files", folder)
    expected = dict(generate.EXPECTED)
    expected.update(generate.make_runtime_inputs(folder, line_mb=line_mb))
    return folder, expected


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    """The whole suite, with its 50 MB one-line document (scored through the library)."""
    folder, expected = _make_suite(tmp_path_factory, 50)
    yield folder, expected
    os.chmod(folder / "locked.txt", 0o644)


@pytest.fixture
def cli_suite(tmp_path_factory):
    """The same suite with a 4 MB one-line document (1.4 M characters: still longer than a slice, so sliced like
    the 50 MB one; the CLI runs the library's scoring, which the test above gives 50 MB)."""
    folder, expected = _make_suite(tmp_path_factory, 4)
    yield folder, expected
    os.chmod(folder / "locked.txt", 0o644)


def _refuse_locked_as_root(folder, monkeypatch):
    """chmod 000 does not stop root; where tests run as root, refuse the file the way the OS would."""
    if os.geteuid() != 0:
        return
    real_open = io.open
    locked = str(folder / "locked.txt")

    def refusing_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.fspath(file) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", refusing_open)


@pytest.fixture
def locked_is_unreadable(suite, monkeypatch):
    _refuse_locked_as_root(suite[0], monkeypatch)


@pytest.fixture
def cli_locked_is_unreadable(cli_suite, monkeypatch):
    _refuse_locked_as_root(cli_suite[0], monkeypatch)


def outcome_key(source: str, folder: Path) -> str:
    return os.path.relpath(source.split("#")[0], folder) + ("#" + source.split("#", 1)[1] if "#" in source else "")


def test_committed_files_are_the_generators_files():
    assert sorted(p.name for p in (BAD / "files").iterdir()) == sorted(generate.static_file_makers())


def test_every_bad_input_has_its_expected_outcome(suite, locked_is_unreadable):
    folder, expected = suite
    corpus = read_corpus(folder)
    result = Scorer(tokenizer=Tokenizer(engine="rjieba")).score(corpus)
    got = {outcome_key(d.source, folder): "document" for d in corpus if d.doc_id in set(result.scores.doc_id)}
    got.update({outcome_key(e.source, folder): e.error for e in result.errors})
    assert got == expected
    assert len(result.scores) + len(result.errors) == len(expected)  # inputs == results + errors
    for e in result.errors:
        assert e.message and "\n" not in e.message and len(e.message) < 300, e
    big = result.scores.set_index("doc_id").loc["one_line_50mb"]
    assert big["n_chars"] > 17_000_000 and big["hits_total"] > 1_000_000
    assert "公告" in set(result.scores.doc_id)  # a GBK file name becomes a readable id


def test_the_cli_run_completes_and_writes_every_error(cli_suite, cli_locked_is_unreadable, tmp_path):
    folder, expected = cli_suite
    out, errors = tmp_path / "scores.csv", tmp_path / "errors.csv"
    res = CliRunner().invoke(cli, ["score", str(folder), "--engine", "rjieba", "--jobs", "1", "--no-cache",
                                   "-o", str(out), "--errors", str(errors)])
    assert res.exit_code == 0, res.stderr
    scores, errs = pd.read_csv(out), pd.read_csv(errors)
    n_docs = sum(v == "document" for v in expected.values())
    assert (len(scores), len(errs)) == (n_docs, len(expected) - n_docs)
    assert scores.set_index("doc_id").loc["one_line_4mb", "n_chars"] > 1_000_000  # scored in slices
    assert f"{len(errs)} of {len(expected)} inputs not scored" in res.stderr
    assert "Traceback" not in res.stderr
    strict = CliRunner().invoke(cli, ["score", str(folder / "messy.csv"), "--strict", "-q", "--no-cache"])
    assert strict.exit_code == 1


def _rewrite_zip_member(data: bytes, member: str, new: bytes) -> bytes:
    import zipfile

    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            z.writestr(item, new if item.filename == member else src.read(item.filename))
    return out.getvalue()


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">'
          + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
          + "]>")


def test_xml_entity_expansion_is_not_performed(tmp_path):
    """A 'billion laughs' entity in a .docx or .xlsx is refused or left unexpanded, never expanded."""
    import docx
    from openpyxl import Workbook

    d = docx.Document()
    d.add_paragraph("推进共治")
    buf = io.BytesIO()
    d.save(buf)
    xml = (LAUGHS + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           "<w:body><w:p><w:r><w:t>推进共治&i;</w:t></w:r></w:p></w:body></w:document>").encode("utf-8")
    (tmp_path / "laughs.docx").write_bytes(_rewrite_zip_member(buf.getvalue(), "word/document.xml", xml))
    wb = Workbook()
    wb.active.append(["text"])
    wb.active.append(["推进共治"])
    buf = io.BytesIO()
    wb.save(buf)
    sheet = (LAUGHS + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>text</t></is></c></row>'
             '<row r="2"><c r="A2" t="inlineStr"><is><t>&i;</t></is></c></row></sheetData></worksheet>').encode("utf-8")
    (tmp_path / "laughs.xlsx").write_bytes(_rewrite_zip_member(buf.getvalue(), "xl/worksheets/sheet1.xml", sheet))
    corpus = read_corpus(tmp_path)
    assert len(corpus) == 0  # expanded, each would hold 10**9 characters
    assert sorted((Path(e.source).name, e.error) for e in corpus.errors) == [
        ("laughs.docx", "CorruptFileError"), ("laughs.xlsx", "CorruptFileError")]
