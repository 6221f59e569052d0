"""Validation study: do three measures of fine-grained governance separate known groups, and do they agree?

Reads ../shared/corpora (never copies its texts) and prints Markdown tables for docs/validation.md:

1. Known groups. The smart-governance policies (``smart_governance_policies``, 221 documents; duplicates
   removed by the hash of the text with surrounding whitespace stripped: the 3 exact pairs of its MANIFEST.md
   and 007/162, which differ only by a leading ideographic space) against a length-matched random sample of local
   regulations (``laws_regulations/local_regulations``, one version per title, header lines dropped): for each
   policy, in random order, one of the 5 unused regulations closest in length (non-whitespace characters) is
   drawn at random. AUROC of each measure (lexicon ``index``, anchored-topic ``governance_share``, scaling
   ``scale_score``) with a stratified bootstrap 95% interval, per-category AUROCs of the index, the index
   without its ``smart_admin`` category, and the measures' correlations on this corpus.
2. Triangulation. The 62 provincial government work reports (``provincial_gwr``, ``202*/*.txt``): Spearman
   correlations of the three measures with bootstrap intervals, the reports on which they disagree most, and
   the leave-one-term-out sensitivity of the index.

Settings: tokenizer ``Tokenizer(engine="rjieba")`` (jieba's tokens; conformance-tested), the default anchored
topic model (``TopicOptions()``: an ensemble of 5 anchored fits on whole documents, seed prior 15) with its
default K=30 and base seed 0, as ``benchmarks/topics_anchored.py --only known-groups`` fits it (K=20 as a
robustness check; the retired per-dimension seeded LDA of earlier runs is in git history), latent semantic
scaling with 300 SVD dimensions and min_count 5 (seed 0), its word vectors learned with the national work
reports (``gwr``, 1954-2025) and, for part 1, the provincial reports as reference documents (the corpora
alone lack the crude pole's words), 2,000 bootstrap resamples (seed 0).

3. Lexicon versions (``--part lexicon``): the default lexicon against 1.0.0 (kept in
   ``benchmarks/lexicons/``): the coded sentences of ``../shared/gold`` (``dev.csv``: precision, recall, F1 of
   the positive call, AUROC of ``sentence_share`` and ``index``, overall and per source, with a
   leave-one-sentence-out estimate of the tuning's optimism; ``crude_dev.csv``: the rejection call), the known
   groups of part 1 (AUROC of ``index`` and ``sentence_share``), and on each corpus of ``../shared/corpora``
   the crude hits that are rejections and Spearman's correlation of the two versions' indexes.

4. Changes tried for the known-groups target (``--part trials``): the default lexicon with one change at a
   time (sense rules the codebook asks for, their undoing, phrases of the seed essays, the smart-governance
   set's own topic words), each measured on the known groups, dev.csv and crude_dev.csv; the known-groups
   AUROC for the smart-governance documents split by title; coded positives per source in dev.csv.

    python benchmarks/validation_study.py                 # parts 1-2 (about 2-10 minutes on 2 cores)
    python benchmarks/validation_study.py --out study_out # also writes the per-document tables there
    python benchmarks/validation_study.py --part lexicon  # part 3 only (under a minute)
    python benchmarks/validation_study.py --part trials   # part 4 only (under a minute)
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from policytext import Corpus, Document, Scorer, Tokenizer, load_lexicon, read_corpus
from policytext.cache import count_chars
from policytext.diagnostics import diagnose_lexicon
from policytext.errors import ConfigError
from policytext.dtm import topic_tokenizer
from policytext.scaling import scale_corpus
from policytext.topics import SeedWarning, TopicOptions, fit_topics
from policytext.validation import auroc, bootstrap_ci, spearman, triangulate

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
MEASURES = ["index", "governance_share", "scale_score"]
SEED = 0
RESAMPLES = 2000
#: the anchored topic model's K (its default, as in benchmarks/topics_anchored.py) and the robustness check's K
TOPIC_K = 30
ROBUST_K = 20


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- corpora ---------------------------------------------------------------------------------------------------
def smart_governance(root: Path) -> tuple[Corpus, list[tuple[str, str]]]:
    corpus = read_corpus(root / "smart_governance_policies", glob="*/*.txt")
    seen: dict[str, str] = {}
    kept, dropped = [], []
    for d in corpus:
        h = hashlib.sha1(d.text.strip().encode("utf-8")).hexdigest()
        if h in seen:
            dropped.append((seen[h], d.doc_id))
            continue
        seen[h] = d.doc_id
        kept.append(d)
    return Corpus(kept), dropped


def _regulation_body(text: str) -> str:
    title = text.split("\n", 1)[0].lstrip("# ").strip()
    body = text.split("<!-- INFO END -->", 1)[-1]
    return f"{title}\n{body}"


def local_regulations(root: Path) -> Corpus:
    meta = pd.read_csv(root / "laws_regulations" / "metadata.csv", dtype=str)
    meta = meta[meta["id"].str.startswith("local_regulations/")].copy()
    meta["date"] = meta["version_date"].fillna("")
    latest = meta.sort_values(["title", "date", "id"]).groupby("title", sort=False).tail(1)  # one version per title
    keep = set(latest["id"])
    corpus = read_corpus(root / "laws_regulations" / "local_regulations", glob="*/*.txt", metadata=None)
    docs = []
    for d in corpus:
        full_id = f"local_regulations/{d.doc_id}"
        if full_id in keep:
            docs.append(Document(full_id, _regulation_body(d.text), {}))
    return Corpus(docs)


def length_matched(targets: Corpus, pool: Corpus, random_state: int, nearest: int = 5) -> tuple[Corpus, pd.DataFrame]:
    """For each target (in random order) one of the ``nearest`` unused pool documents closest in log length."""
    rng = np.random.default_rng(random_state)
    pool_docs = list(pool)
    pool_len = np.log(np.array([count_chars(d.text) for d in pool_docs], dtype=float))
    used = np.zeros(len(pool_docs), dtype=bool)
    chosen, pairs = [], []
    for i in rng.permutation(len(targets)):
        t = targets[int(i)]
        tl = np.log(count_chars(t.text))
        dist = np.abs(pool_len - tl)
        dist[used] = np.inf
        cand = np.argsort(dist, kind="stable")[:nearest]
        j = int(rng.choice(cand))
        used[j] = True
        chosen.append(pool_docs[j])
        pairs.append({"target": t.doc_id, "match": pool_docs[j].doc_id, "target_chars": count_chars(t.text),
                      "match_chars": count_chars(pool_docs[j].text)})
    return Corpus(chosen), pd.DataFrame(pairs)


# -- measures --------------------------------------------------------------------------------------------------
def _titles(root: Path) -> dict[str, str]:
    laws = pd.read_csv(root / "laws_regulations" / "metadata.csv", dtype=str)
    smart = pd.read_csv(root / "smart_governance_policies" / "metadata.csv", dtype=str)
    return {**dict(zip(laws["id"], laws["title"])), **dict(zip(smart["id"], smart["title_en"].str.slice(0, 80)))}


def national_reports(root: Path) -> Corpus:
    return read_corpus(root / "gwr", glob="[12]*.txt")


def measures(corpus: Corpus, label: str, reference: Corpus) -> tuple[pd.DataFrame, object]:
    lexicon = load_lexicon()
    tok = Tokenizer(engine="rjieba")
    t0 = time.perf_counter()
    scores = Scorer(lexicon, tok).score(corpus).scores
    log(f"{label}: index of {len(scores)} documents in {time.perf_counter() - t0:.1f} s")
    shares, fits = {}, {}
    for k in (TOPIC_K, ROBUST_K):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SeedWarning)
            # the default anchored model (TopicOptions(): whole documents, 5 fits, seed prior 15), as
            # benchmarks/topics_anchored.py fits the known groups; no candidate table (it does not change the share)
            fitted = fit_topics(corpus, k=k, options=TopicOptions(candidates=0), lexicon=lexicon,
                                tokenizer=topic_tokenizer(lexicon, engine="rjieba"), random_state=SEED)
        shares[k] = fitted.documents.set_index("doc_id")["governance_share"]
        fits[k] = fitted
        log(f"{label}: anchored ensemble (K={k}, {fitted.settings['n_rows']} {fitted.settings['unit']} rows) in "
            f"{time.perf_counter() - t0:.1f} s; {fitted.settings['verdict_text']}")
    topics = fits[TOPIC_K]
    topics.settings["robust_verdict_text"] = fits[ROBUST_K].settings["verdict_text"]
    t0 = time.perf_counter()
    alone_scores = None
    try:
        alone_scores = scale_corpus(corpus, lexicon=lexicon, engine="rjieba", n_components=300, min_count=5,
                                    random_state=SEED).documents.set_index("doc_id")["scale_score"]
        alone = "fits"
    except ConfigError as exc:
        alone = str(exc).split(";")[0]
    log(f"{label}: scaling on the corpus alone: {alone}")
    scaled = scale_corpus(corpus, lexicon=lexicon, engine="rjieba", n_components=300, min_count=5, random_state=SEED,
                          reference=reference)
    scaled.settings["alone"] = alone
    core = {t.term: 1 for t in lexicon.terms_of("fine_grained")} | {t.term: -1 for t in lexicon.terms_of("crude")}
    core_scores = scale_corpus(corpus, seeds=core, lexicon=lexicon, engine="rjieba", n_components=300, min_count=5,
                               random_state=SEED, reference=reference).documents.set_index("doc_id")["scale_score"]
    log(f"{label}: scaling with {len(reference)} reference documents ({scaled.settings['n_sentences']} sentences, "
        f"vocabulary {scaled.settings['vocabulary_size']}) in {time.perf_counter() - t0:.1f} s")
    table = scores.merge(topics.documents[["doc_id", "governance_share"]], on="doc_id") \
        .merge(scaled.documents[["doc_id", "scale_score", "n_scored_tokens"]], on="doc_id")
    table["scale_score_core"] = table["doc_id"].map(core_scores)
    table["governance_share_k20"] = table["doc_id"].map(shares[ROBUST_K])
    if alone_scores is not None:
        table["scale_score_alone"] = table["doc_id"].map(alone_scores)
    return table, (topics, scaled)


def ci(stat, *arrays, strata=None) -> str:
    value = stat(*arrays)
    lo, hi, _ = bootstrap_ci(stat, *arrays, n_resamples=RESAMPLES, random_state=SEED, strata=strata)
    return f"{value:.3f} [{lo:.3f}, {hi:.3f}]"


def fmt_corr(tri: pd.DataFrame) -> list[str]:
    lines = ["| measures | Spearman [95% CI] | n |", "|---|---|---|"]
    for r in tri.itertuples():
        lines.append(f"| {r.measure} ~ {r.against} | {r.value:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}] | {r.n} |")
    return lines


# -- the study -------------------------------------------------------------------------------------------------
def known_groups(root: Path, out: Path | None) -> list[str]:
    smart, dropped = smart_governance(root)
    regs_all = local_regulations(root)
    regs, pairs = length_matched(smart, regs_all, SEED)
    log(f"smart-governance: {len(smart)} after removing {len(dropped)} duplicates {dropped}; local regulations: "
        f"{len(regs_all)} (one version per title), {len(regs)} drawn")
    both = Corpus([Document(d.doc_id, d.text, {"group": "smart_governance"}) for d in smart]
                  + [Document(d.doc_id, d.text, {"group": "local_regulation"}) for d in regs])
    reference = Corpus(list(national_reports(root)) + list(read_corpus(root / "provincial_gwr", glob="202*/*.txt")))
    table, (topics, scaled) = measures(both, "known groups", reference)
    y = (table["group"] == "smart_governance").to_numpy(int)
    lex = load_lexicon()
    no_smart = Scorer(lex.select([c for c in lex.categories if c != "smart_admin"]), Tokenizer(engine="rjieba")) \
        .score(both).scores.set_index("doc_id")["index"]
    table["index_without_smart_admin"] = table["doc_id"].map(no_smart)
    if out:
        table.to_csv(out / "known_groups.csv", index=False)
        pairs.to_csv(out / "length_pairs.csv", index=False)
    lines = [f"Smart-governance policies: {len(smart)} (removed as duplicates, identical once leading and trailing "
             "whitespace is stripped: " + ", ".join(f"{b} = {a}" for a, b in dropped) + f"). Local regulations: {len(regs_all)} after keeping one "
             f"version per title; {len(regs)} drawn, length-matched.", "",
             "| group | n | characters: median | quartiles |", "|---|---|---|---|"]
    for g in ("smart_governance", "local_regulation"):
        n = table.loc[table.group == g, "n_chars"]
        lines.append(f"| {g} | {len(n)} | {n.median():,.0f} | {n.quantile(.25):,.0f}–{n.quantile(.75):,.0f} |")
    lines += ["", "| measure | AUROC [95% CI] | mean, smart-governance | mean, local regulations |", "|---|---|---|---|"]
    for m in MEASURES + ["governance_share_k20", "scale_score_core", "index_without_smart_admin"]:
        s = table[m].to_numpy(float)
        lines.append(f"| {m} | {ci(auroc, s, y, strata=y)} | {s[y == 1].mean():.3f} | {s[y == 0].mean():.3f} |")
    lines += ["", "Per category of the index (rate per 10,000 characters):", "",
              "| category | AUROC [95% CI] | coverage, smart-gov | coverage, regulations |", "|---|---|---|---|"]
    for c in lex.categories:
        s = table[f"per10k_{c}"].to_numpy(float)
        lines.append(f"| {c} | {ci(auroc, s, y, strata=y)} | {(s[y == 1] > 0).mean():.0%} | {(s[y == 0] > 0).mean():.0%} |")
    lines += ["", "Correlations of the measures on these documents:", ""]
    lines += fmt_corr(triangulate(table, MEASURES + ["governance_share_k20", "scale_score_core"], n_resamples=RESAMPLES,
                                  random_state=SEED))
    within = []
    for g in ("smart_governance", "local_regulation"):
        sub = table[table.group == g]
        within.append(f"{g}: " + ", ".join(f"{a}~{b} {spearman(sub[a], sub[b]):.2f}"
                                           for a, b in [("index", "governance_share"), ("index", "scale_score"),
                                                        ("governance_share", "scale_score")]))
    lines += ["", "Within each group (Spearman): " + "; ".join(within) + "."]
    ranks = table[MEASURES].rank(pct=True)
    table["gap_index_scale"] = ranks["index"] - ranks["scale_score"]
    top = table.reindex(table["gap_index_scale"].abs().sort_values(ascending=False).index).head(6)
    lines += ["", "Largest disagreements between index and scale_score (percentile ranks):", "",
              "| doc_id | title | index (pct) | scale_score (pct) | governance_share (pct) | words scored |",
              "|---|---|---|---|---|---|"]
    titles = _titles(root)
    for r in top.itertuples():
        lines.append(f"| {r.doc_id} | {titles.get(r.doc_id, '')} | {r.index:.1f} ({ranks.loc[r.Index, 'index']:.0%}) | "
                     f"{r.scale_score:.2f} ({ranks.loc[r.Index, 'scale_score']:.0%}) | {r.governance_share:.2f} "
                     f"({ranks.loc[r.Index, 'governance_share']:.0%}) | {r.n_scored_tokens} |")
    short = table["n_scored_tokens"] < table["n_scored_tokens"].quantile(0.25)
    lines += ["", f"Documents in the shortest quarter by words scored (< {table['n_scored_tokens'].quantile(0.25):.0f}): "
              f"AUROC of scale_score {auroc(table.loc[short, 'scale_score'], y[short.to_numpy()]):.3f}, of index "
              f"{auroc(table.loc[short, 'index'], y[short.to_numpy()]):.3f}; the other three quarters: scale_score "
              f"{auroc(table.loc[~short, 'scale_score'], y[~short.to_numpy()]):.3f}, index "
              f"{auroc(table.loc[~short, 'index'], y[~short.to_numpy()]):.3f}."]
    check = scaled.seed_check
    lines += ["", f"Scaling on these documents alone: {scaled.settings['alone']}. With the {len(reference)} national "
              f"and provincial work reports as reference documents: {scaled.settings['seeds_positive']} positive and "
              f"{scaled.settings['seeds_negative']} negative seeds in the vocabulary ({scaled.settings['seeds_missing']} "
              "missing); negative seeds and their nearest words:", "", "| seed | frequency | nearest words |",
              "|---|---|---|"]
    for r in check[(check.pole < 0) & check.in_vocabulary].itertuples():
        lines.append(f"| {r.seed} | {r.frequency} | {'; '.join(r.nearest.split('; ')[:6])} |")
    pos = check[(check.pole > 0) & check.in_vocabulary].sort_values("frequency", ascending=False).head(8)
    lines += ["", "The 8 most frequent positive seeds and their nearest words:", "", "| seed | frequency | nearest words |",
              "|---|---|---|"]
    for r in pos.itertuples():
        lines.append(f"| {r.seed} | {r.frequency} | {'; '.join(r.nearest.split('; ')[:6])} |")
    words = scaled.words[scaled.words.seed == 0]
    lines += ["", "Most fine-grained words: " + ", ".join(words.word.head(15)) + ".",
              "Most crude words: " + ", ".join(words.word.tail(15).iloc[::-1]) + "."]
    gov = topics.topics[topics.topics.governance]
    lines += ["", f"governance_share: the default anchored model, K={TOPIC_K}, whole documents, "
              f"{topics.settings['n_fits']} fits, base seed {SEED}; governance topic: {', '.join(gov.label)}. "
              f"Within-ensemble verdict: {topics.settings['verdict_text']}. K={ROBUST_K}: "
              f"{topics.settings['robust_verdict_text']}."]
    return lines


def provincial(root: Path, out: Path | None) -> list[str]:
    corpus = read_corpus(root / "provincial_gwr", glob="202*/*.txt")
    national = national_reports(root)
    table, (topics, scaled) = measures(corpus, "provincial reports", national)
    if out:
        table.to_csv(out / "provincial.csv", index=False)
    lines = [f"{len(table)} reports ({', '.join(f'{y}: {n}' for y, n in table['year'].value_counts().sort_index().items())}).",
             ""]
    lines += fmt_corr(triangulate(table, MEASURES, n_resamples=RESAMPLES, random_state=SEED))
    lines += ["", f"Anchored ensemble, K={TOPIC_K}: {topics.settings['verdict_text']}; K={ROBUST_K}: "
              f"{topics.settings['robust_verdict_text']}. Spearman of governance_share (K={TOPIC_K}) with "
              f"governance_share_k20: {spearman(table['governance_share'], table['governance_share_k20']):.3f}."]
    lines += ["", f"Robustness: with K={ROBUST_K} topics, index ~ governance_share_k20 "
              f"{ci(spearman, table['index'], table['governance_share_k20'])}; scale_score fitted on the 62 reports "
              f"alone: Spearman with index {ci(spearman, table['index'], table['scale_score_alone'])}, with the "
              f"reference-fitted scale_score {spearman(table['scale_score'], table['scale_score_alone']):.3f}; "
              "scale_score_core (seeds: the fine_grained terms against the crude terms): Spearman with index "
              f"{ci(spearman, table['index'], table['scale_score_core'])}, with scale_score "
              f"{spearman(table['scale_score'], table['scale_score_core']):.3f}."]
    lines += ["", f"Scaling fitted with the {len(national)} national work reports as reference documents (not scored); "
              f"on the 62 reports alone: {scaled.settings['alone']}. Correlations by year: "
              + "; ".join(f"{y}: " + ", ".join(f"{a}~{b} {spearman(g[a], g[b]):.2f}" for a, b in
                                              [("index", "governance_share"), ("index", "scale_score"),
                                               ("governance_share", "scale_score")])
                          for y, g in table.groupby("year")) + "."]
    check = scaled.seed_check
    lines += ["", "Negative seeds in the vocabulary and their nearest words:", "", "| seed | frequency | nearest words |",
              "|---|---|---|"]
    for r in check[(check.pole < 0) & check.in_vocabulary].itertuples():
        lines.append(f"| {r.seed} | {r.frequency} | {'; '.join(r.nearest.split('; ')[:6])} |")
    ranks = table[MEASURES].rank(ascending=False)
    lines += ["", "Reports ranked most differently (rank 1 = highest of 62):", "",
              "| doc_id | index rank | governance_share rank | scale_score rank |", "|---|---|---|---|"]
    spread = (ranks.max(axis=1) - ranks.min(axis=1)).sort_values(ascending=False)
    for i in spread.index[:6]:
        lines.append(f"| {table.loc[i, 'doc_id']} | {ranks.loc[i, 'index']:.0f} | {ranks.loc[i, 'governance_share']:.0f} "
                     f"| {ranks.loc[i, 'scale_score']:.0f} |")
    t0 = time.perf_counter()
    diag = diagnose_lexicon(corpus, tokenizer=Tokenizer(engine="rjieba"), sensitivity=True)
    log(f"provincial reports: leave-one-term-out for {len(diag.sensitivity)} terms in {time.perf_counter() - t0:.1f} s")
    lines += ["", "Leave-one-term-out: the 10 terms whose removal changes the ranking most:", "",
              "| term | category | hits (reports) | Spearman with full index | mean rank change | largest |",
              "|---|---|---|---|---|---|"]
    for r in diag.sensitivity.head(10).itertuples():
        lines.append(f"| {r.term} | {r.categories} | {r.hits} ({r.documents}) | {r.spearman:.3f} | "
                     f"{r.mean_rank_change:.1f} | {r.max_rank_change:.0f} |")
    s = diag.sensitivity["spearman"]
    lines += ["", f"Over all {len(s)} terms with hits: Spearman from {s.min():.3f} to {s.max():.3f}, median "
              f"{s.median():.4f}; {int((s < 0.99).sum())} terms below 0.99."]
    dom = diag.dominated
    lines += ["Dominated categories (one term > 50% of hits): "
              + (", ".join(f"{r.category} ({r.top_term} {r.top_term_share:.0%})" for r in dom.itertuples()) or "none")
              + "."]
    return lines


# -- part 3: lexicon versions -----------------------------------------------------------------------------------
OLD_LEXICON = Path(__file__).resolve().parent / "lexicons" / "fine_grained_governance_1.0.0.yaml"
GOLD = SHARED.parent / "gold"
#: the corpora of ../shared/corpora scored in part 3, as (name, folder, glob)
CORPORA = [("gwr (national work reports 1954-2025)", "gwr", "[12]*.txt"),
           ("provincial_gwr (2025-26)", "provincial_gwr", "202*/*.txt"),
           ("cpc_congress_reports", "cpc_congress_reports", "[0-9]*.txt"),
           ("smart_governance_policies", "smart_governance_policies", "*/*.txt"),
           ("govcn_policy_sample", "govcn_policy_sample", "docs/*.txt"),
           ("laws_regulations (all versions)", "laws_regulations", "*.txt")]


def _fmt(v, lo, hi) -> str:
    return "–" if pd.isna(v) else f"{v:.3f} [{lo:.3f}, {hi:.3f}]"


def _gold_rows(table: pd.DataFrame, measure: str, metric: str, against: str) -> str:
    r = table[(table.measure == measure) & (table.metric == metric) & (table.against == against)]
    return "–" if not len(r) else _fmt(r.value.iloc[0], r.ci_low.iloc[0], r.ci_high.iloc[0])


def _revert_cited(new, old, sentence_id: str):
    """``new`` with every term whose provenance or note cites ``sentence_id`` put back as in ``old`` (or removed)."""
    import re

    from policytext import Lexicon

    cite = re.compile(rf"\b{re.escape(sentence_id)}\b")
    old_terms = {(t.term, t.category): t for t in old.terms}
    terms = []
    for t in new.terms:
        if cite.search(t.provenance) or cite.search(t.note):
            if (t.term, t.category) in old_terms:
                terms.append(old_terms[(t.term, t.category)])
            continue
        terms.append(t)
    return Lexicon([new.category(c) for c in new.categories], terms, name=new.name, version=new.version)


def loo_dev(gold: pd.DataFrame, new, old, tokenizer) -> dict:
    """Leave-one-sentence-out: each dev sentence scored by 1.1.0 without the changes that cite it."""
    import re

    from policytext.validation import f1_score, precision_recall, score_gold

    scores, _ = score_gold(gold, new, tokenizer)
    pred = (scores["sentences_positive"] > 0).to_numpy(float)
    cited = sorted({m for t in new.terms for m in re.findall(r"\bg\d{3}\b", t.provenance + " " + t.note)})
    changed = []
    for sid in cited:
        i = np.flatnonzero(gold["id"].astype(str).to_numpy() == sid)
        if not len(i):
            continue
        one, _ = score_gold(gold.iloc[i], _revert_cited(new, old, sid), tokenizer)
        p = float(one["sentences_positive"].iloc[0] > 0)
        if p != pred[i[0]]:
            changed.append(sid)
        pred[i[0]] = p
    y = gold["label"].astype(int).to_numpy()
    prec, rec = precision_recall(pred, y, 0.5)
    return {"precision": prec, "recall": rec, "f1": f1_score(pred >= 0.5, y), "auroc": auroc(pred, y),
            "cited": cited, "changed": changed}


def lexicon_versions(root: Path, out: Path | None) -> list[str]:
    from policytext.validation import read_gold, validate_gold

    new, old = load_lexicon(), load_lexicon(OLD_LEXICON)
    tok = Tokenizer(engine="rjieba")
    lines: list[str] = []
    if (GOLD / "dev.csv").is_file():
        dev = read_gold(GOLD / "dev.csv")
        t_old = validate_gold(dev, old, tok, n_resamples=RESAMPLES, random_state=SEED)
        t_new = validate_gold(dev, new, tok, n_resamples=RESAMPLES, random_state=SEED)
        if out:
            pd.concat([t_old.assign(lexicon=old.version), t_new.assign(lexicon=new.version)]).to_csv(
                out / "gold_dev.csv", index=False)
        lines += [f"dev.csv ({len(dev)} sentences, {int(dev.label.sum())} positive); 95% intervals: stratified bootstrap, "
                  f"{RESAMPLES} resamples, seed {SEED}.", "",
                  f"| statistic | {old.version} | {new.version} |", "|---|---|---|"]
        for measure, metric in [("positive_call", "precision"), ("positive_call", "recall"), ("positive_call", "f1"),
                                ("sentence_share", "auroc"), ("index", "auroc")]:
            lines.append(f"| {measure} {metric} | {_gold_rows(t_old, measure, metric, 'label')} | "
                         f"{_gold_rows(t_new, measure, metric, 'label')} |")
        lines += ["", "Per source (F1 of the positive call; n positive):", "",
                  f"| source | n (positive) | {old.version} | {new.version} |", "|---|---|---|---|"]
        for src, g in dev.groupby("source"):
            a = f"label | source={src}"
            lines.append(f"| {src} | {len(g)} ({int(g.label.sum())}) | {_gold_rows(t_old, 'positive_call', 'f1', a)} "
                         f"| {_gold_rows(t_new, 'positive_call', 'f1', a)} |")
        lines += ["", "Per dimension (F1 of a hit in the category of the same name):", "",
                  f"| dimension | positives | {old.version} | {new.version} |", "|---|---|---|---|"]
        for d in ("fine_grained", "smart_admin", "seamless_service", "co_governance", "grassroots", "performance"):
            r = t_new[(t_new.metric == "f1") & (t_new.against == f"dimension={d}")]
            lines.append(f"| {d} | {int(r.n_positive.iloc[0])} | {_gold_rows(t_old, f'hit_{d}', 'f1', f'dimension={d}')} "
                         f"| {_gold_rows(t_new, f'hit_{d}', 'f1', f'dimension={d}')} |")
        loo = loo_dev(dev, new, old, tok)
        lines += ["", f"Leave-one-sentence-out ({len(loo['cited'])} dev sentences are cited by a 1.1.0 change; each "
                  "scored by 1.1.0 without the changes citing it): precision "
                  f"{loo['precision']:.3f}, recall {loo['recall']:.3f}, F1 {loo['f1']:.3f}, AUROC of sentence_share "
                  f"{loo['auroc']:.3f}; calls that change: {', '.join(loo['changed']) or 'none'}."]
    if (GOLD / "crude_dev.csv").is_file():
        crude = read_gold(GOLD / "crude_dev.csv")
        t = validate_gold(crude, new, tok, n_resamples=RESAMPLES, random_state=SEED)
        get = lambda m, a: t[(t.metric == m) & (t.against == a)]  # noqa: E731
        lines += ["", f"crude_dev.csv ({len(crude)} occurrences, {int((crude.frame == 'reject').sum())} coded reject), "
                  f"lexicon {new.version}: rejection call precision "
                  f"{_gold_rows(t, 'rejection_call', 'precision', 'frame=reject')}, recall "
                  f"{_gold_rows(t, 'rejection_call', 'recall', 'frame=reject')}; endorse rows called rejected: "
                  f"{int(get('endorse_rejected', 'frame=endorse').value.iloc[0])} of "
                  f"{int(get('endorse_rejected', 'frame=endorse').n.iloc[0])}; describe rows called rejected: "
                  f"{int(get('describe_rejected', 'frame=describe').value.iloc[0])} of "
                  f"{int(get('describe_rejected', 'frame=describe').n.iloc[0])}."]
    # known groups
    smart, _ = smart_governance(root)
    regs, _ = length_matched(smart, local_regulations(root), SEED)
    both = Corpus([Document(d.doc_id, d.text, {}) for d in smart] + [Document(d.doc_id, d.text, {}) for d in regs])
    y = np.array([1] * len(smart) + [0] * len(regs))
    lines += ["", f"Known groups ({len(smart)} smart-governance policies against {len(regs)} length-matched local "
              "regulations, as in part 1), AUROC [95% CI]:", "", f"| measure | {old.version} | {new.version} |",
              "|---|---|---|"]
    kg = {}
    for lex in (old, new):
        kg[lex.version] = Scorer(lex, tok).score(both, jobs=1).scores
    for col in ("index", "sentence_share"):
        lines.append(f"| {col} | {ci(auroc, kg[old.version][col], y, strata=y)} | "
                     f"{ci(auroc, kg[new.version][col], y, strata=y)} |")
    # corpora
    lines += ["", "Each corpus scored with both versions (crude hits of 1.1.0: counted = subtracted, rejected = in "
              "crude_rejected; Spearman of the two versions' index over the corpus's documents):", "",
              "| corpus | documents | crude hits 1.0.0 | 1.1.0 counted | 1.1.0 rejected | rejected share | "
              "Spearman index 1.0.0 ~ 1.1.0 |", "|---|---|---|---|---|---|---|"]
    for name, folder, glob in CORPORA:
        t0 = time.perf_counter()
        corpus = read_corpus(root / folder, glob=glob)
        a = Scorer(old, tok).score(corpus, jobs=1).scores
        b = Scorer(new, tok).score(corpus, jobs=1).scores
        counted, rejected = int(b["hits_crude"].sum()), int(b["crude_rejected"].sum())
        share = rejected / (counted + rejected) if counted + rejected else float("nan")
        lines.append(f"| {name} | {len(a)} | {int(a['hits_crude'].sum())} | {counted} | {rejected} | {share:.0%} | "
                     f"{spearman(a['index'], b['index']):.3f} |")
        log(f"{name}: {len(a)} documents scored twice in {time.perf_counter() - t0:.0f} s")
    return lines


# -- part 4: what it would take to reach the known-groups target ------------------------------------------------
#: (label, kind, changes): kind says whether the change is a sense rule the codebook asks for, one that undoes
#: such a rule, vocabulary from the seed essays, or the topic vocabulary the smart-governance set was selected on.
#: changes: {term: {"exclusions": (...), "exclude_context": (...)}} added to the term, or {term: None} (drop),
#: or ("add", category, weight, [terms]).
TRIALS = [
    ("信息化: every department name excluded (工业和信息化, 经济和信息化, 经济信息化), as 工业和信息化部 already is",
     "sense rule (codebook: a department's name is not smart administration)",
     {"信息化": {"exclusions": ("工业和信息化", "经济和信息化", "经济信息化")}}),
    ("信息化: the 1.1.0 ministry exclusion undone (工业和信息化部 counts again)", "undoes a sense rule",
     {"信息化": {"exclusions": None}}),
    ("标准化: vetoed next to product or industry words (产品, 产业, 行业, 工业, 制造, 技术)",
     "sense rule (codebook: product or industry standards are not smart_admin)",
     {"标准化": {"exclude_context": ("产品", "产业", "行业", "工业", "制造", "技术")}}),
    ("评估: valuations excluded (价格评估, 价值评估, 征收评估, 评估机构)",
     "sense rule (codebook: assessment of products or assets is not performance)",
     {"评估": {"exclusions": ("价格评估", "价值评估", "征收评估", "评估机构")}}),
    ("社区: programmes and a named legal body excluded (社区戒毒, 社区康复, 社区居民委员会, 社区居(村)民委员会, 社区党组织)",
     "sense rule (codebook: 社区 as place, programme or body named in an unrelated rule)",
     {"社区": {"exclusions": ("社区戒毒", "社区康复", "社区居民委员会", "社区居(村)民委员会", "社区党组织")}}),
    ("基层: facilities and a named body excluded (基层文化设施, 基层公共文化设施, 基层红十字会)",
     "sense rule (codebook: 基层 as a place or facility count)",
     {"基层": {"exclusions": ("基层文化设施", "基层公共文化设施", "基层红十字会")}}),
    ("the three regulation-side sense rules above together (评估, 社区, 基层)", "sense rules", "regs"),
    ("all five sense rules together (信息化 departments, 标准化, 评估, 社区, 基层)", "sense rules", "senses"),
    ("seed-essay phrases at weight 1 (服务平台, 业务流程, 资源整合, 专业化, 治理能力, 治理水平, 评估体系, 评价体系, "
     "信息网络, 组织协调, 社会服务, 公共管理, 社区自治, 个性化服务, 居民需求)",
     "vocabulary of the seed essays (篇1: 信息网络平台, 内部流程再造, 整合利用各种不同的资源, 立体的绩效评估体系, "
     "组织协调, 以社会服务社会, 公共管理, 居民需求; 篇2: 社区的自治空间; 篇3: 专业化, 个性化的意见, 治理水平)",
     "seed"),
    ("the regulation-side sense rules and the seed-essay phrases", "sense rules and seed vocabulary", "regs+seed"),
    ("every principled change above: the five sense rules and the seed-essay phrases", "sense rules and seed vocabulary",
     "senses+seed"),
    ("the regulation-side sense rules and the seed-essay phrases, with the ministry exclusion undone",
     "includes undoing a sense rule", "regs+seed-ministry"),
    ("基层, 社区, 社会组织, 志愿服务 dropped (the grassroots and co-governance words regulations use most)",
     "removes two dimensions' core words", {"基层": None, "社区": None, "社会组织": None, "志愿服务": None}),
    ("智能化, 数字化, 人工智能 added to smart_admin at 0.5 (left out in 1.0.0 as industrial-policy words)",
     "the vocabulary the smart-governance set was selected on", ("add", "smart_admin", 0.5, ["智能化", "数字化", "人工智能"])),
]
#: titles (metadata ``title_en``) of smart-governance documents about an industry, the economy, R&D, AI or products
INDUSTRY_TITLE = (r"Industr|Manufactur|Enterprise|Econom|Commerce|Vehicle|Research|\bAI\b|Artificial Intelligence|"
                  r"Large[- ]Model|Software|Sensor|Terminal|Device|Robot|Chip|Fund\b|Subsid|Park\b|"
                  r"Scientific and Technological|Technological Innovation")
SEED_PHRASES = {"服务平台": "smart_admin", "业务流程": "smart_admin", "资源整合": "smart_admin", "专业化": "smart_admin",
                "治理能力": "fine_grained", "治理水平": "fine_grained", "评估体系": "performance",
                "评价体系": "performance", "信息网络": "smart_admin", "组织协调": "smart_admin",
                "社会服务": "co_governance", "公共管理": "smart_admin", "社区自治": "grassroots",
                "个性化服务": "seamless_service", "居民需求": "seamless_service"}


def _variant(lex, changes):
    """``lex`` with ``changes`` applied (see :data:`TRIALS`)."""
    from dataclasses import replace

    from policytext import Lexicon
    from policytext.lexicon import ContextRule, Term

    cats = [lex.category(c) for c in lex.categories]
    if isinstance(changes, tuple):
        _, cat, weight, words = changes
        extra = [Term(term=w, category=cat, weight=weight, provenance="trial") for w in words]
        return Lexicon(cats, list(lex.terms) + extra, name=lex.name, version=lex.version + "+trial")
    terms = []
    for t in lex.terms:
        if t.term in changes:
            ch = changes[t.term]
            if ch is None:
                continue
            if "exclusions" in ch:
                t = replace(t, exclusions=() if ch["exclusions"] is None else t.exclusions + ch["exclusions"])
            if "exclude_context" in ch:
                t = replace(t, exclude_context=t.exclude_context + (ContextRule(ch["exclude_context"], side="both"),))
        terms.append(t)
    return Lexicon(cats, terms, name=lex.name, version=lex.version + "+trial")


def known_group_trials(root: Path, out: Path | None) -> list[str]:
    """Known-groups AUROC, dev.csv and crude_dev.csv for the default lexicon and each change of :data:`TRIALS`."""
    from policytext import Lexicon
    from policytext.lexicon import Term
    from policytext.validation import f1_score, precision_recall, read_gold, rejection_calls, score_gold

    base = load_lexicon()
    tok = Tokenizer(engine="rjieba")
    smart, _ = smart_governance(root)
    regs, _ = length_matched(smart, local_regulations(root), SEED)
    both = Corpus([Document(d.doc_id, d.text, {}) for d in smart] + [Document(d.doc_id, d.text, {}) for d in regs])
    y = np.array([1] * len(smart) + [0] * len(regs))
    dev = read_gold(GOLD / "dev.csv") if (GOLD / "dev.csv").is_file() else None
    crude = read_gold(GOLD / "crude_dev.csv") if (GOLD / "crude_dev.csv").is_file() else None

    def measure(lex):
        sc = Scorer(lex, tok).score(both, jobs=1).scores
        row = {"index": auroc(sc["index"], y), "sentence_share": auroc(sc["sentence_share"], y)}
        if dev is not None:
            g, _ = score_gold(dev, lex, tok)
            pred = (g["sentences_positive"] > 0).to_numpy(float)
            lab = dev["label"].astype(int).to_numpy()
            row["dev_precision"], _ = precision_recall(pred, lab, 0.5)
            row["dev_f1"] = f1_score(pred >= 0.5, lab)
        if crude is not None:
            c = rejection_calls(crude, lex, tok)
            row["crude_recall"] = float(c.loc[c.frame == "reject", "called_reject"].mean())
        return row

    rules = {}  # the sense rules of TRIALS by term (the undoing of the ministry rule is not one)
    for label, kind, ch in TRIALS:
        if isinstance(ch, dict) and kind.startswith("sense rule"):
            rules.update(ch)
    regs_rules = {t: rules[t] for t in ("评估", "社区", "基层")}

    def seed_lex(lex):
        extra = [Term(term=w, category=c, weight=1.0, provenance="trial") for w, c in SEED_PHRASES.items()]
        return Lexicon([lex.category(c) for c in lex.categories], list(lex.terms) + extra, name=lex.name,
                       version=lex.version + "+trial")

    rows = [("default lexicon " + base.version, "", measure(base))]
    for label, kind, ch in TRIALS:
        if ch == "regs":
            lex = _variant(base, regs_rules)
        elif ch == "senses":
            lex = _variant(base, rules)
        elif ch == "seed":
            lex = seed_lex(base)
        elif ch == "regs+seed":
            lex = seed_lex(_variant(base, regs_rules))
        elif ch == "senses+seed":
            lex = seed_lex(_variant(base, rules))
        elif ch == "regs+seed-ministry":
            lex = seed_lex(_variant(base, {**regs_rules, "信息化": {"exclusions": None}}))
        else:
            lex = _variant(base, ch)
        rows.append((label, kind, measure(lex)))
        log(f"trial: {label[:60]}")
    b = rows[0][2]
    lines = [f"Known groups as in part 1 ({len(smart)} smart-governance policies, {len(regs)} length-matched local "
             f"regulations), AUROC; dev.csv: precision and F1 of the positive call; crude_dev.csv: recall of the "
             f"rejection call. Each row is the default lexicon {base.version} with one change, or the combination it "
             "names.", "",
             "| change | kind | AUROC `index` | AUROC `sentence_share` | dev precision | dev F1 | crude recall |",
             "|---|---|---|---|---|---|---|"]
    for label, kind, r in rows:
        d = "" if r is b else f" ({r['index'] - b['index']:+.3f})"
        e = "" if r is b else f" ({r['sentence_share'] - b['sentence_share']:+.3f})"
        lines.append(f"| {label} | {kind} | {r['index']:.3f}{d} | {r['sentence_share']:.3f}{e} | "
                     f"{r.get('dev_precision', float('nan')):.3f} | {r.get('dev_f1', float('nan')):.3f} | "
                     f"{r.get('crude_recall', float('nan')):.3f} |")
    # a rough split of the smart-governance set by its (English) metadata titles
    import re

    titles = pd.read_csv(root / "smart_governance_policies" / "metadata.csv", dtype=str).set_index("id")["title_en"]
    industry = re.compile(INDUSTRY_TITLE, re.I)
    sc = Scorer(base, tok).score(both, jobs=1).scores
    is_ind = np.array([bool(industry.search(str(titles.get(d, "")))) for d in sc["doc_id"]])
    lines += ["", f"The smart-governance set split by its metadata titles (English; pattern `{INDUSTRY_TITLE}`), each "
              f"part against all {len(regs)} regulations, lexicon {base.version}:", "",
              "| smart-governance documents | n | AUROC `index` | AUROC `sentence_share` |", "|---|---|---|---|"]
    for name, part in (("titles naming an industry, the economy, R&D, AI or products", is_ind),
                       ("the other titles (smart city, digital government, courts, services, sectors' digitalisation)",
                        ~is_ind)):
        keep = (y == 0) | ((y == 1) & part)
        lines.append(f"| {name} | {int((part & (y == 1)).sum())} | {auroc(sc['index'][keep], y[keep]):.3f} | "
                     f"{auroc(sc['sentence_share'][keep], y[keep]):.3f} |")
    if dev is not None:
        g, _ = score_gold(dev, base, tok)
        called = (g["sentences_positive"] > 0).to_numpy()
        lines += ["", "Coded sentences of the two source corpora in dev.csv (random sentences of all their documents, "
                  "not the length-matched sample):", "", "| source | sentences | coded positive | called positive "
                  f"by {base.version} |", "|---|---|---|---|"]
        for src in ("smart_governance_policies", "local_regulations"):
            m = (dev["source"] == src).to_numpy()
            lines.append(f"| {src} | {int(m.sum())} | {int(dev.label[m].sum())} | {int(called[m].sum())} |")
    if out:
        pd.DataFrame([{"change": lbl, "kind": k, **r} for lbl, k, r in rows]).to_csv(out / "known_group_trials.csv",
                                                                                    index=False)
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", default=str(SHARED), help="the shared corpora folder")
    ap.add_argument("--out", help="also write the per-document tables to this folder")
    ap.add_argument("--part", choices=["all", "lexicon", "trials"], default="all",
                    help="lexicon: only part 3 (lexicon versions); trials: only part 4 (changes tried for the "
                         "known-groups target)")
    args = ap.parse_args(argv)
    root = Path(args.corpora)
    if not root.is_dir():
        print(f"corpora not found at {root}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    parts = {"trials": ("Changes tried for the known-groups target", known_group_trials),
             "lexicon": ("Lexicon 1.0.0 against 1.1.0", lexicon_versions)}
    if args.part in parts:
        title, part = parts[args.part]
        lines = [f"## {title}", ""] + part(root, out)
        lines += ["", f"Command: `python benchmarks/validation_study.py --part {args.part}` "
                  f"({time.perf_counter() - t0:.0f} s on this machine)."]
        print("\n".join(lines))
        return 0
    lines = ["## Known groups: smart-governance policies against length-matched local regulations", ""]
    lines += known_groups(root, out)
    lines += ["", "## Triangulation on the 62 provincial government work reports", ""]
    lines += provincial(root, out)
    lines += ["", f"Command: `python benchmarks/validation_study.py` ({time.perf_counter() - t0:.0f} s on this machine)."]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
