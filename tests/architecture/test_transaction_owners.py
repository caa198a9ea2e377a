"""One transaction discipline: the request, the job or the command owns the transaction; services only flush.

Scans ``app/`` with ``ast`` for the calls that open, end or nest a transaction or a session (``commit``,
``rollback``, ``begin``, ``begin_nested``, ``Session(...)``, ``sessionmaker(...)``, ``unit_of_work(...)``,
``get_sessionmaker()`` and calling an app's ``session_factory``) and fails when one appears outside the short list
of owners below, each with its reason. A part that must survive a failed whole uses ``app.db.savepoint``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TRANSACTION_METHODS = {"commit", "rollback", "begin", "begin_nested"}
SESSION_MAKERS = {"Session", "sessionmaker", "unit_of_work", "get_sessionmaker", "session_factory"}

OWNERS: dict[str, str] = {
    "app/db.py": "defines the unit of work, the process-wide session factory and the savepoint helper",
    "app/api/deps.py": "the request's transaction (one per request), its per-batch commit for imports, and a "
    "read-only transaction for answers that must come when the database does not (health, metrics, token gate)",
    "app/api/app.py": "creates the application's session factory",
    "app/jobs.py": "the job runner: each scheduled entity moves in a transaction of its own",
    "app/cli/": "each command owns its transaction (a package of commands, one module per area)",
    "app/reminders/claims.py": "the dispatcher's claim and record steps: SMTP is not transactional, so a claim is "
    "committed before an email goes out and each outcome right after it",
    "app/webhooks/delivery.py": "the webhook dispatcher's claim and record steps: HTTP is not transactional, so a "
    "claim is committed before a message is posted and each answer is recorded in a transaction of its own",
    "app/reminders/recording.py": "the dispatcher's record step for a batch: each email the server accepted is "
    "committed before the next one goes out, on a connection held for the batch",
    "app/users/sign_in.py": "an attempt is counted and committed before the password check, so concurrent guesses "
    "are throttled and a refused sign-in (an error response) is still counted",
    "app/users/sso.py": "single sign-on calls the provider outside any transaction, and a sign-in request (state, "
    "nonce, PKCE verifier) is taken and committed before its code is exchanged, so a replay finds nothing",
    "app/users/last_use.py": "a read on SQLite must not start writing (it fails at once when another connection "
    "committed meanwhile): a token's last use is recorded in a short write transaction of its own",
    "app/exports/responses.py": "a streamed CSV body outlives the request's transaction: it owns a read-only "
    "transaction for the stream's life",
    "app/reports/dialect.py": "parallel report sections each read the exported snapshot on a connection of their own",
    "app/devtools/bulk.py": "developer tool: the bulk loader writes its generated rows in batches (devtools CLI only)",
}

SKIPPED = ("migrations/",)


def _owner(relative: str) -> str | None:
    return next((owner for owner in OWNERS if relative == owner or relative.startswith(owner)), None)


def transaction_calls(source: str) -> list[tuple[int, str]]:
    """The ``(line, name)`` of each call in ``source`` that opens, ends or nests a transaction or a session."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in TRANSACTION_METHODS | SESSION_MAKERS:
            found.append((node.lineno, f".{func.attr}("))
        elif isinstance(func, ast.Name) and func.id in SESSION_MAKERS:
            found.append((node.lineno, f"{func.id}("))
    return found


def calls_outside_owners(root: Path = ROOT) -> list[str]:
    """Every transaction call in ``app/`` outside the declared owners, as ``path:line: call``."""
    found = []
    for path in sorted((root / "app").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if any(part in relative for part in SKIPPED) or _owner(relative):
            continue
        for line, name in transaction_calls(path.read_text(encoding="utf-8")):
            found.append(f"{relative}:{line}: {name}")
    return found


def test_only_the_declared_owners_open_commit_or_roll_back_transactions() -> None:
    found = calls_outside_owners()
    assert not found, (
        "a service flushes; the request, job or command owns the transaction, and a part that must survive a "
        "failed whole uses app.db.savepoint. Move these to the owner (or declare a new owner with its reason):\n  "
        + "\n  ".join(found)
    )


def test_every_declared_owner_exists_and_still_owns_something() -> None:
    stale = []
    for owner in OWNERS:
        paths = sorted((ROOT / owner).rglob("*.py")) if owner.endswith("/") else [ROOT / owner]
        if not any(path.is_file() and transaction_calls(path.read_text(encoding="utf-8")) for path in paths):
            stale.append(owner)
    assert not stale, f"declared owners that no longer open a transaction (drop them from the list): {stale}"


def test_the_scan_finds_each_kind_of_call() -> None:
    source = """
def service(session, factory, request):
    session.commit()
    session.rollback()
    with session.begin_nested():
        pass
    with engine.begin():
        pass
    Session(bind=engine)
    sessionmaker(bind=engine)
    with unit_of_work(factory):
        pass
    request.app.state.session_factory()
"""
    names = sorted(name for _, name in transaction_calls(source))
    assert names == sorted(
        [
            ".commit(",
            ".rollback(",
            ".begin_nested(",
            ".begin(",
            "Session(",
            "sessionmaker(",
            "unit_of_work(",
            ".session_factory(",
        ]
    )


def test_a_commit_in_a_service_module_is_reported(tmp_path: Path) -> None:
    service = tmp_path / "app" / "things" / "service.py"
    service.parent.mkdir(parents=True)
    service.write_text("def save(session):\n    session.add(1)\n    session.commit()\n", encoding="utf-8")
    (tmp_path / "app" / "db.py").write_text("def unit_of_work():\n    session.commit()\n", encoding="utf-8")
    assert calls_outside_owners(tmp_path) == ["app/things/service.py:3: .commit("]
