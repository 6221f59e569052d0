"""Lexicon expansion: reproducible word vectors, a candidate file for review, and merging what was accepted."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from policytext import load_lexicon, read_corpus
from policytext.errors import ConfigError, LexiconError
from policytext.expansion import CANDIDATE_COLUMNS, bump_version, expand_lexicon, merge_candidates

REPO = Path(__file__).resolve().parents[1]
SETTINGS = dict(min_count=2, epochs=3, top_n=4, random_state=0)

FINGERPRINT = textwrap.dedent("""
    import hashlib, sys
    from policytext import read_corpus
    from policytext.dtm import topic_tokenizer
    from policytext.embedding import corpus_sentences, train_word2vec
    from policytext.expansion import expand_lexicon
    corpus = read_corpus(sys.argv[1])
    sents = corpus_sentences(corpus, topic_tokenizer())
    wv = train_word2vec(sents.tokens, min_count=2, epochs=3, random_state=0)
    table = expand_lexicon(corpus, min_count=2, epochs=3, top_n=4, random_state=0).candidates
    print(hashlib.sha256(wv.vectors.tobytes()).hexdigest(), len(wv),
          hashlib.sha256(table.to_csv(index=False).encode()).hexdigest())
""")


@pytest.fixture(scope="module")
def demo():
    return read_corpus(REPO / "corpora" / "demo")


@pytest.fixture(scope="module")
def result(demo):
    return expand_lexicon(demo, **SETTINGS)


def test_candidate_table(result):
    table = result.candidates
    assert list(table.columns) == CANDIDATE_COLUMNS
    assert table["accept"].isna().all()  # nothing is accepted for the reviewer
    lexicon_terms = {t.term for t in load_lexicon().terms}
    assert not set(table["candidate"]) & lexicon_terms
    assert table["candidate"].is_unique  # each word is proposed for one category only
    assert (table.groupby("category").size() <= 4).all()
    assert table["frequency"].min() >= 2 and (table["documents"] >= 1).all()
    first = table.iloc[0]
    assert first["provenance"].startswith("expansion: similarity ") and "word2vec, 24 documents, seed 0" in first["provenance"]
    assert "【" + first["candidate"] + "】" in first["example_1"]  # keyword in context, with the document id
    assert result.settings["workers"] == 1 and result.settings["random_state"] == 0


def test_fitting_twice_in_one_process_gives_identical_vectors(demo, result):
    from policytext.dtm import topic_tokenizer
    from policytext.embedding import corpus_sentences, train_word2vec

    sents = corpus_sentences(demo, topic_tokenizer())
    a = train_word2vec(sents.tokens, min_count=2, epochs=3, random_state=0)
    b = train_word2vec(sents.tokens, min_count=2, epochs=3, random_state=0)
    assert a.index_to_key == b.index_to_key and (a.vectors == b.vectors).all()
    c = train_word2vec(sents.tokens, min_count=2, epochs=3, random_state=1)
    assert not (a.vectors == c.vectors).all()
    pd.testing.assert_frame_equal(expand_lexicon(demo, **SETTINGS).candidates, result.candidates)


def test_two_processes_with_different_hash_seeds_give_identical_vectors():
    procs = []
    for hash_seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        procs.append(subprocess.Popen([sys.executable, "-c", FINGERPRINT, str(REPO / "corpora" / "demo")], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
        outs.append(out.strip())
    assert outs[0] == outs[1] and len(outs[0].split()) == 3


def test_no_seed_word_in_the_vocabulary_is_an_error(demo):
    from policytext import Lexicon

    with pytest.raises(ConfigError, match="no lexicon term occurs 2 times or more in the 24 documents"):
        expand_lexicon(demo, Lexicon.from_dict({"x": ["契约式"]}), min_count=2, epochs=1)
    with pytest.raises(ConfigError, match="no word occurs 1000 times"):
        expand_lexicon(demo, min_count=1000)


# -- merging --------------------------------------------------------------------------------------------------
def candidates(**accept):
    rows = [{"category": "co_governance", "candidate": "协商议事", "provenance": "expansion: similarity 0.70 to 共治"},
            {"category": "grassroots", "candidate": "楼栋长", "provenance": "expansion: similarity 0.65 to 社区"},
            {"category": "grassroots", "candidate": "社区", "provenance": "expansion: similarity 0.90 to 基层"},
            {"category": "crude", "candidate": "一刀切", "provenance": ""}]
    table = pd.DataFrame(rows)
    table.insert(0, "accept", [accept.get(r["candidate"]) for r in rows])
    return table


def test_merge_adds_only_accepted_rows_and_bumps_the_version():
    lex = load_lexicon()
    new, notes = merge_candidates(lex, candidates(协商议事="yes", 楼栋长=0, 社区="是"))
    assert new.version == "1.2.0" and lex.version == "1.1.0" and new.name == lex.name
    assert len(new.terms) == len(lex.terms) + 1
    added = [t for t in new.terms if t.term == "协商议事"]
    assert added[0].category == "co_governance" and added[0].provenance == "expansion: similarity 0.70 to 共治"
    assert added[0].weight == lex.category("co_governance").weight
    assert not any(t.term == "楼栋长" for t in new.terms)
    assert any("社区 is already in grassroots; skipped" in n for n in notes)
    assert notes[0].startswith("added 1 accepted candidates")
    assert [t.category for t in new.terms] == sorted((t.category for t in new.terms),
                                                     key=lex.categories.index)  # grouped by category
    assert not [i for i in new.validate() if i.level == "error"]


def test_merge_with_weight_version_and_name(tmp_path):
    table = candidates(楼栋长=1).assign(weight=[None, 1.5, None, None])
    new, _ = merge_candidates(load_lexicon(), table, version="2.0.0", name="fgg_expanded")
    assert (new.version, new.name) == ("2.0.0", "fgg_expanded")
    assert [t.weight for t in new.terms if t.term == "楼栋长"] == [1.5]
    path = tmp_path / "new.yaml"
    path.write_text(new.to_yaml(), encoding="utf-8")
    assert [t.provenance for t in load_lexicon(path).terms if t.term == "楼栋长"] == ["expansion: similarity 0.65 to 社区"]


def test_merge_errors():
    with pytest.raises(ConfigError, match="no candidate is accepted"):
        merge_candidates(load_lexicon(), candidates())
    with pytest.raises(LexiconError, match="row 3: cannot read accept='maybe'"):
        merge_candidates(load_lexicon(), candidates(楼栋长="maybe"))
    bad = candidates(协商议事=1)
    bad.loc[0, "category"] = "nowhere"
    with pytest.raises(LexiconError, match="category 'nowhere' is not in fine_grained_governance"):
        merge_candidates(load_lexicon(), bad)


def test_bump_version():
    assert [bump_version(v) for v in ("1.0.0", "1.9.3", "2", "", "draft")] == ["1.1.0", "1.10.0", "3", "1",
                                                                                  "draft+expansion"]
