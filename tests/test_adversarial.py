"""Issue 13 (and 16.6): the failure modes an adversarial run found, each run as a user would type it (the
command line; in this process through click's ``CliRunner`` except where a test bounds time or memory, which
needs a fresh ``python -m policytext`` process: see :func:`policytext`).

Every test asserts the exit code, the one-line message, that inputs = documents scored + error records, and
that no input file changed (sha256 before and after). Items 1, 3 and 5 run under a time bound enforced by the
test (``subprocess`` timeouts); item 1 also under a memory bound (``RLIMIT_AS``), so that a regression fails
the test instead of taking the machine down. Small inputs are in ``tests/data/adversarial/files`` (written by
its ``make_adversarial.py``); large ones are made here, in a temporary folder.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "adversarial"
FILES = DATA / "files"
MEMORY_LIMIT = 3 * 2**30  # bytes of address space for a subprocess that reads a hostile input


# ----------------------------------------------------------------------------------------------- helpers


def hashes(*paths: Path) -> dict[str, str]:
    """sha256 of every file under ``paths`` (files or folders), keyed by path."""
    out = {}
    for path in paths:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for f in files:
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def _limit_memory():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def policytext(*args, cwd: Path, timeout: float = 120, memory: bool = False,
               fresh: bool = False) -> subprocess.CompletedProcess:
    """``policytext ARGS`` run in ``cwd``: in a fresh ``python -m policytext`` process under ``timeout`` (and
    under ``MEMORY_LIMIT`` with ``memory``) where a test bounds time or memory (``fresh`` or ``memory``);
    otherwise in this process through click's ``CliRunner`` (the same command, the same exit code and output, no
    interpreter start-up), where an exception that escapes the command is added to ``stderr`` as a traceback,
    as the fresh process would print it."""
    if fresh or memory:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        return subprocess.run([sys.executable, "-m", "policytext", *map(str, args)], cwd=cwd, capture_output=True,
                              text=True, timeout=timeout, env=env, preexec_fn=_limit_memory if memory else None)
    import traceback

    from click.testing import CliRunner

    from policytext.cli import cli

    argv = [str(a) for a in args]
    here = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(cli, argv, prog_name="policytext")
    finally:
        os.chdir(here)
    stderr = res.stderr
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*res.exc_info))
    return subprocess.CompletedProcess(["policytext", *argv], res.exit_code, res.stdout, stderr)


def score(*inputs, cwd: Path, extra=(), timeout: float = 120, memory: bool = False, fresh: bool = False):
    """``policytext score INPUTS -o scores.csv --errors errors.csv``: (process, scores, errors)."""
    run = policytext("score", *inputs, "-o", "scores.csv", "--errors", "errors.csv", "--no-cache", "--jobs", "1",
                     *extra, cwd=cwd, timeout=timeout, memory=memory, fresh=fresh)
    scores = pd.read_csv(cwd / "scores.csv", dtype=str) if (cwd / "scores.csv").exists() else None
    errors = pd.read_csv(cwd / "errors.csv", dtype=str, keep_default_na=False) if (cwd / "errors.csv").exists() else None
    return run, scores, errors


def one_error_line(stderr: str) -> str:
    """The run's error: exactly one ``policytext: error:`` line, no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("policytext: error:")]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def files(tmp_path):
    """A private copy of the stored adversarial inputs."""
    shutil.copytree(FILES, tmp_path / "files")
    return tmp_path / "files"


def test_stored_inputs_are_the_generators():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_adversarial", DATA / "make_adversarial.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    for name, data in generate.files().items():
        assert (FILES / name).read_bytes() == data, name


# ----------------------------------------------------------------------------- 1. bounded reading


