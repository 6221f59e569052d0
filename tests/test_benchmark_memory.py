"""benchmarks/memory_one_document.py runs and prints the peak memory and its ratio to the input's size (issue 13.10's
figures in docs/scale.md come from it). Only the 1 kB case runs here: the others take a minute and 30-50 MB files."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "memory_one_document.py"


def test_the_memory_benchmark_prints_peak_and_ratio_per_case():
    out = subprocess.run([sys.executable, str(SCRIPT), "--case", "base", "--runs", "2"], capture_output=True,
                         text=True, timeout=300, check=True).stdout
    header, row = [line for line in out.splitlines() if line.startswith(("case", "base"))]
    assert header.split()[:6] == ["case", "code", "input", "MB", "peak", "MB"] and "peak/input" in header
    fields = row.split()
    assert fields[:2] == ["base", "this"] and 20 < float(fields[3]) < 2000 and float(fields[4]) > 1
    assert row.count(",") == 1  # both runs listed
