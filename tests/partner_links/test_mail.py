"""The partner link's e-mail: written to the outbox by the request, sent by the dispatcher to a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.config import load_settings
from app.partner_links.service import issue_partner_link, revoke_partner_link
from app.reminders.dispatcher import dispatch_once
from app.reminders.models import Reminder, ReminderStatus
from app.users.service import hash_token
from tests.builders import cast
from tests.partner_links.support import scene
from tests.reminders.smtp import SmtpServer


@pytest.fixture
def mail() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def config(database_url, mail):
    return load_settings(
        database_url=database_url,
        smtp_port=mail.port,
        smtp_sender="Agreements <agreements@example.org>",
        smtp_timeout_seconds=5,
        base_url="https://agreements.example.org/",
        organisation_name="The Organisation",
    )


def test_the_dispatcher_sends_the_link_in_the_partners_language(session, session_factory, make_user, mail, config):
    people = cast(make_user)
    found = scene(session, people)
    contact = found.partnership.parties[1].organisation.contacts[0]  # Omar Ba reads French
    link, url = issue_partner_link(session, found.partnership.id, contact.id, actor=people.lawyer, settings=config)
    session.commit()
    assert mail.received == []  # nothing goes out inside the request
    report = dispatch_once(session_factory, config, now=clock.now() + timedelta(minutes=1))
    assert report.sent == 1
    message = mail.received[0].message
    assert mail.received[0].rcpt_tos == ("omar@imr.example.org",)
    assert message["Content-Language"] == "fr" and "votre lien personnel" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert url in text and url.startswith("https://agreements.example.org/partner/")
    assert link.token_hash == hash_token(url.rsplit("/", 1)[1])
    html = message.get_body(("html",)).get_content()
    assert f'href="{url}"' in html


def test_a_link_revoked_before_sending_never_goes_out(session, session_factory, make_user, mail, config):
    people = cast(make_user)
    found = scene(session, people)
    contact = found.partnership.parties[0].organisation.contacts[0]
    link, _ = issue_partner_link(session, found.partnership.id, contact.id, actor=people.lawyer, settings=config)
    revoke_partner_link(session, link.id, actor=people.lawyer)
    session.commit()
    report = dispatch_once(session_factory, config, now=clock.now() + timedelta(minutes=1))
    assert report.sent == 0 and mail.received == []
    reminder = session.scalar(select(Reminder).where(Reminder.subject_type == "partner_link"))
    assert reminder.status == ReminderStatus.CANCELLED and "revoked" in reminder.cancel_reason


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_link_email_has_no_english_word_of_the_mail_catalog_left(session, make_user, config, language):
    import re

    from app.partner_links.mail import build_partner_link_email
    from tests.reminders.test_mail_languages import WORD, english_words

    people = cast(make_user)
    found = scene(session, people)
    contact = found.partnership.parties[0].organisation.contacts[0]
    contact.language = language
    link, _ = issue_partner_link(session, found.partnership.id, contact.id, actor=people.lawyer, settings=config)
    reminder = session.scalar(
        select(Reminder).where(Reminder.subject_id == link.id, Reminder.subject_type == "partner_link")
    )
    message = build_partner_link_email(session, reminder, config, clock.now())
    leftovers = english_words(language)
    assert message["Content-Language"] == language
    for part in (str(message["Subject"]), message.get_body(("plain",)).get_content(),
                 re.sub(r"<[^>]+>", " ", message.get_body(("html",)).get_content())):  # fmt: skip
        part = re.sub(r"https?://\S+", " ", part).replace(config.organisation_name, " ")
        part = part.replace(link.partnership.title, " ")  # the test data's own title
        assert not {word.lower() for word in WORD.findall(part)} & leftovers, part
