"""Every parameter of the public API is documented, numpydoc-style, as scikit-learn documents its estimators.

For each callable in ``policytext.__all__`` and each public method of its classes, every named parameter of the
signature has a ``name : type`` line in the ``Parameters`` section of the docstring (a class's constructor
parameters in the class docstring or ``__init__``'s).
"""

import inspect
import re

import pytest

import policytext

# Objects whose docstrings live in files another change owns (scoring.py, readers/, kwic.py, corpus.py,
# lexicon.py, normalize.py, tokenize.py, reports/report.py) and do not document every parameter yet. The lead
# empties this set when those files are merged; an entry that becomes complete fails the test below, so the set
# never hides a documented object.
PENDING_PART_A: set[str] = set()  # part A documented its files (and write_report); nothing is pending

_ENTRY = re.compile(r"^\s*(\*{0,2}[A-Za-z_][\w]*(?:\s*,\s*\*{0,2}[A-Za-z_][\w]*)*)\s*:\s*\S")


def documented_parameters(doc: str | None) -> set[str]:
    """The names listed in the numpydoc ``Parameters`` sections of ``doc``.

    >>> sorted(documented_parameters("Do.\\n\\n    Parameters\\n    ----------\\n    a, b : int\\n        Numbers.\\n"))
    ['a', 'b']
    """
    names: set[str] = set()
    lines = inspect.cleandoc(doc or "").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "Parameters" and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
            i += 2
            while i < len(lines):
                if i + 1 < len(lines) and lines[i].strip() and set(lines[i + 1].strip()) == {"-"}:
                    break  # the next section
                m = _ENTRY.match(lines[i]) if not lines[i].startswith((" ", "\t")) else None
                if m:
                    names |= {n.strip().lstrip("*") for n in m.group(1).split(",")}
                i += 1
            continue
        i += 1
    return names


def _signature_names(obj) -> list[str]:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values()
            if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def public_callables():
    """``(qualified name, object, docstring)`` for the public API and the public methods of its classes."""
    out = []
    for name in policytext.__all__:
        obj = getattr(policytext, name)
        if not callable(obj):
            continue
        if inspect.isclass(obj):
            doc = (obj.__doc__ or "") + "\n" + ((obj.__init__.__doc__ or "") if "__init__" in vars(obj) else "")
            out.append((name, obj, doc))
            for meth_name, meth in vars(obj).items():
                if meth_name.startswith("_"):
                    continue
                func = meth.__func__ if isinstance(meth, (classmethod, staticmethod)) else meth
                if inspect.isfunction(func):
                    out.append((f"{name}.{meth_name}", func, func.__doc__))
        else:
            out.append((name, obj, obj.__doc__))
    return out


def _missing():
    missing = {}
    for qualname, obj, doc in public_callables():
        absent = [p for p in _signature_names(obj) if p not in documented_parameters(doc)]
        if absent:
            missing[qualname] = absent
    return missing


def test_every_public_parameter_is_documented():
    missing = _missing()
    pending = {k: v for k, v in missing.items() if k in PENDING_PART_A}
    if pending:  # printed (pytest -s, or on failure) so that the list of what is left is easy to find
        print("parameters not yet documented (PENDING_PART_A):")
        for qualname, params in sorted(pending.items()):
            print(f"  {qualname}: {', '.join(params)}")
    unexpected = {k: v for k, v in missing.items() if k not in PENDING_PART_A}
    assert not unexpected, f"document these parameters (numpydoc 'name : type' lines): {unexpected}"


def test_pending_entries_are_still_pending():
    known = {q for q, _, _ in public_callables()}
    stale = sorted(PENDING_PART_A - set(_missing()))
    assert not stale, (f"now documented or gone (remove from PENDING_PART_A): {stale}; "
                       f"not public callables: {sorted(PENDING_PART_A - known)}")


@pytest.mark.parametrize("name", ["fit_topics", "TopicOptions"])
def test_the_topic_entry_points_document_every_parameter(name):
    obj = getattr(policytext, name)
    assert set(_signature_names(obj)) <= documented_parameters(obj.__doc__)
    assert len(_signature_names(obj)) <= (8 if inspect.isfunction(obj) else 20)


def test_topic_functions_take_at_most_eight_arguments():
    from policytext.topics import fit_topics, select_k, topic_stability

    for func in (fit_topics, topic_stability, select_k):
        assert len(inspect.signature(func).parameters) <= 8, func.__name__


def test_the_parser_sees_a_missing_parameter():
    def f(a, b):
        """Do.

        Parameters
        ----------
        a : int
            A number; ``b : int`` inside a description is not an entry.
        """

    assert documented_parameters(f.__doc__) == {"a"}
    assert [p for p in _signature_names(f) if p not in documented_parameters(f.__doc__)] == ["b"]
