"""The forms of "Record an existing signed agreement": the review page's prefilled values, the proposals in words,
the confirmation form turned into the API's input, and the service's errors turned into field messages.

No routes here, and no database: :mod:`app.web.pages.existing_agreements` calls these and then the services.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

from app.agreements.existing import Review
from app.agreements.existing_schemas import ExistingAgreementConfirm
from app.agreements.models import AgreementKind
from app.agreements.rules import signing_parties
from app.errors import DomainError, invalid
from app.i18n import VOCAB, WEB
from app.schemas import MAX_ID
from app.web.forms import text, validate
from app.web.pages.agreement_forms import sentence, worded
from app.web.rendering import format_count, format_date, humanise

_ = WEB.gettext
_l = WEB.lazy
TERM_FIELDS = ("title", "kind", "parent_id", "effective_date", "end_date", "notice_period_days")
SIGNATORY_FIELDS = ("signatory_name", "signatory_title", "signed_on")
KIND_WORDS = {
    AgreementKind.MOU: _l("Memorandum of understanding"),
    AgreementKind.AMENDMENT: _l("Amendment"),
    AgreementKind.EXTENSION: _l("Extension"),
    AgreementKind.RENEWAL: _l("Renewal"),
}
READINGS = {
    "effective": _l("Entry into force"),
    "end": _l("End of the term"),
    "signature": _l("Signature"),
    "other": _l("Not said"),
}
MAX_ROWS = 50
_ROW_FIELD = re.compile(r"^parties-(\d{1,2})-party_id$")
_PARTY_PROBLEM = re.compile(r"^parties\[(\d+)\]\.(\w+)$")


def _day(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def party_rows(review: Review, organisation_name: str) -> list[dict[str, Any]]:
    """One row per signer: the organisation itself, then every partner the agreement binds, with proposed signatory."""
    agreement = review.agreement
    by_party: dict[Any, Any] = {}
    for block in review.proposals.signatories:
        key = "self" if block.is_self else block.party_id
        if key is not None and key not in by_party:
            by_party[key] = block
    rows = [{"party_id": "", "name": organisation_name, "role": _("The organisation"), "bound_required": False,
             "proposal": by_party.get("self")}]  # fmt: skip
    for party in signing_parties(agreement):
        rows.append(
            {"party_id": party.id, "name": party.organisation.legal_name, "role": VOCAB.gettext(humanise(party.role)),
             "bound_required": True, "proposal": by_party.get(party.id)}
        )  # fmt: skip
    for index, row in enumerate(rows):
        row["index"] = index
    return rows


def proposed_values(review: Review, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The confirmation form prefilled from the proposals (every field stays editable)."""
    proposals = review.proposals
    values: dict[str, Any] = {
        "title": proposals.title.value if proposals.title else "",
        "kind": proposals.kind.value if proposals.kind else AgreementKind.MOU.value,
        "effective_date": _day(proposals.effective_date.value if proposals.effective_date else None),
        "end_date": _day(proposals.end_date.value if proposals.end_date else None),
        "notice_period_days": str(proposals.notice_period_days.value) if proposals.notice_period_days else "30",
    }
    for row in rows:
        prefix, block = f"parties-{row['index']}", row["proposal"]
        values[f"{prefix}-party_id"] = str(row["party_id"])
        values[f"{prefix}-bound"] = "yes" if row["bound_required"] or block is not None else ""
        values[f"{prefix}-signatory_name"] = (block.name or "") if block else ""
        values[f"{prefix}-signatory_title"] = (block.title or "") if block else ""
        values[f"{prefix}-signed_on"] = _day(block.signed_on) if block else ""
    return values


