"""Docs and help are tested: every command has help with an example and is in docs/cli.md; the README's two
commands are the ones CI runs and they work as written."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from policytext.cli import cli

REPO = Path(__file__).resolve().parents[1]


def all_commands(group=cli, prefix=()):
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        yield path, cmd
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, path)


COMMANDS = list(all_commands())


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p))
def test_every_command_has_help_with_an_example(path):
    res = CliRunner().invoke(cli, [*path, "--help"])
    assert res.exit_code == 0
    assert re.search(r"Examples?:\n\s+policytext " + re.escape(path[0]), res.output), res.output


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p))
def test_every_command_is_documented(path):
    docs = (REPO / "docs" / "cli.md").read_text("utf-8")
    assert f"policytext {' '.join(path)}" in docs or (len(path) == 2 and path[1] in docs and f"policytext {path[0]}" in docs)


def test_every_option_of_score_is_documented():
    docs = (REPO / "docs" / "cli.md").read_text("utf-8")
    for param in cli.commands["score"].params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert opt in docs, opt


def readme_commands():
    text = (REPO / "README.md").read_text("utf-8")
    return re.findall(r"```bash\n(.*?)\n```", text, flags=re.S)


def test_readme_opens_with_exactly_two_commands():
    text = (REPO / "README.md").read_text("utf-8")
    head = text.split("\n## ")[0]
    blocks = re.findall(r"```bash\n(.*?)\n```", head, flags=re.S)
    assert len(blocks) == 2 and all("\n" not in b for b in blocks)
    assert blocks[0].startswith("pip install -e . && policytext score corpora/demo")
    assert blocks[1] == 'pip install -e ".[test]" && python -m pytest'


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    test_command = readme_commands()[1].replace("pip install -e", "pip install -q -e")
    assert test_command in ci


def test_readme_first_command_runs_as_written(tmp_path):
    """Runs the README's main command after its install step, in a copy of the demo corpus."""
    exe = shutil.which("policytext")
    if exe is None:
        pytest.skip(reason="the policytext console script is not installed (pip install -e . installs it)")
    command = readme_commands()[0].split(" && ", 1)[1]
    shutil.copytree(REPO / "corpora", tmp_path / "corpora")
    res = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "demo_scores.csv").stat().st_size > 0 and (tmp_path / "demo_evidence.csv").stat().st_size > 0
    assert "scored 24 documents" in res.stderr


def test_python_m_and_the_checkout_shim_run():
    for argv in ([sys.executable, "-m", "policytext", "--version"], [sys.executable, "cli.py", "--version"]):
        res = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=60)
        assert res.returncode == 0 and "policytext" in res.stdout, res.stderr
