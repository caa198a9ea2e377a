"""Partner organisations, their focal points and the areas of engagement."""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db import Base, str_enum, utcnow
from app.i18n.vocab import area_name


class OrganisationKind(enum.StrEnum):
    """What kind of body a partner is."""

    INTERNATIONAL_CSO = "international_cso"
    NATIONAL_CSO = "national_cso"
    COMMUNITY_BASED = "community_based_organisation"
    INTERGOVERNMENTAL = "intergovernmental_organisation"
    REGIONAL = "regional_organisation"
    ACADEMIC = "academic_institution"
    THINK_TANK = "think_tank"
    PRIVATE_SECTOR = "private_sector"
    GOVERNMENT = "government"
    UN_AGENCY = "un_agency"
    OTHER = "other"


LEGAL_SUFFIXES = frozenset(
    {"ltd", "limited", "inc", "incorporated", "llc", "plc", "gmbh", "ev", "asbl", "sarl", "corp"}
)
"""Legal-form words ignored at the end of a name when looking for duplicates ("Acme Ltd" is "Acme")."""


TRAILING_ACRONYM = re.compile(r"\s*[(\[]\s*([^\s()\[\]]{2,12})\s*[)\]]\s*$")
KIND_WORDS_IN_NAMES = frozenset({"ong", "ngo", "ingo", "ongi", "cso", "cbo", "osc"})


def _without_trailing_acronym(name: str) -> str:
    """ "Jordan River Foundation (JRF)" and "TIN TUA (ONG)" name the organisation without their bracket."""
    found = TRAILING_ACRONYM.search(name)
    if found is None or found.start() == 0:
        return name
    inside = found[1]
    letters = [char for char in inside if char.isalpha()]
    plain = "".join(plain_words(inside))
    if (letters and all(char.isupper() for char in letters)) or plain in LEGAL_SUFFIXES | KIND_WORDS_IN_NAMES:
        return name[: found.start()]
    return name


WORD_FORMS = {
    "assoc": "association", "assn": "association", "asso": "association", "asoc": "asociacion",
    "org": "organisation", "organization": "organisation", "organizations": "organisations",
    "intl": "international", "univ": "university", "dept": "department",
    "natl": "national", "fdn": "foundation", "fndn": "foundation", "soc": "society", "inst": "institute",
    "ctr": "centre", "cntr": "centre", "center": "centre", "centers": "centres", "govt": "government",
    "devt": "development", "dev": "development", "mgmt": "management", "coop": "cooperative",
    "program": "programme", "programs": "programmes", "labor": "labour", "defense": "defence",
}  # fmt: skip
"""Abbreviations and spellings one name is written with ("Assoc.", "Intl", "Center", "Organization"): a name key
uses one form, so "Tanzania Women Lawyers Assoc." and "... Association" are one organisation."""

INNER_APOSTROPHE = re.compile(r"(?<=\w)['\u2019\u2018`\u00b4](?=\w)")


def plain_words(value: str) -> list[str]:
    """The words of ``value`` in lower case, without accents or punctuation ("Côte-d'Ivoire" → cote d ivoire)."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    ascii_only = "".join(char for char in decomposed if not unicodedata.combining(char))
    ascii_only = re.sub(r"(?<=\b\w)\.(?=\w\b)", "", ascii_only)  # "e.V." and "U.N." are one word
    return re.findall(r"[^\W_]+", ascii_only.replace("&", " and "))


def organisation_name_key(name: str) -> str:
    """The form of a name two duplicates share: case, accents, punctuation, spacing and legal suffixes ignored.

    An apostrophe inside a word joins it ("Women's" and "WOMENS" are one name; "L'Union" is "lunion"); common
    abbreviations and spellings are written one way (``WORD_FORMS``: "Assoc." is "association", "Center" "centre").
    """
    words = plain_words(INNER_APOSTROPHE.sub("", _without_trailing_acronym(name)))
    words = [WORD_FORMS.get(word, word) for word in words]
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)[:300]


def registration_key(number: str | None) -> str | None:
    """A registration number with only its letters and digits, upper case (``None`` when it has none)."""
    if not number:
        return None
    key = re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKD", number).upper())
    return key[:100] or None


class AreaOfEngagement(Base):
    """A thematic area in which the organisation works with partners."""

    __tablename__ = "areas_of_engagement"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)

    @property
    def label(self) -> str:
        """The area's name in the reader's language (a seeded area translated, one added later as stored)."""
        return area_name(self.code, self.name)


organisation_areas = Table(
    "organisation_areas",
    Base.metadata,
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("areas_of_engagement.id", ondelete="RESTRICT"), primary_key=True),
    Index("ix_organisation_areas_area_organisation", "area_id", "organisation_id"),  # the list's area filter
)


class Organisation(Base):
    """A partner: a CSO, an intergovernmental body, a university, a company…"""

    __tablename__ = "organisations"
    __table_args__ = (
        UniqueConstraint("legal_name", "country_code"),
        # Each documented filter and sort of the list, with what follows it: the name, then the id (its keyset).
        Index("ix_organisations_legal_name_id", "legal_name", "id"),
        Index("ix_organisations_kind_name", "kind", "legal_name", "id"),
        Index("ix_organisations_country_code_name", "country_code", "legal_name", "id"),
        Index("ix_organisations_created_at_id", "created_at", "id"),
        Index("ix_organisations_updated_at_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(300), index=True)
    short_name: Mapped[str | None] = mapped_column(String(60))
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind, "organisation_kind"))
    country_code: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    registration_number: Mapped[str | None] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    correspondence_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    """The language letters and e-mails to the organisation are written in (one of app.i18n.LANGUAGES)."""
    notes: Mapped[str | None] = mapped_column(Text)
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    """The organisation's identifier in the inventory it was imported from (re-imports find it by this)."""
    name_key: Mapped[str] = mapped_column(String(300), index=True, default="")
    """``organisation_name_key(legal_name)``, kept in step by the model: duplicates share it."""
    registration_key: Mapped[str | None] = mapped_column(String(100), index=True)
    """``registration_key(registration_number)``, kept in step by the model."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    partner_confirmed_at: Mapped[datetime | None]
    """When the partner last confirmed these facts through a partner link (or a correction of theirs was accepted)."""
    version: Mapped[int] = mapped_column(default=1)

    @validates("legal_name")
    def _keep_name_key(self, _key: str, value: str) -> str:
        self.name_key = organisation_name_key(value or "")
        return value

    @validates("registration_number")
    def _keep_registration_key(self, _key: str, value: str | None) -> str | None:
        self.registration_key = registration_key(value)
        return value

    areas: Mapped[list[AreaOfEngagement]] = relationship(
        secondary=organisation_areas, lazy="selectin", order_by=AreaOfEngagement.id
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Contact.id", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}


class Contact(Base):
    """A person at a partner organisation, possibly its focal point for us."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    is_focal_point: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str | None] = mapped_column(String(8))
    """The language to write to this person in; None means their organisation's correspondence language."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")

    __mapper_args__ = {"version_id_col": version}
