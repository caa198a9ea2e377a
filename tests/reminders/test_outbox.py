"""The outbox's moves are declared once: an undeclared one is refused, and no code outside
app/reminders/outbox.py writes ``Reminder.status``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.reminders import outbox
from app.reminders.models import Reminder, ReminderKind, ReminderStatus

APP = Path(__file__).resolve().parents[2] / "app"
OUTBOX = APP / "reminders" / "outbox.py"


def test_every_state_declares_its_moves_and_sent_is_final():
    assert set(outbox.MOVES) == set(ReminderStatus)
    assert outbox.MOVES[ReminderStatus.SENT] == frozenset()
    assert ReminderStatus.SENDING in outbox.MOVES[ReminderStatus.PLANNED]


def _reminder(session, status: ReminderStatus) -> Reminder:
    reminder = Reminder(
        dedupe_key=f"test:{status}",
        series="test",
        subject_type="agreement",
        subject_id=1,
        kind=ReminderKind.END_DATE,
        due_on=func.current_date(),
        send_at=func.current_timestamp(),
        recipient_email="someone@example.org",
        status=status,
    )
    session.add(reminder)
    session.flush()
    session.refresh(reminder)
    return reminder


def test_an_undeclared_move_is_refused_and_changes_nothing(session):
    sent = _reminder(session, ReminderStatus.SENT)
    with pytest.raises(outbox.UndeclaredMove, match="a sent reminder cannot become planned"):
        outbox.move(sent, ReminderStatus.PLANNED)
    assert sent.status == ReminderStatus.SENT
    with pytest.raises(outbox.UndeclaredMove, match="a cancelled reminder cannot become sending"):
        outbox.move_all(session, {ReminderStatus.CANCELLED}, ReminderStatus.SENDING, Reminder.id == sent.id)
    either = outbox.Either(Reminder.attempts > 1, ReminderStatus.FAILED, ReminderStatus.SKIPPED)
    with pytest.raises(outbox.UndeclaredMove, match="a sending reminder cannot become skipped"):
        outbox.move_all(session, {ReminderStatus.SENDING}, either)


def test_a_declared_move_is_made_one_by_one_or_in_one_update(session):
    planned = _reminder(session, ReminderStatus.PLANNED)
    outbox.move(planned, ReminderStatus.CANCELLED)
    assert planned.status == ReminderStatus.CANCELLED
    session.flush()
    moved = outbox.move_all(session, {ReminderStatus.CANCELLED}, ReminderStatus.PLANNED, Reminder.id == planned.id)
    assert moved == 1
    session.expire_all()
    assert session.scalar(select(Reminder.status).where(Reminder.id == planned.id)) == ReminderStatus.PLANNED


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _status_writes(tree: ast.AST) -> list[int]:
    """Lines that write a reminder's status: ``x.status = ReminderStatus…`` (also in a tuple), ``status=
    ReminderStatus…`` as an argument (``.values(…)``, a constructor), and ``update()`` of the reminders table."""
    lines = []
    tables = {  # names bound to the reminders table: ``table = Reminder.__table__``
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _mentions(node.value, "Reminder")
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                pairs = [(target, node.value)]
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    pairs = list(zip(target.elts, node.value.elts, strict=False))
                elif isinstance(target, ast.Tuple):
                    pairs = [(element, node.value) for element in target.elts]
                for left, right in pairs:
                    if isinstance(left, ast.Attribute) and left.attr == "status" and _mentions(right, "ReminderStatus"):
                        lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            if any(kw.arg == "status" and _mentions(kw.value, "ReminderStatus") for kw in node.keywords):
                lines.append(node.lineno)
            called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if called == "update" and node.args:
                first = node.args[0]
                if _mentions(first, "Reminder") or (isinstance(first, ast.Name) and first.id in tables):
                    lines.append(node.lineno)
    return sorted(lines)


def test_the_scan_finds_the_writes_it_looks_for():
    source = """
reminder.status = ReminderStatus.SENT
row.status, row.cancel_reason = ReminderStatus.CANCELLED, "gone"
session.execute(update(Reminder).values(done=True))
table = Reminder.__table__
session.execute(update(table).values(status="sent"))
Reminder(status=ReminderStatus.PLANNED)
agreement.status = "active"
"""
    assert _status_writes(ast.parse(source)) == [2, 3, 4, 6, 7]


def test_no_module_outside_the_outbox_writes_a_reminder_status():
    offenders = [
        f"{path.relative_to(APP.parent)}:{line}"
        for path in sorted(APP.rglob("*.py"))
        if path != OUTBOX
        for line in _status_writes(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == [], "write Reminder.status through app.reminders.outbox.move / move_all"
