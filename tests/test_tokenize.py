"""The tokenizer: private jieba state, pickling, scikit-learn use, stopwords, and the rjieba conformance test."""

import hashlib
import json
import pickle
from pathlib import Path
from concurrent.futures import ProcessPoolExecutor

import pytest

from policytext import Tokenizer
from policytext.errors import ConfigError
from policytext.lexicon import load_lexicon
from policytext.normalize import normalize_text
from policytext.cache import _code_points
from policytext.tokenize import ENGINES, char_kinds, is_word_token, load_stopwords

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


def _digest(tokens) -> str:
    """A short fingerprint of a token list, words and offsets: what the reference keeps of jieba's output."""
    return hashlib.sha256("\n".join(f"{s} {e} {w}" for w, s, e in tokens).encode("utf-8")).hexdigest()[:16]


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _read_normalised(name: str) -> str:
    raw = Path(name).read_bytes()
    try:
        return normalize_text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return normalize_text(raw.decode("gb18030", errors="replace"))


def _conformance_part(args):
    """Compare the engines on some files, in a worker process, with HMM on and off (each file read and
    normalised once for both). ``live``: the files jieba segments here; the others are compared with jieba's
    recorded tokens (``recorded``: text key -> digests for HMM on and off), or segmented live when the text is
    not recorded. Returns, per setting, the files whose tokens or spans differ; the files whose live jieba
    tokens differ from the record (a stale reference); the number of characters; the files segmented live."""
    paths, words, live, recorded = args
    engines = {hmm: (Tokenizer(engine="jieba", hmm=hmm, words=words), Tokenizer(engine="rjieba", hmm=hmm, words=words))
               for hmm in (True, False)}
    differ, stale, n_chars, n_live = {True: [], False: []}, [], 0, 0
    for name in paths:
        text = _read_normalised(name)
        n_chars += len(text)
        points = _code_points(text)
        record = recorded.get(_text_key(text))
        by_jieba = name in live or record is None
        n_live += by_jieba
        for i, (hmm, (ref, fast)) in enumerate(engines.items()):
            got = fast.tokenize(text)
            starts, ends = fast._spans(text, points)  # the array path scoring takes
            if list(zip(starts.tolist(), ends.tolist())) != [(s, e) for _, s, e in got]:
                differ[hmm].append(name)
                continue
            if by_jieba:
                expected = ref.tokenize(text)
                if record is not None and _digest(expected) != record[i]:
                    stale.append(name)
                if got != expected:
                    differ[hmm].append(name)
            elif _digest(got) != record[i]:
                differ[hmm].append(name)
    return differ, stale, n_chars, n_live


#: jieba's tokens of every text file of ``../shared/corpora``, recorded: for each normalised text (by its sha256)
#: the digest of jieba's tokens and offsets with HMM on and with HMM off, the default lexicon's terms injected
#: (``_digest``; no text of the corpora). Recorded with ``python tests/test_tokenize.py --record`` (about a
#: minute: jieba on 22 M characters twice); the header names jieba's version and the injected words, and a
#: record made with others is not used (every file is then segmented live).
REFERENCE = Path(__file__).parent / "data" / "jieba_reference.json"


def _reference_header() -> dict:
    import jieba

    words = [t.term for t in load_lexicon().terms if not t.is_glob]
    return {"jieba": jieba.__version__, "words": hashlib.sha256("\n".join(words).encode("utf-8")).hexdigest()}


def load_reference() -> dict:
    """The recorded digests, or {} when there is no record or it was made with another jieba or lexicon."""
    if not REFERENCE.is_file():
        return {}
    data = json.loads(REFERENCE.read_text("utf-8"))
    return data["texts"] if data.get("header") == _reference_header() else {}


#: The conformance test compares rjieba with jieba on every text file of ``../shared/corpora`` (3,436 files, 22.4 M
#: characters). jieba itself runs on a fixed slice (a third of the work): every file of every corpus except
#: ``laws_regulations``, and every LAWS_STEP-th file of that one (2,982 files, 17 M characters of legal text alike
#: in kind), in sorted order so each of its subfolders is represented; the other files are compared with jieba's
#: recorded tokens (REFERENCE), which the live slice checks against jieba as it runs. ``POLICYTEXT_CONFORMANCE=all``
#: runs jieba on every file (about 110 s of CPU): do so before taking a new jieba or rjieba version or changing how
#: policytext calls them.
LAWS_STEP = 6


def conformance_files(shared_corpora, everything: bool) -> list[str]:
    files = sorted(str(p) for p in shared_corpora.rglob("*.txt"))
    if everything:
        return files
    laws = str(shared_corpora / "laws_regulations") + "/"
    return [f for f in files if not f.startswith(laws)] + [f for f in files if f.startswith(laws)][::LAWS_STEP]


def run_conformance(files: list[str], live: set[str], recorded: dict):
    words = [t.term for t in load_lexicon().terms if not t.is_glob]
    with ProcessPoolExecutor(2) as pool:
        return list(pool.map(_conformance_part, [(files[i::2], words, live, recorded) for i in range(2)]))


@pytest.fixture(scope="module")
def conformance(shared_corpora):
    """Both engines on every text file of ``../shared/corpora``, HMM on and off, in two processes (one pass over
    the files serves both settings: each test below asserts one); jieba live on the slice above (on every file
    with ``POLICYTEXT_CONFORMANCE=all``), its record elsewhere."""
    import os

    everything = os.environ.get("POLICYTEXT_CONFORMANCE", "") == "all"
    files = conformance_files(shared_corpora, True)
    live = set(conformance_files(shared_corpora, everything))
    recorded = load_reference()
    return files, live, recorded, run_conformance(files, live, recorded)


