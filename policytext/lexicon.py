"""Lexicons: categories of terms with weights, polarity, provenance and exclusions.

Three file formats are read (by extension) and written:

* **YAML** (``.yaml``/``.yml``, native): name, version, categories with label, polarity, weight and terms;
  each term may carry its own weight, provenance, exclusions, context rules and a note; a category may carry
  context rules that all its terms share. The default lexicon
  (``policytext/data/lexicons/fine_grained_governance.yaml``) is the reference example.
* **CSV** (``.csv``, also ``.tsv``): a header row with at least ``term`` and ``category``, optionally
  ``weight``, ``polarity``, ``provenance``, ``exclusions`` (separated by ``|``), ``reject_context``,
  ``exclude_context``, ``require_context`` (see :func:`parse_rules_cell`) -- a plain spreadsheet works.
* **LIWC** ``.dic``: the ``%``-delimited category header, then ``term<TAB>id id ...`` lines (no weights, no
  context rules: LIWC cannot carry them).

Context rules
-------------
A rule is a list of cue words and where to look for them around a hit: ``side`` (``before``, ``after`` or
``both``) within the hit's **clause** (the text between ``，,；;。！？!?：:`` or a line break), or within the clause
but at most ``window`` characters away (quote marks and spaces not counted; ``window: 0`` = adjacent).

* ``reject_context`` (default side ``before``): a cue marks the hit as named in order to reject it (坚决**反对**
  形式主义): the hit is ``rejected``; it counts in no category and not in the index (a contrast-pole hit is
  counted in ``<category>_rejected``);
* ``exclude_context`` (default side ``both``): a cue vetoes the hit (大气**污染**协同治理): ``vetoed``;
* ``require_context`` (default side ``both``): without a cue the hit is ``vetoed``.

Every term is checked by one function (:func:`check_entry`) whichever loader reads it: the term is normalised
like text (NFKC, zero-width characters removed), and must not be empty after it; the weight must be a finite
number in (0, 100].

A term that contains ``*`` or ``?`` is a glob matched against single tokens (``智慧*`` matches the token
``智慧城市``); every other term matches runs of whole tokens (see :mod:`policytext.scoring`).

>>> lex = Lexicon.from_dict({"fine": ["精细化", "精准"], "crude": ["粗放"]}, polarity={"crude": -1})
>>> lex.categories
['fine', 'crude']
>>> [t.term for t in lex.terms_of("fine")]
['精细化', '精准']
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from .errors import LexiconError
from .matching import CLAUSE_BREAKS  # noqa: F401  (characters ending a clause; defined with the matcher)

__all__ = ["Category", "ContextRule", "Lexicon", "LexiconIssue", "Term", "check_entry", "load_lexicon",
           "DEFAULT_LEXICON", "MAX_WEIGHT"]

#: the name of the lexicon shipped with policytext
DEFAULT_LEXICON = "fine_grained_governance"

_GLOB = re.compile(r"[*?]")
_BAD_CHARS = re.compile(r"[\s,;|]")
#: the largest weight a term or category may have; larger ones are an error naming the line
MAX_WEIGHT = 100.0
#: the three kinds of context rule, with the side a bare list of cues looks at
RULE_KINDS = {"reject_context": "before", "exclude_context": "both", "require_context": "both"}
_SIDES = ("before", "after", "both")
_QUOTES = set("“”‘’\"'「」『』《》〈〉（）() \u3000")


@dataclass(frozen=True)
class ContextRule:
    """Cue words looked for around a hit: on ``side`` of it in the same clause, at most ``window``
    characters away when ``window`` is set (quote marks, brackets and spaces not counted).

    >>> r = ContextRule(("反对",))
    >>> r.found("坚决反对形式主义", 4, 8, 0, 8), r.found("反对浪费，形式主义严重", 5, 9, 5, 11)
    (True, False)
    >>> ContextRule(("不",), window=0).found("不“一刀切”", 2, 5, 0, 6)
    True
    """

    cues: tuple[str, ...]
    side: str = "before"
    window: int | None = None

    def found(self, text: str, start: int, end: int, clause_start: int, clause_end: int) -> bool:
        """Whether a cue occurs around the hit ``text[start:end]`` whose clause is ``text[clause_start:clause_end]``."""
        if self.side in ("before", "both"):
            region = text[clause_start:start]
            for cue in self.cues:
                k = region.rfind(cue)
                while k >= 0:
                    if self.window is None or _gap(region[k + len(cue):]) <= self.window:
                        return True
                    if self.window is not None:
                        break  # a cue further left is further away
                    k = region.rfind(cue, 0, k)
        if self.side in ("after", "both"):
            region = text[end:clause_end]
            for cue in self.cues:
                k = region.find(cue)
                if k >= 0 and (self.window is None or _gap(region[:k]) <= self.window):
                    return True
        return False

    def to_data(self, kind: str):
        """The YAML form: a bare list of cues when side and window are the defaults of ``kind``."""
        if self.side == RULE_KINDS[kind] and self.window is None:
            return list(self.cues)
        out: dict = {"cues": list(self.cues), "side": self.side}
        if self.window is not None:
            out["window"] = self.window
        return out

    def to_cell(self, kind: str) -> str:
        """The CSV form (:func:`parse_rules_cell`)."""
        spec = [] if self.side == RULE_KINDS[kind] else [self.side]
        if self.window is not None:
            spec.append(f"window={self.window}")
        return (",".join(spec) + ":" if spec else "") + "|".join(self.cues)


def _rules_to_data(rules, kind: str):
    data = [r.to_data(kind) for r in rules]
    return data[0] if len(data) == 1 and isinstance(data[0], list) else [
        d if isinstance(d, dict) else {"cues": d} for d in data]


def _gap(between: str) -> int:
    return sum(1 for ch in between if ch not in _QUOTES)


def check_entry(term, weight, where: str = "<lexicon>") -> str:
    """The one check every loader applies to a term: returns the term normalised like text (NFKC, zero-width
    characters removed, surrounding space stripped); raises :class:`LexiconError` naming ``where`` (file and
    line) if it is empty after that, or if ``weight`` is not a finite number in (0, :data:`MAX_WEIGHT`].
    Exclusions and context cues are normalised the same way when read.

    >>> check_entry("\u200b精细化\u200d", 1.5)
    '精细化'
    """
    problem = term_problem(term) or weight_problem(weight)
    if problem:
        raise LexiconError(f"{where}: {problem}")
    return _normalize_term(term)


def _normalize_term(term: str) -> str:
    from .normalize import normalize_text

    return normalize_text(term, t2s=False, join_wraps=False).strip()


def term_problem(term) -> str | None:
    """Why ``term`` cannot be a lexicon term, or None."""
    if not isinstance(term, str):
        return f"term must be text, got {term!r}"
    if not _normalize_term(term):
        return f"term {term!r} is empty after normalisation (NFKC, zero-width characters removed)"
    return None


def weight_problem(weight, what: str = "weight") -> str | None:
    """Why ``weight`` cannot be a weight (not finite, not positive, above :data:`MAX_WEIGHT`), or None."""
    try:
        w = float(weight)
    except (TypeError, ValueError):
        return f"{what} must be a number, got {weight!r}"
    if not math.isfinite(w):
        return f"{what} {weight!r} is not a finite number"
    if w <= 0 or w > MAX_WEIGHT:
        return f"{what} {w:g} is outside (0, {MAX_WEIGHT:g}]"
    return None


def parse_rules_cell(cell: str, kind: str, where: str = "<lexicon>") -> tuple[ContextRule, ...]:
    """Rules from a CSV cell: rules separated by `` ; ``, each ``cue|cue|...`` optionally preceded by
    ``side[,window=N]:``.

    >>> parse_rules_cell("反对|纠治 ; after:转向", "reject_context")
    (ContextRule(cues=('反对', '纠治'), side='before', window=None), ContextRule(cues=('转向',), side='after', window=None))
    """
    rules = []
    for part in (cell or "").split(";"):
        part = part.strip()
        if not part:
            continue
        side, window = RULE_KINDS[kind], None
        if ":" in part:
            spec, part = part.split(":", 1)
            for item in (x.strip() for x in spec.split(",") if x.strip()):
                if item in _SIDES:
                    side = item
                elif item.startswith("window="):
                    window = _as_window(item[7:], where)
                else:
                    raise LexiconError(f"{where}: {kind}: unknown setting {item!r} (use before, after, both, window=N)")
        rules.append(ContextRule(tuple(_normalize_term(c) for c in part.split("|") if c.strip()), side, window))
    return tuple(rules)


def _as_window(value, where: str) -> int:
    try:
        w = int(value)
    except (TypeError, ValueError):
        raise LexiconError(f"{where}: window must be a whole number of characters, got {value!r}") from None
    if w < 0:
        raise LexiconError(f"{where}: window must not be negative, got {w}")
    return w


def _rules_from_data(value, kind: str, where: str) -> tuple[ContextRule, ...]:
    """Rules from YAML: a list of cues (one rule), a mapping ``{cues, side, window}``, or a list of mappings."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise LexiconError(f"{where}: {kind} must be a list of cue words or of rules with 'cues'")
    bare = [v["term"] if isinstance(v, dict) and set(v) <= {"term", "__line__"} else v for v in value]
    if all(isinstance(v, str) for v in bare):
        return (ContextRule(tuple(_normalize_term(str(v)) for v in bare), RULE_KINDS[kind]),)
    rules = []
    for v in bare:
        if not isinstance(v, dict):
            raise LexiconError(f"{where}: {kind}: mix of cue words and rules; write each rule as a mapping with 'cues'")
        line = v.get("__line__")
        w = _where_text(where, line)
        unknown = set(v) - {"cues", "side", "window", "__line__"}
        if unknown:
            raise LexiconError(f"{w}: unknown field(s) {', '.join(sorted(unknown))} in a {kind} rule "
                               "(fields: cues, side, window)")
        cues = v.get("cues")
        if isinstance(cues, str):
            cues = [cues]
        if not isinstance(cues, list):
            raise LexiconError(f"{w}: a {kind} rule needs a 'cues' list")
        cues = [c["term"] if isinstance(c, dict) else c for c in cues]
        side = str(v.get("side", RULE_KINDS[kind]))
        if side not in _SIDES:
            raise LexiconError(f"{w}: side must be before, after or both, got {side!r}")
        window = None if v.get("window") is None else _as_window(v.get("window"), w)
        rules.append(ContextRule(tuple(_normalize_term(str(c)) for c in cues), side, window))
    return tuple(rules)


