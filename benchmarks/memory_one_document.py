"""Peak memory of ``policytext score`` on one large document, a 500-page PDF and a 100,000-term lexicon.

    python benchmarks/memory_one_document.py                          # every case, once
    python benchmarks/memory_one_document.py --case txt50 --runs 3    # one case, median of 3 runs
    python benchmarks/memory_one_document.py --baseline ../main       # also another checkout, same run
    python benchmarks/memory_one_document.py --cache                  # with a token cache (the CLI's default)

Each case is generated in a temporary folder (the .txt and .html from the provincial work reports of
``../shared/corpora`` when present, read at run time and never copied, else from words written for this project),
then scored by ``policytext score FILE -o scores.csv --evidence hits.csv --no-cache --jobs 1`` in a fresh process
(``--cache``: a token cache in an empty temporary folder instead of ``--no-cache``); the peak resident memory of
that process (``VmHWM``) is printed with the input's size and their ratio, the median of ``--runs`` runs (each
run's figure in brackets). Issue 13.10's target is a peak of at most 10 times the document's size in bytes for a
single large document. ``base`` is the same command on a 1 kB document: the cost of Python, numpy, the
segmenter and OpenCC before any text. ``--baseline PATH`` runs every case with the policytext of another
checkout too (``PYTHONPATH=PATH``), interleaved run by run with this one, on the same files.

Cases:
  base     a 1 kB .txt
  txt50    a .txt of 50 MB on one line (no line break at all), clauses ending in ，and 。
  html30   an .html page of 30 MB: 60,000 paragraphs inside <div class="content">
  pdf500   a 500-page PDF (reportlab, CID font STSong-Light), 40 lines of Chinese per page
  lex100k  the demo corpus (corpora/demo) scored with a lexicon of 100,000 terms in 7 categories
  dense10  10 MB dense with hits: terms of the default lexicon back to back, five at a time, then 。 (so it can
           be sliced); 2.6 evidence rows per 10 characters
  comma10  10 MB of clauses joined by ，only: no sentence cut, so the slices are cut after ，(clause cuts)
  plain10  10 MB of ideographs without any punctuation or line break: no cut point at all, so normalised,
           tokenized and scored in one piece

``--no-evidence`` runs the command without ``--evidence`` (no evidence row is built). ``--segmenter`` adds, for
each single-file case, a fresh process that only reads the file and calls ``rjieba.cut`` on its whole text:
what segmenting the text in one piece costs by itself (for ``plain10``, the floor when nothing can be cut).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# the segmenter alone on the file's text: read, then one ``rjieba.cut`` call, nothing of policytext
SEGMENTER_SCRIPT = """
import resource, sys
import rjieba
text = open(sys.argv[1], encoding="utf-8").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tokens = rjieba.cut(text, True)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("SEG", before, after, len(tokens))
"""

RSS_SCRIPT = """
import os, sys
if os.environ.get("POLICYTEXT_NO_SLICES"):  # long texts normalised, tokenized and scored in one piece
    import importlib
    for name in ("policytext.tokenize", "policytext.normalize", "policytext.slicing"):
        try:
            importlib.import_module(name).SLICE_CHARS = 10**15
        except ImportError:  # a checkout without it
            pass
from policytext.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    if exc.code:
        raise
