"""Lexicons: categories of terms with weights, polarity, provenance and exclusions.

Three file formats are read (by extension) and written:

* **YAML** (``.yaml``/``.yml``, native): name, version, categories with label, polarity, weight and terms;
  each term may carry its own weight, provenance, exclusions and a note. The default lexicon
  (``policytext/data/lexicons/fine_grained_governance.yaml``) is the reference example.
* **CSV** (``.csv``, also ``.tsv``): a header row with at least ``term`` and ``category``, optionally
  ``weight``, ``polarity``, ``provenance``, ``exclusions`` (separated by ``|``) -- a plain spreadsheet works.
* **LIWC** ``.dic``: the ``%``-delimited category header, then ``term<TAB>id id ...`` lines.

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
import re
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from .errors import LexiconError

__all__ = ["Category", "Lexicon", "LexiconIssue", "Term", "load_lexicon", "DEFAULT_LEXICON"]

#: the name of the lexicon shipped with policytext
DEFAULT_LEXICON = "fine_grained_governance"

_GLOB = re.compile(r"[*?]")
_BAD_CHARS = re.compile(r"[\s,;|]")


@dataclass(frozen=True)
class Category:
    """A dimension of the lexicon. ``polarity`` is 1 for the concept's pole, -1 for its contrast pole."""

    key: str
    label: str = ""
    label_en: str = ""
    polarity: int = 1
    weight: float = 1.0
    description: str = ""


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
        """A lexicon from ``{category: [term, ...]}``; optional per-term ``weights`` and per-category ``polarity``."""
        weights, polarity = dict(weights or {}), dict(polarity or {})
        cats = [Category(key=k, label=k, polarity=int(polarity.get(k, 1))) for k in mapping]
        terms = [Term(term=t, category=k, weight=float(weights.get(t, 1.0))) for k, ts in mapping.items() for t in ts]
        return cls(cats, terms, name=name)

    @property
    def categories(self) -> list[str]:
        """Category keys in file order."""
        return list(self._categories)

    def category(self, key: str) -> Category:
        return self._categories[key]

    def terms_of(self, category: str) -> list[Term]:
        if category not in self._categories:
            raise LexiconError(f"unknown category {category!r}; categories: {', '.join(self._categories)}")
        return [t for t in self.terms if t.category == category]

    def select(self, categories: Iterable[str]) -> "Lexicon":
        """A lexicon with only the given categories."""
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
        """The lexicon as plain data (the YAML structure)."""
        cats = {}
        for c in self._categories.values():
            entry = {k: v for k, v in asdict(c).items() if k != "key" and v not in ("", None)}
            entry["polarity"], entry["weight"] = c.polarity, c.weight
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
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["term", "category", "weight", "polarity", "provenance", "exclusions"])
        for t in self.terms:
            w.writerow([t.term, t.category, t.weight, self._categories[t.category].polarity, t.provenance,
                        "|".join(t.exclusions)])
        return buf.getvalue()

    def to_dic(self) -> str:
        """LIWC ``.dic`` text (weights, polarity and provenance are not representable and are left out)."""
        ids = {k: i + 1 for i, k in enumerate(self._categories)}
        lines = ["%"] + [f"{i}\t{k}" for k, i in ids.items()] + ["%"]
        by_term: dict[str, list[int]] = {}
        for t in self.terms:
            by_term.setdefault(t.term, []).append(ids[t.category])
        lines += [f"{term}\t" + "\t".join(map(str, cs)) for term, cs in by_term.items()]
        return "\n".join(lines) + "\n"

    def dumps(self, fmt: str) -> str:
        """The lexicon as text in ``fmt``: ``yaml``, ``csv`` or ``dic``."""
        writers = {"yaml": self.to_yaml, "yml": self.to_yaml, "csv": self.to_csv, "dic": self.to_dic}
        if fmt not in writers:
            raise LexiconError(f"unknown lexicon format {fmt!r}; use yaml, csv or dic")
        return writers[fmt]()

    # -- validation --------------------------------------------------------------------------------
    def validate(self, tokenizer=None, texts: Iterable[str] | None = None, t2s: bool = True) -> list[LexiconIssue]:
        """Check the lexicon; return issues (errors first).

        * ``duplicate`` (error in one category, warning across categories): the same term listed twice;
        * ``bad-term``: empty terms or terms with whitespace/separators, non-positive weights;
        * ``empty-category``: a category without terms;
        * ``nested`` (info): a term inside another term; where both could match, the longer one wins;
        * ``split`` (info, needs ``tokenizer``): jieba splits the term on its own into several tokens; it
          still matches as a run of whole tokens, but only where the text segments the same way;
        * ``exclusion`` (error): an exclusion that does not contain its term;
        * ``never-whole`` (warning, needs ``texts``): the term's characters occur in the texts but never as a
          run of whole tokens, with the longer tokens that hide them (共享 inside 数据共享);
          ``unseen`` (info): the term does not occur in the texts at all.
        """
        issues: list[LexiconIssue] = []
        seen: dict[str, Term] = {}
        for t in self.terms:
            where = f" (line {t.line})" if t.line else ""
            if not t.term or _BAD_CHARS.search(t.term):
                issues.append(LexiconIssue("error", "bad-term", t.term, t.category,
                                           f"term is empty or contains whitespace or a separator{where}"))
            if t.weight <= 0:
                issues.append(LexiconIssue("error", "bad-term", t.term, t.category, f"weight {t.weight} is not positive{where}"))
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


    def _corpus_issues(self, tokenizer, texts: Iterable[str], t2s: bool) -> list[LexiconIssue]:
        from .normalize import normalize_text
        from .scoring import Matcher, hidden_occurrences

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
        cat = Category(key=str(key), label=str(spec.get("label", key)), label_en=str(spec.get("label_en", "")),
                       polarity=_as_polarity(spec.get("polarity", 1), path, line), weight=weight,
                       description=str(spec.get("description", "")).strip())
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
            unknown = set(item) - {"term", "weight", "provenance", "exclusions", "note", "__line__"}
            if unknown:
                raise LexiconError(f"{_where(path, tline)}: unknown field(s) {', '.join(sorted(unknown))} for term {term!r}")
            terms.append(Term(term=term.strip(), category=cat.key,
                              weight=_as_float(item.get("weight", weight), "weight", path, tline),
                              provenance=str(item.get("provenance", "") or ""), exclusions=tuple(str(e) for e in excl),
                              note=str(item.get("note", "") or ""), line=tline))
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
        excl = tuple(e.strip() for e in get("exclusions").split("|") if e.strip())
        terms.append(Term(term=term, category=cat, weight=weight, provenance=get("provenance"), exclusions=excl,
                          line=line))
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
            terms.append(Term(term=parts[0], category=ids[cid], line=i + 1))
    cats = [Category(key=k, label=k) for k in dict.fromkeys(ids.values())]
    return Lexicon(cats, terms, name=Path(path).stem if path else "custom", path=path)


def load_lexicon(source: str | Path | None = None) -> Lexicon:
    """Load a lexicon from a ``.yaml``/``.yml``, ``.csv``/``.tsv`` or LIWC ``.dic`` file, or the default one.

    ``source`` may be ``None`` or ``"fine_grained_governance"`` for the lexicon shipped with policytext.

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