def _bomb_docx(path: Path, megabytes: int = 300) -> Path:
    """A .docx of about 1 MB whose word/document.xml unpacks to ``megabytes`` MB of text (under the 500 MB
    zip guard): one paragraph of 100 million characters."""
    head = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>').encode()
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    block = ("推进基层治理精细化" * 40_000).encode("utf-8")  # 1.08 MB
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(head)
            for _ in range(megabytes * 2**20 // len(block)):
                fh.write(block)
            fh.write(tail)
    return path


def test_docx_unpacking_to_300_mb_is_a_too_large_record_within_seconds(tmp_path):
    bomb = _bomb_docx(tmp_path / "bomb.docx")
    assert bomb.stat().st_size < 3 * 2**20
    shutil.copy(FILES / "good.txt", tmp_path / "good.txt")
    before = hashes(bomb, tmp_path / "good.txt")
    started = time.monotonic()
    run, scores, errors = score("bomb.docx", "good.txt", cwd=tmp_path, timeout=90, memory=True)
    assert run.returncode == 0, run.stderr
    assert time.monotonic() - started < 90
    assert list(scores.doc_id) == ["good"] and len(scores) + len(errors) == 2
    assert errors.to_dict("records") == [{
        "source": "bomb.docx", "doc_id": "bomb", "error": "TooLargeError",
        "message": "over the limit of 50,000,000 characters per document (reading stopped after 50,000,000); "
                   "raise it with --max-chars N (max_chars= in Python)"}]
    assert "1 of 2 inputs not scored (TooLargeError 1)" in run.stderr
    assert hashes(bomb, tmp_path / "good.txt") == before


def test_max_chars_applies_to_every_format_and_can_be_raised(tmp_path):
    from policytext import read_corpus

    shutil.copy(FILES / "textbox.docx", tmp_path)
    shutil.copy(FILES / "good.txt", tmp_path)
    (tmp_path / "page.html").write_text("<html><body><p>推进精细化治理</p></body></html>", encoding="utf-8")
    pd.DataFrame({"text": ["短", "推进精细化治理" * 3]}).to_csv(tmp_path / "t.csv", index=False)
    small = read_corpus(tmp_path, max_chars=10)
    assert small.doc_ids == ["t#1"]
    assert sorted((e.source.rsplit("/", 1)[-1], e.error) for e in small.errors) == [
        ("good.txt", "TooLargeError"), ("page.html", "TooLargeError"), ("t.csv#row 2", "TooLargeError"),
        ("textbox.docx", "TooLargeError")]
    assert all("--max-chars" in e.message for e in small.errors)
    assert len(read_corpus(tmp_path).errors) == 0
    run = policytext("score", "good.txt", "--max-chars", "5", "--no-cache", cwd=tmp_path)
    assert run.returncode == 3
    assert "over the limit of 5 characters per document" in run.stderr
    assert one_error_line(run.stderr).startswith("policytext: error: no readable document: all 1 inputs failed")


# ----------------------------------------------------------------------------- 2. outputs never overwrite inputs


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "t.csv").write_text("doc_id,text\nA,推进精细化治理\nB,基层社区自治\n", encoding="utf-8")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text("推进网格化管理", encoding="utf-8")
    (tmp_path / "lex.csv").write_text("term,category,weight\n精细化,fine,1\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(tmp_path / "t.csv")
    (tmp_path / "sub").mkdir()
    return tmp_path


REFUSED = [
    (["score", "t.csv", "-o", "t.csv"], "--output t.csv is the input t.csv (CORPUS)"),
    (["score", "t.csv", "-o", "out.csv", "--errors", "t.csv"], "--errors t.csv is the input t.csv (CORPUS)"),
    (["score", "t.csv", "-o", "x.csv", "--evidence", "x.csv"], "--evidence x.csv is also --output x.csv"),
    (["score", "t.csv", "-o", "link.csv"], "--output link.csv is the input t.csv"),
    (["score", "t.csv", "-o", "sub/../t.csv"], "--output sub/../t.csv is the input t.csv"),
    (["score", "corpus", "-o", "corpus/scores.csv"], "lies inside the input folder corpus, where it would be read"),
    (["score", "t.csv", "--metadata", "lex.csv", "-o", "lex.csv"], "--output lex.csv is the input lex.csv (--metadata)"),
    (["kwic", "t.csv", "精细化", "-o", "t.csv"], "--output t.csv is the input t.csv (CORPUS)"),
    (["report", "corpus", "-o", "corpus/report"], "lies inside the input folder corpus"),
    (["report", "sub/corpus2", "-o", "sub"], "--output sub holds the input sub/corpus2"),
    (["topics", "t.csv", "-o", "."], "--output . holds the input t.csv"),
    (["topics", "apply", "sub", "t.csv", "-o", "t.csv"], "--output t.csv is the input t.csv"),
    (["lexicon", "export", "lex.csv", "-o", "lex.csv"], "--output lex.csv is the input lex.csv"),
    (["lexicon", "merge", "lex.csv", "t.csv", "-o", "t.csv"], "--output t.csv is the input t.csv"),
    (["lexicon", "diagnose", "t.csv", "-o", "out.csv", "--categories", "t.csv"], "--categories t.csv is the input"),
    (["sample", "t.csv", "-n", "1", "-o", "t.csv"], "--output t.csv is the input t.csv"),
    (["scale", "t.csv", "-o", "x.csv", "--words", "x.csv"], "--words x.csv is also --output x.csv"),
    (["validate", "t.csv", "-o", "t.csv"], "--output t.csv is the input t.csv (SCORES)"),
]


@pytest.mark.parametrize("argv, reason", REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_an_output_that_is_an_input_or_another_output_is_refused_before_reading(workspace, argv, reason):
    if argv[:2] == ["report", "sub/corpus2"]:
        shutil.copytree(workspace / "corpus", workspace / "sub" / "corpus2")
    before = hashes(workspace)
    quiet = [] if argv[:2] == ["lexicon", "export"] else ["-q"]
    run = policytext(*argv, *quiet, cwd=workspace, timeout=60)
    assert run.returncode == 2, run.stderr
    line = one_error_line(run.stderr)
    assert reason in line, line
    assert line.endswith("; choose another output path (nothing was read or written)")
    assert hashes(workspace) == before  # no input changed, no output written
    assert not list(workspace.glob(".*.tmp")) and not list(workspace.glob(".*checkpoint"))


def test_an_output_in_a_hidden_folder_or_outside_the_glob_is_allowed(workspace):
    run = policytext("score", "corpus", "-o", "corpus/.out/scores.csv", "-q", "--no-cache", cwd=workspace)
    assert run.returncode == 4  # the folder does not exist: not a conflict, an ordinary output error
    (workspace / "corpus" / ".out").mkdir()
    run = policytext("score", "corpus", "-o", "corpus/.out/scores.csv", "-q", "--no-cache", cwd=workspace)
    assert run.returncode == 0, run.stderr
    run = policytext("score", "corpus", "--glob", "*.txt", "-o", "corpus/scores.csv", "-q", "--no-cache",
                     cwd=workspace)
    assert run.returncode == 0, run.stderr


def test_output_conflicts_see_through_hard_links_and_case(tmp_path):
    from policytext.cli import output_conflicts

    (tmp_path / "t.csv").write_text("x", encoding="utf-8")
    os.link(tmp_path / "t.csv", tmp_path / "hard.csv")
    assert output_conflicts([("CORPUS", str(tmp_path / "t.csv"))], [("--output", str(tmp_path / "hard.csv"), False)])
    # on a case-insensitive file system T.CSV is t.csv; on a case-sensitive one it is another file
    upper = tmp_path / "T.CSV"
    expected = upper.exists()
    assert bool(output_conflicts([("CORPUS", str(tmp_path / "t.csv"))], [("--output", str(upper), False)])) == expected


# ----------------------------------------------------------------------------- 3. FIFOs never block


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_fifo_named_on_the_command_line_is_a_record_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "p.txt")
    os.mkfifo(tmp_path / "q.csv")
    shutil.copy(FILES / "good.txt", tmp_path)
    before = hashes(tmp_path / "good.txt")
    run, scores, errors = score("p.txt", "good.txt", "q.csv", cwd=tmp_path, timeout=30, fresh=True)
    assert run.returncode == 0, run.stderr
    assert list(scores.doc_id) == ["good"] and len(scores) + len(errors) == 3
    assert [(e["source"], e["error"]) for e in errors.to_dict("records")] == [
        ("p.txt", "UnreadableFileError"), ("q.csv", "UnreadableFileError")]
    assert errors.message[0] == "not a regular file (a named pipe (FIFO)); policytext reads only regular files"
    alone = policytext("score", "p.txt", "--no-cache", cwd=tmp_path, timeout=30, fresh=True)
    assert alone.returncode == 3
    assert "p.txt: not a regular file (a named pipe (FIFO))" in alone.stderr
    one_error_line(alone.stderr)
    metadata = policytext("score", "good.txt", "--metadata", "q.csv", "--no-cache", cwd=tmp_path, timeout=30,
                          fresh=True)
    assert metadata.returncode == 3
    assert "q.csv: cannot read the metadata file (not a regular file" in one_error_line(metadata.stderr)
    assert hashes(tmp_path / "good.txt") == before


# ----------------------------------------------------------------------------- 4. a full disk


def _inject_enospc(monkeypatch, target: str, name: str):
    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    import importlib

    monkeypatch.setattr(importlib.import_module(target), name, full)


@pytest.mark.parametrize("command, target, name", [
    (["report", "corpus", "-o", "out"], "policytext.reports.workbook", "write_workbook"),
    (["topics", "corpus", "--k", "2", "--model", "nmf", "--min-df", "1", "-o", "out"], "policytext.topics",
     "save_topic_model"),
])
def test_a_full_disk_is_one_line_exit_4_and_nothing_half_written(tmp_path, monkeypatch, command, target, name):
    from click.testing import CliRunner

    from policytext.cli import cli

    shutil.copytree(REPO / "corpora" / "demo", tmp_path / "corpus")
    before = hashes(tmp_path / "corpus")
    _inject_enospc(monkeypatch, target, name)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*command, "-q", "--no-t2s"] if command[0] == "report" else [*command, "-q"])
    assert result.exit_code == 4, result.output
    line = one_error_line(result.output)
    assert "No space left on device" in line and "out" in line
    assert not (tmp_path / "out").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert hashes(tmp_path / "corpus") == before


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 kB tmpfs (needs root and mount rights, as in CI containers); skipped where it cannot be made."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip(reason="a small tmpfs needs root; test_a_full_disk_is_one_line_exit_4 injects ENOSPC instead")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(reason=f"cannot mount a tmpfs here ({made.stderr.decode().strip()}); the ENOSPC injection test covers it")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


