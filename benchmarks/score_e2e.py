"""End to end, as a user types it: ``policytext score`` in fresh processes against a plain jieba + Counter script.

    python benchmarks/score_e2e.py                      # all of ../shared/corpora/laws_regulations, 3 runs each
    python benchmarks/score_e2e.py --runs 5 --install   # also the size of a fresh ``pip install .``
    python benchmarks/score_e2e.py --install-only       # only that (no corpus needed), with each package's size
    python benchmarks/score_e2e.py --rss-only --before ../main   # only the peak RSS, 1x and 5x, both checkouts

Every figure is the wall time of a command started as a new process (Python's start-up and imports included),
the median of ``--runs``, with the spread (min-max) beside it; ratios are to the baseline measured in the same
run, on the same corpus, so a busy machine slows both. The rows:

* baseline: ``python baseline.py CORPUS``, a fresh process that reads every file, segments it with
  ``jieba.lcut`` and counts the tokens equal to a term of the default lexicon with ``collections.Counter``;
* one sentence: ``policytext score one.txt`` (default engine, default cache);
* cold: ``policytext score CORPUS -o scores.csv --cache EMPTY`` (default engine, every core; it fills the token
  cache, the index of unchanged files and the store);
* warm after a lexicon change: the cache filled by a run with the default lexicon, then
  ``policytext score CORPUS -o scores.csv --cache FULL --lexicon changed.yaml``: no file is opened, each
  document comes from its cache entry (:mod:`policytext.warm`);
* the first warm run after the cold one, timed once and apart: like every warm run it scores from the
  corpus's store (:mod:`policytext.warmstore`), which the cold run wrote;
* the same with ``--verify``: every file read, decoded and hashed again (the warm run before issue 15.2), and
  the store written anew;
* with ``--before DIR``: the same warm command run with ``PYTHONPATH=DIR`` (another checkout, e.g. the code
  before a change), in the same run, on a cache that code filled (its own cold run first);
* peak RSS of the streaming run (``--evidence``, ``--no-cache``) on the corpus and on it five times over
  (``--rss-only``: only this, and with ``--before DIR`` also for that checkout, in the same run);
* with ``--install``: ``pip install .`` into a new virtual environment, its size and package count;
* with ``--floor``: what a warm run is made of, each step timed inside one fresh process on the warm cache
  (medians of ``--runs``, wall and processor time; with ``--before``, also for that code on its cache):
  importing policytext, listing the corpus with the index lookups (the packs' index read on the first
  lookup), reading the cache entries (sentence starts included), matching the terms, and the whole of
  ``Scorer.analyze`` on the cached entries (matching, context rules and the score row); splitting the
  sentences again (``matching.sentence_starts``), which a warm run no longer does since the entries keep
  them, is timed for comparison; and scoring every document at once from the corpus's store
  (:meth:`policytext.warmstore.WarmStore.score`), which is what a warm run without evidence now does instead
  of reading the entries and calling ``Scorer.analyze`` on each.

The three warm commands are timed in turn within each run, so a change in the machine's load hits them alike.

The corpus is linked, never copied: ``laws_regulations/**/*.txt`` (2,982 files, 57 MB).

Which ``policytext`` is started: the console script installed beside the interpreter running this script
(``Path(sys.executable).parent / "policytext"``, a small Python script run directly by that interpreter), the
path printed at the start. Not ``shutil.which("policytext")``: where pyenv manages Python, the first
``policytext`` on PATH is pyenv's *shim*, a bash script that runs ``pyenv exec`` (about 60 ms a start here:
``policytext --version`` took 0.14-0.16 s through the shim, 0.08-0.09 s through the script beside the
interpreter). The baseline is started with ``sys.executable``, the interpreter itself; starting policytext
through the shim would charge it 60 ms the baseline never pays, and those 60 ms are the machine's set-up, not
the product's. Both commands are thus started the same way. Only when no console script lies beside the
interpreter (policytext not installed into it) is ``shutil.which`` used, with a warning; ``--exe PATH`` names
the command to start instead (a shim, to measure what a user of such a machine waits).
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

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpora"

BASELINE = """
import sys
from collections import Counter
from pathlib import Path
import jieba
jieba.setLogLevel(60)
terms = set(Path(sys.argv[2]).read_text("utf-8").split())
total = 0
for path in sorted(Path(sys.argv[1]).rglob("*.txt")):
    counts = Counter(jieba.lcut(path.read_text(encoding="utf-8")))
    total += sum(n for token, n in counts.items() if token in terms)
print(total)
"""

PER_PACKAGE = """
import importlib.metadata as md
for d in md.distributions():
    size = 0
    for f in d.files or []:
        p = d.locate_file(f)
        if p.is_file() and not p.is_symlink():
            size += p.stat().st_size
    print(f"{size / 1e6:.1f} {d.metadata['Name']}")
