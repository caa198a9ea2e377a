"""Complete, realistic variables for every shipped template: for tests, benchmarks and demonstrations."""

from __future__ import annotations

from typing import Any

# ---------------------------------------------------------------------------------------------------- samples

_SAMPLE_EXTRAS: dict[str, dict[str, Any]] = {
    "amendment": {
        "amendments": [
            "Article 3 is replaced by a new list of areas of cooperation that adds migrant health.",
            "The notice period in Article 5 becomes 90 days.",
        ],
        "effective_date": "2027-01-01",
    },
    "extension": {"new_end_date": "2028-06-30", "reason": "Activities were delayed by the floods of 2027."},
    "renewal": {"new_end_date": "2030-12-31", "changes": ["The focal point of the Organisation changes."]},
    "termination_notice": {
        "notice_date": "2027-03-01",
        "termination_date": "2027-06-01",
        "reason": "The programme that the partnership supported has closed.",
    },
    "undertaking_record": {
        "undertaking_date": "2026-02-10",
        "undertaking": "Both parties agreed to share referral information on victims of trafficking.",
        "follow_up": ["Exchange focal points by the end of February.", "Meet again in May."],
    },
    "ad_hoc_note": {
        "interaction_date": "2026-01-20",
        "event": "Regional workshop on labour migration, Almaty",
        "summary": "The partners presented their labour-migration programmes and agreed to stay in touch.",
        "follow_up": ["Send the workshop report to both partners."],
    },
}


def sample_variables(key: str = "mou") -> dict[str, Any]:
    """A complete, realistic variable set for the MOU, plus the extra variables template ``key`` needs."""
    migrant, alliance = "Ассоциация «Мигрант»", 'Smith & <Partners> "Alliance" O\'Neil'
    organisation = "International Organization for Migration"
    variables: dict[str, Any] = {
        "reference": "PA-2026-0042",
        "organisation_name": organisation,
        "organisation_signatory_name": "Amy Pope",
        "organisation_signatory_title": "Director General",
        "organisation_signed_on": "2026-03-15",
        "partners": [
            {
                "legal_name": migrant,
                "short_name": "Migrant",
                "country": "Kazakhstan",
                "signatory_name": "Айгерим Сапарова",
                "signatory_title": "Председатель",
                "signed_on": "2026-03-14",
            },
            {"legal_name": alliance, "short_name": "the Alliance", "country": "Ireland"},
        ],
        "purpose": "to cooperate on assistance to migrants in vulnerable situations along the Central Asian route",
        "areas": [
            {"name": "counter-trafficking and assistance to victims of trafficking", "description": None},
            {"name": "migrant health", "description": "mobile clinics at border crossing points"},
            "awareness raising and public information",
        ],
        "obligations": [
            {"party": organisation, "description": "provide technical guidance and training materials"},
            {"party": organisation, "description": "share quarterly situation reports", "due_date": "2026-06-30"},
            {"party": migrant, "description": "run two shelters for victims of trafficking"},
            {"party": "the Alliance", "description": "fund the mobile clinics", "due_date": "2026-09-01"},
        ],
        "contacts": [
            {"party": organisation, "name": "Jean Dupont", "title": "Partnerships Officer", "email": "jd@example.org"},
            {"party": migrant, "name": "Айгерим Сапарова", "email": "aigerim@migrant.example.kz"},
            {"party": alliance, "name": "Mary O'Neil", "title": "Director", "email": "mary@alliance.example.ie"},
        ],
        "effective_date": "2026-04-01",
        "end_date": "2027-12-31",
        "notice_period_days": 60,
        "handles_personal_data": True,
        "original_title": "Memorandum of Understanding on assistance to migrants",
        "original_date": "2026-03-15",
        "original_reference": "PA-2026-0042",
    }
    variables.update(_SAMPLE_EXTRAS.get(key, {}))
    return variables
