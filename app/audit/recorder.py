"""Records every write in the audit log, in the same transaction, from the session's flush.

The actor comes from ``session.info["actor_id"]`` (set by the request's authentication, the CLI or a job;
absent means the system). Secrets are masked; large binary values are summarised.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from app import clock
from app.audit.models import AuditEntry

ACTOR = "actor_id"
MASKED = {"password_hash", "token_hash", "secret"}
# Rows that are themselves records of writes, or bookkeeping that would only add noise.
NOT_AUDITED = {
    "audit_log", "transition_events", "idempotent_requests", "reference_counters", "sign_in_throttles",
    "sso_sign_in_requests",  # a single sign-on under way (its nonce and PKCE verifier), deleted when used
    "scheduler_heartbeats",  # each scheduler's last runs, rewritten every minute (app.monitoring.heartbeat)
    "organisation_screenings",  # derived: each organisation's latest screening, rewritten for all at every list load
}  # fmt: skip
UNTRACKED_FIELDS = {"updated_at", "version", "last_used_at", "created_at"}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value):,} bytes>"
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


def _value(name: str, value: Any) -> Any:
    return "***" if name in MASKED and value is not None else _plain(value)


def _changes(obj: Any, action: str) -> dict[str, Any]:
    state = inspect(obj)
    changes: dict[str, Any] = {}
    for column in state.mapper.column_attrs:
        name = column.key
        if name in UNTRACKED_FIELDS and action == "update":
            continue
        history = state.attrs[name].history
        if action == "create":
            value = getattr(obj, name)
            if value is not None:
                changes[name] = [None, _value(name, value)]
        elif action == "delete":
            changes[name] = [_value(name, getattr(obj, name)), None]
        elif history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if _plain(before) != _plain(after):
                changes[name] = [_value(name, before), _value(name, after)]
    return changes


def _entity_id(obj: Any) -> str:
    # New rows have their primary key after the flush but no identity key yet: read the key columns.
    mapper = inspect(obj).mapper
    return ",".join(str(getattr(obj, column.key)) for column in mapper.primary_key)


@event.listens_for(Session, "after_flush")
def _record(session: Session, _context: Any) -> None:
    rows = []
    now = clock.now()
    actor = session.info.get(ACTOR)
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table is None or table in NOT_AUDITED:
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _changes(obj, action)
            if action == "update" and not changes:
                continue
            rows.append(
                {
                    "occurred_at": now,
                    "actor_id": actor,
                    "action": action,
                    "entity_type": table,
                    "entity_id": _entity_id(obj),
                    "changes": changes,
                }
            )
    if rows:
        session.connection().execute(insert(AuditEntry), rows)
