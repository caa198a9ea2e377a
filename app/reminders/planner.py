"""The planner: which reminders an agreement and its obligations should have, reconciled with the outbox.

Reminders are rows planned ahead. Planning is idempotent: run it again and nothing changes. When a date
moves, the pending reminder is rescheduled (same row, new date); one that no longer applies is cancelled;
one already sent is never sent again (its key stays taken).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement, AgreementKind
from app.config import Settings, get_settings
from app.i18n import DEFAULT_LANGUAGE, use_language
from app.obligations.models import Obligation
from app.organisations.models import Contact
from app.reminders import outbox
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.reminders.reasons import agreement_reason, leftover_reason, obligation_reason
from app.workflow.definition import states

PENDING = (ReminderStatus.PLANNED, ReminderStatus.FAILED)
CARRIES_OVER = {AgreementKind.AMENDMENT, AgreementKind.EXTENSION}


@dataclass(frozen=True)
class Policy:
    """When to remind and whom: the global settings, overridden per agreement."""

    end_date_days: tuple[int, ...]
    notice_days: tuple[int, ...]
    obligation_days: tuple[int, ...]
    on_overdue: bool
    focal_points: bool
    cc: tuple[str, ...]
    send_hour: int


POLICY_FIELDS = ("end_date_days", "notice_days", "obligation_days", "on_overdue", "focal_points", "cc")


def policy_for(agreement: Agreement, settings: Settings | None = None) -> Policy:
    """The reminder policy of ``agreement``: its own overrides on top of the global settings."""
    settings = settings or get_settings()
    own: dict[str, Any] = agreement.reminder_policy or {}
    return Policy(
        end_date_days=tuple(own.get("end_date_days", settings.remind_end_date_days)),
        notice_days=tuple(own.get("notice_days", settings.remind_notice_days)),
        obligation_days=tuple(own.get("obligation_days", settings.remind_obligation_days)),
        on_overdue=bool(own.get("on_overdue", settings.remind_on_overdue)),
        focal_points=bool(own.get("focal_points", settings.remind_focal_points)),
        cc=tuple(own.get("cc", settings.remind_cc)),
        send_hour=settings.remind_send_hour,
    )


@dataclass(frozen=True)
class Wanted:
    """A reminder the facts call for."""

    kind: ReminderKind
    subject_type: str
    subject_id: int
    due_on: date
    offset_days: int
    recipient_email: str
    recipient_user_id: int | None

    @property
    def send_day(self) -> date:
        """The local day it goes out."""
        return self.due_on - timedelta(days=self.offset_days)

    @property
    def slot(self) -> tuple[str, int, str]:
        """What stays the same when only the date moves: kind, offset and recipient."""
        return (self.kind.value, self.offset_days, self.recipient_email)

    @property
    def dedupe_key(self) -> str:
        """One alert, one key: subject, kind, date and recipient."""
        return f"{self.subject_type}:{self.subject_id}:{self.kind.value}:{self.send_day}:{self.recipient_email}"

    @property
    def series(self) -> str:
        """The reminders of one deadline for one recipient."""
        return f"{self.subject_type}:{self.subject_id}:{self.kind.value}:{self.recipient_email}"


def _withdrawn_parties(session: Session, agreement: Agreement) -> set[int]:
    """The parties whose withdrawal from ``agreement`` has taken effect."""
    from app.agreements.models import PartyWithdrawal, WithdrawalStatus

    if agreement.id is None:
        return set()
    stmt = select(PartyWithdrawal.party_id).where(
        PartyWithdrawal.agreement_id == agreement.id, PartyWithdrawal.status == WithdrawalStatus.EFFECTIVE
    )
    return set(session.scalars(stmt))


def _withdrawals_wanted(session: Session, agreement: Agreement, policy: Policy) -> list[Wanted]:
    """The owner hears before each pending withdrawal of a partner party takes effect (at the notice offsets)."""
    from app.agreements.models import PartyWithdrawal, WithdrawalStatus

    owner = agreement.partnership.owner
    if agreement.id is None or owner is None or not owner.is_active:
        return []
    stmt = select(PartyWithdrawal.effective_on).where(
        PartyWithdrawal.agreement_id == agreement.id, PartyWithdrawal.status == WithdrawalStatus.PENDING
    )
    return [
        Wanted(ReminderKind.WITHDRAWAL, "agreement", agreement.id, day, days, owner.email.lower(), owner.id)
        for day in sorted(set(session.scalars(stmt)))
        for days in sorted({*policy.notice_days, 0}, reverse=True)
    ]


def _recipients(session: Session, agreement: Agreement, policy: Policy) -> list[tuple[str, int | None]]:
    partnership = agreement.partnership
    found: dict[str, int | None] = {}
    for user in (partnership.owner, partnership.legal_officer):
        if user is not None and user.is_active:
            found.setdefault(user.email.lower(), user.id)
    if policy.focal_points:
        gone = _withdrawn_parties(session, agreement)
        for party in partnership.parties:
            if party.id in gone:  # a party that has left the agreement gets no more of its reminders
                continue
            contact = session.get(Contact, party.focal_point_id) if party.focal_point_id else None
            if contact is not None and contact.email:
                found.setdefault(contact.email.lower(), None)
    for email in policy.cc:
        found.setdefault(email.lower(), None)
    return list(found.items())


def _in_force(session: Session, agreement: Agreement) -> bool:
    """Whether obligations under ``agreement`` are being carried out now (also through an amendment)."""
    running = states("agreement", group="running")
    if agreement.status in running:
        return True
    if agreement.status not in states("agreement", group="replaced"):
        return False
    children = select(Agreement).where(Agreement.parent_id == agreement.id, Agreement.status.in_(sorted(running)))
    return any(child.kind in CARRIES_OVER for child in session.scalars(children))


def _wanted_for_agreement(session: Session, agreement: Agreement) -> list[Wanted]:
    if agreement.status not in states("agreement", group="in_force") or agreement.end_date is None:
        return []
    policy = policy_for(agreement)
    deadlines = [(ReminderKind.END_DATE, agreement.end_date, policy.end_date_days)]
    if agreement.notice_period_days > 0:
        notice_deadline = agreement.end_date - timedelta(days=agreement.notice_period_days)
        deadlines.append((ReminderKind.NOTICE_DEADLINE, notice_deadline, policy.notice_days))
    return _withdrawals_wanted(session, agreement, policy) + [
        Wanted(kind, "agreement", agreement.id, due, days, email, user_id)
        for kind, due, offsets in deadlines
        for days in offsets
        for email, user_id in _recipients(session, agreement, policy)
    ]


def _wanted_for_obligation(session: Session, obligation: Obligation) -> list[Wanted]:
    agreement = obligation.agreement
    open_states = states("obligation", group="open")
    if obligation.status not in open_states or obligation.due_date is None or not _in_force(session, agreement):
        return []
    policy = policy_for(agreement)
    plan = [(ReminderKind.OBLIGATION_DUE, days) for days in policy.obligation_days]
    if policy.on_overdue:
        plan.append((ReminderKind.OBLIGATION_OVERDUE, -1))  # the first day it is overdue
    recipients = _recipients(session, agreement, policy)
    if obligation.responsible_email and obligation.responsible_email.lower() not in {e for e, _ in recipients}:
        recipients.append((obligation.responsible_email.lower(), None))
    return [
        Wanted(kind, "obligation", obligation.id, obligation.due_date, days, email, user_id)
        for kind, days in plan
        for email, user_id in recipients
    ]


def _send_at(day: date, policy_hour: int) -> datetime:
    settings = get_settings()
    return datetime.combine(day, time(policy_hour), tzinfo=settings.zone)


@dataclass(frozen=True)
class Subject:
    """One subject whose pending reminders are to match what its facts call for."""

    subject_type: str
    subject_id: int
    wanted: list[Wanted]
    partnership_id: int
    reason: str  # why its pending reminders are cancelled when it wants none (else each says what changed)
    adopt_from: tuple[str, int] | None = None
    withdraw: bool = False  # its deadlines are gone for good: withdraw the calendar events already sent


def _reconcile_many(session: Session, today: date, subjects: list[Subject]) -> None:
    """Make the pending reminders of each subject match what it wants, with a few queries for all of them."""
    hour = get_settings().remind_send_hour
    looked_up = {(s.subject_type, s.subject_id) for s in subjects} | {s.adopt_from for s in subjects if s.adopt_from}
    found: dict[tuple[str, int], list[Reminder]] = {}
    for kind in {kind for kind, _identifier in looked_up}:
        ids = sorted(identifier for other, identifier in looked_up if other == kind)
        for start in range(0, len(ids), 500):
            stmt = select(Reminder).where(
                Reminder.subject_type == kind, Reminder.subject_id.in_(ids[start : start + 500]),
                Reminder.status.in_(PENDING), Reminder.kind != ReminderKind.DEADLINE_CANCELLED,
            )  # fmt: skip
            for row in session.scalars(stmt.order_by(Reminder.id)):
                found.setdefault((row.subject_type, row.subject_id), []).append(row)
    plans = []
    for subject in subjects:
        pending: dict[tuple[str, int, str], Reminder] = {}
        for key in [(subject.subject_type, subject.subject_id), *([subject.adopt_from] if subject.adopt_from else [])]:
            for row in found.get(key, []):
                pending.setdefault((row.kind.value, row.offset_days, row.recipient_email), row)
        plans.append((subject, pending))
    keys = [w.dedupe_key for s, pending in plans for w in s.wanted if w.slot not in pending and w.send_day >= today]
    taken_by_key: dict[str, Reminder] = {}
    for start in range(0, len(keys), 500):
        chunk = select(Reminder).where(Reminder.dedupe_key.in_(keys[start : start + 500]))
        taken_by_key.update({row.dedupe_key: row for row in session.scalars(chunk)})
    for subject, pending in plans:
        _reconcile_one(session, today, hour, subject, pending, taken_by_key)
    session.flush()


def _reconcile_one(
    session: Session,
    today: date,
    hour: int,
    subject: Subject,
    pending: dict[tuple[str, int, str], Reminder],
    taken_by_key: dict[str, Reminder],
) -> None:
    subject_type, subject_id = subject.subject_type, subject.subject_id
    for item in subject.wanted:
        row = pending.pop(item.slot, None)
        if row is not None:
            if (row.subject_type, row.subject_id, row.due_on) != (subject_type, subject_id, item.due_on):
                row.subject_type, row.subject_id, row.due_on = subject_type, subject_id, item.due_on
                row.dedupe_key, row.series = item.dedupe_key, item.series
                row.send_at, row.next_attempt_at = _send_at(item.send_day, hour), None
                outbox.move(row, ReminderStatus.PLANNED)
                row.attempts, row.last_error = 0, None
            continue
        if item.send_day < today:
            continue  # its day has passed before it was ever planned: not worth an email now
        taken = taken_by_key.get(item.dedupe_key)
        if taken is not None:
            if taken.status in (ReminderStatus.CANCELLED, ReminderStatus.SKIPPED):  # applies again: revive it
                outbox.move(taken, ReminderStatus.PLANNED)
                taken.cancel_reason, taken.attempts, taken.last_error = None, 0, None
                taken.send_at, taken.next_attempt_at = _send_at(item.send_day, hour), None
            continue  # sent or being sent: never again
        session.add(
            Reminder(
                dedupe_key=item.dedupe_key,
                series=item.series,
                subject_type=subject_type,
                subject_id=subject_id,
                partnership_id=subject.partnership_id,
                kind=item.kind,
                due_on=item.due_on,
                offset_days=item.offset_days,
                send_at=_send_at(item.send_day, hour),
                recipient_email=item.recipient_email,
                recipient_user_id=item.recipient_user_id,
            )
        )
    slots = [item.slot for item in subject.wanted]
    for row in pending.values():
        if (row.subject_type, row.subject_id) == (subject_type, subject_id):
            outbox.move(row, ReminderStatus.CANCELLED)
            row.cancel_reason = leftover_reason(row, slots) if slots else subject.reason
    if subject.withdraw:
        _withdraw_sent_events(session, today, subject)


def _withdraw_sent_events(session: Session, today: date, subject: Subject) -> None:
    """Plan one e-mail per recipient and deadline whose calendar event went out: it cancels that event."""
    sent = select(Reminder).where(
        Reminder.subject_type == subject.subject_type, Reminder.subject_id == subject.subject_id,
        Reminder.status == ReminderStatus.SENT, Reminder.kind != ReminderKind.DEADLINE_CANCELLED,
        Reminder.due_on >= today,
    )  # fmt: skip
    events: dict[tuple[str, str, date], Reminder] = {}
    for row in session.scalars(sent.order_by(Reminder.id)):
        kind = ReminderKind.OBLIGATION_DUE if subject.subject_type == "obligation" else row.kind  # one event
        events.setdefault((kind.value, row.recipient_email, row.due_on), row)
    hour = get_settings().remind_send_hour
    for (kind, email, due_on), row in events.items():
        key = f"{subject.subject_type}:{subject.subject_id}:{kind}:cancel:{due_on}:{email}"
        if session.scalars(select(Reminder.id).where(Reminder.dedupe_key == key)).first() is not None:
            continue
        session.add(
            Reminder(
                dedupe_key=key,
                series=f"{subject.subject_type}:{subject.subject_id}:{kind}:{email}:cancel",
                subject_type=subject.subject_type,
                subject_id=subject.subject_id,
                partnership_id=subject.partnership_id,
                kind=ReminderKind.DEADLINE_CANCELLED,
                due_on=due_on,
                offset_days=0,
                send_at=min(clock.now(), _send_at(today, hour)),
                recipient_email=email,
                recipient_user_id=row.recipient_user_id,
                cancel_reason=subject.reason,
            )
        )


def _gone_for_good(agreement: Agreement) -> bool:
    """Whether the agreement's deadlines are withdrawn (terminated, ended), not carried on by a successor."""
    closed, replaced = states("agreement", group="closed"), states("agreement", group="replaced")
    return agreement.status in closed and agreement.status not in replaced


