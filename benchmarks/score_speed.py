"""Speed and memory of ``policytext score`` against a plain jieba + Counter baseline, same run, same corpus.

    python benchmarks/score_speed.py                 # about 10 MB of public documents, 3 runs each
    python benchmarks/score_speed.py --mb 20 --runs 5

The corpus is the provincial work reports plus laws and regulations from ``../shared/corpora`` (linked, never
copied), in sorted order, up to ``--mb`` megabytes of UTF-8 text. Rows of the table (medians of ``--runs``):

* baseline: one process, ``jieba.lcut`` on each file and a ``collections.Counter`` of the tokens, counting
  the tokens that equal a term of the default lexicon: the plain way to do it;
* policytext score, cold (empty token cache), ``--jobs 1`` and ``--jobs`` = every core;
* policytext score, warm: the cache was filled with the default lexicon, the run uses a changed lexicon;
* policytext score ``--engine rjieba``, cold, every core;
* peak RSS of the streaming command (``-o scores.csv --evidence hits.csv``, every core) on the corpus and
  on the corpus repeated ``--rss-factor`` times, each in a fresh process: the main process and the largest
  worker.

Timings are taken inside this process after the imports, with jieba's dictionaries loaded once before any
timing (the baseline's global one and policytext's private one), so they measure the work, not Python's
start-up; the end-to-end time of one warm command in a fresh process (start-up included) is printed too.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import cpu_model, load_average  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpora"

RSS_SCRIPT = """
import resource, sys
from policytext.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    if exc.code:
        raise
# VmHWM, not RUSAGE_SELF: ru_maxrss survives exec and would count the parent that forked this process
with open("/proc/self/status") as fh:
    self_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"RSS {self_kb} {child_kb}")
