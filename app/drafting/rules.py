"""The agreement workflow's guard on the document (named in ``app/workflows/agreement.yaml``), registered by drafting,
which owns document versions."""

from __future__ import annotations

from app.drafting.service import stale_reasons
from app.i18n import MESSAGES
from app.workflow.registry import Context, guard


@guard("version_complete")
def _version_complete(ctx: Context) -> list[str]:
    version = ctx.entity.latest_version
    if version is None:
        return [MESSAGES.gettext("no document version has been generated yet")]
    if version.missing_fields:
        return [
            MESSAGES.gettext("version {number} is incomplete: {problem}", number=version.number, problem=problem)
            for problem in version.missing_fields
        ]
    return stale_reasons(ctx.session, ctx.entity, version)