def test_report_on_a_really_full_disk(tmp_path, tiny_disk):
    shutil.copytree(REPO / "corpora" / "demo", tmp_path / "corpus")
    before = hashes(tmp_path / "corpus")
    run = policytext("report", "corpus", "-o", tiny_disk / "out", "-q", cwd=tmp_path, timeout=300)
    assert run.returncode == 4, run.stderr
    assert "No space left on device" in one_error_line(run.stderr)
    assert [p.name for p in tiny_disk.iterdir() if not p.name.endswith(".checkpoint")] == []
    assert hashes(tmp_path / "corpus") == before


# ----------------------------------------------------------------------------- 5. SIGTERM and SIGHUP


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:  # no pgrep: read /proc
        out = "\n".join((Path(f"/proc/{pid}/task/{pid}/children").read_text() or "").split())
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")  # a zombie is gone


@pytest.fixture(scope="module")
def large_corpus(tmp_path_factory):
    import random

    folder = tmp_path_factory.mktemp("large") / "corpus"
    folder.mkdir()
    rng = random.Random(0)
    words = "推进 精细化 治理 基层 社区 网格化 管理 服务 无缝对接 绩效 评估 共治 参与 粗放 工作 发展 建设".split()
    for i in range(800):
        text = "，".join("".join(rng.choice(words) for _ in range(8)) for _ in range(400)) + "。"
        (folder / f"d{i:04d}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc and uses fork")
