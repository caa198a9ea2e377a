"""Every reminder e-mail in every language and for both audiences: nothing of the mail catalog left in English, subjects
under the limit however long the names, and the partner's e-mail free of internal words and links."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import icalendar
import pytest
from babel.messages.pofile import read_po

from app import i18n
from app.config import load_settings
from app.i18n import catalogs
from app.reminders.alerts import ALL_ACCOUNTS, _sign_in_alert
from app.reminders.audience import Recipient
from app.reminders.email import ReminderContext, build_message
from app.reminders.models import Reminder, ReminderKind

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
KINDS = [kind for kind in ReminderKind if kind not in (ReminderKind.SIGN_IN_ALERT, ReminderKind.PARTNER_LINK)]
"""The kinds written about a deadline (a sign-in alert and a partner link have e-mails of their own)."""
LONG = "Asociación «Puente» Federación Internacional de Agua, Saneamiento e Higiene y Asociados " * 2
SETTINGS = load_settings(
    smtp_sender="Agreements <agreements@example.org>", base_url="https://agreements.example.org/",
    organisation_name="Organisation Internationale pour les Migrations",
)  # fmt: skip
WORD = re.compile(r"[^\W\d_]{4,}")


def english_words(language: str) -> set[str]:
    """Words of the mail catalog's English messages that none of its ``language`` translations uses."""
    with catalogs.po_file(language, "mail").open("rb") as handle:
        catalog = read_po(handle, locale=language, domain="mail")
    english: set[str] = set()
    translated: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= {word.lower() for word in WORD.findall(re.sub(r"%\(\w+\)s|\{\w+\}", " ", text))}
        for text in strings:
            translated |= {word.lower() for word in WORD.findall(re.sub(r"%\(\w+\)s|\{\w+\}", " ", text))}
    return english - translated


def _reminder(kind: ReminderKind, due_on: date = date(2027, 3, 31), offset: int = 30) -> Reminder:
    withdrawn = ReminderKind.OBLIGATION_DUE if kind == ReminderKind.DEADLINE_CANCELLED else kind
    return Reminder(
        kind=kind, due_on=due_on, offset_days=offset, recipient_email="lectora@example.org",
        dedupe_key=f"agreement:7:{kind.value}:{due_on}:x", series=f"agreement:7:{withdrawn.value}:x:cancel",
        cancel_reason="obligación dispensada",
    )  # fmt: skip


def _context(kind: ReminderKind, partner: str = "Puente", title: str = "Agua y saneamiento") -> ReminderContext:
    obligation = "Informe anual" if kind.value.startswith("obligation") or kind.value == "deadline_cancelled" else None
    return ReminderContext(
        partnership_id=7, reference="PSHIP-2027-0007", partnership_title=title, agreement_title=title,
        end_date=date(2027, 4, 30), notice_period_days=30, obligation=obligation, party=partner, partners=partner,
        agreement_reference="MOU-2027-0007",
    )  # fmt: skip


def _read(message) -> tuple[str, str, str, icalendar.Event]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    (event,) = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    return str(message["Subject"]), text, html, event