def _where_text(where: str, line) -> str:
    if not line:
        return where
    return re.sub(r", line \d+$", "", where) + f", line {line}"


@dataclass(frozen=True)
class Category:
    """A dimension of the lexicon. ``polarity`` is 1 for the concept's pole, -1 for its contrast pole."""

    key: str
    label: str = ""
    label_en: str = ""
    polarity: int = 1
    weight: float = 1.0
    description: str = ""
    reject_context: tuple[ContextRule, ...] = ()
    exclude_context: tuple[ContextRule, ...] = ()
    require_context: tuple[ContextRule, ...] = ()


@dataclass(frozen=True)
class Term:
    """One lexicon entry. ``weight`` is resolved (the category's weight when the file gives none)."""

    term: str
    category: str
    weight: float = 1.0
    provenance: str = ""
    exclusions: tuple[str, ...] = ()
    note: str = ""
    line: int | None = field(default=None, compare=False)
    reject_context: tuple[ContextRule, ...] = ()
    exclude_context: tuple[ContextRule, ...] = ()
    require_context: tuple[ContextRule, ...] = ()

    @property
    def has_context(self) -> bool:
        return bool(self.reject_context or self.exclude_context or self.require_context)

    @property
    def is_glob(self) -> bool:
        return bool(_GLOB.search(self.term))


