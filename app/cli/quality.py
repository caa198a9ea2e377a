"""Command line: ``agreements quality`` — the completeness scores and the top records to fix (``--rebuild``: repair
the stored scores first)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from app import clock
from app.cli.support import ensure_schema, fail, friendly_errors
from app.config import get_settings
from app.db import unit_of_work
from app.i18n import MESSAGES
from app.listing import MAX_PAGE_SIZE
from app.quality import service
from app.quality.rules import ENTITIES
from app.quality.schemas import RecordsQuery
from app.quality.store import rebuild_quality_scores


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _text(summary: Any, found: Any, entity: str | None) -> str:
    lines = [
        f"Data quality on {summary.as_of} (a record is stale after {summary.stale_days} days without a touch)",
        f"overall: score {_score(summary.overall.score)} (weighted {_score(summary.overall.weighted_score)}) "
        f"over {summary.overall.records} records; {summary.overall.records_to_fix} to fix",
    ]
    for part in summary.entities:
        if entity and part.entity != entity:
            continue
        lines.append("")
        lines.append(
            f"{part.entity}s: score {_score(part.score)} (weighted {_score(part.weighted_score)}) "
            f"over {part.records} records; {part.records_to_fix} to fix"
        )
        for check in sorted(part.checks, key=lambda item: (-item.failing * item.weight, item.name)):
            if check.failing:
                lines.append(f"  {check.failing:>7}  {check.problem}  [{check.name}, weight {check.weight}]")
    lines.append("")
    lines.append(f"Records to fix ({found.total}), by impact:")
    for item in found.items:
        what = f"{item.entity} {item.reference or item.id}"
        problems = "; ".join(failed.problem for failed in item.failed)
        lines.append(f"  impact {item.impact:>5.1f}  score {item.score:>5.1f}  {what}  {item.name} — {problems}")
    if not found.items:
        lines.append("  nothing to fix")
    return "\n".join(lines)


@friendly_errors
def quality(
    entity: Annotated[
        str | None, typer.Option(help=MESSAGES.lazy("organisation or partnership (both by default)."))
    ] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=MAX_PAGE_SIZE, help=MESSAGES.lazy("How many records to fix to list."))
    ] = 20,
    format: Annotated[str, typer.Option(help=MESSAGES.lazy("text or json."))] = "text",
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help=MESSAGES.lazy(
                "Recompute every record's stored scores first (a repair: they are kept current as records change)."
            ),
        ),
    ] = False,
) -> None:
    """The completeness scores of the portfolio and the records to fix first."""

    if entity is not None and entity not in ENTITIES:
        raise fail(
            MESSAGES.gettext(
                "unknown entity {entity}; choose one of: {values}", entity=repr(entity), values=", ".join(ENTITIES)
            )
        )
    if format not in {"text", "json"}:
        raise fail(MESSAGES.gettext("unknown format {format}; choose one of: text, json", format=repr(format)))
    ensure_schema(get_settings())
    today = clock.today(get_settings().zone)
    if rebuild:
        with unit_of_work() as session:
            rebuild_quality_scores(session)
    with unit_of_work(write=False) as session:
        summary = service.summary(session, today)
        found = service.records_to_fix(session, today, RecordsQuery(entity=entity, page_size=limit))
    if format == "json":
        document = {"summary": summary.model_dump(mode="json"), "records_to_fix": found.model_dump(mode="json")}
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        typer.echo(_text(summary, found, entity))
