"""benchmarks/score_e2e.py starts the console script beside the interpreter, as the baseline is started with the
interpreter itself, not the first ``policytext`` on PATH (a pyenv shim there adds about 60 ms to every run)."""

import importlib.util
import os
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "score_e2e.py"


def _load():
    spec = importlib.util.spec_from_file_location("score_e2e_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _script(folder: Path, name: str = "policytext") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_the_console_script_beside_the_interpreter_wins_over_a_shim_on_path(tmp_path, monkeypatch, capsys):
    e2e = _load()
    beside = _script(tmp_path / "python" / "bin")
    _script(tmp_path / "shims")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python" / "bin" / "python3"))
    monkeypatch.setenv("PATH", str(tmp_path / "shims") + os.pathsep + os.environ.get("PATH", ""))
    assert e2e.policytext_command() == beside
    assert capsys.readouterr().err == ""


def test_without_one_beside_the_interpreter_path_is_used_with_a_warning(tmp_path, monkeypatch, capsys):
    e2e = _load()
    (tmp_path / "python" / "bin").mkdir(parents=True)
    shim = _script(tmp_path / "shims")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python" / "bin" / "python3"))
    monkeypatch.setenv("PATH", str(tmp_path / "shims"))
    assert e2e.policytext_command() == shim
    assert "warning: no policytext beside" in capsys.readouterr().err
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    assert e2e.policytext_command() is None
    assert e2e.policytext_command(str(shim)) == shim  # --exe names it
