"""The document-term matrix."""

import numpy as np
import pytest

from policytext import Corpus, Lexicon
from policytext.dtm import EmptyVocabularyError, build_dtm, topic_tokenizer

LEX = Lexicon.from_dict({"s": ["无缝对接", "网格化管理"]})


def test_lexicon_terms_are_single_vocabulary_items_and_numbers_and_stopwords_go():
    c = Corpus.from_texts(["推进网格化管理，实现无缝对接，2025年完成3.5%。", "网格化管理和无缝对接"])
    dtm = build_dtm(c, lexicon=LEX, min_df=1, max_df=1.0)
    assert dtm.vocabulary == ["完成", "无缝对接", "网格化管理"]
    assert dtm.X.toarray().tolist() == [[1, 1, 1], [0, 1, 1]]


def test_min_df_and_max_df_prune_like_sklearn():
    c = Corpus.from_texts(["社区建设", "社区绿化", "社区养老"])
    assert build_dtm(c, min_df=2, max_df=1.0).vocabulary == ["社区"]
    assert build_dtm(c, min_df=1, max_df=0.5).vocabulary == ["养老", "建设", "绿化"]


def test_pruning_everything_is_a_clear_error_with_the_numbers():
    c = Corpus.from_texts(["社区治理", "基层自治"])
    with pytest.raises(EmptyVocabularyError, match=r"min_df=5, max_df=0.5 over 2 documents of 2 documents"):
        build_dtm(c, min_df=5)
    with pytest.raises(EmptyVocabularyError, match="none of the 2 documents has a countable word"):
        build_dtm(Corpus.from_texts(["的了。", "2025"]))


def test_paragraph_rows_and_length_weighted_document_shares():
    long = "第一段讲社区治理和基层自治的做法与成效。" * 3
    c = Corpus.from_texts({"a": f"{long}\n短行\n{long}", "b": long})
    dtm = build_dtm(c, unit="paragraph", min_df=1, max_df=1.0, min_paragraph_chars=40)
    assert dtm.row_doc.tolist() == [0, 0, 1]  # the short line joins the paragraph before it
    shares = dtm.document_shares(np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]))
    w0, w1 = dtm.row_tokens[0], dtm.row_tokens[1]
    assert shares[0].tolist() == pytest.approx([w0 / (w0 + w1), w1 / (w0 + w1)])
    assert shares[1].tolist() == [0.5, 0.5]


def test_bigrams_and_a_fixed_vocabulary():
    c = Corpus.from_texts(["社区治理 基层自治", "社区治理"])
    dtm = build_dtm(c, min_df=1, max_df=1.0, ngram_range=(1, 2))
    assert dtm.vocabulary == ["基层", "基层_自治", "社区治理", "社区治理_基层", "自治"]  # 社区治理 is a lexicon term
    fixed = build_dtm(Corpus.from_texts(["治理难题和新词"]), vocabulary=["治理", "社区"])
    assert fixed.vocabulary == ["治理", "社区"] and fixed.X.toarray().tolist() == [[1, 0]]


def test_topic_tokenizer_injects_lexicon_terms():
    assert topic_tokenizer(LEX)("实现无缝对接") == ["无缝对接"]
