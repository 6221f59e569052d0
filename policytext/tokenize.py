"""The tokenizer: a private jieba instance wrapped in a picklable callable.

``Tokenizer()`` never touches the global ``jieba`` dictionary: each configuration gets its own
``jieba.Tokenizer`` built from a copy of the dictionary, so words injected here do not change other code's
segmentation in the same process, and theirs do not change ours. Tokenizers with the same configuration
share one segmenter per process (built on first use; a few configurations are kept).

Two methods serve two uses:

* :meth:`Tokenizer.tokenize` returns every non-whitespace token with its character offsets. Scoring and
  keyword-in-context matching use it (punctuation included, so that a term never matches across it).
* calling the tokenizer (``tok(text)``) returns the word tokens for counting and topic models: punctuation,
  symbols, whitespace and stopwords removed. It plugs into scikit-learn::

      CountVectorizer(tokenizer=Tokenizer(), token_pattern=None, lowercase=False)

Neither method normalises; pass text through :func:`policytext.normalize_text` first (the corpus functions do).

The configuration (engine, HMM flag, injected words, dictionary hash) is :attr:`Tokenizer.config` and goes
into every run manifest.

>>> tok = Tokenizer()
>>> tok("推动公共治理精细化，实现无缝对接")  # 推动 and 实现 are stopwords
['公共', '治理', '精细化', '无缝', '对接']
>>> tok.tokenize("无缝钢管")
[('无缝钢管', 0, 4)]
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import unicodedata
from importlib import resources
from math import log
from operator import not_
from itertools import accumulate, chain, compress
from pathlib import Path
from typing import Iterable

from .errors import ConfigError

__all__ = ["ENGINES", "Tokenizer", "is_word_token", "load_stopwords", "sentence_start_array", "sentence_starts"]

#: engines policytext can tokenize with; ``rjieba`` (jieba-rs) is used only where the conformance test
#: in ``tests/test_tokenize.py`` shows token-for-token agreement with jieba (see ``docs/semantics.md``);
#: ``auto`` is rjieba with jieba's default dictionary (the configuration that test covers), jieba otherwise.
ENGINES = ("auto", "jieba", "rjieba")

# jieba's HMM path (``finalseg.cut``) splits a run of non-CJK characters at this pattern; jieba-rs keeps the
# run whole (``2006-2020``, ``5G-A``). Splitting rjieba's tokens the same way makes the two engines agree.
_JIEBA_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
_ALNUM_RUN = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?%?")
_lock = threading.Lock()
_base_dicts: dict[str, tuple[dict, int, str]] = {}
_file_digests: dict[str, str] = {}
# built segmenters, shared by the Tokenizers of one configuration in this process (and inherited by forked
# workers): building one costs 0.1-1 s. Keyed by (engine, dictionary path, injected words); a few are kept.
_seg_lock = threading.Lock()
_segmenters: dict[tuple, object] = {}
_MAX_SEGMENTERS = 4


def _rjieba_class():
    """``rjieba.Jieba``, taken from rjieba's compiled module without running ``rjieba/__init__.py``, which
    builds a default segmenter at import (about 0.1 s) that policytext never uses; plain ``import rjieba``
    if the module cannot be found that way."""
    import sys

    module = sys.modules.get("rjieba.rjieba")
    if module is None:
        try:
            import importlib.machinery
            import importlib.util

            package = importlib.util.find_spec("rjieba")
            location = package.submodule_search_locations[0]
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = os.path.join(location, "rjieba" + suffix)
                if os.path.isfile(path):
                    spec = importlib.util.spec_from_file_location("rjieba.rjieba", path)
                    module = importlib.util.module_from_spec(spec)
                    spec.loader.exec_module(module)
                    # registered, so that a later ``import rjieba`` reuses it (a compiled module is
                    # initialised once per process)
                    sys.modules["rjieba.rjieba"] = module
                    break
        except Exception:  # noqa: BLE001 - any surprise: the ordinary import below
            module = None
        if module is None:
            import rjieba

            return rjieba.Jieba
    return module.Jieba


def _dictionary_path(dictionary: str | None) -> str:
    if dictionary is None:
        # found without importing jieba (its import loads pkg_resources: about 0.1 s that the rjieba engine
        # would pay for nothing)
        from importlib.util import find_spec

        spec = find_spec("jieba")
        if spec is None or not spec.origin:
            raise ConfigError("jieba is not installed; pip install jieba")
        return os.path.join(os.path.dirname(spec.origin), "dict.txt")
    path = Path(dictionary)
    if not path.is_file():
        raise ConfigError(f"jieba dictionary not found: {dictionary}")
    return str(path.resolve())


def _base_dictionary(path: str) -> tuple[dict, int, str]:
    """The prefix dictionary for ``path``, built once per process: (FREQ, total, sha256 of the file)."""
    with _lock:
        if path not in _base_dicts:
            import jieba

            builder = jieba.Tokenizer(path)
            with open(path, "rb") as fh:
                freq, total = builder.gen_pfdict(fh)
            with open(path, "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
            _base_dicts[path] = (freq, total, digest)
        return _base_dicts[path]


def _file_sha256(path: str) -> str:
    """sha256 of a dictionary file, computed once per process (without building the prefix dictionary)."""
    with _lock:
        if path not in _file_digests:
            with open(path, "rb") as fh:
                _file_digests[path] = hashlib.sha256(fh.read()).hexdigest()
        return _file_digests[path]


#: a dictionary entry no text can contain: noncharacters, outside every jieba block (see _rjieba_frequencies)
_TOTAL_FILLER = "\ufdd0\ufdd1\ufdd2\ufdd3"
_FREQ_TABLE = "data/jieba_frequencies.json"


def _words_sha256(words: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(words).encode("utf-8")).hexdigest()


def _compute_frequencies(path: str, words: tuple[str, ...]) -> tuple[list[int], int]:
    """What jieba 0.42.1 does when ``words`` are added one by one as the jieba engine adds them
    (``add_word(w, freq=suggest_freq(w, False))``): the frequency each word gets, and how much larger jieba's
    ``total`` ends than jieba-rs's would after ``add_word`` with the same frequencies.

    The two totals differ in two ways: jieba sums every line of the dictionary file, jieba-rs only the last
    line of a word listed twice (``B超`` is, in jieba's dictionary); and when a word is added that the
    dictionary already has, jieba adds the new frequency to the total, jieba-rs replaces the old one. The
    total enters every word's log probability, so a different total changes a segmentation wherever two
    routes tie (a run such as 嗡嗡嗡 in a long block); it is the one thing that made the engines differ.
    """
    import jieba

    freq, total, _ = _base_dictionary(path)
    seg = jieba.Tokenizer(path)
    seg.FREQ, seg.total = dict(freq), total
    seg.initialized = True
    delta = total - sum(freq.values())  # the prefix dictionary keeps the last frequency of each word
    out = []
    for w in words:
        f = seg.suggest_freq(w, False)
        delta += seg.FREQ.get(w, 0)  # jieba-rs takes the old frequency off; jieba does not
        seg.add_word(w, freq=f)
        out.append(f)
    return out, delta


def _rjieba_frequencies(path: str, words: tuple[str, ...]) -> tuple[list[int], int]:
    """:func:`_compute_frequencies`, read from the table shipped for the default lexicon's words where it
    applies (building jieba's dictionary to compute them costs about a second)."""
    import json

    table = json.loads(resources.files("policytext").joinpath(_FREQ_TABLE).read_text("utf-8"))
    entry = table["word_lists"].get(_words_sha256(words))
    if entry is not None and table["dictionary_sha256"] == _file_sha256(path) and len(entry["freqs"]) == len(words):
        return entry["freqs"], entry["total_delta"]
    return _compute_frequencies(path, words)


def write_frequency_table(word_lists: Iterable[Iterable[str]], path: str | os.PathLike | None = None) -> Path:
    """Write the table :func:`_rjieba_frequencies` reads (``policytext/data/jieba_frequencies.json``).

    Parameters
    ----------
    word_lists : iterable of iterable of str
        The injected word lists to tabulate (``()`` for none). The shipped table holds none and the default
        lexicon's terms: :func:`policytext.lexicon.write_frequency_table` writes it (this module sits below
        the lexicon and does not load it).
    path : str or os.PathLike, optional
        Where to write; default: the package's data file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    import json

    dict_path = _dictionary_path(None)
    lists = {}
    for words in word_lists:
        words = Tokenizer(engine="jieba", words=words).words  # deduplicated as a Tokenizer keeps them
        freqs, delta = _compute_frequencies(dict_path, words)
        lists[_words_sha256(words)] = {"n_words": len(words), "freqs": freqs, "total_delta": delta}
    target = Path(path) if path is not None else Path(__file__).parent / _FREQ_TABLE
    target.write_text(json.dumps({"dictionary_sha256": _file_sha256(dict_path), "word_lists": lists},
                                 ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return target


def load_stopwords(source: str | os.PathLike | Iterable[str] | None = "default") -> frozenset[str]:
    """Stopwords from the shipped list (``"default"``), a file (one per line, ``#`` comments), an iterable, or none.

    >>> "的" in load_stopwords(), "治理" in load_stopwords(), len(load_stopwords(None))
    (True, False, 0)
    """
    if source is None:
        return frozenset()
    if isinstance(source, str) and source == "default":
        lines = resources.files("policytext").joinpath("data/stopwords_zh.txt").read_text("utf-8").splitlines()
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"stopword file not found: {source}")
        lines = path.read_text("utf-8-sig").splitlines()
    else:
        lines = list(source)
    return frozenset(w.strip() for w in lines if w.strip() and not w.lstrip().startswith("#"))


def is_word_token(token: str) -> bool:
    """True if the token holds a letter, digit or ideograph (not only punctuation, symbols or spaces).

    >>> is_word_token("治理"), is_word_token("，"), is_word_token("2025"), is_word_token("——")
    (True, False, True, False)
    """
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


#: characters of jieba blocks whose words each segmenter remembers (then it starts afresh)
BLOCK_MEMO_CHARS = 1_000_000


#: texts longer than this are tokenized in slices cut after a clause-ending mark (see :func:`clause_slices`)
SLICE_CHARS = 1_000_000
#: marks after which a text may be cut: jieba (and jieba-rs) put each of them in a token of its own, outside the
#: runs of CJK, letters and digits it segments, so the words on either side do not depend on the cut
_CUT_AFTER = re.compile("[。！？；，、,;!?]")  # NFKC makes ，；！？ ASCII before tokenizing


def clause_slices(text: str, size: int = SLICE_CHARS) -> list[tuple[int, int]]:
    """``(start, end)`` slices covering ``text``, each ending right after a clause-ending mark (。！？；，、) at or
    before ``size`` characters from its start when there is one; a slice without such a mark is cut at
    ``size`` only where the characters on both sides are outside jieba's blocks and not white space, else
    it runs on to the next mark. Tokenizing the slices one by one gives exactly the tokens of the whole text
    (``tests/test_adversarial.py`` checks it for both engines, HMM on and off)."""
    out, start, n = [], 0, len(text)
    while start < n:
        end = min(start + size, n)
        if end < n:
            window = text[start + size // 2:end]
            marks = [m.end() for m in _CUT_AFTER.finditer(window)]
            if marks:
                end = start + size // 2 + marks[-1]
            else:
                following = _CUT_AFTER.search(text, end)
                end = following.end() if following else n
        out.append((start, end))
        start = end
    return out


def _jieba_words(seg, text: str, hmm: bool) -> list[str]:
    """``seg.lcut(text, HMM=hmm)``, the same words, faster on repetitive text.

    jieba cuts text into blocks (runs of CJK, letters and digits between punctuation and spaces) and segments
    each block on its own, so a block's words never depend on its neighbours. Government documents repeat
    their clauses, so each segmenter remembers the words of the blocks it has seen (up to
    ``BLOCK_MEMO_CHARS`` characters); everything else is jieba 0.42.1's ``Tokenizer.cut`` (default mode).
    """
    import jieba

    re_han, re_skip = jieba.re_han_default, jieba.re_skip_default
    cut_block = seg._Tokenizer__cut_DAG if hmm else seg._Tokenizer__cut_DAG_NO_HMM
    memos = seg.__dict__.setdefault("_policytext_blocks", {True: [{}, 0], False: [{}, 0]})
    memo_size = memos[hmm]
    memo = memo_size[0]
    words: list[str] = []
    extend = words.extend
    for blk in re_han.split(text):
        if not blk:
            continue
        if re_han.match(blk):
            cut = memo.get(blk)
            if cut is None:
                cut = tuple(cut_block(blk))
                if memo_size[1] > BLOCK_MEMO_CHARS:
                    memo.clear()
                    memo_size[1] = 0
                memo[blk] = cut
                memo_size[1] += len(blk)
            extend(cut)
        else:
            for x in re_skip.split(blk):
                if re_skip.match(x):
                    words.append(x)
                else:
                    extend(x)  # one word per character, as jieba yields them
    return words


def _install_fast_dag(seg) -> None:
    """Give a private ``jieba.Tokenizer`` faster, exact ``get_DAG`` and ``calc`` (jieba 0.42.1's algorithm).

    The same route through the same candidates with the same floating-point sums, computed with one
    dictionary look-up per candidate word instead of three; jieba's own ``__cut_DAG`` uses them unchanged.
    ``tests/test_parallel.py`` checks the tokens against jieba's own on real documents.
    """
    get = seg.FREQ.get

    def get_DAG(sentence):  # noqa: N802 - jieba's name
        n = len(sentence)
        dag = []
        for k in range(n):
            candidates = []
            i = k
            freq = get(sentence[k])
            while freq is not None:  # FREQ holds every prefix of every word (prefixes with frequency 0)
                if freq:
                    candidates.append((i, log(freq)))
                i += 1
                if i >= n:
                    break
                freq = get(sentence[k:i + 1])
            dag.append(candidates or [(k, log(get(sentence[k]) or 1))])
        return dag

    def calc(sentence, dag, route):
        n = len(sentence)
        route[n] = (0, 0)
        logtotal = log(seg.total)
        for idx in range(n - 1, -1, -1):
            candidates = dag[idx]
            if len(candidates) == 1:
                x, logfreq = candidates[0]
                route[idx] = (logfreq - logtotal + route[x + 1][0], x)
            else:
                route[idx] = max((logfreq - logtotal + route[x + 1][0], x) for x, logfreq in candidates)

    seg.get_DAG = get_DAG
    seg.calc = calc


def _split_like_jieba(words: list[str]) -> list[str]:
    """Split rjieba's multi-character non-CJK words as jieba's HMM path does (``2006-2020`` -> 2006/-/2020)."""
    # only ASCII words can need it; str.isascii is O(1) and compress() finds them without a Python loop
    todo = [i for i in compress(range(len(words)), map(str.isascii, words))
            if len(words[i]) > 1 and not _ALNUM_RUN.fullmatch(words[i])]
    if not todo:
        return words
    out: list[str] = []
    done = 0
    for i in todo:
        out.extend(words[done:i])
        out.extend(part for part in _JIEBA_SKIP.split(words[i]) if part)
        done = i + 1
    out.extend(words[done:])
    return out


# character kinds for array work on code points: whitespace (str.isspace) or other
_OTHER, _SPACE = 0, 1
_kinds = None


def _char_kinds():
    """The kind of each character of the Basic Multilingual Plane (uint8 array of 65536), built once."""
    global _kinds
    if _kinds is None:
        import numpy as np

        kinds = np.full(0x10000, _OTHER, dtype=np.uint8)
        kinds[[i for i in range(0x10000) if chr(i).isspace()]] = _SPACE
        _kinds = kinds
    return _kinds


_ascii_classes = None


def _ascii_class_table():
    """0 for an ASCII character other than a letter or digit, 1 for an ASCII letter or digit, 2 (at index 128)
    for any other character: the classes :func:`_split_spans_like_jieba` looks up, built once."""
    global _ascii_classes
    if _ascii_classes is None:
        import numpy as np

        table = np.zeros(129, dtype=np.uint8)
        table[128] = 2
        table[[ord(c) for c in map(chr, range(128)) if c.isalnum()]] = 1
        _ascii_classes = table
    return _ascii_classes


def _split_spans_like_jieba(text: str, points, starts, ends, kinds=None):
    """:func:`_split_like_jieba` on word spans. Splitting changes only a word of ASCII characters that holds a
    letter or digit (a match of the pattern) and is not one plain run of them (else :func:`_split_like_jieba`
    leaves it whole), so a word holding both a letter or digit and another ASCII character: somewhere in it
    two neighbours are one of each. Arrays find those pairs of neighbours and the words holding both of a pair
    (usually none or a few); Python checks those words and splits the ones that need it. ``kinds``: the
    :func:`char_kinds` of ``text``, if at hand (their ASCII bits serve instead of a look-up on ``points``)."""
    import numpy as np

    if kinds is None:
        kind = _ascii_class_table()[np.minimum(points, 128)]
        pairs = np.flatnonzero((kind[:-1] + kind[1:]) == 1)  # i: character i and i + 1 are one of each
    else:
        kind = kinds & (KIND_ASCII_WORD | KIND_ASCII_OTHER)
        pairs = np.flatnonzero((kind[:-1] | kind[1:]) == (KIND_ASCII_WORD | KIND_ASCII_OTHER))
    if not len(pairs):
        return starts, ends
    # the word holding character i (the words cover the text end to end), kept if it holds i + 1 too
    holder = np.searchsorted(ends, pairs, side="right")
    todo = np.unique(holder[ends[holder] > pairs + 1])
    new_starts, new_ends, done = [], [], 0
    for i, start, end in zip(todo.tolist(), starts[todo].tolist(), ends[todo].tolist()):
        word = text[start:end]
        if not word.isascii() or word.isalnum() or _ALNUM_RUN.fullmatch(word):
            continue
        new_starts.append(starts[done:i])
        new_ends.append(ends[done:i])
        cuts = [start]
        for part in _JIEBA_SKIP.split(word):
            if part:
                cuts.append(cuts[-1] + len(part))
        new_starts.append(np.array(cuts[:-1], dtype=np.int64))
        new_ends.append(np.array(cuts[1:], dtype=np.int64))
        done = i + 1
    if not new_starts:
        return starts, ends
    new_starts.append(starts[done:])
    new_ends.append(ends[done:])
    return np.concatenate(new_starts), np.concatenate(new_ends)


_versions: dict[str, str] = {}


def distribution_version(name: str) -> str:
    """The installed version of the distribution ``name`` (whose top-level module is ``name`` with ``-`` as
    ``_``), as ``importlib.metadata.version`` gives it, or ``"unknown"``. Read from the one
    ``<module>-*.dist-info/METADATA`` beside the module, found without importing it (importing rjieba builds a
    segmenter; importing ``importlib.metadata`` costs 12 ms of a warm run); anything else asks
    ``importlib.metadata``."""
    found = _versions.get(name)
    if found is None:
        found = _versions[name] = _metadata_version(name) or _importlib_version(name)
    return found


def _metadata_version(name: str) -> str | None:
    from importlib.util import find_spec

    name = name.replace("-", "_")
    try:
        spec = find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    metas = list(Path(spec.origin).parent.parent.glob(f"{name}-*.dist-info/METADATA"))
    if len(metas) != 1:
        return None
    try:
        with open(metas[0], encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
                if not line.strip():  # the end of the headers
                    break
    except OSError:
        return None
    return None


def _importlib_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover - installed from a checkout without metadata
        return "unknown"


class Tokenizer:
    """Segment Chinese text with a private jieba instance.

    Parameters
    ----------
    engine : ``"auto"`` (the default: ``"rjieba"`` with jieba's default dictionary, ``"jieba"`` with another),
        ``"jieba"`` (jieba 0.42.1, the reference) or ``"rjieba"`` (jieba-rs: same dictionary, algorithm and
        tokens, several times faster; allowed only with the default dictionary). :attr:`engine` holds the
        engine chosen.
    hmm : use jieba's HMM for words not in the dictionary (jieba's default, ``True``).
    words : words to add to this tokenizer's dictionary (e.g. lexicon terms), each kept whole by jieba's
        ``suggest_freq`` rule. The global jieba dictionary is never changed.
    stopwords : ``"default"`` (the list shipped in ``policytext/data/stopwords_zh.txt``), a file, an iterable,
        or ``None``. Only :meth:`__call__` removes them; matching never does.
    dictionary : a jieba dictionary file instead of jieba's own.
    min_length : shortest token (in characters) that :meth:`__call__` keeps (1 keeps all).
    """

    def __init__(self, engine: str = "auto", hmm: bool = True, words: Iterable[str] = (),
                 stopwords="default", dictionary: str | None = None, min_length: int = 1):
        if engine not in ENGINES:
            raise ConfigError(f"unknown tokenizer engine {engine!r}; choose one of: {', '.join(ENGINES)}")
        if engine == "rjieba" and dictionary is not None:
            raise ConfigError("the rjieba engine supports only jieba's default dictionary; use --engine jieba")
        if engine == "auto":
            engine = "rjieba" if dictionary is None else "jieba"
        self.engine = engine
        self.hmm = bool(hmm)
        self.words = tuple(dict.fromkeys(w.strip() for w in words if w and w.strip()))
        self.stopwords = stopwords if stopwords is None or isinstance(stopwords, str) else frozenset(stopwords)
        self.dictionary = dictionary
        self.min_length = int(min_length)
        if isinstance(stopwords, (str, os.PathLike)) and stopwords != "default" and not Path(stopwords).is_file():
            raise ConfigError(f"stopword file not found: {stopwords}")
        self._stop: frozenset[str] | None = None  # loaded on first use: scoring never needs them
        self._seg = None

    # -- configuration -------------------------------------------------------------------------------
    @property
    def config(self) -> dict:
        """Everything that determines the tokens, for manifests and cache keys."""
        path = _dictionary_path(self.dictionary)
        digest = _file_sha256(path)  # hashing the file only: a cached run never needs the segmenter
        words = "\n".join(self.words)
        return {
            "engine": self.engine,
            "engine_version": self._engine_version(),
            "hmm": self.hmm,
            "dictionary": "jieba default" if self.dictionary is None else path,
            "dictionary_sha256": digest,
            "injected_words": len(self.words),
            "injected_words_sha256": hashlib.sha256(words.encode("utf-8")).hexdigest(),
            **({"frequencies": "jieba 0.42.1"} if self.engine == "rjieba" else {}),
        }

    def _engine_version(self) -> str:
        return distribution_version(self.engine)

    def __repr__(self) -> str:
        return (f"Tokenizer(engine={self.engine!r}, hmm={self.hmm}, words={len(self.words)}, "
                f"dictionary={self.dictionary!r})")

    def __eq__(self, other) -> bool:
        return isinstance(other, Tokenizer) and self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash((self.engine, self.hmm, self.words, self.dictionary, self.min_length))

    # -- pickling: keep the arguments, rebuild the segmenter lazily -------------------------------------
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_seg"] = None
        state["_stop"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    # -- segmentation --------------------------------------------------------------------------------
    def _segmenter(self):
        if self._seg is None:
            key = (self.engine, _dictionary_path(self.dictionary), self.words)
            with _seg_lock:
                seg = _segmenters.pop(key, None)
                if seg is None:
                    seg = self._build()
                _segmenters[key] = seg  # most recently used last
                while len(_segmenters) > _MAX_SEGMENTERS:
                    del _segmenters[next(iter(_segmenters))]
            self._seg = seg
        return self._seg

    def _build(self):
        path = _dictionary_path(self.dictionary)
        if self.engine == "jieba":
            import jieba

            freq, total, _ = _base_dictionary(path)
            seg = jieba.Tokenizer(path)
            seg.FREQ, seg.total = dict(freq), total
            seg.initialized = True
            for w in self.words:
                seg.add_word(w, freq=seg.suggest_freq(w, False))
            _install_fast_dag(seg)
            return seg
        # jieba's frequencies and jieba's total (see _compute_frequencies), so both engines compute the same
        # log probabilities, bit for bit; the filler entry is in no block of any text
        freqs, delta = _rjieba_frequencies(path, self.words)
        seg = _rjieba_class()()
        for w, f in zip(self.words, freqs):
            seg.add_word(w, f, None)
        if delta:
            seg.add_word(_TOTAL_FILLER, delta, None)
        return seg

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        """All tokens except pure whitespace.

        Parameters
        ----------
        text : str
            The (normalised) text.

        Returns
        -------
        list of tuple of (str, int, int)
            ``(token, start, end)``, character offsets into ``text``.
        """
        # the words cover the text end to end, so offsets are running sums of lengths, as jieba's own
        # tokenize() computes them; zip/accumulate build the tuples in C (a generator per token is slower)
        words = self._words(text)
        ends = list(accumulate(map(len, words)))
        keep = map(not_, map(str.isspace, words))
        return list(compress(zip(words, chain((0,), ends), ends), keep))

    def _words(self, text: str) -> list[str]:
        """The engine's words, whitespace included: they cover ``text`` end to end."""
        seg = self._segmenter()
        if self.engine == "jieba":
            return _jieba_words(seg, text, self.hmm)
        words = seg.cut(text, self.hmm)
        return _split_like_jieba(words) if self.hmm else words

    def _spans(self, text: str, points, kinds=None) -> tuple:
        """The ``(starts, ends)`` of the tokens :meth:`tokenize` gives, as int64 arrays, computed with numpy
        instead of a Python tuple per token (what scoring needs). ``points`` is ``text`` as UTF-32 code points
        (a ``numpy.uint32`` array); ``kinds`` its :func:`char_kinds`, if at hand. ``tests/test_tokenize.py``
        checks it against :meth:`tokenize`."""
        import numpy as np

        slices = clause_slices(text, SLICE_CHARS) if len(text) > SLICE_CHARS else [(0, len(text))]
        if len(slices) > 1:  # a long text in slices: one slice's words in memory at a time (issue 13.10)
            parts = [self._slice_spans(text[a:b], points[a:b], None if kinds is None else kinds[a:b])
                     for a, b in slices]
            return (np.concatenate([s + a for (s, _), (a, _) in zip(parts, slices)]),
                    np.concatenate([e + a for (_, e), (a, _) in zip(parts, slices)]))
        return self._slice_spans(text, points, kinds)

    def _slice_spans(self, text: str, points, kinds=None) -> tuple:
        """:meth:`_spans` of one slice (or of a whole text that needs none)."""
        import numpy as np

        seg = self._segmenter()
        words = _jieba_words(seg, text, self.hmm) if self.engine == "jieba" else seg.cut(text, self.hmm)
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        ends = np.cumsum(lengths)
        starts = ends - lengths
        if self.engine == "rjieba" and self.hmm:
            starts, ends = _split_spans_like_jieba(text, points, starts, ends, kinds)
        # the words cover the text end to end; drop those made of whitespace only (str.isspace): look at the
        # words that start with whitespace (one character each, as jieba and jieba-rs cut it), not at every
        # character
        if not len(starts):
            return starts, ends
        n = len(points)
        first = starts if starts[-1] < n else np.minimum(starts, n - 1)  # (an empty word may start at the end)
        if kinds is None:  # none above U+FFFF is whitespace
            keep = _char_kinds()[np.minimum(points[first], 0xFFFF)] != _SPACE
        else:
            keep = (kinds[first] & KIND_SPACE) == 0
        blank = np.flatnonzero(~keep)
        if not len(blank):
            return starts, ends
        lengths = ends[blank] - starts[blank]
        keep[blank[lengths == 0]] = True
        longer = blank[lengths > 1]
        for i, a, b in zip(longer.tolist(), starts[longer].tolist(), ends[longer].tolist()):
            keep[i] = not text[a:b].isspace()
        return starts[keep], ends[keep]

    def cut(self, text: str) -> list[str]:
        """jieba's plain segmentation, for comparison and debugging.

        Parameters
        ----------
        text : str
            Any text, as read or normalised.

        Returns
        -------
        list of str
            The words, whitespace tokens included.
        """
        seg = self._segmenter()
        return seg.lcut(text, HMM=self.hmm) if self.engine == "jieba" else seg.cut(text, self.hmm)

    def __call__(self, text: str) -> list[str]:
        """Word tokens for counting (what ``CountVectorizer(tokenizer=...)`` calls).

        Parameters
        ----------
        text : str
            The text.

        Returns
        -------
        list of str
            Tokens without punctuation, symbols, whitespace or stopwords, each at least ``min_length`` long.
        """
        if self._stop is None:
            self._stop = load_stopwords(self.stopwords)
        stop, n = self._stop, self.min_length
        return [w for w, _, _ in self.tokenize(text) if len(w) >= n and w not in stop and is_word_token(w)]


# -- sentences ------------------------------------------------------------------------------------------------
# Here rather than in policytext.matching (which re-exports it) so that the token cache, which stores each
# entry's sentence starts, sits above it, and its key covers this code (the source of this module is in it).
_SENTENCE_WORD = re.compile(r"[^\W_]")
_SENTENCE_NON_SPACE = re.compile(r"\S")
#: the bits of :func:`char_kinds`: sentence end, line break, closing mark, whitespace, letter or digit; ASCII letter
#: or digit, other ASCII character (what :func:`_split_spans_like_jieba` looks for)
KIND_END, KIND_BREAK, KIND_CLOSE, KIND_SPACE, KIND_WORD = 1, 2, 4, 8, 16
KIND_ASCII_WORD, KIND_ASCII_OTHER = 32, 64
_sentence_kinds = None


def _sentence_table():
    """For each character of the Basic Multilingual Plane, what :func:`policytext.matching.split_sentences`
    makes of it (a uint8 array of 65536): sentence end (``。！？；!?;``), line break, closing mark, whitespace
    (``\\s``, which is ``str.isspace``), word character (``[^\\W_]``, which is ``str.isalnum``); and whether it
    is an ASCII letter or digit or another ASCII character (for :func:`_split_spans_like_jieba`); built once
    per process."""
    global _sentence_kinds
    if _sentence_kinds is None:
        import numpy as np

        kinds = np.zeros(0x10000, dtype=np.uint8)
        bmp = "".join(map(chr, range(0xD800))) + "\0" * 0x800 + "".join(map(chr, range(0xE000, 0x10000)))
        for pattern, kind in ((_SENTENCE_WORD, KIND_WORD), (re.compile(r"\s"), KIND_SPACE)):
            kinds[[m.start() for m in pattern.finditer(bmp)]] |= kind
        kinds[0xD800:0xE000] = 0
        for chars, kind in (("。！？；!?;", KIND_END), ("\n", KIND_BREAK), ("”’」』）)\"'", KIND_CLOSE)):
            kinds[list(map(ord, chars))] |= kind
        kinds[:128] |= np.where(_ascii_class_table()[:128] == 1, KIND_ASCII_WORD, KIND_ASCII_OTHER).astype(np.uint8)
        _sentence_kinds = kinds
    return _sentence_kinds


def char_kinds(text: str, points):
    """What each character of ``text`` is (:func:`_sentence_table`'s bits; ``points``: ``text`` as UTF-32 code
    points, a ``numpy.uint32`` array): one table look-up serves the tokens' whitespace, the word-token count
    and the sentences (:func:`policytext.cache.segment_text`)."""
    import numpy as np

    kind = _sentence_table()[np.minimum(points, 0xFFFF)]  # U+FFFF is none of the kinds
    astral = np.flatnonzero(points > 0xFFFF)
    if len(astral):  # above the BMP only letters and digits matter (no break, mark or space is there)
        kind[astral] = [KIND_WORD if _SENTENCE_WORD.match(text[i]) else 0 for i in astral.tolist()]
    return kind


def sentence_starts(text: str, points=None, kinds=None) -> list[int]:
    """``[start for start, _ in policytext.matching.split_sentences(text)]``: :func:`sentence_start_array` as a
    list.

    >>> sentence_starts("一是加强基层治理；二是推进。”\\n  附件\\n。")
    [0, 9, 18]
    """
    return sentence_start_array(text, points, kinds).tolist()


def word_counts(kinds):
    """``counts[i]``: how many of the first ``i`` characters are letters, digits or ideographs (``kinds``: their
    :func:`char_kinds`; an int array one longer). A span holds a word character where the counts at its ends
    differ: the word tokens and the sentences are found with it."""
    import numpy as np

    counts = np.empty(len(kinds) + 1, dtype=np.int32 if len(kinds) < 2**31 - 1 else np.int64)
    counts[0] = 0
    np.cumsum((kinds & KIND_WORD) != 0, dtype=counts.dtype, out=counts[1:])
    return counts


def sentence_start_array(text: str, points=None, kinds=None, words=None):
    """The start of each sentence of ``text`` as :func:`policytext.matching.split_sentences` finds them, as an
    int64 array, computed with arrays instead of a regex search per sentence (what a score row needs: how
    many sentences, and which one each hit is in; the cache keeps them). ``points``, ``kinds``, ``words``:
    ``text`` as UTF-32 code points (a ``numpy.uint32`` array), its :func:`char_kinds` and their
    :func:`word_counts`, if already at hand."""
    import numpy as np

    if not text:
        return np.zeros(0, dtype=np.int64)
    if kinds is None:
        if points is None:
            points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        kinds = char_kinds(text, points)
    kind, n = kinds, len(kinds)
    # the characters that end a segment: 。！？；!?; and line breaks, and closing marks in a run right after one
    # of 。！？；!?; (split_sentences' pattern: a run of ends, any closing marks, or a line break)
    stops = np.flatnonzero(kind & (KIND_END | KIND_BREAK))
    # the closing marks are found from the sentence ends a closing mark follows (few), a run's marks one step at
    # a time, not from every closing mark of the text (half the time)
    after = stops[stops < n - 1]
    marks = after[((kind[after] & KIND_END) != 0) & ((kind[after + 1] & KIND_CLOSE) != 0)] + 1
    if len(marks):
        found = [marks]
        while len(marks):
            marks = marks[marks < n - 1] + 1
            marks = marks[(kind[marks] & KIND_CLOSE) != 0]
            found.append(marks)
        stops = np.sort(np.concatenate([stops, *found]))  # (no closing mark is an end or a break: no repeats)
    seg_start = np.concatenate(([0], stops + 1))
    seg_end = np.concatenate((stops, [n]))
    if words is None:
        words = word_counts(kind)
    starts = seg_start[words[seg_end] > words[seg_start]]  # segments holding a letter, digit or ideograph
    for i in np.flatnonzero(kind[starts] & KIND_SPACE).tolist():  # a sentence starts after its whitespace
        starts[i] = _SENTENCE_NON_SPACE.search(text, int(starts[i])).start()
    return starts