@pytest.mark.parametrize("language", ["fr", "es"])
@pytest.mark.parametrize("partner", [False, True], ids=["internal", "partner"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_with_no_english_word_of_the_mail_catalog_left(kind, partner, language):
    leftovers = english_words(language)
    assert {"deadline", "reminder", "agreement", "ends"} <= leftovers  # the check has teeth
    reader = Recipient(language, partner=partner, name="Ana Pérez")
    for days_before in (30, 0, -3):  # in 30 days, today, 3 days ago
        due = date(2027, 3, 1 + max(days_before, 0)) if days_before >= 0 else date(2027, 2, 26)
        message = build_message(_reminder(kind, due), _context(kind), SETTINGS, NOW, recipient=reader)
        subject, text, html, event = _read(message)
        calendar_words = " ".join(str(event[name]) for name in ("SUMMARY", "DESCRIPTION"))
        for part in (subject, text, re.sub(r"<[^>]+>", " ", html), calendar_words):
            part = re.sub(r"https?://\S+", " ", part)  # the register's address is no word
            found = {word.lower() for word in WORD.findall(part)} & leftovers
            assert not found, (kind.value, language, partner, found, part)
        assert message["Content-Language"] == language and f'<html lang="{language}">' in html
        assert event["SUMMARY"].params["LANGUAGE"] == language


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("partner", [False, True], ids=["internal", "partner"])
@pytest.mark.parametrize("kind", KINDS)
def test_subjects_keep_under_the_limit_in_every_language_with_long_names(kind, partner, language):
    settings = load_settings(organisation_name="Organisation " + "Internationale pour les Migrations " * 4)
    reader = Recipient(language, partner=partner)
    for due in (date(2027, 9, 30), date(2027, 2, 26)):
        for organisation_settings in (SETTINGS, settings):
            message = build_message(
                _reminder(kind, due), _context(kind, LONG, LONG), organisation_settings, NOW, recipient=reader
            )
            subject = str(message["Subject"])
            assert len(subject) <= 69 and len(f"Subject: {subject}") <= 78, subject
            assert "\n" not in subject and subject.strip() == subject


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_the_partner_reads_partner_wording_without_internal_words_or_links(kind, language):
    reader = Recipient(language, partner=True, name="Ana Pérez")
    message = build_message(_reminder(kind), _context(kind), SETTINGS, NOW, recipient=reader)
    subject, text, html, event = _read(message)
    with i18n.use_language(language):
        your_agreement = i18n.MAIL.gettext("your agreement")
        internal = {
            i18n.MAIL.gettext("Open the partnership:").rstrip(" :\u00a0"),
            i18n.MAIL.gettext("Responsible party"),
            i18n.MAIL.gettext("You receive it as a person responsible for this partnership."),
            i18n.MAIL.gettext("What to do:").rstrip(" :\u00a0"),
        }
    for part in (text, html, str(event["DESCRIPTION"])):
        assert "http" not in part and "PSHIP-2027-0007" not in part
        assert not [words for words in internal if words in part], part
        assert SETTINGS.organisation_name in part
    assert your_agreement.lower() in subject.lower() and "PSHIP" not in subject
    assert "URL" not in event and "href" not in html
    assert "Ana Pérez" in text or language == "fr"  # French opens formally, without the name


def test_the_internal_english_email_is_unchanged():
    message = build_message(_reminder(ReminderKind.END_DATE), _context(ReminderKind.END_DATE), SETTINGS, NOW)
    subject, text, html, event = _read(message)
    assert subject == "Ends 31 Mar 2027 (in 30 days): Puente [PSHIP-2027-0007]"
    assert '"Agua y saneamiento" (MOU-2027-0007) ends in 30 days, on 31 March 2027.' in text
    assert "What to do: decide whether to renew or extend it" in text
    assert "Open the partnership: https://agreements.example.org/partnerships/7" in text
    assert '<h1 style="font-size: 1.2em;">“Agua y saneamiento” (MOU-2027-0007) ends in 30 days' in html
    assert str(event["URL"]) == "https://agreements.example.org/partnerships/7"
    assert message["Content-Language"] == "en"


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_sign_in_alert_has_no_english_word_of_the_mail_catalog_left(language):
    leftovers = english_words(language)
    alert = Reminder(
        kind=ReminderKind.SIGN_IN_ALERT, subject_type=ALL_ACCOUNTS, subject_id=0, due_on=NOW.date(),
        recipient_email="admin@example.org", dedupe_key="sign_in_alert:x", created_at=NOW,
    )  # fmt: skip
    with i18n.use_language(language):
        message = _sign_in_alert(None, alert, SETTINGS, NOW, language)  # all accounts: no account to look up
    text = message.get_body(("plain",)).get_content()
    html = re.sub(r"<[^>]+>", " ", message.get_body(("html",)).get_content())
    for part in (str(message["Subject"]), text, html):
        part = re.sub(r"https?://\S+", " ", part)
        assert not {word.lower() for word in WORD.findall(part)} & leftovers, part
    assert message["Content-Language"] == language


@pytest.mark.parametrize(
    ("language", "about"),
    [("en", "UNICEF & 3 others"), ("fr", "UNICEF et 3 autres"), ("es", "UNICEF y 3 más")],
)
def test_many_partners_are_counted_in_the_readers_words(language, about):
    context = ReminderContext(
        partnership_id=7, reference="P-7", partnership_title="Eau", agreement_title="Eau", end_date=None,
        notice_period_days=0, partners="UNICEF", others=3,
    )  # fmt: skip
    message = build_message(_reminder(ReminderKind.END_DATE), context, SETTINGS, NOW, recipient=Recipient(language))
    assert f": {about} [P-7]" in str(message["Subject"]).replace(" : ", ": ")