@dataclass(frozen=True)
class LexiconIssue:
    """A finding of :meth:`Lexicon.validate`: ``level`` is ``error``, ``warning`` or ``info``."""

    level: str
    code: str
    term: str
    category: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: [{self.code}] {self.term} ({self.category}): {self.message}"


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when PyYAML has it: 10x faster
    """A YAML loader that remembers the line of every mapping, for error messages."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


def _construct_sequence(loader, node, deep=False):
    items = yaml.SafeLoader.construct_sequence(loader, node, deep=deep)
    # bare strings in a list lose their line; keep it next to them
    return [
        {"term": v, "__line__": n.start_mark.line + 1} if isinstance(v, str) else v
        for v, n in zip(items, node.value)
    ]


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class Lexicon:
    """Categories and their terms.

    Build one with :func:`load_lexicon` (files, or the default lexicon), :meth:`from_dict`, or directly from
    :class:`Category` and :class:`Term` objects. A lexicon is immutable in use; ``hash`` identifies its content.

    Parameters
    ----------
    categories : iterable of Category
        The categories, in order (their keys unique).
    terms : iterable of Term
        The terms, each naming one of ``categories``.
    name : str
        The lexicon's name (in manifests and summaries).
    version : str
        Its version.
    description : str
        A description.
    source : str
        Where it comes from (a citation or URL).
    path : str, optional
        The file it was read from.
    """

    def __init__(self, categories: Iterable[Category], terms: Iterable[Term], *, name: str = "custom",
                 version: str = "", description: str = "", source: str = "", path: str | None = None):
        self._categories: dict[str, Category] = {}
        for c in categories:
            if c.key in self._categories:
                raise LexiconError(f"category {c.key!r} is defined twice")
            self._categories[c.key] = c
        self.terms: list[Term] = list(terms)
        for t in self.terms:
            if t.category not in self._categories:
                raise LexiconError(f"term {t.term!r} names unknown category {t.category!r}")
        self.name = name
        self.version = str(version)
        self.description = description
        self.source = source
        self.path = path

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, mapping: Mapping[str, Iterable[str]], *, weights: Mapping[str, float] | None = None,
                  polarity: Mapping[str, int] | None = None, name: str = "custom") -> "Lexicon":
        """A lexicon from plain data.

        Parameters
        ----------
        mapping : mapping of str to iterable of str
            ``{category: [term, ...]}``.
        weights : mapping of str to float, optional
            Per-term weights (default 1).
        polarity : mapping of str to int, optional
            Per-category polarity, +1 or -1 (default +1).
        name : str
            The lexicon's name.

        Returns
        -------
        Lexicon
        """
        weights, polarity = dict(weights or {}), dict(polarity or {})
        cats = [Category(key=k, label=k, polarity=int(polarity.get(k, 1))) for k in mapping]
        terms = [Term(term=check_entry(t, weights.get(t, 1.0), f"<{name}>: category {k!r}"), category=k,
                      weight=float(weights.get(t, 1.0))) for k, ts in mapping.items() for t in ts]
        return cls(cats, terms, name=name)

    @property
    def categories(self) -> list[str]:
        """Category keys in file order."""
        return list(self._categories)

    def category(self, key: str) -> Category:
        """One category.

        Parameters
        ----------
        key : str
            The category's key.

        Returns
        -------
        Category
        """
        return self._categories[key]

    def context_rules(self, term: Term) -> tuple[tuple[ContextRule, ...], tuple[ContextRule, ...], tuple[ContextRule, ...]]:
        """The context rules that apply to a term: its category's followed by its own.

        Parameters
        ----------
        term : Term
            A term of this lexicon.

        Returns
        -------
        tuple of (tuple of ContextRule, tuple of ContextRule, tuple of ContextRule)
            The ``(reject, exclude, require)`` rules.
        """
        c = self._categories[term.category]
        return (c.reject_context + term.reject_context, c.exclude_context + term.exclude_context,
                c.require_context + term.require_context)

    @property
    def has_context_rules(self) -> bool:
        """True when a category or a term has a context rule."""
        return any(c.reject_context or c.exclude_context or c.require_context for c in self._categories.values()) \
            or any(t.has_context for t in self.terms)

    def terms_of(self, category: str) -> list[Term]:
        """The terms of one category.

        Parameters
        ----------
        category : str
            The category's key (else a :class:`LexiconError` naming the categories).

        Returns
        -------
        list of Term
            In lexicon order.
        """
        if category not in self._categories:
            raise LexiconError(f"unknown category {category!r}; categories: {', '.join(self._categories)}")
        return [t for t in self.terms if t.category == category]

    def select(self, categories: Iterable[str]) -> "Lexicon":
        """A lexicon with only some categories.

        Parameters
        ----------
        categories : iterable of str
            The keys to keep, in the order wanted.

        Returns
        -------
        Lexicon
        """
        keep = list(categories)
        for k in keep:
            if k not in self._categories:
                raise LexiconError(f"unknown category {k!r}; categories: {', '.join(self._categories)}")
        return Lexicon([self._categories[k] for k in keep], [t for t in self.terms if t.category in keep],
                       name=self.name, version=self.version, description=self.description, source=self.source)

    def __len__(self) -> int:
        return len(self.terms)

    def __repr__(self) -> str:
        return f"Lexicon({self.name!r}, version={self.version!r}, {len(self._categories)} categories, {len(self.terms)} terms)"

    # -- identity ----------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The lexicon as plain data.

        Returns
        -------
        dict
            The YAML structure: ``name``, ``version``, ``categories`` with their terms.
        """
        cats = {}
        for c in self._categories.values():
            entry = {k: v for k, v in asdict(c).items() if k not in ("key", *RULE_KINDS) and v not in ("", None)}
            entry["polarity"], entry["weight"] = c.polarity, c.weight
            for kind in RULE_KINDS:
                rules = getattr(c, kind)
                if rules:
                    entry[kind] = _rules_to_data(rules, kind)
            entry["terms"] = []
            for t in self.terms_of(c.key):
                item = {"term": t.term}
                if t.weight != c.weight:
                    item["weight"] = t.weight
                if t.provenance:
                    item["provenance"] = t.provenance
                if t.exclusions:
                    item["exclusions"] = list(t.exclusions)
                if t.note:
                    item["note"] = t.note
                for kind in RULE_KINDS:
                    rules = getattr(t, kind)
                    if rules:
                        item[kind] = _rules_to_data(rules, kind)
                entry["terms"].append(item)
            cats[c.key] = entry
        out = {"name": self.name, "version": self.version}
        if self.description:
            out["description"] = self.description
        if self.source:
            out["source"] = self.source
        out["categories"] = cats
        return out

    @property
    def hash(self) -> str:
        """sha256 of the lexicon's content (terms, categories, weights, exclusions), independent of file format."""
        data = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()

    # -- writing -----------------------------------------------------------------------------------
    def to_yaml(self) -> str:
        """The lexicon as YAML.

        Returns
        -------
        str
            The text of a ``.yaml`` lexicon file.
        """
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)

    def to_csv(self) -> str:
        """The lexicon as CSV, one row per term (category rules written on each of its terms).

        Returns
        -------
        str
            The text of a ``.csv`` lexicon file.
        """
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["term", "category", "weight", "polarity", "provenance", "exclusions", *RULE_KINDS])
        for t in self.terms:  # category rules are written on each of its terms (a CSV has no category rows)
            cells = [" ; ".join(r.to_cell(kind) for r in rules)
                     for kind, rules in zip(RULE_KINDS, self.context_rules(t))]
            w.writerow([t.term, t.category, t.weight, self._categories[t.category].polarity, t.provenance,
                        "|".join(t.exclusions), *cells])
        return buf.getvalue()

    def to_dic(self) -> str:
        """The lexicon as LIWC ``.dic`` text (weights, polarity, provenance and context rules are not
        representable and are left out).

        Returns
        -------
        str
            The text of a ``.dic`` file.
        """
        ids = {k: i + 1 for i, k in enumerate(self._categories)}
        lines = ["%"] + [f"{i}\t{k}" for k, i in ids.items()] + ["%"]
        by_term: dict[str, list[int]] = {}
        for t in self.terms:
            by_term.setdefault(t.term, []).append(ids[t.category])
        lines += [f"{term}\t" + "\t".join(map(str, cs)) for term, cs in by_term.items()]
        return "\n".join(lines) + "\n"

    def dumps(self, fmt: str) -> str:
        """The lexicon as text.

        Parameters
        ----------
        fmt : {"yaml", "yml", "csv", "dic"}
            The format.

        Returns
        -------
        str
        """
        writers = {"yaml": self.to_yaml, "yml": self.to_yaml, "csv": self.to_csv, "dic": self.to_dic}
        if fmt not in writers:
            raise LexiconError(f"unknown lexicon format {fmt!r}; use yaml, csv or dic")
        return writers[fmt]()

    # -- validation --------------------------------------------------------------------------------
    def validate(self, tokenizer=None, texts: Iterable[str] | None = None, t2s: bool = True) -> list[LexiconIssue]:
        """Check the lexicon; return issues (errors first).

        * ``duplicate`` (error in one category, warning across categories): the same term listed twice;
        * ``bad-term``: terms empty after normalisation or with whitespace/separators, weights that are not
          finite numbers in (0, :data:`MAX_WEIGHT`] (the loaders refuse these too, naming the line);
        * ``context``: a context rule with an empty cue list or an empty cue (error), a cue that is itself a
          lexicon term (warning for a rejection cue, info otherwise: the cue's own hits still count);
        * ``empty-category``: a category without terms;
        * ``nested`` (info): a term inside another term; where both could match, the longer one wins;
        * ``split`` (info, needs ``tokenizer``): jieba splits the term on its own into several tokens; it
          still matches as a run of whole tokens, but only where the text segments the same way;
        * ``exclusion`` (error): an exclusion that does not contain its term;
        * ``never-whole`` (warning, needs ``texts``): the term's characters occur in the texts but never as a
          run of whole tokens, with the longer tokens that hide them (共享 inside 数据共享);
          ``unseen`` (info): the term does not occur in the texts at all.

        Parameters
        ----------
        tokenizer : Tokenizer, optional
            Checks how each term segments on its own (``split``); also used for ``texts``.
        texts : iterable of str, optional
            Texts to look for the terms in (``never-whole``, ``unseen``).
        t2s : bool
            Convert ``texts`` from traditional to simplified first.

        Returns
        -------
        list of LexiconIssue
            Errors first, then warnings, then notes.
        """
        issues: list[LexiconIssue] = []
        seen: dict[str, Term] = {}
        seen_terms = {t.term for t in self.terms}
        for c in self._categories.values():
            weight = weight_problem(c.weight, "category weight")
            if weight:
                issues.append(LexiconIssue("error", "bad-term", "", c.key, weight))
            issues.extend(self._rule_issues(c, "", seen_terms))
        for t in self.terms:
            where = f" (line {t.line})" if t.line else ""
            problem = term_problem(t.term)
            if problem:
                issues.append(LexiconIssue("error", "bad-term", t.term, t.category, f"{problem}{where}"))
            elif _BAD_CHARS.search(t.term):
                issues.append(LexiconIssue("error", "bad-term", t.term, t.category,
                                           f"term contains whitespace or a separator{where}"))
            problem = weight_problem(t.weight)
            if problem:
                issues.append(LexiconIssue("error", "bad-term", t.term, t.category, f"{problem}{where}"))
            issues.extend(self._rule_issues(t, where, seen_terms))
            for x in t.exclusions:
                if t.is_glob or t.term not in x:
                    issues.append(LexiconIssue("error", "exclusion", t.term, t.category,
                                               f"exclusion {x!r} does not contain the term{where}"))
            if t.term in seen:
                first = seen[t.term]
                same = first.category == t.category
                issues.append(LexiconIssue("error" if same else "warning", "duplicate", t.term, t.category,
                                           f"also listed in {first.category}" + (f" (line {first.line})" if first.line else "")
                                           + ("" if same else "; its hits count in both categories")))
            else:
                seen[t.term] = t
        for c in self._categories:
            if not any(t.category == c for t in self.terms):
                issues.append(LexiconIssue("warning", "empty-category", "", c, "category has no terms"))
        fixed = [t for t in seen.values() if not t.is_glob]
        for t in fixed:
            longer = [u.term for u in fixed if u.term != t.term and t.term in u.term]
            if longer:
                issues.append(LexiconIssue("info", "nested", t.term, t.category,
                                           f"inside {', '.join(longer[:5])}; where the longer term matches, it wins"))
        if tokenizer is not None:
            for t in fixed:
                toks = [w for w, _, _ in tokenizer.tokenize(t.term)]
                if len(toks) > 1:
                    issues.append(LexiconIssue("info", "split", t.term, t.category,
                                               f"segmented as {'/'.join(toks)}; matched as a run of these tokens"))
        if texts is not None:
            from .tokenize import Tokenizer

            issues.extend(self._corpus_issues(tokenizer or Tokenizer(), texts, t2s))
        order = {"error": 0, "warning": 1, "info": 2}
        return sorted(issues, key=lambda i: order[i.level])


    @staticmethod
    def _rule_issues(owner, where: str, terms: set[str]) -> list[LexiconIssue]:
        """``context`` issues: empty cue lists or cues (error), cues that are themselves lexicon terms (warning:
        the cue is also counted as a hit), a window on side both with no cue (error)."""
        term, cat = (owner.term, owner.category) if isinstance(owner, Term) else ("", owner.key)
        out = []
        for kind in RULE_KINDS:
            for rule in getattr(owner, kind):
                if not rule.cues:
                    out.append(LexiconIssue("error", "context", term, cat, f"{kind}: empty cue list{where}"))
                for cue in rule.cues:
                    if not cue or not _normalize_term(cue):
                        out.append(LexiconIssue("error", "context", term, cat, f"{kind}: empty cue{where}"))
                    elif cue in terms:
                        out.append(LexiconIssue("warning" if kind == "reject_context" else "info", "context", term, cat,
                                                f"{kind}: cue {cue!r} is itself a lexicon term; its own hits still "
                                                f"count{where}"))
                    elif term and cue == term:
                        out.append(LexiconIssue("error", "context", term, cat, f"{kind}: the term is its own cue{where}"))
        return out

    def _corpus_issues(self, tokenizer, texts: Iterable[str], t2s: bool) -> list[LexiconIssue]:
        from .normalize import normalize_text
        from .matching import Matcher, hidden_occurrences

        matcher = Matcher(self)
        fixed = list(dict.fromkeys(t.term for t in self.terms if not t.is_glob))
        hit_counts: dict[str, int] = dict.fromkeys(fixed, 0)
        hidden: dict[str, dict[str, int]] = {t: {} for t in fixed}
        for raw in texts:
            text = normalize_text(raw, t2s=t2s)
            tokens = tokenizer.tokenize(text)
            hits = matcher.match(text, tokens)
            for h in hits:
                if h.term in hit_counts:
                    hit_counts[h.term] += 1
            for term, compound in hidden_occurrences(text, tokens, hits, fixed):
                hidden[term][compound] = hidden[term].get(compound, 0) + 1
        issues = []
        cat_of = {t.term: t.category for t in self.terms}
        for term in fixed:
            inside = sorted(hidden[term].items(), key=lambda kv: (-kv[1], kv[0]))
            if hit_counts[term] == 0 and inside:
                shown = ", ".join(f"{c}×{n}" for c, n in inside[:5])
                issues.append(LexiconIssue("warning", "never-whole", term, cat_of[term],
                                           f"never a whole-token hit in the corpus; occurs only inside: {shown}"))
            elif hit_counts[term] == 0:
                issues.append(LexiconIssue("info", "unseen", term, cat_of[term], "does not occur in the corpus"))
        return issues


