"""Screening: load a list, screen organisations against it, remember reviewers' decisions, say who is blocked.

An organisation's status against the current list: *unscreened* (never screened, screened against an older list,
or renamed since), *clear* (no open hit), *pending* (a potential match awaits a decision) or *confirmed* (a
reviewer confirmed a match). A decision holds for the entry's content as decided: a new version of the entry
re-opens it. Services flush; the caller (request, job, CLI) commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.db import utcnow
from app.errors import NotFound, invalid
from app.i18n import MESSAGES
from app.organisations.models import Organisation
from app.screening.matching import Match, Matcher
from app.screening.models import (
    HitStatus,
    OrganisationScreening,
    ScreeningEntry,
    ScreeningHit,
    ScreeningList,
    ScreeningStatus,
)
from app.users.policy import Action, require
from app.workflow.actor import Actor

SOURCE = "UN Security Council Consolidated List"
BATCH = 2000
_MATCHERS: dict[tuple[int, str], Matcher] = {}


@dataclass
class LoadReport:
    """What a load changed: entries added, removed and changed, and the hits it found or re-opened."""

    list_id: int
    entries: int
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)
    new_hits: list[tuple[int, str, str, float]] = field(default_factory=list)
    reopened: list[tuple[int, str, str]] = field(default_factory=list)
    organisations: int = 0
    seconds: float = 0.0
    unchanged_file: bool = False


def threshold() -> float:
    """The score at and above which a name is a potential match (``AGREEMENTS_SCREENING_THRESHOLD``)."""
    return get_settings().screening_threshold


def current_list(session: Session) -> ScreeningList | None:
    """The list loaded last, or None when none has been loaded."""
    return session.scalars(select(ScreeningList).order_by(ScreeningList.id.desc()).limit(1)).first()


def matcher_for(session: Session, loaded: ScreeningList) -> Matcher:
    """The matcher of ``loaded`` (built once per process and list)."""
    key = (loaded.id, loaded.sha256)
    if key not in _MATCHERS:
        rows = session.execute(
            select(ScreeningEntry.data_id, ScreeningEntry.names, ScreeningEntry.countries, ScreeningEntry.kind)
            .where(ScreeningEntry.list_id == loaded.id)
            .order_by(ScreeningEntry.id)
        ).all()
        _MATCHERS.clear()
        _MATCHERS[key] = Matcher([tuple(row) for row in rows])
    return _MATCHERS[key]


def organisation_names(organisation: Organisation) -> list[tuple[str, str]]:
    """The names an organisation is screened by: its legal name and its short name or acronym."""
    names = [("legal_name", organisation.legal_name)]
    if organisation.short_name and organisation.short_name.strip():
        names.append(("short_name", organisation.short_name))
    return names


def names_key(organisation: Organisation) -> str:
    """A hash of what screening reads of the organisation: a change makes its screening stale."""
    text = "\x1f".join([*(name for _field, name in organisation_names(organisation)), organisation.country_code or ""])
    return hashlib.sha256(text.encode()).hexdigest()


# loading ---------------------------------------------------------------------------------------------------------


def rescreen_all(session: Session, loaded: ScreeningList | None = None, report: LoadReport | None = None) -> int:
    """Screen every organisation against ``loaded`` (the current list by default), in batches; return how many."""
    loaded = loaded or current_list(session)
    if loaded is None:
        return 0
    matcher = matcher_for(session, loaded)
    entries = {row.data_id: row for row in session.scalars(select(ScreeningEntry))}
    last_id, count = 0, 0
    while True:
        columns = select(Organisation.id, Organisation.legal_name, Organisation.short_name, Organisation.country_code)
        batch = session.execute(columns.where(Organisation.id > last_id).order_by(Organisation.id).limit(BATCH)).all()
        if not batch:
            break
        last_id = batch[-1].id
        found = matcher.screen_many([(org.id, organisation_names(org), org.country_code) for org in batch], threshold())
        ids = [org.id for org in batch]
        hits = _hits_of(session, ids)
        screenings = {row.organisation_id: row for row in session.scalars(
            select(OrganisationScreening).where(OrganisationScreening.organisation_id.in_(ids)))}  # fmt: skip
        touched = []
        with session.no_autoflush:
            for org in batch:
                screening = screenings.get(org.id)
                if screening is None:  # never screened: no need to look it up again
                    screening = OrganisationScreening(organisation_id=org.id)
                    session.add(screening)
                _apply(session, org, found.get(org.id, []), loaded, entries, hits.get(org.id, {}), report, screening)
                touched.append(screening)
        count += len(batch)
        session.flush()
        for screening in touched:
            session.expunge(screening)  # keep memory flat over 160,000 organisations
    if report is not None:
        report.organisations = count
    return count


def _hits_of(session: Session, organisation_ids: list[int]) -> dict[int, dict[str, ScreeningHit]]:
    found: dict[int, dict[str, ScreeningHit]] = {}
    for hit in session.scalars(select(ScreeningHit).where(ScreeningHit.organisation_id.in_(organisation_ids))):
        found.setdefault(hit.organisation_id, {})[hit.data_id] = hit
    return found


def _apply(
    session: Session,
    organisation: Organisation,
    matches: list[Match],
    loaded: ScreeningList,
    entries: dict[str, ScreeningEntry],
    hits: dict[str, ScreeningHit],
    report: LoadReport | None,
    screening: OrganisationScreening | None = None,
) -> OrganisationScreening:
    now = utcnow()
    matched = set()
    for match in matches:
        entry = entries[match.data_id]
        matched.add(match.data_id)
        hit = hits.get(match.data_id)
        if hit is None:
            hit = ScreeningHit(organisation_id=organisation.id, data_id=match.data_id, status=HitStatus.PENDING,
                               found_at=now)  # fmt: skip
            session.add(hit)
            if report is not None:
                report.new_hits.append((organisation.id, organisation.legal_name, entry.primary_name, match.score))
        elif hit.status is not HitStatus.PENDING and hit.decided_hash != entry.content_hash:
            hit.status, hit.reopened_at = HitStatus.PENDING, now  # the entry changed since the decision
            if report is not None:
                report.reopened.append((organisation.id, organisation.legal_name, entry.primary_name))
        elif not hit.active and hit.status is HitStatus.PENDING and report is not None:
            report.new_hits.append((organisation.id, organisation.legal_name, entry.primary_name, match.score))
        hit.version_num, hit.entry_hash, hit.score, hit.components = (
            entry.version_num, entry.content_hash, match.score, match.components
        )  # fmt: skip
        hit.active, hit.list_id = True, loaded.id
    for data_id, hit in hits.items():
        if data_id not in matched:
            hit.active = False
    statuses = {hit.status for hit in hits.values() if hit.active} | (
        {HitStatus.PENDING} if any(data_id not in hits for data_id in matched) else set()
    )
    status = (
        ScreeningStatus.CONFIRMED if HitStatus.CONFIRMED in statuses
        else ScreeningStatus.PENDING if HitStatus.PENDING in statuses else ScreeningStatus.CLEAR
    )  # fmt: skip
    if screening is None:
        screening = session.get(OrganisationScreening, organisation.id)
    if screening is None:
        screening = OrganisationScreening(organisation_id=organisation.id)
        session.add(screening)
    screening.list_id, screening.names_key, screening.status, screening.screened_at = (
        loaded.id, names_key(organisation), status, now
    )  # fmt: skip
    return screening


# one organisation ------------------------------------------------------------------------------------------------


def screen_organisation(session: Session, organisation: Organisation) -> OrganisationScreening | None:
    """Screen one organisation against the current list now (None when no list is loaded)."""
    loaded = current_list(session)
    if loaded is None:
        return None
    session.flush()
    matches = matcher_for(session, loaded).screen(
        organisation_names(organisation), organisation.country_code, threshold()
    )
    wanted = [match.data_id for match in matches]
    entries = {row.data_id: row for row in session.scalars(select(ScreeningEntry).where(
        ScreeningEntry.data_id.in_(wanted)))} if wanted else {}  # fmt: skip
    hits = _hits_of(session, [organisation.id]).get(organisation.id, {})
    screening = _apply(session, organisation, matches, loaded, entries, hits, None)
    session.flush()
    return screening


def screen_organisations(session: Session, organisation_ids: Iterable[int]) -> int:
    """Screen the organisations with these ids against the current list; return how many were screened."""
    count = 0
    for organisation_id in sorted(set(organisation_ids)):
        organisation = session.get(Organisation, organisation_id)
        if organisation is not None and screen_organisation(session, organisation) is not None:
            count += 1
    return count


@dataclass
class Standing:
    """An organisation's screening status, the list it was screened against, and its open hits."""

    status: ScreeningStatus
    screening_list: ScreeningList | None
    hits: list[ScreeningHit]
    screened_at: object = None


