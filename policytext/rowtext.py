"""Evidence rows as CSV or TSV text without pandas, byte for byte what pandas writes for them.

Writing evidence used to import pandas for each block of rows: about 75 MB of memory and 0.2 s, in a run that
otherwise needs neither (issue 13.10: the peak memory of scoring one document). :func:`hit_rows_text` writes a
block with :mod:`csv` directly when every column holds values of the one Python type pandas turns into the
dtype whose text is that value's own (``str`` for text, ``int`` for integers, ``float`` for floats: ``repr``,
as pandas writes float64), and returns None otherwise, so that the caller falls back to pandas.
``tests/test_rowtext.py`` compares the two on generated rows.

:class:`SpooledRows` holds the evidence rows of one document: in memory up to :data:`SPILL_ROWS` rows, beyond
that in a temporary file beside the evidence file (or in the run's checkpoint folder), written a batch at a time
as the rows are complete, so that a document dense with hits never has all its rows in memory
(``tests/test_evidence_memory.py``).
"""

from __future__ import annotations

import csv
import io
import os

__all__ = ["HIT_TYPES", "SPILL_ROWS", "Spill", "SpooledRows", "hit_rows_text", "row_sink", "sink_rows"]

#: the Python type of each evidence column (policytext.scoring.HIT_COLUMNS) for which the text is pandas' text
HIT_TYPES = {"doc_id": str, "term": str, "category": str, "polarity": int, "weight": float, "start": int,
             "end": int, "left": str, "right": str, "status": str}


def hit_rows_text(rows: list[dict], columns: list[str], fmt: str, header: bool) -> str | None:
    """``rows`` as CSV (``fmt="csv"``) or TSV text, formulas neutralised (a text starting with ``= + - @`` tab
    or carriage return gets a leading ``'``), with a header line if ``header``: what
    ``neutralize_formulas(DataFrame(rows, columns=columns)).to_csv(index=False, header=header, sep=...,
    lineterminator="\\n")`` gives. None when a column holds a value of another type than :data:`HIT_TYPES` says
    (or the columns are not those), or ``fmt`` is neither."""
    from .io import FORMULA_START

    if fmt not in ("csv", "tsv") or any(c not in HIT_TYPES for c in columns) or not rows:
        return None
    for c in columns:
        kind = HIT_TYPES[c]
        # type() rather than isinstance(): a bool is an int, and pandas writes it as True/False
        if any(type(row.get(c)) is not kind for row in rows):
            return None
    text_columns = [i for i, c in enumerate(columns) if HIT_TYPES[c] is str]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n",
                        quoting=csv.QUOTE_MINIMAL, quotechar='"', doublequote=True)
    if header:
        writer.writerow(columns)
    for row in rows:
        values = [row[c] for c in columns]
        for i in text_columns:
            if values[i].startswith(FORMULA_START):
                values[i] = "'" + values[i]
        writer.writerow(values)
    return buf.getvalue()


# --------------------------------------------------------------------------- one document's rows, spilled to disk

#: a document's evidence rows are kept in memory up to this many, then spilled to a temporary file
SPILL_ROWS = 1000


class Spill:
    """Where the evidence rows of a document dense with hits go when they are more than ``limit``: a temporary
    file ``.<name>.<8 characters>.tmp`` in ``folder`` (so :func:`policytext.io.remove_stale_temps` of the file
    named ``name`` in ``folder`` removes one a killed run left). Picklable: worker processes spill there too.

    Parameters
    ----------
    folder : str or os.PathLike
        The folder of the temporary files (the evidence file's, or the run's checkpoint folder): on disk, not
        in memory as ``/tmp`` may be.
    name : str
        The evidence file's name.
    limit : int, optional
        Rows kept in memory before they are written out, as one batch (default :data:`SPILL_ROWS`).
    """

    def __init__(self, folder, name: str = "evidence", limit: int | None = None):
        self.folder = os.fspath(folder)
        self.name = name
        self.limit = max(1, int(SPILL_ROWS if limit is None else limit))

    def rows(self) -> "SpooledRows":
        """A new, empty :class:`SpooledRows` spilling here."""
        return SpooledRows(self)


class SpooledRows:
    """The evidence rows of one document, in order: up to ``spill.limit`` rows in memory, all of them written to
    a temporary file (pickled batches of ``spill.limit`` rows) beyond that, so that a document with a million
    hits costs one batch of rows in memory, not a million. Iterating gives the rows; :meth:`batches` gives them a
    batch at a time. Pickled, it is the file's path and the rows not yet written: it travels from a worker
    process to the parent, and into a checkpoint, without its rows. Whoever consumes it last calls
    :meth:`discard` (a checkpoint keeps its own until the run is complete).
    """

    def __init__(self, spill: Spill):
        self.spill = spill
        self.path: str | None = None
        self.n = 0
        self._rows: list[dict] = []

    def append(self, row: dict) -> None:
        self._rows.append(row)
        self.n += 1
        if len(self._rows) >= self.spill.limit:
            self._write()

    def extend(self, rows) -> None:
        for row in rows:
            self.append(row)

    def __len__(self) -> int:
        return self.n

    def _write(self) -> None:
        import pickle
        import tempfile

        if not self._rows:
            return
        if self.path is None:
            fd, self.path = tempfile.mkstemp(prefix=f".{self.spill.name}.", suffix=".tmp", dir=self.spill.folder)
            os.close(fd)
        with open(self.path, "ab") as fh:
            pickle.dump(self._rows, fh, protocol=pickle.HIGHEST_PROTOCOL)
        self._rows = []

    @property
    def spilled(self) -> bool:
        """Whether some rows are in the file."""
        return self.path is not None

    def result(self) -> "list[dict] | SpooledRows":
        """What a scorer returns: the rows as a list when they never left memory, else this object with every
        row in its file."""
        if self.path is None:
            rows, self._rows = self._rows, []
            return rows
        self._write()
        return self

    def batches(self):
        """The rows, a list of at most ``spill.limit`` at a time, in order."""
        import pickle

        if self.path is not None:
            with open(self.path, "rb") as fh:
                while True:
                    try:
                        yield pickle.load(fh)
                    except EOFError:
                        break
        if self._rows:
            yield list(self._rows)

    def __iter__(self):
        for batch in self.batches():
            yield from batch

    def discard(self) -> None:
        """Remove the file (the rows are gone)."""
        import contextlib

        if self.path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        self.path, self.n, self._rows = None, 0, []


def row_sink(evidence) -> "list | SpooledRows | None":
    """Where a scorer puts one document's rows: ``evidence`` True: a list; False: nowhere (None, the rows are not
    built); a :class:`Spill`: a :class:`SpooledRows`."""
    if evidence is True:
        return []
    if evidence is False or evidence is None:
        return None
    if isinstance(evidence, Spill):
        return evidence.rows()
    raise TypeError(f"evidence must be True, False or a Spill, not {type(evidence).__name__}")


def sink_rows(sink) -> "list[dict] | SpooledRows":
    """The rows a scorer returns from a :func:`row_sink`: a list ([] for None), or the spooled rows."""
    if sink is None:
        return []
    if isinstance(sink, SpooledRows):
        return sink.result()
    return sink
