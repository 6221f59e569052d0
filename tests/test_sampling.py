"""Coding samples: strata, allocation, reproducible draws, an Excel sheet that reads back as labels."""

import openpyxl
import pandas as pd
import pytest

from policytext import Corpus, Lexicon
from policytext.errors import ConfigError, OutputError
from policytext.sampling import DOCUMENT_COLUMNS, KWIC_COLUMNS, allocate, draw_sample, write_sample
from policytext.validation import read_labels, validate_measures

LEX = Lexicon.from_dict({"co": ["共治", "网格化管理"], "crude": ["一刀切"]}, polarity={"crude": -1})
# index (weighted hits per 10,000 characters): h1, h2 high; l1, l2 low; z1 (a crude hit only), z2 zero
TEXTS = {
    "h1": "推进共治。网格化管理。",
    "h2": "社区共治，网格化管理。",
    "l1": "今年继续推进各项工作，做好民生保障，完善社会共治。",
    "l2": "认真落实上级部署，抓好经济运行，推动基层共治。",
    "z1": "坚决防止一刀切。加强工作调度。",
    "z2": "做好春耕生产。抓好安全生产。完善应急预案。",
}


@pytest.fixture(scope="module")
def corpus():
    return Corpus.from_texts(TEXTS)


def test_allocation():
    assert allocate(6, {"high": 2, "low": 2, "zero": 2}) == {"high": 2, "low": 2, "zero": 2}
    assert allocate(7, {"high": 9, "low": 1, "zero": 9}) == {"high": 3, "low": 1, "zero": 3}
    assert allocate(100, {"high": 2, "low": 1, "zero": 0}) == {"high": 2, "low": 1, "zero": 0}


def test_document_sample_strata(corpus, tokenizer):
    s = draw_sample(corpus, 6, lexicon=LEX, tokenizer=tokenizer, random_state=0)
    assert list(s.columns) == DOCUMENT_COLUMNS
    assert dict(zip(s.doc_id, s.stratum)) == {"h1": "high", "h2": "high", "l1": "low", "l2": "low", "z1": "zero",
                                              "z2": "zero"}
    assert s.sample_id.tolist() == [1, 2, 3, 4, 5, 6] and s.code.isna().all() and (s.unit == "document").all()
    assert s.set_index("doc_id").loc["h1", "text"] == TEXTS["h1"]
    again = draw_sample(corpus, 6, lexicon=LEX, tokenizer=tokenizer, random_state=0)
    assert s.equals(again)
    three = draw_sample(corpus, 3, lexicon=LEX, tokenizer=tokenizer, random_state=1)
    assert sorted(three.stratum) == ["high", "low", "zero"]


def test_kwic_sample_has_hits_and_passages(corpus, tokenizer):
    s = draw_sample(corpus, 9, unit="kwic", lexicon=LEX, tokenizer=tokenizer, random_state=2, window=4)
    assert list(s.columns) == KWIC_COLUMNS
    hits = s[s.stratum != "zero"]
    assert len(hits) == 6  # all six hits of the high and low documents
    assert set(hits.match) == {"共治", "网格化管理"}
    first = hits[hits.doc_id == "h1"].sort_values("offset").iloc[0]
    assert (first.left, first.match, first.right, first.offset) == ("推进", "共治", "。网格化", 2)
    passages = s[s.stratum == "zero"]
    assert len(passages) == 3 and (passages.match == "").all()
    starts = {"z1": {0, 8}, "z2": {0, 7, 14}}  # sentence starts of the zero documents
    assert all(r.offset in starts[r.doc_id] for r in passages.itertuples())
    assert all(TEXTS[r.doc_id][r.offset:].startswith(r.right) for r in passages.itertuples())


