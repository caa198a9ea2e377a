"""Drafting: fill templates from what the system knows, store versions, produce HTML/DOCX/PDF and redlines.

Nobody retypes a fact the system holds: the variables come from the partnership (parties, focal points,
areas, objectives), the agreement (term, notice period, obligations, signatures) and its parent; a
request may add or override only the variables the template declares.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements import service as agreements
from app.agreements.models import Agreement, AgreementKind, DocumentVersion
from app.agreements.rules import signing_parties
from app.config import get_settings
from app.drafting import outputs
from app.drafting.comparison import compare
from app.drafting.models import CustomTemplate
from app.drafting.templates_engine import (
    PreflightFailed,
    Problem,
    Rendered,
    TemplateError,
    TemplateInfo,
    UnknownTemplate,
    Variable,
    find_template,
    list_templates,
    preflight,
    render,
    render_source,
    validate_custom_template,
)
from app.errors import Conflict, FieldProblem, NotFound, ValidationFailed, invalid
from app.obligations.models import Obligation, ObligationStatus
from app.organisations.models import Contact
from app.partnerships.models import Partnership
from app.partnerships.service import get_partnership
from app.schemas import country_name
from app.uploads import MB, UnsafeFile, check_docx, document_upload_bytes
from app.users.models import User

DEFAULT_TEMPLATE = {
    AgreementKind.MOU: "mou",
    AgreementKind.AMENDMENT: "amendment",
    AgreementKind.EXTENSION: "extension",
    AgreementKind.RENEWAL: "renewal",
    AgreementKind.TERMINATION_NOTICE: "termination_notice",
}
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FACTS_TO_MATCH = ("effective_date", "end_date", "notice_period_days")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _partners(partnership: Partnership, agreement: Agreement | None) -> list[dict[str, Any]]:
    signed = {s.party_id: s for s in agreement.signatures} if agreement else {}
    parties = signing_parties(agreement) if agreement else [p for p in partnership.parties if p.role != "observer"]
    result = []
    for party in parties:
        org, signature = party.organisation, signed.get(party.id)
        result.append(
            {
                "legal_name": org.legal_name,
                "short_name": org.short_name,
                "country": country_name(org.country_code) if org.country_code else None,
                "signatory_name": signature.signatory_name if signature else None,
                "signatory_title": signature.signatory_title if signature else None,
                "signed_on": _iso(signature.signed_on) if signature else None,
            }
        )
    return result


def _contacts(session: Session, partnership: Partnership, organisation_name: str) -> list[dict[str, Any]]:
    owner = partnership.owner
    contacts = [
        {"party": organisation_name, "name": owner.full_name, "title": "Partnership owner", "email": owner.email}
    ]
    for party in partnership.parties:
        contact = session.get(Contact, party.focal_point_id) if party.focal_point_id else None
        if contact is not None and contact.email:
            contacts.append(
                {
                    "party": party.organisation.legal_name,
                    "name": contact.name,
                    "title": contact.title,
                    "email": contact.email,
                }
            )
    return contacts


def partnership_variables(session: Session, partnership: Partnership) -> dict[str, Any]:
    """What the partnership tells every template: parties, focal points, areas, purpose, latest contacts."""
    organisation_name = get_settings().organisation_name
    undertaking = partnership.undertakings[-1] if partnership.undertakings else None
    interaction = partnership.interactions[-1] if partnership.interactions else None
    return {
        "reference": partnership.reference,
        "organisation_name": organisation_name,
        "partners": _partners(partnership, None),
        "purpose": partnership.objectives,
        "areas": [{"name": area.name, "description": area.description} for area in partnership.areas],
        "contacts": _contacts(session, partnership, organisation_name),
        "handles_personal_data": partnership.handles_personal_data,
        "undertaking_date": _iso(undertaking.given_on) if undertaking else None,
        "undertaking": undertaking.scope if undertaking else None,
        "interaction_date": _iso(interaction.occurred_on) if interaction else None,
        "event": interaction.kind.value.replace("_", " ").capitalize() if interaction else None,
        "summary": interaction.summary if interaction else None,
    }


def _obligations(session: Session, agreement: Agreement, organisation_name: str) -> list[dict[str, Any]]:
    names = {party.id: party.organisation.legal_name for party in agreement.partnership.parties}
    stmt = select(Obligation).where(
        Obligation.agreement_id == agreement.id, Obligation.status != ObligationStatus.WAIVED
    )
    result = []
    for obligation in session.scalars(stmt.order_by(Obligation.party_id.is_not(None), Obligation.id)):
        description = obligation.description
        if obligation.recurrence is not None:
            until = f" until {obligation.recurrence_until.isoformat()}" if obligation.recurrence_until else ""
            description = f"{description} ({obligation.recurrence.value.replace('_', '-')}{until})"
        party = names.get(obligation.party_id, organisation_name) if obligation.party_id else organisation_name
        result.append({"party": party, "description": description, "due_date": _iso(obligation.due_date)})
    return result


def agreement_variables(session: Session, agreement: Agreement) -> dict[str, Any]:
    """The partnership's variables plus the agreement's term, obligations, signatures and its parent."""
    variables = partnership_variables(session, agreement.partnership)
    organisation_name = variables["organisation_name"]
    own = next((s for s in agreement.signatures if s.party_id is None), None)
    parent = session.get(Agreement, agreement.parent_id) if agreement.parent_id else None
    variables |= {
        "title": agreement.title,
        "partners": _partners(agreement.partnership, agreement),
        "obligations": _obligations(session, agreement, organisation_name),
        "effective_date": _iso(agreement.effective_date),
        "end_date": _iso(agreement.end_date),
        "notice_period_days": agreement.notice_period_days,
        "organisation_signatory_name": own.signatory_name if own else None,
        "organisation_signatory_title": own.signatory_title if own else None,
        "organisation_signed_on": _iso(own.signed_on) if own else None,
    }
    if parent is not None:
        variables |= {
            "original_title": parent.title,
            "original_date": _iso(parent.effective_date),
            "original_reference": variables["reference"],
            "end_date": _iso(parent.end_date),
            "new_end_date": _iso(agreement.end_date),
        }
    if agreement.kind is AgreementKind.TERMINATION_NOTICE:
        variables |= {"notice_date": _iso(agreement.effective_date), "termination_date": _iso(agreement.end_date)}
    return variables


# templates ---------------------------------------------------------------------------------------------


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


def _chosen_template(session: Session, key: str, language: str) -> ResolvedTemplate:
    """``resolve_template`` for a key the request chose: an unknown one is a 422 on ``template``, not a 404."""
    try:
        return resolve_template(session, key, language)
    except UnknownTemplate as exc:
        raise invalid("template", exc.detail) from None


def _merge(resolved: ResolvedTemplate, facts: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    declared = {variable.name for variable in resolved.info.variables}
    unknown = sorted(set(overrides) - declared)
    if unknown:
        raise ValidationFailed(
            [
                FieldProblem(f"variables.{name}", f"is not a variable of template {resolved.info.key!r}")
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
        text = render_source(resolved.custom.source, variables, language=resolved.language)
    except TemplateError as exc:
        detail = f"template {resolved.info.key!r} ({resolved.language}) cannot be rendered: {exc.detail}"
        raise TemplateError(detail, [FieldProblem("template", exc.detail)]) from exc
    return Rendered(text, resolved.info.key, resolved.info.version, resolved.language, [])


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
) -> DocumentVersion:
    """Render the agreement from a template and store it as a new immutable version (drafts only)."""
    agreement = agreements.get_agreement(session, agreement_id)
    if agreement.status != "draft":
        raise Conflict(f"cannot generate a version: the agreement is {agreement.status} (allowed when draft)")
    resolved = _chosen_template(session, _template_key(agreement, key), language)
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


def stale_reasons(session: Session, agreement: Agreement, version: DocumentVersion) -> list[str]:
    """Why a generated version no longer fits the agreement's facts (empty when it still does)."""
    if not version.template_key:
        return []
    try:
        resolved = resolve_template(session, version.template_key, version.language)
    except TemplateError:
        return [f"version {version.number} was made from template {version.template_key!r}, which is gone"]
    overrides = (version.variables or {}).get("_overrides") or {}
    current = {**agreement_variables(session, agreement), **overrides}
    reasons = [f"version {version.number}: {problem.message}" for problem in preflight(resolved.info, current)]
    for name in FACTS_TO_MATCH:
        if name in version.variables and version.variables[name] != current.get(name):
            what = name.replace("_", " ")
            reasons.append(f"the {what} changed after version {version.number} was generated; generate a new one")
    return reasons