def test_the_conformance_slice_covers_every_shared_corpus(shared_corpora):
    """The live slice keeps every file outside ``laws_regulations`` (the stopword list where the engines once
    differed among them) and files from each of ``laws_regulations``' subfolders."""
    every, part = conformance_files(shared_corpora, True), set(conformance_files(shared_corpora, False))
    laws = shared_corpora / "laws_regulations"
    assert {f for f in every if not f.startswith(str(laws) + "/")} <= part
    folders = {p.parent for p in laws.rglob("*.txt")}
    assert len(folders) >= 10 and all(any(f.startswith(str(d) + "/") for f in part) for d in folders)


@pytest.mark.parametrize("hmm", [True, False], ids=["hmm", "no-hmm"])
def test_rjieba_conformance_on_the_shared_corpora(conformance, hmm):
    """``--engine auto`` (the default) takes rjieba because it gives jieba's tokens, token for token and offset for
    offset, on every text file of ``../shared/corpora`` (laws and regulations, national and provincial work
    reports, smart-governance policies, State Council documents, congress reports, the segmentation corpus and
    the stopword lists: about 22 M characters), with the default lexicon's terms injected: jieba live on the
    slice, its recorded tokens elsewhere (or live where a text is not recorded)."""
    files, live, recorded, results = conformance
    assert len(files) > 3000
    differ = sorted(name for part, *_ in results for name in part[hmm])
    stale = sorted(set(name for _, part, *_ in results for name in part))
    n_chars = sum(n for _, _, n, _ in results)
    n_live = sum(n for *_, n in results)
    assert n_chars > 20_000_000
    assert n_live >= len(live) > 900
    assert differ == [], f"rjieba differs from jieba on {len(differ)} of {len(files)} files: {differ[:5]}"
    assert stale == [], (f"jieba's recorded tokens differ from its live ones on {len(stale)} files: {stale[:5]}; "
                         "record again: python tests/test_tokenize.py --record")


def test_the_jieba_record_covers_the_shared_corpora(shared_corpora):
    """The record is current (this jieba, this lexicon) and holds every shared text, so that rjieba is compared
    with jieba on every file in every run; a text it lacks would be segmented live, correct but slow."""
    recorded = load_reference()
    assert recorded, "no usable jieba record: python tests/test_tokenize.py --record"
    missing = [f for f in conformance_files(shared_corpora, True)
               if _text_key(_read_normalised(f)) not in recorded]
    assert missing == [], f"{len(missing)} shared texts are not recorded ({missing[:3]}): python tests/test_tokenize.py --record"


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
                              "1.2.3", "_", "--", "##", "1.5a", "5%5", "a-", "-1", "\x1c", "\x1f\x1c", "\x85",
                              "\u2028", "\r\n", "\r"])  # (jieba keeps \r\n in one word: a longer blank word)
    toks = [Tokenizer(engine=engine, hmm=hmm) for hmm in (True, False)]

    @settings(max_examples=200, deadline=None)
    @given(st.one_of(st.lists(pieces, max_size=25).map("".join), st.text(max_size=40)))
    def check(text):
        points = _code_points(text)
        for tok in toks:
            expected = [(s, e) for _, s, e in tok.tokenize(text)]
            for kinds in (None, char_kinds(text, points)):  # with the kinds of characters at hand, as scoring
                starts, ends = tok._spans(text, points, kinds)
                assert list(zip(starts.tolist(), ends.tolist())) == expected

    check()


def record_reference(shared_corpora: Path) -> None:
    """Write REFERENCE: jieba on every shared text file, HMM on and off, the lexicon injected."""
    files = conformance_files(shared_corpora, True)
    words = [t.term for t in load_lexicon().terms if not t.is_glob]
    with ProcessPoolExecutor(2) as pool:
        parts = list(pool.map(_record_part, [(files[i::2], words) for i in range(2)]))
    texts = {k: v for part in parts for k, v in part.items()}
    REFERENCE.write_text(json.dumps({"header": _reference_header(), "texts": dict(sorted(texts.items()))},
                                    separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{REFERENCE}: {len(texts)} texts of {len(files)} files")


def _record_part(args):
    paths, words = args
    ref = {hmm: Tokenizer(engine="jieba", hmm=hmm, words=words) for hmm in (True, False)}
    return {_text_key(text): [_digest(ref[True].tokenize(text)), _digest(ref[False].tokenize(text))]
            for text in map(_read_normalised, paths)}


def test_distribution_version_is_importlib_metadatas():
    """The engines' versions (in the cache key and manifests) read beside the module equal importlib's."""
    from importlib.metadata import version

    from policytext import tokenize

    for name in ("rjieba", "jieba", "numpy", "click", "opencc", "lxml", "pypdf", "charset-normalizer"):
        tokenize._versions.pop(name, None)
        assert tokenize.distribution_version(name) == version(name)
    assert tokenize._metadata_version("no_such_module_here") is None
    assert tokenize.distribution_version("no_such_module_here") == "unknown"


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python tests/test_tokenize.py --record   (jieba's tokens of ../shared/corpora, recorded)")
    record_reference(Path(__file__).resolve().parents[2] / "shared" / "corpora")