def test_xlsx_sheet_reads_back_as_labels(corpus, tokenizer, tmp_path):
    s = draw_sample(corpus, 6, lexicon=LEX, tokenizer=tokenizer, random_state=0)
    s.loc[0, "text"] = "=HYPERLINK(\"x\")"  # a text a spreadsheet would run
    path = tmp_path / "sample.xlsx"
    write_sample(s, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["sample"]
    header = [c.value for c in ws[1]]
    assert header == DOCUMENT_COLUMNS and ws.freeze_panes == "A2"
    assert ws.cell(2, header.index("text") + 1).value.startswith("'=")
    assert ws.cell(2, header.index("code") + 1).value is None
    col = header.index("code") + 1
    for row in range(2, 8):  # the coder marks the two high documents and l1
        doc = ws.cell(row, header.index("doc_id") + 1).value
        ws.cell(row, col).value = 1 if doc in ("h1", "h2", "l1") else 0
    wb.save(path)
    back = read_labels(path)
    assert back.loc[0, "text"] == "=HYPERLINK(\"x\")"
    out = validate_measures(back, None, n_resamples=200).set_index("metric")
    # index: h1 = h2 > l2 > l1 > z2 > z1; l1 (positive) loses to l2 only: 8 of 9 pairs
    assert out.loc["auroc", "value"] == pytest.approx(8 / 9) and out.loc["auroc", "n"] == 6


def test_key_file_keeps_the_score_out_of_the_sheet(corpus, tokenizer, tmp_path):
    s = draw_sample(corpus, 4, lexicon=LEX, tokenizer=tokenizer, random_state=0)
    write_sample(s, tmp_path / "s.csv", key=tmp_path / "key.csv")
    sheet = pd.read_csv(tmp_path / "s.csv", encoding="utf-8-sig")
    key = pd.read_csv(tmp_path / "key.csv", encoding="utf-8-sig")
    assert "index" not in sheet.columns and "stratum" not in sheet.columns
    assert key.columns.tolist() == ["sample_id", "doc_id", "stratum", "index"] and len(key) == 4


def test_errors(corpus, tokenizer, tmp_path):
    with pytest.raises(ConfigError, match="unit"):
        draw_sample(corpus, 3, unit="sentence", lexicon=LEX, tokenizer=tokenizer)
    with pytest.raises(ConfigError, match="at least 1"):
        draw_sample(corpus, 0, lexicon=LEX, tokenizer=tokenizer)
    s = draw_sample(corpus, 2, lexicon=LEX, tokenizer=tokenizer)
    with pytest.raises(OutputError, match="xlsx or .csv"):
        write_sample(s, tmp_path / "s.parquet")
    assert not list(tmp_path.iterdir())


RULES_YAML = """\
name: rules
version: "1.0.0"
categories:
  co:
    label: co
    polarity: 1
    terms:
      - {term: "协同治理", exclude_context: [污染]}
      - {term: "共治"}
  crude:
    label: crude
    polarity: -1
    reject_context: [反对]
    terms:
      - {term: "形式主义"}
"""
# r1: one counted 协同治理, one vetoed (大气污染), one rejected 形式主义; r2: one counted 共治, one counted 形式主义
RULE_TEXTS = {"r1": "推动社会协同治理。大气污染协同治理。坚决反对形式主义。",
              "r2": "推进共治。形式主义严重。"}


def test_kwic_sample_draws_only_counted_hits_by_default(tokenizer, tmp_path):
    from policytext import load_lexicon

    (tmp_path / "rules.yaml").write_text(RULES_YAML, encoding="utf-8")
    lex = load_lexicon(tmp_path / "rules.yaml")
    corpus = Corpus.from_texts(RULE_TEXTS)
    s = draw_sample(corpus, 50, unit="kwic", lexicon=lex, tokenizer=tokenizer, random_state=0)
    assert sorted(zip(s.doc_id, s.match, s.status)) == [("r1", "协同治理", "counted"), ("r2", "共治", "counted"),
                                                        ("r2", "形式主义", "counted")]
    assert s.set_index("match").loc["协同治理", "offset"] == 4  # the pollution co-control (offset 13) is vetoed
    every = draw_sample(corpus, 50, unit="kwic", lexicon=lex, tokenizer=tokenizer, random_state=0,
                        include_uncounted=True)
    assert sorted(zip(every.doc_id, every.offset, every.status)) == [
        ("r1", 4, "counted"), ("r1", 13, "vetoed"), ("r1", 22, "rejected"), ("r2", 2, "counted"), ("r2", 5, "counted")]
    # documents: no zero stratum here, so only the hits are drawn; the default sample is a subset
    assert set(zip(s.doc_id, s.offset)) < set(zip(every.doc_id, every.offset))
