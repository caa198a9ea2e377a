"""When an API token or a page session was last used: a coarse hint, recorded without ever failing a read."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from app.db import WRITE_OPTION, unit_of_work
from app.users.models import ApiToken

log = logging.getLogger(__name__)

LAST_USE_STEP = timedelta(minutes=5)
"""A token's last use is recorded at most this often."""


def note_use(session: Session, token: ApiToken, now: datetime) -> None:
    """Record that ``token`` was used at ``now``, without turning a read-only SQLite transaction into a writer.

    On SQLite a read transaction that starts writing fails at once ("database is locked", the busy timeout does
    not apply) when another connection committed since it began, e.g. the scheduler's start-up jobs or another
    request noting its own token: a GET would answer 503. There the use is recorded in a short write transaction
    of its own (which waits for the write lock), and a failure only loses the hint, never the request.
    """
    bind = session.get_bind()
    writing = session.connection().get_execution_options().get(WRITE_OPTION)
    if writing or bind.dialect.name != "sqlite" or not isinstance(bind, Engine):
        token.last_used_at = now
        return
    recent = now - LAST_USE_STEP
    stale = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < recent)
    try:
        with unit_of_work(sessionmaker(bind=bind)) as own:
            own.execute(update(ApiToken).where(ApiToken.id == token.id, stale).values(last_used_at=now))
    except OperationalError as exc:
        log.warning("the last use of token %s was not recorded: %s", token.id, exc.orig)
        return
    set_committed_value(token, "last_used_at", now)
