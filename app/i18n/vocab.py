"""The product's vocabulary in the reader's language: what people read for a stored code.

Areas of engagement, kinds of partner, kinds of agreement, parties' roles, kinds of interaction, forms of an
undertaking, recurrences, reminders, users' roles and the names of the records. Each table below is the English
wording (the message ids of the ``vocab`` catalog), translated when it is read, so one call site serves every
language: ``label("organisation_kind", "un_agency")`` → "UN agency" / "agence des Nations Unies" / "organismo de las
Naciones Unidas". The workflow's states and transitions have their words in ``app/workflows/*.yaml`` (see
:mod:`app.workflow.definition`). Stored values stay codes; only what a person reads is translated.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from babel import Locale

from app.i18n import VOCAB, current_language, normalise

_ = VOCAB.gettext


def _per_language(table: Callable[[str | None], dict[str, str]]) -> Callable[[str | None], dict[str, str]]:
    """``table`` computed once per language (the current one when given None); callers must not change the dict.

    Measured: a page of fifty partnerships read the area names 120 times, each a dozen catalog look-ups.
    """
    in_language = lru_cache(maxsize=16)(table)

    def read(language: str | None = None) -> dict[str, str]:
        return in_language(language or current_language())

    return read


@_per_language
def _areas(language: str | None) -> dict[str, str]:
    # The twelve areas of engagement seeded by the first migration (app/migrations/versions/…_initial_schema.py).
    return {
        "counter_trafficking": _("Counter-trafficking and assistance to victims of trafficking", language),
        "assisted_voluntary_return": _("Assisted voluntary return and reintegration", language),
        "education_training": _("Education, training and capacity building", language),
        "migrant_health": _("Migrant health", language),
        "awareness_raising": _("Awareness raising and public information", language),
        "migrants_rights": _("Protection of migrants' rights", language),
        "labour_migration": _("Labour migration", language),
        "humanitarian": _("Humanitarian activities", language),
        "community_development": _("Community development", language),
        "research_data": _("Research, data collection and information dissemination", language),
        "policy_dialogue": _("Migration policy dialogue and thematic consultations", language),
        "resettlement_integration": _("Resettlement and migrant integration", language),
    }


@_per_language
def _area_descriptions(language: str | None) -> dict[str, str]:
    return {
        "humanitarian": _(
            "Disaster preparedness and risk reduction, emergency response, camp coordination and camp management, "
            "community stabilisation.",
            language,
        ),
        "community_development": _("Infrastructure, income generation.", language),
    }


@_per_language
def _organisation_kinds(language: str | None) -> dict[str, str]:
    return {
        "international_cso": _("International CSO", language),
        "national_cso": _("National CSO", language),
        "community_based_organisation": _("Community-based organisation", language),
        "intergovernmental_organisation": _("Intergovernmental organisation", language),
        "regional_organisation": _("Regional organisation", language),
        "academic_institution": _("Academic institution", language),
        "think_tank": _("Think tank", language),
        "private_sector": _("Private sector", language),
        "government": _("Government", language),
        "un_agency": _("UN agency", language),
        "other": _("Other", language),
    }


@_per_language
def _agreement_kinds(language: str | None) -> dict[str, str]:
    return {
        "mou": _("Memorandum of Understanding", language),
        "amendment": _("Amendment", language),
        "extension": _("Extension", language),
        "renewal": _("Renewal", language),
        "termination_notice": _("Termination notice", language),
    }


@_per_language
def _party_roles(language: str | None) -> dict[str, str]:
    return {
        "lead_partner": _("Lead partner", language),
        "co_partner": _("Co-partner", language),
        "implementing_partner": _("Implementing partner", language),
        "donor": _("Donor", language),
        "observer": _("Observer", language),
    }


@_per_language
def _interaction_kinds(language: str | None) -> dict[str, str]:
    return {
        "meeting": _("Meeting", language),
        "event": _("Event", language),
        "workshop": _("Workshop", language),
        "conference": _("Conference", language),
        "call": _("Call", language),
        "correspondence": _("Correspondence", language),
        "field_visit": _("Field visit", language),
        "joint_activity": _("Joint activity", language),
        "other": _("Other", language),
    }


@_per_language
def _undertaking_forms(language: str | None) -> dict[str, str]:
    return {
        "verbal": _("Verbal", language),
        "email": _("Email", language),
        "letter": _("Letter", language),
    }


@_per_language
def _recurrences(language: str | None) -> dict[str, str]:
    return {
        "monthly": _("Monthly", language),
        "quarterly": _("Quarterly", language),
        "semi_annually": _("Every six months", language),
        "annually": _("Annually", language),
    }


@_per_language
def _reminder_kinds(language: str | None) -> dict[str, str]:
    return {
        "end_date": _("End date", language),
        "notice_deadline": _("Notice deadline", language),
        "obligation_due": _("Obligation due", language),
        "obligation_overdue": _("Obligation overdue", language),
        "sign_in_alert": _("Sign-in alert", language),
        "deadline_cancelled": _("Deadline withdrawn", language),
        "partner_link": _("Partner link", language),
        "withdrawal": _("A party withdraws", language),
    }


@_per_language
def _reminder_statuses(language: str | None) -> dict[str, str]:
    return {
        "planned": _("Planned", language),
        "sending": _("Sending", language),
        "sent": _("Sent", language),
        "failed": _("Failed", language),
        "cancelled": _("Cancelled", language),  # not a workflow state: the outbox's own
        "skipped": _("Skipped", language),
    }


@_per_language
def _user_roles(language: str | None) -> dict[str, str]:
    return {
        "admin": _("Administrator", language),
        "legal_officer": _("Legal officer", language),
        "project_manager": _("Project manager", language),
        "viewer": _("Viewer", language),
    }


@_per_language
def _records(language: str | None) -> dict[str, str]:
    return {
        "organisation": _("Organisation", language),
        "partnership": _("Partnership", language),
        "agreement": _("Agreement", language),
        "obligation": _("Obligation", language),
        "contact": _("Contact", language),
    }


VOCABULARIES: dict[str, Callable[[str | None], dict[str, str]]] = {
    "area": _areas,
    "area_description": _area_descriptions,
    "organisation_kind": _organisation_kinds,
    "agreement_kind": _agreement_kinds,
    "party_role": _party_roles,
    "interaction_kind": _interaction_kinds,
    "undertaking_form": _undertaking_forms,
    "recurrence": _recurrences,
    "reminder_kind": _reminder_kinds,
    "reminder_status": _reminder_statuses,
    "role": _user_roles,
    "record": _records,
}
"""Each vocabulary by name: a function of the language giving the words of every code."""


def _code(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


def words(value: Any) -> str:
    """A code nobody gave words to, as people would write it: ``field_visit`` → "Field visit"."""
    text = _code(value).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def labels(vocabulary: str, language: str | None = None) -> dict[str, str]:
    """Every code of ``vocabulary`` and its words in ``language`` (the current one by default), in order."""
    return dict(VOCABULARIES[vocabulary](language))


def label(vocabulary: str, value: Any, language: str | None = None) -> str:
    """The words for the code ``value`` (a string or an enum member) in ``language``; a code no table knows in words.

    An unknown vocabulary is a programming error (KeyError); an empty value gives "".
    """
    code = _code(value)
    if not code:
        return ""
    return labels(vocabulary, language).get(code) or words(code)


def area_name(code: str | None, name: str | None = None, language: str | None = None) -> str:
    """An area of engagement's name in ``language``: a seeded area by its code, any other by its stored ``name``.

    An area renamed by an administrator keeps its own name (it is not the seeded one any more).
    """
    known = _areas("en")
    if code in known and (name is None or name == known[code]):
        return _areas(language)[code]
    return name or words(code)


def area_description(code: str | None, description: str | None, language: str | None = None) -> str | None:
    """An area's description in ``language`` when it is the seeded one; its stored text otherwise."""
    known = _area_descriptions("en")
    if code in known and description == known[code]:
        return _area_descriptions(language)[code]
    return description


