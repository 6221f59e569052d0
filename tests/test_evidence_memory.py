"""A document dense with hits (issue 13.10): without evidence no hit row is built; with evidence to a file, a
document's rows past a batch are spilled to a temporary file (policytext.rowtext.SpooledRows) instead of being
held all at once. Scores, rows and the files written are the same as before, byte for byte, with processes,
with a checkpoint and on resume. Small thresholds (slices of 400 characters, batches of 7 rows) make every
path run on small texts."""

from __future__ import annotations

import os
import random

import pytest

import policytext.rowtext as rowtext
import policytext.slicing as slicing
from policytext import Scorer, load_lexicon
from policytext.corpus import Corpus, Document
from policytext.parallel import score_documents
from policytext.rowtext import Spill, SpooledRows

TERMS = sorted(t.term for t in load_lexicon().terms if not t.is_glob)


def dense_text(seed: int, n_chars: int) -> str:
    """Lexicon terms back to back, a few at a time, then 。, ，, ； or a line break: a hit every few characters."""
    rng = random.Random(seed)
    out, size = [], 0
    while size < n_chars:
        piece = "".join(rng.choice(TERMS) for _ in range(rng.randint(1, 5))) + rng.choice("。。，；\n")
        out.append(piece)
        size += len(piece)
    return "".join(out)


@pytest.fixture(scope="module")
def scorer():
    return Scorer()


def whole(scorer, doc, monkeypatch, **kw):
    monkeypatch.setattr(slicing, "SLICE_CHARS", 10**12)
    return scorer.analyze(doc, **kw)


@pytest.mark.parametrize("seed", range(3))
def test_without_evidence_the_score_row_is_the_same_and_no_row_is_built(scorer, seed, monkeypatch):
    doc = Document("d", dense_text(seed, 20_000))
    row, rows = whole(scorer, doc, monkeypatch)
    assert len(rows) > 3000
    assert whole(scorer, doc, monkeypatch, evidence=False) == (row, [])
    assert slicing.analyze_in_slices(scorer, doc, size=400, evidence=False) == (row, [])
    built = []
    monkeypatch.setattr(rowtext, "row_sink", lambda evidence: built.append(evidence) or None)
    assert slicing.analyze_in_slices(scorer, doc, size=400, evidence=False) == (row, [])
    assert built == [False]


@pytest.mark.parametrize("seed", range(3))
def test_spilled_rows_are_the_rows_in_order_and_memory_holds_one_batch(scorer, seed, tmp_path, monkeypatch):
    doc = Document("d", dense_text(seed, 20_000))
    row, rows = whole(scorer, doc, monkeypatch)
    held = []
    write = SpooledRows._write

    def spy(self):
        held.append(len(self._rows))
        write(self)

    monkeypatch.setattr(SpooledRows, "_write", spy)
    for size, window in ((400, 12), (400, 1000)):  # a context window wider than a slice too
        scorer_w = Scorer(scorer.lexicon, scorer.tokenizer, evidence_window=window)
        expected = whole(scorer_w, doc, monkeypatch) if window != 12 else (row, rows)
        got_row, spooled = slicing.analyze_in_slices(scorer_w, doc, size=size, evidence=Spill(tmp_path, "h.csv", 7))
        assert isinstance(spooled, SpooledRows) and spooled.spilled and len(spooled) == len(expected[1])
        assert os.path.dirname(spooled.path) == str(tmp_path) and os.path.basename(spooled.path).startswith(".h.csv.")
        assert got_row == expected[0] and list(spooled) == expected[1]
        assert all(len(b) <= 7 for b in spooled.batches())
        spooled.discard()
    assert max(held) <= 7 and os.listdir(tmp_path) == []
    # the whole-text path spills the same rows; few rows stay a list
    got = whole(scorer, doc, monkeypatch, evidence=Spill(tmp_path, "h.csv", 7))
    assert got[0] == row and list(got[1]) == rows
    got[1].discard()
    short = Document("s", "推进精细化治理。")
    assert scorer.analyze(short, evidence=Spill(tmp_path, "h.csv", 7)) == scorer.analyze(short)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("seed", range(2))
def test_a_text_of_clauses_joined_by_commas_is_sliced_and_spilled_alike(scorer, seed, tmp_path, monkeypatch):
    """No 。 and no line break: the slices are cut after ，(clause cuts), sentences run on across them."""
    doc = Document("d", dense_text(seed, 20_000).translate(str.maketrans("。；\n", "，，，")))
    assert len(slicing.normalization_slices(doc.text, 400)) > 40
    row, rows = whole(scorer, doc, monkeypatch)
    assert len(rows) > 3000 and row["n_sentences"] == 1
    assert slicing.analyze_in_slices(scorer, doc, size=400, evidence=False) == (row, [])
    got_row, spooled = slicing.analyze_in_slices(scorer, doc, size=400, evidence=Spill(tmp_path, "h.csv", 7))
    assert isinstance(spooled, SpooledRows) and spooled.spilled
    assert got_row == row and list(spooled) == rows
    spooled.discard()
    assert os.listdir(tmp_path) == []


def test_a_fallback_to_the_whole_text_leaves_no_spilled_file(scorer, tmp_path, monkeypatch):
    doc = Document("d", dense_text(4, 5000))
    calls = []

    def not_clean(text):  # the second cut "does not hold": the document is scored whole
        calls.append(text)
        return len(calls) < 2

    monkeypatch.setattr(slicing, "_STARTS_WITH_IDEOGRAPH", not_clean)
    assert slicing.analyze_in_slices(scorer, doc, size=400, evidence=Spill(tmp_path, "h.csv", 3)) is None
    assert os.listdir(tmp_path) == []


