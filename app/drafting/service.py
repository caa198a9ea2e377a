"""Drafting: fill a template from what the system knows and store the result as a new immutable version.

Nobody retypes a fact the system holds (``app.drafting.variables``); a request may add or override only the
variables the template declares. Which templates exist is ``app.drafting.catalogue``; versions as files and
redlines are ``app.drafting.documents``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.agreements import service as agreements
from app.agreements.models import Agreement, AgreementKind, DocumentVersion
from app.drafting.catalogue import ResolvedTemplate, chosen_template, resolve_template
from app.drafting.documents import DOCX_MEDIA_TYPE, Output, document_file, docx_text, safe_file_name
from app.drafting.errors import PreflightFailed, Problem, TemplateError
from app.drafting.labels import LANGUAGE_BREAK, languages_of, localise_variables, preview_label
from app.drafting.preflight import preflight
from app.drafting.template_files import TemplateInfo, Variable
from app.drafting.templates_engine import Rendered, render, render_source
from app.drafting.variables import agreement_variables, partnership_variables
from app.errors import Conflict, FieldProblem, ValidationFailed, invalid
from app.i18n import MESSAGES, is_supported
from app.partnerships.service import get_partnership, permission_context
from app.uploads import MB, document_upload_bytes
from app.users.models import User
from app.users.policy import Action, require
from app.workflow.actor import Actor
from app.workflow.definition import state_name, state_names, states

DEFAULT_TEMPLATE = {
    AgreementKind.MOU: "mou",
    AgreementKind.AMENDMENT: "amendment",
    AgreementKind.EXTENSION: "extension",
    AgreementKind.RENEWAL: "renewal",
    AgreementKind.TERMINATION_NOTICE: "termination_notice",
}
FACTS_TO_MATCH = ("effective_date", "end_date", "notice_period_days")


def _merge(resolved: ResolvedTemplate, facts: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    declared = {variable.name for variable in resolved.info.variables}
    unknown = sorted(set(overrides) - declared)
    if unknown:
        raise ValidationFailed(
            [
                FieldProblem(
                    f"variables.{name}",
                    MESSAGES.gettext("is not a variable of template {key}", key=repr(resolved.info.key)),
                )
                for name in unknown
            ]
        )
    return {**facts, **overrides}


def _render(resolved: ResolvedTemplate, variables: dict[str, Any]) -> Rendered:
    """Render with the shipped template in-process, or with the custom one in a worker; errors name the template."""
    if resolved.custom is None:
        return render(resolved.info.key, resolved.language, variables)
    problems = preflight(resolved.info, variables)
    if problems:
        raise PreflightFailed(problems)
    try:
        localised = localise_variables(variables, resolved.language)
        identity = f"custom:{resolved.info.key}/{resolved.language}"
        text = render_source(resolved.custom.source, localised, language=resolved.language, template=identity)
    except TemplateError as exc:
        detail = f"template {resolved.info.key!r} ({resolved.language}) cannot be rendered: {exc.detail}"
        raise TemplateError(detail, [FieldProblem("template", exc.detail)]) from exc
    return Rendered(text, resolved.info.key, resolved.info.version, resolved.language, [])


render_resolved = _render


def _template_key(agreement: Agreement, key: str | None) -> str:
    return key or DEFAULT_TEMPLATE[agreement.kind]


def agreement_preflight(
    session: Session, agreement_id: int, key: str | None, language: str, overrides: dict[str, Any] | None = None
) -> tuple[ResolvedTemplate, list[Problem]]:
    """Which variables are missing or invalid to render the agreement with template ``key``, in plain words."""
    agreement = agreements.get_agreement(session, agreement_id)
    resolved = resolve_template(session, _template_key(agreement, key), language)
    variables = _merge(resolved, agreement_variables(session, agreement), overrides or {})
    return resolved, preflight(resolved.info, variables)


def generate_version(
    session: Session,
    agreement_id: int,
    key: str | None,
    language: str,
    overrides: dict[str, Any],
    actor: User,
    *,
    bilingual: bool = False,
) -> DocumentVersion:
    """Render the agreement from a template and store it as a new immutable version (drafts only).

    ``language`` "en+fr" (or ``bilingual`` with the agreement's two languages) stores one version holding both texts.
    """
    agreement = agreements.get_agreement(session, agreement_id)
    agreements.require_on_agreement(actor, agreement, Action.EDIT_PARTNERSHIP)
    if agreement.status not in states("agreement", group="editable"):
        status = state_name("agreement", agreement.status)
        allowed = state_names("agreement", states("agreement", "editable"))
        raise Conflict(
            MESSAGES.gettext(
                "cannot generate a version: the agreement is {status} (allowed when it is {allowed})",
                status=status,
                allowed=allowed,
            )
        )
    if bilingual:
        language = _bilingual_language(agreement.languages, language)
    if BILINGUAL_MARK in language:
        return _generate_bilingual(session, agreement, key, language, overrides, actor)
    resolved = chosen_template(session, _template_key(agreement, key), language)
    variables = _merge(resolved, agreement_variables(session, agreement), overrides)
    rendered = _render(resolved, variables)
    return agreements.add_version(
        session,
        agreement.id,
        rendered.text,
        actor,
        language=rendered.language,
        template_key=rendered.template_key,
        template_version=rendered.template_version,
        variables={**variables, "_overrides": overrides},
    )


BILINGUAL_MARK = "+"


def _bilingual_language(agreement_languages: list[str] | None, requested: str) -> str:
    """The "en+fr" of an agreement signed in two languages; 422 when it is not."""
    chosen = list(dict.fromkeys(agreement_languages or []))
    if len(chosen) != 2:
        raise invalid(
            "bilingual",
            MESSAGES.ngettext(
                "the agreement is not signed in two languages (its languages list has {n} entry)",
                "the agreement is not signed in two languages (its languages list has {n} entries)",
                len(chosen),
            ),
        )
    return BILINGUAL_MARK.join(chosen)


def _generate_bilingual(
    session: Session, agreement: Agreement, key: str | None, language: str, overrides: dict[str, Any], actor: User
) -> DocumentVersion:
    """One version holding the text in each of two languages, the second after a language-break line."""
    wanted = [part.strip() for part in language.split(BILINGUAL_MARK)]
    languages = languages_of(language)
    if len(wanted) != 2 or len(languages) != 2 or not all(is_supported(part) for part in wanted):
        raise invalid(
            "language",
            MESSAGES.gettext('a bilingual rendering names two different languages among en, fr and es, like "en+fr"'),
        )
    texts, variables, first = [], {}, None
    for lang in languages:
        resolved = chosen_template(session, _template_key(agreement, key), lang)
        if resolved.language != lang:
            raise invalid(
                "language",
                MESSAGES.gettext("template {key} has no {language} text", key=repr(resolved.info.key), language=lang),
            )
        variables = _merge(resolved, agreement_variables(session, agreement), overrides)
        texts.append(_render(resolved, variables).text)
        first = first or resolved
    body = f"{texts[0]}\n{LANGUAGE_BREAK.format(language=languages[1])}\n\n{texts[1]}"
    assert first is not None
    return agreements.add_version(
        session,
        agreement.id,
        body,
        actor,
        language=BILINGUAL_MARK.join(languages),
        template_key=first.info.key,
        template_version=first.info.version,
        variables={**variables, "_overrides": overrides},
    )


def stale_reasons(session: Session, agreement: Agreement, version: DocumentVersion) -> list[str]:
    """Why a generated version no longer fits the agreement's facts (empty when it still does)."""
    if not version.template_key:
        return []
    try:
        resolved = resolve_template(session, version.template_key, version.language)
    except TemplateError:
        return [
            MESSAGES.gettext(
                "version {number} was made from template {key}, which is gone",
                number=version.number,
                key=repr(version.template_key),
            )
        ]
    overrides = (version.variables or {}).get("_overrides") or {}
    current = {**agreement_variables(session, agreement), **overrides}
    reasons = [
        MESSAGES.gettext("version {number}: {problem}", number=version.number, problem=problem.message)
        for problem in preflight(resolved.info, current)
    ]
    for name in FACTS_TO_MATCH:
        if name in version.variables and version.variables[name] != current.get(name):
            what = name.replace("_", " ")
            reasons.append(
                MESSAGES.gettext(
                    "the {what} changed after version {number} was generated; generate a new one",
                    what=what,
                    number=version.number,
                )
            )
    return reasons


def preview(session: Session, partnership_id: int, key: str, language: str, overrides: dict[str, Any]) -> Rendered:
    """Render a template from the partnership's facts without storing anything (notes, letters, previews)."""
    partnership = get_partnership(session, partnership_id)
    resolved = chosen_template(session, key, language)
    current = next(
        (a for a in reversed(partnership.agreements) if a.status in states("agreement", group="editable")), None
    )
    facts = agreement_variables(session, current) if current else partnership_variables(session, partnership)
    return _render(resolved, _merge(resolved, facts, overrides))


def preview_document(
    session: Session,
    partnership_id: int,
    key: str,
    language: str,
    overrides: dict[str, Any],
    fmt: str,
    *,
    actor: User | Actor,
) -> Output:
    """A template rendered from the partnership's facts as HTML, DOCX or PDF, marked DRAFT, not stored."""
    require(actor, Action.EDIT_PARTNERSHIP, **permission_context(get_partnership(session, partnership_id)))
    rendered = preview(session, partnership_id, key, language, overrides)
    reference = get_partnership(session, partnership_id).reference
    name = safe_file_name(f"{reference}-{key}")
    label = preview_label(rendered.language)
    return document_file(rendered.text, fmt, reference=reference, label=label, draft=True, name=name,
                         language=rendered.language)  # fmt: skip


def upload_docx(
    session: Session, agreement_id: int, content: bytes, file_name: str | None, actor: User
) -> DocumentVersion:
    """Store a hand-edited Word document as a new version: the file and its hash, and its text for redlines."""
    require(actor, Action.MANAGE_TEMPLATES)
    agreements.require_on_agreement(actor, agreements.get_agreement(session, agreement_id), Action.ACT_ON_AGREEMENT)
    if not content:
        raise invalid("file", MESSAGES.gettext("is empty"))
    if len(content) > document_upload_bytes():
        raise invalid("file", MESSAGES.gettext("is larger than {value} MB", value=document_upload_bytes() // MB))
    text = docx_text(content)
    name = (file_name or "hand-edited.docx")[:255]
    return agreements.add_version(session, agreement_id, text, actor, file=(content, DOCX_MEDIA_TYPE, name))


def variables_to_type(session: Session, agreement: Agreement, infos: list[TemplateInfo]) -> list[Variable]:
    """Variables these templates declare that the system does not know, so the person generating types them."""
    known = agreement_variables(session, agreement)
    found: dict[str, Variable] = {}
    for info in infos:
        for variable in info.variables:
            if variable.name not in known and variable.type in {"text", "date", "integer", "list"}:
                found.setdefault(variable.name, variable)
    return list(found.values())
