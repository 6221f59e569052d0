"""Batch-report benchmark: ``policytext report`` on ~3,000 laws and regulations.

Runs the command line as a user would (a subprocess, so start-up and reading are included) on
``../shared/corpora/laws_regulations`` with the rjieba engine (conformance-tested against jieba), grouped by
``level`` and ``issuer_or_region`` (its ``version_date`` column gives the trend; ``--glob '*.txt'`` leaves out
its MANIFEST.md), then prints the wall time, the number of documents and the size of each output.
``report.html`` must stay under 15 MB.

    python benchmarks/report_laws.py                     # writes to a temporary folder, removed afterwards
    python benchmarks/report_laws.py --out /tmp/laws_report --keep
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "laws_regulations"
LIMIT_MB = 15.0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--out", type=Path, help="report folder (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the report folder")
    ap.add_argument("--topics", type=int, help="also fit a seeded topic model with K topics")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus} (../shared/corpora beside the checkout)", file=sys.stderr)
        return 2
    tmp = None
    out = args.out
    if out is None:
        tmp = Path(tempfile.mkdtemp(prefix="pt-report-bench-"))
        out = tmp / "laws_report"
    command = [sys.executable, "-m", "policytext", "report", str(args.corpus), "-o", str(out), "--engine", "rjieba",
               "--glob", "*.txt", "--group-by", "level", "--group-by", "issuer_or_region", "-q"]
    if args.topics:
        command += ["--topics", str(args.topics)]
    try:
        t0 = time.perf_counter()
        subprocess.run(command, check=True)
        wall = time.perf_counter() - t0
        manifest = json.loads((out / "manifest.json").read_text("utf-8"))
        sizes = {p.name: p.stat().st_size / 1e6 for p in sorted(out.iterdir())}
        html_mb = sizes["report.html"]
        print("command:", shlex.join(["policytext", *command[3:]]))
        print(f"documents: {manifest['counts']['scored']} scored, {manifest['counts']['errors']} not scored, "
              f"{len(manifest['inputs'])} input files hashed")
        print(f"wall time: {wall:.1f} s")
        for name, mb in sizes.items():
            print(f"{name}: {mb:.2f} MB")
        ok = html_mb < LIMIT_MB
        print(f"report.html under {LIMIT_MB:g} MB: {'yes' if ok else 'NO'}")
        return 0 if ok else 1
    finally:
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
