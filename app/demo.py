"""A realistic demo portfolio: organisations of every kind, partnerships in every stage, one user per role.

Everything is generated deterministically (``random.Random(2026)`` over curated lists) with dates relative to
today, and every stage or status change goes through the workflow engine. Histories are back-dated by running
each step under ``clock.frozen_at`` (a global clock), so this loader is meant for the CLI, not a server thread.
"""

from __future__ import annotations

import itertools
import random
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement, AgreementKind
from app.agreements.rules import signing_parties
from app.agreements.schemas import AgreementCreate, ObligationCreate
from app.agreements.service import add_obligation, add_version, create_agreement
from app.config import get_settings
from app.obligations.models import Obligation, Recurrence
from app.obligations.rules import add_months
from app.organisations.models import Contact, Organisation, OrganisationKind
from app.organisations.schemas import ContactCreate, OrganisationCreate
from app.organisations.service import create_organisation
from app.partnerships.models import InteractionKind, Partnership, PartnershipParty, PartyRole, UndertakingForm
from app.partnerships.schemas import (
    PARTNER_ROLES,
    InteractionCreate,
    PartnershipCreate,
    PartyInput,
    ProjectInput,
    UndertakingCreate,
)
from app.partnerships.service import create_partnership, record_interaction, record_undertaking
from app.users.models import Role, User
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user
from app.workflow import engine

# --- Curated data -------------------------------------------------------------------------------------------

DEMO_USERS = [
    ("admin@demo.example.org", "Ingrid Solberg", Role.ADMIN),
    ("legal@demo.example.org", "Lucía Fernández", Role.LEGAL_OFFICER),
    ("legal2@demo.example.org", "Kwabena Asante", Role.LEGAL_OFFICER),
    ("pm@demo.example.org", "Jonas Weber", Role.PROJECT_MANAGER),
    ("pm2@demo.example.org", "Priya Raman", Role.PROJECT_MANAGER),
    ("viewer@demo.example.org", "Sam Ortega", Role.VIEWER),
]
DEMO_ADMIN_EMAIL = DEMO_USERS[0][0]
TOKEN_DAYS = 30
ORGANISATION_SIGNATORY = ("Helena Marquez", "Director, Partnerships and Agreements")

