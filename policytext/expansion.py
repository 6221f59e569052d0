"""Lexicon expansion: candidate terms proposed from corpus word embeddings, accepted or rejected by a person.

Nothing is added to a lexicon automatically. :func:`expand_lexicon` proposes; a person marks the ``accept``
column of the candidate file; :func:`merge_candidates` builds a new lexicon version from the accepted rows.

**How candidates are found.** Word vectors are trained on the corpus itself (:func:`policytext.embedding.
train_word2vec`: skip-gram Word2Vec, one thread, seeded, reproducible). For each category, its terms that
occur at least ``min_count`` times are its *seeds*; a word's similarity to the category is the mean cosine
similarity of its vector to the seeds' vectors. Words already in the lexicon (any category) are skipped; every
other word is proposed for the one category it is most similar to, and each category gets its ``top_n`` most
similar words. Each candidate comes with its frequency, the number of documents it occurs in, its three
nearest seeds, and keyword-in-context lines from different documents (matched as scoring matches terms).

**The candidate file** (``.xlsx`` or ``.csv``) has the columns :data:`CANDIDATE_COLUMNS`; ``accept`` is empty.
Mark a row with ``1``, ``y``, ``yes``, ``x``, ``是`` (or ``0``, ``n``, ``no``, ``否``, empty for no). A ``weight``
column may be filled in; otherwise the category's weight is used.

**Merging** keeps every existing term, adds the accepted candidates with the provenance
``expansion: similarity 0.62 to 精准, 精细化, 精细 (word2vec, 62 documents, seed 0)``, and bumps the version's
minor number (``1.0.0`` -> ``1.1.0``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .corpus import Corpus, Document
from .errors import ConfigError, LexiconError
from .lexicon import Lexicon, Term, check_entry, load_lexicon

if TYPE_CHECKING:
    import pandas as pd

    from .tokenize import Tokenizer

__all__ = ["CANDIDATE_COLUMNS", "ExpansionResult", "bump_version", "context_examples", "expand_lexicon",
           "merge_candidates"]

CANDIDATE_COLUMNS = ["accept", "category", "candidate", "similarity", "frequency", "documents", "nearest_seeds",
                     "example_1", "example_2", "example_3", "provenance"]
_YES = {"1", "1.0", "y", "yes", "x", "true", "accept", "accepted", "是", "接受", "✓", "√"}
_NO = {"", "0", "0.0", "n", "no", "false", "reject", "rejected", "否", "拒绝", "nan", "none"}


@dataclass
class ExpansionResult:
    """The candidate table and the settings that produced it (for a manifest)."""

    candidates: "pd.DataFrame"
    settings: dict
    seeds: dict[str, list[str]]


def expand_lexicon(corpus: Corpus | Iterable[Document], lexicon: Lexicon | None = None, *,
                   tokenizer: "Tokenizer | None" = None, engine: str = "auto", t2s: bool = True, top_n: int = 20,
                   vector_size: int = 100, window: int = 5, min_count: int = 5, epochs: int = 10, random_state: int = 0,
                   examples: int = 3, example_window: int = 20, progress=None) -> ExpansionResult:
    """Propose candidate terms per category (module docstring). Nothing is changed in ``lexicon``.

    ``tokenizer`` defaults to :func:`policytext.dtm.topic_tokenizer` (lexicon terms injected) with ``engine``.
    Raises :class:`ConfigError` when no category has a seed among the words seen ``min_count`` times.
    """
    import pandas as pd

    from .dtm import topic_tokenizer
    from .embedding import corpus_sentences, train_word2vec

    lexicon = lexicon if lexicon is not None else load_lexicon()
    docs = corpus.documents if isinstance(corpus, Corpus) else list(corpus)
    if not docs:
        raise ConfigError("the corpus has no documents to learn word vectors from")
    tokenizer = tokenizer if tokenizer is not None else topic_tokenizer(lexicon, engine=engine)
    sents = corpus_sentences(docs, tokenizer, t2s=t2s, progress=progress)
    wv = train_word2vec(sents.tokens, vector_size=vector_size, window=window, min_count=min_count, epochs=epochs,
                        random_state=random_state)
    vocab = list(wv.index_to_key)
    vectors = wv.get_normed_vectors()
    index = {w: i for i, w in enumerate(vocab)}
    known = {t.term for t in lexicon.terms}
    seeds = {c: [t.term for t in lexicon.terms_of(c) if not t.is_glob and t.term in index] for c in lexicon.categories}
    usable = {c: s for c, s in seeds.items() if s}
    if not usable:
        raise ConfigError(f"no lexicon term occurs {min_count} times or more in the {len(docs)} documents, so no "
                          "category has a seed word; lower --min-count or use a larger corpus")
    cats = list(usable)
    sims = np.column_stack([(vectors @ vectors[[index[w] for w in usable[c]]].T).mean(axis=1) for c in cats])
    candidate_rows = [i for i, w in enumerate(vocab) if w not in known]
    best = {}  # row -> category position with the highest similarity (ties: lexicon order)
    for i in candidate_rows:
        best[i] = int(np.argmax(sims[i]))
    df_counts = sents.document_frequency()
    rows = []
    for k, c in enumerate(cats):
        mine = [i for i in candidate_rows if best[i] == k]
        mine.sort(key=lambda i: (-sims[i, k], vocab[i]))
        for i in mine[:top_n]:
            w = vocab[i]
            seed_sims = vectors[[index[s] for s in usable[c]]] @ vectors[i]
            order = np.argsort(-seed_sims, kind="stable")[:3]
            nearest = [usable[c][j] for j in order]
            rows.append({"accept": None, "category": c, "candidate": w, "similarity": round(float(sims[i, k]), 4),
                         "frequency": int(wv.get_vecattr(w, "count")), "documents": int(df_counts.get(w, 0)),
                         "nearest_seeds": "; ".join(f"{s}:{seed_sims[j]:.2f}" for s, j in zip(nearest, order)),
                         "provenance": (f"expansion: similarity {sims[i, k]:.2f} to {', '.join(nearest)} (word2vec, "
                                        f"{len(docs)} documents, seed {random_state})")})
    table = pd.DataFrame(rows, columns=[c for c in CANDIDATE_COLUMNS if not c.startswith("example_")])
    table["accept"] = table["accept"].astype(object)
    lines = (context_examples(docs, table["candidate"].tolist(), tokenizer, t2s, examples, example_window)
             if len(table) else {})
    n_ex = max(examples, 3)
    for j in range(1, n_ex + 1):
        table[f"example_{j}"] = [(lines.get(w, [])[j - 1] if len(lines.get(w, [])) >= j else "")
                                 for w in table["candidate"]]
    table = table[CANDIDATE_COLUMNS[:-1] + [f"example_{j}" for j in range(4, n_ex + 1)] + ["provenance"]]
    settings = {"model": "word2vec skip-gram", "vector_size": vector_size, "window": window,
                "min_count": min_count, "epochs": epochs, "random_state": random_state, "workers": 1, "top_n": top_n,
                "n_documents": len(docs), "n_sentences": len(sents.tokens), "vocabulary_size": len(vocab),
                "lexicon": {"name": lexicon.name, "version": lexicon.version, "sha256": lexicon.hash},
                "tokenizer": tokenizer.config, "t2s": t2s}
    return ExpansionResult(table, settings, {c: list(s) for c, s in seeds.items()})


def context_examples(docs: list[Document], words: list[str], tokenizer, t2s: bool, k: int,
                     window: int) -> dict[str, list[str]]:
    """Up to ``k`` keyword-in-context lines per word, from different documents first, in corpus order."""
    from .kwic import kwic

    if k <= 0:
        return {}
    lines = kwic(docs, sorted(set(words)), window=window, tokenizer=tokenizer, t2s=t2s)
    out: dict[str, list[str]] = {}
    for w, g in lines.groupby("match", sort=False):
        first = g.drop_duplicates("doc_id")
        rest = g.drop(first.index)
        chosen = list(first.itertuples()) + list(rest.itertuples())
        out[w] = [f"{r.left}【{r.match}】{r.right} ({r.doc_id})" for r in chosen[:k]]
    return out


# -- merging -------------------------------------------------------------------------------------------------
def bump_version(version: str) -> str:
    """The next minor version: ``1.0.0`` -> ``1.1.0``, ``1.2`` -> ``1.3``, ``3`` -> ``4``, empty -> ``1``.

    >>> bump_version("1.0.0"), bump_version("1.2"), bump_version("3"), bump_version("")
    ('1.1.0', '1.3', '4', '1')
    """
    parts = str(version).strip().split(".") if str(version).strip() else []
    if not parts or not all(p.isdigit() for p in parts):
        return f"{version}+expansion" if parts else "1"
    if len(parts) == 1:
        return str(int(parts[0]) + 1)
    parts[1] = str(int(parts[1]) + 1)
    return ".".join(parts[:2] + ["0"] * (len(parts) - 2))


def _accepted(value, row: int) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise LexiconError(f"candidate row {row}: cannot read accept={value!r}; use 1/yes/是 to accept, 0/no/否 or empty "
                       "to reject")


def merge_candidates(lexicon: Lexicon, candidates: "pd.DataFrame", *, version: str | None = None,
                     name: str | None = None) -> tuple[Lexicon, list[str]]:
    """A new lexicon: ``lexicon`` plus the candidates whose ``accept`` cell says yes; and notes on skipped rows.

    Rows are numbered as in a spreadsheet (header = row 1). Raises :class:`LexiconError` for a category the
    lexicon does not have, an unreadable ``accept`` cell or weight, and :class:`ConfigError` when no row is
    accepted (then there is nothing to write).
    """
    missing = [c for c in ("accept", "category", "candidate") if c not in candidates.columns]
    if missing:
        raise LexiconError(f"the candidate table has no column {', '.join(missing)}; columns: "
                           f"{', '.join(map(str, candidates.columns))}")
    terms = list(lexicon.terms)
    present = {(t.term, t.category) for t in terms}
    notes: list[str] = []
    added = 0
    for pos, rec in enumerate(candidates.to_dict("records")):
        row = pos + 2
        if not _accepted(rec.get("accept"), row):
            continue
        term = str(rec.get("candidate") or "").strip()
        cat = str(rec.get("category") or "").strip()
        if not term:
            notes.append(f"row {row}: accepted but the candidate is empty; skipped")
            continue
        if cat not in lexicon.categories:
            raise LexiconError(f"candidate row {row}: category {cat!r} is not in {lexicon.name}; categories: "
                               f"{', '.join(lexicon.categories)}")
        if (term, cat) in present:
            notes.append(f"row {row}: {term} is already in {cat}; skipped")
            continue
        others = sorted({t.category for t in terms if t.term == term})
        if others:
            notes.append(f"row {row}: {term} is also in {', '.join(others)}; its hits will count in both categories")
        w = rec.get("weight")
        if w is None or (isinstance(w, float) and math.isnan(w)) or str(w).strip() == "":
            weight = lexicon.category(cat).weight
        else:
            try:
                weight = float(w)
            except (TypeError, ValueError):
                raise LexiconError(f"candidate row {row}: weight {w!r} is not a number") from None
        prov = rec.get("provenance")
        prov = str(prov).strip() if isinstance(prov, str) and prov.strip() else "expansion: accepted candidate"
        term = check_entry(term, weight, f"candidate row {row}")  # the one check every loader applies
        terms.append(Term(term=term, category=cat, weight=weight, provenance=prov))
        present.add((term, cat))
        added += 1
    if not added:
        raise ConfigError("no candidate is accepted (mark the accept column with 1, yes or 是); nothing to merge")
    categories = [lexicon.category(c) for c in lexicon.categories]
    order = {c: i for i, c in enumerate(lexicon.categories)}
    terms = sorted(terms, key=lambda t: order[t.category])  # stable: new terms follow their category's terms
    new = Lexicon(categories, terms, name=name or lexicon.name,
                  version=version if version is not None else bump_version(lexicon.version),
                  description=lexicon.description, source=lexicon.source)
    notes.insert(0, f"added {added} accepted candidates to {new.name} {new.version} ({len(new.terms)} terms)")
    return new, notes
