"""The seeded model on real documents: seeds lead their topics, seeding moves topics the intended way, and the
Spearman correlation between governance_share and the lexicon index is reported (run with -s to see it).

Corpus: the 62 provincial work reports (2025, 2026) plus 40 local regulations drawn with a fixed seed, from
../shared/corpora; skips with a reason where that folder is absent.
"""

import random
import warnings

import numpy as np
import pytest
from scipy.stats import spearmanr

from policytext import Corpus, Scorer, Tokenizer, load_lexicon, read_corpus
from policytext.dtm import build_dtm, topic_tokenizer
from policytext.topics import LdaModel, SeededLdaModel, SeedWarning, governance_topics, lexicon_seeds

K = 10


@pytest.fixture(scope="module")
def fitted(shared_corpora):
    prov = read_corpus(shared_corpora / "provincial_gwr", glob="202*/*.txt")
    regs = sorted(read_corpus(shared_corpora / "laws_regulations" / "local_regulations").documents, key=lambda d: d.doc_id)
    random.Random(0).shuffle(regs)
    corpus = Corpus(list(prov.documents) + regs[:40])
    lexicon = load_lexicon()
    dtm = build_dtm(corpus, tokenizer=topic_tokenizer(lexicon, engine="rjieba"), unit="paragraph")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeedWarning)
        seeded = SeededLdaModel(K, seeds=lexicon_seeds(lexicon), random_state=0).fit(dtm)
    unseeded = LdaModel(K, random_state=0).fit(dtm)
    index = Scorer(tokenizer=Tokenizer(engine="rjieba")).score(corpus).scores["index"].to_numpy()
    return corpus, lexicon, dtm, seeded, unseeded, index


def test_each_seeded_topic_has_its_seeds_among_its_top_terms(fitted):
    _, lexicon, _, seeded, _, _ = fitted
    assert seeded.seeded_dimensions_[:7] == lexicon.categories
    for k, dim in enumerate(seeded.seeded_dimensions_[:7]):
        top = {w for w, _ in seeded.top_terms(k, 20)}
        found = top & set(seeded.seed_words_[dim])
        assert found, (dim, sorted(top))


def test_seeding_moves_the_seeded_topics_towards_their_seeds(fitted):
    """Against an unseeded run at the same seed: the seed words' probability mass in their seeded topic is far
    above their mass in any unseeded topic."""
    _, _, dtm, seeded, unseeded, _ = fitted
    col = {w: j for j, w in enumerate(dtm.vocabulary)}
    for k, dim in enumerate(seeded.seeded_dimensions_[:7]):
        cols = [col[w] for w in seeded.seed_words_[dim]]
        with_seeds = seeded.components_[k, cols].sum()
        best_without = unseeded.components_[:, cols].sum(axis=1).max()
        assert with_seeds > 5 * best_without, (dim, with_seeds, best_without)


def test_report_spearman_between_governance_share_and_the_lexicon_index(fitted):
    corpus, lexicon, dtm, seeded, _, index = fitted
    shares = dtm.document_shares(seeded.transform(dtm))
    gov = governance_topics(seeded, dtm, lexicon)
    assert gov == [0, 1, 2, 3, 4, 5]
    governance_share = shares[:, gov].sum(axis=1)
    rho = spearmanr(governance_share, index).correlation
    print(f"\nseeded LDA, K={K}, {dtm.X.shape[0]} paragraphs of {len(corpus)} documents: "
          f"Spearman(governance_share, index) = {rho:.3f}")
    assert np.isfinite(rho) and governance_share.min() >= 0 and governance_share.max() <= 1
