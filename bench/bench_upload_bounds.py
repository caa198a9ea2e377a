"""Benchmark: the upload attacks of the security review against a running server, with what each costs it.

Usage: python bench/bench_upload_bounds.py [--app-root DIR] [--only NAME ...]

For each attack a fresh ``uvicorn --factory app.api.app:create_app`` is started from ``--app-root`` (default: this
checkout; point it at an export of an older commit to measure the code as it was) on a scratch SQLite database
prepared here, warmed up with a genuine Word upload and a genuine workbook import (so python-docx and openpyxl are
already loaded), its peak resident set reset (``/proc/PID/clear_refs``), and then attacked once over loopback with
a raw HTTP/1.1 client that stops sending as soon as an answer arrives. Printed per attack: the status, the
seconds to the answer, how many body bytes the client got to send, and the growth of the server's peak RSS.
The hostile files come from tests/security/upload_attacks.py.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

from app.workflow.actor import Actor

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.security import upload_attacks as attacks  # noqa: E402

MB = attacks.MB
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _prepare(url: str) -> dict[str, object]:
    """Users with tokens, a draft agreement and a formalising partnership, written with this checkout's services."""
    os.environ["AGREEMENTS_DATABASE_URL"] = url
    from sqlalchemy.orm import Session

    import app.models  # noqa: F401  (every mapper and the audit recorder, before the first query)
    from app import migrate
    from app.db import make_engine
    from app.users.models import Role
    from app.users.schemas import UserCreate
    from app.users.service import create_token, create_user
    from tests.builders import Cast, draft_agreement, formalising_partnership

    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        users = [
            create_user(
                session,
                UserCreate(email=f"{role.value}{n}@example.org", full_name=role.value, roles=[role]),
                actor=Actor.system(reason="benchmark set-up"),
            )
            for n, role in enumerate((Role.PROJECT_MANAGER, Role.LEGAL_OFFICER, Role.LEGAL_OFFICER, Role.ADMIN))
        ]
        session.commit()
        people = Cast(*users)
        agreement = draft_agreement(session, people)
        owner = formalising_partnership(session, people)
        _, lawyer = create_token(session, people.lawyer, "bench")
        _, admin = create_token(session, people.admin, "bench")
        session.commit()
        found = {"agreement": agreement.id, "partnership": owner.id, "lawyer": lawyer, "admin": admin}
    engine.dispose()
    return found


