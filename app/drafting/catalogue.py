"""Which templates drafting can use: the shipped ones and the custom ones legal officers save, custom first.

A key resolves in the requested language, then its base language, then English; a custom template is accepted
only after its syntax, its variables and a trial render in the sandbox pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import Agreement
from app.drafting.errors import TemplateError, UnknownTemplate
from app.drafting.models import CustomTemplate
from app.drafting.template_files import TemplateInfo, Variable, find_template, list_templates
from app.drafting.templates_engine import render_source, validate_custom_template
from app.errors import FieldProblem, NotFound, ValidationFailed, invalid
from app.i18n import MESSAGES
from app.users.models import User
from app.users.policy import Action, require
from app.versioning import check_version


@dataclass(frozen=True)
class ResolvedTemplate:
    """A template to render: its metadata, the language used, and the source when it is a custom one."""

    info: TemplateInfo
    language: str
    custom: CustomTemplate | None = None


def _custom_info(row: CustomTemplate) -> TemplateInfo:
    variables = tuple(Variable(**item) for item in row.variables)
    return TemplateInfo(row.key, row.title, row.template_version, (row.language,), tuple(row.kinds), variables, Path())


def _candidates(language: str) -> list[str]:
    base = language.split("-")[0].lower()
    return list(dict.fromkeys([language, base, "en"]))


def resolve_template(session: Session, key: str, language: str = "en") -> ResolvedTemplate:
    """The template ``key`` in ``language`` (with fallback to the base language, then English); custom first."""
    for candidate in _candidates(language):
        row = session.scalars(
            select(CustomTemplate).where(CustomTemplate.key == key, CustomTemplate.language == candidate)
        ).first()
        if row is not None:
            return ResolvedTemplate(_custom_info(row), candidate, row)
        try:
            info, used = find_template(key, candidate)
        except UnknownTemplate:
            continue
        if used == candidate:
            return ResolvedTemplate(info, used)
    info, used = find_template(key, language)  # raises UnknownTemplate with the shipped keys
    return ResolvedTemplate(info, used)


def chosen_template(session: Session, key: str, language: str) -> ResolvedTemplate:
    """``resolve_template`` for a key the request chose: an unknown one is a 422 on ``template``, not a 404."""
    try:
        return resolve_template(session, key, language)
    except UnknownTemplate as exc:
        raise invalid("template", exc.detail) from None


def all_templates(session: Session) -> list[tuple[TemplateInfo, bool]]:
    """Every template (shipped, and custom ones, which take precedence), with whether it is custom."""
    found: dict[str, tuple[TemplateInfo, bool]] = {info.key: (info, False) for info in list_templates()}
    for row in session.scalars(select(CustomTemplate).order_by(CustomTemplate.key, CustomTemplate.language)):
        info = _custom_info(row)
        if row.key in found and found[row.key][1]:
            merged = found[row.key][0]
            languages = tuple(sorted({*merged.languages, row.language}))
            info = TemplateInfo(info.key, info.title, info.version, languages, info.kinds, info.variables, Path())
        found[row.key] = (info, True)
    return sorted(found.values(), key=lambda item: item[0].key)


def save_custom_template(
    session: Session,
    key: str,
    language: str,
    fields: dict[str, Any],
    actor: User,
    expected_version: int | None = None,
) -> CustomTemplate:
    """Accept a custom template after checking its syntax, its variables and a trial render in the sandbox."""
    require(actor, Action.MANAGE_TEMPLATES)
    variables = fields["variables"]
    reasons = validate_custom_template(fields["source"], [v["name"] for v in variables])
    if not reasons:
        info = TemplateInfo(key, fields["title"], fields["version"], (language,), tuple(fields["kinds"]),
                            tuple(Variable(**v) for v in variables), Path())  # fmt: skip
        try:
            render_source(fields["source"], _trial_values(info), language=language)
        except TemplateError as exc:
            reasons.append(MESSAGES.gettext("a trial render failed: {detail}", detail=exc.detail))
    if reasons:
        raise ValidationFailed([FieldProblem("source", reason) for reason in reasons])
    row = session.scalars(
        select(CustomTemplate).where(CustomTemplate.key == key, CustomTemplate.language == language)
    ).first()
    if row is None:
        row = CustomTemplate(key=key, language=language, author_id=actor.id)
        session.add(row)
    else:
        check_version("template", row.version, expected_version)
    row.title, row.template_version, row.kinds = fields["title"], fields["version"], list(fields["kinds"])
    row.variables, row.source, row.author_id = variables, fields["source"], actor.id
    session.flush()
    return row


_TRIAL = {
    "text": "Sample text",
    "date": "2027-01-31",
    "integer": 30,
    "boolean": True,
    "list": ["First item"],
    "parties": [{"legal_name": "Sample Partner", "short_name": "Partner", "country": "Kenya"}],
    "obligations": [{"party": "Sample Partner", "description": "Report", "due_date": "2027-03-31"}],
    "areas": [{"name": "Migrant health", "description": None}],
    "contacts": [{"party": "Sample Partner", "name": "A Person", "title": "Director", "email": "a@example.org"}],
}


def _trial_values(info: TemplateInfo) -> dict[str, Any]:
    return {variable.name: _TRIAL[variable.type] for variable in info.variables}


def template_or_404(session: Session, key: str) -> TemplateInfo:
    """The template with this key, or ``NotFound``."""
    for info, _custom in all_templates(session):
        if info.key == key:
            return info
    raise NotFound(MESSAGES.gettext("no template {key}", key=repr(key)))


def templates_for(session: Session, agreement: Agreement) -> list[TemplateInfo]:
    """The templates (shipped and custom) that serve the agreement's kind, by key."""
    return [info for info, _custom in all_templates(session) if agreement.kind.value in info.kinds]
