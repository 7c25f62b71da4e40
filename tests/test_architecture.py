"""The house's layout: packages by concern, imports running one way, from the CLI down.

Every import of pmoctl's own modules counts, at any depth of the code (an import inside a
function is still an arrow in the graph), so a cycle cannot hide behind a late import.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "src" / "pmoctl"

#: from the top down: a part may import only from its own part and the layers below it;
#: parts that share a layer are independent of each other
LAYERS: list[tuple[str, ...]] = [
    ("__main__",),
    ("cli",),
    ("api",),
    ("render",),
    ("operations",),
    ("lifecycle",),
    ("output",),
    ("rules",),
    ("signing",),
    ("catalogue",),
    ("yaml", "gitrepo"),
    ("__init__", "resources", "fileio", "runtime"),
    ("errors", "findings", "_version"),
]
LAYER_OF = {part: depth for depth, parts in enumerate(LAYERS) for part in parts}


def _part(module: str) -> str:
    """The top-level package or module of ``pmoctl.X.Y`` (``X``)."""
    return module.split(".")[1] if module.count(".") else "__init__"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def _pmoctl_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of pmoctl's own code in a file, at any depth."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("pmoctl")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "pmoctl":
                found += [(node.lineno, f"pmoctl.{a.name}") for a in node.names]
            elif node.module.startswith("pmoctl."):
                found.append((node.lineno, node.module))
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_part_has_a_layer() -> None:
    parts = {_part(_module_name(path)) for path in SOURCES}
    assert sorted(parts - set(LAYER_OF)) == []


def test_imports_run_one_way() -> None:
    wrong = []
    for path in SOURCES:
        here = _part(_module_name(path))
        for line, module in _pmoctl_imports(path):
            there = _part(module)
            if there == here:
                continue
            if LAYER_OF[there] <= LAYER_OF[here]:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert wrong == []


def test_no_import_cycles_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    names = {_module_name(path) for path in SOURCES}
    for path in SOURCES:
        targets = set()
        for _, imported in _pmoctl_imports(path):
            module = imported
            while module not in names and "." in module:  # a name imported from a module
                module = module.rsplit(".", 1)[0]
            targets.add(module)
        graph[_module_name(path)] = targets - {_module_name(path)}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append(stack[stack.index(target) :] + [target])
            elif target not in state:
                visit(target, [*stack, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []
