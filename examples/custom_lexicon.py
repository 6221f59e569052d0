"""Build a small lexicon in code, score strings, and look at keyword in context.

Run: python examples/custom_lexicon.py
"""

import policytext as pt

lexicon = pt.Lexicon.from_dict(
    {"participation": ["共治", "公众参与", "协商"], "command": ["一刀切", "指令式"]},
    polarity={"command": -1},
)
texts = {
    "notice_a": "建立居民协商议事会，推动社区共治，扩大公众参与。",
    "notice_b": "各乡镇一律限期完成，不得讨价还价，实行一刀切。",
    "notice_c": "加强公共治理能力建设。",  # 公共/治理: no 共治 here
}
scores = pt.score_texts(texts, lexicon=lexicon)
print(scores[["doc_id", "hits_participation", "hits_command", "index"]].to_string(index=False))

lines = pt.kwic(pt.Corpus.from_texts(texts), ["participation"], lexicon=lexicon, window=6)
print(lines[["doc_id", "left", "match", "right"]].to_string(index=False))
