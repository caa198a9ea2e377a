"""Bounded uploads over HTTP: who may send a body, how large it may be, and what an Office file may hold.

Each test replays an attack of the security review: a 105 MB body from an anonymous client (parsed before anyone
asked who it was), a DOCX with a 300 MB part (python-docx read it all), workbooks declaring a million rows or
two billion strings, billion-laughs entities, and malformed XML that answered 500. The bodies are fed straight to
the ASGI application from a generator that counts what was pulled, so "never read" is measured, not assumed.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest

from app.api.app import create_app
from app.api.gate import PUBLIC_WRITES, UPLOAD_ROUTES, body_cap
from app.config import get_settings
from app.users.models import Role
from tests.builders import assert_problem, cast, draft_agreement
from tests.security import upload_attacks as attacks
from tests.web.conftest import sign_in  # noqa: F401 (the pages' signed-in browser)

API = "/api/v1"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ATTACK_BYTES = 105 * attacks.MB
MB = attacks.MB


def _drive(app, method: str, path: str, headers: dict[str, str], body: Iterator[bytes]) -> tuple[int, dict, bytes]:
    """Send one request to the ASGI ``app``, its body pulled chunk by chunk from ``body``; the status, headers
    and body of the answer."""
    messages: list[dict] = []

    async def receive() -> dict:
        chunk = next(body, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    # In a thread of its own: the browser tests' synchronous Playwright leaves an event loop in the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(anyio.run, app, scope, receive, send).result()
    start = next(message for message in messages if message["type"] == "http.response.start")
    answer = b"".join(message.get("body", b"") for message in messages if message["type"] == "http.response.body")
    names = {name.decode().lower(): value.decode() for name, value in start["headers"]}
    return start["status"], names, answer


@pytest.fixture
def app(settings, session_factory):
    """The application with the default caps (4 MB bodies, 50 MB imports, 10 MB documents)."""
    return create_app(settings, session_factory)


# --- who may send a body ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization", [None, "Bearer agr_not-a-token", "Basic YWRtaW46YWRtaW4=", "Bearer "], ids=str
)
def test_an_anonymous_105_mb_body_is_refused_before_a_byte_is_read(app, authorization):
    body, pulled = attacks.counted_body(ATTACK_BYTES)
    headers = {"content-type": "application/json", "content-length": str(ATTACK_BYTES)}
    if authorization is not None:
        headers["authorization"] = authorization
    status, answer_headers, answer = _drive(app, "POST", f"{API}/organisations", headers, body)
    assert status == 401 and answer_headers["content-type"].startswith("application/problem+json"), answer
    assert answer_headers["www-authenticate"] == "Bearer" and answer_headers["connection"] == "close"
    assert pulled[0] == 0  # not a byte of the body was read, so memory cannot grow with it


def test_an_anonymous_streamed_body_without_a_length_is_refused_unread(app):
    body, pulled = attacks.counted_body(ATTACK_BYTES)
    status, _, _ = _drive(app, "PUT", f"{API}/templates/mou/en", {"content-type": "application/json"}, body)
    assert status == 401 and pulled[0] == 0


def test_a_page_form_without_a_session_goes_to_sign_in_unread(app):
    body, pulled = attacks.counted_body(ATTACK_BYTES)
    headers = {"content-type": "multipart/form-data; boundary=b", "cookie": "agreements_session=agr_forged"}
    status, answer_headers, _ = _drive(app, "POST", "/partnerships/1/existing-agreements", headers, body)
    assert status == 303 and answer_headers["location"].startswith("/sign-in?next=") and pulled[0] == 0


# --- how large a body may be -----------------------------------------------------------------------------------


def test_a_signed_in_client_streaming_105_mb_is_cut_off_at_the_cap(app, auth):
    _, token = auth(Role.ADMIN)
    body, pulled = attacks.counted_body(ATTACK_BYTES)
    headers = {**token, "content-type": "application/json"}  # no Content-Length: chunked, as a stream
    status, answer_headers, answer = _drive(app, "POST", f"{API}/organisations", headers, body)
    assert status == 413 and answer_headers["content-type"].startswith("application/problem+json")
    assert b"larger than 4 MB" in answer
    assert pulled[0] <= 4 * MB + 64 * 1024  # read no further than the cap and one chunk


def test_a_declared_length_over_the_cap_is_refused_unread(app, auth):
    _, token = auth(Role.ADMIN)
    body, pulled = attacks.counted_body(ATTACK_BYTES)
    headers = {**token, "content-type": "application/json", "content-length": str(ATTACK_BYTES)}
    status, answer_headers, answer = _drive(app, "POST", f"{API}/organisations", headers, body)
    assert status == 413 and b"larger than 4 MB, the most this endpoint accepts" in answer
    assert answer_headers["connection"] == "close" and pulled[0] == 0


def test_endpoints_that_take_a_file_have_their_own_caps(settings, session_factory, auth):
    small = create_app(settings.model_copy(update={"max_request_mb": 1, "max_import_mb": 2}), session_factory)
    _, token = auth(Role.ADMIN)
    boundary = "x-boundary"
    headers = {**token, "content-type": f"multipart/form-data; boundary={boundary}"}

    def upload(size: int) -> Iterator[bytes]:
        yield f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="i.csv"\r\n\r\n'.encode()
        yield from attacks.counted_body(size)[0]
        yield f"\r\n--{boundary}--\r\n".encode()

    status, _, answer = _drive(small, "POST", f"{API}/imports", headers, upload(int(1.5 * MB)))
    assert status == 422 and b"the most this endpoint accepts" not in answer  # past the 1 MB default: read through
    status, _, answer = _drive(small, "POST", f"{API}/imports", headers, upload(3 * MB))
    assert status == 413 and b"larger than 2 MB, the most this endpoint accepts" in answer
    json_body = iter([b'{"legal_name": "' + b"a" * int(1.5 * MB) + b'"}'])
    status, _, answer = _drive(small, "POST", f"{API}/organisations", {**token}, json_body)
    assert status == 413 and b"larger than 1 MB" in answer


def test_every_endpoint_that_takes_a_file_has_an_upload_cap(app, settings):
    default, _ = body_cap(settings, "POST", "/api/v1/anything")
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "multipart/form-data" in content:
                concrete = path.replace("{", "").replace("}", "")
                assert body_cap(settings, method.upper(), concrete)[0] > default, f"{method} {path}"
    assert {route.path.pattern.split("/")[-1] for route in UPLOAD_ROUTES} >= {"imports$", "upload$", "extract$"}


def test_only_signing_in_takes_a_body_without_a_token(app, client):
    open_writes = {
        path
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if method in {"post", "put", "patch", "delete"} and not operation.get("security")
    }
    assert open_writes <= PUBLIC_WRITES, "a public endpoint the gate would refuse: add it to PUBLIC_WRITES"
    refused = client.post(f"{API}/auth/token", json={"email": "nobody@example.org", "password": "x" * 20_000})
    assert_problem(refused, 413)


def test_health_readiness_and_sign_in_still_answer(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code in {200, 503}  # ready or not, it answers without a token
    form = client.get("/sign-in")
    assert form.status_code == 200
    refused = client.post("/sign-in", data={"email": "x@example.org", "password": "wrong", "csrf_token": "t"})
    assert refused.status_code in {401, 403}  # the form's own answer: no session was needed to post it
    huge = client.post("/sign-in", data={"email": "x" * 20_000, "password": "p"})
    assert huge.status_code == 413 and "16 KB" in huge.text


# --- Word documents ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def docx_bomb() -> bytes:
    """A genuine DOCX whose document.xml is padded to 300 MB: 0.3 MB on the wire."""
    return attacks.docx_bomb(300 * MB)


def _peak_while(call):
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_docx_bomb_is_refused_before_python_docx_opens_it(client, session, make_user, auth, docx_bomb):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    _, lawyer = auth(user=people.lawyer)
    files = {"file": ("bomb.docx", docx_bomb, DOCX)}
    url = f"{API}/agreements/{agreement.id}/versions/upload"
    response, peak = _peak_while(lambda: client.post(url, files=files, headers=lawyer))
    body = assert_problem(response, 422, "file")
    assert "the file expands to more than 50 MB when unpacked" in body["errors"][0]["reason"]
    assert peak < 30 * MB, f"{peak / MB:.0f} MB allocated while refusing it"


def test_a_docx_bomb_is_refused_as_a_signed_copy(client, session, make_user, auth, docx_bomb):
    from tests.agreements.signed_copies import recordable_partnership

    people = cast(make_user)
    owner = recordable_partnership(session, people)
    _, lawyer = auth(user=people.lawyer)
    url = f"{API}/partnerships/{owner.id}/existing-agreements/extract"
    response, peak = _peak_while(lambda: client.post(url, files={"file": ("b.docx", docx_bomb, DOCX)}, headers=lawyer))
    assert "expands to more than 50 MB" in assert_problem(response, 422, "file")["errors"][0]["reason"]
    assert peak < 30 * MB


def test_a_docx_bomb_is_refused_on_the_page(session, make_user, sign_in, docx_bomb):  # noqa: F811
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    lawyer = sign_in(user=people.lawyer)
    response = lawyer.client.post(
        f"/agreements/{agreement.id}/versions/upload",
        data={"csrf_token": lawyer.csrf},
        files={"file": ("bomb.docx", docx_bomb, DOCX)},
        follow_redirects=False,
    )
    assert response.status_code == 422 and "expands to more than 50 MB" in response.text


def test_billion_laughs_in_a_docx_part_is_refused(client, session, make_user, auth):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    _, lawyer = auth(user=people.lawyer)
    laughs = attacks.with_billion_laughs(attacks.docx(), "word/document.xml")
    url = f"{API}/agreements/{agreement.id}/versions/upload"
    body = assert_problem(client.post(url, files={"file": ("l.docx", laughs, DOCX)}, headers=lawyer), 422, "file")
    assert "word/document.xml declares a DTD or XML entities" in body["errors"][0]["reason"]


# --- workbooks (imports) ---------------------------------------------------------------------------------------


def _import(client, headers, content: bytes):
    files = {"file": ("inventory.xlsx", content, XLSX)}
    return client.post(f"{API}/imports?dry_run=true", files=files, headers=headers)


def test_a_genuine_workbook_still_imports(client, auth):
    _, headers = auth(Role.ADMIN)
    response = _import(client, headers, attacks.inventory_xlsx())
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (lambda: attacks.xlsx_declaring(dimension="A1:XFD1048576"), "the workbook declares 1,048,576 rows"),
        (lambda: attacks.xlsx_declaring(dimension="A1:XFD3"), "the workbook declares 16,384 columns"),
        (lambda: attacks.xlsx_declaring(row_number=1_048_576), "the workbook declares 1,048,576 rows"),
        (
            lambda: attacks.xlsx_declaring(row_number=1_048_576, keep_dimension=True),
            "has a row numbered 1,048,576; at most 250,000 rows are read",
        ),
        (
            lambda: attacks.xlsx_declaring(shared_strings=2_000_000_000),
            "the workbook declares 2,000,000,000 shared strings",
        ),
        (
            lambda: attacks.with_billion_laughs(attacks.inventory_xlsx(), "xl/sharedStrings.xml"),
            "xl/sharedStrings.xml declares a DTD or XML entities",
        ),
        (
            lambda: attacks.with_billion_laughs(attacks.inventory_xlsx(), "xl/worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml declares a DTD or XML entities",
        ),
    ],
    ids=[
        "dimension-rows",
        "dimension-columns",
        "sparse-rows",
        "row-number",
        "string-count",
        "laughs-strings",
        "laughs-sheet",
    ],
)
def test_a_lying_workbook_is_refused_before_a_line_is_read(client, auth, content, reason):
    _, headers = auth(Role.ADMIN)
    body = assert_problem(_import(client, headers, content()), 422, "file")
    assert reason in body["errors"][0]["reason"], body


def test_a_workbook_holding_too_many_strings_is_refused(client, auth, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_xlsx_shared_strings", 1000)
    _, headers = auth(Role.ADMIN)
    body = assert_problem(_import(client, headers, attacks.xlsx_with_many_strings(1500)), 422, "file")
    assert "holds more than 1,000 shared strings" in body["errors"][0]["reason"]


def test_a_workbook_bomb_is_refused(client, auth, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_unzipped_xlsx_mb", 5)
    _, headers = auth(Role.ADMIN)
    bomb = attacks.padded(attacks.inventory_xlsx(), "xl/worksheets/sheet1.xml", 20 * MB)
    body = assert_problem(_import(client, headers, bomb), 422, "file")
    assert "the file expands to more than 5.0 MB when unpacked" in body["errors"][0]["reason"]


@pytest.mark.parametrize(
    "part",
    ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml"],
)
def test_malformed_xml_in_a_workbook_is_a_422_not_a_500(client, auth, part):
    _, headers = auth(Role.ADMIN)
    body = assert_problem(_import(client, headers, attacks.xlsx_with_broken_xml(part)), 422, "file")
    assert f"the part {part} is not well-formed XML (line" in body["errors"][0]["reason"], body
