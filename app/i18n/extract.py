"""Babel extractors: a Python file's messages of one domain, and the labels of the shipped YAML vocabularies.

Python messages are written ``WEB.gettext("Sign in")`` (or, after ``_ = WEB.gettext`` at module level,
``_("Sign in")``), so a message's domain is named where it is written and one file may hold several domains. The
mapping files (``app/locale/<domain>.cfg``) name these functions as the method, with a ``domain`` option.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import IO, Any

import yaml

METHODS = {"gettext": 1, "ngettext": 2, "pgettext": 2, "lazy": 1}
"""Each translating method of :class:`app.i18n.Domain` and how many leading string arguments it takes."""

Found = tuple[int, str, Any, list[str]]


def _strings(call: ast.Call, count: int) -> list[str] | None:
    values = []
    for argument in call.args[:count]:
        if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
            return None
        values.append(argument.value)
    return values if len(values) == count else None


def _comments(source_lines: list[str], lineno: int) -> list[str]:
    above = source_lines[lineno - 2].strip() if lineno >= 2 else ""
    return [above.removeprefix("# TRANSLATORS:").strip()] if above.startswith("# TRANSLATORS:") else []


def python_domain(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, str]) -> Iterator[Found]:
    """The messages of ``options['domain']`` in a Python file: ``WEB.gettext(...)`` and its module-level aliases."""
    constant = options["domain"].upper()
    source = fileobj.read().decode("utf-8")
    if constant not in source:
        return
    tree = ast.parse(source)
    lines = source.splitlines()
    aliases: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute):
            target = node.value
            if isinstance(target.value, ast.Name) and target.value.id == constant and target.attr in METHODS:
                aliases.update({name.id: target.attr for name in node.targets if isinstance(name, ast.Name)})
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        method = None
        if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
            if function.value.id == constant and function.attr in METHODS:
                method = function.attr
        elif isinstance(function, ast.Name) and function.id in aliases:
            method = aliases[function.id]
        if method is None:
            continue
        strings = _strings(node, METHODS[method])
        if strings is None:
            continue
        if method == "pgettext":
            yield node.lineno, "pgettext", tuple(strings), _comments(lines, node.lineno)
        elif method == "ngettext":
            yield node.lineno, "ngettext", tuple(strings), _comments(lines, node.lineno)
        else:
            yield node.lineno, "gettext", strings[0], _comments(lines, node.lineno)


def yaml_labels(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, str]) -> Iterator[Found]:
    """Every string under the keys ``options['keys']`` names (comma-separated) in a YAML file, at any depth.

    A key that maps to a mapping of strings (a workflow's ``states: {draft: "Draft"}``) gives each of its values.
    """
    keys = {key.strip() for key in options.get("keys", "label").split(",")}
    source = fileobj.read().decode("utf-8")
    lines = source.splitlines()

    def line_of(text: str) -> int:
        for number, line in enumerate(lines, start=1):
            if text in line:
                return number
        return 0

    def walk(node: Any, under_key: bool) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and (under_key or key in keys):
                    yield value
                elif isinstance(value, dict | list):
                    yield from walk(value, key in keys)
        elif isinstance(node, list):
            for item in node:
                if isinstance(item, str) and under_key:
                    yield item
                else:
                    yield from walk(item, under_key)

    for text in walk(yaml.safe_load(source), False):
        if text.strip():
            yield line_of(text), "gettext", text, []
