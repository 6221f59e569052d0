"""The matcher's candidate token starts (matching.Matcher._candidates): where a term can begin, found with arrays."""

import random

import numpy as np
import pytest

from policytext import matching
from policytext.lexicon import Category, Lexicon, Term
from policytext.matching import Matcher

ALPHABET = "治理精细化共享数据，。a1\n \U00020000\U00020001\uffff\ufffe"


def _reference(keys, text, starts):
    """The starts whose character is a one-character key, or whose first two characters begin a longer key."""
    ones = {k for k in keys if len(k) == 1}
    twos = {k[:2] for k in keys if len(k) > 1}
    return [s for s in starts if s < len(text) and (text[s] in ones or text[s:s + 2] in twos)]


@pytest.mark.parametrize("cells", [matching._PAIR_TABLE_CELLS, 0], ids=["pair-table", "sorted-pairs"])
def test_candidates_are_the_starts_where_a_key_can_begin(monkeypatch, cells):
    """Exactly the reference on texts within the Basic Multilingual Plane below U+FFFF; above, characters share
    one entry, so more starts may come back but never fewer (every hit is still found)."""
    monkeypatch.setattr(matching, "_PAIR_TABLE_CELLS", cells)
    rng = random.Random(15)
    for trial in range(300):
        keys = sorted({"".join(rng.choice(ALPHABET) for _ in range(rng.choice([1, 2, 2, 3])))
                       for _ in range(rng.randint(1, 12))} - {""})
        keys = [k for k in keys if k.strip()] or ["治理"]
        m = Matcher(Lexicon(categories=[Category("c")], terms=[Term(k, "c") for k in keys]))
        for _ in range(10):
            text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 30)))
            cuts = sorted(rng.sample(range(1, len(text) + 1), rng.randint(1, len(text))))
            starts = np.array([0] + cuts[:-1] + ([len(text)] if rng.random() < 0.2 else []), dtype=np.int64)
            got = m._candidates(text, starts)
            expected = _reference(m._keys, text, starts.tolist())
            assert got == sorted(got) and set(expected) <= set(got), (keys, text)
            if all(ord(c) < 0xFFFF for c in text + "".join(keys)):
                assert got == expected, (keys, text)
            else:
                extra = set(got) - set(expected)
                assert all(max(map(ord, text[s:s + 2])) >= 0xFFFF for s in extra), (keys, text)
    assert (m._tables[3] is None) == (cells == 0)
