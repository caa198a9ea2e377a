"""Preflight: every reason a set of variables cannot fill a template, in plain words, before anything renders.

Also the render context: the variables with every optional one present and structured items' fields filled.
"""

from __future__ import annotations

import hashlib
import pickle
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from app.drafting.errors import Problem
from app.drafting.filters import as_date
from app.drafting.template_files import TemplateInfo, Variable

# Optional fields of structured items; absent ones are filled with None so templates can test them.
_ITEM_FIELDS = {
    "parties": ("legal_name", "short_name", "signatory_name", "signatory_title", "signed_on", "country"),
    "obligations": ("party", "description", "due_date"),
    "contacts": ("party", "name", "email", "title", "phone"),
    "areas": ("name", "description"),
}
_EMPTY = {"text": None, "date": None, "integer": None, "boolean": False}


def _is_date(value: Any) -> bool:
    try:
        as_date(value)
    except (TypeError, ValueError):
        return False
    return True


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _item_problems(variable: Variable, value: Any) -> list[str]:
    """Reasons the items of a structured variable are wrong, each a plain sentence without the subject."""
    what = variable.description
    if not isinstance(value, list):
        return [f"{what} must be a list"]
    reasons: list[str] = []
    for number, item in enumerate(value, start=1):
        if variable.type in ("list", "areas") and isinstance(item, str):
            if not item.strip():
                reasons.append(f"{what}: item {number} is empty")
            continue
        if variable.type == "list":
            reasons.append(f"{what}: item {number} must be text")
            continue
        if not isinstance(item, Mapping):
            reasons.append(f"{what}: item {number} must have named fields")
            continue
        if variable.type == "parties" and not _text(item.get("legal_name")):
            reasons.append(f"{what}: party {number} has no legal name")
        if variable.type == "parties" and item.get("signed_on") and not _is_date(item["signed_on"]):
            reasons.append(f"{what}: the signature date of party {number} is not a date like 2027-12-31")
        if variable.type == "obligations":
            if not _text(item.get("party")):
                reasons.append(f"{what}: obligation {number} does not say which party owes it")
            if not _text(item.get("description")):
                reasons.append(f"{what}: obligation {number} has no description")
            if item.get("due_date") and not _is_date(item["due_date"]):
                reasons.append(f"{what}: the due date of obligation {number} is not a date like 2027-12-31")
        if variable.type == "areas" and not _text(item.get("name")):
            reasons.append(f"{what}: area {number} has no name")
        if variable.type == "contacts":
            if not _text(item.get("party")) or not _text(item.get("name")):
                reasons.append(f"{what}: contact {number} needs the party and the person's name")
            email = item.get("email")
            if not isinstance(email, str) or not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
                reasons.append(f"{what}: contact {number} needs a valid email address")
    return reasons


def _value_problems(variable: Variable, value: Any) -> list[str]:
    what = variable.description
    if variable.type == "text":
        return [] if isinstance(value, str) else [f"{what} must be text"]
    if variable.type == "date":
        return [] if _is_date(value) else [f"{what} must be a date like 2027-12-31"]
    if variable.type == "integer":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return []
        unit = f" of {variable.unit}" if variable.unit else ""
        return [f"{what} must be a whole number{unit}"]
    if variable.type == "boolean":
        return [] if isinstance(value, bool) else [f"{what} must be yes or no (true or false)"]
    return _item_problems(variable, value)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, list) and not value)


def _party_names(info: TemplateInfo, variables: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for variable in info.variables:
        value = variables.get(variable.name)
        if variable.type == "parties" and isinstance(value, list):
            for party in value:
                if isinstance(party, Mapping):
                    names.update(str(party[k]) for k in ("legal_name", "short_name") if party.get(k))
        if variable.name == "organisation_name" and isinstance(value, str):
            names.add(value)
    return names


PREFLIGHT_CACHE_SIZE = 1024
_RESULTS: OrderedDict[tuple[TemplateInfo, bytes], tuple[Problem, ...]] = OrderedDict()
_RESULTS_LOCK = threading.Lock()


def _variables_key(variables: Mapping[str, Any]) -> bytes | None:
    """A digest of the variables that tells their types apart (``1``, ``True``, ``"1"``, a date and its text)."""
    try:
        data = pickle.dumps(variables, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # a value that cannot be pickled is checked every time
        return None
    return hashlib.blake2b(data, digest_size=20).digest()


def preflight(info: TemplateInfo, variables: Mapping[str, Any]) -> list[Problem]:
    """Every reason ``variables`` cannot fill ``info``: missing required values, wrong types, unknown parties.

    The answer depends only on the template's declarations (its key, version and variables: ``info`` compares
    them all) and on the variables' values and types, so it is kept for that pair, least recently used dropped.
    """
    digest = _variables_key(variables)
    if digest is None:
        return check_variables(info, variables)
    key = (info, digest)
    with _RESULTS_LOCK:
        found = _RESULTS.get(key)
        if found is not None:
            _RESULTS.move_to_end(key)
            return list(found)
    problems = check_variables(info, variables)
    with _RESULTS_LOCK:
        _RESULTS[key] = tuple(problems)
        while len(_RESULTS) > PREFLIGHT_CACHE_SIZE:
            _RESULTS.popitem(last=False)
    return problems


def clear_preflight_cache() -> None:
    """Forget every preflight answer kept (benchmarks measure an uncached render with it)."""
    with _RESULTS_LOCK:
        _RESULTS.clear()


def check_variables(info: TemplateInfo, variables: Mapping[str, Any]) -> list[Problem]:
    """``preflight`` without its cache: every reason ``variables`` cannot fill ``info``."""
    problems: list[Problem] = []
    for variable in info.variables:
        value = variables.get(variable.name)
        if _is_missing(value):
            if variable.required:
                problems.append(Problem(variable.name, f"{variable.description} is missing"))
            continue
        problems.extend(Problem(variable.name, reason) for reason in _value_problems(variable, value))
    if problems:
        return problems
    known = _party_names(info, variables)
    for variable in info.variables:
        if variable.type not in ("obligations", "contacts") or not known:
            continue
        for number, item in enumerate(variables.get(variable.name) or [], start=1):
            if item["party"] not in known:
                problems.append(
                    Problem(
                        variable.name,
                        f"{variable.description}: item {number} names {item['party']!r}, "
                        "which is not a party to the agreement",
                    )
                )
    return problems


def template_context(info: TemplateInfo, variables: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Template variables with every optional one present (None, False or empty) and items' fields filled."""
    context: dict[str, Any] = dict(variables)
    missing: list[str] = []
    for variable in info.variables:
        value = variables.get(variable.name)
        if _is_missing(value):
            if not variable.required:
                missing.append(variable.name)
            context[variable.name] = _EMPTY.get(variable.type, [])
            continue
        fields = _ITEM_FIELDS.get(variable.type)
        if fields:
            context[variable.name] = [
                {"name": item, "description": None}
                if isinstance(item, str)
                else {**{name: None for name in fields}, **item}
                for item in value
            ]
    return context, missing
