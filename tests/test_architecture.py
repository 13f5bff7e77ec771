"""Apps import one way: outcomes → diagnosis → guides → config (docs/architecture.md).

Every Python file of every app is parsed (not imported) and each import of another app's module becomes an
edge of the app graph, function-level imports included. Any cycle fails, whatever apps exist; the four apps
we know must also keep their order. `config/urls.py` and `config/settings.py` are the composition root:
they wire every app together, so their imports are not edges.
"""

import ast
import itertools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSITION_ROOT = {"config/urls.py", "config/settings.py"}
# Lowest first: an app may import the apps before it, never one after it.
LAYERS = ("config", "guides", "diagnosis", "outcomes")


def project_apps():
    """config, plus every top-level package that is a Django app (has apps.py)."""
    return {"config"} | {path.parent.name for path in ROOT.glob("*/apps.py")}


def imported_modules(path):
    """(line, absolute module name) for every import in the file, relative imports resolved."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                yield node.lineno, ".".join([*base, *([node.module] if node.module else [])])
            else:
                yield node.lineno, node.module


def app_imports():
    """{(from app, to app): ["file:line imports module", …]} across the project's apps."""
    apps = project_apps()
    edges = {}
    for app in sorted(apps):
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in COMPOSITION_ROOT:
                continue
            for line, module in imported_modules(path):
                target = module.split(".")[0]
                if target in apps and target != app:
                    edges.setdefault((app, target), []).append(f"{relative}:{line} imports {module}")
    return edges


def find_cycle(edges):
    """One cycle in the directed graph as [a, b, …, a], or None."""
    graph = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    visiting, done = [], set()

    def visit(node):
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for neighbour in sorted(graph.get(node, ())):
            cycle = visit(neighbour)
            if cycle:
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        cycle = visit(node)
        if cycle:
            return cycle
    return None


def test_the_apps_we_know_are_all_found():
    assert set(LAYERS) <= project_apps()


def test_no_import_cycle_between_apps():
    edges = app_imports()
    cycle = find_cycle(edges)
    if cycle:
        where = [line for a, b in itertools.pairwise(cycle) for line in edges[(a, b)]]
        pytest.fail("apps import each other: " + " → ".join(cycle) + "\n" + "\n".join(where))


def test_apps_import_only_the_layers_below_them():
    edges = app_imports()
    upward = {
        (source, target): lines
        for (source, target), lines in edges.items()
        if source in LAYERS and target in LAYERS and LAYERS.index(target) > LAYERS.index(source)
    }
    assert not upward, upward


def test_the_engine_flow_and_presentation_stay_pure():
    """The diagnosis's pure core never imports the ORM, a request, or another app's models."""
    for name in ("engine", "interview", "presentation"):
        modules = {module for _line, module in imported_modules(ROOT / "diagnosis" / f"{name}.py")}
        assert not {m for m in modules if m.startswith(("django.db", "django.http")) or m.endswith(".models")}, name


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({("a", "b"): [], ("b", "c"): [], ("c", "a"): [], ("c", "d"): []}) == ["a", "b", "c", "a"]
    assert find_cycle({("a", "b"): [], ("b", "c"): [], ("a", "c"): []}) is None
