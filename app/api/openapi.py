"""The finishing touches on the generated OpenAPI description, so that it says what the API really does.

- Every error response is documented as what it is: ``application/problem+json`` with a problem document.
- Text whose values live in data (workflow states from ``app/workflows/*.yaml``, areas of engagement in the
  database) carries an ``x-vocabulary`` marker (``app.schemas.vocabulary``); it becomes an ``enum`` of the values
  known when the schema is generated.
- An e-mail address is one with a domain name (``format: email`` alone would allow ``x@localhost``, which
  email-validator refuses).
- A created resource is linked (OpenAPI ``links``) to the operations on it and under it, with its id and ETag,
  so that a client (or a stateful fuzzer) can follow create → read → change.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session

from app.api.deps import read_only
from app.organisations.service import list_areas
from app.schemas import VOCABULARY
from app.workflow import definition

log = logging.getLogger(__name__)
METHODS = ("get", "put", "post", "patch", "delete")
VOCABULARIES: dict[str, Callable[[Session], list[str]]] = {
    "agreement_states": lambda _: list(definition.get_workflow("agreement").states),
    "partnership_stages": lambda _: list(definition.get_workflow("partnership").states),
    "obligation_states": lambda _: list(definition.get_workflow("obligation").states),
    "areas": lambda session: [area.code for area in list_areas(session)],
}
"""Each vocabulary's values, read when the schema is generated (the session reads reference rows)."""


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the finished description (generated once, then kept)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        document_problems(schema)
        parameters_without_null(schema)
        addresses_with_domain(schema)
        with read_only(app.state.session_factory) as session:
            fill_vocabularies(schema, session)
        link_created_resources(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield path, method, operation


def document_problems(schema: dict[str, Any]) -> None:
    """Describe every 4xx and 5xx response as an ``application/problem+json`` problem document."""
    problem = {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}
    for _, _, operation in _operations(schema):
        for code, response in operation.get("responses", {}).items():
            if code.startswith(("4", "5")):
                response["content"] = {"application/problem+json": problem}


def parameters_without_null(schema: dict[str, Any]) -> None:
    """An optional parameter is left out, never sent as null: drop the ``null`` alternative Pydantic adds."""
    for _, _, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            described = parameter.get("schema", {})
            others = [branch for branch in described.get("anyOf", []) if branch != {"type": "null"}]
            if len(others) == 1 and len(described["anyOf"]) == 2:
                rest = {key: value for key, value in described.items() if key != "anyOf"}
                if rest.get("default", "") is None:
                    del rest["default"]
                parameter["schema"] = {**others[0], **rest}


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def addresses_with_domain(schema: dict[str, Any]) -> None:
    """Say that an e-mail address has a domain with a dot in it, as email-validator requires."""
    for node in _nodes(schema):
        if node.get("format") == "email" and "pattern" not in node:
            node["pattern"] = EMAIL_PATTERN


def _marked(node: Any) -> Iterator[dict[str, Any]]:
    return (found for found in _nodes(node) if VOCABULARY in found)


def fill_vocabularies(schema: dict[str, Any], session: Session) -> None:
    """Replace each ``x-vocabulary`` marker with an ``enum`` of the vocabulary's current values."""
    values: dict[str, list[str] | None] = {}
    for node in list(_marked(schema)):
        name = node.pop(VOCABULARY)
        if name not in values:
            try:
                values[name] = VOCABULARIES[name](session)
            except Exception as exc:  # the schema is still served, only without this list
                log.warning("OpenAPI: the values of %s could not be read (%s)", name, exc.__class__.__name__)
                values[name] = None
        if values[name]:
            # An optional parameter is anyOf [string, null]: the values go on the string.
            target = next((branch for branch in node.get("anyOf", []) if branch.get("type") == "string"), node)
            target["enum"] = values[name]


def _id_property(schema: dict[str, Any], response: dict[str, Any]) -> bool:
    reference = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    component = schema.get("components", {}).get("schemas", {}).get(reference.rsplit("/", 1)[-1], {})
    return "id" in component.get("properties", {})


def _path_parameters(path: str) -> list[str]:
    return re.findall(r"{([^}]+)}", path)


def link_created_resources(schema: dict[str, Any]) -> None:
    """Link each ``201`` that has an ``id`` to the operations on the new resource and under it.

    A ``POST …/contacts`` creates a contact: its id fills ``{contact_id}`` in ``…/contacts/{contact_id}…`` and in
    ``/api/v1/contacts/{contact_id}…``; the path parameters it was created under are passed on, and the ``ETag``
    becomes ``If-Match`` on the resource itself and its transitions. Operations that need another identifier
    than those (a version number, an upload) are not linked.
    """
    operations = list(_operations(schema))
    for path, method, operation in operations:
        created = operation.get("responses", {}).get("201")
        if method != "post" or created is None or not _id_property(schema, created):
            continue
        collection = path.rsplit("/", 1)[-1]
        identifier = f"{collection.removesuffix('s')}_id"
        inherited = _path_parameters(path)
        homes = {path, f"/api/v1/{collection}"}
        links: dict[str, Any] = {}
        for target_path, _, target in operations:
            home, found, rest = target_path.partition(f"/{{{identifier}}}")
            if not found or home not in homes or "operationId" not in target:
                continue
            others = set(_path_parameters(target_path)) - {identifier, *inherited}
            if others - {"trigger"}:
                continue
            parameters = {f"path.{identifier}": "$response.body#/id"}
            parameters |= {f"path.{name}": f"$request.path.{name}" for name in inherited if name in target_path}
            same_resource = rest in ("", "/transitions/{trigger}")
            if same_resource and any(parameter.get("name") == "If-Match" for parameter in target.get("parameters", [])):
                parameters["header.If-Match"] = "$response.header.ETag"
            links[target["operationId"]] = {"operationId": target["operationId"], "parameters": parameters}
        if links:
            created["links"] = links
