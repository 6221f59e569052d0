"""A run's score table is written from its columns (:meth:`policytext.results.ScoreRecords.column_blocks`), not a
dict per row: the text, piece by piece, must be what the rows as a list of dicts give (which
tests/test_cli_score.py checks against pandas)."""

import pytest
from hypothesis import given, settings, strategies as st

from policytext.corpus import Document
from policytext.results import ScoreRecords, ScoreRows, score_rows

TEXT = st.text(alphabet=st.sampled_from(list('ab精,"\'=+-@\t\r\n ;×')), max_size=6)
NUMBER = st.one_of(st.integers(-2**70, 2**70), st.floats(allow_nan=True), st.booleans())
COLUMNS = ["n", "x", "short", "top_terms", "mixed"]


def _both(ids, rows, columns):
    """The table as a run holds it (ScoreRecords over a RowStore) and as a list of dicts."""
    run = score_rows(columns, [Document(i, "") for i in ids], rows)
    assert isinstance(run.records, ScoreRecords) and not run.has_metadata
    plain = ScoreRows(run.columns, [dict(r) for r in run.records], [], False, list(columns))
    return run, plain


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(TEXT, st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True), st.booleans(), TEXT,
                          st.one_of(NUMBER, TEXT, st.none())), min_size=0, max_size=9),
       st.sampled_from([1, 2, 3, 1000]))
def test_run_rows_give_the_text_of_the_same_rows_as_dicts(rows, block):
    ids = [f"{r[0]}#{k}" for k, r in enumerate(rows)]  # ids needing quotes and neutralising
    dicts = [dict(zip(COLUMNS, r[1:])) for r in rows]
    run, plain = _both(ids, dicts, COLUMNS)
    for fmt in ("csv", "tsv"):
        assert list(run.iter_text(fmt, block=block)) == list(plain.iter_text(fmt, block=block))
    assert list(run.records.column_values("mixed")) == [d["mixed"] for d in dicts]
    assert list(run.records.column_values("doc_id")) == ids


def test_the_columns_are_taken_from_the_store_and_text_is_neutralised():
    rows = [{"n": 1, "x": 0.5, "short": True, "top_terms": "=a×2"}, {"n": 2, "x": -0.0, "short": False, "top_terms": "b"}]
    run, plain = _both(["+id", "b,c"], rows, list(rows[0]))
    assert run.records.is_numeric("n") and run.records.is_numeric("short") and not run.records.is_numeric("doc_id")
    blocks = list(run.records.column_blocks(run.columns, 1))
    assert blocks == [[["+id"], [1], [0.5], [True], ["=a×2"]], [["b,c"], [2], [-0.0], [False], ["b"]]]
    assert type(blocks[0][3][0]) is bool
    text = run.to_text("csv")
    assert text == plain.to_text("csv") == "doc_id,n,x,short,top_terms\n'+id,1,0.5,True,'=a×2\n\"b,c\",2,-0.0,False,b\n"


def test_rows_lacking_a_key_are_built_as_records_and_fail_alike():
    rows = [{"n": 1, "x": 0.5}, {"n": 2}]  # the second row lacks x: the records are built one by one
    run, _ = _both(["a", "b"], rows, ["n", "x"])
    assert not run.records.is_numeric("x")
    assert list(run.records.column_values("n")) == [1, 2]
    with pytest.raises(KeyError):
        list(run.records.column_values("x"))
    with pytest.raises(KeyError):
        run.to_text("csv")
    with pytest.raises(KeyError):
        ScoreRows(run.columns, list(run.records), [], False).to_text("csv")
