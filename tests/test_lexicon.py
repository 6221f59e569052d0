"""Lexicons: the three formats, error messages that name the line, validation, the default lexicon."""

import pytest

from policytext import Lexicon, Tokenizer, load_lexicon
from policytext.errors import LexiconError

YAML = """\
name: mini
version: "2"
categories:
  fine:
    label: 精细
    weight: 2
    terms:
      - 精细化
      - term: 共享
        weight: 0.5
        provenance: test
        exclusions: [共享单车]
  crude:
    polarity: -1
    terms: [粗放]
"""


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_yaml_lexicon(tmp_path):
    lex = load_lexicon(write(tmp_path, "mini.yaml", YAML))
    assert (lex.name, lex.version, lex.categories) == ("mini", "2", ["fine", "crude"])
    assert [(t.term, t.category, t.weight) for t in lex.terms] == [
        ("精细化", "fine", 2.0), ("共享", "fine", 0.5), ("粗放", "crude", 1.0)]
    assert lex.terms[1].exclusions == ("共享单车",) and lex.terms[1].provenance == "test"
    assert lex.category("crude").polarity == -1 and lex.category("fine").label == "精细"


def test_plain_csv_spreadsheet_works(tmp_path):
    lex = load_lexicon(write(tmp_path, "terms.csv", "term,category\n精细化,精细\n共治,参与\n"))
    assert lex.categories == ["精细", "参与"] and [t.weight for t in lex.terms] == [1.0, 1.0]
    lex = load_lexicon(write(tmp_path, "w.csv", "\ufeffterm,category,weight,polarity\n粗放,crude,2,-1\n"))
    assert (lex.terms[0].weight, lex.category("crude").polarity) == (2.0, -1)


def test_liwc_dic_import(tmp_path):
    dic = "%\n1\tfine\n2\tco\n%\n精细化\t1\n共治\t2\n智慧*\t1\t2\n"
    lex = load_lexicon(write(tmp_path, "x.dic", dic))
    assert lex.categories == ["fine", "co"]
    assert [(t.term, t.category) for t in lex.terms] == [("精细化", "fine"), ("共治", "co"), ("智慧*", "fine"), ("智慧*", "co")]
    assert lex.terms[2].is_glob


@pytest.mark.parametrize("fmt", ["yaml", "csv", "dic"])
def test_round_trip_through_each_format(tmp_path, fmt):
    lex = load_lexicon(write(tmp_path, "mini.yaml", YAML))
    back = load_lexicon(write(tmp_path, f"back.{fmt}", lex.dumps(fmt)))
    assert [(t.term, t.category) for t in back.terms] == [(t.term, t.category) for t in lex.terms]
    if fmt != "dic":  # LIWC has no weights or polarity
        assert [t.weight for t in back.terms] == [t.weight for t in lex.terms]
        assert back.category("crude").polarity == -1
    if fmt == "yaml":
        assert back.hash == lex.hash


@pytest.mark.parametrize("name,text,message", [
    ("bad.yaml", "name: x\ncategories:\n  fine:\n    terms: [a, b\n", r"bad\.yaml, line \d+: not valid YAML"),
    ("bad.yaml", "name: x\ncategories:\n  fine:\n    weight: heavy\n    terms: [a]\n", r"line 4: weight must be a number"),
    ("bad.yaml", "name: x\ncategories:\n  fine:\n    terms:\n      - term: a\n        wieght: 2\n", r"line 5: unknown field\(s\) wieght"),
    ("bad.yaml", "categories: [a, b]\n", "needs a 'categories' mapping"),
    ("bad.csv", "term,category\n精细化,fine\n共治\n", r"bad\.csv, line 3: row needs both a term and a category"),
    ("bad.csv", "term,category,weight\n精细化,fine,x\n", r"line 2: weight must be a number"),
    ("bad.csv", "词,类\n精细化,fine\n", r"line 1: a CSV lexicon needs a header row with 'term' and 'category'"),
    ("bad.dic", "%\n1\tfine\n%\n精细化\t3\n", r"line 4: category id '3' is not in the header"),
    ("bad.txt", "x", "unknown lexicon format '.txt'"),
])
def test_malformed_files_name_the_file_and_line(tmp_path, name, text, message):
    with pytest.raises(LexiconError, match=message):
        load_lexicon(write(tmp_path, name, text))


def test_missing_or_non_utf8_file(tmp_path):
    with pytest.raises(LexiconError, match="not found"):
        load_lexicon(tmp_path / "none.yaml")
    p = tmp_path / "gbk.csv"
    p.write_bytes("term,category\n精细化,fine\n".encode("gb18030"))
    with pytest.raises(LexiconError, match="must be UTF-8"):
        load_lexicon(p)


def test_validate_reports_duplicates_nesting_splits_and_bad_exclusions():
    lex = Lexicon.from_dict({"a": ["共治", "共建共治共享", "无缝对接", "共治"], "b": ["无缝对接"]})
    issues = {(i.level, i.code, i.term) for i in lex.validate(Tokenizer())}
    assert ("error", "duplicate", "共治") in issues
    assert ("warning", "duplicate", "无缝对接") in issues
    assert ("info", "nested", "共治") in issues
    assert ("info", "split", "无缝对接") in issues
    from policytext.lexicon import Category, Term

    bad = Lexicon([Category("a")], [Term("共享", "a", exclusions=("单车",)), Term("x y", "a", weight=0)])
    codes = sorted(i.code for i in bad.validate())
    assert codes == ["bad-term", "bad-term", "exclusion"]


def test_validate_on_texts_finds_terms_hidden_inside_longer_tokens():
    lex = Lexicon.from_dict({"a": ["共享", "共治", "自治"]})
    texts = ["推进数据共享和数据共享平台建设", "村民自治"]
    found = {i.term: (i.code, i.message) for i in lex.validate(Tokenizer(), texts=texts)}
    assert found["共享"][0] == "never-whole" and "数据共享×2" in found["共享"][1]
    assert found["共治"][0] == "unseen"
    assert "自治" not in found  # a real hit


def test_default_lexicon_is_complete_and_valid(tokenizer):
    lex = load_lexicon()
    assert lex.categories == ["fine_grained", "smart_admin", "seamless_service", "co_governance", "grassroots",
                              "performance", "crude"]
    assert [lex.category(c).polarity for c in lex.categories] == [1, 1, 1, 1, 1, 1, -1]
    for c in lex.categories:
        assert len(lex.terms_of(c)) >= 4, c
    for t in lex.terms:
        assert t.provenance, f"{t.term} has no provenance"
    for must in ["精细化", "精明行政", "标准化", "流程再造", "互联网", "物联网", "无缝对接", "零距离", "便捷", "共治",
                 "多元", "社会参与", "基层", "社区", "自治", "绩效评估", "考评", "粗放", "指令式", "集权式",
                 "精细化管理", "网格化管理", "共建共治共享"]:
        assert must in {t.term for t in lex.terms}, must
    assert [i for i in lex.validate(tokenizer) if i.level == "error"] == []
    assert load_lexicon("fine_grained_governance").hash == lex.hash
