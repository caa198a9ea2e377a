"""Find workflow state names written as Python string literals under ``app/``.

States are data (``app/workflows/*.yaml``); Python asks ``app.workflow.definition.states(workflow, group=...)`` for
them. This scanner reads every state name of every workflow file and reports each string constant equal to one,
outside docstrings, group names (``states(..., group="open")``) and lines marked ``# not a workflow state`` (a word
that merely coincides with a state name: a user being active, an HTML ``open`` attribute). The Alembic revisions
under ``app/migrations`` are left out: each is frozen history and writes the states as they were on its day.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.workflow import definition

ROOT = Path(__file__).resolve().parents[2]
APP_DIR = ROOT / "app"
SKIPPED = ("migrations",)
"""Folders of ``app`` (relative to it) that are not scanned."""
EXEMPTION_MARKER = "# not a workflow state"
GROUP_LOOKUPS = {"states", "group"}
"""Calls whose positional arguments after the workflow name are group names, not states."""


@dataclass(frozen=True)
class Literal:
    """One state name written in Python."""

    path: Path
    line: int
    value: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.value!r}"


def state_names(workflows_dir: Any = None) -> frozenset[str]:
    """Every state declared by any workflow file (in the directory the application loads them from)."""
    directory = definition.WORKFLOWS_DIR if workflows_dir is None else workflows_dir
    names: set[str] = set()
    for path in directory.iterdir():
        if path.name.endswith(".yaml"):
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            names.update(str(state) for state in raw["states"])
    return frozenset(names)


def _docstring_nodes(tree: ast.AST) -> set[int]:
    """The ids of the constants that are docstrings (module, class, function, or an attribute's)."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for statement in body:
            if (
                isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ):
                ids.add(id(statement.value))
    return ids


def _group_name_nodes(tree: ast.AST) -> set[int]:
    """The ids of constants naming a group: ``group=`` keywords, and group arguments of ``states`` and ``group``."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg == "group" and isinstance(keyword.value, ast.Constant):
                ids.add(id(keyword.value))
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in GROUP_LOOKUPS:
            skip = 1 if name == "states" else 0  # states(workflow, group); workflow.group(group)
            for argument in node.args[skip:]:
                if isinstance(argument, ast.Constant):
                    ids.add(id(argument))
    return ids


def scan_file(path: Path, names: frozenset[str]) -> list[Literal]:
    """The state literals of one Python file."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    lines = source.splitlines()
    skipped = _docstring_nodes(tree) | _group_name_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names):
            continue
        if id(node) in skipped or EXEMPTION_MARKER in lines[node.lineno - 1]:
            continue
        found.append(Literal(path, node.lineno, node.value))
    return sorted(found, key=lambda literal: (str(literal.path), literal.line))


def scan(app_dir: Path = APP_DIR, names: frozenset[str] | None = None) -> list[Literal]:
    """The state literals of every Python file under ``app_dir``."""
    names = state_names() if names is None else names
    found: list[Literal] = []
    for path in sorted(app_dir.rglob("*.py")):
        if path.relative_to(app_dir).parts[0] not in SKIPPED:
            found.extend(scan_file(path, names))
    return found


if __name__ == "__main__":
    from collections import Counter

    literals = scan()
    for literal in literals:
        print(literal)
    for path, count in Counter(str(literal.path.relative_to(ROOT)) for literal in literals).most_common():
        print(f"{count:4d} {path}")
    print(len(literals), "literals")