def standing(session: Session, organisation: Organisation, loaded: ScreeningList | None = None) -> Standing:
    """Where the organisation stands against the current list (``unscreened`` if not screened against it)."""
    loaded = loaded if loaded is not None else current_list(session)
    screening = session.get(OrganisationScreening, organisation.id)
    hits = list(
        session.scalars(
            select(ScreeningHit)
            .where(ScreeningHit.organisation_id == organisation.id, ScreeningHit.active.is_(True))
            .order_by(ScreeningHit.score.desc(), ScreeningHit.id)
        )
    )
    if loaded is None or screening is None or screening.list_id != loaded.id:
        return Standing(ScreeningStatus.UNSCREENED, loaded, hits)
    if screening.names_key != names_key(organisation):
        return Standing(ScreeningStatus.UNSCREENED, loaded, hits, screening.screened_at)
    return Standing(screening.status, loaded, hits, screening.screened_at)


def blocking_reasons(session: Session, organisations: Sequence[Organisation]) -> list[str]:
    """Why these organisations may not be parties to an approved agreement yet (empty: all screened and clear).

    An organisation not screened against the current list (new, renamed, or screened before the last load) is
    screened in memory here, so that the answer is true at the time of asking; the approval's effect writes it.
    """
    if not get_settings().screening_required:
        return []
    loaded = current_list(session)
    if loaded is None:
        return [MESSAGES.gettext(
            "no sanctions list is loaded: an administrator must load the UN Security Council Consolidated List "
            "(agreements screening load FILE) before agreements can be approved"
        )]  # fmt: skip
    reasons = []
    for organisation in organisations:
        found = standing(session, organisation, loaded)
        status = found.status
        if status is ScreeningStatus.UNSCREENED:
            matches = matcher_for(session, loaded).screen(
                organisation_names(organisation), organisation.country_code, threshold()
            )
            decided = {hit.data_id: hit for hit in found.hits}
            open_matches = [
                match for match in matches
                if not (match.data_id in decided and decided[match.data_id].status is HitStatus.CLEARED
                        and decided[match.data_id].decided_hash == decided[match.data_id].entry_hash)
            ]  # fmt: skip
            if open_matches:
                reasons.append(MESSAGES.gettext(
                    "{name} may match {count} entries of the sanctions list: a reviewer must decide on the screening "
                    "page", name=organisation.legal_name, count=len(open_matches),
                ))  # fmt: skip
            continue
        if status is ScreeningStatus.CONFIRMED:
            reasons.append(MESSAGES.gettext(
                "{name} is a confirmed match on the UN Security Council Consolidated List",
                name=organisation.legal_name,
            ))  # fmt: skip
        elif status is ScreeningStatus.PENDING:
            pending = [hit for hit in found.hits if hit.status is HitStatus.PENDING]
            reasons.append(MESSAGES.gettext(
                "{name} has {count} potential sanctions-list matches awaiting a decision on the screening page",
                name=organisation.legal_name, count=len(pending),
            ))  # fmt: skip
    return reasons


