"""Demo building blocks, first half: the clock, organisations, partnerships and their informal steps.

Every step runs as if on its own day (``on``) and every change of stage goes through the workflow engine (``fire``).
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement
from app.config import get_settings
from app.devtools.curated import (
    AREA_ABBREVIATIONS,
    CAUSES,
    CONTACT_TITLES,
    DONOR_KINDS,
    EMBLEMS,
    INTERACTION_NOTES,
    NAME_TEMPLATES,
    OBSERVER_KINDS,
    ORGANISATIONS_PER_KIND,
    REGIONS,
    ROLES_BY_PARTY_COUNT,
    THEMES,
    UNREGISTERED_KINDS,
)
from app.devtools.scenarios import Scenario, scenarios
from app.obligations.models import Obligation
from app.obligations.rules import add_months
from app.organisations.models import Contact, Organisation, OrganisationKind
from app.organisations.schemas import ContactCreate, OrganisationCreate
from app.organisations.service import create_organisation
from app.partnerships.models import Partnership, PartnershipParty, PartyRole, UndertakingForm
from app.partnerships.schemas import InteractionCreate, PartnershipCreate, PartyInput, ProjectInput, UndertakingCreate
from app.partnerships.service import create_partnership, record_interaction, record_undertaking
from app.users.models import User
from app.workflow import engine
from app.workflow.actor import Actor


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.replace("'", "")).encode("ascii", "ignore").decode().lower()
    return "".join(c if c.isalnum() else " " for c in folded).split()


def _initials(name: str) -> str:
    return "".join(w[0] for w in _ascii_words(name) if w not in {"of", "for", "and", "the", "on", "in"}).upper()


def quarter_end_after(day: date) -> date:
    ends = [date(day.year, month, last) for month, last in ((3, 31), (6, 30), (9, 30), (12, 31))]
    return next((end for end in ends if end > day), date(day.year + 1, 3, 31))


def quarterly_occurrences(first: date, until: date | None) -> list[date]:
    """The due dates of a quarterly obligation from ``first`` up to ``until``."""
    days = [first]
    while until is not None and (following := add_months(days[-1], 3)) <= until:
        days.append(following)
    return days


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:]


Term = tuple[date, date | None]  # effective date, end date


class Plan(NamedTuple):
    """The dates on which an agreement is drafted, submitted, approved and signed."""

    drafted: date
    submitted: date
    approved: date
    signed: date


@dataclass
class Case:
    """A demo partnership being played out, with the people and words its story uses."""

    partnership: Partnership
    owner: User
    legal_officer: User
    theme: str
    city: str


class PartnershipSteps:
    """Plays the first steps of a demo story through the services and the workflow engine, each on its own date."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.zone = get_settings().zone
        self.today = clock.today(self.zone)
        self.rng = random.Random(2026)
        self.minutes_used: dict[date, int] = {}
        self.city_of: dict[int, str] = {}
        self.organisations: list[Organisation] = []
        self.partnerships: list[Partnership] = []
        self.agreements: list[Agreement] = []
        self.outcomes: list[tuple[date, int, Obligation, str, User | None, dict | None]] = []
        self.titles: set[str] = set()
        self.people: set[str] = set()

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def ahead(self, days: int) -> date:
        return self.today + timedelta(days=days)

    @contextmanager
    def on(self, day: date) -> Iterator[None]:
        """Run a step as if on ``day`` (later steps on one day get later times); today runs in real time."""
        if day > self.today:
            raise ValueError(f"demo step dated in the future: {day}")
        if day == self.today:
            yield
            return
        minutes = self.minutes_used[day] = self.minutes_used.get(day, 0) + 3
        with clock.frozen_at(datetime.combine(day, time(8), tzinfo=self.zone) + timedelta(minutes=min(minutes, 900))):
            yield

    # organisations ------------------------------------------------------------------------------------------

    def create_organisations(self) -> None:
        regions, emblems = list(REGIONS), itertools.cycle(self.rng.sample(EMBLEMS, len(EMBLEMS)))
        names: set[str] = set()
        domains: list[str] = []
        for copy in range(ORGANISATIONS_PER_KIND):
            for kind_index, kind in enumerate(OrganisationKind):
                region = regions[(kind_index + 3 * copy) % len(regions)]  # each kind spread over several regions
                countries, _, _, adjective = REGIONS[region]
                country_code, phone_prefix, cities = self.rng.choice(countries)
                city, template = self.rng.choice(cities), NAME_TEMPLATES[kind][copy % len(NAME_TEMPLATES[kind])]
                legal_name = ""
                while not legal_name or legal_name in names:
                    emblem, (cause, area_code) = next(emblems), self.rng.choice(CAUSES)
                    legal_name = template.format(emblem=emblem, cause=cause, city=city, adjective=adjective)
                names.add(legal_name)
                short_name = _initials(legal_name) if len(_initials(legal_name)) >= 3 else emblem
                stem = "-".join([*_ascii_words(short_name), country_code.lower()])
                domains.append(stem)
                domain = f"{stem}{domains.count(stem) if domains.count(stem) > 1 else ''}.example.org"
                other_areas = [code for _, code in CAUSES if code != area_code]
                registration = f"{country_code}/{AREA_ABBREVIATIONS[area_code]}/{self.rng.randint(10000, 99999)}"
                data = OrganisationCreate(
                    legal_name=legal_name,
                    short_name=short_name,
                    kind=kind,
                    country_code=country_code,
                    region=region,
                    registration_number=None if kind in UNREGISTERED_KINDS else registration,
                    website=f"https://{domain}",
                    email=f"info@{domain}",
                    area_codes=[area_code, *self.rng.sample(other_areas, self.rng.randint(0, 2))],
                    contacts=self.contacts(region, phone_prefix, domain, first_title=kind_index + copy),
                )
                with self.on(self.ago(self.rng.randint(1800, 2100))):
                    organisation = create_organisation(self.session, data, actor=Actor.system(reason="demo data"))
                self.organisations.append(organisation)
                self.city_of[organisation.id] = city

    def contacts(self, region: str, phone_prefix: str, domain: str, first_title: int) -> list[ContactCreate]:
        """One to three people with names of the region, never the same person twice; the first is focal point."""
        _, first_names, family_names, _ = REGIONS[region]
        contacts = []
        for number in range(self.rng.randint(1, 3)):
            person = ""
            while not person or person in self.people:
                person = f"{self.rng.choice(first_names)} {self.rng.choice(family_names)}"
            self.people.add(person)
            digits = f"{self.rng.randint(20, 99)} {self.rng.randint(100, 999)} {self.rng.randint(1000, 9999)}"
            contacts.append(
                ContactCreate(
                    name=person,
                    title=CONTACT_TITLES[(first_title + number) % len(CONTACT_TITLES)],
                    email=f"{'.'.join(_ascii_words(person))}@{domain}",
                    phone=f"+{phone_prefix} {digits}",
                    is_focal_point=number == 0,
                )
            )
        return contacts

    # partnerships and their informal steps ------------------------------------------------------------------

    def choose_parties(self, count: int) -> list[PartyInput]:
        chosen = [next(self.leads)]
        for role in ROLES_BY_PARTY_COUNT[count][1:]:
            kinds = {PartyRole.DONOR: DONOR_KINDS, PartyRole.OBSERVER: OBSERVER_KINDS}.get(role, set(OrganisationKind))
            chosen.append(self.rng.choice([o for o in self.organisations if o not in chosen and o.kind in kinds]))
        return [
            PartyInput(organisation_id=o.id, role=role, focal_point_id=o.contacts[0].id)
            for o, role in zip(chosen, ROLES_BY_PARTY_COUNT[count], strict=True)
        ]

    def open(self, index: int, scenario: Scenario, opened: date, term: Term | None = None) -> Case:
        parties = self.choose_parties(scenario.parties)
        lead = self.session.get(Organisation, parties[0].organisation_id)
        area = self.rng.choice(lead.areas).code
        theme, city = self.rng.choice(THEMES[area]), self.city_of[lead.id]
        title = f"{theme} in {city}"
        title = f"{title}, phase II" if title in self.titles else title
        self.titles.add(title)
        owner, legal_officer = self.managers[index % 2], self.legal_officers[(index // 2) % 2]
        project = None
        if scenario.parties >= 3 or self.rng.random() < 0.45:
            start, end = term or (opened + timedelta(days=60), opened + timedelta(days=60 + 3 * 365))
            project = ProjectInput(
                name=f"{theme} ({city})",
                code=f"{lead.country_code}-{AREA_ABBREVIATIONS[area]}-{index + 1:03d}",
                start_date=start,
                end_date=end,
                objectives=f"{theme} for migrants and host communities in and around {city}.",
            )
        without_legal_officer = scenario.stage in scenarios().sometimes_without_legal_officer and index % 3 == 0
        data = PartnershipCreate(
            title=title,
            objectives=f"Work with {lead.legal_name} on {_lower_first(theme)} in {city}.",
            area_codes=[area],
            owner_id=owner.id,
            legal_officer_id=None if without_legal_officer else legal_officer.id,
            project=project,
            parties=parties,
            handles_personal_data=area in {"counter_trafficking", "migrant_health", "migrants_rights"},
        )
        with self.on(opened):
            partnership = create_partnership(self.session, data, owner)
        self.partnerships.append(partnership)
        return Case(partnership, owner, legal_officer, _lower_first(theme), city)

    def focal_point(self, party: PartnershipParty) -> Contact:
        return self.session.get(Contact, party.focal_point_id)

    def interactions(self, case: Case, first: date, last: date, count: int) -> None:
        later = sorted(first + timedelta(days=self.rng.randint(0, (last - first).days)) for _ in range(count - 1))
        for day in [first, *later]:
            kind, note = self.rng.choice(INTERACTION_NOTES)
            data = InteractionCreate(
                occurred_on=day,
                kind=kind,
                summary=note.format(theme=case.theme, city=case.city),
                participants=f"{case.owner.full_name}; {self.focal_point(case.partnership.parties[0]).name}",
            )
            with self.on(day):
                record_interaction(self.session, case.partnership.id, data, case.owner)

    def undertaking(self, case: Case, day: date, form: UndertakingForm) -> None:
        lead = case.partnership.parties[0]
        data = UndertakingCreate(
            given_on=day,
            given_by=f"{self.focal_point(lead).name}, {self.focal_point(lead).title}",
            organisation_id=lead.organisation_id,
            scope=f"Agreement in principle to cooperate on {case.theme} in {case.city}, pending a written MOU.",
            form=form,
        )
        with self.on(day):
            record_undertaking(self.session, case.partnership.id, data, case.owner)

    def move(self, case: Case, trigger: str, day: date, actor: User | None, comment: str) -> None:
        with self.on(day):
            self.fire("partnership", case.partnership, trigger, actor, comment)

    def lead_up(self, index: int, scenario: Scenario, formalise_on: date, term: Term | None = None) -> Case:
        """Open, meet, get an undertaking and start formalising on ``formalise_on``."""
        undertaken = formalise_on - timedelta(days=self.rng.randint(15, 60))
        opened = undertaken - timedelta(days=self.rng.randint(60, 240))
        case = self.open(index, scenario, opened, term)
        self.interactions(case, opened, undertaken - timedelta(days=1), self.rng.randint(1, 3))
        self.undertaking(case, undertaken, self.rng.choice(list(UndertakingForm)))
        self.move(case, "start_formalising", formalise_on, case.owner, "The partner agreed to negotiate an MOU")
        return case

    def dormant_history(self, index: int, scenario: Scenario, with_undertaking: bool) -> Case:
        opened = self.ago(self.rng.randint(420, 720))
        case = self.open(index, scenario, opened)
        self.interactions(case, opened, opened + timedelta(days=60), self.rng.randint(1, 2))
        if with_undertaking:
            self.undertaking(case, opened + timedelta(days=90), UndertakingForm.EMAIL)
        self.move(case, "go_dormant", opened + timedelta(days=300), case.owner, "No activity for several months")
        return case

    def fire(
        self,
        workflow: str,
        entity: Any,
        trigger: str,
        actor: User | None,
        comment: str | None = None,
        payload: dict | None = None,
    ) -> None:
        """Fire ``trigger`` through the engine as ``actor`` (``None``: the system): the one way demo states change."""
        acting = Actor.person(actor) if actor is not None else Actor.system(reason="demo portfolio")
        engine.fire(self.session, workflow, entity, trigger, acting, comment, payload=payload)