"""

FLOOR = """
import statistics, sys, time
t0 = time.perf_counter()
import policytext as pt
from policytext.cache import TokenCache
from policytext.corpus import Document
try:
    from policytext.matching import sentence_starts
except ImportError:  # the code before issue 15.4 (--before)
    from policytext.matching import split_sentences as sentence_starts
from policytext.readers import iter_corpus
from policytext.warm import WarmDocument, WarmIndex
imports = time.perf_counter() - t0
corpus, cache_dir, lexicon, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
scorer = pt.Scorer(pt.load_lexicon(lexicon))


class Given:  # a cache that hands analyze the entry already read
    def __init__(self, seg):
        self.seg = seg

    def segment(self, *args, **kwargs):
        return self.seg


steps = {}
def timed(name, fn):
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    steps.setdefault(name, []).append((time.perf_counter() - t, time.process_time() - c))
    return out

for _ in range(runs):
    cache = TokenCache(cache_dir)
    timed("index the packs (TokenCache.load)", cache.load)
    index = WarmIndex(cache, corpus, None, scorer.tokenizer, scorer.t2s)
    docs = timed("list the corpus, stat and look up each file", lambda: [
        d for d in iter_corpus(corpus, reuse=index) if isinstance(d, WarmDocument)])
    segs = timed("read the cache entries (TokenCache.get)", lambda: [cache.get(d.key) for d in docs])
    timed("match the terms (Matcher.match_spans)",
          lambda: [scorer.matcher.match_spans(s.text, s.starts, s.ends) for s in segs])
    timed("Scorer.analyze on the entries (matching, context rules, row)", lambda: [
        scorer.analyze(Document(d.doc_id, s.text, d.meta, d.source), cache=Given(s)) for d, s in zip(docs, segs)])
    timed("(not in a warm run) split sentences again (matching.sentence_starts)",
          lambda: [sentence_starts(s.text) for s in segs])
    try:
        from policytext.warmstore import WarmStore
    except ImportError:  # the code before the store (--before)
        continue
    store = WarmStore.open(index)
    if store is not None:
        timed("score every document at once from the store (WarmStore.score: what a warm run does)",
              lambda: store.score(scorer, docs))
        store.close()
print(f"import policytext (and what the score command needs): {imports:.3f} s, documents not read: {len(docs)}")
for name, times in steps.items():
    walls, cpus = [w for w, _ in times], [c for _, c in times]
    print(f"{name}: {statistics.median(walls):.3f} s ({min(walls):.3f}-{max(walls):.3f}), "
          f"processor {statistics.median(cpus):.3f} s")
"""

RSS = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:])
print("RSS", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, proc.returncode)
"""


def policytext_command(explicit: str | None = None) -> Path | None:
    """The ``policytext`` to start: ``explicit`` if given, else the console script beside ``sys.executable``
    (started by that interpreter directly, as the baseline is), else the first on PATH with a warning on stderr
    (it may be a wrapper such as a pyenv shim, which adds its own start-up to every run); None if none."""
    if explicit:
        return Path(explicit)
    beside = Path(sys.executable).parent / ("policytext.exe" if os.name == "nt" else "policytext")
    if beside.is_file():
        return beside
    found = shutil.which("policytext")
    if found is None:
        return None
    print(f"warning: no policytext beside {sys.executable}; using {found} from PATH, which may be a wrapper "
          "(a pyenv shim adds about 60 ms to every start) that the baseline does not pay", file=sys.stderr)
    return Path(found)


def wall(cmd: list[str], runs: int, before=None, env=None) -> list[float]:
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t)
    return times


def fmt(times: list[float]) -> str:
    return f"{statistics.median(times):.2f} s ({min(times):.2f}-{max(times):.2f})"


def link(files: list[Path], root: Path, folder: Path, copies: int = 1) -> Path:
    for c in range(copies):
        for f in files:
            target = folder / f"r{c}" / f.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(f)
    return folder


def peak_rss_mb(cmd: list[str], env=None) -> float:
    """Largest resident set of the command's process tree's largest member (ru_maxrss of waited children)."""
    out = subprocess.run([sys.executable, "-c", RSS, *cmd], capture_output=True, text=True, check=True,
                         stdin=subprocess.DEVNULL, env=env)
    line = [x for x in out.stdout.splitlines() if x.startswith("RSS ")][-1]
    return int(line.split()[1]) / 1024


