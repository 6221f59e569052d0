"""Topic-model benchmark: policytext's models (anchored, gensim LDA, seeded-dimensions) against scikit-learn's
LatentDirichletAllocation.

Same document-term matrix, same K, in the same run; the variational models make the same number of passes
over the corpus, the anchored model (tomotopy collapsed Gibbs, one thread per fit) its default 500 Gibbs
iterations, as one fit and as the default 5-fit ensemble on all cores. Prints wall time (median of --repeats
fits) and NPMI coherence (policytext.topics.coherence_npmi, top 10 words, document co-occurrence) for each,
and the ratios.

    python benchmarks/topics_lda.py                       # all of ../shared/corpora/laws_regulations, K=20
    python benchmarks/topics_lda.py --k 20 --passes 10 --repeats 3 --limit 1000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from policytext import read_corpus
from policytext.dtm import build_dtm, topic_tokenizer
from policytext.anchored import AnchoredEnsemble, AnchoredTopicModel
from policytext.topics import LdaModel, SeededLdaModel, SeedWarning, coherence_npmi

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"


class SklearnLda:
    """scikit-learn's batch LDA wrapped to give components_ like policytext's models."""

    def __init__(self, k, passes, seed):
        from sklearn.decomposition import LatentDirichletAllocation

        self.lda = LatentDirichletAllocation(n_components=k, max_iter=passes, learning_method="batch",
                                             random_state=seed, n_jobs=1)

    def fit(self, dtm):
        self.lda.fit(dtm.X)
        comp = self.lda.components_
        self.components_ = comp / comp.sum(axis=1, keepdims=True)
        return self


def timed(make, dtm, repeats):
    times, model = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        model = make().fit(dtm)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), model


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(SHARED / "laws_regulations"))
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--passes", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N documents (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gibbs", type=int, default=500, help="Gibbs iterations of the anchored model")
    args = ap.parse_args(argv)
    if not Path(args.corpus).is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    corpus = read_corpus(args.corpus, glob="*.txt")
    docs = corpus.documents[: args.limit] if args.limit else corpus.documents
    tok = topic_tokenizer(engine="rjieba")
    dtm = build_dtm(docs, tokenizer=tok, unit="document", min_df=5, max_df=0.5)
    n_tokens = int(dtm.X.sum())
    print(f"corpus: {len(docs)} documents, {n_tokens:,} tokens, vocabulary {len(dtm.vocabulary):,} "
          f"(read + tokenize {time.perf_counter() - t0:.1f} s, rjieba); K={args.k}, {args.passes} passes (anchored: {args.gibbs} Gibbs iterations), "
          f"median of {args.repeats} fits")
    runs = {
        "scikit-learn LatentDirichletAllocation (batch)": lambda: SklearnLda(args.k, args.passes, args.seed),
        "policytext lda (gensim LdaModel, 1 process)": lambda: LdaModel(args.k, max_iter=args.passes,
                                                                      random_state=args.seed),
        "policytext seeded-dimensions (gensim, lexicon prior)": lambda: SeededLdaModel(args.k, max_iter=args.passes,
                                                                                     random_state=args.seed),
        "policytext anchored, one fit (tomotopy, 1 thread)": lambda: AnchoredTopicModel(
            args.k, max_iter=args.gibbs, random_state=args.seed),
        "policytext anchored, 5-fit ensemble (all cores)": lambda: AnchoredEnsemble(
            args.k, max_iter=args.gibbs, random_state=args.seed),
    }
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeedWarning)
        for name, make in runs.items():
            secs, model = timed(make, dtm, args.repeats)
            rows.append((name, secs, float(np.mean(coherence_npmi(model, dtm)))))
    base_t, base_c = rows[0][1], rows[0][2]
    print(f"{'model':<55} {'wall s':>8} {'x sklearn':>10} {'NPMI':>8} {'NPMI - sklearn':>15}")
    for name, secs, coh in rows:
        print(f"{name:<55} {secs:>8.2f} {secs / base_t:>10.2f} {coh:>8.3f} {coh - base_c:>15.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
