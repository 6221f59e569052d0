"""The shape of the command line: a command is parse -> one library call -> format the summary (GUIDE habit 2),
so each stays short; ``score`` is the library run (``Scorer.score``) between its options and its summary."""

import ast
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parents[1] / "policytext" / "cli.py"


def command_lengths() -> dict[str, int]:
    """Lines of code of each click command's body (docstring, blank and comment lines not counted)."""
    src = CLI.read_text("utf-8")
    lines = src.split("\n")
    out = {}
    for node in ast.parse(src).body:
        if not isinstance(node, ast.FunctionDef) or not any(
                isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in ("command", "group")
                for d in node.decorator_list):
            continue
        body = node.body
        if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]
        code = lines[body[0].lineno - 1:node.end_lineno] if body else []
        out[node.name] = sum(1 for line in code if line.strip() and not line.strip().startswith("#"))
    return out


def test_every_command_is_at_most_40_lines_and_score_at_most_30():
    lengths = command_lengths()
    assert {"score", "report", "kwic", "sample", "validate", "scale"} <= set(lengths)
    assert {name: n for name, n in lengths.items() if n > 40} == {}
    assert lengths["score"] <= 30


def test_score_is_one_library_call():
    """The score command calls Scorer.score once and wires up no scoring machinery of its own."""
    tree = ast.parse(CLI.read_text("utf-8"))
    score = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "score")
    calls = [n.func.attr for n in ast.walk(score) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    names = {n.id for n in ast.walk(score) if isinstance(n, ast.Name)}
    assert calls.count("score") == 1
    assert not names & {"score_documents", "iter_corpus", "score_distributed", "EvidenceWriter", "Checkpoint"}


@pytest.mark.parametrize("src, expected", [
    ("import click\n@cli.command()\ndef a(x):\n    '''Doc.'''\n    y = 1\n\n    # note\n    return y\n", {"a": 2}),
])
def test_the_count_sees_code_lines_only(tmp_path, monkeypatch, src, expected):
    path = tmp_path / "cli.py"
    path.write_text(src, encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "CLI", path)
    assert command_lengths() == expected
