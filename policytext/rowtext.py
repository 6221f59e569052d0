"""Evidence rows as CSV or TSV text without pandas, byte for byte what pandas writes for them.

Writing evidence used to import pandas for each block of rows: about 75 MB of memory and 0.2 s, in a run that
otherwise needs neither (issue 13.10: the peak memory of scoring one document). :func:`hit_rows_text` writes a
block with :mod:`csv` directly when every column holds values of the one Python type pandas turns into the
dtype whose text is that value's own (``str`` for text, ``int`` for integers, ``float`` for floats: ``repr``,
as pandas writes float64), and returns None otherwise, so that the caller falls back to pandas.
``tests/test_rowtext.py`` compares the two on generated rows.
"""

from __future__ import annotations

import csv
import io

__all__ = ["HIT_TYPES", "hit_rows_text"]

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
