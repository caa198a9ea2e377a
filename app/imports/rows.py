"""One inventory line read into typed values, or the reasons it cannot be (pure: no database)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pycountry

from app.i18n import MESSAGES
from app.imports.normalise import (
    DateOrder,
    Read,
    Unreadable,
    area_codes,
    country_code,
    email_address,
    emails_in,
    is_placeholder,
    modality_stage,
    notice_days,
    organisation_kind,
    organisation_name_key,
    parse_date,
    party_role,
    phone_number,
    plain_label,
    registration_key,
    website_address,
)
from app.organisations.models import OrganisationKind
from app.partnerships.models import PartyRole
from app.workflow.definition import states

MAX_LENGTHS = {
    "organisation_ref": 100,
    "organisation_name": 300,
    "acronym": 60,
    "region": 100,
    "registration_number": 100,
    "contact_name": 200,
    "partnership_ref": 100,
    "partnership_title": 300,
    "contact_phone": 50,
}
VOCABULARY_COLUMNS = ("partner_type", "country", "modality", "areas", "role")


@dataclass(frozen=True)
class NonExact:
    """A value read through a synonym, a phrase, a translation or a typo: listed in the report."""

    column: str
    written: str
    read_as: str


@dataclass(frozen=True)
class Problem:
    """What is wrong or doubtful with a line: the column (as the file names it) and the reason."""

    column: str
    reason: str


@dataclass
class ParsedRow:
    """The values of one line, read and checked; ``doubts`` lists what was guessed."""

    line: int
    organisation_ref: str | None = None
    name: str = ""
    name_key: str = ""
    acronym: str | None = None
    kind: OrganisationKind | None = None
    country: str | None = None
    region: str | None = None
    registration_number: str | None = None
    registration_key: str | None = None
    website: str | None = None
    email: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    areas: tuple[str, ...] = ()
    partnership_ref: str | None = None
    title: str | None = None
    stage: str | None = None
    """The stage the modality names; ``None`` when the line does not say."""
    role: PartyRole | None = None
    start_date: date | None = None
    end_date: date | None = None
    signed_date: date | None = None
    notice_period_days: int | None = None
    owner_email: str | None = None
    notes: str | None = None
    title_derived: bool = False
    in_directory: bool = False
    """The file has no partnership column at all (a directory of organisations): its contacts are just contacts."""
    doubts: list[Problem] = field(default_factory=list)
    non_exact: list[NonExact] = field(default_factory=list)
    _key: str | None = field(default=None, repr=False)

    @property
    def has_partnership(self) -> bool:
        """Whether the line records a partnership: a reference, a title, a modality, dates or a focal point.

        In a directory of organisations (no partnership column at all) a contact person does not make one.
        """
        return bool(
            self.partnership_ref
            or self.title
            or self.stage
            or self.start_date
            or self.end_date
            or (self.has_focal_point and not self.in_directory)
        )

    @property
    def has_focal_point(self) -> bool:
        """Whether the line names a contact person."""
        return bool(self.contact_name or self.contact_email or self.contact_phone)

    def partnership_key(self) -> str:
        """The partnership's external reference: the file's own, or one derived from the title and the partner.

        A line without a title (its title derived) names the organisation's untitled partnership, whatever its
        areas or the spelling of the name: lines about the same partner then meet in one partnership.
        """
        if self.partnership_ref:
            return self.partnership_ref
        if self._key is None:
            self._key = self._derived_key()
        return self._key

    def _derived_key(self) -> str:
        if self.title_derived or not self.title:  # the organisation's untitled partnership
            partner = f"ref:{self.organisation_ref}" if self.organisation_ref else f"{self.name_key}|{self.country}"
            identity = f"(untitled)|{partner}"
        else:
            identity = f"{organisation_name_key(self.title)}|{self.name_key}|{self.country or ''}"
        return "auto-" + hashlib.sha256(identity.encode()).hexdigest()[:24]


def text_of(value: Any) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _says_something(column: str, value: Any) -> bool:
    """Whether a cell holds a value: "N/A", "-", "TBD", "à préciser" say nothing. A country's "NA" is Namibia,
    and an acronym written in capitals ("NA", "ND") is an acronym."""
    if not isinstance(value, str) or column == "country":
        return True
    if column == "acronym" and value.strip().isalpha() and value.strip().isupper():
        return True
    return not is_placeholder(value)


def _shown(value: Any) -> str:
    """A read value as a clerk reads it: words, not codes ("national CSO", "ad hoc", "Côte d'Ivoire (CI)")."""
    if isinstance(value, tuple):
        return ", ".join(_shown(item) for item in value)
    text = str(getattr(value, "value", value))
    if len(text) == 2 and text.isupper():
        country = pycountry.countries.get(alpha_2=text)
        name = getattr(country, "common_name", None) or getattr(country, "name", None)
        return f"{name} ({text})" if name else text
    return plain_label(text)


def _email_beside_phone(row: ParsedRow, phone_cell: str, column: str) -> None:
    """An e-mail written in the phone column ("+254 700 123456 / grace@ngo.org") is the contact's e-mail when the
    line gives none; otherwise it is left out, and either way the line says so."""
    found = [email_address(email).value for email in emails_in(phone_cell)]
    found = [email for email in found if email]
    if not found:
        return
    if row.contact_email is None:
        row.contact_email = found[0]
        row.doubts.append(
            Problem(
                column,
                MESSAGES.gettext("the e-mail {value} written here is taken as the contact's e-mail", value=found[0]),
            )
        )
    elif found[0] != row.contact_email:
        row.doubts.append(
            Problem(column, MESSAGES.gettext("the e-mail {value} written here is left out", value=found[0]))
        )


def parse_row(
    line: int, cells: dict[str, Any], headers: dict[str, str], order: DateOrder
) -> tuple[ParsedRow | None, list[Problem]]:
    """Read one line (``cells`` by column); ``headers`` gives each column's name in the file, for messages.

    Returns the row and no problems, or ``None`` and every problem that rejects the line.
    """
    cells = {column: value for column, value in cells.items() if _says_something(column, value)}
    row = ParsedRow(line=line)
    problems: list[Problem] = []

    def label(column: str) -> str:
        return headers.get(column, column)

    def text(column: str) -> str | None:
        value = text_of(cells.get(column))
        if not value:
            return None
        limit = MAX_LENGTHS.get(column)
        if limit and len(value) > limit:
            problems.append(Problem(label(column), MESSAGES.gettext("is longer than {limit} characters", limit=limit)))
        return value

    def read(column: str, reader: Any, *args: Any) -> Any:
        raw = cells.get(column)
        try:
            result: Read[Any] = reader(raw if column.endswith("_date") else text_of(raw), *args)
        except Unreadable as exc:
            problems.append(Problem(label(column), str(exc)))
            return None
        if result.doubt:
            row.doubts.append(Problem(label(column), result.doubt))
        if column in VOCABULARY_COLUMNS and not getattr(result, "exact", True) and result.value:
            row.non_exact.append(NonExact(label(column), text_of(raw), _shown(result.value)))
        return result.value

    row.organisation_ref = text("organisation_ref")
    row.name = text("organisation_name") or ""
    row.name_key = organisation_name_key(row.name)
    if not row.name_key:
        problems.append(Problem(label("organisation_name"), MESSAGES.gettext("the organisation name is missing")))
    row.acronym = text("acronym")
    row.kind = read("partner_type", organisation_kind) if text_of(cells.get("partner_type")) else None
    row.country = read("country", country_code) if text_of(cells.get("country")) else None
    row.region = text("region")
    row.registration_number = text("registration_number")
    row.registration_key = registration_key(row.registration_number)
    row.website = read("website", website_address)
    row.email = read("email", email_address)
    row.contact_name = text("contact_name")
    row.contact_email = read("contact_email", email_address)
    row.contact_phone = read("contact_phone", phone_number)
    _email_beside_phone(row, text_of(cells.get("contact_phone")), label("contact_phone"))
    row.areas = read("areas", area_codes) or ()
    row.partnership_ref = text("partnership_ref")
    row.title = text("partnership_title")
    row.stage = read("modality", modality_stage) if text_of(cells.get("modality")) else None
    row.role = read("role", party_role)
    row.start_date = read("start_date", parse_date, order)
    row.end_date = read("end_date", parse_date, order, True)  # "2027" or "déc. 2027" ends on its last day
    row.signed_date = read("signed_date", parse_date, order)
    if row.start_date is None and row.signed_date is not None and row.end_date is not None:
        row.start_date = row.signed_date
        row.doubts.append(
            Problem(
                label("signed_date"),
                MESSAGES.gettext(
                    "no start date: the signature date {signed_date} is taken as the start", signed_date=row.signed_date
                ),
            )
        )
    row.notice_period_days = read("notice_period", notice_days) if text_of(cells.get("notice_period")) else None
    if row.start_date and row.end_date and row.end_date < row.start_date:
        problems.append(
            Problem(
                label("end_date"),
                MESSAGES.gettext(
                    "the end date {end_date} is before the start date {start_date}",
                    end_date=row.end_date,
                    start_date=row.start_date,
                ),
            )
        )
    elif row.stage in states("partnership", group="in_force") and row.start_date and row.end_date == row.start_date:
        problems.append(
            Problem(
                label("end_date"),
                MESSAGES.gettext(
                    "an agreement cannot start and end on the same day ({end_date}): check the end date",
                    end_date=row.end_date,
                ),
            )
        )
    owner = text("owner_email")
    if owner:
        found = email_address(owner)
        if found.value is None:
            problems.append(
                Problem(label("owner_email"), MESSAGES.gettext("{owner} is not an email address", owner=repr(owner)))
            )
        row.owner_email = found.value
    row.notes = text("notes")
    if problems:
        return None, problems
    return row, []
