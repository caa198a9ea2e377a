"""Subjects stay under 78 characters (the whole header line) with the essentials first (what, when, which partner),
for every reminder kind and however long the partner's name, title or obligation is."""

from __future__ import annotations

from datetime import date

import pytest

from app.reminders.email import ReminderContext, subject_line
from app.reminders.models import Reminder, ReminderKind

TODAY = date(2027, 3, 1)
DUE = date(2027, 3, 31)
LONG_PARTNER = "Ассоциация «Мост» International Federation of Water, Sanitation and Hygiene Partners & Associates"
LONG_TITLE = "Memorandum of understanding on water, sanitation and hygiene in schools and health centres " * 2
KINDS = [
    (ReminderKind.END_DATE, "Ends 31 Mar 2027 (in 30 days): "),
    (ReminderKind.NOTICE_DEADLINE, "Notice deadline 31 Mar 2027 (in 30 days): "),
    (ReminderKind.OBLIGATION_DUE, "Obligation due 31 Mar 2027 (in 30 days): "),
    (ReminderKind.OBLIGATION_OVERDUE, "Obligation overdue since 31 Mar 2027: "),
]


def _context(partners: str, obligation: str | None) -> ReminderContext:
    return ReminderContext(
        partnership_id=1, reference="PSHIP-2026-0042", partnership_title=LONG_TITLE, agreement_title=LONG_TITLE,
        end_date=DUE, notice_period_days=30, obligation=obligation, party=partners, partners=partners,
    )  # fmt: skip


def _subject(kind: ReminderKind, partners: str, obligation: str | None = None, today: date = TODAY) -> str:
    reminder = Reminder(kind=kind, due_on=DUE, offset_days=30, recipient_email="a@example.org")
    return subject_line(reminder, _context(partners, obligation), today)


@pytest.mark.parametrize(("kind", "head"), KINDS)
@pytest.mark.parametrize("partner", [LONG_PARTNER, "UNICEF & Ministry of Health of the Republic of " + "X" * 80])
def test_a_long_partner_name_is_shortened_with_an_ellipsis_after_what_and_when(kind, head, partner):
    obligation = "Send the annual report with audited accounts and all annexes " * 3
    subject = _subject(kind, partner, obligation if kind.value.startswith("obligation") else None)
    assert len(subject) <= 69 and len(f"Subject: {subject}") <= 78, subject
    assert subject.startswith(head), subject
    assert "…" in subject and subject[len(head) :].startswith(partner[:10]), subject
    assert "\n" not in subject


@pytest.mark.parametrize(("kind", "head"), KINDS)
def test_a_short_partner_keeps_the_obligation_and_the_reference_when_they_fit(kind, head):
    obligation = "Report" if kind.value.startswith("obligation") else None
    subject = _subject(kind, "UNICEF", obligation)
    assert len(subject) <= 69 and len(f"Subject: {subject}") <= 78
    essential = f"{head}UNICEF" + (" — Report" if obligation else "")
    with_reference = f"{essential} [PSHIP-2026-0042]"
    assert subject == (with_reference if len(with_reference) <= 69 else essential)
    if kind == ReminderKind.END_DATE:
        assert subject == with_reference


def test_an_end_date_already_passed_reads_in_the_past():
    subject = _subject(ReminderKind.END_DATE, "UNICEF", today=date(2027, 4, 2))
    assert subject.startswith("Ended 31 Mar 2027 (2 days ago)")
