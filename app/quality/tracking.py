"""Keeps ``quality_scores`` current in the transaction that changes a rule's input, whoever writes it.

Every flush notes the records whose checks may have changed (an organisation, a contact, a partnership, a party,
an agreement, a signature, an obligation, an interaction, an undertaking, a transition, a project, a user's
activity); the notes are settled — those records recomputed by ``app.quality.store`` — before the transaction
commits, and before the quality service reads the scores in a transaction that wrote. A rollback drops the notes
and undoes whatever was settled, with the rest of the transaction. Imported by ``app.models``, so every session of
the application (requests, jobs, the CLI, imports, the workflow engine, tests) has it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from app.agreements.models import Agreement, Signature
from app.obligations.models import Obligation
from app.organisations.models import Contact, Organisation
from app.partnerships.models import Interaction, Partnership, PartnershipParty, Project, Undertaking
from app.quality import store
from app.users.models import User
from app.workflow.models import TransitionEvent

PENDING = "quality_pending"
KINDS = ("organisation", "partnership", "agreement", "user", "project", "parties_of")
"""What a note names: records to recompute, or rows that lead to them (an agreement's partnership, a user's or a
project's partnerships, a partnership's party organisations, whose impact depends on its stage)."""
# A child row: which attribute leads to which kind of note.
LEADS: dict[type, tuple[tuple[str, str], ...]] = {
    Contact: (("organisation_id", "organisation"),),
    PartnershipParty: (("partnership_id", "partnership"), ("organisation_id", "organisation")),
    Interaction: (("partnership_id", "partnership"),),
    Undertaking: (("partnership_id", "partnership"),),
    Agreement: (("partnership_id", "partnership"),),
    Signature: (("agreement_id", "agreement"),),
    Obligation: (("agreement_id", "agreement"),),
}
BULK_LEADS: dict[type, tuple[tuple[str, str], ...]] = {
    **LEADS,
    Organisation: (("id", "organisation"),),
    Partnership: (("id", "partnership"), ("id", "parties_of")),
    User: (("id", "user"),),
    Project: (("id", "project"),),
}


def pending(session: Session) -> dict[str, set[int]]:
    """The session's notes: ids per kind, waiting to be settled."""
    notes = session.info.get(PENDING)
    if notes is None:
        notes = session.info[PENDING] = {kind: set() for kind in KINDS}
    return notes


def _values(obj: Any, attribute: str) -> set[int]:
    """The attribute's value now and before this flush (a moved contact changes both organisations)."""
    history = inspect(obj).attrs[attribute].history
    found = {*history.added, *history.unchanged, *history.deleted}
    found.add(inspect(obj).dict.get(attribute))
    return {value for value in found if value is not None}


def _changed(obj: Any, attribute: str) -> bool:
    return inspect(obj).attrs[attribute].history.has_changes()


def _note(notes: dict[str, set[int]], obj: Any, created_or_deleted: bool) -> None:
    if isinstance(obj, Organisation):
        notes["organisation"].update(_values(obj, "id"))
    elif isinstance(obj, Partnership):
        notes["partnership"].update(_values(obj, "id"))
        if created_or_deleted or _changed(obj, "stage"):
            notes["parties_of"].update(_values(obj, "id"))
    elif isinstance(obj, User):
        if created_or_deleted or _changed(obj, "is_active"):
            notes["user"].update(_values(obj, "id"))
    elif isinstance(obj, Project):
        notes["project"].update(_values(obj, "id"))
    elif isinstance(obj, TransitionEvent):
        if obj.entity_type == "partnership" and obj.entity_id is not None:
            notes["partnership"].add(obj.entity_id)
    else:
        for attribute, kind in LEADS.get(type(obj), ()):
            notes[kind].update(_values(obj, attribute))


# Rows whose deletion the database carries on to other rows (ON DELETE CASCADE or SET NULL): what they reach.
REACH = (
    (Partnership, PartnershipParty.organisation_id, PartnershipParty.partnership_id, "organisation"),
    (Contact, PartnershipParty.partnership_id, PartnershipParty.focal_point_id, "partnership"),
    (Project, Partnership.id, Partnership.project_id, "partnership"),
    (User, Partnership.id, Partnership.legal_officer_id, "partnership"),
)


@event.listens_for(Session, "before_flush")
def _note_what_deletions_reach(session: Session, _context: Any, _instances: Any) -> None:
    """A deletion the database carries on (parties of a partnership, a focal point set to null): note the records
    it reaches while they can still be read."""
    for model, wanted, column, kind in REACH:
        gone = [obj.id for obj in session.deleted if isinstance(obj, model) and obj.id is not None]
        if gone:
            found = session.execute(select(wanted).where(column.in_(gone))).scalars()
            pending(session)[kind].update(found)


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context: Any) -> None:
    notes = pending(session)
    for obj in session.new:
        _note(notes, obj, True)
    for obj in session.deleted:
        _note(notes, obj, True)
    for obj in session.dirty:
        if session.is_modified(obj):
            _note(notes, obj, False)


def settle(session: Session) -> None:
    """Flush, then recompute the scores of every record noted since the last settlement, in this transaction."""
    for _ in range(10):  # a flush may add rows for the next one (the workflow engine's pending events)
        if not (session.new or session.dirty or session.deleted):
            break
        session.flush()
    notes = session.info.pop(PENDING, None)
    if not notes or not any(notes.values()):
        return
    partnerships, organisations = set(notes["partnership"]), set(notes["organisation"])
    leads = (
        (Agreement.partnership_id, Agreement.id, notes["agreement"]),
        (Partnership.id, Partnership.owner_id, notes["user"]),
        (Partnership.id, Partnership.project_id, notes["project"]),
    )
    for wanted, column, ids in leads:
        if ids:
            partnerships.update(session.execute(select(wanted).where(column.in_(sorted(ids)))).scalars())
    if notes["parties_of"]:
        parties = PartnershipParty.partnership_id.in_(sorted(notes["parties_of"]))
        organisations.update(session.execute(select(PartnershipParty.organisation_id).where(parties)).scalars())
    store.refresh(session, "organisation", organisations)
    store.refresh(session, "partnership", partnerships)


@event.listens_for(Session, "before_commit")
def _settle_before_commit(session: Session) -> None:
    if session.info.get(PENDING) or session.new or session.dirty or session.deleted:
        settle(session)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    """Whatever ended the session's transaction (commit or rollback), its notes end with it."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_writes(state: ORMExecuteState) -> None:
    """An UPDATE or DELETE statement run through the session skips the flush: note the rows it is about to change."""
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    model = mapper.class_ if mapper is not None else None
    leads = BULK_LEADS.get(model) if model is not None else None
    whereclause = getattr(state.statement, "whereclause", None)
    if not leads:
        return
    notes = pending(state.session)
    for attribute, kind in leads:
        stmt = select(getattr(model, attribute))
        rows = state.session.execute(stmt if whereclause is None else stmt.where(whereclause)).scalars()
        notes[kind].update(value for value in rows if value is not None)
