"""Small pieces shared by the domain schemas."""

from __future__ import annotations

import re
import types
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

import pycountry
from babel import Locale
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from app.i18n import LANGUAGES, MESSAGES

MAX_ID = 2**31 - 1
"""The largest row id: primary keys are 32-bit INTEGER columns on PostgreSQL."""


def _country_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(
            MESSAGES.gettext("{value} is not an ISO 3166-1 alpha-2 country code (e.g. KE, FR, BR)", value=repr(value))
        )
    return code


def _web_address(value: str) -> str:
    if not value.startswith(("http://", "https://")) or "." not in value.split("//", 1)[1]:
        raise ValueError(MESSAGES.gettext("a website must be an address starting with http:// or https://"))
    return value


def country_name(code: str, locale: str | None = None) -> str:
    """The short name of an ISO 3166-1 alpha-2 country code: English by default, else in the Babel ``locale``."""
    if locale:
        localised = Locale.parse(locale).territories.get(code)
        if localised:
            return localised
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


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ISO_DATETIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?$"
)


def _iso_date(value: Any) -> Any:
    """A day is written YYYY-MM-DD: never a number (Pydantic would read 0 or "0" as 1970-01-01)."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value.strip())):
        return value
    raise ValueError(MESSAGES.gettext("must be a date written YYYY-MM-DD"))


def _iso_datetime(value: Any) -> Any:
    """An instant is written in ISO 8601 (YYYY-MM-DDTHH:MM[:SS][+HH:MM]), never as a number of seconds."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATETIME.match(value.strip())):
        return value
    raise ValueError(MESSAGES.gettext("must be a date and time written YYYY-MM-DDTHH:MM:SS+00:00 (ISO 8601)"))


VOCABULARY = "x-vocabulary"


def vocabulary(name: str) -> dict[str, str]:
    """Schema extra for text whose values live in data (workflow states, reference rows).

    ``app.api.openapi`` replaces the marker with the values as an ``enum`` when the schema is generated; the service
    refuses any other value with a 422 that names them.
    """
    return {VOCABULARY: name}


AreaCode = Annotated[str, Field(min_length=1, max_length=60), WithJsonSchema({"type": "string", **vocabulary("areas")})]
"""The code of an area of engagement (a row of ``areas_of_engagement``)."""
Day = Annotated[date, BeforeValidator(_iso_date)]
"""A calendar day for a plain query parameter (fields of an ``InputModel`` are checked the same way already)."""

COUNTRY_CODES = sorted(country.alpha_2 for country in pycountry.countries)
Id = Annotated[int, Field(gt=0, le=MAX_ID)]
CountryCode = Annotated[
    str,
    AfterValidator(_country_code),
    WithJsonSchema({"type": "string", "enum": COUNTRY_CODES, "description": "An ISO 3166-1 alpha-2 country code"}),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)]
Website = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500),
    AfterValidator(_web_address),
    Field(json_schema_extra={"pattern": r"^https?://.*\."}),
]


def _language(value: str) -> str:
    code = value.strip().lower()
    if code not in LANGUAGES:
        raise ValueError(f"{value!r} is not a language the product speaks; one of: {', '.join(LANGUAGES)}")
    return code


def _distinct_languages(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("names a language twice; list each language once, the drafting language first")
    return values


LanguageCode = Annotated[
    str,
    AfterValidator(_language),
    WithJsonSchema({"type": "string", "enum": list(LANGUAGES), "description": "A language code: en, fr or es"}),
]
"""A language the product speaks (``app.i18n.LANGUAGES``)."""
Languages = Annotated[
    list[LanguageCode],
    Field(min_length=1, max_length=len(LANGUAGES)),
    AfterValidator(_distinct_languages),
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "string", "enum": list(LANGUAGES)},
            "minItems": 1,
            "maxItems": len(LANGUAGES),
            "uniqueItems": True,
        }
    ),
]
"""The languages an agreement is signed in, each once, the drafting language first."""
PHONE_PATTERN = r"^ *[0-9+()\-./x][0-9+()\-./ x]*$"
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50, pattern=PHONE_PATTERN)]


