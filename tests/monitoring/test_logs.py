"""Structured logs: one JSON object per line, an access line per request with its id, and never a secret."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.monitoring.logs import configure_logging, make_handler
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP
from tests.support import scratch_database

PASSWORD = "correct horse battery staple"
UTC_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything logged during the test, as the JSON handler of ``AGREEMENTS_LOG_FORMAT=json`` writes it."""
    stream = io.StringIO()
    handler = make_handler("json", stream)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def _documents(stream: io.StringIO) -> list[dict]:
    lines = [line for line in stream.getvalue().splitlines() if line]
    assert lines
    return [json.loads(line) for line in lines]  # every line is one JSON object


def _access(documents: list[dict], path: str) -> dict:
    found = [d for d in documents if d["logger"] == "agreements.access" and d.get("path") == path]
    assert len(found) == 1, documents
    return found[0]


def test_sign_in_and_an_authenticated_request_log_json_without_secrets(client, session, json_lines):
    user = create_user(
        session,
        UserCreate(email="logged.admin@example.org", full_name="Logged", roles=[Role.ADMIN], password=PASSWORD),
        actor=SET_UP,
    )
    session.commit()
    signed = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert signed.status_code in (200, 201), signed.text
    token = signed.json()["secret"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "trace-42"})
    assert me.status_code == 200
    refused = client.get("/api/v1/me", headers={"Authorization": "Bearer agr_notarealtokenatall"})
    assert refused.status_code == 401

    text = json_lines.getvalue()
    assert PASSWORD not in text and token not in text and "agr_notarealtokenatall" not in text
    documents = _documents(json_lines)
    for document in documents:
        assert {"ts", "level", "logger", "message"} <= set(document)
        assert UTC_ISO.match(document["ts"]), document["ts"]
    sign_in = _access(documents, "/api/v1/auth/token")
    assert sign_in["method"] == "POST" and sign_in["status"] == signed.status_code
    assert sign_in["route"] == "/api/v1/auth/token" and sign_in["level"] == "INFO"
    assert "user_id" not in sign_in  # nobody was authenticated by a token yet
    assert sign_in["request_id"] == signed.headers["x-request-id"]
    access = [d for d in documents if d["logger"] == "agreements.access" and d.get("path") == "/api/v1/me"]
    ok = next(d for d in access if d["status"] == 200)
    assert ok["request_id"] == "trace-42" and me.headers["x-request-id"] == "trace-42"
    assert ok["user_id"] == user.id
    assert isinstance(ok["duration_ms"], float) and ok["duration_ms"] >= 0
    assert next(d for d in access if d["status"] == 401).get("user_id") is None


def test_secrets_given_to_a_logger_are_scrubbed(json_lines):
    log = logging.getLogger("app.somewhere")
    url = "postgresql+psycopg://agreements:hunter2secret@db.internal:5432/agreements"
    log.warning(
        "cannot connect to %s", url, extra={"password": "hunter2secret", "authorization": "Bearer agr_abcdefgh1234"}
    )
    log.info("login with password=%s and token: %s", "hunter2secret", "agr_abcdefgh1234")
    try:
        raise RuntimeError(f"failed with {url}")
    except RuntimeError:
        log.exception("boom")
    text = json_lines.getvalue()
    assert "hunter2secret" not in text and "agr_abcdefgh1234" not in text
    documents = _documents(json_lines)
    assert "db.internal:5432" in documents[0]["message"]  # the rest of the URL stays useful
    assert documents[0]["password"] == "[redacted]" and documents[0]["authorization"] == "[redacted]"
    assert "RuntimeError" in documents[-1]["exception"]


def test_the_request_id_is_echoed_or_made(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123_x.y"}).headers["x-request-id"] == "abc-123_x.y"
    made = client.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    for bad in ("x" * 300, "two words", "<script>", ""):
        returned = client.get("/healthz", headers={"X-Request-ID": bad}).headers["x-request-id"]
        assert returned != bad and re.fullmatch(r"[0-9a-f]{32}", returned)
    assert client.get("/api/v1/me").headers["x-request-id"]  # on errors too


def test_configure_logging_replaces_only_its_own_handler(settings):
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        configure_logging(settings.model_copy(update={"log_format": "json"}))
        configure_logging(settings.model_copy(update={"log_format": "json"}))
        ours = [h for h in root.handlers if h.get_name() == "agreements"]
        assert len(ours) == 1 and all(h in root.handlers for h in before)
    finally:
        for handler in [h for h in root.handlers if h.get_name() == "agreements"]:
            root.removeHandler(handler)
        root.setLevel(level)


def test_serve_writes_json_lines_with_request_ids(database_url: str, tmp_path: Path):
    """The real ``agreements serve`` with ``AGREEMENTS_LOG_FORMAT=json``: uvicorn's lines and ours, all JSON."""
    command = [sys.executable, "-m", "app.cli"]
    with scratch_database(database_url, tmp_path) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGREEMENTS_")}
        env |= {
            "AGREEMENTS_DATABASE_URL": url,
            "AGREEMENTS_SCHEDULER_ENABLED": "false",
            "AGREEMENTS_LOG_FORMAT": "json",
        }
        if not url.startswith("sqlite"):
            subprocess.run([*command, "init"], env=env, cwd=tmp_path, check=True, capture_output=True, timeout=180)
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen(
            [*command, "serve", "--port", str(port)], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, "the server exited"
                try:
                    health = httpx.get(f"{base}/healthz", headers={"X-Request-ID": "probe-7"}, timeout=2)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "no answer within 60 s"
                    time.sleep(0.2)
            assert health.headers["x-request-id"] == "probe-7"
            secret = "agr_thisisnotavalidtokenbutasecret"
            assert httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
        finally:
            server.terminate()
            _, stderr = server.communicate(timeout=30)
    assert secret not in stderr
    documents = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert any(d["logger"].startswith("uvicorn") for d in documents)  # uvicorn's own lines go through our handler
    probe = [d for d in documents if d.get("request_id") == "probe-7"]
    assert probe and probe[0]["path"] == "/healthz" and probe[0]["status"] == 200
    me = [d for d in documents if d.get("path") == "/api/v1/me"]
    assert me and me[0]["status"] == 401 and me[0]["route"] == "/api/v1/me"
    assert not [d for d in documents if d["logger"] == "uvicorn.access"]  # one access line per request, ours