@pytest.mark.parametrize("signame, code", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_sigterm_and_sighup_stop_the_workers_and_exit_in_one_line(tmp_path, large_corpus, signame, code):
    before = hashes(large_corpus)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.Popen([sys.executable, "-m", "policytext", "score", str(large_corpus), "-j", "2", "-o",
                            "scores.csv", "--evidence", "hits.csv", "--no-cache", "--checkpoint-every", "20"],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while len(_children(run.pid)) < 2 or not list(tmp_path.glob(".scores.csv.checkpoint/part-*")):
            assert run.poll() is None, run.stderr.read()
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.05)
        workers = _children(run.pid)
        os.kill(run.pid, getattr(signal, signame))
        _out, err = run.communicate(timeout=30)  # returns only when no process holds stderr open
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == code, err
    assert err.strip().splitlines() == [
        f"policytext: stopped by {signame}; workers stopped and temporary files removed (a checkpoint, if any, is "
        "kept: run again with --resume)"]
    time.sleep(1)
    assert [pid for pid in workers if _alive(pid)] == []
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".scores.csv.checkpoint"]  # no output, no temporary file; the checkpoint is kept
    assert hashes(large_corpus) == before


# ----------------------------------------------------------------------------- 6. worksheets


def test_the_first_visible_worksheet_is_read_and_the_others_are_named(files):
    run, scores, errors = score("sheets.xlsx", cwd=files)
    assert run.returncode == 0, run.stderr
    assert list(scores.doc_id) == ["A1", "A2"]
    assert len(scores) + len(errors) == 4
    assert [(e["source"], e["error"]) for e in errors.to_dict("records")] == [
        ("sheets.xlsx#草稿", "SkippedInputError"), ("sheets.xlsx#补充", "SkippedInputError")]
    assert errors.message[0].startswith("hidden worksheet '草稿' (1 of 3) not read: only '文件' was")
    assert ("policytext: skipped on purpose: 2 worksheet(s) not chosen (草稿, 补充; --sheet NAME|INDEX|all to read "
            "them)") in run.stderr.splitlines()


