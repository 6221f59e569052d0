"""The tokenizer: private jieba state, pickling, scikit-learn use, stopwords, and the rjieba conformance test."""

import pickle
from pathlib import Path
from concurrent.futures import ProcessPoolExecutor

import pytest

from policytext import Tokenizer
from policytext.errors import ConfigError
from policytext.lexicon import load_lexicon
from policytext.normalize import normalize_text
from policytext.cache import _code_points
from policytext.tokenize import ENGINES, is_word_token, load_stopwords

TEXT = "推动公共治理精细化，实现无缝对接，一网通办。"


def test_tokens_with_offsets_cover_the_text(tokenizer):
    toks = tokenizer.tokenize("推进 网格化管理，2025年")
    assert [w for w, _, _ in toks] == ["推进", "网格化", "管理", "，", "2025", "年"]
    for w, s, e in toks:
        assert "推进 网格化管理，2025年"[s:e] == w


def test_known_segmentations_of_jieba_0_42_1(tokenizer):
    assert tokenizer.cut("公共治理") == ["公共", "治理"]
    assert tokenizer.cut("精细化工") == ["精细化工"]
    assert tokenizer.cut("无缝钢管") == ["无缝钢管"]
    assert tokenizer.cut("数据共享") == ["数据共享"]
    assert tokenizer.cut("无缝对接") == ["无缝", "对接"]
    assert tokenizer.cut("一网通办") == ["一网通", "办"]


def test_call_drops_punctuation_and_stopwords(tokenizer):
    assert tokenizer("我们的社区治理，和基层自治。") == ["社区", "治理", "基层", "自治"]
    assert Tokenizer(stopwords=None)("我们的社区") == ["我们", "的", "社区"]
    assert Tokenizer(stopwords=["社区"])("我们的社区") == ["我们", "的"]
    assert Tokenizer(min_length=2, stopwords=None)("我们的社区") == ["我们", "社区"]


def test_injected_words_do_not_touch_the_global_jieba_dictionary():
    import jieba

    before = jieba.lcut("一网通办")
    tok = Tokenizer(words=["一网通办"])
    assert tok.cut("一网通办") == ["一网通办"]
    assert jieba.lcut("一网通办") == before == ["一网通", "办"]
    jieba.add_word("公共治理")  # someone else's global change does not reach us
    try:
        assert Tokenizer().cut("公共治理") == ["公共", "治理"]
    finally:
        jieba.del_word("公共治理")


def test_pickle_round_trip_keeps_configuration_and_tokens():
    tok = Tokenizer(words=["无缝对接"], hmm=False)
    tok(TEXT)  # build the segmenter: it must not be pickled
    clone = pickle.loads(pickle.dumps(tok))
    assert clone == tok and clone.config == tok.config
    assert clone(TEXT) == tok(TEXT)
    assert len(pickle.dumps(tok)) < 5000


def _tokens_in_child(tok):
    return tok(TEXT)


def test_works_across_processes():
    tok = Tokenizer(words=["无缝对接"])
    with ProcessPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(_tokens_in_child, [tok, tok])) == [tok(TEXT)] * 2


def test_plugs_into_countvectorizer():
    from sklearn.feature_extraction.text import CountVectorizer

    cv = CountVectorizer(tokenizer=Tokenizer(), token_pattern=None, lowercase=False)
    X = cv.fit_transform(["社区治理和社区自治", "基层治理"])
    vocab = cv.get_feature_names_out().tolist()
    assert vocab == sorted(["社区", "治理", "自治", "基层"])
    assert X[0, vocab.index("社区")] == 2


def test_config_names_what_determines_the_tokens():
    a, b = Tokenizer(), Tokenizer(words=["一网通办"])
    assert a.config["engine"] == "rjieba" and a.config["hmm"] is True
    assert len(a.config["dictionary_sha256"]) == 64
    assert a.config["injected_words_sha256"] != b.config["injected_words_sha256"]
    assert Tokenizer(hmm=False).config != a.config


def test_bad_settings_are_config_errors():
    with pytest.raises(ConfigError, match="unknown tokenizer engine"):
        Tokenizer(engine="pkuseg")
    with pytest.raises(ConfigError, match="stopword file not found"):
        Tokenizer(stopwords="/nonexistent/stop.txt")
    with pytest.raises(ConfigError, match="default dictionary"):
        Tokenizer(engine="rjieba", dictionary="x.txt")


