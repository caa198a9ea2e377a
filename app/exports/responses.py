"""An export as an HTTP download, for the API and the pages alike."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO

from fastapi import Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from app.api.downloads import download_headers
from app.db import unit_of_work
from app.exports import service
from app.exports.schemas import ExportFormat

SPOOL_BYTES = 8 * 1024 * 1024
"""An XLSX file is built before it is sent; up to this size in memory, beyond it in a temporary file."""


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        spool.seek(0)
        while chunk := spool.read(64 * 1024):
            yield chunk
    finally:
        spool.close()


def _streamed_csv(factory: sessionmaker[Session], export: service.Export) -> Iterator[bytes]:
    # A streamed body is sent after the request's transaction has ended (committed): the stream owns a
    # read-only transaction of its own for its whole life, so the rows come from one consistent snapshot.
    with unit_of_work(factory, write=False) as session:
        yield from service.stream_csv(session, export)


def export_response(request: Request, session: Session, export: service.Export) -> StreamingResponse:
    """The export as a download: CSV streamed row by row, XLSX built first (then sent in pieces)."""
    headers = download_headers(export.filename)
    if export.format is ExportFormat.CSV:
        body = _streamed_csv(request.app.state.session_factory, export)
        return StreamingResponse(body, media_type=export.media_type, headers=headers)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed by _chunks)
    try:
        service.write(session, export, spool)
    except BaseException:
        spool.close()
        raise
    headers["Content-Length"] = str(spool.tell())
    return StreamingResponse(_chunks(spool), media_type=export.media_type, headers=headers)