def test_sheet_all_reads_every_worksheet_with_a_sheet_column(files):
    before = hashes(files / "sheets.xlsx")
    run, scores, errors = score("sheets.xlsx", cwd=files, extra=["--sheet", "all"])
    assert run.returncode == 0, run.stderr
    assert errors is not None and len(errors) == 0
    assert scores[["doc_id", "sheet"]].values.tolist() == [["D1", "草稿"], ["A1", "文件"], ["A2", "文件"],
                                                           ["B1", "补充"]]
    run, scores, errors = score("sheets.xlsx", cwd=files, extra=["--sheet", "3"])
    assert list(scores.doc_id) == ["B1"] and len(errors) == 2
    run = policytext("score", "sheets.xlsx", "--sheet", "附件", "--no-cache", cwd=files)
    assert run.returncode == 3
    assert one_error_line(run.stderr).endswith(
        "sheets.xlsx: no worksheet '附件' (--sheet takes a name, a position from 1, or all); worksheets: 1 '草稿' "
        "(hidden), 2 '文件', 3 '补充'")
    assert hashes(files / "sheets.xlsx") == before


# ----------------------------------------------------------------------------- 7. Parquet bytes


def test_parquet_bytes_are_decoded_like_files_or_recorded(files):
    from policytext import read_corpus

    corpus = read_corpus(files / "gbk_binary.parquet")
    assert [(d.doc_id, d.text) for d in corpus] == [("P1", "推进精细化治理，做好无缝对接。"), ("P2", "社区自治与多元共治。")]
    assert "\ufffd" not in "".join(d.text for d in corpus)
    run, scores, errors = score("gbk_binary.parquet", cwd=files)
    assert run.returncode == 0
    assert list(scores.doc_id) == ["P1", "P2"] and len(scores) + len(errors) == 3
    assert errors.to_dict("records") == [{
        "source": "gbk_binary.parquet#row 3", "doc_id": "P3", "error": "DecodeError",
        "message": "the 'text' cell holds bytes: cannot decode as UTF-8, UTF-16, GB18030 or Big5 (it contains NUL or "
                   "control bytes: a binary file?)"}]
    assert int(scores.loc[scores.doc_id == "P1", "hits_fine_grained"].iloc[0]) >= 1


