"""The layout's rules, read from the source: which room may import which, and how big
a module or a class may grow. Each rule is a function over the parsed tree, so a test
below can show it fails on a violating import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "sendable"
SERVER_ROOMS = ("store", "api", "web", "shell", "service", "cli", "scenario", "enforcement")


def modules() -> dict[str, ast.Module]:
    """Every module of the package (migrations aside) by dotted name."""
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        if "migrations" in rel.parts:
            continue
        name = ".".join(rel.parts).removesuffix(".__init__")
        out[name] = ast.parse(path.read_text(), str(path))
    return out


def imports(tree: ast.Module, name: str) -> set[str]:
    """What a module imports, lazily or not, as absolute dotted names."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the module's package
                package = name.split(".")[: -node.level] if not name.endswith("__init__") \
                    else name.split(".")
                base = ".".join([*package, base]) if base else ".".join(package)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def under(name: str, *rooms: str) -> bool:
    return any(name == f"sendable.{r}" or name.startswith(f"sendable.{r}.") for r in rooms)


def violations(mods: dict[str, ast.Module], room: str, forbidden: tuple[str, ...],
               extra: tuple[str, ...] = ()) -> list[str]:
    """Imports from a room (`room`) into any of `forbidden`, or of external packages in
    `extra`."""
    out = []
    for name, tree in mods.items():
        if not under(name, room):
            continue
        for imported in imports(tree, name):
            if under(imported, *forbidden) or imported.split(".")[0] in extra:
                out.append(f"{name} imports {imported}")
    return sorted(set(out))


def gate_rule(mods: dict[str, ast.Module]) -> list[str]:
    """The gate is pure: nothing from the store, the front ends or the shell."""
    return violations(mods, "gate", ("store", "api", "web", "shell", "service", "cli",
                                     "scenario", "counters", "client"), ("sqlalchemy",))


def client_rule(mods: dict[str, ast.Module]) -> list[str]:
    """The client talks to the server over HTTP only: nothing of the server's code.
    The reason vocabulary (`sendable.reasons`) and the clock are shared: they are pure
    data and functions, and the client explains refusals with the same words."""
    return violations(mods, "client", (*SERVER_ROOMS, "gate", "policy", "text",
                                       "counters", "inputs"))


def store_rule(mods: dict[str, ast.Module]) -> list[str]:
    """The store is the bottom: nothing above it."""
    return violations(mods, "store", ("api", "web", "shell", "service", "cli", "scenario",
                                      "gate", "enforcement", "client", "text"))


def sql_rule(mods: dict[str, ast.Module]) -> list[str]:
    """SQLAlchemy and SQL text only in the store (the client's own local files aside,
    which are the device's and never the server's)."""
    out = []
    for name, tree in mods.items():
        if under(name, "store", "client"):
            continue
        for imported in imports(tree, name):
            if imported.split(".")[0] == "sqlalchemy":
                out.append(f"{name} imports {imported}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                words = node.value.lstrip().upper().split()
                if len(words) > 2 and words[0] in ("SELECT", "INSERT", "UPDATE", "DELETE") \
                        and {"FROM", "INTO", "SET"} & set(words):
                    out.append(f"{name} holds SQL: {node.value[:40]!r}")
    return out


def cycles(mods: dict[str, ast.Module], room: str) -> list[tuple[str, str]]:
    """Pairs of modules of a room that import each other."""
    graph = {name: {i for i in imports(tree, name) if i in mods}
             for name, tree in mods.items() if under(name, room)}
    return sorted((a, b) for a, deps in graph.items() for b in deps
                  if a < b and a in graph.get(b, set()))


@pytest.fixture(scope="module")
def mods() -> dict[str, ast.Module]:
    return modules()


@pytest.mark.parametrize("rule", [gate_rule, client_rule, store_rule, sql_rule])
def test_import_rules_hold(mods, rule) -> None:
    assert rule(mods) == []


def test_client_modules_do_not_import_each_other_in_a_circle(mods) -> None:
    assert cycles(mods, "client") == []


@pytest.mark.parametrize(("rule", "room", "source"), [
    (gate_rule, "sendable.gate.checks.bad", "from sendable.store import messages\n"),
    (gate_rule, "sendable.gate.bad", "import sqlalchemy as sa\n"),
    (client_rule, "sendable.client.bad", "from sendable.service import Service\n"),
    (store_rule, "sendable.store.bad", "def f():\n    from sendable.shell import sending\n"),
    (sql_rule, "sendable.shell.bad", "Q = 'SELECT id FROM accounts WHERE x = 1'\n"),
])
def test_each_rule_fails_on_a_violating_import(mods, rule, room, source) -> None:
    assert rule({**mods, room: ast.parse(source)}) != []


def test_a_circle_is_found(mods) -> None:
    assert cycles({**mods, "sendable.client.a": ast.parse("import sendable.client.b\n"),
                   "sendable.client.b": ast.parse("from sendable.client import a\n")},
                  "client") == [("sendable.client.a", "sendable.client.b")]


def test_no_module_over_500_lines_and_no_class_over_300() -> None:
    too_big = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        if len(text.splitlines()) > 500:
            too_big.append(f"{path.relative_to(SRC)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > 300:
                too_big.append(f"{path.relative_to(SRC)}: class {node.name} "
                               f"{node.end_lineno - node.lineno + 1} lines")
    assert too_big == []
