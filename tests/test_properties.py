"""Property-based tests (hypothesis) of normalisation, tokenization and matching."""

import opencc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policytext import Corpus, Lexicon, Scorer, Tokenizer, score_texts
from policytext.normalize import normalize_text

TOKENIZER = Tokenizer()
LEX = Lexicon.from_dict({
    "a": ["共治", "无缝对接", "精细化", "精细化管理", "网格化管理", "社会参与"],
    "b": ["社区", "自治", "基层治理", "一刀切"],
})
SCORER = Scorer(LEX, TOKENIZER)
# pieces that make realistic policy text: lexicon terms, false friends, fillers, punctuation, line breaks
PIECES = ["共治", "无缝对接", "无缝钢管", "公共治理", "精细化", "精细化工", "精细化管理", "网格化", "管理", "社会参与",
          "社区", "自治", "自治区", "基层治理", "一刀切", "推进", "加强", "各部门", "的", "和", "，", "。", "、", "\n",
          " ", "2025年", "数据共享", "居民", "服务"]
texts = st.lists(st.sampled_from(PIECES), min_size=0, max_size=40).map("".join)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def hits(text):
    res = SCORER.score(Corpus.from_texts({"d": text}))
    return res, normalize_text(text)


@SETTINGS
@given(texts)
def test_every_hit_equals_its_term_at_its_offset(text):
    res, norm = hits(text)
    for h in res.hits.itertuples():
        assert norm[h.start:h.end] == h.term


@SETTINGS
@given(texts)
def test_hits_never_overlap(text):
    res, _ = hits(text)
    spans = sorted(set(zip(res.hits["start"], res.hits["end"])))
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert e1 <= s2


@SETTINGS
@given(texts, st.lists(st.integers(min_value=0, max_value=400), max_size=6),
       st.sampled_from(["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"]))
def test_zero_width_characters_do_not_change_counts(text, positions, zw):
    text = text or "。"
    noisy = text
    for p in sorted(positions, reverse=True):
        p = min(p, len(noisy))
        noisy = noisy[:p] + zw + noisy[p:]
    cols = [f"hits_{c}" for c in LEX.categories]
    a = score_texts([text], lexicon=LEX, tokenizer=TOKENIZER)[cols]
    b = score_texts([noisy], lexicon=LEX, tokenizer=TOKENIZER)[cols]
    assert a.equals(b)


S2T = opencc.OpenCC("s2t")


@SETTINGS
@given(texts)
def test_traditional_characters_give_the_same_counts(text):
    cols = [f"hits_{c}" for c in LEX.categories]
    text = text or "。"
    trad = S2T.convert(text)
    if normalize_text(trad) != normalize_text(text):  # OpenCC does not round-trip every character; not our claim
        return
    a = score_texts([text], lexicon=LEX, tokenizer=TOKENIZER)[cols]
    b = score_texts([trad], lexicon=LEX, tokenizer=TOKENIZER)[cols]
    assert a.equals(b)


@SETTINGS
@given(st.lists(texts, min_size=2, max_size=5), st.randoms(use_true_random=False))
def test_scores_do_not_depend_on_document_order(docs, rnd):
    named = {f"d{i}": t + "。" for i, t in enumerate(docs)}
    order = list(named)
    rnd.shuffle(order)
    a = score_texts(named, lexicon=LEX, tokenizer=TOKENIZER).set_index("doc_id")
    b = score_texts({k: named[k] for k in order}, lexicon=LEX, tokenizer=TOKENIZER).set_index("doc_id")
    assert a.equals(b.loc[a.index])


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_no_string_crashes_the_scorer(text):
    res = SCORER.score(Corpus.from_texts({"d": text}))
    assert len(res.scores) + len(res.errors) == 1
    if len(res.scores):
        row = res.scores.iloc[0]
        assert row["n_chars"] > 0 and row["hits_total"] >= 0


@SETTINGS
@given(texts)
def test_tokens_tile_the_text_without_whitespace(text):
    norm = normalize_text(text)
    toks = TOKENIZER.tokenize(norm)
    covered = "".join(norm[s:e] for _, s, e in toks)
    assert covered == "".join(ch for ch in norm if not ch.isspace())
    for w, s, e in toks:
        assert norm[s:e] == w


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=1, max_size=6))
def test_scores_do_not_depend_on_jobs(docs):
    """Two worker processes (forced even for tiny corpora) give the same table as one process."""
    from policytext.parallel import score_documents

    corpus = Corpus.from_texts({f"d{i}": t + "。" for i, t in enumerate(docs)})
    one = score_documents(corpus, SCORER, jobs=1)
    two = score_documents(corpus, SCORER, jobs=2, min_docs=0, min_chars=0, chunk_docs=1)
    assert one.scores.equals(two.scores)
    assert one.hits.equals(two.hits)
