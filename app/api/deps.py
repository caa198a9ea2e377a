"""Dependencies shared by the routes: the request's transaction, the caller, ETags."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from app.api.language import speak_like
from app.audit.recorder import ACTOR as AUDIT_ACTOR
from app.db import WRITE_OPTION, unit_of_work
from app.errors import BadHeader, FieldProblem, PreconditionFailed, invalid
from app.i18n import MESSAGES
from app.monitoring.http import note_caller
from app.users.models import User
from app.users.service import authenticate_token

_bearer = HTTPBearer(auto_error=False, description="An API token from `agreements tokens create`")


_REQUEST_SESSION: ContextVar[Session | None] = ContextVar("request_session", default=None)
"""The request's session, seen by its route's worker thread (a thread runs in a copy of the request's context)."""
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _open_for_writing(factory: sessionmaker[Session]) -> Session:
    session = factory()
    try:
        session.connection(execution_options={WRITE_OPTION: True})  # SQLite: BEGIN IMMEDIATE, may wait
    except BaseException:
        session.close()
        raise
    return session


def _end(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def _transaction(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed before the response is sent, rolled back on any error.

    Async on purpose, so that a request crosses into worker threads as few times as it can: a read opens no
    connection until its first query (made in the route's thread), and a route built by ``TransactionalRoute``
    commits in its own thread as soon as it returns, leaving only the closing of a finished session here. Anything
    the route left unfinished (a route of another kind, an error) is committed or rolled back in a worker thread,
    never on the event loop."""
    factory = request.app.state.session_factory
    if request.method in READ_METHODS:
        session = factory()
    else:
        session = await run_in_threadpool(_open_for_writing, factory)
    _REQUEST_SESSION.set(session)  # in this request's own context, which ends with it
    try:
        yield session
    except BaseException:
        await run_in_threadpool(functools.partial(_end, session, commit=False))
        raise
    if session.in_transaction():
        await run_in_threadpool(functools.partial(_end, session, commit=True))
    else:
        session.close()  # committed by the route; nothing is held, nothing to send


DbSession = Annotated[Session, Depends(_transaction, scope="function")]


def _committing_in_its_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        session = _REQUEST_SESSION.get()
        if session is not None and session.in_transaction():
            session.commit()
        return result

    return run


class TransactionalRoute(APIRoute):
    """A route whose synchronous endpoint commits the request's transaction in its own worker thread.

    Without it, the commit would need one more trip to a worker thread after the route returns (measured: each
    trip is a fraction of a millisecond on a quiet machine, several on a busy one, on every request). FastAPI reads
    the endpoint's signature through ``functools.wraps``, so parameters and documentation are unchanged."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if inspect.isfunction(endpoint) and not inspect.iscoroutinefunction(endpoint):
            endpoint = _committing_in_its_thread(endpoint)
        super().__init__(path, endpoint, **kwargs)


def commit_batch(session: Session) -> None:
    """Commit what the request has written so far and go on writing in a new transaction (one batch of an import)."""
    session.commit()
    session.connection(execution_options={WRITE_OPTION: True})


@contextmanager
def read_only(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only transaction beside the request's: for answers that must come even when the database does not
    (health, metrics, the token check before the body is read) and for documents built outside any request."""
    with unit_of_work(factory, write=False) as session:
        yield session


def _current_user(
    session: DbSession, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> User:
    """The user whose API token came with the request; 401 otherwise."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(
            401, MESSAGES.gettext("an API token is required: send 'Authorization: Bearer <token>'"), challenge
        )
    user = authenticate_token(session, credentials.credentials)
    if user is None:
        raise HTTPException(401, MESSAGES.gettext("the API token is unknown, expired or revoked"), challenge)
    session.info[AUDIT_ACTOR] = user.id  # every write of this request is recorded as theirs
    note_caller(user.id)
    return user


async def _current_user_in_their_language(user: Annotated[User, Depends(_current_user)]) -> User:
    """The caller, whose own language (if they chose one) the rest of the request speaks.

    Async on purpose: it runs in the request's context, so the language it sets reaches the route and the answer
    (a synchronous dependency runs in a copy of that context, in a worker thread)."""
    speak_like(user)
    return user


CurrentUser = Annotated[User, Depends(_current_user_in_their_language)]

MAX_IF_MATCH = 64
"""Longer ``If-Match`` values are refused unread: no ETag of this API comes near it."""
_OUR_ETAG = re.compile(r'^(?:W/)?"([0-9]{1,18})"$')
"""An ETag this API sends: a record's version, at most 18 digits (so it fits a 64-bit integer)."""
_ANY_ETAG = re.compile(r'^(?:W/)?"[\x21\x23-\x7e]*"$')
"""Any single entity-tag (RFC 9110 §8.8.3), for telling a wrong ETag (412) from a malformed header (400)."""

IF_MATCH_PATTERN = r'^(\*|(W/)?"[0-9]{1,18}")$'
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]([ -~]{0,198}[!-~])?$"
"""1 to 200 printable ASCII characters, not starting or ending with a space (e.g. a UUID)."""


def etag(version: int) -> str:
    """The ETag of a resource at ``version``."""
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    """Tell the client which version it holds, for a later ``If-Match``."""
    response.headers["ETag"] = etag(version)


def expected_version(if_match: str | None) -> int | None:
    """The version named by an ``If-Match`` value (``None`` when absent or ``*``); 400 when it is not one ETag,
    412 when it is an ETag this API never sends (it matches no version of anything)."""
    if if_match is None:
        return None
    if len(if_match) > MAX_IF_MATCH:
        raise BadHeader("If-Match", f'is longer than {MAX_IF_MATCH} characters; send the ETag of a response, e.g. "3"')
    value = if_match.strip()
    if value == "*":
        return None
    found = _OUR_ETAG.match(value)
    if found is not None:
        return int(found.group(1))
    if _ANY_ETAG.match(value):
        reason = 'is not an ETag of this record: send the ETag of its last response, e.g. "3"'
        raise PreconditionFailed(f"If-Match: {reason}", [FieldProblem("If-Match", reason)])
    raise BadHeader("If-Match", 'must be one ETag from a previous response, in quotes, e.g. "3"')


async def _expected_version(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The ETag of the version the change is based on (e.g. "3"); 412 when it is no longer current',
            json_schema_extra={"pattern": IF_MATCH_PATTERN},
        ),
    ] = None,
) -> int | None:
    """The version named by ``If-Match`` (``None`` when absent or ``*``); async: it only reads a header."""
    return expected_version(if_match)


ExpectedVersion = Annotated[int | None, Depends(_expected_version)]


async def _idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description=(
                "A unique value per intended write (e.g. a UUID): a retry with it is not done twice; the same key "
                "with a different request is refused with 422"
            ),
            json_schema_extra={"pattern": IDEMPOTENCY_KEY_PATTERN},
        ),
    ] = None,
) -> str | None:
    """The client's idempotency key, checked for a sane length and characters; async: it only reads a header."""
    if key is None:
        return None
    key = key.strip()
    if not 1 <= len(key) <= 200 or not key.isascii() or not key.isprintable():
        raise invalid("Idempotency-Key", "must be 1 to 200 printable ASCII characters, e.g. a UUID")
    return key


IdempotencyKey = Annotated[str | None, Depends(_idempotency_key)]
