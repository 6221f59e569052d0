"""The anchored topic model against the targets of issue 11 (numbers quoted in docs/topics.md).

    python benchmarks/topics_anchored.py                 # everything below, default settings
    python benchmarks/topics_anchored.py --only provincial
    python benchmarks/topics_anchored.py --only known-groups
    python benchmarks/topics_anchored.py --only priors   # single fits for seed priors 10, 15, 20, 30
    python benchmarks/topics_anchored.py --only gwr      # out of sample: the national work reports

1. Provincial work reports (62, ``provincial_gwr``, ``202*/*.txt``), default settings (whole documents, K=30,
   5 fits): pairwise Spearman of the ensemble ``governance_share`` between base seeds 0, 1, 2; wall time of each
   ensemble; Spearman of each ensemble's share with the lexicon index; then single fits over 6 seeds and
   K 20, 30, 40 (``topic_stability``, the same as ``policytext topics stability``).
2. Known groups: the 217 smart-governance policies against 217 length-matched local regulations (the
   construction of ``benchmarks/validation_study.py``): AUROC of the ensemble ``governance_share``, and, for
   the honest limit, the AUROC of the plain share of seed-word tokens and its Spearman with the topic share.

3. Out of sample (the seed prior was chosen on the provincial reports): the national government work reports
   (``gwr``, ``*.txt``): ensembles with base seeds 0, 1, 2 (pairwise Spearman, Spearman with the index, fits in
   another mode), then single fits over 6 seeds x K 20, 30, 40 with the verdict.

Every run uses the rjieba engine for tokenizing (the same tokens as jieba, faster) and all cores for the fits.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from policytext import Corpus, Document, Scorer, Tokenizer, read_corpus  # noqa: E402
from policytext.dtm import topic_tokenizer  # noqa: E402
from policytext.topics import SeedWarning, TopicOptions, fit_topics, topic_stability  # noqa: E402
from policytext.validation import auroc  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def log(msg: str) -> None:
    print(msg, flush=True)


def seed_token_share(result) -> np.ndarray:
    """Per document, the share of its counted tokens that are governance seed words (no model)."""
    dtm, m = result.dtm, result.model
    col = {w: j for j, w in enumerate(dtm.vocabulary)}
    cols = [col[w] for w in m.seed_words_]
    X = dtm.X.tocsr()
    seeds = np.asarray(X[:, cols].sum(axis=1)).ravel()
    total = np.asarray(X.sum(axis=1)).ravel()
    num, den = np.zeros(dtm.n_documents), np.zeros(dtm.n_documents)
    np.add.at(num, dtm.row_doc, seeds)
    np.add.at(den, dtm.row_doc, total)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def spearman(a, b) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).correlation)


def provincial(root: Path, tok, args) -> None:
    corpus = read_corpus(root / "provincial_gwr", glob="202*/*.txt")
    index = Scorer(tokenizer=Tokenizer(engine="rjieba")).score(corpus).scores.set_index("doc_id")["index"]
    shares, times = {}, []
    for base in (0, 1, 2):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SeedWarning)
            r = fit_topics(corpus, options=dataclasses.replace(args.opts, candidates=0), tokenizer=tok, random_state=base)
        times.append(time.perf_counter() - t0)
        shares[base] = r.documents.set_index("doc_id")["governance_share"]
        s = r.settings
        log(f"provincial ensemble seed {base}: {times[-1]:.1f} s (tokenize + 5 fits + tables); within-ensemble "
            f"{s['verdict_text']}; Spearman with index {spearman(shares[base], index.reindex(shares[base].index)):.3f}; "
            f"median sd per document {r.documents['governance_share_sd'].median():.4f}")
        if base == 0:
            plain = seed_token_share(r)
            log(f"  Spearman(ensemble share, plain seed-token share) {spearman(shares[0].to_numpy(), plain):.3f}; "
                f"Spearman(plain seed-token share, index) {spearman(plain, index.reindex(shares[0].index)):.3f}")
    pairs = [(a, b, spearman(shares[a], shares[b])) for a, b in ((0, 1), (0, 2), (1, 2))]
    log("provincial: Spearman between ensembles with base seeds " + ", ".join(f"{a}-{b} {r:.3f}" for a, b, r in pairs)
        + f"; ensemble time median {np.median(times):.1f} s (range {min(times):.1f}-{max(times):.1f})")
    if args.skip_stability:
        return
    t0 = time.perf_counter()
    st = topic_stability(corpus, options=args.opts, tokenizer=tok)
    s = st.summary
    log(f"provincial stability (6 seeds x K 20, 30, 40; {time.perf_counter() - t0:.0f} s): median Spearman "
        f"{s['median_spearman']:.3f} (same K {s['median_spearman_same_k']:.3f}, different K "
        f"{s['median_spearman_different_k']:.3f}), lowest {s['lowest_spearman']:.3f}; Spearman with index "
        f"{s['spearman_with_index_range'][0]:.3f} to {s['spearman_with_index_range'][1]:.3f} (median "
        f"{st.fits['spearman_with_index'].median():.3f}); {s['verdict_text']}")
    if args.paragraphs:
        t0 = time.perf_counter()
        st = topic_stability(corpus, options=dataclasses.replace(args.opts, unit="paragraph"), tokenizer=tok)
        s = st.summary
        log(f"provincial stability on PARAGRAPHS ({time.perf_counter() - t0:.0f} s): median Spearman "
            f"{s['median_spearman']:.3f}, lowest {s['lowest_spearman']:.3f}; Spearman with index "
            f"{s['spearman_with_index_range'][0]:.3f} to {s['spearman_with_index_range'][1]:.3f}; {s['verdict_text']}")


def known_groups(root: Path, tok, args) -> None:
    import validation_study as vs

    smart, _ = vs.smart_governance(root)
    regs, _ = vs.length_matched(smart, vs.local_regulations(root), vs.SEED)
    both = Corpus([Document(d.doc_id, d.text, {"group": "smart_governance"}) for d in smart]
                  + [Document(d.doc_id, d.text, {"group": "local_regulation"}) for d in regs])
    y = np.array([1] * len(smart) + [0] * len(regs))
    for base in args.kg_seeds:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SeedWarning)
            r = fit_topics(both, options=dataclasses.replace(args.opts, candidates=0), tokenizer=tok, random_state=base)
        share = r.documents["governance_share"].to_numpy()
        plain = seed_token_share(r)
        per_fit = [auroc(r.model.fits_[f].transform(r.dtm)[:, 0], y) for f in range(len(r.model.fits_))]
        log(f"known groups ({len(smart)} vs {len(regs)}), ensemble seed {base} ({time.perf_counter() - t0:.0f} s): "
            f"AUROC governance_share {auroc(share, y):.3f} (single fits {min(per_fit):.3f}-{max(per_fit):.3f}); "
            f"AUROC plain seed-token share {auroc(plain, y):.3f}; Spearman(share, plain) {spearman(share, plain):.3f}; "
            f"AUROC non-seed part {auroc(r.documents['governance_share_nonseed'].to_numpy(), y):.3f}; "
            f"{r.settings['verdict_text']}")


def gwr(root: Path, tok, args) -> None:
    corpus = read_corpus(root / "gwr", glob="*.txt")
    index = Scorer(tokenizer=Tokenizer(engine="rjieba")).score(corpus).scores.set_index("doc_id")["index"]
    shares = {}
    for base in args.gwr_seeds:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SeedWarning)
            r = fit_topics(corpus, options=dataclasses.replace(args.opts, candidates=0), tokenizer=tok, random_state=base)
        shares[base] = r.documents.set_index("doc_id")["governance_share"]
        m, s = r.model, r.settings
        fit_rho = [spearman(m.fits_[f].transform(r.dtm)[:, 0], index.reindex(shares[base].index))
                   for f in range(len(m.fits_))]
        log(f"gwr ({len(corpus)} documents) ensemble seed {base} ({time.perf_counter() - t0:.0f} s): Spearman with "
            f"index {spearman(shares[base], index.reindex(shares[base].index)):.3f} (single fits "
            + ", ".join(f"{v:+.2f}" for v in fit_rho) + f"); fits in the share {s['fits_in_share']} of "
            f"{s['n_fits']}; {s['verdict_text']}")
    bases = list(shares)
    pairs = [(a, b, spearman(shares[a], shares[b])) for i, a in enumerate(bases) for b in bases[i + 1:]]
    log("gwr: Spearman between ensembles with base seeds " + ", ".join(f"{a}-{b} {r:.3f}" for a, b, r in pairs))
    if args.skip_stability:
        return
    t0 = time.perf_counter()
    st = topic_stability(corpus, options=args.opts, tokenizer=tok)
    s = st.summary
    log(f"gwr stability (6 seeds x K 20, 30, 40; {time.perf_counter() - t0:.0f} s): median Spearman "
        f"{s['median_spearman']:.3f}, lowest {s['lowest_spearman']:.3f}; Spearman with index "
        f"{s['spearman_with_index_range'][0]:.3f} to {s['spearman_with_index_range'][1]:.3f}; {s['verdict_text']}")


def priors(root: Path, tok, args) -> None:
    """Single fits (K=30, seeds 0-5) on the provincial reports (or ``--priors-corpus gwr``) for several seed
    priors."""
    from policytext import load_lexicon
    from policytext.anchored import anchored_seeds, fit_many, pairwise_spearman
    from policytext.dtm import build_dtm

    corpus = (read_corpus(root / "gwr", glob="*.txt") if args.priors_corpus == "gwr"
              else read_corpus(root / "provincial_gwr", glob="202*/*.txt"))
    index = Scorer(tokenizer=Tokenizer(engine="rjieba")).score(corpus).scores["index"].to_numpy()
    dtm = build_dtm(corpus, tokenizer=tok, unit="document")
    pos, neg = anchored_seeds(load_lexicon())
    for prior in args.priors:
        fits = fit_many([dict(n_components=30, seeds=pos, contrast_seeds=neg, seed_prior=prior, random_state=s)
                         for s in range(6)], dtm)
        G = np.column_stack([f.transform(dtm)[:, 0] for f in fits])
        A = pairwise_spearman(G)
        pairs = A[np.triu_indices_from(A, k=1)]
        rho = [spearman(G[:, i], index) for i in range(G.shape[1])]
        nonseed = np.mean([f.nonseed_share(dtm).mean() for f in fits])
        log(f"[{args.priors_corpus}, {dtm.X.sum() / dtm.n_documents:.0f} tokens per document] "
            f"seed_prior {prior:g}: Spearman between 6 single fits (K=30) median {np.median(pairs):.3f}, lowest "
            f"{pairs.min():.3f}; with index median {np.median(rho):.3f} ({min(rho):.3f}-{max(rho):.3f}); mean "
            f"governance_share {G.mean():.4f}, non-seed part {nonseed:.4f} ({nonseed / G.mean():.0%}); per fit mean "
            + ", ".join(f"{v:.4f}" for v in G.mean(axis=0)) + "; per fit with index " + ", ".join(f"{v:+.2f}" for v in rho))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=str(SHARED))
    ap.add_argument("--only", choices=["provincial", "known-groups", "priors", "gwr"])
    ap.add_argument("--priors", type=float, nargs="+", default=[10, 15, 20, 30])
    ap.add_argument("--skip-stability", action="store_true")
    ap.add_argument("--paragraphs", action="store_true", help="also measure stability on paragraphs")
    ap.add_argument("--kg-seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--priors-corpus", choices=["provincial", "gwr"], default="provincial")
    ap.add_argument("--gwr-seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--seed-prior", type=float, default=None, help="override the default seed prior")
    args = ap.parse_args(argv)
    args.opts = TopicOptions() if args.seed_prior is None else TopicOptions(seed_prior=args.seed_prior)
    root = Path(args.root)
    if not root.is_dir():
        print(f"corpora not found: {root}", file=sys.stderr)
        return 2
    tok = topic_tokenizer(engine="rjieba")
    if args.only in (None, "provincial"):
        provincial(root, tok, args)
    if args.only in (None, "known-groups"):
        known_groups(root, tok, args)
    if args.only in (None, "gwr"):
        gwr(root, tok, args)
    if args.only == "priors":
        priors(root, tok, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