# region -> (country code, telephone prefix, cities); first names; family names; adjective for regional bodies
REGIONS: dict[str, tuple[list[tuple[str, str, list[str]]], list[str], list[str], str]] = {
    "East and Horn of Africa": (
        [
            ("KE", "254", ["Nairobi", "Mombasa", "Kisumu"]),
            ("ET", "251", ["Addis Ababa", "Dire Dawa"]),
            ("UG", "256", ["Kampala", "Gulu"]),
            ("DJ", "253", ["Djibouti"]),
            ("TZ", "255", ["Dar es Salaam", "Arusha"]),
        ],
        ["Amina", "Daniel", "Hodan", "Yohannes", "Grace", "Abdi", "Wanjiru", "Tesfaye"],
        ["Otieno", "Mekonnen", "Warsame", "Achieng", "Kiprop", "Haile", "Nakato", "Juma"],
        "East African",
    ),
    "West and Central Africa": (
        [
            ("SN", "221", ["Dakar", "Saint-Louis"]),
            ("NG", "234", ["Lagos", "Kano"]),
            ("NE", "227", ["Niamey", "Agadez"]),
            ("GH", "233", ["Accra", "Kumasi"]),
            ("CM", "237", ["Douala", "Yaoundé"]),
        ],
        ["Aissatou", "Kofi", "Ibrahim", "Mariama", "Chinedu", "Fatoumata", "Yaw", "Ngozi"],
        ["Diallo", "Mensah", "Traoré", "Okafor", "Ndiaye", "Boateng", "Keita", "Adeyemi"],
        "West African",
    ),
    "Middle East and North Africa": (
        [
            ("MA", "212", ["Rabat", "Tangier"]),
            ("TN", "216", ["Tunis", "Sfax"]),
            ("EG", "20", ["Cairo", "Alexandria"]),
            ("JO", "962", ["Amman", "Irbid"]),
            ("LB", "961", ["Beirut", "Tripoli"]),
        ],
        ["Layla", "Omar", "Yasmine", "Karim", "Nour", "Hassan", "Salma", "Rami"],
        ["Haddad", "El Amrani", "Mansour", "Khalil", "Benali", "Saleh", "Farouk", "Nasser"],
        "Mediterranean",
    ),
    "Asia and the Pacific": (
        [
            ("BD", "880", ["Dhaka", "Cox's Bazar"]),
            ("PH", "63", ["Manila", "Cebu"]),
            ("NP", "977", ["Kathmandu", "Pokhara"]),
            ("ID", "62", ["Jakarta", "Makassar"]),
            ("FJ", "679", ["Suva"]),
        ],
        ["Anjali", "Rahim", "Siti", "Joel", "Mei", "Bikash", "Ana", "Kiri"],
        ["Rahman", "Santos", "Gurung", "Wijaya", "Reyes", "Tan", "Chowdhury", "Naidu"],
        "Asia-Pacific",
    ),
    "South America": (
        [
            ("CO", "57", ["Bogotá", "Cúcuta"]),
            ("PE", "51", ["Lima", "Cusco"]),
            ("BR", "55", ["São Paulo", "Boa Vista"]),
            ("EC", "593", ["Quito", "Guayaquil"]),
            ("CL", "56", ["Santiago", "Antofagasta"]),
        ],
        ["Camila", "Mateo", "Valentina", "João", "Lucía", "Diego", "Paula", "Andrés"],
        ["Rodríguez", "Silva", "Quispe", "Gómez", "Herrera", "Pereira", "Castillo", "Morales"],
        "South American",
    ),
    "Central America, North America and the Caribbean": (
        [
            ("GT", "502", ["Guatemala City", "Quetzaltenango"]),
            ("HN", "504", ["Tegucigalpa", "San Pedro Sula"]),
            ("MX", "52", ["Tapachula", "Monterrey"]),
            ("DO", "1 809", ["Santo Domingo"]),
            ("CR", "506", ["San José"]),
        ],
        ["Gabriela", "José", "Marisol", "Luis", "Keisha", "Carlos", "Rosa", "Miguel"],
        ["López", "Hernández", "Castro", "Martínez", "Baptiste", "Ramírez", "Flores", "Thompson"],
        "Mesoamerican",
    ),
    "European Economic Area": (
        [
            ("DE", "49", ["Berlin", "Hamburg"]),
            ("FR", "33", ["Lyon", "Marseille"]),
            ("IT", "39", ["Palermo", "Turin"]),
            ("ES", "34", ["Madrid", "Valencia"]),
            ("NO", "47", ["Oslo", "Bergen"]),
        ],
        ["Sophie", "Lukas", "Giulia", "Pablo", "Émilie", "Jonas", "Clara", "Matteo"],
        ["Müller", "Rossi", "Dubois", "García", "Jansen", "Lindqvist", "Novak", "Moreau"],
        "European",
    ),
    "South-Eastern Europe, Eastern Europe and Central Asia": (
        [
            ("MD", "373", ["Chișinău", "Bălți"]),
            ("KZ", "7", ["Almaty", "Astana"]),
            ("KG", "996", ["Bishkek", "Osh"]),
            ("RS", "381", ["Belgrade", "Niš"]),
            ("GE", "995", ["Tbilisi", "Batumi"]),
        ],
        ["Olena", "Aibek", "Ana", "Nikola", "Dinara", "Giorgi", "Irina", "Emir"],
        ["Kovalenko", "Seitkali", "Petrović", "Beridze", "Popescu", "Hadžić", "Rusu", "Omarov"],
        "Black Sea and Central Asian",
    ),
}

