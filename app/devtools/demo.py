"""A realistic demo portfolio: organisations of every kind, partnerships in every stage, one user per role.

Everything is generated deterministically (``random.Random(2026)`` over curated lists) with dates relative to
today, and every stage or status change goes through the workflow engine. Histories are back-dated by running
each step under ``clock.frozen_at`` (a global clock), so this loader is meant for the CLI, not a server thread.
The stories are declared in ``scenarios.yaml`` (the stage each ends in, and its variant); each stage's stories
are played by the ``play_<stage>`` method below; the steps they use are in ``demo_parties`` and ``demo_agreements``.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.agreements.models import Agreement, AgreementKind
from app.devtools.curated import DEMO_ADMIN_EMAIL, DEMO_USERS, TOKEN_DAYS
from app.devtools.demo_agreements import AgreementSteps
from app.devtools.scenarios import Scenario, scenarios
from app.organisations.models import Organisation
from app.partnerships.models import Partnership, UndertakingForm
from app.screening import loading
from app.screening import service as screening
from app.users.models import Role, User
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user
from app.workflow.actor import Actor


@dataclass
class DemoUser:
    """A demo user and, when just created, the secret of its API token and its password for the pages."""

    email: str
    full_name: str
    role: Role
    token: str | None
    password: str | None = None


@dataclass
class DemoSummary:
    """What ``load_demo`` loaded (or found already loaded)."""

    organisations: int
    partnerships: int
    agreements: int
    users: list[DemoUser]
    already_loaded: bool


def load_demo(session: Session) -> DemoSummary:
    """Load the demo portfolio into an empty-ish database (flush only, never commit); idempotent."""
    if session.scalar(select(User.id).where(func.lower(User.email) == DEMO_ADMIN_EMAIL)) is not None:
        return _existing_summary(session)
    load_sample_screening_list(session)
    return _DemoPortfolio(session).build()


SAMPLE_SCREENING_LIST = Path(__file__).with_name("un_consolidated_sample.xml")
"""A sample of the UN Security Council Consolidated List's format with fictional entries, for the demo."""


def load_sample_screening_list(session: Session) -> None:
    """Load the sample sanctions list when none is loaded, so that the demo's agreements can be approved."""
    if screening.current_list(session) is None:
        with SAMPLE_SCREENING_LIST.open("rb") as stream:
            loading.load_list(session, stream, file_name=SAMPLE_SCREENING_LIST.name)


def _existing_summary(session: Session) -> DemoSummary:
    emails = [email for email, _, _ in DEMO_USERS]
    found = {user.email: user for user in session.scalars(select(User).where(User.email.in_(emails)))}
    users = [DemoUser(email, found[email].full_name, role, None) for email, _, role in DEMO_USERS if email in found]
    counts = [session.scalar(select(func.count()).select_from(m)) or 0 for m in (Organisation, Partnership, Agreement)]
    return DemoSummary(*counts, users=users, already_loaded=True)