def test_stopwords_and_word_tokens():
    stop = load_stopwords()
    assert {"的", "了", "和"} <= stop
    assert not stop & {"治理", "社会", "管理", "服务", "基层", "社区", "精细", "对接", "共享", "参与", "评估", "自治"}
    assert [is_word_token(t) for t in ["治理", "，", "2025", "——", "5G"]] == [True, False, True, False, True]


def test_rjieba_split_rule_matches_jieba_on_ascii_runs():
    text = "2006-2020年规划，5G-A网络，PM_2.5下降3.5%"
    for hmm in (True, False):
        assert Tokenizer(engine="rjieba", hmm=hmm).tokenize(text) == Tokenizer(hmm=hmm).tokenize(text)


def _conformance_part(args):
    """Compare the engines on some files, in a worker process, with HMM on and off (each file read and
    normalised once for both): per setting, the names of files whose tokens or spans differ; and the number of
    characters compared."""
    paths, words = args
    engines = {hmm: (Tokenizer(engine="jieba", hmm=hmm, words=words), Tokenizer(engine="rjieba", hmm=hmm, words=words))
               for hmm in (True, False)}
    differ, n_chars = {True: [], False: []}, 0
    for name in paths:
        raw = Path(name).read_bytes()
        try:
            text = normalize_text(raw.decode("utf-8"))
        except UnicodeDecodeError:
            text = normalize_text(raw.decode("gb18030", errors="replace"))
        n_chars += len(text)
        points = _code_points(text)
        for hmm, (ref, fast) in engines.items():
            expected = ref.tokenize(text)
            starts, ends = fast._spans(text, points)  # the array path scoring takes
            if expected != fast.tokenize(text) or \
                    list(zip(starts.tolist(), ends.tolist())) != [(s, e) for _, s, e in expected]:
                differ[hmm].append(name)
    return differ, n_chars


#: ``POLICYTEXT_CONFORMANCE=all`` compares the engines on every text file of ``../shared/corpora`` (3,436 files,
#: 22.4 M characters; about 110 s of CPU), and so does every CI run (``CI=true``, set by ``.ci/run``): do so
#: before taking a new jieba or rjieba version or changing how policytext calls them. A local run without either
#: compares a fixed slice (a third of the work): every file of
#: every corpus except ``laws_regulations``, and every LAWS_STEP-th file of that one (2,982 files, 17 M
#: characters of legal text alike in kind), in sorted order so each of its subfolders is represented.
LAWS_STEP = 6


def conformance_files(shared_corpora, everything: bool) -> list[str]:
    files = sorted(str(p) for p in shared_corpora.rglob("*.txt"))
    if everything:
        return files
    laws = str(shared_corpora / "laws_regulations") + "/"
    return [f for f in files if not f.startswith(laws)] + [f for f in files if f.startswith(laws)][::LAWS_STEP]


@pytest.fixture(scope="module")
def conformance(shared_corpora):
    """Both engines on the text files of ``../shared/corpora`` (the slice above, or every file with
    ``POLICYTEXT_CONFORMANCE=all``), HMM on and off, in two processes (one pass over the files serves both
    settings: each test below asserts one)."""
    import os

    # CI (CI=true, as .ci/run sets it) always compares every file: the default engine rests on this test
    everything = os.environ.get("POLICYTEXT_CONFORMANCE", "") == "all" or \
        os.environ.get("CI", "").lower() in ("true", "1", "yes")
    files = conformance_files(shared_corpora, everything)
    words = [t.term for t in load_lexicon().terms if not t.is_glob]
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(_conformance_part, [(files[i::2], words) for i in range(2)]))
    return everything, files, results


def test_the_conformance_slice_covers_every_shared_corpus(shared_corpora):
    """The default slice keeps every file outside ``laws_regulations`` (the stopword list where the engines once
    differed among them) and files from each of ``laws_regulations``' subfolders."""
    every, part = conformance_files(shared_corpora, True), set(conformance_files(shared_corpora, False))
    laws = shared_corpora / "laws_regulations"
    assert {f for f in every if not f.startswith(str(laws) + "/")} <= part
    folders = {p.parent for p in laws.rglob("*.txt")}
    assert len(folders) >= 10 and all(any(f.startswith(str(d) + "/") for f in part) for d in folders)