# cause in an organisation's name -> area of engagement it works in
CAUSES = [
    ("Survivor Support", "counter_trafficking"),
    ("Sustainable Return", "assisted_voluntary_return"),
    ("Skills and Learning", "education_training"),
    ("Health on the Move", "migrant_health"),
    ("Safe Mobility", "awareness_raising"),
    ("Migrant Dignity", "migrants_rights"),
    ("Fair Recruitment", "labour_migration"),
    ("Crisis Response", "humanitarian"),
    ("Resilient Communities", "community_development"),
    ("Migration Data", "research_data"),
    ("Migration Governance", "policy_dialogue"),
    ("Inclusion and Integration", "resettlement_integration"),
]
EMBLEMS = [
    "Baobab", "Acacia", "Lantern", "Compass", "Harbour", "Kestrel", "Tamarind", "Mosaic", "Wayfarer", "Lodestar",
    "Sunbird", "Riverstone", "Tidewater", "Juniper", "Marigold", "Sextant", "Meridian", "Cedarline", "Firefly",
    "Kingfisher", "Saffron", "Driftwood", "Palmyra", "Seedling", "Trellis", "Northwind", "Greenway", "Ironwood",
    "Bluewater", "Silverleaf", "Hearthstone", "Weaverbird",
]  # fmt: skip
NAME_TEMPLATES: dict[OrganisationKind, list[str]] = {
    OrganisationKind.INTERNATIONAL_CSO: [
        "{emblem} International", "{emblem} Alliance for {cause}", "Global {emblem} Network for {cause}",
        "{emblem} Federation for {cause}",
    ],
    OrganisationKind.NATIONAL_CSO: [
        "{emblem} Association for {cause}", "{emblem} Migrant Support Society", "{emblem} Legal Aid Centre",
        "{emblem} Society for {cause}",
    ],
    OrganisationKind.COMMUNITY_BASED: [
        "{city} {emblem} Women's Cooperative", "{emblem} Youth Collective of {city}", "{city} Returnees' Circle",
        "{emblem} Fishers' Self-Help Group of {city}",
    ],
    OrganisationKind.INTERGOVERNMENTAL: [
        "Intergovernmental Commission on {cause}", "Interstate Council for {cause}",
        "Intergovernmental Secretariat for {cause}", "Joint Ministerial Conference on {cause}",
    ],
    OrganisationKind.REGIONAL: [
        "{adjective} Regional Forum on {cause}", "{adjective} Platform for {cause}",
        "{adjective} Commission for {cause}", "{adjective} Network of {cause} Agencies",
    ],
    OrganisationKind.ACADEMIC: [
        "{emblem} University of {city}", "{emblem} Institute of Migration Studies", "{emblem} University College",
        "{emblem} School of Public Health",
    ],
    OrganisationKind.THINK_TANK: [
        "{emblem} Institute for {cause} Policy", "{emblem} Policy Lab", "{emblem} Centre for Mobility Research",
        "{emblem} Foresight Group",
    ],
    OrganisationKind.PRIVATE_SECTOR: [
        "{emblem} Logistics Ltd", "{emblem} Recruitment Services", "{emblem} Telecom", "{emblem} Agro Holdings",
        "{emblem} Remittance Services",
    ],
    OrganisationKind.GOVERNMENT: [
        "National Agency for {cause}", "{city} Municipal Office for {cause}", "National Commission for {cause}",
        "Provincial Directorate of Labour, {city}",
    ],
    OrganisationKind.UN_AGENCY: [
        "United Nations Office for {cause}", "United Nations Programme on {cause}", "UN Fund for {cause}",
        "United Nations Centre for {cause}",
    ],
    OrganisationKind.OTHER: [
        "{emblem} Family Foundation", "{city} Interfaith Council", "{emblem} Community Media",
        "{emblem} Diaspora Association",
    ],
}  # fmt: skip
ORGANISATIONS_PER_KIND = 5
CONTACT_TITLES = [
    "Executive Director", "Head of Programmes", "Partnerships Officer", "Country Director", "Legal Adviser",
    "Project Coordinator", "Research Fellow", "Director of Operations", "Protection Officer", "Finance Manager",
]  # fmt: skip
UNREGISTERED_KINDS = {OrganisationKind.INTERGOVERNMENTAL, OrganisationKind.UN_AGENCY, OrganisationKind.GOVERNMENT}