# ----------------------------------------------------------------------------- 9. damaged CSV


def test_an_unterminated_quote_keeps_the_rows_before_and_counts_the_rest(files):
    before = hashes(files / "unterminated.csv")
    run, scores, errors = score("unterminated.csv", cwd=files)
    assert run.returncode == 0
    assert list(scores.doc_id) == ["R1", "R2"]
    assert len(scores) + len(errors) == 10  # the file's ten rows, as far as its lines tell
    assert errors.source.tolist() == [f"unterminated.csv#row {n}" for n in range(3, 11)]
    assert errors.message[0] == (
        "unterminated quote: a quoted cell opens on line 4 and never closes, so the rest of the file (lines 4-11, 8 "
        "row(s) as far as lines tell) cannot be parsed; close the quote (\") and read it again")
    assert "8 of 10 inputs not scored (CorruptFileError 8)" in run.stderr
    assert hashes(files / "unterminated.csv") == before


# ----------------------------------------------------------------------------- 11. Type3 PDFs


def test_a_pdf_of_glyph_names_is_no_text_layer(files):
    import pypdf

    assert pypdf.PdfReader(files / "type3.pdf").pages[0].extract_text().startswith("/g1/g2/g3")
    run, scores, errors = score("type3.pdf", "good.txt", cwd=files)
    assert run.returncode == 0
    assert list(scores.doc_id) == ["good"] and len(scores) + len(errors) == 2
    assert errors.to_dict("records") == [{
        "source": "type3.pdf", "doc_id": "type3", "error": "NoTextLayerError",
        "message": "PDF text layer is 100% glyph names or private-use characters (a Type3 or unmapped font), not "
                   "text; run OCR first"}]


def test_private_use_text_is_no_text_layer_but_ordinary_text_with_paths_is_text():
    from policytext.readers._files import GARBAGE_SHARE, garbage_share

    assert garbage_share("\ue001\ue002\ue003\ue004 第一条") > GARBAGE_SHARE
    assert garbage_share("详见 /usr/share/doc 和 http://www.gov.cn/zhengce/ 第一条 推进精细化治理") < GARBAGE_SHARE


# ----------------------------------------------------------------------------- 12. .docx text boxes, headers, notes


def test_docx_text_boxes_headers_and_footnotes_are_read_once_in_order(files):
    from policytext import read_corpus

    corpus = read_corpus(files / "textbox.docx")
    assert corpus[0].text.split("\n") == [
        "某市人民政府办公室",  # two header parts with the same text: once
        "通知",
        "第二条 街道社区推行网格化管理，做到精细化服务。",  # the text box, once (its VML fallback copy is not read)
        "第三条 建立绩效评估制度。",
        "第四条 本办法自发布之日起施行。",
        "注：共治指多元主体共同参与。",  # the footnote; the separator is not a line
    ]
    run, scores, errors = score("textbox.docx", cwd=files)
    assert run.returncode == 0 and len(scores) == 1 and len(errors) == 0
    assert int(scores.hits_grassroots.iloc[0]) >= 1


# ----------------------------------------------------------------------------- 13. nothing readable


