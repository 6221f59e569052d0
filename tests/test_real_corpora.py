"""Every document of the national and provincial work reports is scored; none is lost.

Reads ../shared/corpora (public documents beside the checkout); skips with a reason where it is absent.
The ten highest and lowest documents by index are printed at the end of the run (tests/conftest.py).
"""

import pytest

from policytext import Scorer, Tokenizer, read_corpus


@pytest.fixture(scope="module")
def scorer():
    # rjieba gives jieba's tokens (tests/test_tokenize.py::test_rjieba_conformance_on_the_shared_corpora)
    return Scorer(tokenizer=Tokenizer(engine="rjieba"))


@pytest.mark.parametrize("name", ["gwr", "provincial_gwr"])
def test_every_work_report_is_scored(shared_corpora, scorer, name, record_property):
    folder = shared_corpora / name
    n_files = len(list(folder.rglob("*.txt")))
    corpus = read_corpus(folder, glob="*.txt")
    result = scorer.score(corpus)
    assert corpus.errors == [] and result.errors == []
    assert len(result.scores) == n_files == {"gwr": 74, "provincial_gwr": 62}[name]
    assert result.scores["doc_id"].is_unique
    meta_col = {"gwr": "year", "provincial_gwr": "province"}[name]
    # metadata.csv is joined to every document; gwr's two derived t2s variants have no row of their own
    unmatched = {"gwr": ["variants/1954.t2s", "variants/1957.t2s"], "provincial_gwr": []}[name]
    assert corpus.info["metadata_unmatched_docs"] == unmatched
    assert result.scores.set_index("doc_id").drop(unmatched)[meta_col].notna().all()
    assert (result.scores["n_chars"] > 0).all()
    ranked = result.scores.sort_values("index", ascending=False)[["doc_id", meta_col, "n_chars", "hits_total", "index"]]
    record_property("show", f"{name}: {len(ranked)} documents scored; ten highest by index:\n"
                            f"{ranked.head(10).to_string(index=False)}\n"
                            f"{name}: ten lowest by index:\n{ranked.tail(10).to_string(index=False)}")
    if name == "provincial_gwr":
        assert result.scores["coverage"].all()  # every provincial report speaks of 基层/社区/精准 ...
    else:
        # the construct is a reform-era vocabulary: reports since 2013 score above those before 1978
        reports = result.scores[~result.scores["doc_id"].str.contains("/")].astype({"year": int})
        assert reports[reports.year >= 2013]["index"].median() > reports[reports.year < 1978]["index"].median()