THEMES = {
    "counter_trafficking": [
        "Assistance to survivors of trafficking", "Counter-trafficking referral network",
        "Training of labour inspectors on trafficking indicators",
    ],
    "assisted_voluntary_return": [
        "Reintegration support for returning migrants", "Community-based reintegration",
        "Return counselling for stranded migrants",
    ],
    "education_training": [
        "Capacity building for frontline officials", "Vocational training for young migrants",
        "Teacher training in displacement-affected schools",
    ],
    "migrant_health": [
        "Mobile health clinics on transit routes", "Mental health and psychosocial support",
        "Tuberculosis screening for migrant workers",
    ],
    "awareness_raising": [
        "Safe migration information campaign", "Community radio on irregular migration",
        "Migrant information centre",
    ],
    "migrants_rights": [
        "Legal aid for migrants in detention", "Protection of unaccompanied children",
        "Documentation and civil registration drive",
    ],
    "labour_migration": [
        "Fair recruitment of domestic workers", "Skills partnership for seasonal workers",
        "Pre-employment orientation for migrant workers",
    ],
    "humanitarian": [
        "Emergency shelter after flooding", "Camp coordination and camp management",
        "Disaster risk reduction in coastal districts",
    ],
    "community_development": [
        "Income generation in host communities", "Water points and small infrastructure",
        "Youth employment in border towns",
    ],
    "research_data": [
        "Displacement tracking survey", "Study on remittances and household resilience",
        "Labour market assessment",
    ],
    "policy_dialogue": [
        "Regional consultation on migration governance", "Policy dialogue on climate mobility",
        "National migration policy review",
    ],
    "resettlement_integration": [
        "Pre-departure orientation for refugees", "Language and integration courses",
        "Housing support for resettled families",
    ],
}  # fmt: skip
AREA_ABBREVIATIONS = {
    "counter_trafficking": "CT", "assisted_voluntary_return": "AVR", "education_training": "EDU",
    "migrant_health": "MH", "awareness_raising": "AR", "migrants_rights": "MR", "labour_migration": "LM",
    "humanitarian": "HUM", "community_development": "CD", "research_data": "RD", "policy_dialogue": "PD",
    "resettlement_integration": "RI",
}  # fmt: skip
INTERACTION_NOTES = [
    (InteractionKind.MEETING, "Introductory meeting on {theme}"),
    (InteractionKind.CALL, "Call to agree next steps on {theme}"),
    (InteractionKind.WORKSHOP, "Joint planning workshop on {theme}"),
    (InteractionKind.FIELD_VISIT, "Field visit to {city} with the partner's team"),
    (InteractionKind.CONFERENCE, "Side event at the regional conference on {theme}"),
    (InteractionKind.EVENT, "Joint public event in {city}"),
    (InteractionKind.CORRESPONDENCE, "Exchange of letters on possible cooperation on {theme}"),
    (InteractionKind.JOINT_ACTIVITY, "Joint distribution of information kits in {city}"),
]
AGREEMENT_TITLES = {
    AgreementKind.MOU: "Memorandum of Understanding: {title}",
    AgreementKind.AMENDMENT: "Amendment No. 1 to the MOU: {title}",
    AgreementKind.EXTENSION: "No-cost extension of the MOU: {title}",
    AgreementKind.RENEWAL: "Renewal of the MOU: {title}",
}
DONOR_KINDS = {
    OrganisationKind.PRIVATE_SECTOR,
    OrganisationKind.GOVERNMENT,
    OrganisationKind.INTERGOVERNMENTAL,
    OrganisationKind.UN_AGENCY,
    OrganisationKind.OTHER,
}
OBSERVER_KINDS = {OrganisationKind.REGIONAL, OrganisationKind.THINK_TANK, OrganisationKind.UN_AGENCY}
ROLES_BY_PARTY_COUNT = {
    1: [PartyRole.LEAD_PARTNER],
    2: [PartyRole.LEAD_PARTNER, PartyRole.IMPLEMENTING_PARTNER],
    3: [PartyRole.LEAD_PARTNER, PartyRole.CO_PARTNER, PartyRole.DONOR],
    4: [PartyRole.LEAD_PARTNER, PartyRole.IMPLEMENTING_PARTNER, PartyRole.DONOR, PartyRole.OBSERVER],
}


@dataclass(frozen=True)
class Scenario:
    """The story of one demo partnership: the stage it ends in, how it got there, how many parties."""

    stage: str
    variant: str
    parties: int = 1
    end_in_days: int | None = None
    notice_days: int = 30


