"""The public API is small, flat and sorted, in httpx's form: what ``import policytext`` puts in the namespace (lazy
members included, modules and dunder names left out) is exactly ``__all__``; changing it is a decision."""

import subprocess
import sys
import types

import policytext

LAZY = {"TopicOptions": "policytext.topics", "fit_topics": "policytext.topics", "write_report": "policytext.reports.report"}


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def test_the_namespace_is_all_and_all_is_small_and_sorted():
    members = {k for k, v in vars(policytext).items() if not isinstance(v, types.ModuleType) and not _dunder(k)}
    assert members | set(LAZY) == {n for n in policytext.__all__ if not _dunder(n)}
    assert not members & set(LAZY), "a lazy member was imported eagerly"
    assert policytext.__all__ == sorted(policytext.__all__)
    assert len(policytext.__all__) <= 20
    assert len(set(policytext.__all__)) == len(policytext.__all__)


def test_no_submodule_is_an_attribute_after_import_and_lazy_members_stay_unimported():
    code = ("import sys, types, policytext\n"
            "print([k for k, v in vars(policytext).items() if isinstance(v, types.ModuleType)])\n"
            f"print(sorted(m for m in {sorted(set(LAZY.values()))!r} if m in sys.modules))\n"
            "print(sorted(k for k in vars(policytext) if not k.startswith('__')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "[]", f"submodules leak as attributes: {out[0]}"
    assert out[1] == "[]", f"lazy members' modules imported at start-up: {out[1]}"
    assert set(eval(out[2])) | set(LAZY) == {n for n in policytext.__all__ if not n.startswith("__")}


def test_submodules_are_still_reached_by_name():
    import policytext.errors
    from policytext import scoring

    assert policytext.errors.PolicyTextError is policytext.PolicyTextError
    assert scoring.Scorer is policytext.Scorer and policytext.scoring is scoring
    assert not hasattr(policytext, "no_such_member")


def test_every_member_exists_and_has_a_docstring():
    for name in policytext.__all__:
        member = getattr(policytext, name)
        if name != "__version__":
            assert member.__doc__, name


def test_members_come_from_their_modules():
    assert policytext.read_corpus.__module__ == "policytext.readers"
    assert policytext.score_corpus.__module__ == "policytext.scoring"
    assert policytext.Tokenizer.__module__ == "policytext.tokenize"
    for name, module in LAZY.items():
        assert getattr(policytext, name).__module__ == module
