"""Reminders through a real SMTP server reach each reader in their language and with the words meant for them: a
French user reads French, a Spanish partner contact reads the partner's wording without links into the register, an
English user reads what they always read; the language is the reader's when the e-mail is sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import icalendar
import pytest
from sqlalchemy import select

from app.config import Settings
from app.obligations.models import Obligation
from app.organisations.models import Contact
from app.reminders.alerts import queue_sign_in_alert
from app.reminders.audience import Recipient, recipient_for
from app.reminders.dispatcher import dispatch_once
from app.reminders.models import Reminder, ReminderKind
from app.users.models import Role
from tests.builders import cast, draft_agreement
from tests.reminders.smtp import SmtpServer
from tests.reminders.test_dispatcher import NOW, _parts, _reminder, _settings


@pytest.fixture
def mail() -> Iterator[SmtpServer]:
    """A running SMTP server on loopback."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def config(database_url, settings, mail) -> Settings:
    """Dispatcher settings aimed at the test server."""
    return _settings(database_url, mail.port)


@pytest.fixture
def people(make_user):
    """The manager, legal officers and admin of an agreement."""
    return cast(make_user)


@pytest.fixture
def agreement(session, people):
    """A draft MOU with a partner party."""
    found = draft_agreement(session, people)
    found.title = "Agua y saneamiento"
    session.commit()
    return found


def _subject(message) -> str:
    """The Subject as read: a non-ASCII one is folded, and reads back with a space more where it was folded."""
    return " ".join(str(message["Subject"]).split())


def _event(message) -> icalendar.Event:
    (_text, _html, calendars) = _parts(message)
    (event,) = icalendar.Calendar.from_ical(calendars[0].get_payload(decode=True)).walk("VEVENT")
    return event


def test_a_french_user_gets_the_french_email_even_when_they_chose_french_after_it_was_planned(
    session, session_factory, agreement, people, mail, config
):
    manager = people.manager
    _reminder(session, agreement, recipient=manager.email, recipient_user_id=manager.id)
    manager.language = "fr"  # after the reminder was written: the e-mail is composed when it is sent
    session.commit()
    assert dispatch_once(session_factory, config, now=NOW).sent == 1
    message = mail.received[0].message
    subject = _subject(message)
    assert subject.startswith("Fin le 31 mars 2027 (dans 30 jours) : ") and len(subject) <= 69, subject
    assert message["Content-Language"] == "fr"
    text, html, _ = _parts(message)
    assert "«\u00a0Agua y saneamiento\u00a0»" in text and "prend fin dans 30 jours, le 31 mars 2027." in text
    assert "Que faire\u00a0: décider de le renouveler" in text and "Ouvrir le partenariat" in text
    link = f"https://agreements.example.org/partnerships/{agreement.partnership_id}"
    assert link in text and f'href="{link}"' in html and '<html lang="fr">' in html
    assert "Que faire\u00a0:" in html and "rappel automatique du registre des accords" in html
    for english in ("What to do", "ends in", "Open the partnership", "March"):
        assert english not in text and english not in html
    event = _event(message)
    assert " ".join(str(event["SUMMARY"]).split()) == subject and event["SUMMARY"].params["LANGUAGE"] == "fr"
    assert str(event["DESCRIPTION"]).startswith(agreement.partnership.reference)
    assert "prend fin dans 30 jours" in str(event["DESCRIPTION"]) and str(event["URL"]) == link
    (alarm,) = event.walk("VALARM")
    assert " ".join(str(alarm["DESCRIPTION"]).split()) == subject


