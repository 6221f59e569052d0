"""RowStore.append takes a row like the one before (same keys in the same order, values of the same types) by
appending its values straight to the columns; any other row goes the general way. Rows come back exactly either
way: the same values of the same types, keys in the order the general way alone gives."""

import pickle

from hypothesis import given, settings, strategies as st

from policytext.results import RowStore

KEYS = ["n", "x", "flag", "text"]
VALUE = st.one_of(st.integers(-2**63, 2**63 - 1), st.integers(2**63, 2**70), st.floats(allow_nan=False),
                  st.booleans(), st.text(max_size=3), st.none())


def _check(rows):
    """Append ``rows``; each comes back equal, of the same types, and as the general way alone gives it (keys in
    the store's order)."""
    store, general = RowStore(), RowStore()
    for row in rows:
        store.append(row)
        general._append(row)
    assert len(store) == len(rows) == len(general)
    for i, row in enumerate(rows):
        back = store.row(i)
        assert back == row and {k: type(v) for k, v in back.items()} == {k: type(v) for k, v in row.items()}
        want = general.row(i)
        assert list(back.items()) == list(want.items())
        assert [type(v) for v in back.values()] == [type(v) for v in want.values()]
    return store


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["same", "value", "order", "fewer", "more"]),
                          st.sampled_from(KEYS), VALUE), max_size=30))
def test_rows_alike_and_rows_that_differ_come_back_exactly(changes):
    base = {"n": 1, "x": 0.5, "flag": True, "text": "a"}
    rows = []
    for kind, key, value in changes:  # mostly rows like the one before, now and then one that differs
        row = dict(rows[-1] if rows and kind == "same" else base)
        if kind == "value":
            row[key] = value  # another type (a bool among ints, an int past 64 bits ...) or the same
        elif kind == "order":
            row = {key: row.pop(key), **row}
        elif kind == "fewer":
            row.pop(key)
        elif kind == "more":
            row[f"new_{key}"] = value
        rows.append(row)
    _check(rows)


def test_the_fast_way_is_taken_for_rows_alike_and_left_for_others():
    rows = [{"n": i, "x": i / 2, "flag": i % 2 == 0, "text": str(i)} for i in range(5)]
    store = _check(rows)
    assert store._fast is not None and store._fast[0] == tuple(KEYS)
    assert all(type(c).__name__ == "array" for k, c in store._columns.items() if k != "text")
    big = {"n": 2**64, "x": 1.0, "flag": True, "text": "b"}  # past 64 bits: no half-appended row is left behind
    store.append(big)
    assert [len(c) for c in store._columns.values()] == [6] * 4 and store.row(5) == big
    assert isinstance(store._columns["n"], list) and store.row(2) == rows[2]
    store.append({"n": 1, "x": 2, "flag": 0, "text": None})  # an int among floats, an int among bools
    assert store.row(6) == {"n": 1, "x": 2, "flag": 0, "text": None} and type(store.row(6)["x"]) is int
    store.append({"n": 1, "x": 2.0})  # keys missing: the general way from now on
    assert store._fast is None and store.row(7) == {"n": 1, "x": 2.0}
    copy = pickle.loads(pickle.dumps(store))
    copy.append(rows[0])
    assert copy.row(8) == rows[0] and len(store) == 8


def test_a_row_that_overflows_a_later_column_leaves_no_value_behind():
    rows = [{"a": 1.0, "b": True, "n": 5}, {"a": 2.0, "b": False, "n": 6}, {"a": 3.0, "b": True, "n": -2**70},
            {"a": 4.0, "b": False, "n": 7}]
    store = _check(rows)
    assert [len(c) for c in store._columns.values()] == [4, 4, 4] and store.column("a") == [1.0, 2.0, 3.0, 4.0]

