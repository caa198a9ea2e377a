"""Small pieces shared by the domain schemas."""

from __future__ import annotations

from typing import Annotated

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints


def _country_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. KE, FR, BR)")
    return code


def _web_address(value: str) -> str:
    if not value.startswith(("http://", "https://")) or "." not in value.split("//", 1)[1]:
        raise ValueError("a website must be an address starting with http:// or https://")
    return value


def country_name(code: str) -> str:
    """The English short name of an ISO 3166-1 alpha-2 country code."""
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name if country else code


CountryCode = Annotated[str, AfterValidator(_country_code)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)]
Website = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_web_address)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50, pattern=r"^[0-9+()\-./ x]+$")]


class InputModel(BaseModel):
    """Base of request bodies: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputModel(BaseModel):
    """Base of responses, read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)
