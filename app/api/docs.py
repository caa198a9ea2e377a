"""The API's documentation pages (Swagger UI at ``/docs``, ReDoc at ``/redoc``), served without any CDN.

The viewers' scripts and styles come from an installed package (``fastapi-offline`` ships Swagger UI and ReDoc)
and the few lines that start them from files of our own, so the pages work on a closed network and carry a
Content-Security-Policy that lets nothing but this site's own files run. The pages are public, like
``/openapi.json`` that they render: they describe the API and hold no data; every call made from them needs a
token.
"""

from __future__ import annotations

import hashlib
from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

VIEWERS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
"""Swagger UI's bundle and stylesheet, ReDoc's standalone bundle and a favicon, as the package ships them."""
STARTERS_DIR = Path(__file__).resolve().parent / "static"
"""The scripts that start each viewer (no inline script on the pages)."""
VIEWERS_URL = "/docs/assets"
STARTERS_URL = "/docs/start"

_COMMON_POLICY = (
    "default-src 'none'; script-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
SWAGGER_POLICY = f"{_COMMON_POLICY}; style-src 'self'"
REDOC_POLICY = f"{_COMMON_POLICY}; style-src 'self' 'unsafe-inline'; worker-src blob:"
"""ReDoc writes its styles into ``<style>`` elements at run time (styled-components, with no way to give them a
nonce), so its page allows inline styles; scripts stay limited to this site's files on both pages."""
DOCS_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _versioned(directory: Path, url: str, name: str) -> str:
    digest = hashlib.sha256((directory / name).read_bytes()).hexdigest()[:10]
    return f"{url}/{name}?v={digest}"


def _page(title: str, head: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{head}</head>\n<body>\n{body}</body>\n</html>\n"
    )


def install(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` from packaged assets (call with ``docs_url=None, redoc_url=None``)."""
    assert app.docs_url is None and app.redoc_url is None, "FastAPI's own docs pages load their viewers from a CDN"
    app.mount(VIEWERS_URL, StaticFiles(directory=VIEWERS_DIR), name="docs-viewers")
    app.mount(STARTERS_URL, StaticFiles(directory=STARTERS_DIR), name="docs-starters")
    viewer = {name: _versioned(VIEWERS_DIR, VIEWERS_URL, name) for name in ("swagger-ui-bundle.js", "swagger-ui.css")}
    viewer["redoc.standalone.js"] = _versioned(VIEWERS_DIR, VIEWERS_URL, "redoc.standalone.js")
    viewer["favicon.png"] = _versioned(VIEWERS_DIR, VIEWERS_URL, "favicon.png")
    starter = {name: _versioned(STARTERS_DIR, STARTERS_URL, name) for name in ("swagger-init.js", "redoc-init.js")}

    def respond(html: str, policy: str) -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": policy, **DOCS_HEADERS})

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        """Swagger UI on the API's schema."""
        root = escape(request.scope.get("root_path", ""))
        head = (
            f'<link rel="stylesheet" href="{root}{viewer["swagger-ui.css"]}">\n'
            f'<link rel="icon" href="{root}{viewer["favicon.png"]}">\n'
        )
        body = (
            f'<div id="swagger-ui" data-openapi-url="{root}{escape(app.openapi_url or "")}"></div>\n'
            f'<script src="{root}{viewer["swagger-ui-bundle.js"]}"></script>\n'
            f'<script src="{root}{starter["swagger-init.js"]}"></script>\n'
        )
        return respond(_page(f"{app.title} - API (Swagger UI)", head, body), SWAGGER_POLICY)

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        """ReDoc on the API's schema."""
        root = escape(request.scope.get("root_path", ""))
        head = f'<link rel="icon" href="{root}{viewer["favicon.png"]}">\n'
        body = (
            f'<div id="redoc" data-openapi-url="{root}{escape(app.openapi_url or "")}"></div>\n'
            f'<script src="{root}{viewer["redoc.standalone.js"]}"></script>\n'
            f'<script src="{root}{starter["redoc-init.js"]}"></script>\n'
        )
        return respond(_page(f"{app.title} - API (ReDoc)", head, body), REDOC_POLICY)
