"""Files sent to a browser or a client: the one place that writes ``Content-Disposition`` (RFC 6266, RFC 5987).

A stored file name comes from whoever uploaded the file: it may hold quotes, semicolons, line breaks or characters
outside Latin-1 (which a header cannot carry at all). Every download names its file through
:func:`content_disposition`: an ASCII ``filename`` with anything unsafe replaced, and the real name, UTF-8 and
percent-encoded, in ``filename*``.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from fastapi.responses import Response

MAX_NAME = 200
"""Longer names are cut (keeping their extension): no browser or file system wants more."""
_REMOVED = set('"\\;\r\n')
_REPLACED_IN_PLAIN = set("/:*?<>|%")
"""Path separators, wildcards and ``%`` (which some browsers decode in a plain ``filename``): replaced by ``_``."""


def _cut(name: str) -> str:
    if len(name) <= MAX_NAME:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and 0 < len(extension) <= 10:
        return stem[: MAX_NAME - len(extension) - 1] + "." + extension
    return name[:MAX_NAME]


def safe_file_name(name: str | None, fallback: str = "download") -> str:
    """The name without control characters, quotes, backslashes, semicolons or path separators (Unicode kept)."""
    cleaned = []
    for char in unicodedata.normalize("NFC", name or ""):
        if char in _REMOVED or unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"}:
            continue
        cleaned.append("_" if char == "/" else char)
    result = _cut("".join(cleaned).strip().strip("."))
    return result if result.strip("_ ") else fallback


def ascii_file_name(name: str, fallback: str = "download") -> str:
    """The ASCII stand-in for a safe name: accents dropped (``é`` → ``e``), other letters replaced by ``_``."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(
        char if char.isascii() and char.isprintable() and char not in _REPLACED_IN_PLAIN else "_"
        for char in decomposed
        if not unicodedata.combining(char)
    )
    plain = _cut(plain)
    return plain if plain.strip("_. ") else fallback


def content_disposition(name: str | None, *, inline: bool = False, fallback: str = "download") -> str:
    """``attachment; filename="…"; filename*=UTF-8''…`` for ``name`` (``inline`` shows it in the browser instead)."""
    safe = safe_file_name(name, fallback)
    plain = ascii_file_name(safe, fallback)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(safe, safe='')}"


def download_headers(name: str | None, *, inline: bool = False, fallback: str = "download") -> dict[str, str]:
    """The headers that name a file sent in pieces (a streamed export), as :func:`file_response` does."""
    return {"Content-Disposition": content_disposition(name, inline=inline, fallback=fallback)}


def file_response(
    content: bytes,
    media_type: str,
    name: str | None,
    *,
    inline: bool = False,
    fallback: str = "download",
    headers: dict[str, str] | None = None,
) -> Response:
    """The bytes of a file as a download named ``name`` (see :func:`content_disposition`)."""
    sent = {**download_headers(name, inline=inline, fallback=fallback), **(headers or {})}
    return Response(content, media_type=media_type, headers=sent)