def preview(session: Session, partnership_id: int, key: str, language: str, overrides: dict[str, Any]) -> Rendered:
    """Render a template from the partnership's facts without storing anything (notes, letters, previews)."""
    partnership = get_partnership(session, partnership_id)
    resolved = _chosen_template(session, key, language)
    current = next((a for a in reversed(partnership.agreements) if a.status == "draft"), None)
    facts = agreement_variables(session, current) if current else partnership_variables(session, partnership)
    return _render(resolved, _merge(resolved, facts, overrides))


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
    variables = fields["variables"]
    reasons = validate_custom_template(fields["source"], [v["name"] for v in variables])
    if not reasons:
        info = TemplateInfo(key, fields["title"], fields["version"], (language,), tuple(fields["kinds"]),
                            tuple(Variable(**v) for v in variables), Path())  # fmt: skip
        try:
            render_source(fields["source"], _trial_values(info), language=language)
        except TemplateError as exc:
            reasons.append(f"a trial render failed: {exc.detail}")
    if reasons:
        raise ValidationFailed([FieldProblem("source", reason) for reason in reasons])
    row = session.scalars(
        select(CustomTemplate).where(CustomTemplate.key == key, CustomTemplate.language == language)
    ).first()
    if row is None:
        row = CustomTemplate(key=key, language=language, author_id=actor.id)
        session.add(row)
    elif expected_version is not None and expected_version != row.version:
        from app.errors import PreconditionFailed

        raise PreconditionFailed(f"the template was changed by someone else (now version {row.version})")
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


