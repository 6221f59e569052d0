"""The public API is small, flat and sorted; changing it is a decision, so this test names it."""

import policytext

PUBLIC = [
    "Corpus", "Document", "ErrorRecord", "Lexicon", "PolicyTextError", "ScoreResult", "Scorer", "Tokenizer",
    "__version__", "fit_topics", "kwic", "load_lexicon", "normalize_text", "read_corpus", "score_corpus", "score_texts",
    "write_report",
]


def test_all_is_exactly_the_public_api():
    assert policytext.__all__ == PUBLIC
    assert policytext.__all__ == sorted(policytext.__all__)


def test_every_member_exists_and_has_a_docstring():
    for name in PUBLIC:
        member = getattr(policytext, name)
        if name != "__version__":
            assert member.__doc__, name


def test_members_come_from_their_modules():
    assert policytext.read_corpus.__module__ == "policytext.readers"
    assert policytext.score_corpus.__module__ == "policytext.scoring"
    assert policytext.Tokenizer.__module__ == "policytext.tokenize"
    assert policytext.write_report.__module__ == "policytext.reports.report"
