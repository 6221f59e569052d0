"""policytext.rowtext writes evidence blocks as pandas does, byte for byte, or declines (issue 13.10)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings, strategies as st

from policytext.io import neutralize_formulas
from policytext.rowtext import hit_rows_text
from policytext.scoring import HIT_COLUMNS


def pandas_text(rows, fmt, header):
    df = neutralize_formulas(pd.DataFrame(rows, columns=HIT_COLUMNS))
    return df.to_csv(index=False, header=header, sep="," if fmt == "csv" else "\t", lineterminator="\n")


texts = st.text(alphabet=st.sampled_from(list('精细化治理 ,;"\'\t\r\n=+-@abc，。“”\u3000')), max_size=14)
floats = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([1.0, 0.5, -2.0, 1e16, 1e-5, 0.1])
rows = st.lists(st.fixed_dictionaries({
    "doc_id": texts, "term": texts, "category": texts, "polarity": st.sampled_from([1, -1]), "weight": floats,
    "start": st.integers(0, 10**9), "end": st.integers(0, 10**9), "left": texts, "right": texts,
    "status": st.sampled_from(["counted", "rejected", "vetoed"])}), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(rows, st.sampled_from(["csv", "tsv"]), st.booleans())
def test_evidence_blocks_are_written_as_pandas_writes_them(block, fmt, header):
    assert hit_rows_text(block, HIT_COLUMNS, fmt, header) == pandas_text(block, fmt, header)


def test_values_of_another_type_are_left_to_pandas():
    row = {"doc_id": "a", "term": "共治", "category": "co", "polarity": 1, "weight": 1.0, "start": 0, "end": 2,
           "left": "", "right": "。", "status": "counted"}
    assert hit_rows_text([row], HIT_COLUMNS, "csv", True) == pandas_text([row], "csv", True)
    for change in ({"weight": 2}, {"doc_id": 7}, {"start": True}, {"polarity": 1.0}):
        assert hit_rows_text([row, {**row, **change}], HIT_COLUMNS, "csv", True) is None
    assert hit_rows_text([row], HIT_COLUMNS, "jsonl", True) is None
    assert hit_rows_text([], HIT_COLUMNS, "csv", True) is None


def test_scoring_one_document_with_csv_evidence_does_not_import_pandas(tmp_path):
    import subprocess
    import sys

    (tmp_path / "one.txt").write_text("推进社区精细化治理，实现无缝对接。" * 3, encoding="utf-8")
    code = ("import sys\nfrom policytext.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, "score", str(tmp_path / "one.txt"), "-o",
                          str(tmp_path / "s.csv"), "--evidence", str(tmp_path / "h.csv"), "--no-cache", "-q"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert (tmp_path / "h.csv").read_text(encoding="utf-8-sig").count("\n") > 3
