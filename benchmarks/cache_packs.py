"""The token cache's packs against one file per entry (the layout before packs), same entries, same run.

    python benchmarks/cache_packs.py                  # 20,000 entries, packs of 20, 3 runs each
    python benchmarks/cache_packs.py --entries 60000 --runs 5

Entries are real: the first documents of ``../shared/corpora/laws_regulations`` (cut to ``--chars``
characters each), normalised and tokenized once, then stored under distinct keys. Each run starts from an
empty folder. Rows (medians of ``--runs``):

* write: one file per entry (temporary file + ``os.replace`` into a folder named by the key's first two hex
  digits, as format 2 did) against ``TokenCache`` packs of ``--per-pack`` entries (one batch per pack, as a
  worker writes one pack per chunk);
* open: nothing to do for one file per entry; for packs, a new ``TokenCache`` reads every pack's index;
* read: every entry read back and parsed (``Segmentation.from_bytes``), in the order written, as a re-run of
  the same corpus reads them.

Both layouts serialise each entry (``Segmentation.to_bytes``) as part of writing it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpora"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000, help="entries to store (default 20,000)")
    parser.add_argument("--per-pack", type=int, default=20, help="entries per pack (default 20)")
    parser.add_argument("--chars", type=int, default=2000, help="characters per entry's text (default 2,000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the median is shown")
    opts = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"the public corpora are not at {SHARED}")

    from policytext.cache import Segmentation, TokenCache, segment_text
    from policytext.tokenize import Tokenizer

    tok = Tokenizer(engine="rjieba")
    files = sorted((SHARED / "laws_regulations").rglob("*.txt"))[:200]
    segs = [segment_text(f.read_text(encoding="utf-8")[: opts.chars], tok) for f in files]
    keys = [TokenCache("unused").key(f"{i}", tok) for i in range(opts.entries)]
    size = sum(len(segs[i % len(segs)].to_bytes()) for i in range(opts.entries))
    work = Path(tempfile.mkdtemp(prefix="policytext-cache-bench-"))
    print(f"{opts.entries} entries, {size / 1e6:.1f} MB, packs of {opts.per_pack}; "
          f"{os.cpu_count()} cores; runs: {opts.runs}", flush=True)

    def files_write(folder: Path) -> None:
        made = set()
        for i, key in enumerate(keys):
            blob = segs[i % len(segs)].to_bytes()
            shard = folder / key[:2]
            if key[:2] not in made:
                shard.mkdir(parents=True, exist_ok=True)
                made.add(key[:2])
            fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=shard)
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, shard / f"{key}.tok")

    def files_read(folder: Path) -> None:
        for key in keys:
            Segmentation.from_bytes((folder / key[:2] / f"{key}.tok").read_bytes())

    def packs_write(folder: Path) -> None:
        cache = TokenCache(folder)
        seg_of = {k: segs[i % len(segs)] for i, k in enumerate(keys)}
        for start in range(0, len(keys), opts.per_pack):
            with cache.batch():
                for key in keys[start:start + opts.per_pack]:
                    cache.put(key, seg_of[key])

    results: dict[str, list[float]] = {}

    def clock(name: str, fn, folder: Path):
        t = time.perf_counter()
        out = fn(folder)
        results.setdefault(name, []).append(time.perf_counter() - t)
        return out

    try:
        for run in range(opts.runs):
            one, packed = work / f"files{run}", work / f"packs{run}"
            clock("files write", files_write, one)
            clock("files read", files_read, one)
            clock("packs write", packs_write, packed)
            cache = clock("packs open", lambda f: TokenCache(f).load(), packed)
            clock("packs read", lambda f: [cache.get(k) for k in keys], packed)
            n_files = sum(1 for _ in one.rglob("*.tok"))
            n_packs = sum(1 for _ in packed.glob("*.pack"))
            assert len(cache) == opts.entries and n_files == opts.entries
            shutil.rmtree(one)
            shutil.rmtree(packed)
        med = {k: statistics.median(v) for k, v in results.items()}
        print(f"\nfiles on disk: {n_files} (one per entry) against {n_packs} packs\n")
        print("| step | one file per entry, s | packs, s | ratio (files / packs) |")
        print("| --- | ---: | ---: | ---: |")
        print(f"| write | {med['files write']:.3f} | {med['packs write']:.3f} | "
              f"{med['files write'] / med['packs write']:.1f}x |")
        print(f"| open (index) | 0 | {med['packs open']:.3f} | |")
        print(f"| read every entry | {med['files read']:.3f} | {med['packs read']:.3f} | "
              f"{med['files read'] / med['packs read']:.1f}x |")
        total_files = med["files write"] + med["files read"]
        total_packs = med["packs write"] + med["packs open"] + med["packs read"]
        print(f"| all | {total_files:.3f} | {total_packs:.3f} | {total_files / total_packs:.1f}x |")
        print("\nevery run, s: " + "; ".join(f"{k}: {', '.join(f'{t:.2f}' for t in v)}" for k, v in results.items()))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
