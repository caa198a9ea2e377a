"""Small pieces shared by the domain schemas."""

from __future__ import annotations

from typing import Annotated, Any

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

MAX_ID = 2**31 - 1
"""The largest row id: primary keys are 32-bit INTEGER columns on PostgreSQL."""


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


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set):
        return any(_contains_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_contains_nul(key) or _contains_nul(item) for key, item in value.items())
    return False


Id = Annotated[int, Field(gt=0, le=MAX_ID)]
CountryCode = Annotated[str, AfterValidator(_country_code)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)]
Website = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_web_address)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50, pattern=r"^[0-9+()\-./ x]+$")]


class InputModel(BaseModel):
    """Base of request bodies: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _refuse_nul_characters(cls, value: Any) -> Any:
        """PostgreSQL cannot store NUL in text, and no field has a use for it: refuse it on every backend."""
        if _contains_nul(value):
            raise ValueError("must not contain NUL characters")
        return value


class OutputModel(BaseModel):
    """Base of responses, read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)