def test_a_spanish_partner_contact_gets_the_partner_wording_in_spanish_without_links(
    session, session_factory, agreement, mail, config
):
    obligation = session.scalars(
        select(Obligation).where(Obligation.agreement_id == agreement.id, Obligation.party_id.is_not(None))
    ).first()
    partner = obligation.party.organisation
    partner.correspondence_language = "es"  # the contact has no language of their own: the organisation's counts
    session.add(Contact(organisation=partner, name="Lucía Gómez", email="Lucia@Socio.example", is_focal_point=True))
    session.commit()
    _reminder(session, agreement, recipient="lucia@socio.example")
    _reminder(session, obligation, kind=ReminderKind.OBLIGATION_DUE, offset=14, due_on=date(2027, 3, 15),
              recipient="lucia@socio.example")  # fmt: skip
    assert dispatch_once(session_factory, config, now=NOW).sent == 2
    by_kind = {_subject(item.message).split(" ")[0]: item.message for item in mail.received}
    message = by_kind["Finaliza"]
    assert _subject(message).startswith("Finaliza el 31 mar 2027 (en 30 días): su acuerdo con The Organisation")
    assert message["Content-Language"] == "es"
    reference = agreement.partnership.reference
    for item in mail.received:
        text, html, _ = _parts(item.message)
        text = text.replace("\r\n", "\n")
        event = _event(item.message)
        for part in (text, html, str(event["DESCRIPTION"]), _subject(item.message)):
            assert "http" not in part and reference not in part
            for internal in ("asociación", "Abrir", "Qué hacer", "Parte responsable", "partnership", "What to do"):
                assert internal not in part, (internal, part)
        assert "URL" not in event and "<a " not in html
        assert text.startswith("Estimado/a Lucía Gómez:\n\n") and "Atentamente,\nThe Organisation" in text
        assert "su acuerdo con The Organisation, «Agua y saneamiento»" in text.replace("Su acuerdo", "su acuerdo")
        summary, subject = (" ".join(str(value).split()) for value in (event["SUMMARY"], _subject(item.message)))
        assert summary == subject and event["SUMMARY"].params["LANGUAGE"] == "es"
    text, _html, _ = _parts(by_kind["Vence"])
    assert "una obligación vence en 14 días, el 15 de marzo de 2027" in text
    assert f"A cargo de: {partner.legal_name}" in text and "Le rogamos que se asegure" in text


def test_a_contacts_own_language_comes_before_their_organisations(session, session_factory, agreement, mail, config):
    partner = agreement.partnership.parties[0].organisation
    partner.correspondence_language = "es"
    session.add(Contact(organisation=partner, name="Awa Diallo", email="awa@socio.example", language="fr"))
    session.commit()
    _reminder(session, agreement, kind=ReminderKind.NOTICE_DEADLINE, recipient="awa@socio.example")
    assert dispatch_once(session_factory, config, now=NOW).sent == 1
    message = mail.received[0].message
    text, _html, _ = _parts(message)
    assert _subject(message).startswith("Préavis avant le 31 mars 2027 (dans 30 jours) : votre accord")
    assert text.startswith("Madame, Monsieur,") and "au titre de votre accord avec The Organisation" in text
    assert "http" not in text and "partenariat" not in text


def test_an_english_user_reads_the_internal_email_as_before(session, session_factory, agreement, people, mail, config):
    lawyer = people.lawyer
    assert lawyer.language is None  # no choice made: the organisation's default, English
    _reminder(session, agreement, recipient=lawyer.email, recipient_user_id=lawyer.id)
    assert dispatch_once(session_factory, config, now=NOW).sent == 1
    message = mail.received[0].message
    assert _subject(message).startswith("Ends 31 Mar 2027 (in 30 days): ")
    text, html, _ = _parts(message)
    link = f"https://agreements.example.org/partnerships/{agreement.partnership_id}"
    assert '"Agua y saneamiento"' in text and "ends in 30 days, on 31 March 2027." in text
    assert f"Open the partnership: {link}" in text and "What to do: decide whether to renew or extend it" in text
    assert "<strong>What to do:</strong>" in html and message["Content-Language"] == "en"


def test_a_withdrawn_deadline_says_why_in_the_readers_language(
    session, session_factory, agreement, people, mail, config
):
    people.manager.language = "es"
    session.commit()
    obligation = session.scalars(select(Obligation).where(Obligation.agreement_id == agreement.id)).first()
    recipient = people.manager.email
    session.add(
        Reminder(
            dedupe_key=f"obligation:{obligation.id}:obligation_due:cancel:2027-03-31:{recipient}",
            series=f"obligation:{obligation.id}:obligation_due:{recipient}:cancel", subject_type="obligation",
            subject_id=obligation.id, partnership_id=agreement.partnership_id, kind=ReminderKind.DEADLINE_CANCELLED,
            due_on=date(2027, 3, 31), offset_days=0, send_at=NOW - timedelta(minutes=5), recipient_email=recipient,
            recipient_user_id=people.manager.id, cancel_reason="the agreement is no longer in force (now: Draft)",
        )
    )  # fmt: skip
    session.commit()
    assert dispatch_once(session_factory, config, now=NOW).sent == 1
    message = mail.received[0].message
    assert _subject(message).startswith("Vencimiento de obligación anulado 31 mar 2027: ")
    text, _html, _ = _parts(message)
    assert "ya no tiene plazo el 31 de marzo de 2027: el acuerdo ya no está en vigor" in text
    assert "no longer in force" not in text
    (calendar,) = _parts(message)[2]
    assert calendar.get_param("method") == "CANCEL"


