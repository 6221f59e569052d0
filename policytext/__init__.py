"""policytext: Chinese policy-text analysis.

Read government documents (:func:`read_corpus`), tokenize them with a private jieba instance
(:class:`Tokenizer`), and score them against a lexicon of fine-grained governance (精细化治理)
(:func:`score_corpus`, :class:`Scorer`), with keyword-in-context evidence (:func:`kwic`).

>>> import policytext as pt
>>> df = pt.score_texts({"a": "推进网格化管理和精细化治理", "b": "粗放管理,一刀切"})
>>> df.set_index("doc_id")["coverage"].to_dict()
{'a': True, 'b': False}
"""

from .corpus import Corpus, Document, ErrorRecord
from .errors import PolicyTextError
from .kwic import kwic
from .lexicon import Lexicon, load_lexicon
from .normalize import normalize_text
from .readers import read_corpus
from .scoring import Scorer, ScoreResult, score_corpus, score_texts
from .tokenize import Tokenizer

__version__ = "0.1.0"

__all__ = [
    "Corpus",
    "Document",
    "ErrorRecord",
    "Lexicon",
    "PolicyTextError",
    "ScoreResult",
    "Scorer",
    "Tokenizer",
    "TopicOptions",
    "__version__",
    "fit_topics",
    "kwic",
    "load_lexicon",
    "normalize_text",
    "read_corpus",
    "score_corpus",
    "score_texts",
    "write_report",
]


def _hide_submodules() -> None:
    """The submodules imported above are not attributes of the package, so that ``dir(policytext)`` is the public
    API; ``policytext.scoring`` still works (through ``__getattr__``), as does ``import policytext.scoring``."""
    from types import ModuleType

    for name in [n for n, v in globals().items() if isinstance(v, ModuleType)]:
        del globals()[name]


_hide_submodules()
del _hide_submodules


def __getattr__(name: str):
    # members whose modules pull in heavy libraries (numpy, pandas, plotly, gensim) are imported on first use,
    # so that importing policytext stays light and changes no global state
    lazy = {"TopicOptions": ".topics", "fit_topics": ".topics", "write_report": ".reports"}
    from importlib import import_module

    if name in lazy:
        return getattr(import_module(lazy[name], __name__), name)
    if not name.startswith("_"):
        try:
            return import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module 'policytext' has no attribute {name!r}")
