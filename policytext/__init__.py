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


# members whose modules pull in heavy libraries (numpy, pandas, plotly, gensim) are imported on first use,
# so that importing policytext stays light and changes no global state
_LAZY = {"fit_topics": ".topics", "write_report": ".reports"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'policytext' has no attribute {name!r}")
