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
    """Record that ``token`` was used at ``now``, never making a request wait for another that uses it too.

    On PostgreSQL the row is updated in the request's own transaction, but only if no other transaction holds it
    (``FOR UPDATE SKIP LOCKED``): requests sharing a token (an integration sends many at once) skip the hint
    instead of queueing behind each other until the first commits, and no second connection is taken from the
    pool (fifty clients holding one connection each and waiting for a second one froze the pool). On SQLite a
    read transaction that starts writing fails at once ("database is locked") when another connection committed
    since it began, so there the use is recorded in a short write transaction of its own; a failure only loses
    the hint, never the request.
    """
    bind = session.get_bind()
    recent = now - LAST_USE_STEP
    stale = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < recent)
    unclaimed = select(ApiToken.id).where(ApiToken.id == token.id, stale).with_for_update(skip_locked=True)
    noted = update(ApiToken).where(ApiToken.id.in_(unclaimed)).values(last_used_at=now)
    if bind.dialect.name != "sqlite":
        session.execute(noted, execution_options={"synchronize_session": False})
        set_committed_value(token, "last_used_at", now)
        return
    writing = session.connection().get_execution_options().get(WRITE_OPTION)
    if writing or not isinstance(bind, Engine):
        token.last_used_at = now
        return
    try:
        with unit_of_work(sessionmaker(bind=bind)) as own:
            own.execute(noted)
    except (OperationalError, PoolTimeout) as exc:  # the pool busy or the database gone: only the hint is lost
        log.warning("the last use of token %s was not recorded: %s", token.id, getattr(exc, "orig", None) or exc)
        return
    set_committed_value(token, "last_used_at", now)
