"""The dashboard: my partnerships by stage, what is expiring, overdue, in review, failing and coming up."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from app import clock
from app.config import get_settings
from app.obligations.service import list_for_agreement
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.users.models import Role
from app.workflow import engine
from app.workflow.actor import Actor
from tests.builders import SYSTEM, advance, cast, draft_agreement, organisation, partnership


def _today():
    return clock.today(get_settings().zone)


def _active(session, people, days_left):
    agreement = draft_agreement(session, people, end=_today() + timedelta(days=days_left))
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, agreement, step, people)
    session.commit()
    return agreement


def _section(html: str, heading_id: str) -> str:
    """The HTML of the dashboard section (or expiry window) whose heading has this id."""
    start = html.index(f'id="{heading_id}"')
    end = html.index("</div>" if heading_id.startswith("window-") else "</section>", start)
    return html[start:end]


def _reminder(session, **fields):
    key = f"test:{fields['subject_id']}:{fields.get('kind', ReminderKind.END_DATE)}:{fields['recipient_email']}"
    defaults = {
        "dedupe_key": key,
        "series": key,
        "subject_type": "agreement",
        "kind": ReminderKind.END_DATE,
        "due_on": _today() + timedelta(days=40),
        "send_at": clock.now() + timedelta(days=10),
    }
    reminder = Reminder(**{**defaults, **fields})
    session.add(reminder)
    session.commit()
    return reminder


def test_strangers_are_sent_to_sign_in(client):
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in")


def test_a_new_user_sees_an_empty_state_in_every_section(sign_in):
    browser = sign_in(Role.PROJECT_MANAGER)
    page = browser.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    assert "You do not own, share or advise on any partnership yet." in html
    assert html.count("No active agreement ends") == 3
    assert "Nothing is overdue." in html
    assert "None of your drafts is with a legal officer right now." in html
    assert "Every reminder went out as planned." in html
    assert "No reminder is planned for you." in html


def test_my_partnerships_are_counted_by_stage_with_links_to_the_pipeline(sign_in, session, make_user):
    manager = make_user(Role.PROJECT_MANAGER)
    lawyer = make_user(Role.LEGAL_OFFICER)
    other = make_user(Role.PROJECT_MANAGER)
    org = organisation(session)
    partnership(session, manager, org, title="Owned one")
    partnership(session, manager, org, title="Owned two")
    partnership(session, other, org, title="Shared", co_owner_ids=[manager.id])
    partnership(session, other, org, title="Advised", legal_officer_id=lawyer.id)
    partnership(session, other, org, title="Not mine")

    html = sign_in(user=manager).get("/dashboard").text
    mine = _section(html, "mine-heading")
    assert "3 partnerships you own, share or advise on" in mine
    assert re.search(r'href="/pipeline\?mine=1&amp;stage=ad_hoc"><span class="stat">3</span>', mine)
    assert re.search(r'href="/pipeline\?mine=1&amp;stage=formal"><span class="stat">0</span>', mine)

    html = sign_in(user=lawyer).get("/dashboard").text
    assert "1 partnership you own, share or advise on" in _section(html, "mine-heading")


def test_agreements_fall_in_the_window_of_their_end_date(sign_in, session, make_user):
    people = cast(make_user)
    in_ten = _active(session, people, 10)
    in_forty_five = _active(session, people, 45)
    in_eighty = _active(session, people, 80)
    in_one_twenty = _active(session, people, 120)
    draft_ending_soon = draft_agreement(session, people, end=_today() + timedelta(days=20))

    html = sign_in(user=people.manager).get("/dashboard").text
    within_30 = _section(html, "window-30")
    within_60 = _section(html, "window-60")
    within_90 = _section(html, "window-90")
    assert f'href="/agreements/{in_ten.id}"' in within_30
    assert "10 days left" in within_30
    assert f'href="/agreements/{in_forty_five.id}"' in within_60
    assert f'href="/agreements/{in_forty_five.id}"' not in within_30
    assert "45 days left" in within_60
    assert f'href="/agreements/{in_eighty.id}"' in within_90
    assert f'href="/agreements/{in_one_twenty.id}"' not in html
    assert f'href="/agreements/{draft_ending_soon.id}"' not in html  # only active agreements expire
    assert in_ten.partnership.reference in within_30
    assert in_ten.partnership.parties[0].organisation.legal_name in within_30


def test_expiring_agreements_are_those_of_my_partnerships_unless_i_take_stock_of_everything(
    sign_in, session, make_user
):
    people = cast(make_user)
    agreement = _active(session, people, 15)
    stranger = sign_in(Role.PROJECT_MANAGER).get("/dashboard").text
    assert f'href="/agreements/{agreement.id}"' not in stranger
    viewer = sign_in(Role.VIEWER).get("/dashboard").text
    assert f'href="/agreements/{agreement.id}"' in _section(viewer, "window-30")
    assert "across all partnerships" in viewer


def test_overdue_obligations_link_to_their_partnership(sign_in, session, make_user):
    people = cast(make_user)
    agreement = _active(session, people, 200)
    late, on_time = list_for_agreement(session, agreement.id)[:2]
    late.description = "Quarterly narrative report"
    late.due_date = _today() - timedelta(days=3)
    on_time.description = "Annual financial statement"
    with clock.frozen_at(datetime.combine(_today(), time(12), tzinfo=get_settings().zone)):
        engine.fire(session, "obligation", late, "mark_overdue", SYSTEM)
    session.commit()

    overdue = _section(sign_in(user=people.manager).get("/dashboard").text, "overdue-heading")
    assert "Quarterly narrative report" in overdue
    assert f'href="/partnerships/{agreement.partnership_id}"' in overdue
    assert "3 days late" in overdue
    assert "Annual financial statement" not in overdue
    stranger = _section(sign_in(Role.PROJECT_MANAGER).get("/dashboard").text, "overdue-heading")
    assert "Nothing is overdue." in stranger


def test_drafts_in_review_depend_on_the_role(sign_in, session, make_user):
    people = cast(make_user)
    submitted_by_manager = draft_agreement(session, people)
    advance(session, submitted_by_manager, "submit_for_review", people)
    submitted_by_lawyer = draft_agreement(session, people)
    engine.fire(session, "agreement", submitted_by_lawyer, "submit_for_review", Actor.person(people.lawyer))
    still_draft = draft_agreement(session, people)
    session.commit()

    lawyer = _section(sign_in(user=people.lawyer).get("/dashboard").text, "review-heading")
    assert "Drafts waiting for your review" in lawyer
    assert f'href="/agreements/{submitted_by_manager.id}"' in lawyer
    assert f'href="/agreements/{submitted_by_lawyer.id}"' not in lawyer  # four eyes: not their own
    assert f'href="/agreements/{still_draft.id}"' not in lawyer

    second = _section(sign_in(user=people.second_lawyer).get("/dashboard").text, "review-heading")
    assert f'href="/agreements/{submitted_by_lawyer.id}"' in second

    manager = _section(sign_in(user=people.manager).get("/dashboard").text, "review-heading")
    assert "Your drafts in review" in manager
    assert f'href="/agreements/{submitted_by_manager.id}"' in manager
    assert f'href="/agreements/{submitted_by_lawyer.id}"' in manager  # on their partnership

    other_manager = _section(sign_in(Role.PROJECT_MANAGER).get("/dashboard").text, "review-heading")
    assert f'href="/agreements/{submitted_by_manager.id}"' not in other_manager
    viewer = _section(sign_in(Role.VIEWER).get("/dashboard").text, "review-heading")
    assert "nothing here for you" in viewer


def test_failed_reminders_for_admins_all_for_others_their_own(sign_in, session, make_user):
    people = cast(make_user)
    agreement = _active(session, people, 300)
    outsider = make_user(Role.PROJECT_MANAGER)
    on_partnership = _reminder(
        session, subject_id=agreement.id, partnership_id=agreement.partnership_id,
        recipient_email="someone@partner.example", status=ReminderStatus.FAILED, attempts=5,
        last_error="mailbox unavailable",
    )  # fmt: skip
    to_outsider = _reminder(
        session, subject_id=agreement.id, kind=ReminderKind.NOTICE_DEADLINE, recipient_email=outsider.email,
        recipient_user_id=outsider.id, status=ReminderStatus.FAILED, attempts=5, last_error="relay refused",
    )  # fmt: skip
    assert on_partnership.id and to_outsider.id

    manager = _section(sign_in(user=people.manager).get("/dashboard").text, "failed-heading")
    assert "mailbox unavailable" in manager and "relay refused" not in manager
    assert agreement.title in manager and "someone@partner.example" in manager
    mine = _section(sign_in(user=outsider).get("/dashboard").text, "failed-heading")
    assert "relay refused" in mine and "mailbox unavailable" not in mine
    admin = _section(sign_in(Role.ADMIN).get("/dashboard").text, "failed-heading")
    assert "relay refused" in admin and "mailbox unavailable" in admin


def test_my_next_reminders_say_what_they_are_about_and_when_they_go(sign_in, session, make_user):
    people = cast(make_user)
    agreement = _active(session, people, 300)
    someone = make_user(Role.PROJECT_MANAGER)
    send_at = clock.now() + timedelta(days=12)
    _reminder(session, subject_id=agreement.id, partnership_id=agreement.partnership_id, kind=ReminderKind.END_DATE,
              recipient_email=someone.email, recipient_user_id=someone.id, send_at=send_at)  # fmt: skip
    _reminder(session, subject_id=agreement.id, kind=ReminderKind.NOTICE_DEADLINE,
              recipient_email="another@example.org", send_at=send_at)  # fmt: skip

    upcoming = _section(sign_in(user=someone).get("/dashboard").text, "upcoming-heading")
    assert "End date" in upcoming
    assert agreement.title in upcoming and agreement.partnership.reference in upcoming
    assert "Notice deadline" not in upcoming
    local = send_at.astimezone(get_settings().zone)
    assert f"{local.day} {local:%b %Y %H:%M}" in upcoming


def test_a_reminder_being_retried_after_an_smtp_refusal_shows_on_the_admin_dashboard(sign_in, session, make_user):
    people = cast(make_user)
    agreement = _active(session, people, 300)
    retrying = _reminder(
        session, subject_id=agreement.id, partnership_id=agreement.partnership_id,
        recipient_email="ana@partner.example", status=ReminderStatus.PLANNED, attempts=1,
        last_error="SMTPDataError: the SMTP server replied 550 5.7.1 Relaying denied",
        next_attempt_at=clock.now() + timedelta(minutes=1),
    )  # fmt: skip
    admin = _section(sign_in(Role.ADMIN).get("/dashboard").text, "failed-heading")
    assert f"Reminder {retrying.id} to ana@partner.example" in admin
    assert "550 5.7.1 Relaying denied" in admin and "next try" in admin