class Server:
    """One uvicorn process from ``app_root``, in its own session so that it is stopped by its pid."""

    def __init__(self, app_root: Path, url: str, log: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {**os.environ, "AGREEMENTS_DATABASE_URL": url, "AGREEMENTS_LOG_LEVEL": "WARNING"}
        command = [sys.executable, "-m", "uvicorn", "--factory", "app.api.app:create_app", "--host", "127.0.0.1",
                   "--port", str(self.port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=app_root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
            with suppress(OSError):
                if request(self.port, "GET", "/healthz", {}, iter(()))[0] == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def memory(self, field: str) -> int:
        """``VmRSS`` or ``VmHWM`` of the server, in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(field)

    def reset_peak(self) -> None:
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def stop(self) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def request(
    port: int, method: str, path: str, headers: dict[str, str], body: Iterator[bytes], timeout: float = 600
) -> tuple[int | None, float, int]:
    """Send a request, the body chunk by chunk until an answer arrives: (status or None, seconds, bytes sent)."""
    started = time.perf_counter()
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(head.encode() + b"\r\n")
        answered = False
        chunked = headers.get("Transfer-Encoding") == "chunked"
        for chunk in body:
            if select.select([sock], [], [], 0)[0]:
                answered = True
                break
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            except OSError:
                break
            sent += len(chunk)
        if chunked and not answered:
            with suppress(OSError):
                sock.sendall(b"0\r\n\r\n")
        try:
            first = sock.recv(65536)
        except OSError:
            first = b""
    status = int(first.split(b" ", 2)[1]) if first.startswith(b"HTTP/1.1 ") else None
    return status, time.perf_counter() - started, sent


def _multipart(name: str, content: bytes, media: str, fields: dict[str, str] | None = None) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in (fields or {}).items()]  # fmt: skip
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                 f"Content-Type: {media}\r\n\r\n".encode() + content + f"\r\n--{boundary}--\r\n".encode())  # fmt: skip
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def _chunks(content: bytes) -> Iterator[bytes]:
    for start in range(0, len(content), 256 * 1024):
        yield content[start : start + 256 * 1024]


Attack = Callable[[dict[str, object]], tuple[str, str, dict[str, str], Iterator[bytes]]]


def _upload(path: str, token_key: str, name: str, content: Callable[[], bytes], media: str) -> Attack:
    def attack(world: dict[str, object]) -> tuple[str, str, dict[str, str], Iterator[bytes]]:
        kind, body = _multipart(name, content(), media)
        headers = {
            "Authorization": f"Bearer {world[token_key]}",
            "Content-Type": kind,
            "Content-Length": str(len(body)),
        }
        return "POST", path.format(**world), headers, _chunks(body)

    return attack


def _json_flood(token_key: str | None, chunked: bool) -> Attack:
    def attack(world: dict[str, object]) -> tuple[str, str, dict[str, str], Iterator[bytes]]:
        opening, closing = b'{"legal_name": "', b'"}'  # valid JSON, so the old code parsed all of it
        filler, _ = attacks.counted_body(105 * MB - len(opening) - len(closing), 256 * 1024)
        body = itertools.chain([opening], filler, [closing])
        headers = {"Content-Type": "application/json"}
        headers.update({"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(105 * MB)})
        if token_key:
            headers["Authorization"] = f"Bearer {world[token_key]}"
        return "POST", "/api/v1/organisations", headers, body

    return attack


def _heavy_dimension() -> bytes:
    rows = [[f"Organisation {n}", "NGO", "Kenya", f"Partnership {n}"] for n in range(2000)]
    archive = attacks.inventory_xlsx(rows)
    sheet = attacks.members(archive)["xl/worksheets/sheet1.xml"]
    return attacks.rezip(archive, {"xl/worksheets/sheet1.xml": re.sub(rb'ref="[^"]*"', b'ref="A1:XFD2001"', sheet)})


IMPORT = "/api/v1/imports?dry_run=true"
VERSIONS = "/api/v1/agreements/{agreement}/versions/upload"
EXTRACT = "/api/v1/partnerships/{partnership}/existing-agreements/extract"
ATTACKS: dict[str, Attack] = {
    "anonymous 105 MB JSON (Content-Length)": _json_flood(None, chunked=False),
    "anonymous 105 MB JSON (chunked)": _json_flood(None, chunked=True),
    "signed-in 105 MB JSON (Content-Length)": _json_flood("admin", chunked=False),
    "signed-in 105 MB JSON (chunked)": _json_flood("admin", chunked=True),
    "DOCX with a 300 MB part, as a version": _upload(VERSIONS, "lawyer", "b.docx", attacks.docx_bomb, DOCX),
    "DOCX with a 300 MB part, as a signed copy": _upload(EXTRACT, "lawyer", "b.docx", attacks.docx_bomb, DOCX),
    "DOCX billion laughs": _upload(
        VERSIONS, "lawyer", "l.docx", lambda: attacks.with_billion_laughs(attacks.docx(), "word/document.xml"), DOCX
    ),
    "XLSX dimension A1:XFD2001 over 2,000 rows": _upload(IMPORT, "admin", "d.xlsx", _heavy_dimension, XLSX),
    "XLSX last row numbered 1,048,576": _upload(
        IMPORT, "admin", "r.xlsx", lambda: attacks.xlsx_declaring(row_number=1_048_576), XLSX
    ),
    "XLSX declaring 2e9 shared strings": _upload(
        IMPORT, "admin", "s.xlsx", lambda: attacks.xlsx_declaring(shared_strings=2_000_000_000), XLSX
    ),
    "XLSX holding 5,000,000 shared strings": _upload(
        IMPORT, "admin", "m.xlsx", lambda: attacks.xlsx_with_many_strings(5_000_000), XLSX
    ),
    "XLSX billion laughs (sharedStrings)": _upload(
        IMPORT,
        "admin",
        "l.xlsx",
        lambda: attacks.with_billion_laughs(attacks.inventory_xlsx(), "xl/sharedStrings.xml"),
        XLSX,
    ),
    "XLSX malformed sheet XML": _upload(IMPORT, "admin", "x.xlsx", attacks.xlsx_with_broken_xml, XLSX),
}


def _warm_up(server: Server, world: dict[str, object]) -> None:
    """Load python-docx, openpyxl and the import path before measuring, as a server that has run a while has."""
    for method, path, headers, body in (
        _upload(VERSIONS, "lawyer", "w.docx", attacks.docx, DOCX)(world),
        _upload(IMPORT, "admin", "w.xlsx", attacks.inventory_xlsx, XLSX)(world),
    ):
        request(server.port, method, path, headers, body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout whose server is attacked")
    parser.add_argument("--only", nargs="*", default=None, help="substrings of the attacks to run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        world = _prepare(url)
        log = Path(scratch) / "server.log"
        print(f"server from {args.app_root}")
        print(f"{'attack':45} {'status':>6} {'seconds':>8} {'sent MB':>8} {'peak RSS +MB':>12}")
        for name, attack in ATTACKS.items():
            if args.only and not any(part in name for part in args.only):
                continue
            server = Server(args.app_root, url, log)
            try:
                _warm_up(server, world)
                method, path, headers, body = attack(world)
                server.reset_peak()
                before = server.memory("VmRSS")
                status, seconds, sent = request(server.port, method, path, headers, body)
                growth = server.memory("VmHWM") - before
            finally:
                server.stop()
            print(f"{name:45} {status or '-':>6} {seconds:8.2f} {sent / MB:8.1f} {growth / MB:12.1f}", flush=True)


if __name__ == "__main__":
    main()
