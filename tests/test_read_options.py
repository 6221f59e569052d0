"""ReadOptions (one object for the reader options) and the reader registry (one place per format)."""

import dataclasses
import re
from pathlib import Path

import pytest

from policytext.errors import ConfigError
from policytext.readers import (DOCUMENT_FORMATS, FORMATS, SUPPORTED_FORMATS, TABLE_FORMATS, Format, ReadOptions,
                                formats_help, iter_corpus, plan_corpus, read_corpus)

REPO = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- ReadOptions


def test_read_options_are_frozen_and_normalise_glob():
    opts = ReadOptions(glob="*.txt")
    assert opts.glob == ("*.txt",) and ReadOptions(glob=[]).glob is None and ReadOptions(glob=["a", "b"]).glob == ("a", "b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.encoding = "gbk"
    with pytest.raises(ConfigError, match="max_chars must be a whole number"):
        ReadOptions(max_chars=0)


def test_of_replaces_fields_and_refuses_unknown_ones():
    base = ReadOptions(text_column="正文")
    assert ReadOptions.of(base, id_column="文号") == ReadOptions(text_column="正文", id_column="文号")
    assert ReadOptions.of(base) is base and ReadOptions.of() == ReadOptions()
    with pytest.raises(TypeError, match="unknown reader option\\(s\\) text_colum; the options are: text_column"):
        ReadOptions.of(base, text_colum="x")
    with pytest.raises(TypeError, match="must be a policytext.readers.ReadOptions"):
        ReadOptions.of({"text_column": "x"})


def test_keywords_and_an_options_object_read_the_same_corpus(tmp_path):
    (tmp_path / "t.csv").write_text("文号,正文,年份\n甲1,推进精细化治理,2024\n甲2,社区自治,2025\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("网格化管理", encoding="utf-8")
    opts = ReadOptions(text_column="正文", id_column="文号", glob="*.csv")
    by_object = read_corpus(tmp_path, opts)
    by_keywords = read_corpus(tmp_path, text_column="正文", id_column="文号", glob="*.csv")
    mixed = read_corpus(tmp_path, ReadOptions(text_column="正文"), id_column="文号", glob=["*.csv"])
    assert by_object.doc_ids == by_keywords.doc_ids == mixed.doc_ids == ["甲1", "甲2"]
    assert [d.meta for d in by_object] == [d.meta for d in by_keywords]
    assert [d.doc_id for d in iter_corpus(tmp_path, opts)] == by_object.doc_ids
    assert [e.path.name for e in plan_corpus(tmp_path, opts).entries] == ["t.csv"]
    with pytest.raises(TypeError, match="unknown reader option"):
        read_corpus(tmp_path, text_colum="正文")


# ----------------------------------------------------------------------------- the registry


def test_formats_are_derived_from_the_registry():
    assert set(FORMATS) == set(SUPPORTED_FORMATS) and list(SUPPORTED_FORMATS) == sorted(FORMATS)
    assert DOCUMENT_FORMATS == tuple(sorted(e for e, f in FORMATS.items() if f.kind == "document"))
    assert set(TABLE_FORMATS) == {e for e, f in FORMATS.items() if f.kind == "table"}
    assert all(callable(f.read) for e, f in FORMATS.items() if f.kind == "document")
    help_text = formats_help()
    assert sorted(re.findall(r"\.\w+", help_text)) == sorted(FORMATS)


def test_an_unregistered_extension_is_unsupported_never_a_pdf(tmp_path, monkeypatch):
    """The old dispatch ended in ``return read_pdf``: an extension in DOCUMENT_FORMATS without its own branch
    was read as a PDF. Now an extension reads as its registry entry says, or is an UnsupportedFormatError."""
    import policytext.readers as readers

    (tmp_path / "note.rtf").write_text("推进精细化治理", encoding="utf-8")
    corpus = read_corpus(tmp_path)
    assert [e.error for e in corpus.errors] == ["UnsupportedFormatError"] and not len(corpus)
    # a format registered with a reader is read by that reader, with its encoding options
    calls = []

    def read_rtf(path, encoding, max_chars):
        calls.append((path.name, encoding, max_chars))
        return "推进精细化治理", "utf-8"

    monkeypatch.setitem(readers.FORMATS, ".rtf", Format("document", read_rtf))
    corpus = read_corpus(tmp_path, max_chars=1000)
    assert corpus.doc_ids == ["note"] and calls == [("note.rtf", None, 1000)]


def test_every_registered_extension_is_described_in_docs_semantics():
    text = (REPO / "docs" / "semantics.md").read_text("utf-8")
    reading = text.split("## 2.")[0]  # the section on reading
    missing = [ext for ext in FORMATS if not re.search(r"`" + re.escape(ext) + r"`", reading)]
    assert missing == [], f"extensions in the reader registry but not in docs/semantics.md section 1: {missing}"


def test_the_score_help_lists_the_registered_formats():
    from click.testing import CliRunner

    from policytext.cli import cli

    out = CliRunner().invoke(cli, ["score", "--help"]).output
    assert formats_help() in " ".join(out.split())