def install_size(work: Path, extras: str = "") -> tuple[float, int, list[tuple[float, str]]]:
    """``pip install .[extras]`` into a new virtual environment: the size of every file in it (MB, symlinks not
    followed; pip and setuptools, which every venv has, are in the size but not in the count), the number of
    packages, and each distribution's installed size, largest first."""
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = venv / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", f"{REPO}[{extras}]" if extras else str(REPO)], check=True)
    listed = subprocess.run([str(pip), "list", "--format=freeze"], capture_output=True, text=True, check=True)
    packages = [x for x in listed.stdout.splitlines() if x and not x.split("==")[0].lower() in ("pip", "setuptools")]
    size = sum(f.stat().st_size for f in venv.rglob("*") if f.is_file() and not f.is_symlink())
    each = subprocess.run([str(venv / "bin" / "python"), "-c", PER_PACKAGE], capture_output=True, text=True,
                          check=True).stdout.splitlines()
    per = sorted(((float(mb), name) for mb, name in (x.split(" ", 1) for x in each)), reverse=True)
    return size / 1e6, len(packages), per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per command; the median is shown (default 3)")
    parser.add_argument("--install", action="store_true", help="also measure a fresh `pip install .`")
    parser.add_argument("--install-only", action="store_true",
                        help="only measure a fresh `pip install .` (and each package's size); no corpus needed")
    parser.add_argument("--limit", type=int, default=None, help="only the first N files (a quick check)")
    parser.add_argument("--floor", action="store_true", help="also time the steps of a warm run in one process")
    parser.add_argument("--before", metavar="DIR", default=None,
                        help="also time the warm command with PYTHONPATH=DIR (another checkout of policytext)")
    parser.add_argument("--rss-only", action="store_true",
                        help="only the peak RSS of the streaming run, 1x and 5x (with --before: also that checkout's)")
    parser.add_argument("--exe", metavar="PATH", default=None,
                        help="the policytext command to start (default: the one beside this Python, not a shim)")
    opts = parser.parse_args()
    if opts.install_only:
        with tempfile.TemporaryDirectory(prefix="policytext-install-") as work:
            size, packages, per = install_size(Path(work))
        print(f"Python {platform.python_version()}; {platform.machine()}")
        print(f"fresh `pip install .`: {size:.0f} MB in the virtual environment, {packages} packages "
              f"(pip and setuptools not counted)")
        print("largest: " + ", ".join(f"{name} {mb:.0f} MB" for mb, name in per[:12]))
        print(f"target install <= 620 MB and <= 36 packages: {'met' if size <= 620 and packages <= 36 else 'MISSED'}")
        return
    root = SHARED / "laws_regulations"
    if not root.is_dir():
        sys.exit(f"the public corpora are not at {SHARED}")
    found = policytext_command(opts.exe)
    if found is None:
        sys.exit("policytext is not installed beside this Python nor on PATH: pip install -e . first")
    exe = str(found)
    print(f"policytext started as: {exe}", flush=True)
    files = sorted(root.rglob("*.txt"))[:opts.limit]
    n_bytes = sum(f.stat().st_size for f in files)
    work = Path(tempfile.mkdtemp(prefix="policytext-e2e-"))
    try:
        corpus = link(files, root, work / "corpus")
        big = link(files, root, work / "corpus5", copies=5)
        one = work / "one.txt"
        one.write_text("推进基层治理精细化，政务服务一网通办、无缝对接。\n", encoding="utf-8")
        terms = work / "terms.txt"
        changed = work / "changed.yaml"
        from policytext.lexicon import Lexicon, load_lexicon

        lexicon = load_lexicon()
        terms.write_text("\n".join(t.term for t in lexicon.terms), encoding="utf-8")
        mapping = {c: [t.term for t in lexicon.terms_of(c)] for c in lexicon.categories[:-1]}
        mapping[lexicon.categories[0]] += ["营商环境", "放管服"]
        changed.write_text(Lexicon.from_dict(mapping).dumps("yaml"), encoding="utf-8")
        baseline_py = work / "baseline.py"
        baseline_py.write_text(BASELINE, encoding="utf-8")
        out = str(work / "scores.csv")
        version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
        print(f"corpus: {len(files)} files, {n_bytes / 1e6:.1f} MB; {os.cpu_count()} cores ({cpu_model()}); "
              f"Python {platform.python_version()}; {version}; load average before: {load_average()}", flush=True)

        def peak_rss(env=None, label=""):
            rss = []
            for name, folder in (("1x", corpus), ("5x", big)):
                rss.append(peak_rss_mb([exe, "score", str(folder), "-o", out, "--evidence", str(work / "hits.csv"),
                                        "-q", "--no-cache"], env=env))
                print(f"  peak RSS {name}{label}: {rss[-1]:.0f} MB", flush=True)
            print(f"\npeak RSS of the largest process{label}: 1x {rss[0]:.0f} MB, 5x {rss[1]:.0f} MB, "
                  f"ratio {rss[1] / rss[0]:.2f}", flush=True)
            return rss

        if opts.rss_only:
            if opts.before:
                before_env = {**os.environ, "PYTHONPATH": str(Path(opts.before).resolve())}
                peak_rss(before_env, f", code of `{opts.before}`")
            rss = peak_rss()
            print(f"load average after: {load_average()}")
            print(f"target peak RSS 5x <= 1.3x 1x: {'met' if rss[1] / rss[0] <= 1.3 else 'MISSED'}")
            return

        rows = []
        base = wall([sys.executable, str(baseline_py), str(corpus), str(terms)], opts.runs)
        rows.append(("baseline: `python baseline.py CORPUS` (jieba.lcut + Counter, 1 process)", base))
        print(f"  baseline {fmt(base)}", flush=True)
        cache = work / "cache"
        one_cmd = [exe, "score", str(one), "-q", "--cache", str(cache)]
        wall(one_cmd, 1)  # the first run builds nothing that lasts, but fills the OS file cache
        rows.append(("`policytext score one.txt`", wall(one_cmd, opts.runs)))
        print(f"  one sentence {fmt(rows[-1][1])}", flush=True)

        def empty_cache():
            shutil.rmtree(cache, ignore_errors=True)

        cold = [exe, "score", str(corpus), "-o", out, "-q", "--cache", str(cache)]
        rows.append(("`policytext score CORPUS -o scores.csv`, cold cache", wall(cold, opts.runs, empty_cache)))
        print(f"  cold {fmt(rows[-1][1])}", flush=True)
        empty_cache()
        wall(cold, 1)
        warm = cold + ["--lexicon", str(changed)]
        # the first warm run after the cold one, timed apart: no earlier warm run has left anything behind
        first_warm = wall(warm, 1)
        print(f"  first warm run after the cold one {fmt(first_warm)}", flush=True)
        variants = [(warm, None), (warm + ["--verify"], None)]
        if opts.before:  # its own cache, filled by its own code (another cache format would be all misses)
            env = {**os.environ, "PYTHONPATH": str(Path(opts.before).resolve())}
            before_cache = work / "cache-before"
            cold_before = [exe, "score", str(corpus), "-o", out, "-q", "--cache", str(before_cache)]
            subprocess.run(cold_before, check=True, stdout=subprocess.DEVNULL, env=env)
            variants.append((cold_before + ["--lexicon", str(changed)], env))
        timings: list[list[float]] = [[] for _ in variants]
        for _ in range(opts.runs):  # in turn, so that the machine's load hits each alike
            for times, (cmd, env) in zip(timings, variants):
                times += wall(cmd, 1, env=env)
        rows.append(("`policytext score CORPUS -o scores.csv --lexicon changed.yaml`, warm cache", timings[0]))
        print(f"  warm {fmt(timings[0])}", flush=True)
        extra = [("the first warm run after the cold one, timed apart", first_warm),
                 ("the same with `--verify` (every file read and hashed again, the store written anew)", timings[1])]
        print(f"  warm --verify {fmt(timings[1])}", flush=True)
        if opts.before:
            extra.append((f"the same warm command, code of `{opts.before}`", timings[2]))
            print(f"  warm, {opts.before} {fmt(timings[2])}", flush=True)
        if opts.floor:
            floors = [("", cache, None)] + ([(f", code of {opts.before}", before_cache, env)] if opts.before else [])
            for label, folder, environ in floors:
                floor = subprocess.run([sys.executable, "-c", FLOOR, str(corpus), str(folder), str(changed),
                                        str(opts.runs)], capture_output=True, text=True, check=True, env=environ)
                print(f"  steps of a warm run{label}, one process, medians (min-max):")
                print("".join(f"    {line}\n" for line in floor.stdout.splitlines()), end="", flush=True)

        b = statistics.median(base)
        print(f"\n| command (fresh process, medians of {opts.runs}, min-max) | wall time | vs baseline |")
        print("| --- | ---: | ---: |")
        for i, (label, times) in enumerate(rows):
            ratio = "-" if i == 1 else f"{b / statistics.median(times):.1f}x"  # one sentence: not the same work
            print(f"| {label} | {fmt(times)} | {ratio} |")
        for label, times in extra:
            print(f"| {label} | {fmt(times)} | {b / statistics.median(times):.1f}x |")

        rss = peak_rss()
        size = packages = None
        if opts.install:
            size, packages, _ = install_size(work)
            print(f"fresh `pip install .`: {size:.0f} MB in the virtual environment, {packages} packages")
        one_s = statistics.median(rows[1][1])
        targets = [
            ("one sentence <= 0.35 s", one_s <= 0.35),
            ("cold >= 20x", b / statistics.median(rows[2][1]) >= 20),
            ("warm >= 100x", b / statistics.median(rows[3][1]) >= 100),
            ("peak RSS 5x <= 1.3x 1x", rss[1] / rss[0] <= 1.3),
        ]
        if size is not None:
            targets.append(("install <= 620 MB and <= 36 packages", size <= 620 and packages <= 36))
        print(f"load average after: {load_average()}")
        print("targets: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
