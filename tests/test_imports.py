"""The import structure of the glia package: no module imports itself back through a chain
of imports (at module level or inside functions), and the plotting package stays apart
from the configuration layer."""
from __future__ import annotations

import ast
from pathlib import Path

import glia

ROOT = Path(glia.__file__).parent
CONFIG_LAYER = {"glia.config", "glia._config_base"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()
KNOWN = set(MODULES) | {"glia._core"}


def _under_type_checking(node, parents) -> bool:
    p = parents.get(node)
    while p is not None:
        if isinstance(p, ast.If) and "TYPE_CHECKING" in ast.unparse(p.test):
            return True
        p = parents.get(p)
    return False


def imports_of(name: str, path: Path) -> set[str]:
    """The glia modules ``name`` imports anywhere in its file (not under TYPE_CHECKING):
    ``from glia.x import y`` counts as glia.x.y when that is a module, else as glia.x. A
    package's own __init__, which Python runs before any of its modules, is no import of
    theirs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {c: p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or _under_type_checking(node, parents):
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
            continue
        base = node.module or ""
        if node.level:
            up = package.split(".")[:len(package.split(".")) - node.level + 1]
            base = ".".join(up + ([node.module] if node.module else []))
        for a in node.names:
            sub = f"{base}.{a.name}"
            out.add(sub if sub in KNOWN else base)
    return {m for m in out if m in KNOWN and m != name}


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (its modules in order, the first repeated at the
    end), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(graph.get(u, ())):
            if state.get(v) == 1:
                return stack[stack.index(v):] + [v]
            if v not in state:
                found = visit(v)
                if found:
                    return found
        stack.pop()
        state[u] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        u = todo.pop()
        for v in graph.get(u, ()):
            if v not in seen:
                seen.add(v)
                todo.append(v)
    return seen


def test_the_walk_sees_the_package():
    assert {"glia", "glia.config", "glia._config_base", "glia.training", "glia.viz",
            "glia.evolution._run"} <= set(GRAPH)
    assert "glia._config_base" in GRAPH["glia.config"]
    assert "glia.config" in GRAPH["glia.training"]


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_in_glia():
    assert find_cycle(GRAPH) is None, " -> ".join(find_cycle(GRAPH))


def test_viz_does_not_load_the_config_layer():
    # what importing glia.viz runs (module-level imports, followed; the package glia's own
    # __init__ aside): a viz function that trains (NetworkView's live mode) may still
    # import the trainers when it runs
    at_import = {"glia.viz"}
    todo = ["glia.viz"]
    while todo:
        u = todo.pop()
        tree = ast.parse(MODULES[u].read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("glia"):
                for a in node.names:
                    sub = f"{node.module}.{a.name}"
                    m = sub if sub in MODULES else node.module
                    if m in MODULES and m not in at_import:
                        at_import.add(m)
                        todo.append(m)
    assert not at_import & CONFIG_LAYER, sorted(at_import & CONFIG_LAYER)


def test_the_config_layer_is_layered():
    # the generic machinery knows no configuration class; config builds on it
    assert GRAPH["glia._config_base"] <= {"glia._core"}
    assert GRAPH["glia.config"] <= {"glia._core", "glia._config_base"}


def test_evolution_uses_no_private_name_of_training():
    # what the trainers and the search share lives in glia._shared
    for name in (m for m in GRAPH if m.startswith("glia.evolution")):
        assert "glia.training" not in GRAPH[name], name
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "glia.training" \
                    and name != "glia":
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, (name, private)
