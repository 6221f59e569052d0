"""policytext sample, coded, and read back by policytext validate."""

from pathlib import Path

import openpyxl
import pandas as pd
from click.testing import CliRunner

from policytext.cli import cli

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"


def test_sample_code_and_validate(tmp_path):
    sheet = tmp_path / "sample.xlsx"
    res = CliRunner().invoke(cli, ["sample", str(DEMO), "-n", "12", "-o", str(sheet), "--seed", "3"])
    assert res.exit_code == 0, res.output
    # 1.1.0: 考核 in 扣减 (deduction) language is vetoed, so two crude-style demo documents join the zero stratum
    assert "12 document units drawn (seed 3; high 4, low 4, zero 4)" in res.stderr
    wb = openpyxl.load_workbook(sheet)
    ws = wb["sample"]
    header = [c.value for c in ws[1]]
    assert ws.freeze_panes == "A2" and "code" in header
    meta = pd.read_csv(DEMO / "metadata.csv").set_index("doc_id")["intended_level"]
    for r in range(2, ws.max_row + 1):  # code from the demo corpus's intended level
        doc = ws.cell(r, header.index("doc_id") + 1).value
        ws.cell(r, header.index("code") + 1).value = "是" if meta[doc] == "fine" else "否"
    wb.save(sheet)
    scores = tmp_path / "scores.csv"
    assert CliRunner().invoke(cli, ["score", str(DEMO), "-o", str(scores), "-q", "--no-cache"]).exit_code == 0
    res = CliRunner().invoke(cli, ["validate", str(scores), "--labels", str(sheet), "--resamples", "200"])
    assert res.exit_code == 0, res.output
    v = pd.read_csv(pd.io.common.StringIO(res.stdout)).set_index("metric")
    assert v.loc["auroc", "n"] == 12 and v.loc["auroc", "value"] > 0.8


def test_kwic_sample_with_a_key_file(tmp_path):
    res = CliRunner().invoke(cli, ["sample", str(DEMO), "-n", "9", "--unit", "kwic", "-o", str(tmp_path / "k.csv"),
                                   "--key", str(tmp_path / "key.csv"), "-w", "10"])
    assert res.exit_code == 0, res.output
    sheet = pd.read_csv(tmp_path / "k.csv", encoding="utf-8-sig")
    assert len(sheet) == 9 and "index" not in sheet.columns and (sheet.unit == "kwic").all()
    assert len(pd.read_csv(tmp_path / "key.csv", encoding="utf-8-sig")) == 9


def test_kwic_sample_counted_hits_only_unless_asked(tmp_path):
    # -n above the number of units: every hit line and passage is drawn
    for extra, statuses in (([], {"counted"}), (["--include-uncounted"], {"counted", "rejected"})):
        out = tmp_path / "k.csv"
        res = CliRunner().invoke(cli, ["sample", str(DEMO), "-n", "1000", "--unit", "kwic", "-o", str(out), *extra])
        assert res.exit_code == 0, res.output
        sheet = pd.read_csv(out, encoding="utf-8-sig")
        lines = sheet[sheet.stratum != "zero"]
        assert set(lines.status) == statuses and sheet[sheet.stratum == "zero"].status.isna().all()
        if extra:  # the demo's rejected crude hits (防止“一刀切” ...) are the only uncounted lines
            rejected = lines[lines.status == "rejected"]
            assert len(rejected) == 10 and set(rejected.category) == {"crude"}
            assert len(lines) - len(rejected) == counted
        else:
            counted = len(lines)


def test_sample_errors(tmp_path):
    res = CliRunner().invoke(cli, ["sample", str(DEMO), "-n", "3", "-o", str(tmp_path / "s.json")])
    assert res.exit_code == 4 and "xlsx or .csv" in res.stderr
    res = CliRunner().invoke(cli, ["sample", str(DEMO), "-o", str(tmp_path / "s.xlsx")])
    assert res.exit_code == 2 and "-n" in res.output