# -- reading ------------------------------------------------------------------------------------------
def _where(path: str | None, line: int | None) -> str:
    return f"{path or '<lexicon>'}" + (f", line {line}" if line else "")


def _as_float(value, what: str, path, line) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise LexiconError(f"{_where(path, line)}: {what} must be a number, got {value!r}") from None


def _as_polarity(value, path, line) -> int:
    if str(value).strip() in ("1", "+1", "1.0", "positive", "pos"):
        return 1
    if str(value).strip() in ("-1", "-1.0", "negative", "neg", "contrast"):
        return -1
    raise LexiconError(f"{_where(path, line)}: polarity must be 1 or -1, got {value!r}")


def _from_yaml_data(data, path: str | None) -> Lexicon:
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise LexiconError(f"{_where(path, None)}: a YAML lexicon needs a 'categories' mapping at the top level")
    cats, terms = [], []
    for key, spec in data["categories"].items():
        if key == "__line__":
            continue
        if not isinstance(spec, dict):
            raise LexiconError(f"{_where(path, data['categories'].get('__line__'))}: category {key!r} must be a mapping "
                               "with a 'terms' list")
        line = spec.get("__line__")
        weight = _as_float(spec.get("weight", 1.0), "weight", path, line)
        problem = weight_problem(weight, f"weight of category {key!r}")
        if problem:
            raise LexiconError(f"{_where(path, line)}: {problem}")
        unknown = set(spec) - {"label", "label_en", "polarity", "weight", "description", "terms", "__line__", *RULE_KINDS}
        if unknown:
            raise LexiconError(f"{_where(path, line)}: unknown field(s) {', '.join(sorted(unknown))} for category "
                               f"{key!r}")
        cat = Category(key=str(key), label=str(spec.get("label", key)), label_en=str(spec.get("label_en", "")),
                       polarity=_as_polarity(spec.get("polarity", 1), path, line), weight=weight,
                       description=str(spec.get("description", "")).strip(),
                       **{k: _rules_from_data(spec.get(k), k, _where(path, line)) for k in RULE_KINDS})
        cats.append(cat)
        items = spec.get("terms")
        if not isinstance(items, list):
            raise LexiconError(f"{_where(path, line)}: category {key!r} has no 'terms' list")
        for item in items:
            if not isinstance(item, dict) or "term" not in item:
                raise LexiconError(f"{_where(path, line)}: each term of {key!r} must be a string or a mapping with 'term'")
            tline = item.get("__line__")
            term = item["term"]
            if not isinstance(term, str):
                raise LexiconError(f"{_where(path, tline)}: term must be text, got {term!r}")
            excl = item.get("exclusions") or []
            if isinstance(excl, str):
                excl = [excl]
            excl = [e["term"] if isinstance(e, dict) else e for e in excl]
            unknown = set(item) - {"term", "weight", "provenance", "exclusions", "note", "__line__", *RULE_KINDS}
            if unknown:
                raise LexiconError(f"{_where(path, tline)}: unknown field(s) {', '.join(sorted(unknown))} for term {term!r}")
            tweight = _as_float(item.get("weight", weight), "weight", path, tline)
            terms.append(Term(term=check_entry(term, tweight, _where(path, tline)), category=cat.key, weight=tweight,
                              provenance=str(item.get("provenance", "") or ""),
                              exclusions=tuple(_normalize_term(str(e)) for e in excl),
                              note=str(item.get("note", "") or ""), line=tline,
                              **{k: _rules_from_data(item.get(k), k, _where(path, tline)) for k in RULE_KINDS}))
    return Lexicon(cats, terms, name=str(data.get("name", Path(path).stem if path else "custom")),
                   version=str(data.get("version", "")), description=str(data.get("description", "") or "").strip(),
                   source=str(data.get("source", "") or ""), path=path)


