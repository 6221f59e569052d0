"""The tokenizer: a private jieba instance wrapped in a picklable callable.

``Tokenizer()`` never touches the global ``jieba`` dictionary: each configuration gets its own
``jieba.Tokenizer`` built from a copy of the dictionary, so words injected here do not change other code's
segmentation in the same process, and theirs do not change ours.

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
from pathlib import Path
from typing import Iterable

from .errors import ConfigError

__all__ = ["ENGINES", "Tokenizer", "is_word_token", "load_stopwords"]

#: engines policytext can tokenize with; ``rjieba`` (jieba-rs) is used only where the conformance test
#: in ``tests/test_tokenize.py`` shows token-for-token agreement with jieba (see ``docs/semantics.md``).
ENGINES = ("jieba", "rjieba")

# jieba's HMM path (``finalseg.cut``) splits a run of non-CJK characters at this pattern; jieba-rs keeps the
# run whole (``2006-2020``, ``5G-A``). Splitting rjieba's tokens the same way makes the two engines agree.
_JIEBA_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
_ALNUM_RUN = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?%?")
_lock = threading.Lock()
_base_dicts: dict[str, tuple[dict, int, str]] = {}


def _dictionary_path(dictionary: str | None) -> str:
    if dictionary is None:
        import jieba

        return os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
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


def _split_like_jieba(tokens):
    """Split rjieba's multi-character non-CJK tokens as jieba's HMM path does (``2006-2020`` -> 2006/-/2020)."""
    out = []
    for w, s, e in tokens:
        if len(w) > 1 and not _ALNUM_RUN.fullmatch(w) and w.isascii():
            pos = s
            for part in _JIEBA_SKIP.split(w):
                if part:
                    out.append((part, pos, pos + len(part)))
                    pos += len(part)
        else:
            out.append((w, s, e))
    return out


class Tokenizer:
    """Segment Chinese text with a private jieba instance.

    Parameters
    ----------
    engine : ``"jieba"`` (jieba 0.42.1, the reference) or ``"rjieba"`` (jieba-rs: same dictionary and
        algorithm, several times faster; allowed only with the default dictionary).
    hmm : use jieba's HMM for words not in the dictionary (jieba's default, ``True``).
    words : words to add to this tokenizer's dictionary (e.g. lexicon terms), each kept whole by jieba's
        ``suggest_freq`` rule. The global jieba dictionary is never changed.
    stopwords : ``"default"`` (the list shipped in ``policytext/data/stopwords_zh.txt``), a file, an iterable,
        or ``None``. Only :meth:`__call__` removes them; matching never does.
    dictionary : a jieba dictionary file instead of jieba's own.
    min_length : shortest token (in characters) that :meth:`__call__` keeps (1 keeps all).
    """

    def __init__(self, engine: str = "jieba", hmm: bool = True, words: Iterable[str] = (),
                 stopwords="default", dictionary: str | None = None, min_length: int = 1):
        if engine not in ENGINES:
            raise ConfigError(f"unknown tokenizer engine {engine!r}; choose one of: {', '.join(ENGINES)}")
        if engine == "rjieba" and dictionary is not None:
            raise ConfigError("the rjieba engine supports only jieba's default dictionary; use --engine jieba")
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
        digest = _base_dictionary(path)[2]
        words = "\n".join(self.words)
        return {
            "engine": self.engine,
            "engine_version": self._engine_version(),
            "hmm": self.hmm,
            "dictionary": "jieba default" if self.dictionary is None else path,
            "dictionary_sha256": digest,
            "injected_words": len(self.words),
            "injected_words_sha256": hashlib.sha256(words.encode("utf-8")).hexdigest(),
        }

    def _engine_version(self) -> str:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version(self.engine)
        except PackageNotFoundError:  # pragma: no cover - installed from a checkout without metadata
            return "unknown"

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
            self._seg = self._build()
        return self._seg

    def _build(self):
        path = _dictionary_path(self.dictionary)
        freq, total, _ = _base_dictionary(path)
        if self.engine == "jieba":
            import jieba

            seg = jieba.Tokenizer(path)
            seg.FREQ, seg.total = dict(freq), total
            seg.initialized = True
            for w in self.words:
                seg.add_word(w, freq=seg.suggest_freq(w, False))
            return seg
        import rjieba

        seg = rjieba.Jieba()
        for w in self.words:
            seg.add_word(w, seg.suggest_freq(w), None)
        return seg

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        """All tokens except pure whitespace, as ``(token, start, end)`` character offsets into ``text``."""
        seg = self._segmenter()
        if self.engine == "jieba":
            raw = seg.tokenize(text, HMM=self.hmm)
        else:
            raw = seg.tokenize(text, "default", self.hmm)
            if self.hmm:
                raw = _split_like_jieba(raw)
        return [(w, s, e) for w, s, e in raw if not w.isspace()]

    def cut(self, text: str) -> list[str]:
        """jieba's plain segmentation of ``text`` (whitespace tokens included), for comparison and debugging."""
        seg = self._segmenter()
        return seg.lcut(text, HMM=self.hmm) if self.engine == "jieba" else seg.cut(text, self.hmm)

    def __call__(self, text: str) -> list[str]:
        """Word tokens for counting: no punctuation, symbols, whitespace or stopwords; at least ``min_length``."""
        if self._stop is None:
            self._stop = load_stopwords(self.stopwords)
        stop, n = self._stop, self.min_length
        return [w for w, _, _ in self.tokenize(text) if len(w) >= n and w not in stop and is_word_token(w)]
