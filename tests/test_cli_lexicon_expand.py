"""policytext lexicon expand and policytext lexicon merge: propose, review in Excel, merge the accepted rows."""

from pathlib import Path

import openpyxl
import pandas as pd
from click.testing import CliRunner

from policytext import load_lexicon
from policytext.cli import cli

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"


def test_expand_review_merge(tmp_path):
    cand = tmp_path / "candidates.xlsx"
    res = CliRunner().invoke(cli, ["lexicon", "expand", str(DEMO), "-o", str(cand), "--min-count", "2", "--epochs",
                                   "2", "--top", "2"])
    assert res.exit_code == 0, res.output
    assert "candidates written to" in res.stderr and "seed 0" in res.stderr
    wb = openpyxl.load_workbook(cand)
    ws = wb["candidates"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["accept", "category", "candidate"] and ws.freeze_panes == "A2"
    assert all(ws.cell(r, 1).value is None for r in range(2, ws.max_row + 1))
    ws.cell(2, 1).value = "是"
    chosen = ws.cell(2, 3).value
    wb.save(cand)
    out = tmp_path / "new.yaml"
    res = CliRunner().invoke(cli, ["lexicon", "merge", "fine_grained_governance", str(cand), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "added 1 accepted candidates to fine_grained_governance 1.2.0 (146 terms)" in res.stderr
    new = load_lexicon(out)
    assert new.version == "1.2.0" and len(new.terms) == 146
    assert [t.provenance.startswith("expansion: similarity") for t in new.terms if t.term == chosen] == [True]
    assert len(load_lexicon().terms) == 145  # the shipped lexicon is not changed


def test_merge_without_accepted_rows_writes_nothing(tmp_path):
    cand = tmp_path / "c.csv"
    pd.DataFrame({"accept": [None, "no"], "category": ["grassroots", "crude"], "candidate": ["楼栋长", "乱摊派"]}).to_csv(
        cand, index=False)
    out = tmp_path / "new.yaml"
    res = CliRunner().invoke(cli, ["lexicon", "merge", "fine_grained_governance", str(cand), "-o", str(out)])
    assert res.exit_code == 3 and "no candidate is accepted" in res.stderr
    assert not out.exists()


def test_expand_output_must_be_a_spreadsheet(tmp_path):
    res = CliRunner().invoke(cli, ["lexicon", "expand", str(DEMO), "-o", str(tmp_path / "c.parquet")])
    assert res.exit_code == 2 and ".xlsx or .csv" in res.output
