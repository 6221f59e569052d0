"""The readers of corpora in memory (readers._frames) and of metadata files (readers._metadata) are imported when
first used, not with policytext.readers (a run over folders needs neither); what they give is still there."""

import subprocess
import sys

import pandas as pd

import policytext.readers as readers
from policytext.readers import iter_objects, read_corpus


def test_the_lazy_members_are_reached_and_listed():
    from policytext.readers import ACCEPTED_INPUTS
    from policytext.readers._frames import ACCEPTED

    assert ACCEPTED_INPUTS is ACCEPTED and readers.ACCEPTED_INPUTS is ACCEPTED
    assert "ACCEPTED_INPUTS" in dir(readers) and "ACCEPTED_INPUTS" in readers.__all__
    try:
        readers.no_such_member
    except AttributeError as exc:
        assert "no_such_member" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")


def test_objects_and_metadata_are_still_read(tmp_path):
    docs = list(iter_objects(pd.DataFrame({"doc_id": ["a"], "text": ["推进精细化治理"]})))
    assert [d.doc_id for d in docs] == ["a"]
    (tmp_path / "a.txt").write_text("推进精细化治理", encoding="utf-8")
    (tmp_path / "metadata.csv").write_text("doc_id,year\na,2020\n", encoding="utf-8")
    assert read_corpus(tmp_path)[0].meta == {"year": "2020"}


def test_importing_the_readers_does_not_import_them():
    code = ("import sys, policytext.readers\n"
            "print(sorted(m for m in ('policytext.readers._frames', 'policytext.readers._metadata') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