def organisation_kind(value: Any, language: str | None = None) -> str:
    """A kind of partner in words ("UN agency", "National CSO")."""
    return label("organisation_kind", value, language)


def agreement_kind(value: Any, language: str | None = None) -> str:
    """A kind of agreement in words ("Amendment", "Memorandum of Understanding")."""
    return label("agreement_kind", value, language)


def party_role(value: Any, language: str | None = None) -> str:
    """A party's role in a partnership in words ("Lead partner")."""
    return label("party_role", value, language)


def interaction_kind(value: Any, language: str | None = None) -> str:
    """A kind of interaction in words ("Field visit")."""
    return label("interaction_kind", value, language)


def recurrence(value: Any, language: str | None = None) -> str:
    """How often an obligation falls due, in words ("Quarterly")."""
    return label("recurrence", value, language)


def role(value: Any, language: str | None = None) -> str:
    """A user's role in words ("Legal officer")."""
    return label("role", value, language)


_M49_NAMED_OTHERWISE = {"Antarctica": "AQ", "Australia and New Zealand": "053", "Micronesia": "057",
                        "South-eastern Asia": "035"}  # fmt: skip
"""UN M49 sub-regions (app/organisations/m49.yaml) whose English name differs from Babel's, by their code."""


@lru_cache(maxsize=1)
def _m49_codes() -> dict[str, str]:
    english = Locale.parse("en").territories
    return {name: code for code, name in english.items() if code.isdigit()} | _M49_NAMED_OTHERWISE


def region_name(region: str | None, language: str | None = None) -> str:
    """A region in the reader's language when it is a UN M49 sub-region ("Eastern Africa" → "Afrique orientale");
    a region written by hand stays as written."""
    if not region:
        return ""
    code = _m49_codes().get(region)
    chosen = normalise(language or current_language())
    if code is None or chosen == "en":
        return region
    return Locale.parse(chosen).territories.get(code, region)
