"""Samples for human coding: documents or keyword-in-context lines, stratified by the lexicon index.

:func:`draw_sample` scores the corpus (:class:`policytext.Scorer`) and sorts its documents into three strata:

* ``zero``: no hit in any category of polarity +1 (``coverage`` is False);
* ``high``: covered documents whose index is at least the median index of the covered documents;
* ``low``: the other covered documents.

``n`` units are shared among the strata as evenly as possible (a stratum with fewer units than its share gives
the rest to the others, in the order high, low, zero) and drawn without replacement with
``numpy.random.default_rng(random_state)``; the rows are then shuffled with the same generator, so coders do not see
the strata in blocks. Units:

* ``document``: one row per document with its (normalised) text, cut at :data:`MAX_CELL` characters for Excel;
* ``kwic``: in the high and low strata, one row per counted hit (any category) with ``window`` characters of
  context; hits that a context rule vetoed or marked as rejected (evidence ``status`` ``vetoed``/``rejected``,
  docs/semantics.md) are not drawn unless ``include_uncounted=True``, and the ``status`` column says which a
  line is. In the zero stratum, where there is no hit of the concept, a *passage*: ``2 × window + 10`` characters from
  a sentence start (every sentence start of those documents is a candidate), ``match`` left empty, so that
  coders can record what the lexicon misses.

The table has an empty ``code`` column (and a ``note`` column) for the coders. :func:`write_sample` writes it to
``.xlsx`` (frozen header, text that a spreadsheet would run as a formula neutralised) or ``.csv``; ``policytext
validate --labels sample.xlsx`` reads it back. The ``stratum`` and ``index`` columns come last: hide or delete
them before coding if coders should not see the score (``--key FILE`` writes them to a separate file instead).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .corpus import Corpus, Document
from .errors import ConfigError, OutputError
from .lexicon import Lexicon

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from .tokenize import Tokenizer

__all__ = ["DOCUMENT_COLUMNS", "KWIC_COLUMNS", "MAX_CELL", "STRATA", "allocate", "draw_sample", "write_sample"]

STRATA = ("high", "low", "zero")
UNITS = ("document", "kwic")
#: longest text written to one cell (Excel's limit is 32,767 characters)
MAX_CELL = 32000
DOCUMENT_COLUMNS = ["sample_id", "unit", "doc_id", "n_chars", "text", "code", "note", "stratum", "index"]
KWIC_COLUMNS = ["sample_id", "unit", "doc_id", "offset", "left", "match", "right", "term", "category", "status", "code",
                "note", "stratum", "index"]
_SENTENCE_START = ("。", "！", "？", "；", "\n")


def allocate(n: int, sizes: dict[str, int]) -> dict[str, int]:
    """Share ``n`` among strata of the given ``sizes`` as evenly as possible, never more than a stratum holds.

    >>> allocate(10, {"high": 10, "low": 10, "zero": 10})
    {'high': 4, 'low': 3, 'zero': 3}
    >>> allocate(10, {"high": 10, "low": 2, "zero": 0})
    {'high': 8, 'low': 2, 'zero': 0}
    """
    out = dict.fromkeys(sizes, 0)
    left = min(n, sum(sizes.values()))
    while left > 0:  # one unit at a time, round robin over the strata that still have units
        for s in sizes:
            if left and out[s] < sizes[s]:
                out[s] += 1
                left -= 1
    return out


def _strata(scores: "pd.DataFrame") -> "pd.Series":
    import pandas as pd

    covered = scores["coverage"].astype(bool)
    median = float(scores.loc[covered, "index"].median()) if covered.any() else math.nan
    labels = np.where(~covered, "zero", np.where(scores["index"] >= median, "high", "low"))
    return pd.Series(labels, index=scores.index)


def _sentence_starts(text: str) -> list[int]:
    """Offsets where a sentence begins (after 。！？； or a line break), leading spaces skipped."""
    out = []
    for i in [0] + [i + 1 for i, ch in enumerate(text) if ch in _SENTENCE_START]:
        while i < len(text) and text[i].isspace():
            i += 1
        if i < len(text) and (not out or out[-1] != i):
            out.append(i)
    return out


def draw_sample(corpus: Corpus | Iterable[Document], n: int, *, unit: str = "document", random_state: int = 0,
                lexicon: Lexicon | None = None, tokenizer: "Tokenizer | None" = None, t2s: bool = True,
                window: int = 30, include_uncounted: bool = False, progress=None) -> "pd.DataFrame":
    """A stratified sample of ``n`` documents or keyword-in-context lines for coding (module docstring).

    ``random_state`` seeds the draw and the shuffle. ``include_uncounted`` (``unit="kwic"`` only) also draws hits
    that a context rule vetoed or rejected; by default only counted hits are drawn.
    """
    import pandas as pd

    from .normalize import normalize_text
    from .scoring import Scorer

    if unit not in UNITS:
        raise ConfigError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
    if n < 1:
        raise ConfigError(f"the sample needs at least 1 unit, got n={n}")
    docs = corpus.documents if isinstance(corpus, Corpus) else list(corpus)
    result = Scorer(lexicon, tokenizer, t2s=t2s).score(docs, progress=progress)
    scores = result.scores.reset_index(drop=True)
    if not len(scores):
        raise ConfigError("no document could be scored, so there is nothing to sample")
    scores["stratum"] = _strata(scores)
    by_id = {d.doc_id: d for d in docs}
    rng = np.random.default_rng(random_state)
    if unit == "document":
        units = scores[["doc_id", "n_chars", "index", "stratum"]].copy()
    else:
        hits = result.hits
        if not include_uncounted:
            hits = hits[hits["status"] == "counted"]
        # a hit in two categories is one line, shown as counted when it counts in one of them
        rank = hits["status"].map({"counted": 0, "rejected": 1, "vetoed": 2})
        best = rank.groupby([hits["doc_id"], hits["start"]]).transform("min")
        hits = hits[rank == best].drop_duplicates(["doc_id", "start"])
        info = scores.set_index("doc_id")[["index", "stratum"]]
        units = hits.join(info, on="doc_id")
        units = units[units["stratum"] != "zero"]
        passages = []  # zero stratum: every sentence start of a document without a +1 hit is a candidate
        for r in scores[scores["stratum"] == "zero"].itertuples():
            text = normalize_text(by_id[r.doc_id].text, t2s=t2s)
            passages += [{"doc_id": r.doc_id, "start": s, "index": r.index, "stratum": "zero"}
                         for s in _sentence_starts(text)]
        units = pd.concat([units, pd.DataFrame(passages, columns=["doc_id", "start", "index", "stratum"])],
                          ignore_index=True)
    sizes = {s: int((units["stratum"] == s).sum()) for s in STRATA}
    quota = allocate(n, sizes)
    picked = []
    for s in STRATA:
        pool = units[units["stratum"] == s]
        if quota[s]:
            picked.append(pool.iloc[np.sort(rng.choice(len(pool), size=quota[s], replace=False))])
    sample = pd.concat(picked, ignore_index=True) if picked else units.iloc[:0]
    sample = sample.iloc[rng.permutation(len(sample))].reset_index(drop=True)
    sample.insert(0, "sample_id", np.arange(1, len(sample) + 1))
    sample["unit"] = unit
    sample["code"] = None
    sample["note"] = None
    if unit == "document":
        texts = [normalize_text(by_id[d].text, t2s=t2s) for d in sample["doc_id"]]
        sample["text"] = [t if len(t) <= MAX_CELL else t[:MAX_CELL] + " …[cut at 32,000 characters]" for t in texts]
        return sample[DOCUMENT_COLUMNS]
    w = window
    rows = []
    for r in sample.to_dict("records"):
        text = normalize_text(by_id[r["doc_id"]].text, t2s=t2s)
        if r["stratum"] == "zero":
            off = int(r["start"])
            r.update(offset=off, left="", match="", right=text[off:off + 2 * w + 10].replace("\n", " "), term="",
                     category="", status="")
        else:
            s, e = int(r["start"]), int(r["end"])
            r.update(offset=s, left=text[max(0, s - w):s].replace("\n", " "), match=text[s:e],
                     right=text[e:e + w].replace("\n", " "))
        rows.append(r)
    out = pd.DataFrame(rows)
    out["offset"] = out["offset"].astype("int64")
    return out[KWIC_COLUMNS]


def write_sample(sample: "pd.DataFrame", path: "str | Path", *, key: "str | Path | None" = None) -> None:
    """Write a sample to ``.xlsx`` (sheet ``sample``, frozen header, formulas neutralised) or ``.csv``.

    With ``key``, the ``stratum`` and ``index`` columns go to that file (with ``sample_id`` and ``doc_id``)
    instead of the sample, so that coders do not see them.
    """
    from pathlib import Path

    from .reports import write_table

    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".csv"):
        raise OutputError(f"{path}: a coding sample is written as .xlsx or .csv")
    if key is not None:
        write_table(sample[["sample_id", "doc_id", "stratum", "index"]], key, sheet_name="key")
        sample = sample.drop(columns=["stratum", "index"])
    write_table(sample, path, sheet_name="sample")