SCENARIOS = [
    Scenario("ad_hoc", "first_contact"),
    Scenario("ad_hoc", "recurring_events", 2),
    Scenario("ad_hoc", "first_contact"),
    Scenario("ad_hoc", "revived"),
    Scenario("ad_hoc", "recurring_events", 3),
    Scenario("informal", "verbal"),
    Scenario("informal", "email", 2),
    Scenario("informal", "letter"),
    Scenario("informal", "two_undertakings", 2),
    Scenario("informal", "verbal"),
    Scenario("dormant", "after_contact"),
    Scenario("dormant", "after_contact", 2),
    Scenario("dormant", "after_undertaking"),
    Scenario("dormant", "after_undertaking"),
    Scenario("formalising", "draft"),
    Scenario("formalising", "in_review", 2),
    Scenario("formalising", "changes_requested"),
    Scenario("formalising", "approved", 3),
    Scenario("formalising", "signed_not_yet_effective", 2),
    Scenario("formalising", "cancelled_and_redrafted"),
    Scenario("formalising", "renewal", 2),
    Scenario("formal", "active", 2, end_in_days=18),
    Scenario("formal", "active", 1, end_in_days=45, notice_days=60),
    Scenario("formal", "active", 4, end_in_days=80, notice_days=90),
    Scenario("formal", "active", 1, end_in_days=160),
    Scenario("formal", "active", 3, end_in_days=1100, notice_days=90),
    Scenario("formal", "extended", 2, end_in_days=220),
    Scenario("formal", "amended", 1, end_in_days=330, notice_days=60),
    Scenario("formal", "amendment_in_review", 2, end_in_days=540),
    Scenario("formal", "suspended", 1, end_in_days=400),
    Scenario("formal", "active", 2, end_in_days=820, notice_days=60),
    Scenario("ended", "expired_last_year"),
    Scenario("ended", "expired_recently", 2),
    Scenario("ended", "terminated"),
    Scenario("ended", "extended_then_expired", 3),
    Scenario("ended", "suspended_then_terminated"),
    Scenario("closed", "ended_long_ago"),
    Scenario("closed", "terminated_long_ago", 2),
    Scenario("closed", "dormant"),
    Scenario("closed", "dormant"),
]


# --- Public interface -----------------------------------------------------------------------------------------


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
    return _PortfolioBuilder(session).build()


def _existing_summary(session: Session) -> DemoSummary:
    emails = [email for email, _, _ in DEMO_USERS]
    found = {user.email: user for user in session.scalars(select(User).where(User.email.in_(emails)))}
    users = [DemoUser(email, found[email].full_name, role, None) for email, _, role in DEMO_USERS if email in found]
    counts = [session.scalar(select(func.count()).select_from(m)) or 0 for m in (Organisation, Partnership, Agreement)]
    return DemoSummary(*counts, users=users, already_loaded=True)


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.replace("'", "")).encode("ascii", "ignore").decode().lower()
    return "".join(c if c.isalnum() else " " for c in folded).split()


def _initials(name: str) -> str:
    return "".join(w[0] for w in _ascii_words(name) if w not in {"of", "for", "and", "the", "on", "in"}).upper()


def _quarter_end_after(day: date) -> date:
    ends = [date(day.year, month, last) for month, last in ((3, 31), (6, 30), (9, 30), (12, 31))]
    return next((end for end in ends if end > day), date(day.year + 1, 3, 31))


def _occurrences(first: date, until: date | None) -> list[date]:
    """The due dates of a quarterly obligation from ``first`` up to ``until``."""
    days = [first]
    while until is not None and (following := add_months(days[-1], 3)) <= until:
        days.append(following)
    return days


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:]


# --- The builder ----------------------------------------------------------------------------------------------

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