with open("/proc/self/status") as fh:
    print("RSS", next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")))
"""

WORDS = ("推进 精细化 治理 基层 社区 网格化 管理 服务 无缝对接 绩效 评估 共治 参与 粗放 工作 发展 建设 完善 制度 "
         "机制 加强 群众 办事 窗口 标准化 智慧 平台 数据 共享 考评 自治 多元 主体 协同 政府 部门 街道 乡镇").split()


SHARED = REPO.parent / "shared" / "corpora" / "provincial_gwr"


def real_text() -> str | None:
    """The provincial work reports of ../shared (read here, never copied into the repository) as one string
    without line breaks, or None where ../shared is absent."""
    files = sorted(SHARED.rglob("*.txt")) if SHARED.is_dir() else []
    return "".join(f.read_text("utf-8").replace("\n", "") for f in files) or None


def clauses(rng: random.Random, n_chars: int) -> str:
    out, size = [], 0
    while size < n_chars:
        clause = "".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))) + rng.choice("，，，。；")
        out.append(clause)
        size += len(clause)
    return "".join(out)


def make_case(case: str, folder: Path) -> tuple[list[str], Path]:
    """(extra arguments, the input file) of a case."""
    rng = random.Random(0)
    if case == "base":
        path = folder / "small.txt"
        path.write_text(clauses(rng, 330), encoding="utf-8")
        return [], path
    real = real_text()
    if case == "txt50":
        path = folder / "one_line.txt"
        with open(path, "w", encoding="utf-8") as fh:
            while fh.tell() < 50 * 10**6:
                fh.write(real if real else clauses(rng, 100_000))
        return [], path
    if case == "html30":
        path = folder / "page.html"
        paragraphs = [p for p in (real or "").split("。") if p] or [clauses(rng, 160) for _ in range(1000)]
        with open(path, "w", encoding="utf-8") as fh:
            fh.write('<html><head><meta charset="utf-8"><title>通知</title></head><body><div class="content">')
            i = 0
            while fh.tell() < 30 * 10**6:
                fh.write(f"<p>{paragraphs[i % len(paragraphs)]}。</p>\n")
                i += 1
            fh.write("</div></body></html>")
        return [], path
    if case == "pdf500":
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.pdfgen import canvas

        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        path = folder / "report.pdf"
        drawing = canvas.Canvas(str(path))
        for _ in range(500):
            drawing.setFont("STSong-Light", 10)
            for line in range(40):
                drawing.drawString(40, 800 - 19 * line, clauses(rng, 40)[:40])
            drawing.showPage()
        drawing.save()
        return [], path
    if case == "lex100k":
        lexicon = folder / "lex100k.csv"
        hanzi = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
        categories = ["smart_admin", "standardization", "seamless_service", "co_governance", "grassroots",
                      "performance", "crude"]
        terms = set()
        while len(terms) < 100_000:
            terms.add("".join(rng.choice(hanzi) for _ in range(rng.randint(2, 4))))
        terms.update(WORDS)
        with open(lexicon, "w", encoding="utf-8") as fh:
            fh.write("term,category,weight\n")
            for i, term in enumerate(sorted(terms)):
                fh.write(f"{term},{categories[i % len(categories)]},1\n")
        return ["--lexicon", str(lexicon)], REPO / "corpora" / "demo"
    if case == "dense10":
        sys.path.insert(0, str(REPO))
        from policytext import load_lexicon

        terms = sorted({t.term for t in load_lexicon().terms
                        if "*" not in t.term and all("\u4e00" <= ch <= "\u9fff" for ch in t.term)})
        path = folder / "dense.txt"
        with open(path, "w", encoding="utf-8") as fh:
            while fh.tell() < 10 * 10**6:
                fh.write("".join("".join(rng.choice(terms) for _ in range(5)) + "。" for _ in range(1000)))
        return [], path
    if case == "comma10":
        path = folder / "commas.txt"
        with open(path, "w", encoding="utf-8") as fh:
            while fh.tell() < 10 * 10**6:
                fh.write(clauses(rng, 100_000).replace("。", "，").replace("；", "，"))
        return [], path
    if case == "plain10":
        path = folder / "plain.txt"
        with open(path, "w", encoding="utf-8") as fh:
            while fh.tell() < 10 * 10**6:
                fh.write("".join(rng.choice(WORDS) for _ in range(20_000)))
        return [], path
    raise SystemExit(f"unknown case {case}")


def measure(case: str, folder: Path, path: Path, extra: list[str], repo: Path, slices: bool = True,
            cache: bool = False, evidence: bool = True) -> dict:
    """One run of ``case`` on its files, with the policytext of ``repo``."""
    size = path.stat().st_size if path.is_file() else sum(q.stat().st_size for q in path.rglob("*") if q.is_file())
    out = Path(tempfile.mkdtemp(dir=folder))
    caching = ["--cache", str(out / "tokens")] if cache else ["--no-cache"]
    argv = [sys.executable, "-c", RSS_SCRIPT, "score", str(path), "-o", str(out / "scores.csv"),
            *(["--evidence", str(out / "hits.csv")] if evidence else []), *caching, "--jobs", "1", "-q", *extra]
    env = {**os.environ, "PYTHONPATH": str(repo), **({} if slices else {"POLICYTEXT_NO_SLICES": "1"})}
    started = time.monotonic()
    # cwd: not a checkout, whose policytext would come first on sys.path (python -c puts the cwd there)
    run = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=out)
    seconds = time.monotonic() - started
    if run.returncode != 0:
        return {"case": case, "error": run.stderr.strip().splitlines()[-1:]}
    peak_kb = int(run.stdout.split("RSS")[-1].split()[0])
    with open(out / "scores.csv", encoding="utf-8-sig") as fh:
        n_docs = sum(1 for _ in fh) - 1
    shutil.rmtree(out, ignore_errors=True)
    return {"case": case, "input_mb": size / 1e6, "peak_mb": peak_kb * 1024 / 1e6, "ratio": peak_kb * 1024 / size,
            "seconds": seconds, "documents": n_docs}


def segmenter_alone(case: str, path: Path) -> None:
    """What ``rjieba.cut`` of the file's text costs by itself, in a fresh process: the floor for a text that
    must be segmented in one piece."""
    run = subprocess.run([sys.executable, "-c", SEGMENTER_SCRIPT, str(path)], capture_output=True, text=True,
                         check=True)
    before, after, n = (int(x) for x in run.stdout.split("SEG")[-1].split())
    size = path.stat().st_size
    print(f"{case:8} {'rjieba':8} {size / 1e6:9.1f} {after * 1024 / 1e6:8.0f} {after * 1024 / size:10.1f}"
          f"  segmenter alone: text read at {before * 1024 / 1e6:.0f} MB, one rjieba.cut call adds "
          f"{(after - before) * 1024 / 1e6:.0f} MB ({(after - before) * 1024 / size:.1f}x the input), {n:,} tokens")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append",
                        choices=["base", "txt50", "html30", "pdf500", "lex100k", "dense10", "comma10", "plain10"])
    parser.add_argument("--runs", type=int, default=1, help="runs per case; the median is printed (default 1)")
    parser.add_argument("--baseline", type=Path, help="another checkout to run the same cases with, same run")
    parser.add_argument("--cache", action="store_true", help="a token cache in an empty folder, not --no-cache")
    parser.add_argument("--no-slices", action="store_true", help="normalise, tokenize and score long texts whole")
    parser.add_argument("--no-evidence", action="store_true", help="without --evidence (no evidence rows)")
    parser.add_argument("--segmenter", action="store_true",
                        help="also the segmenter alone on each single-file case (rjieba.cut of its whole text)")
    args = parser.parse_args()
    cases = args.case or ["base", "txt50", "html30", "pdf500", "lex100k", "dense10", "comma10", "plain10"]
    repos = [("this", REPO)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; policytext score ... "
          f"{'--cache DIR' if args.cache else '--no-cache'} --jobs 1; median of {args.runs} run(s)"
          + ("; long texts in one piece" if args.no_slices else "")
          + ("; without --evidence" if args.no_evidence else "; --evidence hits.csv")
          + "".join(f"; {name} = {path}" for name, path in repos))
    print(f"{'case':8} {'code':8} {'input MB':>9} {'peak MB':>8} {'peak/input':>10} {'seconds':>8} {'docs':>5}"
          "  runs (MB)")
    for case in cases:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            extra, path = make_case(case, folder)
            results: dict[str, list[dict]] = {name: [] for name, _ in repos}
            for _ in range(args.runs):
                for name, repo in repos:  # interleaved: the machine's load falls on both alike
                    results[name].append(measure(case, folder, path, extra, repo, not args.no_slices, args.cache,
                                                 not args.no_evidence))
            if args.segmenter and path.is_file():
                segmenter_alone(case, path)
            for name, _ in repos:
                runs = results[name]
                failed = [r for r in runs if "error" in r]
                if failed:
                    print(f"{case:8} {name:8} failed: {failed[0]['error']}")
                    continue
                peak = statistics.median(r["peak_mb"] for r in runs)
                seconds = statistics.median(r["seconds"] for r in runs)
                size, docs = runs[0]["input_mb"], runs[0]["documents"]
                each = ", ".join(f"{r['peak_mb']:.0f}" for r in runs)
                print(f"{case:8} {name:8} {size:9.1f} {peak:8.0f} {peak / size:10.1f} {seconds:8.1f} {docs:5d}  [{each}]",
                      flush=True)


if __name__ == "__main__":
    main()