# decisions -------------------------------------------------------------------------------------------------------


def get_hit(session: Session, hit_id: int) -> ScreeningHit:
    """The hit with this id, or a 404 problem."""
    hit = session.get(ScreeningHit, hit_id)
    if hit is None:
        raise NotFound(MESSAGES.gettext("screening hit {id} not found", id=hit_id))
    return hit


def decide(session: Session, hit_id: int, decision: str, reason: str, *, actor: Actor) -> ScreeningHit:
    """Record a reviewer's decision on a hit: ``cleared`` (a false positive) or ``confirmed`` (a true match)."""
    require(actor, Action.DECIDE_SCREENING)
    hit = get_hit(session, hit_id)
    if decision not in (HitStatus.CLEARED.value, HitStatus.CONFIRMED.value):
        raise invalid("decision", MESSAGES.gettext("must be cleared or confirmed"))
    if not reason or not reason.strip():
        raise invalid("reason", MESSAGES.gettext("say why: the decision is kept with its reason"))
    if "\x00" in reason:
        raise invalid("reason", MESSAGES.gettext("must not contain NUL characters"))
    if not hit.active:
        raise invalid("decision", MESSAGES.gettext("this hit no longer matches the current list"))
    hit.status, hit.reason, hit.decided_hash = HitStatus(decision), reason.strip()[:2000], hit.entry_hash
    hit.decided_by_id, hit.decided_at = actor.user_id, utcnow()
    session.flush()
    _refresh_status(session, hit.organisation_id)
    return hit


def _refresh_status(session: Session, organisation_id: int) -> None:
    screening = session.get(OrganisationScreening, organisation_id)
    if screening is None:
        return
    statuses = set(
        session.scalars(
            select(ScreeningHit.status).where(
                ScreeningHit.organisation_id == organisation_id, ScreeningHit.active.is_(True)
            )
        )
    )
    screening.status = (
        ScreeningStatus.CONFIRMED if HitStatus.CONFIRMED in statuses
        else ScreeningStatus.PENDING if HitStatus.PENDING in statuses else ScreeningStatus.CLEAR
    )  # fmt: skip
    session.flush()


def list_hits(session: Session, status: str | None = "pending", limit: int = 200) -> list[ScreeningHit]:
    """Active hits, pending ones by default, best score first."""
    query = select(ScreeningHit).where(ScreeningHit.active.is_(True))
    if status:
        query = query.where(ScreeningHit.status == HitStatus(status))
    return list(session.scalars(query.order_by(ScreeningHit.score.desc(), ScreeningHit.id).limit(limit)))


def entry(session: Session, data_id: str) -> ScreeningEntry | None:
    """The current list's entry with this DATAID."""
    return session.scalars(select(ScreeningEntry).where(ScreeningEntry.data_id == data_id)).first()


def counts(session: Session) -> dict[str, int]:
    """How many organisations have each stored status (``unscreened``: no screening against the current list)."""
    loaded = current_list(session)
    total = session.scalar(select(func.count()).select_from(Organisation)) or 0
    if loaded is None:
        return {"unscreened": total}
    rows = session.execute(
        select(OrganisationScreening.status, func.count())
        .where(OrganisationScreening.list_id == loaded.id)
        .group_by(OrganisationScreening.status)
    ).all()
    found = {status.value: number for status, number in rows}
    found["unscreened"] = total - sum(found.values())
    return found


def forget_matchers() -> None:
    """Drop the matchers built in this process (tests that roll back a load)."""
    _MATCHERS.clear()
