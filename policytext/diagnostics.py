"""Lexicon diagnostics: which terms carry the index on a corpus, which are hidden in compounds, which never occur.

:func:`diagnose_lexicon` runs the scoring matcher (:class:`policytext.scoring.Matcher`, the same
token-boundary, longest-match rule) over a corpus and tabulates, **per term** (:data:`TERM_COLUMNS`):

* ``hits`` and ``documents``: counted hits of the term and the documents with at least one; ``rejected`` and
  ``vetoed``: hits set aside by the lexicon's context rules (:mod:`policytext.lexicon`), not in ``hits``;
* ``share_of_hits``: the term's hits over all hits of the corpus (both poles), and ``share_of_category``: over
  the hits of its category;
* ``index_share``: the term's share of its pole's part of the index summed over documents,
  ``Σ_d w·hits_td / n_chars_d`` over ``Σ_d Σ_{t' in pole} w'·hits_t'd / n_chars_d`` -- which terms drive the
  index (a weight-0.5 term with many hits can matter more than a weight-2 term with few);
* ``inside_tokens`` and ``inside_compounds``: occurrences of the term's characters that are not hits because
  they lie inside a longer token or straddle a token boundary (共享 in 数据共享, 共治 in 公共/治理), with the
  covering tokens most often seen (:func:`policytext.scoring.hidden_occurrences`);
* ``excluded``: whole-token occurrences skipped because of one of the term's exclusions;
* ``in_longer_hits``: occurrences that start inside a hit of another term (共治 in 共建共治共享 when both are
  terms: the longest-match rule at work, not a miss);
* ``unseen``: the term's characters never occur in the corpus; ``dominant``: the term has more than
  ``dominance`` (default 50%) of its category's hits.

**Per category** (:data:`CATEGORY_COLUMNS`): terms, terms hit, hits, documents with a hit, ``coverage`` (share
of documents with a hit), the top term and its share, and ``dominated`` (the top term has more than
``dominance`` of the hits: the category measures that one word).

With ``sensitivity=True``, **leave-one-term-out** (:data:`SENSITIVITY_COLUMNS`): for each term with hits, the
corpus is rescored with the lexicon minus that term (the same tokens, so nested terms can take over its spans,
as they would), and the new index is compared with the full one: Spearman correlation of the two rankings, the
mean and largest change of a document's rank, and the number of documents whose index changed. The terms with
the lowest Spearman are the ones the ranking depends on.

>>> from policytext import Corpus, Lexicon
>>> lex = Lexicon.from_dict({"share": ["共享", "共享单车"], "co": ["共治"]})
>>> d = diagnose_lexicon(Corpus.from_texts(["推进数据共享和社区共治，实现共享。"]), lex)
>>> d.terms.set_index("term").loc[["共享", "共享单车", "共治"], ["hits", "inside_tokens", "inside_compounds", "unseen"]].values.tolist()
[[1, 1, '数据共享×1', False], [0, 0, '', True], [1, 0, '', False]]
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .corpus import Corpus, Document
from .errors import EmptyDocumentError
from .lexicon import Lexicon, load_lexicon

if TYPE_CHECKING:
    import pandas as pd

    from .tokenize import Tokenizer

__all__ = ["CATEGORY_COLUMNS", "LexiconDiagnostics", "SENSITIVITY_COLUMNS", "TERM_COLUMNS", "diagnose_lexicon",
           "term_sensitivity"]

TERM_COLUMNS = ["term", "category", "polarity", "weight", "hits", "rejected", "vetoed", "documents", "share_of_hits", "share_of_category",
                "index_share", "inside_tokens", "inside_compounds", "excluded", "in_longer_hits", "unseen", "dominant"]
CATEGORY_COLUMNS = ["category", "label", "polarity", "terms", "terms_hit", "hits", "documents", "coverage",
                    "top_term", "top_term_share", "dominated"]
SENSITIVITY_COLUMNS = ["term", "categories", "hits", "documents", "spearman", "mean_rank_change", "max_rank_change",
                       "documents_changed"]
N_COMPOUNDS = 5


@dataclass
class LexiconDiagnostics:
    """The tables of :func:`diagnose_lexicon`; ``n_documents`` scored, ``skipped`` empty documents."""

    terms: "pd.DataFrame"
    categories: "pd.DataFrame"
    sensitivity: "pd.DataFrame | None"
    n_documents: int
    skipped: int = 0

    @property
    def unseen(self) -> list[str]:
        """Terms whose characters never occur in the corpus."""
        return self.terms.loc[self.terms["unseen"], "term"].tolist()

    @property
    def dominated(self) -> "pd.DataFrame":
        """Categories in which one term has more than the dominance share of the hits."""
        return self.categories[self.categories["dominated"]]


class _SegmentStore:
    """Segmentations kept in memory, served to :meth:`Scorer.analyze` in place of a token cache."""

    def __init__(self):
        self.segs: dict[str, object] = {}

    def segment(self, raw, tokenizer, *, t2s=True, source="", doc_id=None):
        return self.segs[doc_id]


def _segment_all(docs: list[Document], tokenizer, t2s: bool, progress):
    from .cache import segment_text

    store, kept, skipped = _SegmentStore(), [], 0
    for doc in docs:
        try:
            store.segs[doc.doc_id] = segment_text(doc.text, tokenizer, t2s=t2s, source=doc.source, doc_id=doc.doc_id)
            kept.append(doc)
        except EmptyDocumentError:
            skipped += 1
        if progress is not None:
            progress.update(1)
    return store, kept, skipped


def diagnose_lexicon(corpus: Corpus | Iterable[Document], lexicon: Lexicon | None = None, *,
                     tokenizer: "Tokenizer | None" = None, t2s: bool = True, dominance: float = 0.5,
                     sensitivity: bool = False, progress=None) -> LexiconDiagnostics:
    """Tabulate how each term and category of ``lexicon`` behaves on ``corpus`` (module docstring).

    ``tokenizer`` defaults to ``Tokenizer()``: use the one you score with, since segmentation decides hits.
    Documents with no text are skipped and counted in ``skipped``.
    """
    import pandas as pd

    from .matching import Matcher, hidden_occurrences
    from .tokenize import Tokenizer

    lexicon = lexicon if lexicon is not None else load_lexicon()
    tokenizer = tokenizer if tokenizer is not None else Tokenizer()
    docs = corpus.documents if isinstance(corpus, Corpus) else list(corpus)
    if progress is not None:
        progress.total = len(docs)
    store, kept, skipped = _segment_all(docs, tokenizer, t2s, progress)
    matcher = Matcher(lexicon)
    fixed = list(dict.fromkeys(t.term for t in lexicon.terms if not t.is_glob))
    keys = [(t.term, t.category) for t in lexicon.terms]
    hits: Counter = Counter()
    doc_sets: dict[tuple[str, str], set[int]] = {k: set() for k in keys}
    contrib: dict[tuple[str, str], float] = dict.fromkeys(keys, 0.0)
    cat_docs: dict[str, set[int]] = {c: set() for c in lexicon.categories}
    inside: dict[str, Counter] = {t: Counter() for t in fixed}
    excluded: Counter = Counter()
    other: dict[str, Counter] = {"rejected": Counter(), "vetoed": Counter()}  # hits set aside by context rules
    occurrences: Counter = Counter()  # every occurrence of a fixed term's characters, overlapping ones included
    as_hit: Counter = Counter()  # hits whose span is the term itself
    total_spans = 0
    for i, doc in enumerate(kept):
        seg = store.segs[doc.doc_id]
        found = matcher.match_spans(seg.text, seg.starts, seg.ends)
        statuses = matcher.statuses(seg.text, found)
        for term in fixed:
            k = seg.text.find(term)
            while k >= 0:
                occurrences[term] += 1
                k = seg.text.find(term, k + 1)
        for h, sts in zip(found, statuses):
            as_hit[h.term] += 1
            total_spans += "counted" in sts
            for t, st in zip(h.terms, sts):
                k = (t.term, t.category)
                if st != "counted":
                    other[st][k] += 1
                    continue
                hits[k] += 1
                doc_sets[k].add(i)
                contrib[k] += t.weight / seg.n_chars
                cat_docs[t.category].add(i)
        if fixed:
            for term, covering in hidden_occurrences(seg.text, seg.tokens(), found, fixed):
                if covering == term:
                    excluded[term] += 1
                else:
                    inside[term][covering] += 1
    polarity = {c: lexicon.category(c).polarity for c in lexicon.categories}
    pole_total = {1: 0.0, -1: 0.0}
    for (term, cat), v in contrib.items():
        pole_total[polarity[cat]] += v
    cat_hits = Counter()
    for (term, cat), n in hits.items():
        cat_hits[cat] += n
    rows = []
    seen_keys = set()
    for t in lexicon.terms:
        k = (t.term, t.category)
        if k in seen_keys:
            continue
        seen_keys.add(k)
        n, pole = hits[k], polarity[t.category]
        comp = inside.get(t.term, Counter())
        top = sorted(comp.items(), key=lambda kv: (-kv[1], kv[0]))[:N_COMPOUNDS]
        share_cat = n / cat_hits[t.category] if cat_hits[t.category] else 0.0
        rows.append({"term": t.term, "category": t.category, "polarity": pole, "weight": t.weight, "hits": n,
                     "rejected": other["rejected"][k], "vetoed": other["vetoed"][k],
                     "documents": len(doc_sets[k]), "share_of_hits": n / total_spans if total_spans else 0.0,
                     "share_of_category": share_cat,
                     "index_share": contrib[k] / pole_total[pole] if pole_total[pole] else 0.0,
                     "inside_tokens": sum(comp.values()),
                     "inside_compounds": "; ".join(f"{c}×{m}" for c, m in top),
                     "excluded": excluded.get(t.term, 0),
                     "in_longer_hits": 0 if t.is_glob else (occurrences[t.term] - as_hit[t.term] - sum(comp.values())
                                                            - excluded.get(t.term, 0)),
                     "unseen": bool(n + other["rejected"][k] + other["vetoed"][k] == 0) if t.is_glob
                     else occurrences[t.term] == 0,
                     "dominant": bool(share_cat > dominance)})
    terms = pd.DataFrame(rows, columns=TERM_COLUMNS)
    n_docs = len(kept)
    cat_rows = []
    for c in lexicon.categories:
        sub = terms[terms["category"] == c]
        n = int(sub["hits"].sum())
        top = sub.sort_values(["hits", "term"], ascending=[False, True], kind="stable").head(1)
        top_term = top["term"].iloc[0] if n else ""
        top_share = float(top["hits"].iloc[0]) / n if n else 0.0
        cat = lexicon.category(c)
        cat_rows.append({"category": c, "label": cat.label, "polarity": cat.polarity, "terms": len(sub),
                         "terms_hit": int((sub["hits"] > 0).sum()), "hits": n, "documents": len(cat_docs[c]),
                         "coverage": len(cat_docs[c]) / n_docs if n_docs else 0.0, "top_term": top_term,
                         "top_term_share": top_share, "dominated": bool(top_share > dominance)})
    categories = pd.DataFrame(cat_rows, columns=CATEGORY_COLUMNS)
    sens = None
    if sensitivity:
        candidates = terms.loc[terms["hits"] > 0, "term"].drop_duplicates().tolist()
        sens = _sensitivity(kept, store, lexicon, tokenizer, t2s, candidates, terms, progress)
    return LexiconDiagnostics(terms, categories, sens, n_docs, skipped)


def _index(docs: list[Document], store: _SegmentStore, lexicon: Lexicon, tokenizer, t2s: bool) -> np.ndarray:
    from .scoring import Scorer

    scorer = Scorer(lexicon, tokenizer, t2s=t2s)
    return np.array([scorer.analyze(d, cache=store)[0]["index"] for d in docs], dtype=float)


def _rank(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(-x, method="average")


def _sensitivity(docs, store, lexicon: Lexicon, tokenizer, t2s: bool, candidates: list[str], terms: "pd.DataFrame",
                 progress) -> "pd.DataFrame":
    import pandas as pd

    from .validation import spearman

    full = _index(docs, store, lexicon, tokenizer, t2s)
    full_rank = _rank(full)
    categories = [lexicon.category(c) for c in lexicon.categories]
    rows = []
    if progress is not None:
        progress.total = (progress.total or 0) + len(candidates)
    for term in candidates:
        reduced = Lexicon(categories, [t for t in lexicon.terms if t.term != term], name=lexicon.name,
                          version=lexicon.version)
        idx = _index(docs, store, reduced, tokenizer, t2s)
        change = np.abs(_rank(idx) - full_rank)
        sub = terms[terms["term"] == term]
        rows.append({"term": term, "categories": ", ".join(sub["category"]), "hits": int(sub["hits"].max()),
                     "documents": int(sub["documents"].max()), "spearman": spearman(full, idx),
                     "mean_rank_change": float(change.mean()) if len(change) else 0.0,
                     "max_rank_change": float(change.max()) if len(change) else 0.0,
                     "documents_changed": int((~np.isclose(idx, full, rtol=0, atol=1e-12)).sum())})
        if progress is not None:
            progress.update(1)
    out = pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
    return out.sort_values(["spearman", "mean_rank_change", "term"], ascending=[True, False, True],
                           kind="stable", na_position="first").reset_index(drop=True)


def term_sensitivity(corpus: Corpus | Iterable[Document], lexicon: Lexicon | None = None, *,
                     tokenizer: "Tokenizer | None" = None, t2s: bool = True, progress=None) -> "pd.DataFrame":
    """Leave-one-term-out sensitivity of the index (module docstring), most influential terms first."""
    return diagnose_lexicon(corpus, lexicon, tokenizer=tokenizer, t2s=t2s, sensitivity=True,
                            progress=progress).sensitivity
