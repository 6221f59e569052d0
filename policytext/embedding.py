"""Sentences and word embeddings learned from a corpus, for lexicon expansion and semantic scaling.

:func:`corpus_sentences` normalises each document (:func:`policytext.normalize_text`), splits it into sentences
at ``。！？；!?;`` and line breaks, and tokenizes each sentence with the topic models' tokenizer
(:func:`policytext.dtm.topic_tokenizer`: lexicon terms injected so that each is one token, stopwords,
punctuation, one-character tokens and numbers dropped).

:func:`train_word2vec` trains gensim's Word2Vec (skip-gram by default) on those sentences. It is
**reproducible**: with ``workers=1`` (always, here) gensim draws the initial vectors from
``numpy.random.default_rng(random_state)`` and its sampling from ``RandomState(random_state)``, and trains in one thread, so the
same sentences and settings give the same vectors to the last bit, in one process or in two, whatever
``PYTHONHASHSEED`` is (gensim 4 no longer seeds vectors with Python's ``hash``; ``tests/test_expansion.py``
checks this in two subprocesses with different hash seeds).

>>> split_sentences("推进社区治理。完善网格化管理；提升服务\\n水平")
['推进社区治理', '完善网格化管理', '提升服务', '水平']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from .corpus import Corpus, Document

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

    from .tokenize import Tokenizer

__all__ = ["Sentences", "corpus_sentences", "split_sentences", "train_word2vec"]

_SENTENCE_END = re.compile(r"[。！？；!?;\n]+")


def split_sentences(text: str) -> list[str]:
    """Sentences of a normalised text: split at ``。！？；!?;`` and line breaks, empty pieces dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


@dataclass
class Sentences:
    """Tokenized sentences of a corpus: ``tokens[i]`` belongs to document ``doc_index[i]`` of ``doc_ids``."""

    tokens: list[list[str]]
    doc_index: list[int]
    doc_ids: list[str]
    meta: list[dict] = field(default_factory=list)

    def document_frequency(self) -> dict[str, int]:
        """In how many documents each word occurs."""
        seen: dict[str, set[int]] = {}
        for toks, d in zip(self.tokens, self.doc_index):
            for w in toks:
                seen.setdefault(w, set()).add(d)
        return {w: len(ds) for w, ds in seen.items()}


def corpus_sentences(corpus: Corpus | Iterable[Document], tokenizer: "Tokenizer", *, t2s: bool = True,
                     progress=None) -> Sentences:
    """Tokenized sentences of every document (module docstring); sentences left without words are dropped."""
    from .dtm import countable_words, normalised_pieces

    docs = corpus.documents if isinstance(corpus, Corpus) else list(corpus)
    tokens: list[list[str]] = []
    doc_index: list[int] = []
    for i, sentence in normalised_pieces(docs, split_sentences, t2s=t2s, progress=progress):
        words = countable_words(tokenizer(sentence))
        if words:
            tokens.append(words)
            doc_index.append(i)
    return Sentences(tokens, doc_index, [d.doc_id for d in docs], [dict(d.meta) for d in docs])


def train_word2vec(sentences: list[list[str]], *, vector_size: int = 100, window: int = 5, min_count: int = 5,
                   epochs: int = 10, sg: int = 1, random_state: int = 0) -> "KeyedVectors":
    """Word vectors from gensim's Word2Vec trained in one thread (reproducible; module docstring)."""
    from gensim.models import Word2Vec

    from .errors import ConfigError

    if not any(sentences):
        raise ConfigError("no sentence has a word to train word vectors on")
    model = Word2Vec(vector_size=vector_size, window=window, min_count=min_count, epochs=epochs, sg=sg, seed=random_state,
                     workers=1)
    model.build_vocab(sentences)
    if not len(model.wv):
        raise ConfigError(f"no word occurs {min_count} times or more; lower min_count")
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    return model.wv