def _read_yaml(text: str, path: str | None) -> Lexicon:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LexiconError(f"{_where(path, line)}: not valid YAML: {problem}") from None
    return _from_yaml_data(data, path)


def _read_csv(text: str, path: str | None, delimiter: str = ",") -> Lexicon:
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    rows = [(i + 1, r) for i, r in enumerate(rows) if any(c.strip() for c in r) and not r[0].lstrip().startswith("#")]
    if not rows:
        raise LexiconError(f"{_where(path, None)}: the lexicon file is empty")
    header = [h.strip().lower() for h in rows[0][1]]
    if "term" not in header or "category" not in header:
        if len(header) >= 2 and header[0] not in ("term",):
            raise LexiconError(f"{_where(path, rows[0][0])}: a CSV lexicon needs a header row with 'term' and 'category' "
                               f"(optional: weight, polarity, provenance, exclusions); found: {', '.join(header)}")
        raise LexiconError(f"{_where(path, rows[0][0])}: a CSV lexicon needs columns 'term' and 'category'")
    col = {h: i for i, h in enumerate(header)}
    cats: dict[str, Category] = {}
    terms = []
    for line, r in rows[1:]:
        get = lambda name: r[col[name]].strip() if name in col and col[name] < len(r) else ""  # noqa: E731
        term, cat = get("term"), get("category")
        if not term or not cat:
            raise LexiconError(f"{_where(path, line)}: row needs both a term and a category, got {r!r}")
        weight = _as_float(get("weight") or 1.0, "weight", path, line)
        pol = _as_polarity(get("polarity") or 1, path, line)
        if cat not in cats:
            cats[cat] = Category(key=cat, label=cat, polarity=pol)
        elif cats[cat].polarity != pol:
            raise LexiconError(f"{_where(path, line)}: category {cat!r} has polarity {pol} here but "
                               f"{cats[cat].polarity} on an earlier row")
        excl = tuple(_normalize_term(e) for e in get("exclusions").split("|") if e.strip())
        terms.append(Term(term=check_entry(term, weight, _where(path, line)), category=cat, weight=weight,
                          provenance=get("provenance"), exclusions=excl, line=line,
                          **{k: parse_rules_cell(get(k), k, _where(path, line)) for k in RULE_KINDS}))
    return Lexicon(cats.values(), terms, name=Path(path).stem if path else "custom", path=path)


