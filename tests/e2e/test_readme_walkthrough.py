"""The README's "Try it on a fresh machine", followed to the letter: its commands, then the first pages in Chromium.

The commands are read from README.md, so the test fails when the README drifts from what works: in an empty
directory, ``agreements demo`` then ``agreements serve`` (on a free port instead of 8000, which may be taken),
the SQLite database landing in that directory, the printed credentials used to sign in, and the first pages a
new user opens (dashboard, partnerships list and board, one partnership, one agreement) showing no error page.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import ROOT, screenshot

SECTION = "## Try it on a fresh machine"
SIGN_IN_LINE = re.compile(r"^\s+\S+\s+(\S+@\S+)\s+password\s+(\S+)\s*$", re.MULTILINE)
SERVING = re.compile(r"serving on (http://\S+)")


def readme_commands() -> tuple[list[list[str]], str]:
    """The shell commands of the README's fresh-machine section (split on ``&&``) and the address it promises."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SECTION in text, f"README.md has no '{SECTION}' section"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```(?:bash|sh|console)?\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the fresh-machine section has no command block"
    commands = [shlex.split(part) for part in block.group(1).replace("\\\n", " ").split("&&") if part.strip()]
    address = re.search(r"http://127\.0\.0\.1:(\d+)", section)
    assert address is not None, "the fresh-machine section names no address to open"
    return commands, address.group(0)


def agreements_command() -> list[str]:
    """The installed ``agreements`` command (the venv's script), as the README runs it."""
    script = Path(sys.executable).with_name("agreements")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


def fresh_env() -> dict[str, str]:
    """The user's environment: no AGREEMENTS_ setting at all, this checkout's code first, no scheduler noise."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AGREEMENTS_")}
    return env | {"PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Run the README's commands in an empty directory; yield the server's address and the printed sign-ins."""
    commands, promised = readme_commands()
    programs = [" ".join(command[:2]) for command in commands]
    assert programs[0].startswith("pip install"), programs  # the package is installed in this venv already
    assert programs[1:] == ["agreements demo", "agreements serve"], programs
    directory = tmp_path_factory.mktemp("fresh-machine")
    env = fresh_env()

    demo = subprocess.run(
        [*agreements_command(), *commands[1][1:]],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    sign_ins = SIGN_IN_LINE.findall(demo.stdout)
    assert sign_ins, f"no email and password printed by 'agreements demo':\n{demo.stdout}"
    assert list(directory.glob("*.db")), f"no SQLite database in the working directory: {list(directory.iterdir())}"

    port = _free_port()
    server = subprocess.Popen(
        [*agreements_command(), *commands[2][1:], "--port", str(port)],
        cwd=directory,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = promised.rsplit(":", 1)[0] + f":{port}"
        _wait_answering(base, server)
        yield base, sign_ins
    finally:
        server.terminate()
        try:
            output, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
        served = SERVING.search(output or "")
        assert served is not None and served.group(1) == base, output
        shutil.rmtree(directory, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_answering(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"'agreements serve' exited with {server.returncode}: {server.stdout.read()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("'agreements serve' did not answer within 90 s")


def _visit(page: Page, path: str, name: str) -> None:
    """Open ``path`` (or follow to it) and check it is a real page, not an error page."""
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    assert page.locator(".error-page").count() == 0, f"{path} shows an error page: {page.inner_text('main')}"
    assert page.locator("h1").count() >= 1, f"{path} has no heading"
    screenshot(page, f"readme-{name}")


def test_the_readme_commands_then_the_first_pages(
    walkthrough: tuple[str, list[tuple[str, str]]], browser: Browser
) -> None:
    base, sign_ins = walkthrough
    email, password = sign_ins[0]
    context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 900}, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    try:
        page.goto("/")
        page.wait_for_url("**/sign-in**")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/dashboard")

        _visit(page, "/dashboard", "dashboard")
        _visit(page, "/partnerships", "partnerships")
        hrefs = page.locator("a[href^='/partnerships/']").evaluate_all("links => links.map(a => a.pathname)")
        partnership_path = next((href for href in hrefs if re.fullmatch(r"/partnerships/\d+", href)), None)
        assert partnership_path and re.fullmatch(r"/partnerships/\d+", partnership_path), partnership_path
        _visit(page, "/pipeline", "board")
        _visit(page, partnership_path, "partnership")
        agreement_path = _an_agreement_path(page, partnership_path)
        _visit(page, agreement_path, "agreement")
    finally:
        context.close()
    assert not script_errors, script_errors


def _an_agreement_path(page: Page, partnership_path: str) -> str:
    """The first agreement linked from the partnerships of the list, starting with ``partnership_path``."""
    links = page.locator("a[href^='/agreements/']")
    if links.count() == 0:
        page.goto("/partnerships")
        for href in page.locator("a[href^='/partnerships/']").evaluate_all("els => els.map(e => e.pathname)"):
            if re.fullmatch(r"/partnerships/\d+", href) and href != partnership_path:
                page.goto(href)
                if links.count():
                    break
    path = links.first.evaluate("a => a.pathname")
    assert re.fullmatch(r"/agreements/\d+", path), path
    return path