@pytest.mark.parametrize("hmm", [True, False], ids=["hmm", "no-hmm"])
def test_rjieba_conformance_on_the_shared_corpora(conformance, hmm):
    """``--engine auto`` (the default) takes rjieba because it gives jieba's tokens, token for token and offset for
    offset, on the text files of ``../shared/corpora`` (laws and regulations, national and provincial work
    reports, smart-governance policies, State Council documents, congress reports, the segmentation corpus and
    the stopword lists: every file, about 22 M characters, with ``POLICYTEXT_CONFORMANCE=all``; the slice above,
    about 7 M characters, otherwise), with the default lexicon's terms injected."""
    everything, files, results = conformance
    assert len(files) > (3000 if everything else 900)
    differ = sorted(name for part, _ in results for name in part[hmm])
    n_chars = sum(n for _, n in results)
    assert n_chars > (20_000_000 if everything else 6_000_000)
    assert differ == [], f"rjieba differs from jieba on {len(differ)} of {len(files)} files: {differ[:5]}"


def test_rjieba_takes_jieba_frequencies_and_total():
    """The one difference the conformance test found: a run such as 嗡嗡嗡 in a long block, segmented 嗡/嗡嗡 by
    rjieba and 嗡嗡/嗡 by jieba once the lexicon was injected. The two routes tie; which wins depends on the
    last bits of the log probabilities, and those on the dictionary total, which jieba and jieba-rs kept
    differently (and on the injected words' frequencies, which they suggested differently)."""
    words = [t.term for t in load_lexicon().terms if not t.is_glob]
    filler = "".join(f"{chr(0x4E00 + 37 * i % 20000)}{chr(0x4E00 + 53 * i % 20000)}" for i in range(400))
    # before the fix, jieba-rs with its own suggested frequencies differed here for some lengths (e.g. 100)
    texts = [filler[:n] + "嗳嗯嗬嗡嗡嗡喽喔唷" + filler[:n] for n in range(0, 801, 20)]
    for hmm in (True, False):
        ref = Tokenizer(engine="jieba", hmm=hmm, words=words)
        fast = Tokenizer(engine="rjieba", hmm=hmm, words=words)
        assert [fast.tokenize(t) for t in texts] == [ref.tokenize(t) for t in texts]


def test_shipped_frequency_table_equals_jieba(tmp_path):
    """``policytext/data/jieba_frequencies.json`` (read by the rjieba engine instead of building jieba's
    dictionary) equals a fresh computation with jieba. If this fails after a lexicon change, regenerate it:
    ``python -c "from policytext.lexicon import write_frequency_table; write_frequency_table()"``."""
    import json
    from importlib import resources

    from policytext.lexicon import write_frequency_table
    from policytext.tokenize import _FREQ_TABLE

    shipped = json.loads(resources.files("policytext").joinpath(_FREQ_TABLE).read_text("utf-8"))
    fresh = json.loads(write_frequency_table(path=tmp_path / "freqs.json").read_text("utf-8"))
    assert shipped == fresh


def test_auto_engine_is_rjieba_with_the_default_dictionary(tmp_path):
    assert Tokenizer().engine == "rjieba" and Tokenizer(engine="auto").config["engine"] == "rjieba"
    own = tmp_path / "dict.txt"
    own.write_text("治理 100 n\n精细化 50 n\n", encoding="utf-8")
    assert Tokenizer(dictionary=str(own)).engine == "jieba"
    assert Tokenizer(engine="jieba").config["engine"] == "jieba"
    assert Tokenizer(engine="rjieba").config != Tokenizer(engine="jieba").config  # different cache keys


@pytest.mark.parametrize("engine", ENGINES)
def test_spans_equal_tokenize_offsets(engine):
    """Scoring takes token offsets from ``_spans`` (arrays); they must be exactly ``tokenize``'s."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from(["推进", "精细化", "治理", "2006-2020", "5G-A", "3.5%", "x.y", "a b", "PM_2.5", "年",
                              " ", "\t", "\n", "\u3000", "\xa0", "，", "-", ".", "%", "\U00020000", "𠀀治", "ab",
                              "1.2.3", "_", "--"])
    toks = [Tokenizer(engine=engine, hmm=hmm) for hmm in (True, False)]

    @settings(max_examples=200, deadline=None)
    @given(st.one_of(st.lists(pieces, max_size=25).map("".join), st.text(max_size=40)))
    def check(text):
        for tok in toks:
            starts, ends = tok._spans(text, _code_points(text))
            assert list(zip(starts.tolist(), ends.tolist())) == [(s, e) for _, s, e in tok.tokenize(text)]

    check()