def _read_dic(text: str, path: str | None) -> Lexicon:
    lines = text.splitlines()
    marks = [i for i, l in enumerate(lines) if l.strip() == "%"]
    if len(marks) < 2:
        raise LexiconError(f"{_where(path, 1)}: a LIWC .dic file starts with a category block between two '%' lines")
    ids: dict[str, str] = {}
    for i in range(marks[0] + 1, marks[1]):
        parts = lines[i].split()
        if not parts:
            continue
        if len(parts) < 2:
            raise LexiconError(f"{_where(path, i + 1)}: expected '<id> <category>', got {lines[i]!r}")
        ids[parts[0]] = parts[1]
    terms = []
    for i in range(marks[1] + 1, len(lines)):
        parts = lines[i].split()
        if not parts:
            continue
        if len(parts) < 2:
            raise LexiconError(f"{_where(path, i + 1)}: term {parts[0]!r} has no category id")
        for cid in parts[1:]:
            if cid not in ids:
                raise LexiconError(f"{_where(path, i + 1)}: category id {cid!r} is not in the header "
                                   f"(ids: {', '.join(ids)})")
            terms.append(Term(term=check_entry(parts[0], 1.0, _where(path, i + 1)), category=ids[cid], line=i + 1))
    cats = [Category(key=k, label=k) for k in dict.fromkeys(ids.values())]
    return Lexicon(cats, terms, name=Path(path).stem if path else "custom", path=path)


