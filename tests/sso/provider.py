"""The test OpenID provider (``tests/sso/provider/server.js``, oidc-provider for Node.js) started on loopback.

It needs Node.js and ``npm ci`` run in ``tests/sso/provider`` (``.ci/run`` does it); without them the tests FAIL
with a message saying so, they never skip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
CLIENT_ID = "agreements"
CLIENT_SECRET = "agreements-test-secret"
ACCOUNTS = {
    "lucia": {"email": "lucia.legal@example.org", "email_verified": True, "name": "Lucia Legal", "groups": ["legal"]},
    "paul": {"email": "paul.pm@example.org", "email_verified": True, "name": "Paul Manager", "groups": ["projects"]},
    "ada": {"email": "ada.admin@example.org", "email_verified": True, "name": "Ada Admin", "groups": ["it", "legal"]},
    "nobody": {"email": "nobody@example.org", "email_verified": True, "name": "No Group", "groups": ["canteen"]},
}
ROLE_MAP = "legal=legal_officer,projects=project_manager,it=admin,everyone=viewer"


@dataclass
class TestProvider:
    """A running test provider: its issuer, and the test-only switches of server.js."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    issuer: str
    process: subprocess.Popen[str]

    def set_claims(self, login: str, **claims: object) -> None:
        """Change an account's claims (e.g. its groups) for its next sign-in."""
        httpx.post(f"{self.issuer}/test-admin/accounts/{login}", json=claims, timeout=10).raise_for_status()

    def tamper_next_id_token(self) -> None:
        """Make the next token response carry an ID token whose payload was changed after it was signed."""
        httpx.post(f"{self.issuer}/test-admin/tamper-next-id-token", timeout=10).raise_for_status()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def provider_installed() -> None:
    """Fail (never skip) unless Node.js and the provider's npm packages are there."""
    if shutil.which("node") is None:
        pytest.fail(
            "Node.js is not installed: the single sign-on tests run an OpenID provider on it (apt install nodejs)"
        )
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(f"the test OpenID provider is not installed: run `npm ci` in {PROVIDER_DIR} (.ci/run does)")


@contextmanager
def running_provider(
    redirect_uris: list[str], post_logout_redirect_uris: list[str], **env: str
) -> Iterator[TestProvider]:
    """``node server.js`` on a free loopback port, until its discovery document answers; stopped afterwards."""
    provider_installed()
    port = _free_port()
    settings = {
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URIS": ",".join(redirect_uris),
        "POST_LOGOUT_REDIRECT_URIS": ",".join(post_logout_redirect_uris),
        "ACCOUNTS": json.dumps(ACCOUNTS),
        **env,
    }
    process = subprocess.Popen(
        [shutil.which("node") or "node", "server.js"],
        cwd=PROVIDER_DIR,
        env={**os.environ, **settings},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"the test OpenID provider stopped: {process.stdout.read() if process.stdout else ''}")
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the test OpenID provider did not answer its discovery document within 30 s")
            time.sleep(0.1)
        yield TestProvider(issuer, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sign_in_at_provider(authorization_url: str, login: str, browser: httpx.Client | None = None) -> str:
    """Play the person at the provider (its login form, any password): the address it sends the browser back to."""
    own = browser is None
    browser = browser or httpx.Client(timeout=10)
    try:
        url = authorization_url
        response = browser.get(url)
        for _ in range(10):
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                if not url.startswith(str(response.request.url.copy_with(path="/", query=None, fragment=None))):
                    return url  # leaving the provider: back to the application
                response = browser.get(url)
                continue
            form = re.search(r'<form[^>]*action="([^"]+)"', response.text)
            assert form, response.text[:500]
            url = urljoin(url, unescape(form.group(1)))
            response = browser.post(url, data={"prompt": "login", "login": login, "password": "any"})
        raise AssertionError("the provider never sent the browser back")
    finally:
        if own:
            browser.close()
