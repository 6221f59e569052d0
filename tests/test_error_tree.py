"""Every error policytext raises on purpose is defined in policytext/errors.py, drawn in its docstring's tree and
in docs/errors.md's, with its exit code; no module defines a PolicyTextError of its own."""

import importlib
import pkgutil
import re
from pathlib import Path

import policytext
from policytext import errors

REPO = Path(__file__).resolve().parents[1]


def _every_module():
    names = ["policytext"]
    for info in pkgutil.walk_packages(policytext.__path__, "policytext."):
        names.append(info.name)
    return [importlib.import_module(n) for n in names]


def _subclasses(cls):
    out = []
    for sub in cls.__subclasses__():
        out += [sub] + _subclasses(sub)
    return out


def _tree(text: str) -> dict[str, int]:
    """Class name -> depth in a tree drawn with box characters (``├── Name``)."""
    tree = {}
    for line in text.splitlines():
        m = re.match(r"^\s*((?:[│ ]   )*)(?:[├└]── )?([A-Z][A-Za-z]+Error)\b", line)
        if m:
            tree[m.group(2)] = len(m.group(1)) // 4 + (1 if "──" in line else 0)
    return tree


def test_every_policytext_error_is_defined_in_errors_py():
    modules = _every_module()
    assert len(modules) > 20  # the walk found the package's modules
    found = {c for c in _subclasses(errors.PolicyTextError) if c.__module__.startswith("policytext")}
    strays = sorted(f"{c.__module__}.{c.__qualname__}" for c in found if c.__module__ != "policytext.errors")
    assert not strays, f"define these in policytext/errors.py (and docs/errors.md): {strays}"
    assert {c.__name__ for c in found} | {"PolicyTextError"} == set(errors.__all__)


def test_the_docstring_and_docs_errors_md_draw_the_same_tree_as_the_classes():
    documented = (REPO / "docs" / "errors.md").read_text("utf-8")
    for text in (errors.__doc__, documented):
        tree = _tree(text)
        assert set(tree) == set(errors.__all__), sorted(set(errors.__all__) ^ set(tree))
        for name in errors.__all__:
            cls = getattr(errors, name)
            parent = cls.__mro__[1].__name__
            if name != "PolicyTextError":
                assert tree[name] == tree[parent] + 1, f"{name} is drawn under the wrong class (its base is {parent})"


def test_exit_codes_other_than_3_are_written_next_to_their_class():
    lines = {m.group(1): line for line in (REPO / "docs" / "errors.md").read_text("utf-8").splitlines()
             if (m := re.search(r"── ([A-Za-z]+Error)\b", line))}
    for name in errors.__all__:
        code = getattr(errors, name).exit_code
        if code != 3:
            assert f"exit code {code}" in lines[name], name
    # the moved errors keep what they were: a SeedError is a bad option value, exit 3
    assert errors.SeedError.exit_code == 3 and issubclass(errors.SeedError, errors.ConfigError)
    assert errors.EmptyVocabularyError.exit_code == 3
    from policytext.dtm import EmptyVocabularyError
    from policytext.topics import SeedError

    assert SeedError is errors.SeedError and EmptyVocabularyError is errors.EmptyVocabularyError