class _DemoPortfolio(AgreementSteps):
    """Plays every scenario of ``scenarios.yaml``, then the obligations' outcomes in date order."""

    def build(self) -> DemoSummary:
        with self.on(self.ago(2200)):
            passwords = {email: secrets.token_urlsafe(12) for email, _, _ in DEMO_USERS}
            users = [
                (
                    create_user(
                        self.session,
                        UserCreate(email=email, full_name=name, roles=[role], password=passwords[email]),
                        actor=Actor.system(reason="demo data"),
                    ),
                    role,
                )
                for email, name, role in DEMO_USERS
            ]
        self.managers = [user for user, role in users if role is Role.PROJECT_MANAGER]
        self.legal_officers = [user for user, role in users if role is Role.LEGAL_OFFICER]
        self.create_organisations()
        self.leads = itertools.cycle(self.rng.sample(self.organisations, len(self.organisations)))
        for index, scenario in enumerate(scenarios().demo):
            getattr(self, f"play_{scenario.stage}")(index, scenario)
        self.play_obligations()
        demo_users = [
            DemoUser(
                user.email,
                user.full_name,
                role,
                create_token(self.session, user, "demo", TOKEN_DAYS)[1],
                passwords[user.email],
            )
            for user, role in users
        ]
        return DemoSummary(len(self.organisations), len(self.partnerships), len(self.agreements), demo_users, False)

    # the scenarios, one method per final stage --------------------------------------------------------------

    def play_ad_hoc(self, index: int, scenario: Scenario) -> None:
        if scenario.variant == "revived":
            opened = self.ago(620)
            case = self.open(index, scenario, opened)
            self.interactions(case, opened, opened + timedelta(days=90), 2)
            self.move(case, "go_dormant", opened + timedelta(days=280), case.owner, "No contact for six months")
            self.move(case, "revive", self.ago(35), case.owner, "A new call for proposals reopened the discussion")
            self.interactions(case, self.ago(20), self.ago(20), 1)
            return
        first_contact = scenario.variant == "first_contact"
        opened = self.ago(self.rng.randint(10, 60) if first_contact else self.rng.randint(120, 300))
        case = self.open(index, scenario, opened)
        self.interactions(case, opened, self.today, 1 if first_contact else 4)

    def play_informal(self, index: int, scenario: Scenario) -> None:
        undertaken = self.ago(self.rng.randint(20, 120))
        opened = undertaken - timedelta(days=self.rng.randint(60, 300))
        case = self.open(index, scenario, opened)
        self.interactions(case, opened, undertaken - timedelta(days=1), self.rng.randint(1, 3))
        twice = scenario.variant == "two_undertakings"
        self.undertaking(case, undertaken, UndertakingForm.VERBAL if twice else UndertakingForm(scenario.variant))
        if twice:
            self.undertaking(case, self.ago(10), UndertakingForm.LETTER)

    def play_dormant(self, index: int, scenario: Scenario) -> None:
        self.dormant_history(index, scenario, with_undertaking=scenario.variant == "after_undertaking")

    def play_formalising(self, index: int, scenario: Scenario) -> None:
        variant = scenario.variant
        if variant == "renewal":
            case, mou = self.formal_history(index, scenario, (self.ago(800), self.ago(70)))
            self.end_partnership(case, mou, "expire", self.ago(69), "End date passed")
            self.move(case, "renew", self.ago(40), case.owner, "Both parties wish to continue")
            term = (self.ahead(30), self.ahead(30 + 2 * 365))
            self.submit(case, self.draft(case, AgreementKind.RENEWAL, self.ago(35), term, mou), self.ago(10))
            return
        effective = self.ahead(14 if variant == "signed_not_yet_effective" else self.rng.randint(30, 90))
        term = (effective, effective + timedelta(days=2 * 365))
        formalise_on = self.ago(
            {"just_drafted": 10, "under_review": 40, "cancelled_and_redrafted": 200}.get(variant, 110)
        )
        case = self.lead_up(index, scenario, formalise_on, term)
        drafted = formalise_on + timedelta(days=4)
        if variant == "cancelled_and_redrafted":
            first = self.draft(case, AgreementKind.MOU, drafted, term)
            self.submit(case, first, drafted + timedelta(days=20))
            reason = "The partner restructured; the scope is being renegotiated"
            self.step(first, "cancel", drafted + timedelta(days=60), case.legal_officer, reason)
            drafted = self.ago(30)
        agreement = self.draft(case, AgreementKind.MOU, drafted, term)
        if variant != "just_drafted":
            self.submit(case, agreement, drafted + timedelta(days=12))
        if variant == "changes_requested":
            reason = "Align the data protection clause with the partner's national law"
            self.step(agreement, "request_changes", self.ago(60), case.legal_officer, reason)
            self.submit(case, agreement, self.ago(9))
        if variant in {"approved_unsigned", "signed_not_yet_effective"}:
            self.step(agreement, "approve", self.ago(40), case.legal_officer)
        if variant == "signed_not_yet_effective":
            self.sign(case, agreement, self.ago(5))

    def play_formal(self, index: int, scenario: Scenario) -> None:
        variant, end = scenario.variant, self.ahead(scenario.end_in_days) if scenario.end_in_days else None
        if variant == "extended":
            case, mou = self.formal_history(index, scenario, (self.ago(760), self.ago(20)))
            self.plan_review(case, self.successor(case, AgreementKind.EXTENSION, mou, (self.ago(50), end)))
            return
        effective = min(end - timedelta(days=365 * self.rng.choice([2, 3])), self.ago(60)) if end else self.ago(400)
        case, mou = self.formal_history(index, scenario, (effective, end))
        if variant == "running":
            self.plan_review(case, mou)
        elif variant == "amended":
            self.plan_review(case, self.successor(case, AgreementKind.AMENDMENT, mou, (self.ago(60), end)))
        elif variant == "amendment_in_review":
            amendment = self.draft(case, AgreementKind.AMENDMENT, self.ago(25), (self.ahead(20), end), mou)
            self.submit(case, amendment, self.ago(12))
        elif variant == "funding_frozen":
            self.step(mou, "suspend", self.ago(20), case.legal_officer, "Funding frozen pending an audit")

    def play_ended(self, index: int, scenario: Scenario) -> None:
        variant = scenario.variant
        if variant == "extended_then_expired":
            case, mou = self.formal_history(index, scenario, (self.ago(1300), self.ago(560)))
            extension = self.successor(case, AgreementKind.EXTENSION, mou, (self.ago(600), self.ago(130)))
            self.end_partnership(case, extension, "expire", self.ago(129), "End date passed")
        elif variant in {"expired_last_year", "expired_recently"}:
            end = date(self.today.year - 1, 9, 30) if variant == "expired_last_year" else self.ago(40)
            case, mou = self.formal_history(index, scenario, (end - timedelta(days=2 * 365), end))
            self.end_partnership(case, mou, "expire", end + timedelta(days=1), "End date passed")
        else:
            case, mou = self.formal_history(index, scenario, (self.ago(600), self.ahead(160)))
            if variant == "suspended_then_terminated":
                self.step(mou, "suspend", self.ago(260), case.legal_officer, "Serious concerns raised by an audit")
                self.end_partnership(case, mou, "terminate", self.ago(210), "Terminated after the audit findings")
            else:
                self.end_partnership(case, mou, "terminate", self.ago(75), "Terminated by mutual consent (merger)")

    def play_closed(self, index: int, scenario: Scenario) -> None:
        if scenario.variant == "went_dormant":
            case = self.dormant_history(index, scenario, with_undertaking=False)
            self.move(case, "close", self.ago(self.rng.randint(20, 60)), case.owner, "No prospect of cooperation")
            return
        case, mou = self.formal_history(index, scenario, (self.ago(1065), self.ago(700)))
        if scenario.variant == "ended_long_ago":
            self.end_partnership(case, mou, "expire", self.ago(699), "End date passed")
        else:
            self.end_partnership(case, mou, "terminate", self.ago(800), "The partner ceased operations")
        self.move(case, "close", self.ago(600), case.owner, "Archived after the final reports were received")
