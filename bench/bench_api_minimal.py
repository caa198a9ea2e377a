"""The baseline for bench_api.py: the smallest FastAPI application, one sync endpoint like the real routes.

Run by bench_api.py as ``python -m uvicorn --app-dir bench bench_api_minimal:app``.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(title="bench baseline")


@app.get("/ping")
def ping() -> dict[str, bool]:
    """A constant answer: the cost of uvicorn, FastAPI routing, a thread-pool hop and JSON, nothing else."""
    return {"ok": True}
