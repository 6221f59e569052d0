"""How fast a cold run could be at all: the work no implementation of ``policytext score`` can skip, timed as
commands in fresh processes beside the baseline and the real command, in the same run.

    python benchmarks/cold_floor.py               # all of ../shared/corpora/laws_regulations, 3 runs each
    python benchmarks/cold_floor.py --runs 5 --jobs 2

A cold run of the default engine must read every file, decode it, convert traditional characters to simplified
(OpenCC ``t2s``) and segment it with jieba-rs (``rjieba.cut``, HMM on). The **floor** command does exactly that
and nothing else, in ``--jobs`` forked processes (``multiprocessing.Pool``, files dealt out in chunks): no
NFKC, no hard-wrap joining, no token offsets, no sentences, no matching, no score rows, no cache entries, no
output. Every figure is the wall time of a fresh process (start-up included), the median of ``--runs`` with
min-max; ratios are to the baseline of the same run (``python baseline.py CORPUS``: ``jieba.lcut`` and a
``collections.Counter`` in one process, the baseline of ``benchmarks/score_e2e.py``). The commands are timed in
turn within each run, so the machine's load hits them alike.

What it shows: a cold target of N x the baseline is reachable only if the floor leaves room, within
baseline / N, for everything else a scoring run does.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import cpu_model, load_average  # noqa: E402
from score_e2e import BASELINE  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpora"

FLOOR = """
import sys
from multiprocessing import get_context
from pathlib import Path

import opencc
import rjieba

convert = opencc.OpenCC("t2s").convert


def work(paths):
    n = 0
    for path in paths:
        text = convert(Path(path).read_bytes().decode("utf-8"))
        n += len(rjieba.cut(text, True))
    return n


if __name__ == "__main__":
    files = sorted(map(str, Path(sys.argv[1]).rglob("*.txt")))
    jobs = int(sys.argv[2])
    chunks = [files[i:i + 64] for i in range(0, len(files), 64)]
    if jobs == 1:
        print(sum(map(work, chunks)))
    else:
        with get_context("fork").Pool(jobs) as pool:
            print(sum(pool.imap(work, chunks)))
"""


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def fmt(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} s ({min(times):.2f}-{max(times):.2f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(SHARED / "laws_regulations"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    opts = ap.parse_args()
    root = Path(opts.corpus)
    if not root.is_dir():
        sys.exit(f"corpus not found: {root} (the shared corpora sit beside the checkout)")
    exe = Path(sys.executable).parent / "policytext"
    if not exe.exists():
        sys.exit(f"policytext is not installed beside {sys.executable}: pip install -e . first")
    files = sorted(root.rglob("*.txt"))
    work = Path(tempfile.mkdtemp(prefix="policytext-floor-"))
    try:
        corpus = work / "corpus"
        for f in files:  # linked, never copied
            link = corpus / f.relative_to(root)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(f)
        from policytext.lexicon import load_lexicon

        terms = work / "terms.txt"
        terms.write_text("\n".join(t.term for t in load_lexicon().terms), encoding="utf-8")
        (work / "baseline.py").write_text(BASELINE, encoding="utf-8")
        (work / "floor.py").write_text(FLOOR, encoding="utf-8")
        cache = work / "cache"
        n_bytes = sum(f.stat().st_size for f in files)
        print(f"corpus: {len(files)} files, {n_bytes / 1e6:.1f} MB; {os.cpu_count()} cores ({cpu_model()}); "
              f"Python {platform.python_version()}; jobs {opts.jobs}; load average before: {load_average()}")
        commands = {
            "baseline: `python baseline.py CORPUS` (jieba.lcut + Counter, 1 process)":
                [sys.executable, str(work / "baseline.py"), str(corpus), str(terms)],
            f"floor: read, decode, OpenCC t2s, rjieba.cut, nothing else ({opts.jobs} processes)":
                [sys.executable, str(work / "floor.py"), str(corpus), str(opts.jobs)],
            f"`policytext score CORPUS -o scores.csv --cache EMPTY --jobs {opts.jobs}` (cold)":
                [str(exe), "score", str(corpus), "-o", str(work / "s.csv"), "-q", "--cache", str(cache),
                 "--jobs", str(opts.jobs)],
        }
        times: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(opts.runs):
            for label, cmd in commands.items():
                shutil.rmtree(cache, ignore_errors=True)
                times[label].append(wall(cmd))
                print(f"  {label.split(':')[0].split('`')[0] or 'policytext score'}: {times[label][-1]:.2f} s",
                      flush=True)
        labels = list(commands)
        base = statistics.median(times[labels[0]])
        print(f"\n| command (fresh process, medians of {opts.runs}, min-max) | wall time | vs baseline |")
        print("| --- | ---: | ---: |")
        for label in labels:
            print(f"| {label} | {fmt(times[label])} | {base / statistics.median(times[label]):.1f}x |")
        floor = statistics.median(times[labels[1]])
        for target in (20, 15):
            budget = base / target
            print(f"{target}x is {budget:.2f} s: the floor takes {floor:.2f} s of it and leaves {budget - floor:.2f} s "
                  "for normalisation, token offsets, sentences, matching, rows, the cache entries and the outputs")
        print(f"load average after: {load_average()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
