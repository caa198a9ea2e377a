"""The iCalendar feeds: a user's deadlines (what they answer for), and a partnership's (safe to show its partners).

The events are those of the reminder e-mails' attachments (app.reminders.calendar): the same deadline has the same
UID in the feed and in every e-mail (an agreement's end date and notice deadline are named after the first
agreement of its chain, an obligation after itself) and the same SEQUENCE, which grows as the deadline moves, so an
extension moves the event rather than adding one.

Choices made for subscriptions (a calendar program refreshes the whole feed and mirrors it):
- a deadline that is gone (its agreement terminated, expired or cancelled; its obligation fulfilled or waived) is
  left out of the feed. Every subscribing program (Google Calendar, Apple Calendar, Outlook, Thunderbird) removes
  an event whose UID is no longer in the feed, whereas several show an event marked ``STATUS:CANCELLED`` in a
  published feed as if it still held. The e-mailed invitations, which live in the reader's own calendar, are
  withdrawn by their own ``METHOD:CANCEL`` message (the planner's ``deadline_cancelled`` reminders);
- ``DTSTAMP`` and ``LAST-MODIFIED`` are when the deadline's records last changed (RFC 5545 lets DTSTAMP be the
  revision time), not when the feed was built: an unchanged feed is byte for byte the same, so its ETag holds and
  a refresh is answered ``304 Not Modified``;
- all-day events on the deadline's calendar date, which is a date in the organisation's timezone (named in
  ``X-WR-TIMEZONE``);
- each occurrence of a recurring obligation within ``RECURRING_HORIZON_DAYS`` is its own event: the current one
  under the obligation's UID (the one its e-mails carry), each later one under a UID of its own date.

Size: the two feeds share their queries, event builders and wording; split, each half would import the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement, AgreementKind
from app.calendars import ics
from app.config import Settings, get_settings
from app.i18n import MAIL, current_language, format_date, use_language
from app.obligations.models import Obligation
from app.obligations.rules import MONTHS, add_months
from app.partnerships.models import Partnership, partnership_co_owners
from app.reminders.calendar import CARRIES_ON, sender_domain
from app.users.models import User
from app.workflow.definition import states

_ = MAIL.gettext

RECURRING_HORIZON_DAYS = 400
"""How far ahead the later occurrences of a recurring obligation are shown (a year and a bit: next year's too)."""
MAX_OCCURRENCES = 24
"""At most this many events per recurring obligation (a monthly one shows its next two years at most)."""
CARRIES_OVER = {AgreementKind.AMENDMENT, AgreementKind.EXTENSION}  # obligations continue under these (the planner's)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedEvent:
    """One deadline as it shows in a calendar."""

    uid: str
    sequence: int
    day: date
    summary: str
    description: str
    modified: datetime
    url: str | None = None


@dataclass
class _Row:
    """What the feed reads of one agreement (a row of one query, never a loaded entity)."""

    id: int
    parent_id: int | None
    kind: AgreementKind
    title: str
    reference: str | None
    status: str
    end_date: date | None
    notice_period_days: int
    version: int
    updated_at: datetime
    partnership_id: int
    partnership_reference: str
    partnership_title: str


@lru_cache(maxsize=4096)
def _long_date(value: date, language: str) -> str:
    return format_date(value, "long", language)


def long_date(value: date) -> str:
    """A date as people write it in the language in use (cached: a feed writes thousands)."""
    return _long_date(value, current_language())


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return EPOCH
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _agreement_rows(session: Session, where: Any) -> dict[int, _Row]:
    stmt = (
        select(
            Agreement.id, Agreement.parent_id, Agreement.kind, Agreement.title, Agreement.reference, Agreement.status,
            Agreement.end_date, Agreement.notice_period_days, Agreement.version, Agreement.updated_at,
            Agreement.partnership_id, Partnership.reference, Partnership.title,
        )
        .join(Partnership, Partnership.id == Agreement.partnership_id)
        .where(where)
    )  # fmt: skip
    return {row[0]: _Row(*row) for row in session.execute(stmt)}


def _chain(rows: dict[int, _Row], row: _Row) -> list[_Row]:
    """The agreement and those it carries on from, newest first (as the e-mails' ``_agreement_chain``)."""
    chain = [row]
    while chain[-1].parent_id is not None and chain[-1].kind in CARRIES_ON and len(chain) < 100:
        parent = rows.get(chain[-1].parent_id)
        if parent is None:
            break
        chain.append(parent)
    return chain


class _Words:
    """The events' words in the reader's language (call inside ``use_language``)."""

    def __init__(self, *, partner: bool) -> None:
        self.partner = partner
        self._about: dict[int, str] = {}

    @staticmethod
    def agreement(row: _Row) -> str:
        return f"{row.title} [{row.reference}]" if row.reference else row.title

    def about(self, row: _Row) -> str:
        """What the deadline is under: the agreement (and, for the organisation's people, the partnership)."""
        if row.id not in self._about:
            self._about[row.id] = self._describe(row)
        return self._about[row.id]

    def _describe(self, row: _Row) -> str:
        if self.partner:
            return _("Agreement: {agreement}", agreement=self.agreement(row))
        return "\n".join(
            (
                _("Agreement: {agreement}", agreement=self.agreement(row)),
                _(
                    "Partnership: {title} [{reference}]",
                    title=row.partnership_title,
                    reference=row.partnership_reference,
                ),
            )
        )


def _agreement_events(
    rows: dict[int, _Row], wanted: Iterable[_Row], domain: str, words: _Words, link: Any
) -> list[FeedEvent]:
    in_force = states("agreement", group="in_force")
    events = []
    for row in wanted:
        if row.status not in in_force or row.end_date is None:
            continue
        chain = _chain(rows, row)
        root = chain[-1].id
        sequence = max(sum(item.version for item in chain) - 1, 0)
        modified = max(_utc(item.updated_at) for item in chain)
        url = link(row)
        ends = long_date(row.end_date)
        events.append(
            FeedEvent(
                f"agreement-{root}-end-date@{domain}",
                sequence,
                row.end_date,
                _("Ends: {agreement}", agreement=words.agreement(row)),
                "\n".join((_("The agreement ends on {date}.", date=ends), words.about(row))),
                modified,
                url,
            )
        )
        if row.notice_period_days > 0:
            notice_day = row.end_date - timedelta(days=row.notice_period_days)
            notice = MAIL.ngettext(
                "Last day to give notice: the notice period is {n} day before the end on {date}.",
                "Last day to give notice: the notice period is {n} days before the end on {date}.",
                row.notice_period_days,
                date=ends,
            )
            events.append(
                FeedEvent(
                    f"agreement-{root}-notice-deadline@{domain}",
                    sequence,
                    notice_day,
                    _("Notice deadline: {agreement}", agreement=words.agreement(row)),
                    "\n".join((notice, words.about(row))),
                    modified,
                    url,
                )
            )
    return events


def _live_agreements(rows: dict[int, _Row]) -> set[int]:
    """The agreements whose obligations are being carried out now (also through an amendment or extension)."""
    running, replaced = states("agreement", group="running"), states("agreement", group="replaced")
    live = {row.id for row in rows.values() if row.status in running}
    for row in rows.values():
        if row.status in running and row.kind in CARRIES_OVER and row.parent_id is not None:
            parent = rows.get(row.parent_id)
            if parent is not None and parent.status in replaced:
                live.add(parent.id)
    return live


def _obligation_query(where_agreement: Any, today: date) -> Select[Any]:
    return select(
        Obligation.id, Obligation.agreement_id, Obligation.party_id, Obligation.description, Obligation.due_date,
        Obligation.recurrence, Obligation.recurrence_until, Obligation.responsible_email, Obligation.version,
        Obligation.updated_at,
    ).where(
        Obligation.agreement_id.in_(select(Agreement.id).where(where_agreement)),
        Obligation.status.in_(sorted(states("obligation", group="open"))),
        Obligation.due_date.is_not(None),
    )  # fmt: skip


def _occurrences(first: date, recurrence: Any, until: date | None, today: date) -> list[date]:
    """The due dates after ``first`` of a recurring obligation, up to the horizon (``first`` itself excluded)."""
    if recurrence is None:
        return []
    horizon = today + timedelta(days=RECURRING_HORIZON_DAYS)
    days, following = [], first
    for step in range(1, MAX_OCCURRENCES):
        following = add_months(first, MONTHS[recurrence] * step)
        if following > horizon or (until is not None and following > until):
            break
        days.append(following)
    return days


def _obligation_events(
    rows: dict[int, _Row], obligations: Iterable[Any], domain: str, words: _Words, link: Any, today: date
) -> list[FeedEvent]:
    live = _live_agreements(rows)
    events = []
    for item in obligations:
        row = rows.get(item.agreement_id)
        if row is None or row.id not in live:
            continue
        sequence, modified = max(item.version - 1, 0), _utc(item.updated_at)
        summary = _("Due: {obligation} [{reference}]", obligation=" ".join(item.description.split())[:120],
                    reference=row.reference or row.title)  # fmt: skip
        url = link(row)
        until = item.recurrence_until or row.end_date
        later = _occurrences(item.due_date, item.recurrence, until, today)
        for number, day in enumerate([item.due_date, *later]):
            name = f"obligation-{item.id}-due" if number == 0 else f"obligation-{item.id}-due-{day:%Y%m%d}"
            uid = f"{name}@{domain}"
            lines = [item.description.strip(), _("Due on {date}.", date=long_date(day))]
            if later:
                lines.append(_("A recurring obligation: each occurrence is recorded as done when it is."))
            lines.append(words.about(row))
            events.append(FeedEvent(uid, sequence, day, summary, "\n".join(lines), modified, url))
    return events


def _calendar(name: str, events: list[FeedEvent], settings: Settings, language: str) -> bytes:
    ordered = sorted(events, key=lambda event: (event.day, event.uid))
    return ics.calendar(
        name,
        settings.timezone,
        language,
        (
            ics.AllDayEvent(
                e.uid, e.sequence, e.day, e.day + timedelta(days=1), e.modified, e.summary, e.description, e.url
            )
            for e in ordered
        ),
    )


def responsible_partnerships(user: User) -> Select[Any]:
    """The partnerships whose deadlines ``user`` answers for: as owner, co-owner or legal officer."""
    co_owned = select(partnership_co_owners.c.partnership_id).where(partnership_co_owners.c.user_id == user.id)
    return select(Partnership.id).where(
        or_(Partnership.owner_id == user.id, Partnership.legal_officer_id == user.id, Partnership.id.in_(co_owned))
    )


def user_events(session: Session, user: User, settings: Settings | None = None) -> list[FeedEvent]:
    """The deadlines ``user`` answers for, in the language in use, read with three queries whatever their number.

    The end dates and notice deadlines of the agreements in force of the partnerships they own, co-own or are the
    legal officer of; the open obligations of those agreements (each occurrence of a recurring one ahead); and the
    open obligations anywhere whose responsible address is theirs.
    """
    settings = settings or get_settings()
    today = clock.today(settings.zone)
    domain = sender_domain(settings.smtp_sender)
    email = user.email.lower()
    mine = set(session.scalars(responsible_partnerships(user)))
    by_email = select(Agreement.partnership_id).join(Obligation, Obligation.agreement_id == Agreement.id)
    by_email = by_email.where(func.lower(Obligation.responsible_email) == email)
    reach = or_(Agreement.partnership_id.in_(responsible_partnerships(user)), Agreement.partnership_id.in_(by_email))
    rows = _agreement_rows(session, reach)
    base = settings.base_url.rstrip("/")

    def link(row: _Row) -> str:
        return f"{base}/partnerships/{row.partnership_id}"

    words = _Words(partner=False)
    events = _agreement_events(rows, [row for row in rows.values() if row.partnership_id in mine], domain, words, link)
    obligations = [
        item
        for item in session.execute(_obligation_query(reach, today))
        if rows[item.agreement_id].partnership_id in mine or (item.responsible_email or "").lower() == email
    ]
    events += _obligation_events(rows, obligations, domain, words, link, today)
    return events


@dataclass(frozen=True)
class Feed:
    """A feed as served: its body and when what it shows last changed (``None``: it shows nothing)."""

    body: bytes
    last_modified: datetime | None


def user_calendar(session: Session, user: User, settings: Settings | None = None) -> Feed:
    """The iCalendar feed of ``user``'s deadlines, in their language (see :func:`user_events`)."""
    settings = settings or get_settings()
    with use_language(user.language) as language:
        events = user_events(session, user, settings)
        name = _("Deadlines of {name}", name=user.full_name)
        return Feed(_calendar(name, events, settings, language), last_modified(events))


def user_feed(session: Session, user: User, settings: Settings | None = None) -> bytes:
    """The iCalendar feed of ``user``'s deadlines, in their language, as bytes."""
    return user_calendar(session, user, settings).body


def partnership_events(
    session: Session, partnership_id: int, settings: Settings | None = None, *, party_id: int | None = None
) -> list[FeedEvent]:
    """A partnership's deadlines as its partners may see them, in the language in use.

    The end dates and notice deadlines of its agreements in force and the open obligations its partner parties owe
    (only party ``party_id``'s when given: a partner link's feed shows no other party's duties); never a link into
    the register, the partnership's internal reference or title, or the organisation's own obligations (staff-only).
    """
    settings = settings or get_settings()
    today = clock.today(settings.zone)
    domain = sender_domain(settings.smtp_sender)
    where = Agreement.partnership_id == partnership_id
    rows = _agreement_rows(session, where)
    words = _Words(partner=True)

    def no_link(_row: _Row) -> None:
        return None

    events = _agreement_events(rows, rows.values(), domain, words, no_link)
    owed_by_partners = [
        item
        for item in session.execute(_obligation_query(where, today))
        if item.party_id is not None and party_id in (None, item.party_id)
    ]
    events += _obligation_events(rows, owed_by_partners, domain, words, no_link, today)
    return events


def partnership_feed(
    session: Session, partnership_id: int, *, language: str | None = None, settings: Settings | None = None
) -> bytes:
    """The iCalendar feed of one partnership for its partners, in ``language`` (see :func:`partnership_events`).

    An unknown partnership gives an empty calendar; the caller checks it exists and who may read it.
    """
    return partnership_calendar(session, partnership_id, language=language, settings=settings).body


def partnership_calendar(
    session: Session,
    partnership_id: int,
    *,
    language: str | None = None,
    settings: Settings | None = None,
    party_id: int | None = None,
) -> Feed:
    """:func:`partnership_feed` with when what it shows last changed (one party's obligations with ``party_id``)."""
    settings = settings or get_settings()
    with use_language(language) as chosen:
        events = partnership_events(session, partnership_id, settings, party_id=party_id)
        name = _("Agreement deadlines with {organisation}", organisation=settings.organisation_name)
        return Feed(_calendar(name, events, settings, chosen), last_modified(events))


def last_modified(events: Iterable[FeedEvent]) -> datetime | None:
    """The latest change among ``events`` (for ``Last-Modified``), or ``None`` when there is none."""
    return max((event.modified for event in events), default=None)
