"""What a scoring run returns: the score table (one row per document), the evidence (one row per hit) and the
error records, held as plain rows until a DataFrame is asked for.

The score rows of a run are held **by column** (:class:`RowStore`: counts and rates in typed arrays, 8 bytes a
value, text in lists) with the ids and metadata of the documents beside them, not as one dict per document:
about 0.7 kB a document instead of about 8 kB, so a run over a large corpus keeps its score table in little
memory (issue 15). :attr:`ScoreRows.records` builds each document's dict when it is read.

A low module: :mod:`policytext.parallel` and :mod:`policytext.distributed` build results here without
importing :mod:`policytext.scoring` (which drives them), and pandas is imported only when
:attr:`ScoreResult.scores` or :attr:`ScoreResult.hits` is read, so ``policytext score`` can print or write
CSV without it (:meth:`ScoreResult.to_text`).
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

from .corpus import Corpus, Document, ErrorRecord
from .matching import SHORT_TEXT

if TYPE_CHECKING:
    import pandas as pd

    from .lexicon import Lexicon, Term
    from .matching import Hit

__all__ = ["HIT_COLUMNS", "RowStore", "ScoreResult", "ScoreRows", "Tally", "score_rows"]

#: the columns of the evidence table
HIT_COLUMNS = ["doc_id", "term", "category", "polarity", "weight", "start", "end", "left", "right", "status"]


class Tally:
    """What one document's hits add up to, and its score row: the formulas of :mod:`policytext.scoring`.

    :meth:`policytext.Scorer.analyze` adds a whole document's hits; :mod:`policytext.slicing` adds a long
    document's slices one after the other (``n_chars`` and ``n_tokens`` summed, sentences counted by
    :meth:`add_slice_sentences`, sentence indexes counted from the document's start), so both give the same
    row. A sentence that runs on across a cut (a slice cut after ``,``) has one index in both slices, so it is
    counted once in ``n_sentences`` and, since hits come in text order, once in each sentence count.

    Parameters
    ----------
    lexicon : Lexicon
        The lexicon the hits are of (its categories and their polarities).
    """

    def __init__(self, lexicon: Lexicon):
        self.cats = list(lexicon.categories)
        self.polarity = {c: lexicon.category(c).polarity for c in self.cats}
        self.contrast = [c for c in self.cats if self.polarity[c] == -1]
        self.counts = dict.fromkeys(self.cats, 0)
        self.rejected = dict.fromkeys(self.contrast, 0)
        self.weighted = {1: 0.0, -1: 0.0}
        self.term_counts: Counter = Counter()
        # sentences holding a counted hit, per category and for the positive pole: counted, not kept (a long
        # document has hundreds of thousands), which needs the hits in text order (see add)
        self.sentence_counts = dict.fromkeys(self.cats, 0)
        self.sentences_positive = 0
        self._last_sentence: dict = dict.fromkeys(self.cats)
        self._last_positive: int | None = None
        self.n_counted = self.n_vetoed = 0
        self.n_chars = self.n_tokens = self.n_sentences = 0

    def add(self, hit: Hit, statuses: tuple[str, ...], sentence: int | None) -> list[tuple[Term, int, str]]:
        """Count one hit.

        Parameters
        ----------
        hit : Hit
            The matched span and its lexicon entries.
        statuses : tuple of str
            One status per entry of ``hit.terms`` (:data:`policytext.matching.STATUSES`).
        sentence : int or None
            The index of the sentence the hit starts in (None: the text has no sentence). Hits are added in
            text order, so these indexes never decrease from one call to the next.

        Returns
        -------
        list of (Term, int, str)
            Each entry with its category's polarity and its status, for the evidence rows.
        """
        if "counted" in statuses:
            self.term_counts[hit.term] += 1
            self.n_counted += 1
        out = []
        for t, status in zip(hit.terms, statuses):
            pol = self.polarity[t.category]
            if status == "counted":
                self.counts[t.category] += 1
                self.weighted[pol] += t.weight
                if sentence is not None:
                    if self._last_sentence[t.category] != sentence:
                        self._last_sentence[t.category] = sentence
                        self.sentence_counts[t.category] += 1
                    if pol == 1 and self._last_positive != sentence:
                        self._last_positive = sentence
                        self.sentences_positive += 1
            elif status == "rejected" and pol == -1:
                self.rejected[t.category] += 1
            elif status == "vetoed":
                self.n_vetoed += 1
            out.append((t, pol, status))
        return out

    def add_slice_sentences(self, n: int, continued: bool) -> int:
        """Count the sentences of the next slice of a document and return the document's index of its first.

        Parameters
        ----------
        n : int
            The number of sentences of the slice, split on its own (:func:`policytext.matching.split_sentences`).
        continued : bool
            The slice starts inside the last sentence of the slices before (cut after a comma), so its first
            sentence is that one: it is not counted again and keeps its index.

        Returns
        -------
        int
            The index, in the whole document, of the slice's first sentence: a hit in the slice's sentence
            ``k`` is in the document's sentence ``first + k``.
        """
        first = self.n_sentences - 1 if continued and self.n_sentences else self.n_sentences
        self.n_sentences = max(self.n_sentences, first + n)
        return first

    def row(self) -> dict:
        """The score row (columns as :attr:`policytext.Scorer.score_columns`).

        Returns
        -------
        dict
            ``{column: value}`` in column order.
        """
        cats, counts, n_chars, n_tokens = self.cats, self.counts, self.n_chars, self.n_tokens
        row: dict = {"n_chars": n_chars, "n_tokens": n_tokens}
        for c in cats:
            row[f"hits_{c}"] = counts[c]
        for c in cats:
            row[f"per10k_{c}"] = 10000.0 * counts[c] / n_chars
        for c in cats:
            row[f"per1ktok_{c}"] = 1000.0 * counts[c] / n_tokens if n_tokens else 0.0
        positive = [c for c in cats if self.polarity[c] == 1]
        row["hits_total"] = self.n_counted
        row["n_terms"] = len(self.term_counts)
        row["coverage"] = any(counts[c] for c in positive)
        row["index_positive"] = 10000.0 * self.weighted[1] / n_chars
        row["index_contrast"] = 10000.0 * self.weighted[-1] / n_chars
        row["index"] = row["index_positive"] - row["index_contrast"]
        for c in self.contrast:
            row[f"{c}_rejected"] = self.rejected[c]
        row["n_vetoed"] = self.n_vetoed
        n_sent = self.n_sentences
        row["n_sentences"] = n_sent
        row["sentences_positive"] = self.sentences_positive
        row["sentence_share"] = self.sentences_positive / n_sent if n_sent else 0.0
        for c in cats:
            row[f"sentence_share_{c}"] = self.sentence_counts[c] / n_sent if n_sent else 0.0
        row["short"] = n_chars < SHORT_TEXT
        ordered = sorted(self.term_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        row["top_terms"] = "; ".join(f"{t}×{n}" for t, n in ordered[:5])
        return row


class _Missing:
    """A key a row does not have (rows of one scorer all have the same keys; a store keeps any rows exactly)."""

    def __reduce__(self):
        return "_MISSING"

    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()
#: the typed array a value of exactly this type is held in (bool as one byte); any other value: a list
_TYPECODES = {int: "q", float: "d", bool: "b"}


class RowStore:
    """Rows of a table (dicts with the same keys, as :meth:`policytext.Scorer.analyze` makes score rows) held
    by column: a column whose values are all of exactly one type ``int``, ``float`` or ``bool`` is an
    :class:`array.array` (8 bytes a value, a bool 1), any other column a list. A value that does not fit its
    column's array (another type, an int beyond 64 bits) turns that column into a list, so every row is given
    back exactly as it was added -- the same values, of the same types, its keys in the same order.
    """

    def __init__(self):
        #: the keys, in order of first appearance
        self.keys: list[str] = []
        self._columns: dict[str, array | list] = {}
        self._types: dict[str, type | None] = {}
        self._n = 0
        self._holes = False  # whether a row lacks a key
        self._fast: tuple | None = None  # what append needs for a row like the last one (_fast_path)

    def __len__(self) -> int:
        return self._n

    def append(self, row: dict) -> None:
        """Add one row (its values are copied into the columns; the dict is not kept)."""
        fast = self._fast
        if fast is not None:
            keys, kinds, appends = fast
            values = tuple(row.values())
            # a row like the one before (a scorer's rows are): the same keys in the same order, each value of the
            # same type as there (so of its column's type); then only the appends, about a third faster
            if tuple(map(type, values)) == kinds and tuple(row) == keys:
                try:
                    for append, value in zip(appends, values):
                        append(value)
                except OverflowError:  # an int beyond 64 bits: undo this row's appends, take the general way
                    for key in keys:
                        column = self._columns[key]
                        if len(column) > self._n:
                            column.pop()
                else:
                    self._n += 1
                    return
        self._append(row)
        self._fast = self._fast_path(row)

    def _fast_path(self, row: dict) -> tuple | None:
        """What :meth:`append` needs for a row like ``row`` (just added): the keys, the types of the values and
        the columns' append methods; None when rows lack keys (the general way then)."""
        if self._holes or list(row) != self.keys:
            return None
        return tuple(row), tuple(map(type, row.values())), [self._columns[k].append for k in row]

    def _append(self, row: dict) -> None:
        columns, types, n = self._columns, self._types, self._n
        for key, value in row.items():
            column = columns.get(key)
            if column is None:
                column = self._new_column(key, value)
            kind = types[key]
            if kind is not None and type(value) is not kind:
                column = self._as_list(key)
            try:
                column.append(value)
            except OverflowError:  # an int beyond 64 bits
                self._as_list(key).append(value)
        if len(row) != len(columns):  # keys this row lacks
            for key in self.keys:
                if key not in row:
                    self._as_list(key).append(_MISSING)
                    self._holes = True
        self._n = n + 1

    def _new_column(self, key: str, value) -> array | list:
        code = _TYPECODES.get(type(value))
        kind = type(value) if code is not None else None
        column: array | list = array(code) if code is not None else []
        if self._n:  # a key the earlier rows lack
            column, kind, self._holes = [_MISSING] * self._n, None, True
        self.keys.append(key)
        self._columns[key], self._types[key] = column, kind
        return column

    def _as_list(self, key: str) -> list:
        column, kind = self._columns[key], self._types[key]
        if kind is not None:
            column = [bool(v) for v in column] if kind is bool else column.tolist()
            self._columns[key], self._types[key] = column, None
        return column

    def row(self, i: int) -> dict:
        """Row ``i`` as it was added."""
        out = dict(zip(self.keys, [column[i] for column in self._columns.values()]))
        for key, kind in self._types.items():
            if kind is bool:
                out[key] = bool(out[key])
        if self._holes:
            for key in [k for k, v in out.items() if v is _MISSING]:
                del out[key]
        return out

    def column(self, key: str, start: int = 0, stop: int | None = None) -> list:
        """The values of one column (:data:`_MISSING` where a row lacks the key), of rows ``start`` to ``stop``
        (default: all), as :meth:`row` gives them (``bool`` for a bool column)."""
        column = self._columns[key]
        if start or stop is not None:
            column = column[start:stop]
        if self._types[key] is bool:
            return list(map(bool, column))
        return column.tolist() if isinstance(column, array) else list(column)

    def nbytes(self) -> int:
        """The bytes of the columns' storage (arrays and list slots; not the objects a list refers to)."""
        import sys

        return sum(sys.getsizeof(c) for c in self._columns.values())


