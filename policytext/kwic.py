"""Keyword in context: every hit of some terms with the text around it.

Terms are matched exactly as in scoring (whole-token runs, longest match wins; see :mod:`policytext.scoring`),
so the lines shown are the hits that scores see. Each line has the hit's ``status`` (``counted``, or
``rejected``/``vetoed`` by the lexicon's context rules, :mod:`policytext.lexicon`); ``status`` selects which are
shown (default: all). A term may name a lexicon category, which stands for all its terms. Offsets refer to the
normalised text.

>>> from policytext import Corpus
>>> c = Corpus.from_texts({"a": "推进公共治理，实现社区共治，精细化工园区。"})
>>> kwic(c, ["共治", "精细化"], window=4)[["doc_id", "offset", "left", "match", "right"]].values.tolist()
[['a', 11, '实现社区', '共治', ',精细化']]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from .corpus import Corpus, Document
from .errors import ConfigError
from .lexicon import Category, Lexicon, Term
from .normalize import normalize_text
from .matching import Matcher
from .tokenize import Tokenizer

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["kwic", "KWIC_COLUMNS"]

KWIC_COLUMNS = ["doc_id", "offset", "left", "match", "right", "term", "category", "status"]


def _kwic_lexicon(terms: Iterable[str], lexicon: Lexicon | None) -> Lexicon:
    """Expand category names to their terms; other strings are terms of their own (category ``""``)."""
    chosen: list[Term] = []
    cats: dict[str, Category] = {}
    for item in terms:
        item = item.strip()
        if not item:
            continue
        if lexicon is not None and item in lexicon.categories:
            cats[item] = lexicon.category(item)
            chosen.extend(lexicon.terms_of(item))
        else:
            category = ""
            if lexicon is not None:
                known = [t for t in lexicon.terms if t.term == item]
                if known:
                    category = known[0].category
                    cats[category] = lexicon.category(category)
                    chosen.append(known[0])
                    continue
            cats.setdefault(category, Category(key=category))
            chosen.append(Term(term=item, category=category))
    if not chosen:
        raise ConfigError("no terms given for keyword in context")
    return Lexicon(cats.values(), chosen, name="kwic")


def kwic(corpus: Corpus | Iterable[Document], terms: Iterable[str], *, lexicon: Lexicon | None = None,
         window: int = 20, tokenizer: Tokenizer | None = None, t2s: bool = True, progress=None,
         status: Iterable[str] | None = None) -> pd.DataFrame:
    """Keyword in context: every hit of ``terms`` in ``corpus``, matched as scoring matches them.

    Parameters
    ----------
    corpus : Corpus or iterable of Document
        The documents.
    terms : iterable of str
        Terms, or category names of ``lexicon`` (each stands for all its terms); one string is one term.
    lexicon : Lexicon, optional
        Where category names and the terms' context rules come from (default: the shipped lexicon).
    window : int
        Characters of context on each side (line breaks in the context are shown as spaces).
    tokenizer : Tokenizer, optional
        Default: ``Tokenizer()``.
    t2s : bool
        Convert traditional characters to simplified first.
    progress : tqdm-like, optional
        Updated once per document.
    status : iterable of str, optional
        Keep only hits with these statuses (``counted``, ``rejected``, ``vetoed``; default: all).

    Returns
    -------
    pandas.DataFrame
        One row per hit: ``doc_id, offset, left, match, right, term, category, status``.
    """
    import pandas as pd

    if window < 0:
        raise ConfigError(f"window must be 0 or more characters, got {window}")
    if isinstance(terms, str):
        terms = [terms]
    from .matching import STATUSES

    keep = set(STATUSES if status is None else ([status] if isinstance(status, str) else status))
    unknown = keep - set(STATUSES)
    if unknown:
        raise ConfigError(f"unknown status {', '.join(sorted(unknown))}; use {', '.join(STATUSES)}")
    matcher = Matcher(_kwic_lexicon(terms, lexicon))
    tokenizer = tokenizer if tokenizer is not None else Tokenizer()
    docs = corpus.documents if isinstance(corpus, Corpus) else list(corpus)
    if progress is not None:
        progress.total = len(docs)
    rows = []
    for doc in docs:
        text = normalize_text(doc.text, t2s=t2s)
        hits = matcher.match(text, tokenizer.tokenize(text))
        for h, statuses in zip(hits, matcher.statuses(text, hits)):
            if statuses[0] not in keep:
                continue
            left = text[max(0, h.start - window):h.start].replace("\n", " ")
            right = text[h.end:h.end + window].replace("\n", " ")
            for t in h.terms[:1]:
                rows.append({"doc_id": doc.doc_id, "offset": h.start, "left": left, "match": h.term, "right": right,
                             "term": t.term, "category": t.category, "status": statuses[0]})
        if progress is not None:
            progress.update(1)
    return pd.DataFrame(rows, columns=KWIC_COLUMNS)