def test_a_sign_in_alert_reaches_each_administrator_in_their_language(
    session, session_factory, make_user, mail, config
):
    spanish = make_user(Role.ADMIN)
    spanish.language = "es"
    english = make_user(Role.ADMIN)
    session.commit()
    queue_sign_in_alert(session, NOW - timedelta(minutes=10), None, False, "all")
    session.commit()
    assert dispatch_once(session_factory, config, now=NOW).sent >= 2
    by_recipient = {item.rcpt_tos[0]: item.message for item in mail.received}
    es, en = by_recipient[spanish.email], by_recipient[english.email]
    assert es["Subject"].startswith("[Seguridad] ") and en["Subject"].startswith("[Security] ")
    text, html, _ = _parts(es)
    assert (
        text.startswith("Alerta de seguridad: inicios de sesión fallidos") and "en el conjunto de las cuentas" in text
    )
    assert "No se bloquea nada." in html and es["Content-Language"] == "es"
    assert "across all accounts" in _parts(en)[0]


def test_a_partner_reads_why_a_deadline_was_withdrawn_without_state_names_even_in_english(
    session, session_factory, agreement, mail, config
):
    partner = agreement.partnership.parties[0].organisation
    session.add(Contact(organisation=partner, name="Grace Achieng", email="grace@socio.example"))
    obligation = session.scalars(select(Obligation).where(Obligation.agreement_id == agreement.id)).first()
    recipient = "grace@socio.example"
    session.add(
        Reminder(
            dedupe_key=f"obligation:{obligation.id}:obligation_due:cancel:2027-03-31:{recipient}",
            series=f"obligation:{obligation.id}:obligation_due:{recipient}:cancel", subject_type="obligation",
            subject_id=obligation.id, partnership_id=agreement.partnership_id, kind=ReminderKind.DEADLINE_CANCELLED,
            due_on=date(2027, 3, 31), offset_days=0, send_at=NOW - timedelta(minutes=5), recipient_email=recipient,
            cancel_reason="the agreement is no longer in force (now: Draft)",
        )
    )  # fmt: skip
    session.commit()
    assert dispatch_once(session_factory, config, now=NOW).sent == 1
    message = mail.received[0].message
    assert _subject(message).startswith("Cancelled obligation due 31 Mar 2027: your agreement")
    text, html, _ = _parts(message)
    assert "Why: the agreement is no longer in force." in text and "Draft" not in text and "now:" not in html
    assert text.startswith("Dear Grace Achieng,") and "http" not in text


def test_whom_an_address_belongs_to_decides_the_audience_and_the_language(session, agreement, people):
    partner = agreement.partnership.parties[0].organisation
    partner.email, partner.correspondence_language = "info@socio.example", "fr"
    people.lawyer.language = "es"
    session.add(Contact(organisation=partner, name="Sin idioma", email="nobody-set@socio.example"))
    session.commit()

    def reader(email: str, user_id: int | None = None) -> Recipient:
        row = Reminder(recipient_email=email, recipient_user_id=user_id, partnership_id=agreement.partnership_id)
        return recipient_for(session, row)

    assert reader(people.lawyer.email.upper()) == Recipient("es", partner=False, name=people.lawyer.full_name)
    assert reader("x@elsewhere.example", people.manager.id).language == "en"  # the user, not the address, counts
    assert reader("INFO@socio.example") == Recipient("fr", partner=True, name=None)
    assert reader("nobody-set@socio.example") == Recipient("fr", partner=True, name="Sin idioma")
    assert reader("team@organisation.example") == Recipient("en", partner=False)  # a CC mailbox of our own
