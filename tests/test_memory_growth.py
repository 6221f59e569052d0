"""Issue 15: what a scoring run holds per document does not grow as one dict per row.

The score rows of a run are kept by column (:class:`policytext.results.RowStore`); these tests check that the
rows come back exactly as they were added (the outputs' bytes depend on it), and that the memory a run keeps
grows by well under a kilobyte per document where one dict per row (and one Document per row) took several
(tracemalloc, in this process: no timing). ``benchmarks/score_e2e.py --rss-only`` measures the command's peak
resident memory on a real corpus and five times it.
"""

from __future__ import annotations

import math
import tracemalloc
from array import array

import pytest

import policytext as pt
from policytext.corpus import Document
from policytext.io import table_to_text
from policytext.parallel import score_documents
from policytext.results import RowStore, ScoreRecords, score_rows

TEXT = "推进基层治理精细化，政务服务一网通办、无缝对接。坚持依法行政，强化监督问责。"


@pytest.fixture(scope="module")
def scorer():
    return pt.Scorer()


def test_row_store_gives_rows_back_exactly():
    rows = [
        {"n": 1, "x": 0.5, "flag": True, "text": "a"},
        {"n": -2**63, "x": -0.0, "flag": False, "text": "=b"},
        {"n": 2**63 - 1, "x": math.inf, "flag": True, "text": None},
        {"n": 2**70, "x": 3, "flag": 1, "text": "c"},  # past 64 bits; an int among floats; an int among bools
        {"x": 1e-300, "n": 5, "text": "d", "new": 1.5},  # another key order, a key missing, a new key
    ]
    store = RowStore()
    for row in rows:
        store.append(row)
    assert len(store) == len(rows)
    for i, row in enumerate(rows):
        back = store.row(i)
        assert back == row
        assert [type(v) for v in back.values()] == [type(v) for v in {k: back[k] for k in back}.values()]
        assert {k: type(v) for k, v in back.items()} == {k: type(v) for k, v in row.items()}
    assert list(store.row(0)) == ["n", "x", "flag", "text"]
    nan = RowStore()
    nan.append({"x": math.nan})
    assert math.isnan(nan.row(0)["x"]) and type(nan.row(0)["x"]) is float


def test_row_store_keeps_numbers_in_typed_arrays(scorer):
    store = RowStore()
    row = scorer.analyze(Document("a", TEXT))[0]
    for _ in range(3):
        store.append(row)
    columns = store._columns
    for key, value in row.items():
        if type(value) in (int, float, bool):
            assert isinstance(columns[key], array), key
        else:
            assert isinstance(columns[key], list), key
    assert store.row(2) == row
    assert type(store.row(1)["coverage"]) is bool and type(store.row(1)["n_chars"]) is int


def test_records_and_text_as_from_dicts(scorer):
    docs = [Document(f"d{i}", TEXT * (i + 1)) for i in range(7)]
    result = scorer.score(docs)
    expected = [{"doc_id": d.doc_id, **scorer.analyze(d)[0]} for d in docs]
    assert isinstance(result.records, ScoreRecords)
    assert result.records == expected and result.records[-1] == expected[-1] and result.records[2:4] == expected[2:4]
    assert list(result.records) == expected
    for fmt in ("csv", "tsv"):
        text = result.to_text(fmt)
        assert text == table_to_text(result.scores, fmt)
        assert "".join(result._rows.iter_text(fmt, block=2)) == text
    with_meta = score_rows(scorer.score_columns, [Document("a", TEXT, {"year": 2020}), Document("b", TEXT)],
                           [expected[0], expected[1]])
    assert with_meta.has_metadata and with_meta.columns[:2] == ["doc_id", "year"]
    assert with_meta.records[1]["year"] is None and with_meta.records[0]["year"] == 2020


def _held_after_run(scorer, n: int) -> int:
    """Bytes that a run over ``n`` tiny documents leaves allocated while its result is alive."""
    def docs():
        for i in range(n):
            yield Document(f"doc-{i:06d}", TEXT)

    scorer.analyze(Document("warm-up", TEXT))  # the segmenter and every lazy table built before measuring
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = score_documents(docs(), scorer, jobs=1, evidence=False, on_hits=lambda rows: None)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(result) == n and result.records[n - 1]["doc_id"] == f"doc-{n - 1:06d}"
    return held


def test_memory_held_per_document_is_small(scorer):
    n = 300
    small, large = _held_after_run(scorer, n), _held_after_run(scorer, 5 * n)
    per_document = (large - small) / (4 * n)
    # one dict per score row (43 columns) and one Document per row held about 4 kB a document; by column, the
    # numbers take 8 bytes each (about 0.35 kB) and the id and top terms their own strings
    assert per_document < 1200, f"{per_document:.0f} bytes held per scored document"


def test_a_resumed_checkpoint_is_read_a_part_at_a_time(scorer, tmp_path, monkeypatch):
    import pickle

    from policytext.checkpoint import Checkpoint
    from policytext.errors import ConfigError

    docs = [Document(f"d{i:02d}", TEXT * (i % 3 + 1)) for i in range(15)]
    score_documents(docs, scorer, checkpoint=Checkpoint(tmp_path / "o.csv", "same", every=5))
    assert len(list((tmp_path / ".o.csv.checkpoint").glob("part-*.pkl"))) == 3
    loads = []
    real_load = pickle.load
    monkeypatch.setattr(pickle, "load", lambda fh: loads.append(fh.name) or real_load(fh))
    cp = Checkpoint(tmp_path / "o.csv", "same")
    stored = cp.begin(resume=True)
    assert loads == [] and cp._parts == 3  # new parts would be numbered after the stored ones
    first = next(stored)
    assert first[0] == "d00" and len(loads) == 1 and cp.resumed == 1
    assert len(list(stored)) == 14 and len(loads) == 3 and cp.resumed == 15
    monkeypatch.undo()
    full = score_documents(docs, scorer).to_text()
    again = score_documents(docs, scorer, checkpoint=Checkpoint(tmp_path / "o.csv", "same"), resume=True)
    assert again.to_text() == full
    with pytest.raises(ConfigError, match=r"fewer documents than the checkpoint \(7 < 15\)"):
        score_documents(docs[:7], scorer, checkpoint=Checkpoint(tmp_path / "o.csv", "same"), resume=True)
