"""Run manifests: what produced a report, so that it can be checked and run again.

A manifest records the policytext version and the versions of the libraries that shape the numbers, the
lexicon (name, version, sha256) and tokenizer settings (:attr:`policytext.Scorer.config`), the seeds, every
input file with its sha256, the command line, and the start and end time in UTC (ISO 8601).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import platform
import re
import sys
from importlib import metadata as _md
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from ..corpus import Corpus

__all__ = ["DEPENDENCIES", "dependency_versions", "file_sha256", "input_files", "utc_now"]

#: distributions whose versions are recorded (those not installed are recorded as None)
DEPENDENCIES = ("jieba", "rjieba", "opencc", "numpy", "pandas", "scikit-learn", "gensim", "plotly", "openpyxl",
                "pyarrow", "PyYAML", "click", "tqdm")
_ROW = re.compile(r"#row \d+$|#\d+$")


def utc_now() -> str:
    """The current time in UTC as ISO 8601 with seconds, e.g. ``2025-01-31T08:00:00+00:00``."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def dependency_versions(names: Iterable[str] = DEPENDENCIES) -> dict:
    out = {"python": platform.python_version(), "platform": sys.platform}
    for name in names:
        try:
            out[name] = _md.version(name)
        except _md.PackageNotFoundError:
            out[name] = None
    return out


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_files(corpus: Corpus, progress=None) -> list[dict]:
    """Every file the corpus came from (documents, failed inputs, the metadata file), sorted by path, as
    ``{"path", "bytes", "sha256"}``; a file that cannot be read has ``sha256`` None and an ``error``."""
    paths: set[str] = set()
    for d in corpus.documents:
        if d.source:
            paths.add(_ROW.sub("", d.source))
    for e in corpus.errors:
        if e.source:
            paths.add(_ROW.sub("", e.source))
    if corpus.info.get("metadata"):
        paths.add(str(corpus.info["metadata"]))
    files = sorted(p for p in paths if p)
    if progress is not None:
        progress.total = len(files)
    out = []
    for p in files:
        try:
            out.append({"path": p, "bytes": Path(p).stat().st_size, "sha256": file_sha256(p)})
        except OSError as exc:
            out.append({"path": p, "bytes": None, "sha256": None, "error": exc.strerror or str(exc)})
        if progress is not None:
            progress.update(1)
    return out