def load_lexicon(source: str | Path | None = None) -> Lexicon:
    """Load a lexicon from a ``.yaml``/``.yml``, ``.csv``/``.tsv`` or LIWC ``.dic`` file, or the default one.

    Parameters
    ----------
    source : str or pathlib.Path, optional
        A lexicon file; None or ``"fine_grained_governance"`` for the lexicon shipped with policytext.

    Returns
    -------
    Lexicon

    Raises
    ------
    LexiconError
        A missing file, a file that is not UTF-8, or malformed content (naming the line).

    Examples
    --------
    >>> lex = load_lexicon()
    >>> lex.name, "fine_grained" in lex.categories, lex.category("crude").polarity
    ('fine_grained_governance', True, -1)
    """
    if source is None or str(source) == DEFAULT_LEXICON:
        res = resources.files("policytext").joinpath(f"data/lexicons/{DEFAULT_LEXICON}.yaml")
        return _read_yaml(res.read_text("utf-8"), f"{DEFAULT_LEXICON}.yaml")
    path = Path(source)
    if not path.is_file():
        raise LexiconError(f"lexicon file not found: {source}")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LexiconError(f"{path}: lexicon files must be UTF-8 (byte {exc.start} is not)") from None
    ext = path.suffix.lower()
    if ext in (".yaml", ".yml"):
        return _read_yaml(text, str(path))
    if ext in (".csv", ".tsv"):
        return _read_csv(text, str(path), delimiter="\t" if ext == ".tsv" else ",")
    if ext == ".dic":
        return _read_dic(text, str(path))
    raise LexiconError(f"{path}: unknown lexicon format {ext!r}; use .yaml, .csv, .tsv or .dic")


def injected_words(lexicon: Lexicon | None = None) -> list[str]:
    """The words ``--inject-lexicon`` adds to the tokenizer's dictionary: the fixed (not glob) terms.

    Parameters
    ----------
    lexicon : Lexicon, optional
        Default: the shipped fine-grained-governance lexicon.

    Returns
    -------
    list of str
        The terms, in lexicon order.
    """
    lexicon = lexicon if lexicon is not None else load_lexicon()
    return [t.term for t in lexicon.terms if not t.is_glob]


def write_frequency_table(path: str | os.PathLike | None = None) -> Path:
    """Regenerate the rjieba frequency table the package ships (no injected words, and the default lexicon's
    terms as ``--inject-lexicon`` injects them): run it after a change of the default lexicon.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The file to write (default: ``policytext/data/jieba_frequencies.json``).

    Returns
    -------
    pathlib.Path
        Where the table went.
    """
    from .tokenize import write_frequency_table as write_table

    return write_table([(), injected_words()], path)