def test_a_corpus_of_only_empty_files_exits_3(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    for i in range(5000):
        (folder / f"{i:05d}.txt").write_bytes(b"")
    run, scores, errors = score("empty", cwd=tmp_path, timeout=300)
    assert run.returncode == 3, run.stderr
    assert one_error_line(run.stderr) == (
        "policytext: error: no readable document: all 5000 inputs failed (EmptyDocumentError 5000); nothing was "
        "written. Fix the inputs listed above, or choose files with --glob")
    assert scores is None and len(errors) == 5000  # the reasons are written, no score table
    assert not list(tmp_path.glob(".scores.csv*"))
    for command in (["kwic", "empty", "精细化"], ["report", "empty", "-o", "rep"]):
        other = policytext(*command, "-q", cwd=tmp_path, timeout=300)
        assert other.returncode == 3 and "no readable document" in one_error_line(other.stderr)
    assert not (tmp_path / "rep").exists()


# ----------------------------------------------------------------------------- 16.6 documentation files


def test_documentation_files_are_skipped_with_a_record_and_the_joined_metadata_is_not_a_table(files):
    corpus = files / "docs_corpus"
    before = hashes(corpus)
    run, scores, errors = score("docs_corpus", cwd=files, extra=["--metadata", "docs_corpus/meta/info.csv"])
    assert run.returncode == 0, run.stderr
    assert scores[["doc_id", "region"]].values.tolist() == [["2025/a", "甲"], ["2025/b", "乙"]]
    assert len(scores) + len(errors) == 6
    assert sorted(zip(errors.source, errors.error)) == [
        (f"docs_corpus/{n}", "SkippedInputError") for n in ("CHANGELOG.txt", "LICENSE", "MANIFEST.md", "README.md")]
    assert set(errors.message) == {
        "documentation file, not a document: skipped (--include-docs, include_docs=True, to score it)"}
    assert ("policytext: skipped on purpose: 4 documentation file(s) (CHANGELOG.txt, LICENSE, MANIFEST.md, "
            "README.md; --include-docs to score them)") in run.stderr.splitlines()
    included, scores, errors = score("docs_corpus", cwd=files, extra=["--metadata", "docs_corpus/meta/info.csv",
                                                                       "--include-docs"])
    assert included.returncode == 0
    assert sorted(scores.doc_id) == ["2025/a", "2025/b", "CHANGELOG", "MANIFEST", "README"]
    assert errors.error.tolist() == ["UnsupportedFormatError"]  # LICENSE has no extension
    assert hashes(corpus) == before


def test_without_metadata_the_table_in_a_subfolder_is_still_an_input(files):
    from policytext import read_corpus

    corpus = read_corpus(files / "docs_corpus")
    assert [(Path(e.source).name, e.error) for e in corpus.errors if e.error != "SkippedInputError"] == [
        ("info.csv", "ColumnError")]
    joined = read_corpus(files / "docs_corpus", metadata=files / "docs_corpus" / "meta" / "info.csv")
    assert all(e.error == "SkippedInputError" for e in joined.errors)
    assert any("not read as a table (it is the metadata file" in n for n in joined.info["notes"])


# ----------------------------------------------------------------------------- corpora held in memory


def test_a_dataframe_a_dict_and_a_list_are_corpora():
    import policytext as pt

    df = pd.DataFrame({"文号": ["甲1", "甲2", "甲3"], "正文": ["推进精细化治理", None, "社区自治"], "年份": [2024, 2025, 2025]})
    corpus = pt.read_corpus(df, text_column="正文", id_column="文号")
    assert [(d.doc_id, d.text, d.meta) for d in corpus] == [("甲1", "推进精细化治理", {"年份": "2024"}),
                                                            ("甲3", "社区自治", {"年份": "2025"})]
    assert [(e.doc_id, e.error) for e in corpus.errors] == [("甲2", "EmptyDocumentError")]
    result = pt.Scorer().score(df.rename(columns={"正文": "text", "文号": "doc_id"}))
    assert list(result.scores.doc_id) == ["甲1", "甲3"] and len(result.errors) == 1
    assert list(pt.Scorer().score(["推进精细化治理", "粗放管理"]).scores.doc_id) == ["doc1", "doc2"]
    assert list(pt.Scorer().score({"x": "推进精细化治理"}).scores.doc_id) == ["x"]
    assert pt.read_corpus(["推进精细化治理", "基层社区"]).doc_ids == ["doc1", "doc2"]
    with pytest.raises(pt.errors.ColumnError, match="no column '标题' \\(text column\\); columns: '文号', '正文', '年份'"):
        pt.read_corpus(df, text_column="标题")
    with pytest.raises(TypeError, match="accepted: a path or a list of paths .* a pandas DataFrame"):
        pt.read_corpus(42)
    with pytest.raises(TypeError, match="cannot score int items"):
        pt.Scorer().score([1, 2])


# ----------------------------------------------------------------------------- 10. long texts in slices


@pytest.mark.parametrize("engine", ["jieba", "rjieba"])
@pytest.mark.parametrize("hmm", [True, False])
def test_tokenizing_a_long_text_in_slices_gives_exactly_the_tokens_of_the_whole(monkeypatch, engine, hmm):
    import numpy as np

    from policytext import Tokenizer
    from policytext import tokenize as tk
    from policytext.cache import _code_points

    text = ("第一条 为推进基层治理精细化，完善网格化管理，做到服务群众“零距离”。各街道社区应当建立绩效评估制度；"
            "鼓励多元主体参与共治、共建、共享！Smart City 2.0 平台于2025年上线？\r\n第二条 本办法自发布之日起施行。"
            "没有标点的一长段文字也要完整切分, 半角标点也是切分点; 对吗? 对!") * 40
    tok = Tokenizer(engine=engine, hmm=hmm)
    points = _code_points(text)
    whole_starts, whole_ends = tok._spans(text, points)
    monkeypatch.setattr(tk, "SLICE_CHARS", 97)  # many slices, cut at every kind of mark
    slices = tk.clause_slices(text, 97)
    assert len(slices) > 40 and slices[0][0] == 0 and slices[-1][1] == len(text)
    assert all(a < b and b == c for (a, b), (c, _) in zip(slices, slices[1:]))
    starts, ends = tok._spans(text, points)
    assert np.array_equal(starts, whole_starts) and np.array_equal(ends, whole_ends)
    words = [text[a:b] for a, b in zip(starts, ends)]
    assert words == [w for w, _, _ in tok.tokenize(text)]
    one_block = "精细化治理" * 60  # no mark at all: one slice, however long
    assert tk.clause_slices(one_block, 97) == [(0, len(one_block))]
    s, e = tok._spans(one_block, _code_points(one_block))
    monkeypatch.setattr(tk, "SLICE_CHARS", 10**9)
    assert all(np.array_equal(x, y) for x, y in zip((s, e), tok._spans(one_block, _code_points(one_block))))


def test_scores_of_a_long_text_do_not_depend_on_the_slices(monkeypatch):
    import policytext as pt
    from policytext import tokenize as tk

    text = "推进基层治理精细化，完善网格化管理。坚持共治共享，鼓励社会参与；反对粗放管理、一刀切！" * 500
    whole = pt.Scorer().score({"a": text})
    monkeypatch.setattr(tk, "SLICE_CHARS", 50)
    sliced = pt.Scorer().score({"a": text})
    pd.testing.assert_frame_equal(whole.scores, sliced.scores)
    pd.testing.assert_frame_equal(whole.hits, sliced.hits)


@pytest.mark.parametrize("engine", ["jieba", "rjieba"])
def test_segmenting_a_long_text_in_slices_gives_the_same_segmentation(monkeypatch, engine):
    import numpy as np

    from policytext import Tokenizer
    from policytext import tokenize as tk
    from policytext.cache import segment_text

    text = ("第一条　为推进基層治理精细化，完善网格化管理，做到服務群众“零距离”。各街道社区应当建立绩效评估制度；"
            "鼓励多元主体参与共治、共建、共享！Ｓｍａｒｔ City 2.0 平台于２０２５年上线？\r\n第二条 本办法自发\n布之日起施行。"
            "没有标点的一长段文字也要完整切分") * 60
    tok = Tokenizer(engine=engine)
    whole = segment_text(text, tok)
    monkeypatch.setattr(tk, "SLICE_CHARS", 101)
    sliced = segment_text(text, tok)
    assert sliced.text == whole.text
    assert np.array_equal(sliced.bounds, whole.bounds) and sliced.bounds.dtype == whole.bounds.dtype
    assert (sliced.n_chars, sliced.n_tokens) == (whole.n_chars, whole.n_tokens)
