"""What the API accepts and returns for templates, preflight, generation and previews."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from app.drafting.template_files import VARIABLE_TYPES, TemplateInfo
from app.i18n import MESSAGES
from app.schemas import InputModel, OutputModel, ShortText

LANGUAGE_PATTERN = r"^[a-z]{2}(-[A-Z]{2})?$"
DOCUMENT_LANGUAGE_PATTERN = r"^[a-z]{2}(-[A-Z]{2})?(\+[a-z]{2}(-[A-Z]{2})?)?$"
"""A document's language: "fr", or two joined by "+" for a bilingual version ("en+fr")."""
KINDS = ("mou", "amendment", "extension", "renewal", "termination_notice", "undertaking_record", "ad_hoc_note")
MAX_TEMPLATE_CHARACTERS = 200_000


class VariableRead(OutputModel):
    """A variable a template needs."""

    name: str
    type: str
    required: bool
    description: str
    unit: str | None = None


class TemplateRead(OutputModel):
    """A template: what it serves, its languages and the variables it needs."""

    key: str
    title: str
    version: str
    languages: list[str]
    kinds: list[str]
    variables: list[VariableRead]
    custom: bool

    @classmethod
    def of(cls, info: TemplateInfo, custom: bool) -> TemplateRead:
        """The API view of a template."""
        return cls(
            key=info.key,
            title=info.title,
            version=info.version,
            languages=list(info.languages),
            kinds=list(info.kinds),
            variables=[VariableRead.model_validate(variable) for variable in info.variables],
            custom=custom,
        )


class VariableInput(InputModel):
    """A variable declared by a custom template."""

    name: str = Field(pattern=r"^[a-z_][a-z0-9_]{0,59}$")
    type: Literal[tuple(sorted(VARIABLE_TYPES))]  # type: ignore[valid-type]
    required: bool
    description: ShortText
    unit: str | None = Field(None, max_length=40)


class CustomTemplateWrite(InputModel):
    """A template written by an admin or a legal officer; checked in the sandbox before it is accepted."""

    title: ShortText
    version: str = Field(pattern=r"^[0-9]+(\.[0-9]+){0,2}$", examples=["1.0"])
    kinds: list[Literal[KINDS]] = Field(min_length=1)  # type: ignore[valid-type]
    variables: list[VariableInput] = Field(max_length=100)
    source: str = Field(min_length=1, max_length=MAX_TEMPLATE_CHARACTERS)

    @field_validator("variables")
    @classmethod
    def _unique_names(cls, variables: list[VariableInput]) -> list[VariableInput]:
        names = [variable.name for variable in variables]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(
                MESSAGES.gettext("variable names must be unique; repeated: {values}", values=", ".join(duplicates))
            )
        return variables


class GenerateRequest(InputModel):
    """Which template to render a new version from, in which language, with which extra variables."""

    template: str | None = Field(None, max_length=60, description="Defaults to the template of the agreement's kind")
    language: str = Field(
        "en", pattern=DOCUMENT_LANGUAGE_PATTERN, description='"fr", or "en+fr" for one bilingual version'
    )
    bilingual: bool = Field(False, description="Render in the agreement's two languages (its languages list)")
    variables: dict[str, Any] = Field(
        default_factory=dict,
        description="Values for variables the system does not know (e.g. the reason of an extension)",
    )

    @field_validator("variables")
    @classmethod
    def _bounded(cls, variables: dict[str, Any]) -> dict[str, Any]:
        if len(repr(variables)) > 100_000:
            raise ValueError(MESSAGES.gettext("the variables are too large (at most 100,000 characters)"))
        return variables


class PreviewRequest(GenerateRequest):
    """A document rendered from a partnership's facts and not stored."""

    template: str = Field(max_length=60)
    language: str = Field("en", pattern=LANGUAGE_PATTERN)
    format: Literal["html", "docx", "pdf"] = "html"


class PreflightRead(OutputModel):
    """Whether a template can be rendered now, and if not, what is missing or wrong, in plain words."""

    template: str
    language: str
    ready: bool
    problems: list[dict[str, str]]


class TranslationRequest(InputModel):
    """The language to render a signed version in, as a courtesy translation."""

    language: str = Field(pattern=LANGUAGE_PATTERN, description="en, fr or es; not the signed version's language")
