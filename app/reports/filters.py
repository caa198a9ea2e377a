"""The report's filters as a reader reads them: "Area of engagement: Migrant health, Country: Kenya"."""

from __future__ import annotations

from app.i18n import REPORTS, country_name, vocab

_ = REPORTS.gettext


def _names() -> dict[str, str]:
    return {
        "area": _("Area of engagement"),
        "partner_kind": _("Kind of partner"),
        "region": _("Region"),
        "country_code": _("Country"),
        "owner_id": _("Owner"),
    }


def filter_value(name: str, value: str) -> str:
    """One filter's value in words: an area or a kind by its name, a country by its name, an owner by number."""
    if name == "area":
        return vocab.area_name(value)
    if name == "partner_kind":
        return vocab.organisation_kind(value)
    if name == "region":
        return vocab.region_name(value)
    if name == "country_code":
        return country_name(value)
    if name == "owner_id":
        return _("user {id}", id=value)
    return value


def filters_text(filters: dict[str, str]) -> str:
    """The filters chosen, named and valued in the language in use ("none" without any)."""
    names = _names()
    chosen = [f"{names.get(name, vocab.words(name))}: {filter_value(name, value)}" for name, value in filters.items()]
    return ", ".join(chosen) or _("none")