class _PortfolioBuilder:
    """Plays every scenario through the services and the workflow engine, each step on its own date."""

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

    def build(self) -> DemoSummary:
        with self.on(self.ago(2200)):
            passwords = {email: secrets.token_urlsafe(12) for email, _, _ in DEMO_USERS}
            users = [
                (
                    create_user(
                        self.session, UserCreate(email=email, full_name=name, roles=[role], password=passwords[email])
                    ),
                    role,
                )
                for email, name, role in DEMO_USERS
            ]
        self.managers = [user for user, role in users if role is Role.PROJECT_MANAGER]
        self.legal_officers = [user for user, role in users if role is Role.LEGAL_OFFICER]
        self.create_organisations()
        self.leads = itertools.cycle(self.rng.sample(self.organisations, len(self.organisations)))
        for index, scenario in enumerate(SCENARIOS):
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
                    organisation = create_organisation(self.session, data)
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
        without_legal_officer = scenario.stage in {"ad_hoc", "dormant"} and index % 3 == 0
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
            engine.fire(self.session, "partnership", case.partnership, trigger, actor and actor.id, comment)

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

    # agreements, signatures and obligations -----------------------------------------------------------------

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
            engine.fire(self.session, "agreement", agreement, trigger, actor and actor.id, comment or None)

    def submit(self, case: Case, agreement: Agreement, day: date) -> None:
        """Store a new document version of the agreement's text, then submit it for review."""
        parties = [party.organisation.legal_name for party in case.partnership.parties]
        end = agreement.end_date.isoformat() if agreement.end_date else None
        body = (
            f"{agreement.title}\n\nBetween {get_settings().organisation_name} and {', '.join(parties)}.\n"
            f"In force from {agreement.effective_date.isoformat()} until {end or 'terminated'}; either party may "
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
            engine.fire(
                self.session, "agreement", agreement, "record_signatures", lawyer.id, actor=lawyer, payload=payload
            )

    def bring_into_force(
        self, case: Case, kind: AgreementKind, term: Term, plan: Plan, parent: Agreement | None = None, notice: int = 0
    ) -> Agreement:
        """Draft, review, approve, sign and (once its effective date has come) activate an agreement."""
        agreement = self.draft(case, kind, plan.drafted, term, parent, notice)
        self.submit(case, agreement, plan.submitted)
        self.step(agreement, "approve", plan.approved, case.legal_officer)
        self.sign(case, agreement, plan.signed)
        if term[0] <= self.today:
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
            engine.fire(self.session, "agreement", agreement, trigger, lawyer.id, actor=lawyer, payload=notice)
        self.waive_open_obligations(case, agreement, day, "The agreement was terminated")

    def add_obligations(self, case: Case, agreement: Agreement) -> None:
        """What each party owes, recorded while drafting; how each one went is played later, in date order."""
        start, end = agreement.effective_date, agreement.end_date
        lead = case.partnership.parties[0]
        evidence = "Received and filed by the programme team"

        def add(party: PartnershipParty | None, text: str, due: date, recurring: bool = False) -> None:
            late, early = self.rng.random() < 0.12, timedelta(days=self.rng.randint(0, 10))  # drawn every time
            data = ObligationCreate(
                party_id=party.id if party else None,
                description=text,
                due_date=due,
                recurrence=Recurrence.QUARTERLY if recurring else None,
                recurrence_until=end if recurring else None,
                responsible_email=self.focal_point(party).email if party else case.owner.email,
            )
            obligation = add_obligation(self.session, agreement.id, data, case.owner)
            if recurring:
                occurrences = _occurrences(due, end)
                for number, day in enumerate(occurrences, start=1):
                    if day < self.today:
                        last = number == len(occurrences)
                        payload = {"fulfilled_on": day.isoformat(), "evidence": evidence}
                        self.later(day, obligation, "fulfil" if last else "fulfil_occurrence", case.owner, payload)
            elif due < self.today and late:
                self.later(due + timedelta(days=1), obligation, "mark_overdue", None, None)
            elif due < self.today:
                done = max(due - early, self.session.get(Agreement, agreement.id).created_at.date())
                self.later(
                    done, obligation, "fulfil", case.owner, {"fulfilled_on": done.isoformat(), "evidence": evidence}
                )

        for party in case.partnership.parties:
            if party.role in PARTNER_ROLES:
                add(party, "Quarterly narrative and financial report", _quarter_end_after(start), recurring=True)
            elif party.role is PartyRole.DONOR:
                add(party, "Transfer the agreed co-funding contribution", start + timedelta(days=45))
        if agreement.kind in {AgreementKind.MOU, AgreementKind.RENEWAL}:
            add(lead, "Baseline assessment of the target communities", start + timedelta(days=90))
            add(None, f"Release the first instalment to {lead.organisation.short_name}", start + timedelta(days=30))
        if end is not None:
            add(lead, "Final narrative and financial report", end + timedelta(days=60))

    def later(self, day: date, obligation: Obligation, trigger: str, actor: User | None, payload: dict | None) -> None:
        """Queue what happened to an obligation on ``day``; ``play_obligations`` fires them in date order."""
        self.outcomes.append((day, len(self.outcomes), obligation, trigger, actor, payload))

    def waive_open_obligations(self, case: Case, agreement: Agreement, day: date, reason: str) -> None:
        for obligation in self.session.scalars(select(Obligation).where(Obligation.agreement_id == agreement.id)):
            self.later(day, obligation, "waive", case.legal_officer, {"reason": reason})

    def play_obligations(self) -> None:
        """Fire the queued obligation events in date order, through the workflow engine, each on its day."""
        workflow = engine.get_workflow("obligation")
        for day, _order, obligation, trigger, actor, payload in sorted(self.outcomes, key=lambda item: item[:2]):
            if workflow.find(trigger, workflow.state_of(obligation)) is None:
                continue  # already fulfilled or waived by then
            with self.on(day):
                engine.fire(self.session, "obligation", obligation, trigger, actor and actor.id, actor=actor,
                            payload=payload)  # fmt: skip

    def plan_review(self, case: Case, agreement: Agreement) -> None:
        """A joint review falling due in the coming weeks, for an agreement in force."""
        due = self.ahead(self.rng.randint(5, 75))
        if agreement.status == "active" and (agreement.end_date is None or agreement.end_date > due):
            data = ObligationCreate(
                description="Joint mid-term review with the partners", due_date=due, responsible_email=case.owner.email
            )
            add_obligation(self.session, agreement.id, data, case.owner)

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
        formalise_on = self.ago({"draft": 10, "in_review": 40, "cancelled_and_redrafted": 200}.get(variant, 110))
        case = self.lead_up(index, scenario, formalise_on, term)
        drafted = formalise_on + timedelta(days=4)
        if variant == "cancelled_and_redrafted":
            first = self.draft(case, AgreementKind.MOU, drafted, term)
            self.submit(case, first, drafted + timedelta(days=20))
            reason = "The partner restructured; the scope is being renegotiated"
            self.step(first, "cancel", drafted + timedelta(days=60), case.legal_officer, reason)
            drafted = self.ago(30)
        agreement = self.draft(case, AgreementKind.MOU, drafted, term)
        if variant != "draft":
            self.submit(case, agreement, drafted + timedelta(days=12))
        if variant == "changes_requested":
            reason = "Align the data protection clause with the partner's national law"
            self.step(agreement, "request_changes", self.ago(60), case.legal_officer, reason)
            self.submit(case, agreement, self.ago(9))
        if variant in {"approved", "signed_not_yet_effective"}:
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
        if variant == "active":
            self.plan_review(case, mou)
        elif variant == "amended":
            self.plan_review(case, self.successor(case, AgreementKind.AMENDMENT, mou, (self.ago(60), end)))
        elif variant == "amendment_in_review":
            amendment = self.draft(case, AgreementKind.AMENDMENT, self.ago(25), (self.ahead(20), end), mou)
            self.submit(case, amendment, self.ago(12))
        elif variant == "suspended":
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
        if scenario.variant == "dormant":
            case = self.dormant_history(index, scenario, with_undertaking=False)
            self.move(case, "close", self.ago(self.rng.randint(20, 60)), case.owner, "No prospect of cooperation")
            return
        case, mou = self.formal_history(index, scenario, (self.ago(1065), self.ago(700)))
        if scenario.variant == "ended_long_ago":
            self.end_partnership(case, mou, "expire", self.ago(699), "End date passed")
        else:
            self.end_partnership(case, mou, "terminate", self.ago(800), "The partner ceased operations")
        self.move(case, "close", self.ago(600), case.owner, "Archived after the final reports were received")