def test_spooled_rows_pickle_as_their_file(tmp_path):
    import pickle

    spool = Spill(tmp_path, "h.csv", 2).rows()
    spool.extend({"i": i, "left": "证据行"} for i in range(5))
    result = spool.result()
    assert result is spool and "证据行".encode() not in pickle.dumps(spool)  # the path, not the rows
    again = pickle.loads(pickle.dumps(spool))
    assert list(again) == [{"i": i, "left": "证据行"} for i in range(5)]
    few = Spill(tmp_path, "h.csv", 10).rows()
    few.extend([{"i": 1}])
    assert few.result() == [{"i": 1}]
    spool.discard()
    assert os.listdir(tmp_path) == []
    with pytest.raises(TypeError, match="True, False or a Spill"):
        rowtext.row_sink("yes")


def corpus() -> Corpus:
    return Corpus([Document(f"d{i:02d}", dense_text(100 + i, 4500 if i % 7 else 1200), {}, f"d{i:02d}.txt")
                   for i in range(60)])


@pytest.mark.parametrize("jobs", [1, 2])
def test_runs_write_the_same_evidence_bytes_spilled_or_not(scorer, jobs, tmp_path, monkeypatch):
    monkeypatch.setattr(slicing, "SLICE_CHARS", 500)
    docs = corpus()
    ref = tmp_path / "ref"
    ref.mkdir()
    expected = scorer.score(docs, output=ref / "s.csv", evidence=ref / "h.csv")
    assert len(expected) == 60
    monkeypatch.setattr(rowtext, "SPILL_ROWS", 7)
    created = []
    mkstemp = rowtext.SpooledRows._write

    def spy(self):
        if self.path is None:
            created.append(self)
        mkstemp(self)

    monkeypatch.setattr(SpooledRows, "_write", spy)
    out = tmp_path / "out"
    out.mkdir()
    scorer.score(docs, output=out / "s.csv", evidence=out / "h.csv", jobs=jobs)
    assert (out / "s.csv").read_bytes() == (ref / "s.csv").read_bytes()
    assert (out / "h.csv").read_bytes() == (ref / "h.csv").read_bytes()
    assert sorted(os.listdir(out)) == ["h.csv", "s.csv"]  # every spilled file removed
    if jobs == 1:
        assert len(created) > 20  # the spilling path ran (in the workers with jobs=2)
    # without evidence: the same scores, nothing built, even in worker processes
    seen = []
    result = score_documents(docs, scorer, jobs=jobs, on_hits=seen.append, evidence=False, min_docs=10,
                             min_chars=1000)
    assert result.scores.equals(expected.scores) and len(seen) == 60 and not any(seen)


class Interrupting(Scorer):
    """Stops the run (as Ctrl-C would) when it reaches document ``stop``."""

    stop = "d40"

    def analyze(self, doc, cache=None, **kw):
        if doc.doc_id == self.stop:
            raise KeyboardInterrupt
        return super().analyze(doc, cache=cache, **kw)


def test_an_interrupted_run_resumed_writes_the_same_bytes(scorer, tmp_path, monkeypatch):
    monkeypatch.setattr(slicing, "SLICE_CHARS", 500)
    docs = corpus()
    scorer.score(docs, output=tmp_path / "ref.csv", evidence=tmp_path / "ref_h.csv")
    monkeypatch.setattr(rowtext, "SPILL_ROWS", 7)
    stopping = Interrupting(scorer.lexicon, scorer.tokenizer)
    with pytest.raises(KeyboardInterrupt):
        stopping.score(docs, output=tmp_path / "s.csv", evidence=tmp_path / "h.csv", checkpoint=True,
                       checkpoint_every=3)
    folder = tmp_path / ".s.csv.checkpoint"
    spilled = [n for n in os.listdir(folder) if n.startswith(".h.csv.")]
    assert len(spilled) > 10  # the rows of the documents scored are kept in the checkpoint
    info = {}
    scorer.score(docs, output=tmp_path / "s.csv", evidence=tmp_path / "h.csv", checkpoint=True, resume=True,
                 info=info)
    assert info["resumed"] >= 30
    assert (tmp_path / "s.csv").read_bytes() == (tmp_path / "ref.csv").read_bytes()
    assert (tmp_path / "h.csv").read_bytes() == (tmp_path / "ref_h.csv").read_bytes()
    assert not folder.exists() and sorted(os.listdir(tmp_path)) == ["h.csv", "ref.csv", "ref_h.csv", "s.csv"]


def test_a_checkpoint_missing_a_spilled_file_is_refused(scorer, tmp_path, monkeypatch):
    from policytext.errors import ConfigError

    monkeypatch.setattr(slicing, "SLICE_CHARS", 500)
    monkeypatch.setattr(rowtext, "SPILL_ROWS", 7)
    docs = corpus()
    with pytest.raises(KeyboardInterrupt):
        Interrupting(scorer.lexicon, scorer.tokenizer).score(docs, output=tmp_path / "s.csv",
                                                             evidence=tmp_path / "h.csv", checkpoint=True,
                                                             checkpoint_every=3)
    folder = tmp_path / ".s.csv.checkpoint"
    for name in os.listdir(folder):
        if name.startswith(".h.csv."):
            os.unlink(folder / name)
    with pytest.raises(ConfigError, match="missing from this checkpoint"):
        scorer.score(docs, output=tmp_path / "s.csv", evidence=tmp_path / "h.csv", checkpoint=True, resume=True)
