"""An organisation's region from its country: the UN M49 geographic sub-region (``m49.yaml`` beside this file)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml


@lru_cache
def _region_by_country() -> dict[str, str]:
    text = resources.files(__package__).joinpath("m49.yaml").read_text(encoding="utf-8")
    table = yaml.safe_load(text)["regions"]
    return {code: region for region, codes in table.items() for code in codes}


def region_of(country_code: str | None) -> str | None:
    """The UN M49 sub-region of a country (``KE`` → ``Eastern Africa``), or ``None`` for an unknown code."""
    return _region_by_country().get((country_code or "").upper()) if country_code else None


def region_after_change(old_country: str | None, old_region: str | None, new_country: str | None) -> str | None:
    """The region once the country changes: derived again unless the old one had been set by hand."""
    if old_region and old_region != region_of(old_country):
        return old_region  # set by hand: kept
    return region_of(new_country)
