"""The package's layers point one way: no module imports, directly or through others, a module that imports
it back. Every import is counted, also the lazy ones inside functions (found with :mod:`ast`, so a module
imported only on some path counts as much as one imported at the top); only imports under
``if TYPE_CHECKING:`` are left out, because they never run."""

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "policytext"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package modules ``path`` imports anywhere in its body (``if TYPE_CHECKING:`` blocks excepted)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text("utf-8"), str(path))
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and _is_type_checking(node)
               for child in node.body for n in ast.walk(child)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # "from . import x" names the submodule x (not the package); "from .m import f" names module m
            targets = [f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in modules else prefix
                       for alias in node.names]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, modules) for p in files}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports as ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_package_has_no_import_circle():
    graph = import_graph()
    assert "policytext.scoring" in graph and graph["policytext.cli"]  # the walk sees the package
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_walk_finds_a_lazy_import_inside_a_function_and_a_circle(tmp_path):
    graph = import_graph()
    assert "policytext.readers" in graph["policytext.cli"]  # cli imports readers only inside functions
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def private_uses(files) -> set[str]:
    """``module -> other._name`` for every private name of another module taken by ``from other import _name``,
    by importing a private module (``pkg._mod``) from outside ``pkg``, or as ``alias._name`` where ``alias`` is
    an imported policytext module. Inside a subpackage (``readers``, ``reports``) its modules share their
    private names: that is the subpackage's own business."""

    def together(a: str, b: str) -> bool:  # the same module, or modules of one subpackage
        return a.split(".")[:2] == b.split(".")[:2]

    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    found = set()
    for path in files:
        name = module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text("utf-8"))
        aliases = {}
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.module == "__future__":
                continue
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
            source = ".".join(base + ([node.module] if node.module else []))
            if not source.startswith("policytext"):
                continue
            for alias in node.names:
                target = f"{source}.{alias.name}"
                if target in modules:
                    aliases[alias.asname or alias.name] = target
                    owner, _, leaf = target.rpartition(".")
                else:
                    owner, leaf = source, alias.name
                if leaf.startswith("_") and not leaf.startswith("__") and not together(owner, name):
                    found.add(f"{name} -> {owner}.{leaf}")
            if any(part.startswith("_") for part in source.split(".")) and not together(source, name):
                found.add(f"{name} -> {source}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                    and node.attr.startswith("_") and not node.attr.startswith("__"):
                target = aliases[node.value.id]
                if not together(target, name):
                    found.add(f"{name} -> {target}.{node.attr}")
    return found


def test_no_module_uses_a_private_member_of_another_package():
    uses = private_uses(sorted(PACKAGE.rglob("*.py")))
    assert uses == set()


def test_the_private_use_check_sees_each_kind(tmp_path, monkeypatch):
    sample = PACKAGE / "run.py"  # a real module path, its text replaced
    texts = {"from .readers import _is_pathlike_input\n": "policytext.run -> policytext.readers._is_pathlike_input",
             "from .readers._frames import ACCEPTED\n": "policytext.run -> policytext.readers._frames",
             "from . import scoring\nscoring._frame\n": "policytext.run -> policytext.scoring._frame"}
    for text, expected in texts.items():
        monkeypatch.setattr(type(sample), "read_text", lambda self, *a, text=text, **k: text)
        assert private_uses([sample]) == {expected}



#: the layers, in order: a module imports only modules of its own layer or an earlier one (README, Development)
LAYERS = ["errors", "corpus", "io", "rowtext", "normalize", "readers", "tokenize", "cache", "matching", "lexicon",
          "results", "slicing", "warm", "warmstore", "checkpoint", "parallel", "distributed", "run", "scoring", "kwic", "dtm", "embedding",
          "expansion", "anchored", "topics", "validation", "diagnostics", "scaling", "reports", "sampling", "cli"]


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "__main__" else None


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports of a module in a later layer (the package's ``__init__``, which only re-exports, left out)."""
    out = []
    for module, deps in sorted(graph.items()):
        for dep in sorted(deps):
            a, b = _layer(module), _layer(dep)
            if a and b and a != b and LAYERS.index(b) > LAYERS.index(a):
                out.append(f"{module} -> {dep}")
    return out


def test_every_module_has_a_layer_and_imports_only_earlier_layers():
    graph = import_graph()
    assert sorted({_layer(m) for m in graph} - {None} - set(LAYERS)) == []
    assert upward_imports(graph) == []
    assert upward_imports({"policytext.corpus": {"policytext.scoring"}}) == ["policytext.corpus -> policytext.scoring"]


def test_the_readme_states_the_layers_in_this_order():
    readme = (PACKAGE.parent / "README.md").read_text("utf-8")
    dev = readme.split("## Development", 1)[1]
    chain = re.search(r"`errors`(?:\s*→\s*`\w+`)+", dev).group(0)
    assert re.findall(r"`(\w+)`", chain) == LAYERS
