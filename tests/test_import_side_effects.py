"""Importing and using policytext changes no global state of the process."""

import subprocess
import sys
import textwrap


def run(code: str) -> str:
    res = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_import_changes_no_warning_filters_loggers_or_jieba_state():
    out = run("""
        import logging, warnings, tempfile, os
        import jieba
        filters = list(warnings.filters)
        loggers = {n: (l.level, list(l.handlers)) for n, l in logging.root.manager.loggerDict.items()
                   if isinstance(l, logging.Logger)}
        root = (logging.root.level, list(logging.root.handlers))
        import policytext
        assert warnings.filters == filters, "warning filters changed"
        assert (logging.root.level, list(logging.root.handlers)) == root, "root logger changed"
        for n, state in loggers.items():
            l = logging.getLogger(n)
            assert (l.level, list(l.handlers)) == state, n
        assert not jieba.dt.initialized, "global jieba dictionary loaded"
        print("ok")
    """)
    assert out == "ok"


def test_scoring_leaves_the_global_jieba_dictionary_alone():
    out = run("""
        import jieba
        import policytext as pt
        pt.score_texts(["推进一网通办和无缝对接"], tokenizer=pt.Tokenizer(words=["一网通办", "无缝对接"]))
        assert not jieba.dt.initialized
        print("/".join(jieba.lcut("一网通办")))
    """)
    assert out == "一网通/办"


def test_importing_policytext_does_not_import_click_or_heavy_models():
    out = run("""
        import sys
        import policytext
        print(sorted(m for m in ("click", "gensim", "sklearn", "jieba") if m in sys.modules))
    """)
    assert out == "[]"