TEXT_VALUES = {"values_are_text": True}
"""Validation context for values that arrive as text (a submitted form): numbers and booleans are read from it."""


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(**constraints: Any) -> Any:
    """A field of a change that may be left out (it stays as it is) but, when given, may not be null."""
    return Field(None, json_schema_extra=_without_default, **constraints)


def _kinds(annotation: Any) -> set[Any]:
    """The plain types a field accepts: ``Annotated``, ``Optional`` and unions unwrapped."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kinds(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return set().union(*(_kinds(arg) for arg in get_args(annotation)))
    return {annotation}


def _json_type_error(annotation: Any, value: Any, *, body: bool) -> str | None:
    """Why ``value`` is not of the JSON type the schema documents for ``annotation`` (``None`` when it is)."""
    kinds = _kinds(annotation)
    if value is None:
        return None if type(None) in kinds or Any in kinds else MESSAGES.gettext("cannot be empty")
    kinds -= {type(None)}
    if kinds & {date, datetime}:
        try:
            (_iso_datetime if datetime in kinds else _iso_date)(value)
        except ValueError as exc:
            return str(exc)
        return None
    if not body:  # a query string is all text
        return None
    if kinds == {bool} and not isinstance(value, bool):
        return MESSAGES.gettext("must be true or false")
    if kinds and kinds <= {int, float} and isinstance(value, bool | str):
        return MESSAGES.gettext("must be a number")
    if len(kinds) == 1 and get_origin(item_type := next(iter(kinds))) is list and isinstance(value, list):
        (item_type,) = get_args(item_type) or (Any,)
        return next((reason for item in value if (reason := _json_type_error(item_type, item, body=True))), None)
    return None


VISIBLE_CHARACTER = r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
"""One character that ``str.strip`` keeps: Python's whitespace spelt out, because a JSON Schema pattern is read as
ECMAScript, whose ``\\s`` differs from Python's (``\\x85`` and ``\\x1c``-``\\x1f`` are not spaces there,
``\\ufeff`` is)."""


def _needs_visible_text(described: dict[str, Any]) -> None:
    for branch in [described, *described.get("anyOf", []), described.get("items", {})]:
        plain = not {"pattern", "enum", "format", "const"} & branch.keys()
        if branch.get("type") == "string" and branch.get("minLength", 0) >= 1 and plain:
            branch["pattern"] = VISIBLE_CHARACTER


class InputModel(BaseModel):
    """Base of request bodies: unknown fields are refused, strings are trimmed, and values have their JSON type.

    Pydantic's lax mode would take ``1`` for ``true``, ``true`` for ``1``, ``"5"`` for ``5`` and a number of
    seconds for a date; the API documents JSON types, so a request is held to them. A query string or a submitted
    form is all text: the filters of a list (``query_string``) and forms (validated with ``TEXT_VALUES`` as
    context) are held only to the written form of dates.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    query_string: ClassVar[bool] = False

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        """Text is trimmed before it is checked: a required text says it needs a visible character."""
        schema = handler(core_schema)
        for described in handler.resolve_ref_schema(schema).get("properties", {}).values():
            _needs_visible_text(described)
        return schema

    @field_validator("*", mode="before")
    @classmethod
    def _hold_to_json_types(cls, value: Any, info: ValidationInfo) -> Any:
        """Refuse a value of another JSON type than the field's, before Pydantic converts it."""
        field = cls.model_fields.get(info.field_name or "")
        text = cls.query_string or bool((info.context or {}).get("values_are_text"))
        if field is not None and (reason := _json_type_error(field.annotation, value, body=not text)):
            raise ValueError(reason)
        return value

    @field_validator("*")
    @classmethod
    def _refuse_nul_characters(cls, value: Any) -> Any:
        """PostgreSQL cannot store NUL in text, and no field has a use for it: refuse it on every backend."""
        if _contains_nul(value):
            raise ValueError(MESSAGES.gettext("must not contain NUL characters"))
        return value


class QueryModel(InputModel):
    """Base of the filters of a list: query parameters, which arrive as text."""

    query_string: ClassVar[bool] = True


class OutputModel(BaseModel):
    """Base of responses, read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)
