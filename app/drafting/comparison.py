"""Comparing two versions within bounds: texts too long are refused at once, and the comparison itself runs in a
worker process stopped when it takes too long (a word diff of one long paragraph can take minutes)."""

from __future__ import annotations

from app.config import get_settings
from app.drafting import redline
from app.drafting.errors import seconds
from app.drafting.render_pool import CompareJob, WorkerStopped, get_pool
from app.errors import FieldProblem


def compare(
    old: str,
    new: str,
    form: str,
    *,
    fields: tuple[str, str] = ("old", "new"),
    labels: tuple[str, str] = ("the old text", "the new text"),
    title: str = "Changes",
) -> str:
    """``old`` against ``new`` as a redline ``fragment``, a ``page`` or a ``unified`` diff; ``ComparisonTooLarge``
    (naming ``fields``) when a text is too long, or the comparison takes too long or too much memory."""
    settings = get_settings()
    redline.ensure_comparable(old, new, max_chars=settings.redline_max_input_chars, fields=fields, labels=labels)
    job = CompareJob(
        old, new, form, settings.render_timeout_seconds, settings.render_memory_limit_mb,
        settings.redline_max_input_chars, title, *labels,
    )  # fmt: skip
    try:
        reply = get_pool().run(job, job.timeout_s)
    except WorkerStopped as exc:
        took = f"longer than {seconds(job.timeout_s)}" if exc.timed_out else f"more than {job.memory_mb:,} MB"
        reason = f"comparing {labels[0]} with {labels[1]} took {took}; it was stopped"
        raise redline.ComparisonTooLarge(reason, [FieldProblem(field, reason) for field in fields]) from None
    text = reply.get("text")
    if "error" in reply or not isinstance(text, str):
        reason = str(reply.get("error") or "the comparison gave no result")
        raise redline.ComparisonTooLarge(reason, [FieldProblem(field, reason) for field in fields])
    return text