# outputs -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    """A file to send: its bytes, media type and a file name."""

    content: bytes
    media_type: str
    file_name: str


def _safe_name(text: str) -> str:
    return "".join(char if char.isalnum() or char in "-_" else "-" for char in text).strip("-") or "agreement"


def _document(text: str, fmt: str, *, reference: str, label: str, draft: bool, name: str) -> Output:
    if fmt == "html":
        html = outputs.to_html(text, reference=reference, version_label=label, draft=draft)
        return Output(html.encode("utf-8"), "text/html; charset=utf-8", f"{name}.html")
    if fmt == "docx":
        content = outputs.to_docx(text, reference=reference, version_label=label, draft=draft)
        return Output(content, DOCX_MEDIA_TYPE, f"{name}.docx")
    if fmt == "pdf":
        return Output(outputs.to_pdf(text, reference=reference, version_label=label, draft=draft), "application/pdf",
                      f"{name}.pdf")  # fmt: skip
    raise invalid("format", "must be html, docx or pdf")


def render_version(session: Session, agreement_id: int, number: int, fmt: str) -> Output:
    """A version as HTML, DOCX or PDF; marked DRAFT unless it is the approved version."""
    agreement = agreements.get_agreement(session, agreement_id)
    version = agreements.get_version(session, agreement_id, number)
    reference = agreement.partnership.reference
    name = _safe_name(f"{reference}-v{version.number}")
    if fmt == "docx" and version.file_content is not None and version.media_type == DOCX_MEDIA_TYPE:
        return Output(version.file_content, DOCX_MEDIA_TYPE, version.file_name or f"{name}.docx")
    draft = agreement.approved_version_number != version.number
    return _document(version.body or "", fmt, reference=reference, label=f"version {version.number}", draft=draft,
                     name=name)  # fmt: skip


def preview_document(
    session: Session, partnership_id: int, key: str, language: str, overrides: dict[str, Any], fmt: str
) -> Output:
    """A template rendered from the partnership's facts as HTML, DOCX or PDF, marked DRAFT, not stored."""
    rendered = preview(session, partnership_id, key, language, overrides)
    reference = get_partnership(session, partnership_id).reference
    name = _safe_name(f"{reference}-{key}")
    return _document(rendered.text, fmt, reference=reference, label="preview", draft=True, name=name)