"""


def pick_files(mb: float) -> list[Path]:
    limit = mb * 1e6
    files = sorted((SHARED / "provincial_gwr").rglob("*.txt")) + sorted((SHARED / "laws_regulations").rglob("*.txt"))
    chosen, size = [], 0
    for f in files:
        if size >= limit:
            break
        chosen.append(f)
        size += f.stat().st_size
    return chosen


def link_corpus(files: list[Path], folder: Path, copies: int = 1) -> Path:
    """A folder of symbolic links to ``files`` (``copies`` times, in subfolders r0, r1 ...)."""
    for c in range(copies):
        for i, f in enumerate(files):
            target = folder / f"r{c}" / f"{i:05d}.txt"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(f)
    return folder


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def baseline(files: list[Path], terms: set[str]) -> int:
    import jieba

    total = 0
    for path in files:
        counts = Counter(jieba.lcut(path.read_text(encoding="utf-8")))
        total += sum(n for token, n in counts.items() if token in terms)
    return total


def run_cli(args: list[str]) -> None:
    from policytext.cli import main

    try:
        main(args)
    except SystemExit as exc:
        if exc.code:
            raise


def peak_rss(args: list[str]) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", RSS_SCRIPT, *args], capture_output=True, text=True, check=True)
    line = [x for x in out.stdout.splitlines() if x.startswith("RSS ")][-1]
    self_kb, child_kb = map(int, line.split()[1:])
    return self_kb / 1024, child_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10, help="corpus size in MB of UTF-8 text (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the median is shown")
    parser.add_argument("--rss-factor", type=int, default=5, help="the larger RSS corpus is this many copies")
    opts = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"the public corpora are not at {SHARED}")

    import jieba

    import policytext
    from policytext.lexicon import load_lexicon
    from policytext.tokenize import Tokenizer

    jobs = os.cpu_count() or 1
    files = pick_files(opts.mb)
    n_bytes = sum(f.stat().st_size for f in files)
    n_chars = sum(len(f.read_text(encoding="utf-8")) for f in files)
    work = Path(tempfile.mkdtemp(prefix="policytext-bench-"))
    try:
        corpus = link_corpus(files, work / "corpus")
        lexicon = load_lexicon()
        terms = {t.term for t in lexicon.terms}
        changed = work / "changed.yaml"  # the default lexicon with one category dropped and two terms added
        changed.write_text(_changed_lexicon_yaml(lexicon), encoding="utf-8")
        print(f"corpus: {len(files)} files, {n_bytes / 1e6:.1f} MB, {n_chars / 1e6:.2f} M characters; "
              f"{jobs} cores ({cpu_model()}); Python {platform.python_version()}; "
              f"policytext {policytext.__version__}; load average before: {load_average()}", flush=True)

        jieba.setLogLevel(60)
        jieba.initialize()
        Tokenizer().tokenize("预热")  # policytext's private dictionary, once per process like jieba's
        Tokenizer(engine="rjieba").tokenize("预热")
        out = str(work / "scores.csv")
        rows = []

        def fresh_cache():
            return str(Path(tempfile.mkdtemp(dir=work, prefix="cache-")))

        t = timed(lambda: baseline(files, terms), opts.runs)
        rows.append(("baseline: jieba.lcut + Counter, 1 process", t))
        print(f"  baseline {t:.2f} s", flush=True)
        base = t
        for label, extra in (("policytext score, cold, --jobs 1", ["--jobs", "1"]),
                             (f"policytext score, cold, --jobs {jobs}", ["--jobs", str(jobs)]),
                             (f"policytext score --engine rjieba, cold, --jobs {jobs}",
                              ["--jobs", str(jobs), "--engine", "rjieba"])):
            t = timed(lambda: run_cli(["score", str(corpus), "-o", out, "-q", "--cache", fresh_cache(), *extra]),
                      opts.runs)
            rows.append((label, t))
            print(f"  {label}: {t:.2f} s", flush=True)
        warm = fresh_cache()
        run_cli(["score", str(corpus), "-o", out, "-q", "--cache", warm, "--jobs", str(jobs)])
        label = f"policytext score, warm cache, changed lexicon, --jobs {jobs}"
        t = timed(lambda: run_cli(["score", str(corpus), "-o", out, "-q", "--cache", warm, "--jobs", str(jobs),
                                   "--lexicon", str(changed)]), opts.runs)
        rows.append((label, t))
        print(f"  {label}: {t:.2f} s", flush=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "policytext", "score", str(corpus), "-o", out, "-q", "--cache", warm,
                        "--lexicon", str(changed)], check=True)
        end_to_end_warm = time.perf_counter() - t0

        print("\n| run | seconds (median of %d) | M chars/s | speed-up vs baseline |" % opts.runs)
        print("| --- | ---: | ---: | ---: |")
        for label, t in rows:
            print(f"| {label} | {t:.2f} | {n_chars / t / 1e6:.2f} | {base / t:.1f}x |")
        print(f"\nwarm run as a fresh command (`python -m policytext score ...`, start-up included): "
              f"{end_to_end_warm:.2f} s ({base / end_to_end_warm:.1f}x)")

        big = link_corpus(files, work / "corpus_x", copies=opts.rss_factor)
        rss = []
        for name, folder in (("1x", corpus), (f"{opts.rss_factor}x", big)):
            args = ["score", str(folder), "-o", out, "--evidence", str(work / "hits.csv"), "-q", "--no-cache",
                    "--jobs", str(jobs)]
            main_mb, worker_mb = peak_rss(args)
            rss.append((main_mb, worker_mb))
            print(f"  peak RSS {name}: main {main_mb:.0f} MB, largest worker {worker_mb:.0f} MB", flush=True)
        print("\n| corpus | main process peak RSS | largest worker peak RSS |")
        print("| --- | ---: | ---: |")
        for (name, size), (m, w) in zip(((("1x", n_bytes)), (f"{opts.rss_factor}x", n_bytes * opts.rss_factor)),
                                        rss):
            print(f"| {name} ({size / 1e6:.0f} MB) | {m:.0f} MB | {w:.0f} MB |")
        ratio_main = rss[1][0] / rss[0][0]
        # a corpus too small for worker processes is scored in the main process alone: no worker ratio
        ratio_worker = rss[1][1] / rss[0][1] if rss[0][1] else float("nan")
        print(f"\nRSS ratio {opts.rss_factor}x / 1x: main {ratio_main:.2f}, worker {ratio_worker:.2f}")
        targets = [
            ("cold, every core >= 1.6x", base / rows[2][1] >= 1.6),
            ("warm >= 20x", base / rows[4][1] >= 20),
            ("rjieba cold >= 8x", base / rows[3][1] >= 8),
            (f"peak RSS at {opts.rss_factor}x <= 1.3x peak at 1x", max(ratio_main, 0 if math.isnan(ratio_worker) else ratio_worker) <= 1.3),
        ]
        print(f"load average after: {load_average()}")
        print("targets: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _changed_lexicon_yaml(lexicon) -> str:
    """The default lexicon without its last category and with two more terms: tokens are unaffected."""
    from policytext.lexicon import Lexicon

    mapping = {c: [t.term for t in lexicon.terms_of(c)] for c in lexicon.categories[:-1]}
    first = lexicon.categories[0]
    mapping[first] = mapping[first] + ["营商环境", "放管服"]
    return Lexicon.from_dict(mapping).dumps("yaml")


if __name__ == "__main__":
    main()
