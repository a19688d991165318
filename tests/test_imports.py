"""The import graph of ``simulation/``: no cycles, and dependencies point one way through the
layers drawn in ``docs/architecture.md``.

The graph is read from the source with :mod:`ast`, not by importing: every ``import`` and
``from ... import`` counts wherever it stands (module level, inside a function, under
``if TYPE_CHECKING:``), relative or absolute, because each of them is a dependency a reader
has to follow and a lazy import only hides a cycle from Python, not from people. The implicit
import of a parent package (``simulation/__init__.py`` runs before any submodule) is not an
edge: only what a file names counts.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import deque
from fnmatch import fnmatch
from pathlib import Path

import pytest

import simulation

PACKAGE_DIR = Path(simulation.__file__).resolve().parent
ROOT = PACKAGE_DIR.name  # "simulation"

# The layers, lowest first; a module may import its own layer and the ones below, never one
# above. Patterns are module names (fnmatch). Keep in step with docs/architecture.md.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("kernels, metrics and foundations", (
        "simulation.kernels", "simulation.kernels.*", "simulation.metrics", "simulation.network",
        "simulation.indicators", "simulation.summaries", "simulation.scenario", "simulation.inputs",
        "simulation.library", "simulation.resources", "simulation.stats", "simulation.reports.i18n",
        "simulation.events", "simulation.tomlwrite", "simulation.outputs",
    )),
    ("model", (
        "simulation", "simulation.model", "simulation.town", "simulation.population", "simulation.agents",
        "simulation.structures", "simulation.shocks", "simulation.lookup", "simulation.administration",
        "simulation.programme",
    )),
    ("running", (
        "simulation.runs", "simulation.experiments", "simulation.experiments.runner",
        "simulation.experiments.sweep", "simulation.experiments.design", "simulation.experiments.warm_workers",
        "simulation.experiments.pool",
    )),
    ("products", (
        "simulation.reports", "simulation.reports.compare", "simulation.reports.story", "simulation.reports.buildup",
        "simulation.townfile", "simulation.experiments.analysis",
        "simulation.experiments.ablation",
        "simulation.plots", "simulation.reference",
    )),
    ("interfaces", ("simulation.cli", "simulation.__main__", "simulation.dashboard", "simulation.dashboard.*")),
]

# Imports that go up a layer, each with the reason, while they wait for a fix (none today;
# ``runs -> plots`` went when the CLI took over drawing summary.png).
KNOWN_LAYER_VIOLATIONS: dict[tuple[str, str], str] = {}

# Interfaces stand side by side: the dashboard does not go through the CLI (nor the other way);
# both use the layers below. ``__main__`` is the CLI's other door.
INTERFACES = {"cli": ("simulation.cli", "simulation.__main__"), "dashboard": ("simulation.dashboard*",)}
KNOWN_INTERFACE_IMPORTS: dict[tuple[str, str], str] = {}  # the dashboard finds scenarios through simulation.library

# Private names of one module imported by another: the schema's introspection helpers that
# others use should be public (issue 9, point 4).
KNOWN_PRIVATE_IMPORTS: set[tuple[str, str, str]] = set()  # the schema's helpers are public (model_at, range_of, Section)


# ----------------------------------------------------------------------------------------------
# Reading the graph
# ----------------------------------------------------------------------------------------------


def module_files() -> dict[str, Path]:
    """Module name -> file, for every ``.py`` file below the package."""
    modules = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = (ROOT, *path.relative_to(PACKAGE_DIR).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _resolve(importer: str, is_package: bool, level: int, module: str | None) -> str:
    """The absolute name ``from <level dots><module> import ...`` refers to inside ``importer``."""
    if level == 0:
        return module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """``name`` or its longest prefix that is one of our modules (``import a.b.c`` needs a.b.c)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_edges(modules: dict[str, Path]) -> dict[tuple[str, str], list[tuple[str, int, str]]]:
    """(importer, imported) -> [(file, line, imported name)] for every import between our modules.

    ``from pkg import name`` is an edge to ``pkg.name`` when that is a module of ours, else to
    ``pkg``; the imported name is kept so private names can be checked.
    """
    edges: dict[tuple[str, str], list[tuple[str, int, str]]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            targets: list[tuple[str, str]] = []
            if isinstance(node, ast.Import):
                targets = [(alias.name, "") for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node.level, node.module)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append((sub, "") if sub in modules else (base, alias.name))
            for target, imported in targets:
                known = _known(target, modules)
                if known is not None and known != name:
                    where = (str(path.relative_to(PACKAGE_DIR.parent)), node.lineno, imported)
                    edges.setdefault((name, known), []).append(where)
    return edges


def strongly_connected(nodes, edges) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one node (the cycles)."""
    graph = {n: sorted({b for (a, b) in edges if a == n}) for n in nodes}
    index, low, stack, on_stack, result = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for n in sorted(nodes):
        if n not in index:
            visit(n)
    return result


def _shortest_cycle(start: str, inside: set[tuple[str, str]]) -> list[str] | None:
    """The shortest cycle through ``start`` using only the edges ``inside`` (breadth first)."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for a, b in sorted(inside):
            if a != v:
                continue
            if b == start:
                path = [v]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                return path[::-1]
            if b not in previous:
                previous[b] = v
                queue.append(b)
    return None


def describe_cycle(component: list[str], edges) -> str:
    """Every module's shortest cycle within the component, each once, with the import lines:
    enough to see each loop that has to be cut."""
    inside = {(a, b) for (a, b) in edges if a in component and b in component}
    seen, lines = set(), []
    for start in component:
        path = _shortest_cycle(start, inside)
        if path is None or frozenset(zip(path, [*path[1:], path[0]])) in seen:
            continue
        seen.add(frozenset(zip(path, [*path[1:], path[0]])))
        steps = [f"{a} -> {b} ({edges[(a, b)][0][0]}:{edges[(a, b)][0][1]})"
                 for a, b in zip(path, [*path[1:], path[0]])]
        lines.append("    " + ",  ".join(steps))
    return f"cycle among {', '.join(component)}:\n" + "\n".join(lines)


def package_of(module: str) -> str:
    """The unit of the package graph: a subpackage (``simulation.experiments``) or a top module."""
    parts = module.split(".")
    if len(parts) >= 3 or (len(parts) == 2 and (PACKAGE_DIR / parts[1]).is_dir()):
        return ".".join(parts[:2])
    return module


def is_private(name: str) -> bool:
    """``_helper`` is private; ``__version__`` and other dunder names are not."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def layer_of(module: str) -> int | None:
    for level, (_, patterns) in enumerate(LAYERS):
        if any(fnmatch(module, p) for p in patterns):
            return level
    return None


@pytest.fixture(scope="module")
def graph():
    modules = module_files()
    return modules, import_edges(modules)


# ----------------------------------------------------------------------------------------------
# The reader itself (so a green test means something)
# ----------------------------------------------------------------------------------------------


def test_reader_sees_relative_lazy_and_type_checking_imports(tmp_path, monkeypatch):
    pkg = tmp_path / "simulation"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n")
    (pkg / "b.py").write_text("def f():\n    from .sub import c\n    import simulation.a\n")
    (pkg / "sub" / "c.py").write_text("from .. import a\nfrom ..b import _hidden\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE_DIR", pkg)
    modules = module_files()
    edges = import_edges(modules)
    assert set(edges) == {
        ("simulation.a", "simulation.b"),
        ("simulation.b", "simulation.sub.c"),
        ("simulation.b", "simulation.a"),
        ("simulation.sub.c", "simulation.a"),
        ("simulation.sub.c", "simulation.b"),
    }
    assert edges[("simulation.sub.c", "simulation.b")][0][2] == "_hidden"
    cycles = strongly_connected(modules, edges)
    assert cycles == [["simulation.a", "simulation.b", "simulation.sub.c"]]
    assert "simulation.a -> simulation.b" in describe_cycle(cycles[0], edges)


# ----------------------------------------------------------------------------------------------
# The rules
# ----------------------------------------------------------------------------------------------


def test_no_import_cycles(graph):
    """The model side had cycles (agents <-> model under TYPE_CHECKING, model -> structures and
    shocks -> model); structures and shocks now act on the ``Town`` protocol (town.py)."""
    modules, edges = graph
    cycles = strongly_connected(modules, edges)
    assert not cycles, "\n".join(describe_cycle(c, edges) for c in cycles)


def reentries(modules, edges) -> list[list[str]]:
    """Chains of imports that leave a subpackage and come back into it, e.g.
    ``experiments.analysis -> reports.compare -> experiments.runner`` (analysis took
    ``mean_ci`` from the comparison report): the package then depends on itself through
    another one. Each chain is a shortest path from a module of the package to one of its
    modules through modules outside it."""
    graph: dict[str, list[str]] = {}
    for a, b in sorted(edges):
        graph.setdefault(a, []).append(b)
    found = []
    for package in sorted({package_of(m) for m in modules if package_of(m) != m}):
        def inside(m: str) -> bool:
            return package_of(m) == package
        for a in sorted(m for m in modules if inside(m)):
            previous = {b: a for b in graph.get(a, []) if not inside(b)}
            queue = deque(previous)
            while queue:
                v = queue.popleft()
                for w in graph.get(v, []):
                    if inside(w):
                        chain = [w, v]
                        while chain[-1] != a:
                            chain.append(previous[chain[-1]])
                        found.append(chain[::-1])
                        queue.clear()
                        break
                    if w not in previous:
                        previous[w] = v
                        queue.append(w)
    return found


def test_no_subpackage_depends_on_itself_through_another(graph):
    """The package-level cycle of issue 9 (``experiments -> reports -> experiments``). Known
    upward imports are left out here (the test below names them)."""
    modules, edges = graph
    kept = {e: w for e, w in edges.items() if e not in KNOWN_LAYER_VIOLATIONS}
    # Coming back into a package at a leaf that imports nothing of simulation (the labels,
    # reports/i18n.py, which every layer uses) cannot close a loop, so it does not count.
    leaves = {m for m in modules if not any(a == m for a, _ in edges)}
    chains = [c for c in reentries(modules, kept) if c[-1] not in leaves]
    assert not chains, "\n".join(" -> ".join(c) for c in chains)


def test_every_module_has_a_layer(graph):
    modules, _ = graph
    missing = [m for m in modules if layer_of(m) is None]
    assert not missing, f"place these in LAYERS (tests/test_imports.py) and docs/architecture.md: {missing}"


def test_no_module_imports_a_higher_layer(graph):
    modules, edges = graph
    upward = []
    for (a, b), where in sorted(edges.items()):
        la, lb = layer_of(a), layer_of(b)
        if la is not None and lb is not None and lb > la and (a, b) not in KNOWN_LAYER_VIOLATIONS:
            upward.append(f"{a} ({LAYERS[la][0]}) imports {b} ({LAYERS[lb][0]}) at {where[0][0]}:{where[0][1]}")
    assert not upward, "\n".join(upward)


def test_known_layer_violations_still_exist(graph):
    """An exception that is fixed leaves the list, so the list never hides a new one."""
    _, edges = graph
    assert [e for e in KNOWN_LAYER_VIOLATIONS if e not in edges] == []


def interface_of(module: str) -> str | None:
    return next((name for name, patterns in INTERFACES.items() if any(fnmatch(module, p) for p in patterns)), None)


def test_interfaces_do_not_import_each_other(graph):
    _, edges = graph
    crossing = [f"{a} -> {b} at {where[0][0]}:{where[0][1]}" for (a, b), where in sorted(edges.items())
                if interface_of(a) and interface_of(b) and interface_of(a) != interface_of(b)
                and (a, b) not in KNOWN_INTERFACE_IMPORTS]
    assert not crossing, "\n".join(crossing)


def test_known_interface_imports_are_gone(graph):
    _, edges = graph
    left = [f"{a} -> {b}: {why}" for (a, b), why in KNOWN_INTERFACE_IMPORTS.items() if (a, b) in edges]
    assert not left, "\n".join(left)


def test_no_new_imports_of_private_names(graph):
    _, edges = graph
    private = {(a, b, name) for (a, b), where in edges.items() for (_, _, name) in where if is_private(name)}
    assert private <= KNOWN_PRIVATE_IMPORTS, sorted(private - KNOWN_PRIVATE_IMPORTS)


def test_no_module_imports_private_names_of_another(graph):
    _, edges = graph
    private = sorted({(a, b, name) for (a, b), where in edges.items() for (_, _, name) in where
                      if is_private(name)})
    assert not private, private


def test_the_package_exports_its_names_lazily_and_all_of_them():
    """``simulation`` imports its exports when first asked for (PEP 562): a fresh process that
    imports the package alone has no model loaded, and ``from simulation import *`` then
    binds every name of ``__all__`` to the object of its home module (a name added to
    ``__all__`` but not to the lazy table would raise here)."""
    code = (
        "import sys, simulation\n"
        "before = 'simulation.model' in sys.modules\n"
        "namespace = {}\n"
        "exec('from simulation import *', namespace)\n"
        "from simulation.model import QuartierModel\n"
        "from simulation.scenario import Scenario, ScenarioError, load_scenario\n"
        "same = [namespace[n] is obj for n, obj in [('QuartierModel', QuartierModel), ('Scenario', Scenario),"
        " ('ScenarioError', ScenarioError), ('load_scenario', load_scenario)]]\n"
        "print(before, sorted(n for n in simulation.__all__ if n not in namespace), all(same),"
        " set(simulation.__all__) <= set(dir(simulation)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "[]", "True", "True"], out