def diff_versions(session: Session, agreement_id: int, old: int, new: int, fmt: str) -> Output:
    """The difference between two versions: an HTML redline or a unified text diff."""
    if fmt not in ("unified", "html"):
        raise invalid("format", "must be html or unified")
    before = agreements.get_version(session, agreement_id, old)
    after = agreements.get_version(session, agreement_id, new)
    labels = (f"version {old}", f"version {new}")
    title = f"Changes from {labels[0]} to {labels[1]}"
    form = "unified" if fmt == "unified" else "page"
    text = compare(before.body or "", after.body or "", form, fields=("number", "other"), labels=labels, title=title)
    name = f"agreement-{agreement_id}-v{old}-v{new}"
    if fmt == "unified":
        return Output(text.encode("utf-8"), "text/plain; charset=utf-8", f"{name}.diff")
    return Output(text.encode("utf-8"), "text/html; charset=utf-8", f"{name}.html")


def docx_text(content: bytes) -> str:
    """The text of a DOCX file in the agreement Markdown subset (headings, paragraphs, bullets, tables)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        check_docx(content)  # before python-docx reads every part into memory
    except UnsafeFile as exc:
        raise invalid("file", str(exc)) from None
    try:
        document = docx.Document(io.BytesIO(content))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise invalid("file", f"is not a readable Word (.docx) document ({type(exc).__name__})") from None
    except Exception as exc:  # zip and XML errors of a damaged file
        raise invalid("file", f"is not a readable Word (.docx) document ({type(exc).__name__})") from None
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = docx.text.paragraph.Paragraph(block, document)
            text = " ".join(paragraph.text.split())
            if not text:
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            if style == "Title":
                lines += [f"# {text}", ""]
            elif style.startswith("Heading"):
                level = 3 if style.endswith(("2", "3", "4")) else 2
                lines += [f"{'#' * level} {text}", ""]
            elif "List" in style:
                lines.append(f"- {text}")
            else:
                lines += [text, ""]
        elif tag == "tbl":
            table = docx.table.Table(block, document)
            for row in table.rows:
                cells = [" ".join(cell.text.split()).replace("|", "\\|") for cell in row.cells]
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
    return "\n".join(lines).strip() + "\n"


def upload_docx(
    session: Session, agreement_id: int, content: bytes, file_name: str | None, actor: User
) -> DocumentVersion:
    """Store a hand-edited Word document as a new version: the file and its hash, and its text for redlines."""
    if not content:
        raise invalid("file", "is empty")
    if len(content) > document_upload_bytes():
        raise invalid("file", f"is larger than {document_upload_bytes() // MB} MB")
    text = docx_text(content)
    name = (file_name or "hand-edited.docx")[:255]
    return agreements.add_version(session, agreement_id, text, actor, file=(content, DOCX_MEDIA_TYPE, name))


def template_or_404(session: Session, key: str) -> TemplateInfo:
    """The template with this key, or ``NotFound``."""
    for info, _custom in all_templates(session):
        if info.key == key:
            return info
    raise NotFound(f"no template {key!r}")


# for the pages -----------------------------------------------------------------------------------------


def templates_for(session: Session, agreement: Agreement) -> list[TemplateInfo]:
    """The templates (shipped and custom) that serve the agreement's kind, by key."""
    return [info for info, _custom in all_templates(session) if agreement.kind.value in info.kinds]


def variables_to_type(session: Session, agreement: Agreement, infos: list[TemplateInfo]) -> list[Variable]:
    """Variables these templates declare that the system does not know, so the person generating types them."""
    known = agreement_variables(session, agreement)
    found: dict[str, Variable] = {}
    for info in infos:
        for variable in info.variables:
            if variable.name not in known and variable.type in {"text", "date", "integer", "list"}:
                found.setdefault(variable.name, variable)
    return list(found.values())


def version_html(session: Session, agreement_id: int, number: int) -> str:
    """A version's text as the escaped HTML ``<article>`` of its HTML rendering, to embed in a page."""
    page = render_version(session, agreement_id, number, "html").content.decode("utf-8")
    start, end = page.find("<article>"), page.rfind("</article>")
    return page[start : end + len("</article>")] if start >= 0 and end >= 0 else ""


def redline_fragment(session: Session, agreement_id: int, old: int, new: int) -> str:
    """The word-level redline from version ``old`` to ``new`` as an escaped ``<div class="redline">`` fragment."""
    before = agreements.get_version(session, agreement_id, old)
    after = agreements.get_version(session, agreement_id, new)
    return compare(before.body or "", after.body or "", "fragment", labels=(f"version {old}", f"version {new}"))
