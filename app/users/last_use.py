"""When an API token or a page session was last used: a coarse hint, recorded without ever failing a read."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from app.db import WRITE_OPTION, unit_of_work
from app.users.models import ApiToken

log = logging.getLogger(__name__)

LAST_USE_STEP = timedelta(minutes=5)
"""A token's last use is recorded at most this often."""


def note_use(session: Session, token: ApiToken, now: datetime) -> None:
    """Record that ``token`` was used at ``now``, in a short transaction of its own that never waits for another.

    Never in the request's transaction: there the row lock would be held until the request ends, and every other
    request with the same token (an integration sends many at once) would queue behind it — at a million
    partnerships a slow report held fifty clients for thirty seconds. On SQLite a read transaction that starts
    writing also fails at once ("database is locked") when another connection committed since it began. So the use
    is recorded apart, skipping the row if another request is recording it right now; a failure only loses the
    hint, never the request. Only where the session is bound to a connection (tests) or already holds SQLite's
    write lock is it written in the session itself.
    """
    bind = session.get_bind()
    writing = session.connection().get_execution_options().get(WRITE_OPTION)
    if not isinstance(bind, Engine) or (writing and bind.dialect.name == "sqlite"):
        token.last_used_at = now
        return
    recent = now - LAST_USE_STEP
    stale = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < recent)
    unclaimed = select(ApiToken.id).where(ApiToken.id == token.id, stale).with_for_update(skip_locked=True)
    try:
        with unit_of_work(sessionmaker(bind=bind)) as own:
            own.execute(update(ApiToken).where(ApiToken.id.in_(unclaimed)).values(last_used_at=now))
    except (OperationalError, PoolTimeout) as exc:  # the pool busy or the database gone: only the hint is lost
        log.warning("the last use of token %s was not recorded: %s", token.id, getattr(exc, "orig", None) or exc)
        return
    set_committed_value(token, "last_used_at", now)