def plan_agreement(session: Session, agreement: Agreement) -> None:
    """Plan (or re-plan) the end-date and notice reminders of an agreement and those of its obligations.

    An amendment or extension in force takes over the pending reminders of the agreement it modifies, so
    extending an agreement reschedules them rather than sending both.
    """
    plan_agreements(session, [agreement])


def plan_agreements(session: Session, agreements: list[Agreement]) -> None:
    """``plan_agreement`` for each of several agreements, with a few queries for all of them (an import's batch)."""
    today = clock.today(get_settings().zone)
    subjects = []
    for agreement in agreements:
        adopt = None
        if (
            agreement.status in states("agreement", group="running")
            and agreement.parent_id
            and agreement.kind in (*CARRIES_OVER, AgreementKind.RENEWAL)
        ):
            adopt = ("agreement", agreement.parent_id)
        wanted = _wanted_for_agreement(session, agreement)
        with use_language(DEFAULT_LANGUAGE):  # stored in English; each e-mail says it in its reader's language
            reason = "" if wanted else agreement_reason(session, agreement)
        withdraw = not wanted and _gone_for_good(agreement)
        subjects.append(Subject("agreement", agreement.id, wanted, agreement.partnership_id, reason, adopt, withdraw))
    _reconcile_many(session, today, subjects)
    ids = {agreement.id for agreement in agreements}
    ids |= {a.parent_id for a in agreements if a.parent_id and a.kind in CARRIES_OVER}
    for obligation in session.scalars(select(Obligation).where(Obligation.agreement_id.in_(sorted(ids)))):
        plan_obligation(session, obligation)


def plan_obligation(session: Session, obligation: Obligation) -> None:
    """Plan (or re-plan) the reminders of one obligation: before it falls due and on the day it is overdue."""
    today = clock.today(get_settings().zone)
    wanted = _wanted_for_obligation(session, obligation)
    with use_language(DEFAULT_LANGUAGE):  # stored in English; each e-mail says it in its reader's language
        reason = "" if wanted else obligation_reason(session, obligation)
    withdraw = not wanted and (
        obligation.status in states("obligation", group="waived") or _gone_for_good(obligation.agreement)
    )
    subject = Subject("obligation", obligation.id, wanted, obligation.agreement.partnership_id, reason, None, withdraw)
    _reconcile_many(session, today, [subject])
