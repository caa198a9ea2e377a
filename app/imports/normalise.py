"""Tolerant reading of messy inventory values: countries, partner types, modalities, areas, roles, dates, contacts.

Pure functions, no database. Each reader returns ``Read(value, doubt, exact)``: ``doubt`` says in words why the value
was guessed (a typo corrected, an ambiguous date); ``exact`` is false whenever the cell was not the canonical code or
name (a synonym, a phrase, a translation, a short form, a typo), so an import can list every mapping it made. A value
that cannot be read raises ``Unreadable`` with the reason.

The words come from ``vocabulary`` (English, French, Spanish) and, for countries, from pycountry and Babel. One
module per kind of value (``countries``, ``categories`` for partner types, modalities, roles and areas, ``dates``,
``notice``, ``contacts``, ``layout`` for totals and notes) on the matching they share (``phrases``,
``phrase_tables``); this module gathers the readers a line is read with.
"""

from __future__ import annotations

from app.imports.categories import area_codes, modality_stage, organisation_kind, party_role
from app.imports.contacts import email_address, emails_in, phone_number, website_address
from app.imports.countries import country_code
from app.imports.dates import DateOrder, parse_date
from app.imports.layout import COLUMNS, REQUIRED_COLUMNS, is_note_row, is_total_row, match_headers
from app.imports.notice import notice_days
from app.imports.phrase_tables import is_placeholder
from app.imports.reading import Read, Unreadable, plain_label
from app.organisations.models import organisation_name_key, registration_key

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "DateOrder",
    "Read",
    "Unreadable",
    "area_codes",
    "country_code",
    "email_address",
    "emails_in",
    "is_note_row",
    "is_placeholder",
    "is_total_row",
    "match_headers",
    "modality_stage",
    "notice_days",
    "organisation_kind",
    "organisation_name_key",
    "parse_date",
    "party_role",
    "phone_number",
    "plain_label",
    "registration_key",
    "website_address",
]
