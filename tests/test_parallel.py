"""Parallel and streaming scoring: identical results whatever the number of processes, in input order,
bounded look-ahead, the fast matcher equal to the reference scan, and evidence written as a stream."""

import random
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import policytext as pt
import policytext.parallel as parallel
from policytext.cli import cli
from policytext.corpus import Corpus, Document, ErrorRecord
from policytext.parallel import EvidenceWriter, iter_scored, score_documents
from policytext.readers import iter_corpus, read_corpus
from policytext.reports import write_table
from policytext.scoring import HIT_COLUMNS, Matcher

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "corpora" / "demo"


def demo_sentences():
    text = "".join(d.text for d in read_corpus(DEMO))
    return [s + "。" for s in re.split(r"[。\n]+", text) if len(s.strip()) > 4]


def write_generated_corpus(folder: Path, n_docs: int = 60, chars: int = 4000, seed: int = 0) -> Path:
    """Documents made of the demo corpus's sentences in a seeded random order (written for this project)."""
    rng = random.Random(seed)
    sentences = demo_sentences()
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_docs):
        parts, size = [], 0
        while size < chars:
            s = rng.choice(sentences)
            parts.append(s)
            size += len(s)
        (folder / f"doc{i:03d}.txt").write_text("".join(parts), encoding="utf-8")
    (folder / "empty.txt").write_text(" \n ", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\xff\xfe" * 10)
    return folder


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """Over the one-process thresholds: 60 documents, about 240,000 characters, plus two bad inputs."""
    return write_generated_corpus(tmp_path_factory.mktemp("parallel") / "big")


@pytest.fixture(autouse=True)
def private_cache_home(tmp_path, monkeypatch):
    """The CLI's default cache goes under this test's folder, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def run_score(args):
    res = CliRunner().invoke(cli, ["score", *args])
    assert res.exit_code == 0, res.output
    return res


def test_jobs_2_equals_jobs_1_byte_for_byte(big, tmp_path, monkeypatch):
    pools = []
    real_pool = parallel._pool
    monkeypatch.setattr(parallel, "_pool", lambda *a: pools.append(a[2]) or real_pool(*a))
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        out.mkdir()
        res = run_score([str(big), "--jobs", jobs, "--no-cache", "-o", str(out / "scores.csv"),
                         "--evidence", str(out / "hits.csv"), "--errors", str(out / "errors.csv")])
        outputs[jobs] = {name: (out / name).read_bytes() for name in ("scores.csv", "hits.csv", "errors.csv")}
        assert "60 documents" in res.stderr and "2 of 62 inputs not scored" in res.stderr  # inputs = scored + errors
        stdout = run_score([str(big), "--jobs", jobs, "--no-cache", "-q"]).stdout
        outputs[jobs]["stdout"] = stdout.encode()
    assert pools == [2, 2]  # the --jobs 2 runs did use two processes; --jobs 1 never started a pool
    assert outputs["1"] == outputs["2"]
    scores = pd.read_csv(tmp_path / "j2" / "scores.csv")
    assert scores["doc_id"].tolist() == [f"doc{i:03d}" for i in range(60)]  # input order
    assert len(pd.read_csv(tmp_path / "j2" / "hits.csv")) > 100


def test_library_jobs_and_chunks_do_not_change_anything(big):
    corpus = read_corpus(big)
    scorer = pt.Scorer()
    one = scorer.score(corpus)
    many = scorer.score(corpus, jobs=2, chunk_chars=5000, chunk_docs=3, min_docs=1, min_chars=1)
    pd.testing.assert_frame_equal(one.scores, many.scores)
    pd.testing.assert_frame_equal(one.hits, many.hits)
    assert one.errors == many.errors and [e.error for e in one.errors] == ["DecodeError", "EmptyDocumentError"]


def test_spawn_start_method_gives_the_same_result():
    corpus = read_corpus(DEMO)
    scorer = pt.Scorer()
    spawned = scorer.score(corpus, jobs=2, mp_context="spawn", min_docs=1, min_chars=1, chunk_chars=3000)
    pd.testing.assert_frame_equal(spawned.scores, scorer.score(corpus).scores)


def test_small_corpora_stay_in_one_process(monkeypatch):
    def no_pool(*args):
        raise AssertionError("a pool was started for a small corpus")

    monkeypatch.setattr(parallel, "_pool", no_pool)
    corpus = read_corpus(DEMO)  # 24 documents, about 13,000 characters
    result = pt.Scorer().score(corpus, jobs=4)
    assert len(result.scores) == 24


def test_documents_are_pulled_lazily_with_bounded_look_ahead():
    pulled = []

    def documents():
        for i in range(40):
            pulled.append(i)
            yield Document(f"d{i}", "推进网格化管理，实现无缝对接。" * 20)

    stream = iter_scored(documents(), pt.Scorer(), jobs=2, chunk_docs=1, min_docs=1, min_chars=1)
    first = next(stream)
    assert first[0].doc_id == "d0" and first[1]["hits_total"] == 40
    assert len(pulled) <= 2 * 2 + 1  # two chunks per process in flight, not the corpus
    rest = list(stream)
    assert [d.doc_id for d, *_ in rest] == [f"d{i}" for i in range(1, 40)]


def test_stream_of_documents_and_error_records_keeps_the_accounting():
    items = [Document("a", "推进精细化管理"), ErrorRecord("x.bin", None, "DecodeError", "cannot decode"),
             Document("b", "  "), Document("c", "坚持共治")]
    kept = []
    result = score_documents(iter(items), pt.Scorer(), on_hits=kept.extend)
    assert result.scores["doc_id"].tolist() == ["a", "c"]
    assert [e.error for e in result.errors] == ["DecodeError", "EmptyDocumentError"]  # reading errors first
    assert len(result.scores) + len(result.errors) == len(items)
    assert result.hits.empty and [h["term"] for h in kept] == ["精细化管理", "共治"]


def test_iter_corpus_yields_what_read_corpus_reads(big, tmp_path):
    (big.parent / "meta.csv").write_text("doc_id,year\ndoc000,2020\ndoc001,2021\nnobody,1999\n", encoding="utf-8")
    kwargs = dict(metadata=big.parent / "meta.csv")
    corpus = read_corpus(big, **kwargs)
    info = {}
    items = list(iter_corpus(big, info=info, **kwargs))
    assert [d for d in items if isinstance(d, Document)] == corpus.documents
    assert [e for e in items if isinstance(e, ErrorRecord)] == corpus.errors
    assert info == corpus.info
    assert corpus.info["metadata_unused_rows"] == ["nobody"] and corpus["doc001"].meta == {"year": "2021"}


# --------------------------------------------------------------------------- the fast matcher


def reference_cases():
    rng = random.Random(7)
    tok = pt.Tokenizer()
    texts = [pt.normalize_text(s) for s in demo_sentences()]
    tokenized = [(t, tok.tokenize(t)) for t in texts]
    words = [w for _, toks in tokenized for w, _, _ in toks]
    for trial in range(25):
        terms = sorted({"".join(words[i:i + rng.choice([1, 1, 2, 3])])
                        for i in (rng.randrange(len(words) - 3) for _ in range(50))})
        mapping = {"a": terms[:25], "b": terms[25:]}
        if trial % 3 == 1:
            mapping["g"] = [terms[0][:1] + "*", terms[3][:2] + "?", "[治管]理"]
        lex = pt.Lexicon.from_dict(mapping)
        yield lex, tokenized


def test_fast_matcher_equals_the_scan_at_every_token():
    n_hits = 0
    for lex, tokenized in reference_cases():
        m = Matcher(lex)
        for text, tokens in tokenized:
            fast = m.match(text, tokens)
            assert fast == m._match_scan(text, tokens)
            n_hits += len(fast)
    assert n_hits > 500


def test_fast_matcher_respects_exclusions_and_globs():
    from policytext.lexicon import Category, Lexicon, Term

    lex = Lexicon(categories=[Category("c")],
                  terms=[Term("共享", "c", exclusions=("共享单车",)), Term("智慧*", "c"), Term("数据", "c")])
    m = Matcher(lex)
    text = "数据共享，共享单车，智慧城市"
    tokens = [("数据", 0, 2), ("共享", 2, 4), ("，", 4, 5), ("共享", 5, 7), ("单车", 7, 9), ("，", 9, 10),
              ("智慧城市", 10, 14)]
    assert m.match(text, tokens) == m._match_scan(text, tokens)
    assert [(h.term, h.start) for h in m.match(text, tokens)] == [("数据", 0), ("共享", 2), ("智慧城市", 10)]
    suffix_glob = Matcher(Lexicon(categories=[Category("c")], terms=[Term("*治理", "c"), Term("数据", "c")]))
    tokens = [("数据", 0, 2), ("社会治理", 2, 6), ("治理", 6, 8)]
    assert suffix_glob._scan_all  # no literal prefix: every token start is examined
    assert [h.term for h in suffix_glob.match("数据社会治理治理", tokens)] == ["数据", "社会治理", "治理"]


# --------------------------------------------------------------------------- evidence as a stream


def hit_rows(n):
    return [{"doc_id": f"d{i // 3}", "term": "=共治" if i == 4 else "共治", "category": "co", "polarity": 1,
             "weight": 1.5, "start": i, "end": i + 2, "left": "a,b", "right": "\"q\"\n"} for i in range(n)]


@pytest.mark.parametrize("ext", [".csv", ".tsv", ".jsonl", ".xlsx", ".parquet"])
def test_evidence_writer_writes_what_write_table_writes(tmp_path, ext):
    rows = hit_rows(11)
    streamed, whole = tmp_path / f"streamed{ext}", tmp_path / f"whole{ext}"
    with EvidenceWriter(streamed, block=3) as w:
        for i in range(0, 11, 2):
            w(rows[i:i + 2])
    write_table(pd.DataFrame(rows, columns=HIT_COLUMNS), whole)
    if ext in EvidenceWriter.STREAMED:
        assert streamed.read_bytes() == whole.read_bytes()
    else:
        read = pd.read_excel if ext == ".xlsx" else pd.read_parquet
        pd.testing.assert_frame_equal(read(streamed), read(whole))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([streamed.name, whole.name])  # no temp files


@pytest.mark.parametrize("ext", [".csv", ".jsonl"])
def test_evidence_writer_with_no_hits_and_on_abort(tmp_path, ext):
    empty, whole = tmp_path / f"empty{ext}", tmp_path / f"whole{ext}"
    EvidenceWriter(empty).close()
    write_table(pd.DataFrame([], columns=HIT_COLUMNS), whole)
    assert empty.read_bytes() == whole.read_bytes()
    with pytest.raises(RuntimeError):
        with EvidenceWriter(tmp_path / f"aborted{ext}", block=1) as w:
            w(hit_rows(5))
            raise RuntimeError("interrupted")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([empty.name, whole.name])


def test_cli_jobs_option_is_validated(big):
    res = CliRunner().invoke(cli, ["score", str(big), "--jobs", "0"])
    assert res.exit_code == 2 and "--jobs" in res.output


def test_corpus_object_with_errors_keeps_reading_errors_first(big):
    corpus = read_corpus(big)
    extra = Corpus(corpus.documents[:3] + [Document("blank", "\u200b")], corpus.errors)
    result = pt.Scorer().score(extra, jobs=2, min_docs=1, min_chars=1)
    assert [e.doc_id for e in result.errors] == ["binary", "empty", "blank"]


# --------------------------------------------------------------------------- the jieba engine's fast path


@pytest.mark.parametrize("hmm", [True, False], ids=["hmm", "no-hmm"])
def test_jieba_engine_gives_jiebas_own_tokens_on_real_documents(shared_corpora, hmm):
    """policytext's jieba path (block memo, one-look-up DAG) must give exactly what jieba's own code gives."""
    import jieba

    import policytext.tokenize as tokenize_module

    files = sorted((shared_corpora / "provincial_gwr").rglob("*.txt"))[:6]
    files += sorted((shared_corpora / "laws_regulations").rglob("*.txt"))[::150]
    texts = [pt.normalize_text(f.read_text("utf-8")) for f in files]
    assert sum(map(len, texts)) > 100_000
    words = ["无缝对接", "一网通办", "共建共治共享"]
    tok = pt.Tokenizer(engine="jieba", hmm=hmm, words=words)
    seg = tok._segmenter()
    reference = jieba.Tokenizer(seg.dictionary)  # jieba's own get_DAG/calc/cut, on the same dictionary
    reference.FREQ, reference.total, reference.initialized = dict(seg.FREQ), seg.total, True
    expected = [[t for t in reference.tokenize(text, HMM=hmm) if not t[0].isspace()] for text in texts]
    assert [tok.tokenize(text) for text in texts] == expected
    assert [tok.tokenize(text) for text in texts] == expected  # again, from the block memo
    assert tokenize_module.BLOCK_MEMO_CHARS > 0 and seg._policytext_blocks[hmm][0]
