"""Baselines for the API benchmarks: the smallest FastAPI applications, sync endpoints like the real routes.

``app`` (``GET /ping``) is run by bench_api.py as ``python -m uvicorn --app-dir bench bench_api_minimal:app``.
``sql_app(url, statements)`` is the baseline of bench_api_scale.py: ``GET /sql/{name}`` runs the SQL a real
endpoint sent (captured from its first request) on a pooled connection and returns the rows as JSON — routing,
a thread-pool hop, the same queries and a JSON answer, without the application's own work around them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI(title="bench baseline")


@app.get("/ping")
def ping() -> dict[str, bool]:
    """A constant answer: the cost of uvicorn, FastAPI routing, a thread-pool hop and JSON, nothing else."""
    return {"ok": True}


def sql_app(url: str, statements: dict[str, list[tuple[str, Any]]]) -> FastAPI:
    """A minimal application whose ``GET /sql/{name}`` runs ``statements[name]`` and answers their rows as JSON."""
    from app.db import make_engine

    engine = make_engine(url)
    minimal = FastAPI(title="bench baseline: the same SQL")

    @minimal.get("/sql/{name}")
    def run_sql(name: str) -> JSONResponse:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            results = []
            for statement, parameters in statements[name]:
                cursor.execute(statement, parameters)
                if cursor.description is not None:
                    results.append([[_plain(value) for value in row] for row in cursor.fetchall()])
            connection.commit()
        finally:
            connection.close()
        return JSONResponse({"results": results})

    minimal.state.engine = engine
    return minimal


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)
