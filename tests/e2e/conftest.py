"""End-to-end fixtures: the real server (``agreements serve``) on a database of its own, and Debian's Chromium.

The browser is Debian's ``/usr/bin/chromium`` driven by Playwright (Playwright's own browser download is never
used). A missing browser fails the run: these tests never skip. Screenshots of the pages are written to
``artifacts/screenshots/`` (or ``$AGREEMENTS_ARTIFACTS/screenshots``) for people to look at.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy.orm import Session

from app import migrate
from app.db import make_engine
from app.organisations.models import OrganisationKind
from app.organisations.schemas import ContactCreate, OrganisationCreate
from app.organisations.service import create_organisation
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP, ensure_screening_list
from tests.support import scratch_database

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("AGREEMENTS_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("AGREEMENTS_ARTIFACTS", ROOT / "artifacts")) / "screenshots"
# Without the background-networking flags Chromium keeps dialling Google on this closed network.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PASSWORD = "correct-horse-battery-staple"


@dataclass(frozen=True)
class Person:
    """Someone who signs in during the story."""

    email: str
    full_name: str
    role: Role


PEOPLE = {
    "manager": Person("amina.manager@example.org", "Amina Diallo", Role.PROJECT_MANAGER),
    "legal": Person("lucas.legal@example.org", "Lucas Moreau", Role.LEGAL_OFFICER),
    "viewer": Person("vera.viewer@example.org", "Vera Nowak", Role.VIEWER),
    "legal2": Person("nadia.legal@example.org", "Nadia Haddad", Role.LEGAL_OFFICER),
}
PARTNERS = {
    "lead": ("Sahel Women's Network", OrganisationKind.NATIONAL_CSO, "NE", "Fatou Sow", "fatou@sahel.example.org"),
    "co": ("Institute for Migration Research", OrganisationKind.ACADEMIC, "SN", "Omar Ba", "omar@imr.example.org"),
}


@dataclass
class Site:
    """The running server: where it listens and which database it uses."""

    base_url: str
    database_url: str
    server: subprocess.Popen[str]

    def run_cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run an ``agreements`` command against the site's database (e.g. the daily ``tick``)."""
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=_server_env(self.database_url),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(url: str, settings: dict[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AGREEMENTS_")}
    quiet = {"AGREEMENTS_SCHEDULER_ENABLED": "false", "AGREEMENTS_LOG_LEVEL": "WARNING"}
    return {**env, "AGREEMENTS_DATABASE_URL": url, **quiet, **(settings or {})}


def _seed(url: str) -> None:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            ensure_screening_list(session)  # approval needs a sanctions list (issue 21); the fixture's is fictional
            for who in PEOPLE.values():
                create_user(
                    session,
                    UserCreate(email=who.email, full_name=who.full_name, roles=[who.role], password=PASSWORD),
                    actor=SET_UP,
                )
            for name, kind, country, contact, email in PARTNERS.values():
                create_organisation(
                    session,
                    OrganisationCreate(
                        legal_name=name,
                        kind=kind,
                        country_code=country,
                        contacts=[ContactCreate(name=contact, email=email, is_focal_point=True)],
                    ),
                    actor=SET_UP,
                )
            session.commit()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """``agreements serve`` in its own process, on a migrated and seeded database of its own.

    A test module may define ``server_settings(directory) -> dict`` of extra ``AGREEMENTS_*`` settings for its server
    (e.g. a sealing certificate it writes in ``directory``).
    """
    extra = getattr(request.module, "server_settings", None)
    settings = extra(tmp_path_factory.mktemp("settings")) if extra else {}
    with scratch_database(database_url, tmp_path_factory.mktemp("e2e")) as url:
        migrate.upgrade(url)
        _seed(url)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=_server_env(url, settings),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base, server)
            yield Site(base, url, server)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_healthy(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read() if server.stdout else ""
            raise AssertionError(f"the server exited with {server.returncode}: {output}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not answer /healthz within 60 s")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver (no browser download: Debian's Chromium is launched below)."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless; its absence fails the run."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) at laptop size, pointed at the site."""
    ctx = browser.new_context(base_url=site.base_url, viewport={"width": 1366, "height": 900}, locale="en-GB")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A tab in the fresh profile."""
    return context.new_page()


def sign_in(page: Page, who: str) -> Person:
    """Sign ``who`` in through the sign-in form, as a person would."""
    person = PEOPLE[who]
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")
    return person


def sign_out(page: Page) -> None:
    """Sign out with the header's button."""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in**")


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot (of the whole page, or of what the window shows) as an artifact and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 5_000, f"screenshot {name} looks empty"
    return path