class ScoreRecords(Sequence):
    """The score table's rows as dicts built when read (``doc_id``, the metadata columns, the score row), from
    the documents' ids and metadata and a :class:`RowStore` of their score rows; what
    :attr:`ScoreRows.records` is for a run. Indexing, slicing, ``len`` and iteration as a list of dicts;
    equal to a list of the same dicts."""

    def __init__(self, doc_ids: list[str], metas: list[dict | None], meta_keys: list[str], renamed: dict[str, str],
                 store: RowStore):
        self.doc_ids, self.metas, self.meta_keys, self.renamed, self.store = doc_ids, metas, meta_keys, renamed, store

    def __len__(self) -> int:
        return len(self.doc_ids)

    def _record(self, i: int) -> dict:
        rec = {"doc_id": self.doc_ids[i]}
        if self.meta_keys:
            meta = self.metas[i] or {}
            for k in self.meta_keys:
                rec[self.renamed[k]] = meta.get(k)
        rec.update(self.store.row(i))
        return rec

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._record(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("score record index out of range")
        return self._record(index)

    def __iter__(self) -> Iterator[dict]:
        return (self._record(i) for i in range(len(self)))

    #: rows taken at a time by :meth:`column_blocks`
    BLOCK = 1000

    def column_blocks(self, names: list[str], block: int | None = None) -> Iterator[list[list]]:
        """The values of the columns ``names`` (``record[name]`` of each record), a block of ``block`` rows at a
        time: one list per name, each as long as the block. Taken from the columns of the store, without building
        a dict per row (about ten times faster for a score table); records of rows that lack a key (which a
        scorer's rows never do) are built as :meth:`__getitem__` builds them. ``KeyError`` for a name no record
        has."""
        block = block or self.BLOCK
        n = len(self)
        store = self.store
        direct = not store._holes and all(
            name in store._columns or (name == "doc_id" and not self.meta_keys) for name in names)
        if not direct:
            for start in range(0, n, block):
                records = [self._record(i) for i in range(start, min(start + block, n))]
                yield [[rec[name] for rec in records] for name in names]
            return
        for start in range(0, n, block):
            stop = min(start + block, n)
            yield [store.column(name, start, stop) if name in store._columns else self.doc_ids[start:stop]
                   for name in names]

    def is_numeric(self, name: str) -> bool:
        """Whether every record's ``name`` is an ``int``, a ``float`` or a ``bool`` (by the store: a column held in
        a typed array, no row lacking it), so it has no text."""
        store = self.store
        return not store._holes and store._types.get(name) is not None

    def column_values(self, name: str) -> Iterator:
        """``record[name]`` of each record in turn (:meth:`column_blocks`: a block of the column at a time)."""
        for (values,) in self.column_blocks([name]):
            yield from values

    def __eq__(self, other) -> bool:
        if isinstance(other, (ScoreRecords, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return f"ScoreRecords({len(self)} rows)"


def _records(score_columns: list[str], doc_ids: list[str], metas: list[dict | None], store: RowStore
             ) -> tuple[ScoreRecords, list[str], bool]:
    """The records, columns and whether there is metadata, as :func:`score_rows` describes them."""
    meta_keys: list[str] = []
    seen: set[str] = set()
    for meta in metas:
        if meta:
            for k in meta:
                if k not in seen:
                    seen.add(k)
                    meta_keys.append(k)
    reserved = {"doc_id", *score_columns}
    renamed = {k: (f"meta_{k}" if k in reserved else k) for k in meta_keys}
    columns = ["doc_id", *renamed.values(), *score_columns]
    return ScoreRecords(doc_ids, metas, meta_keys, renamed, store), columns, bool(meta_keys)


def score_rows(score_columns: list[str], documents: Iterable[Document], rows: Iterable[dict],
               errors: list[ErrorRecord] | None = None) -> ScoreRows:
    """The score table of scored ``documents`` and their ``rows`` (as :meth:`policytext.Scorer.analyze` gives).

    Parameters
    ----------
    score_columns : list of str
        The score columns, in order (:attr:`policytext.Scorer.score_columns`).
    documents : iterable of Document
        The scored documents (their ids and metadata; the text is not used).
    rows : iterable of dict
        One score row per document, in the same order.
    errors : list of ErrorRecord, optional
        The inputs that could not be scored.

    Returns
    -------
    ScoreRows
        Columns ``doc_id``, the metadata keys in order of first appearance (renamed ``meta_<key>`` where a key
        is ``doc_id`` or a score column), then the score columns; the rows held by column (:class:`RowStore`).
    """
    doc_ids: list[str] = []
    metas: list[dict | None] = []
    store = RowStore()
    for d, r in zip(documents, rows):
        doc_ids.append(d.doc_id)
        metas.append(d.meta or None)
        store.append(r)
    records, columns, has_metadata = _records(list(score_columns), doc_ids, metas, store)
    return ScoreRows(columns, records, list(errors or []), has_metadata, list(score_columns))


@dataclass
class ScoreRows:
    """The score table before it becomes a DataFrame, so that a run printing or writing CSV/TSV need not import
    pandas (about 0.2-0.3 s of start-up, most of what scoring one document costs). :meth:`frame` gives the
    table :attr:`ScoreResult.scores` holds; :meth:`to_text` the bytes :func:`policytext.io.table_to_text`
    writes for it (tested equal), :meth:`iter_text` the same text in blocks of rows. ``records``: a list of
    dicts, or the :class:`ScoreRecords` of a run (rows held by column, each dict built when read)."""

    columns: list[str]
    records: Sequence[dict]
    errors: list[ErrorRecord]
    #: True when the documents carry metadata (columns whose types only pandas decides: :meth:`to_text` refuses)
    has_metadata: bool
    #: the score columns (their types are fixed: counts as int64, flags as bool)
    score_columns: list[str] | None = None

    def __len__(self) -> int:
        return len(self.records)

    def frame(self) -> pd.DataFrame:
        """The score table as a DataFrame (what :attr:`ScoreResult.scores` holds).

        Returns
        -------
        pandas.DataFrame
            One row per scored document; counts as ``int64``, ``coverage`` and ``short`` as ``bool``.
        """
        import pandas as pd

        records = self.records if isinstance(self.records, list) else list(self.records)
        df = pd.DataFrame.from_records(records, columns=self.columns)
        score_cols = self.score_columns or []
        int_cols = [c for c in ("n_chars", "n_tokens", "n_terms", "n_sentences", "sentences_positive")
                    if c in score_cols] + [c for c in score_cols if c.startswith("hits_") or c.endswith("_rejected")]
        df[int_cols] = df[int_cols].astype("int64")
        for flag in ("coverage", "short"):
            if flag in score_cols:
                df[flag] = df[flag].astype(bool)
        return df

    def to_text(self, fmt: str = "csv") -> str:
        """The table as CSV or TSV text, formulas neutralised, byte for byte what
        ``table_to_text(self.frame(), fmt)`` gives; only for tables without metadata columns.

        Parameters
        ----------
        fmt : {"csv", "tsv"}
            The format.

        Returns
        -------
        str
            The table, header first, lines ending in ``\\n``.
        """
        return "".join(self.iter_text(fmt))

    def iter_text(self, fmt: str = "csv", block: int = 1000) -> Iterator[str]:
        """:meth:`to_text` in pieces of ``block`` rows (the header with the first), so that a large table is
        written to a file without its whole text in memory (:func:`policytext.io.write_text_table`).

        Parameters
        ----------
        fmt : {"csv", "tsv"}
            The format.
        block : int
            Rows per piece.

        Yields
        ------
        str
            Consecutive pieces of the text; joined, they are :meth:`to_text`.
        """
        if self.has_metadata or fmt not in ("csv", "tsv"):
            raise ValueError("to_text: only CSV/TSV of tables without metadata; use table_to_text(frame())")
        import csv
        import io

        from .io import FORMULA_START

        columns = self.columns
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n",
                            quoting=csv.QUOTE_MINIMAL, quotechar='"', doublequote=True)
        writer.writerow(columns)

        def neutral(v):
            return "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v

        def blocks():  # the rows, ``block`` at a time
            if isinstance(self.records, ScoreRecords):  # a run's rows: by column (same text)
                # a column held in a typed array has no text to neutralise
                texts = [j for j, c in enumerate(columns) if not self.records.is_numeric(c)]
                for values in self.records.column_blocks(columns, block):
                    for j in texts:
                        values[j] = [neutral(v) for v in values[j]]
                    yield zip(*values)
                return
            rows = []
            for rec in self.records:
                # ints, floats (repr, as pandas writes float64), booleans (True/False) and text (neutralised)
                rows.append([neutral(rec[c]) for c in columns])
                if len(rows) == block:
                    yield rows
                    rows = []
            yield rows

        for rows in blocks():
            writer.writerows(rows)
            text = buf.getvalue()
            if text:
                yield text
                buf.seek(0)
                buf.truncate()
        text = buf.getvalue()
        if text:
            yield text


class ScoreResult:
    """What a scoring run returns (:meth:`policytext.Scorer.score`): the score table, the evidence (one row
    per hit) and the error records (reading errors first, then scoring errors, each in input order).

    ``scores`` and ``hits`` are DataFrames built when first read; a run that wrote its evidence to a file
    keeps no hit in memory (``hits`` is then empty).

    Parameters
    ----------
    scores : pandas.DataFrame, optional
        The score table, if already built.
    hits : pandas.DataFrame, optional
        The evidence table, if already built.
    errors : list of ErrorRecord, optional
        The inputs not scored.
    rows : ScoreRows, optional
        The score table as rows (``scores`` is then built from them when read).
    hit_rows : list of dict, optional
        The evidence as rows (``hits`` is then built from them when read).
    """

    def __init__(self, scores: pd.DataFrame | None = None, hits: pd.DataFrame | None = None,
                 errors: list[ErrorRecord] | None = None, *, rows: ScoreRows | None = None,
                 hit_rows: list[dict] | None = None):
        if scores is None and rows is None:
            raise TypeError("ScoreResult needs the scores (a DataFrame) or their rows")
        self._scores, self._hits, self._rows, self._hit_rows = scores, hits, rows, hit_rows
        self.errors = list(errors if errors is not None else (rows.errors if rows is not None else []))

    @property
    def scores(self) -> pd.DataFrame:
        """The score table: one row per scored document (columns in :mod:`policytext.scoring`)."""
        if self._scores is None:
            self._scores = self._rows.frame()
        return self._scores

    @scores.setter
    def scores(self, frame: pd.DataFrame) -> None:
        self._scores, self._rows = frame, None  # the rows no longer describe the table

    @property
    def hits(self) -> pd.DataFrame:
        """The evidence: one row per hit, columns :data:`HIT_COLUMNS` (empty when it went to a file)."""
        if self._hits is None:
            import pandas as pd

            self._hits = pd.DataFrame(self._hit_rows or [], columns=HIT_COLUMNS)
        return self._hits

    @hits.setter
    def hits(self, frame: pd.DataFrame) -> None:
        self._hits, self._hit_rows = frame, None

    @property
    def errors_frame(self) -> pd.DataFrame:
        """The error records as a table (``Corpus.errors_frame``)."""
        return Corpus(errors=self.errors).errors_frame()

    @property
    def records(self) -> Sequence[dict]:
        """The score table as one dict per document, without pandas when the run kept its rows (then a
        :class:`ScoreRecords`, whose dicts are built as they are read: iterate rather than copy it to a list)."""
        if self._rows is not None:
            return self._rows.records
        return self.scores.to_dict("records")

    @property
    def has_metadata(self) -> bool:
        """True when the table has metadata columns (whose types only pandas decides)."""
        if self._rows is not None:
            return self._rows.has_metadata
        return True

    def to_text(self, fmt: str = "csv") -> str:
        """The score table as CSV or TSV text: :meth:`ScoreRows.to_text` (no pandas) where the table has no
        metadata columns, else ``policytext.io.table_to_text(self.scores, fmt)``; the same bytes either way.

        Parameters
        ----------
        fmt : {"csv", "tsv"}
            The text format.

        Returns
        -------
        str
            CSV or TSV text with a header line.
        """
        if self._rows is not None and not self._rows.has_metadata:
            return self._rows.to_text(fmt)
        from .io import table_to_text

        return table_to_text(self.scores, fmt)

    def iter_text(self, fmt: str = "csv") -> Iterator[str]:
        """:meth:`to_text` in pieces (:meth:`ScoreRows.iter_text`, so a large table's text is never whole in
        memory where the table has no metadata columns; else the whole text at once).

        Parameters
        ----------
        fmt : {"csv", "tsv"}
            The text format.

        Yields
        ------
        str
            Consecutive pieces of the text; joined, they are :meth:`to_text`.
        """
        if self._rows is not None and not self._rows.has_metadata:
            yield from self._rows.iter_text(fmt)
        else:
            yield self.to_text(fmt)

    def __len__(self) -> int:
        """The number of scored documents."""
        return len(self._rows) if self._rows is not None else len(self._scores)

    def __repr__(self) -> str:
        return f"ScoreResult({len(self)} documents scored, {len(self.errors)} errors)"


class ScoreCollector:
    """Takes a run's outcomes in input order and makes its :class:`ScoreResult`: what the local run
    (:func:`policytext.parallel.score_documents`) and the cluster run
    (:func:`policytext.distributed.score_distributed`) share.

    Parameters
    ----------
    on_hits : callable, optional
        Receives each scored document's hit rows, in input order; the evidence is then not kept.
    progress : tqdm-like, optional
        Updated once per outcome by :meth:`add` (with ``advance=True``).
    """

    def __init__(self, on_hits=None, progress=None):
        self.on_hits = on_hits
        self.progress = progress
        self.read_errors: list[ErrorRecord] = []
        self.score_errors: list[ErrorRecord] = []
        # per scored document: its id, its metadata (None when it has none) and its score row, by column
        # (RowStore): not one Document and one dict per document (issue 15: a run's memory barely grows)
        self.doc_ids: list[str] = []
        self.metas: list[dict | None] = []
        self.rows = RowStore()
        self.hit_rows: list[dict] = []

    def add(self, doc_id: str, source: str, meta: dict, row: dict | None, hit_rows: list[dict],
            error: ErrorRecord | None, advance: bool = True) -> None:
        """Record one document's outcome (``row`` None and ``error`` set when it could not be scored).

        Parameters
        ----------
        doc_id, source : str
            The document's id and source.
        meta : dict
            Its metadata.
        row : dict or None
            Its score row.
        hit_rows : list of dict
            Its evidence.
        error : ErrorRecord or None
            Why it was not scored.
        advance : bool
            Update ``progress`` by one.
        """
        if error is not None:
            self.score_errors.append(error)
        else:
            self.rows.append(row)
            self.doc_ids.append(doc_id)
            self.metas.append(meta or None)
            if self.on_hits is not None:
                self.on_hits(hit_rows)
            else:
                self.hit_rows.extend(hit_rows)
        if advance and self.progress is not None:
            self.progress.update(1)

    def result(self, score_columns: list[str]) -> ScoreResult:
        """The result: score rows in input order, reading errors then scoring errors.

        Parameters
        ----------
        score_columns : list of str
            The scorer's score columns.

        Returns
        -------
        ScoreResult
        """
        records, columns, has_metadata = _records(list(score_columns), self.doc_ids, self.metas, self.rows)
        rows = ScoreRows(columns, records, self.read_errors + self.score_errors, has_metadata, list(score_columns))
        return ScoreResult(rows=rows, hit_rows=self.hit_rows)
