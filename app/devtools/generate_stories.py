"""The stories of generated partnerships: the days of each step and the rows the workflow engine would have written.

Only triggers are named here; the states they lead to are read from the workflow definitions (``walk``), and the
share of each final stage comes from ``scenarios.yaml``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table

from app.config import get_settings
from app.devtools.bulk import at as _at
from app.devtools.curated import CAUSES, ROLES_BY_PARTY_COUNT
from app.devtools.scenarios import scenarios, walk
from app.models import (
    Agreement,
    DocumentVersion,
    Interaction,
    Obligation,
    Partnership,
    PartnershipParty,
    Reminder,
    Signature,
    TransitionEvent,
    Undertaking,
)
from app.partnerships.models import partnership_areas
from app.reminders import outbox
from app.workflow.definition import WorkflowDefinitionError, get_workflow

PARTY_WEIGHTS = {1: 55, 2: 25, 3: 13, 4: 7}

# Workflows and the triggers the generated stories fire (the states they lead to come from the workflow files).
PARTNERSHIP, AGREEMENT, OBLIGATION = "partnership", "agreement", "obligation"
CREATE = "create"  # the trigger recorded on a new record's first event
UNDERTAKING, START_FORMALISING, IN_FORCE = "record_undertaking", "start_formalising", "agreement_in_force"
LAST_ENDED, GO_DORMANT, REVIVE, CLOSE = "last_agreement_ended", "go_dormant", "revive", "close"
AGREEMENT_PATH = ["submit_for_review", "approve", "record_signatures", "activate"]  # from the draft to in force
EXPIRE, TERMINATE = "expire", "terminate"
FORMALISING_STEPS = [0, 0, 1, 2, 3]  # how far along AGREEMENT_PATH an agreement still being formalised is
FULFIL, MARK_OVERDUE = "fulfil", "mark_overdue"


def _stage_after(workflow_name: str) -> dict[str, str]:
    """Each trigger of a workflow whose transitions all lead to one state, and that state; ``create``: the initial."""
    workflow = get_workflow(workflow_name)
    dests: dict[str, set[str]] = defaultdict(set)
    for transition in workflow.transitions:
        dests[transition.trigger].add(transition.dest)
    return {CREATE: workflow.initial} | {trigger: dest for trigger, (dest, *more) in dests.items() if not more}


class StoryBuilder:
    """Plays out partnerships chunk by chunk: dates first, then the rows that tell the same story."""

    def __init__(self, writer, ids, rng, today, now, areas, orgs, managers, lawyers, counters) -> None:
        self.writer, self.ids, self.rng, self.today, self.now = writer, ids, rng, today, now
        self.areas, self.orgs, self.managers, self.lawyers, self.counters = areas, orgs, managers, lawyers, counters
        weights = scenarios().stage_weights
        self.stages, self.stage_weights = list(weights), list(weights.values())
        self.after = _stage_after(PARTNERSHIP)  # trigger -> the stage it leads to
        self.initial = {name: get_workflow(name).initial for name in (AGREEMENT, OBLIGATION)}

    def reference(self, created: datetime) -> str:
        series = f"PA-{created.year}"
        self.counters[series] = self.counters.get(series, 0) + 1
        return f"{series}-{self.counters[series]:04d}"

    def chunk(self, count: int) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for _ in range(count):
            self.one()
        order = [Partnership, PartnershipParty, None, TransitionEvent, Interaction, Undertaking, Agreement,
                 DocumentVersion, Signature, Obligation, Reminder]  # fmt: skip
        for model in order:
            table = partnership_areas if model is None else model.__table__
            self.writer.write(table, self.rows.pop(table.name, []))

    def add(self, table: Table, **row: Any) -> int | None:
        if "id" in table.c:
            row = {"id": self.ids.take(table), **row}
        self.rows[table.name].append(row)
        return row.get("id")

    def event(self, entity_type: str, entity_id: int, source: str | None, dest: str, trigger: str, when: datetime,
              actor: int | None) -> None:  # fmt: skip
        row = {"entity_type": entity_type, "entity_id": entity_id, "from_state": source, "to_state": dest}
        self.add(TransitionEvent.__table__, **row, trigger=trigger, actor_id=actor, occurred_at=when, comment=None,
                 payload=None)  # fmt: skip

    def one(self) -> None:
        rng, today, after = self.rng, self.today, self.after
        stage = rng.choices(self.stages, self.stage_weights)[0]
        # The story's days, built backwards from what the final stage needs.
        agreement: dict[str, Any] | None = None
        agreement_stages = {after[IN_FORCE], after[LAST_ENDED], after[CLOSE]}
        if stage in agreement_stages and (stage != after[CLOSE] or rng.random() < 0.6):
            if stage == after[IN_FORCE]:
                end = today + timedelta(days=rng.randrange(1, 1100))
            else:
                end = today - timedelta(days=rng.randrange(60 if stage == after[CLOSE] else 1, 900))
            term = max(365 * rng.choice((1, 2, 3)), (end - today).days + 30)
            effective = end - timedelta(days=term)
            terminated = stage != after[IN_FORCE] and rng.random() < 0.15
            agreement = {"effective": effective, "end": end, "cut_short": terminated}
            in_force = effective
            formalising_on = in_force - timedelta(days=rng.randrange(15, 150))
        elif stage == after[START_FORMALISING]:
            formalising_on = today - timedelta(days=rng.randrange(1, 200))
        moves: list[tuple[str, date]] = []
        if stage in {after[START_FORMALISING], after[IN_FORCE], after[LAST_ENDED]} or (
            stage == after[CLOSE] and agreement
        ):
            informal_on = formalising_on - timedelta(days=rng.randrange(5, 120))
            created_on = informal_on - timedelta(days=rng.randrange(5, 200))
            moves = [(CREATE, created_on), (UNDERTAKING, informal_on), (START_FORMALISING, formalising_on)]
            if agreement:
                moves.append((IN_FORCE, agreement["effective"]))
                if stage in {after[LAST_ENDED], after[CLOSE]}:
                    ended_on = agreement["end"] + timedelta(days=1)
                    if agreement["cut_short"]:
                        ended_on = agreement["effective"] + timedelta(days=rng.randrange(30, term - 1))
                        agreement["end_on"] = ended_on
                    moves.append((LAST_ENDED, ended_on))
                    if stage == after[CLOSE]:
                        closed_on = min(ended_on + timedelta(days=rng.randrange(30, 200)), today)
                        moves.append((CLOSE, closed_on))
        else:  # ad hoc, informal, dormant, or closed after going dormant
            created_on = today - timedelta(days=rng.randrange(10, 1500))
            moves = [(CREATE, created_on)]
            span = (today - created_on).days
            sometimes_informal = {after[UNDERTAKING], after[GO_DORMANT], after[CLOSE]}
            if stage in sometimes_informal and rng.random() < (1 if stage == after[UNDERTAKING] else 0.5):
                moves.append((UNDERTAKING, created_on + timedelta(days=span // 4)))
            if stage in {after[GO_DORMANT], after[CLOSE]}:
                moves.append((GO_DORMANT, created_on + timedelta(days=span // 2)))
            if stage == after[CLOSE]:
                moves.append((CLOSE, created_on + timedelta(days=3 * span // 4)))
            if stage == after[CREATE] and rng.random() < 0.1 and span > 40:
                moves += [(GO_DORMANT, created_on + timedelta(days=span // 3)),
                          (REVIVE, created_on + timedelta(days=2 * span // 3))]  # fmt: skip
        path = walk(PARTNERSHIP, [trigger for trigger, _ in moves[1:]])
        steps = [(None, after[CREATE], CREATE, moves[0][1])]
        steps += [(step.source, step.dest, step.trigger, day) for step, (_, day) in zip(path, moves[1:], strict=True)]
        if steps[-1][1] != stage:
            raise WorkflowDefinitionError(f"the generated story {[t for t, _ in moves]} ends in {steps[-1][1]!r}")
        self.write_partnership(stage, steps, agreement)

    def write_partnership(
        self, stage: str, steps: list[tuple[str | None, str, str, date]], agreement: dict | None
    ) -> None:
        rng = self.rng
        owner, owner_email = rng.choice(self.managers)
        times, last = [], None
        for *_, day in steps:
            moment = _at(min(day, self.today), rng)
            if last is not None and moment <= last:
                moment = last + timedelta(minutes=1)
            times.append(min(moment, self.now) if day >= self.today else moment)
            last = times[-1]
        created = times[0]
        triggers = [step[2] for step in steps]
        later = stage not in {self.after[CREATE], self.after[GO_DORMANT]} or UNDERTAKING in triggers
        lawyer = rng.choice(self.lawyers) if START_FORMALISING in triggers else None
        pid = self.add(
            Partnership.__table__, reference=self.reference(created), title=f"{rng.choice(CAUSES)[0]} partnership",
            objectives=None, stage=stage, owner_id=owner, legal_officer_id=lawyer, project_id=None,
            handles_personal_data=rng.random() < 0.2, external_ref=None, created_at=created, updated_at=times[-1],
            version=1,
        )  # fmt: skip
        for (source, dest, trigger, _), when in zip(steps, times, strict=True):
            self.event(
                PARTNERSHIP,
                pid,
                source,
                dest,
                trigger,
                when,
                None if trigger in {IN_FORCE, LAST_ENDED} else owner,
            )
        parties = []
        count = rng.choices(list(PARTY_WEIGHTS), list(PARTY_WEIGHTS.values()))[0]
        for role, (org_id, contact_id) in zip(ROLES_BY_PARTY_COUNT[count], rng.sample(self.orgs, count), strict=True):
            party_id = self.add(PartnershipParty.__table__, partnership_id=pid, organisation_id=org_id, role=role.value,
                                focal_point_id=contact_id if later else None)  # fmt: skip
            parties.append((party_id, org_id))
        needs_area = START_FORMALISING in triggers
        howmany = rng.choices((0, 1, 2), (0 if needs_area else 8, 70, 30))[0]
        for area in rng.sample(self.areas, howmany):
            self.add(partnership_areas, partnership_id=pid, area_id=area)
        self.add(Interaction.__table__, partnership_id=pid, occurred_on=created.date(), kind="meeting",
                 summary="Introductory meeting", participants=None, recorded_by_id=owner,
                 created_at=created)  # fmt: skip
        undertaking = next((when for step, when in zip(steps, times, strict=True) if step[2] == UNDERTAKING), None)
        if undertaking:
            self.add(Undertaking.__table__, partnership_id=pid, given_on=undertaking.date(), given_by="The director",
                     organisation_id=parties[0][1], scope="Joint work in principle",
                     form=rng.choice(("verbal", "email", "letter")),
                     recorded_by_id=owner, created_at=undertaking)  # fmt: skip
        formalising = next(
            (when for step, when in zip(steps, times, strict=True) if step[2] == START_FORMALISING), None
        )
        if formalising:
            self.write_agreement(pid, stage, formalising, agreement, parties, owner, owner_email, lawyer)

    def write_agreement(self, pid, stage, formalising, plan, parties, owner, owner_email, lawyer) -> None:
        rng, today = self.rng, self.today
        ending = None  # the trigger that ended the agreement, if it ended
        if plan is None:  # still being drafted: somewhere between draft and signed, effective later
            fired = AGREEMENT_PATH[: rng.choice(FORMALISING_STEPS)]
            effective = today + timedelta(days=rng.randrange(10, 90))
            end = effective + timedelta(days=365 * rng.choice((1, 2, 3)))
        else:
            effective, end, fired = plan["effective"], plan["end"], list(AGREEMENT_PATH)
            if stage != self.after[IN_FORCE]:
                ending = TERMINATE if plan["cut_short"] else EXPIRE
        path = walk(AGREEMENT, [*fired, *([ending] if ending else [])])
        status = path[-1].dest if path else self.initial[AGREEMENT]
        submit, approve, sign, activate = AGREEMENT_PATH
        started = formalising + timedelta(hours=1)
        signed_day = (effective - timedelta(days=rng.randrange(1, 10))) if plan else None
        # Days of each step after the draft: spread between the start of formalising and the signature.
        horizon = (signed_day or today) - started.date()
        offsets = sorted(rng.sample(range(1, max(horizon.days, 4)), 3))
        when = {CREATE: started}
        for trigger, offset in zip(AGREEMENT_PATH[:3], offsets, strict=True):
            if trigger in fired:
                when[trigger] = min(_at(started.date() + timedelta(days=offset), rng), self.now)
        if sign in fired and plan:
            when[sign] = _at(signed_day, rng)
        if activate in fired:
            when[activate] = _at(effective, rng)
        ordered = sorted(when.values())
        when = dict(zip(when, ordered, strict=True))  # keep the steps in time order whatever the draw
        aid = self.add(
            Agreement.__table__, partnership_id=pid, parent_id=None, kind="mou", languages=["en"],
            title=f"Memorandum of Understanding {pid}",
            status=status, effective_date=effective, end_date=end, notice_period_days=rng.choice((30, 60, 90)),
            submitted_by_id=owner if submit in fired else None,
            submitted_version_number=1 if submit in fired else None,
            approved_by_id=lawyer if approve in fired else None, approved_at=when.get(approve),
            approved_version_number=1 if approve in fired else None, approved_sha256=None,
            terminated_on=plan.get("end_on") if plan and plan["cut_short"] else None,
            termination_reason="The partner closed its office" if plan and plan["cut_short"] else None,
            reminder_policy=None, created_at=when[CREATE], updated_at=max(when.values()), version=1,
        )  # fmt: skip
        self.event(AGREEMENT, aid, None, self.initial[AGREEMENT], CREATE, when[CREATE], owner)
        for step in path[: len(fired)]:
            actor = None if step.trigger == activate else owner
            self.event(AGREEMENT, aid, step.source, step.dest, step.trigger, when[step.trigger], actor)
        if ending:
            finished = plan["end_on"] if ending == TERMINATE else plan["end"] + timedelta(days=1)
            last = path[-1]
            actor = lawyer if ending == TERMINATE else None
            self.event(AGREEMENT, aid, last.source, last.dest, ending, _at(finished, rng), actor)
        body = f"# Memorandum of Understanding\n\nBetween the parties of partnership {pid}.\n"
        sha = hashlib.sha256(body.encode()).hexdigest()
        version_id = None
        if submit in fired:
            version_id = self.add(
                DocumentVersion.__table__, agreement_id=aid, number=1, template_key="mou", template_version="1.0",
                language="en", body=body, missing_fields=[], variables={}, file_name=None, media_type=None,
                file_content=None, sha256=sha, author_id=owner, created_at=when[CREATE],
            )  # fmt: skip
            if approve in fired:
                self.rows[Agreement.__tablename__][-1]["approved_sha256"] = sha
        if sign in fired:
            for party_id in [None, *(party for party, _ in parties)]:
                self.add(Signature.__table__, agreement_id=aid, party_id=party_id, signatory_name="Signatory",
                         signatory_title="Head", signed_on=when[sign].date(), document_version_id=version_id,
                         document_sha256=sha, recorded_by_id=lawyer, created_at=when[sign])  # fmt: skip
        if activate in fired:
            in_force = ending is None
            self.write_obligations(aid, pid, in_force, effective, end, parties, owner, owner_email, when[activate])

    def write_obligations(self, aid, pid, in_force, effective, end, parties, owner, owner_email, activated) -> None:
        rng, today = self.rng, self.today
        initial = self.initial[OBLIGATION]
        for party_id in [None, *(party for party, _ in parties)]:
            due = effective + timedelta(days=rng.randrange(30, max(31, (end - effective).days)))
            trigger = None  # still open
            if due < today:
                trigger = MARK_OVERDUE if in_force and rng.random() < 0.2 else FULFIL
            path = walk(OBLIGATION, [trigger] if trigger else [])
            fulfilled = trigger == FULFIL
            oid = self.add(
                Obligation.__table__, agreement_id=aid, party_id=party_id, description="Annual narrative report",
                due_date=due, recurrence=None, recurrence_until=None, status=path[-1].dest if path else initial,
                fulfilled_on=due - timedelta(days=2) if fulfilled else None,
                evidence_note="Report received" if fulfilled else None, waived_reason=None,
                responsible_email=None, created_at=activated, updated_at=activated, version=1,
            )  # fmt: skip
            self.event(OBLIGATION, oid, None, initial, CREATE, activated, owner)
            if trigger == MARK_OVERDUE:
                self.event(OBLIGATION, oid, initial, path[-1].dest, trigger, _at(due + timedelta(days=1), rng), None)
            elif fulfilled:
                done = max(_at(due - timedelta(days=2), rng), activated)
                self.event(OBLIGATION, oid, initial, path[-1].dest, trigger, done, owner)
            elif in_force:
                for days in (14, 3):
                    self.reminder(OBLIGATION, oid, pid, "obligation_due", due, days, owner, owner_email)
        if in_force:
            for days in (90, 60, 30, 7):
                self.reminder(AGREEMENT, aid, pid, "end_date", end, days, owner, owner_email)

    def reminder(self, subject, subject_id, pid, kind, due, days, user_id, email) -> None:
        send_day = due - timedelta(days=days)
        if send_day < self.today:
            return
        send_at = datetime.combine(send_day, time(8), tzinfo=get_settings().zone).astimezone(UTC)
        self.add(
            Reminder.__table__, dedupe_key=f"{subject}:{subject_id}:{kind}:{send_day}:{email}",
            series=f"{subject}:{subject_id}:{kind}:{email}", subject_type=subject, subject_id=subject_id,
            partnership_id=pid, kind=kind, due_on=due, offset_days=days, send_at=send_at, recipient_email=email,
            recipient_user_id=user_id, status=outbox.INITIAL.value, attempts=0, next_attempt_at=None,
            claimed_by=None, claimed_at=None, last_error=None, cancel_reason=None, message_id=None, sent_at=None,
            created_at=self.now, updated_at=self.now, version=1,
        )  # fmt: skip
