"""Demo building blocks, second half: agreements drafted, reviewed, signed, in force and ended, and obligations."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app import clock
from app.agreements.models import Agreement, AgreementKind
from app.agreements.rules import signing_parties
from app.agreements.schemas import AgreementCreate
from app.agreements.service import add_version, create_agreement
from app.config import get_settings
from app.devtools.curated import AGREEMENT_TITLES, ORGANISATION_SIGNATORY
from app.devtools.demo_parties import Case, PartnershipSteps, Plan, Term, quarter_end_after, quarterly_occurrences
from app.devtools.scenarios import Scenario
from app.obligations.models import Obligation, Recurrence
from app.obligations.schemas import ObligationCreate
from app.obligations.service import add_obligation
from app.partnerships.models import PartnershipParty, PartyRole
from app.partnerships.schemas import PARTNER_ROLES
from app.users.models import User
from app.workflow.definition import get_workflow, states

RECENT_REPORTS = timedelta(days=30)
"""A partner's obligation that fell due this recently was reported through the partner link, not yet checked."""


class AgreementSteps(PartnershipSteps):
    """Plays the agreements of a demo story: drafting, review, signatures, coming into force, ending; obligations."""

    def plan(self, effective: date) -> Plan:
        signed = min(effective, self.today) - timedelta(days=self.rng.randint(0, 10))
        approved = signed - timedelta(days=self.rng.randint(5, 15))
        submitted = approved - timedelta(days=self.rng.randint(5, 20))
        return Plan(submitted - timedelta(days=self.rng.randint(3, 12)), submitted, approved, signed)

    def draft(
        self, case: Case, kind: AgreementKind, day: date, term: Term, parent: Agreement | None = None, notice: int = 0
    ) -> Agreement:
        """Open a draft with its obligations, as a manager does before submitting it."""
        data = AgreementCreate(
            partnership_id=case.partnership.id,
            kind=kind,
            title=AGREEMENT_TITLES[kind].format(title=case.partnership.title),
            effective_date=term[0],
            end_date=term[1],
            notice_period_days=notice or self.rng.choice([30, 60, 90]),
            parent_id=parent.id if parent else None,
        )
        with self.on(day):
            agreement = create_agreement(self.session, data, case.owner)
            self.add_obligations(case, agreement)
        self.agreements.append(agreement)
        return agreement

    def step(self, agreement: Agreement, trigger: str, day: date, actor: User | None, comment: str = "") -> None:
        with self.on(day):
            self.fire("agreement", agreement, trigger, actor, comment or None)

    def submit(self, case: Case, agreement: Agreement, day: date) -> None:
        """Store a new document version of the agreement's text, then submit it for review."""
        parties = [party.organisation.legal_name for party in case.partnership.parties]
        end = agreement.end_date.isoformat() if agreement.end_date else None
        until = end or "terminated"  # not a workflow state: the words of the agreement's text
        body = (
            f"{agreement.title}\n\nBetween {get_settings().organisation_name} and {', '.join(parties)}.\n"
            f"In force from {agreement.effective_date.isoformat()} until {until}; either party may "
            f"terminate it with {agreement.notice_period_days} days' written notice.\n"
        )
        variables = {"title": agreement.title, "parties": parties, "effective_date": str(agreement.effective_date)}
        variables |= {"end_date": end, "notice_period_days": agreement.notice_period_days}
        with self.on(day):
            add_version(self.session, agreement.id, body, case.owner, variables=variables)
        self.step(agreement, "submit_for_review", day, case.owner)

    def sign(self, case: Case, agreement: Agreement, day: date) -> None:
        """Record the signatures of every bound party and of the organisation, on the approved version."""
        signatures = []
        for party in [None, *signing_parties(agreement)]:
            name, title = (
                (self.focal_point(party).name, self.focal_point(party).title) if party else ORGANISATION_SIGNATORY
            )
            signed_on = day - timedelta(days=self.rng.randint(0, 3)) if party else day
            signed_on = max(signed_on, clock.local_date(agreement.approved_at, self.zone))
            signatures.append(
                {
                    "party_id": party and party.id,
                    "signatory_name": name,
                    "signatory_title": title,
                    "signed_on": signed_on.isoformat(),
                }
            )
        with self.on(day):
            lawyer = case.legal_officer
            payload = {"signatures": signatures}
            self.fire("agreement", agreement, "record_signatures", lawyer, payload=payload)

    def bring_into_force(
        self, case: Case, kind: AgreementKind, term: Term, plan: Plan, parent: Agreement | None = None, notice: int = 0
    ) -> Agreement:
        """Draft, review, approve, sign and (once its effective date has come) activate an agreement."""
        agreement = self.draft(case, kind, plan.drafted, term, parent, notice)
        self.submit(case, agreement, plan.submitted)
        self.step(agreement, "approve", plan.approved, case.legal_officer)
        self.sign(case, agreement, plan.signed)
        if term[0] <= self.today:
            if get_workflow("agreement").find("activate", agreement.status) is not None:  # not active at signature
                self.step(agreement, "activate", term[0], None, "Effective date reached")  # supersedes the parent
            if parent is not None:
                self.waive_open_obligations(case, parent, term[0], f"Carried over to the {kind.value}")
        return agreement

    def formal_history(self, index: int, scenario: Scenario, term: Term) -> tuple[Case, Agreement]:
        """A partnership whose MOU came into force on ``term[0]``; it is formal from then on."""
        plan = self.plan(term[0])
        case = self.lead_up(index, scenario, plan.drafted, term)
        mou = self.bring_into_force(case, AgreementKind.MOU, term, plan, notice=scenario.notice_days)
        return case, mou  # activating the MOU made the partnership formal

    def successor(self, case: Case, kind: AgreementKind, parent: Agreement, term: Term) -> Agreement:
        return self.bring_into_force(case, kind, term, self.plan(term[0]), parent)

    def end_partnership(self, case: Case, agreement: Agreement, trigger: str, day: date, comment: str) -> None:
        """Expire or terminate the last agreement; the partnership ends with it."""
        if trigger == "expire":
            self.step(agreement, trigger, day, None, comment)
            return
        notice = {
            "reason": comment,
            "termination_date": (day + timedelta(days=agreement.notice_period_days)).isoformat(),
        }
        with self.on(day):
            lawyer = case.legal_officer
            self.fire("agreement", agreement, trigger, lawyer, payload=notice)
        self.waive_open_obligations(case, agreement, day, "The agreement was terminated")

    def add_obligations(self, case: Case, agreement: Agreement) -> None:
        """What each party owes, recorded while drafting; how each one went is played later, in date order."""
        start, end = agreement.effective_date, agreement.end_date
        lead = case.partnership.parties[0]
        evidence = "Received and filed by the programme team"

        def add(party: PartnershipParty | None, text: str, due: date, recurring: bool = False, survives: bool = False
                ) -> None:  # fmt: skip
            late, early = self.rng.random() < 0.12, timedelta(days=self.rng.randint(0, 10))  # drawn every time
            data = ObligationCreate(
                party_id=party.id if party else None,
                description=text,
                due_date=due,
                recurrence=Recurrence.QUARTERLY if recurring else None,
                recurrence_until=end if recurring else None,
                responsible_email=self.focal_point(party).email if party else case.owner.email,
                survives_termination=survives,
            )
            obligation = add_obligation(self.session, agreement.id, data, case.owner)
            if recurring:
                occurrences = quarterly_occurrences(due, end)
                for number, day in enumerate(occurrences, start=1):
                    if day < self.today:
                        last = number == len(occurrences)
                        payload = {"fulfilled_on": day.isoformat(), "evidence": evidence}
                        self.later(day, obligation, "fulfil" if last else "fulfil_occurrence", case.owner, payload)
            elif due < self.today and late:
                self.later(due + timedelta(days=1), obligation, "mark_overdue", None, None)
            elif due < self.today and party is not None and self.today - due <= RECENT_REPORTS:
                # reported by the partner through their link a little before it fell due, not checked yet
                done = max(due - early, self.session.get(Agreement, agreement.id).created_at.date())
                report = {"reported_on": done.isoformat(), "evidence": "Sent through the partner link: report.pdf"}
                self.later(done, obligation, "report", None, report)
            elif due < self.today:
                done = max(due - early, self.session.get(Agreement, agreement.id).created_at.date())
                self.later(
                    done, obligation, "fulfil", case.owner, {"fulfilled_on": done.isoformat(), "evidence": evidence}
                )

        for party in case.partnership.parties:
            if party.role in PARTNER_ROLES:
                add(party, "Quarterly narrative and financial report", quarter_end_after(start), recurring=True)
            elif party.role is PartyRole.DONOR:
                add(party, "Transfer the agreed co-funding contribution", start + timedelta(days=45))
        if agreement.kind in {AgreementKind.MOU, AgreementKind.RENEWAL}:
            add(lead, "Baseline assessment of the target communities", start + timedelta(days=90))
            add(None, f"Release the first instalment to {lead.organisation.short_name}", start + timedelta(days=30))
        if end is not None:
            add(lead, "Final narrative and financial report", end + timedelta(days=60), survives=True)  # after the end

    def later(self, day: date, obligation: Obligation, trigger: str, actor: User | None, payload: dict | None) -> None:
        """Queue what happened to an obligation on ``day``; ``play_obligations`` fires them in date order."""
        self.outcomes.append((day, len(self.outcomes), obligation, trigger, actor, payload))

    def waive_open_obligations(self, case: Case, agreement: Agreement, day: date, reason: str) -> None:
        for obligation in self.session.scalars(select(Obligation).where(Obligation.agreement_id == agreement.id)):
            self.later(day, obligation, "waive", case.legal_officer, {"reason": reason})

    def play_obligations(self) -> None:
        """Fire the queued obligation events in date order, through the workflow engine, each on its day."""
        workflow = get_workflow("obligation")
        for day, _order, obligation, trigger, actor, payload in sorted(self.outcomes, key=lambda item: item[:2]):
            if workflow.find(trigger, workflow.state_of(obligation)) is None:
                continue  # already fulfilled or waived by then
            with self.on(day):
                self.fire("obligation", obligation, trigger, actor, payload=payload)

    def plan_review(self, case: Case, agreement: Agreement) -> None:
        """A joint review falling due in the coming weeks, for an agreement in force."""
        due = self.ahead(self.rng.randint(5, 75))
        if agreement.status in states("agreement", group="in_force") and (
            agreement.end_date is None or agreement.end_date > due
        ):
            data = ObligationCreate(
                description="Joint mid-term review with the partners", due_date=due, responsible_email=case.owner.email
            )
            add_obligation(self.session, agreement.id, data, case.owner)
