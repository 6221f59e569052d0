"""The tokenizer: private jieba state, pickling, scikit-learn use, stopwords, and the rjieba conformance test."""

import pickle
import random
from concurrent.futures import ProcessPoolExecutor

import pytest

from policytext import Tokenizer
from policytext.errors import ConfigError
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
    assert a.config["engine"] == "jieba" and a.config["hmm"] is True
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


def _real_documents(shared_corpora):
    files = sorted((shared_corpora / "gwr").glob("*.txt")) + sorted((shared_corpora / "provincial_gwr").glob("202*/*.txt"))
    laws = sorted((shared_corpora / "laws_regulations").rglob("*.txt"))
    random.Random(7).shuffle(laws)
    return files + laws[:150]


@pytest.mark.parametrize("hmm", [True, False], ids=["hmm", "no-hmm"])
def test_rjieba_conformance_on_real_documents(shared_corpora, hmm):
    """The rjieba engine is allowed because it gives jieba's tokens, token for token, on real documents."""
    files = _real_documents(shared_corpora)
    assert len(files) > 250
    words = ["无缝对接", "一网通办", "共建共治共享"]  # injected words must behave the same too
    ref, fast = Tokenizer(hmm=hmm, words=words), Tokenizer(engine="rjieba", hmm=hmm, words=words)
    differ, spans_differ = [], []
    for f in files:
        text = normalize_text(f.read_text("utf-8"))
        expected = ref.tokenize(text)
        if expected != fast.tokenize(text):
            differ.append(f.name)
        starts, ends = fast._spans(text, _code_points(text))  # the array path scoring takes
        if list(zip(starts.tolist(), ends.tolist())) != [(s, e) for _, s, e in expected]:
            spans_differ.append(f.name)
    assert differ == [], f"rjieba differs from jieba on {len(differ)} of {len(files)} documents: {differ[:5]}"
    assert spans_differ == [], f"rjieba's spans differ from jieba's tokens on {spans_differ[:5]}"


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
