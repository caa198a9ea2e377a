"""Courtesy translations: a signed version rendered again, from the same template and facts, in another language.

A courtesy translation is a document version of its own, marked in its text and its running header as not binding,
bound by ``courtesy_of_sha256`` to the signed version's hash. It never changes the agreement's state, its approved
version or its signatures: only the signed text binds.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from app.agreements import service as agreements
from app.agreements.models import Agreement, DocumentVersion
from app.db import get_for_update
from app.drafting import labels
from app.drafting.catalogue import chosen_template
from app.drafting.markup import is_reference_line
from app.drafting.service import render_resolved
from app.errors import Conflict, invalid
from app.i18n import LANGUAGES, MESSAGES, is_supported, normalise
from app.users.models import User
from app.users.policy import Action


def signed_version(agreement: Agreement) -> DocumentVersion | None:
    """The version the agreement's signatures bind to (by hash), if it was signed on one."""
    hashes = {signature.document_sha256 for signature in agreement.signatures if signature.document_sha256}
    for version in reversed(agreement.document_versions):
        if version.sha256 in hashes and not version.courtesy_of_sha256:
            return version
    return None


def with_notice(text: str, notice: str) -> str:
    """The rendered text with the not-binding notice as its first paragraph, after the title and reference lines."""
    lines = text.split("\n")
    position = 1 if lines and lines[0].startswith("# ") else 0
    if position < len(lines) and is_reference_line(lines[position]):
        position += 1
    return "\n".join([*lines[:position], "", notice, "", *lines[position:]]).replace("\n\n\n", "\n\n")


def courtesy_translation(
    session: Session, agreement_id: int, number: int, language: str, actor: User
) -> DocumentVersion:
    """Render signed version ``number`` again in ``language`` as a new, not binding, version bound to its hash."""
    agreement = get_for_update(session, Agreement, agreement_id, "agreement")
    agreements.require_on_agreement(actor, agreement, Action.EDIT_PARTNERSHIP)
    version = agreements.get_version(session, agreement_id, number)
    signed = signed_version(agreement)
    if signed is None:
        raise Conflict(
            MESSAGES.gettext(
                "the agreement has no signed version to translate; a courtesy translation renders a signed text"
            )
        )
    if signed.number != version.number:
        raise Conflict(
            MESSAGES.gettext(
                "version {number} is not the signed version; the signed text is version {signed}",
                number=version.number,
                signed=signed.number,
            )
        )
    if not is_supported(language):
        raise invalid("language", MESSAGES.gettext("must be one of {choices}", choices=", ".join(LANGUAGES)))
    target = normalise(language)
    if target in labels.languages_of(signed.language):
        raise invalid(
            "language",
            MESSAGES.gettext(
                "the signed version {number} is already in {language}", number=signed.number, language=target
            ),
        )
    if not signed.template_key:
        raise Conflict(
            MESSAGES.gettext(
                "version {number} was not rendered from a template (typed or uploaded), "
                "so it cannot be rendered in another language",
                number=signed.number,
            )
        )
    resolved = chosen_template(session, signed.template_key, target)
    if resolved.language != target:
        raise invalid(
            "language",
            MESSAGES.gettext("template {key} has no {language} text", key=repr(resolved.info.key), language=target),
        )
    facts = {name: value for name, value in (signed.variables or {}).items() if name != "_overrides"}
    rendered = render_resolved(resolved, facts)
    notice = labels.courtesy_notice(target, signed.number, signed.language, signed.sha256)
    body = with_notice(rendered.text, notice)
    translation = DocumentVersion(
        number=max(v.number for v in agreement.document_versions) + 1,
        body=body,
        language=target,
        template_key=rendered.template_key,
        template_version=rendered.template_version,
        variables=dict(signed.variables or {}),
        missing_fields=list(rendered.missing),
        sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        courtesy_of_sha256=signed.sha256,
        author_id=actor.id,
    )
    agreement.document_versions.append(translation)
    session.flush()
    return translation