def proposal_lines(review: Review) -> list[dict[str, str]]:
    """The proposals for the term, one line each: what is proposed, why, and the words it came from."""
    p = review.proposals
    lines = []
    if p.title:
        lines.append({"what": _("Title"), "value": p.title.value, "basis": _("the first line naming an instrument"),
                      "snippet": p.title.snippet})  # fmt: skip
    if p.kind:
        lines.append({"what": _("Kind"), "value": str(KIND_WORDS.get(AgreementKind(p.kind.value), p.kind.value)),
                      "basis": _("what the opening calls it"), "snippet": p.kind.snippet})  # fmt: skip
    for what, found in ((_("Effective date"), p.effective_date), (_("End date"), p.end_date)):
        if found:
            lines.append({"what": what, "value": format_date(found.value), "basis": found.basis,
                          "snippet": found.snippet})  # fmt: skip
    if p.term:
        lines.append({"what": _("Term"), "value": format_count(p.term.value, "month"), "basis": p.term.basis,
                      "snippet": p.term.snippet})  # fmt: skip
    if p.notice_period_days:
        notice = p.notice_period_days
        lines.append({"what": _("Notice period"), "value": format_count(notice.value, "day"), "basis": notice.basis,
                      "snippet": notice.snippet})  # fmt: skip
    return lines


def missing_words(review: Review) -> list[str]:
    """What the text did not reveal, in words."""
    p = review.proposals
    wanted = (
        (p.effective_date, _l("No effective date was found in the text: type it from the signed copy.")),
        (
            p.end_date,
            _l("No end date (or a term from the effective date) was found in the text: type it from the signed copy."),
        ),
        (p.notice_period_days, _l("No notice period was found in the text: type it from the signed copy.")),
    )
    return [str(words) for found, words in wanted if not found]


def party_words(found: Any) -> str:
    """How an organisation named in the text relates to this partnership."""
    if found.is_self:
        return _("the organisation itself")
    if found.party_id is not None:
        return _("a party of this partnership")
    if found.organisation_id is not None:
        return _("a known organisation that is not a party of this partnership: add it first if the agreement binds it")
    return _("not an organisation known here")


def date_lines(review: Review) -> list[dict[str, str]]:
    """Every date found in the text with what it seems to be."""
    return [
        {"value": format_date(found.value), "reading": str(READINGS.get(found.reading, humanise(found.reading))),
         "basis": found.basis, "snippet": found.snippet}
        for found in review.proposals.dates
    ]  # fmt: skip


def _rows(form: FormData) -> list[int]:
    return sorted(int(m.group(1)) for key in form if (m := _ROW_FIELD.match(key)))[:MAX_ROWS]


def confirmation_input(form: FormData, upload_id: int) -> tuple[ExistingAgreementConfirm, list[int]]:
    """The confirmed facts as the API takes them, and the form row each listed party came from."""
    parties, origin = [], []
    for row in _rows(form):
        prefix = f"parties-{row}"
        values = {name: text(form, f"{prefix}-{name}") for name in SIGNATORY_FIELDS}
        party = text(form, f"{prefix}-party_id")
        if party is not None and not (party.isdigit() and 0 < int(party) <= MAX_ID):
            raise invalid(f"{prefix}-party_id", _("is not a party of this partnership"))
        if not text(form, f"{prefix}-bound") and not any(values.values()):
            continue
        parties.append({"party_id": int(party) if party else None, **values})
        origin.append(row)
    data: dict[str, Any] = {name: value for name in TERM_FIELDS if (value := text(form, name)) is not None}
    data |= {"upload_id": upload_id, "document_sha256": text(form, "document_sha256"), "parties": parties}
    return validate(ExistingAgreementConfirm, data), origin


def confirmation_errors(exc: DomainError, origin: list[int]) -> dict[str, Any]:
    """Field → message for the confirmation form; ``""`` holds what concerns the whole form."""
    errors: dict[str, Any] = {}
    general: list[str] = []
    for problem in exc.problems:
        field = problem.field
        if (match := _PARTY_PROBLEM.match(field)) and int(match.group(1)) < len(origin):
            errors.setdefault(f"parties-{origin[int(match.group(1))]}-{match.group(2)}", problem.reason)
        elif field in TERM_FIELDS or field.startswith("parties-"):
            errors.setdefault(field, problem.reason)
        elif field == "trigger":
            general.append(sentence(problem.reason))
        else:
            what = field.replace("_", " ")
            plain = not what or what == "parties"
            general.append(sentence(problem.reason) if plain else f"{sentence(what)}: {problem.reason}")
    if not exc.problems:
        general.append(sentence(exc.detail))
    errors[""] = general
    return worded(errors)
