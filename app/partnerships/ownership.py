"""Who may own a partnership and who may hand it to whom, as ``app/workflows/partnership.yaml`` declares
(``ownership``).

The rules are checked here, in the service layer, so the API, the pages and imports obey the same ones; every
hand-over is written to the audit log with the old and the new owner and the person who made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from app import clock
from app.audit.models import AuditEntry
from app.errors import FieldProblem, Forbidden, invalid
from app.i18n import MESSAGES
from app.partnerships.models import Partnership
from app.users.models import Role, User
from app.workflow.definition import WORKFLOWS_DIR, WorkflowDefinitionError

POLICY_FILE = WORKFLOWS_DIR / "partnership.yaml"
SECTION = "ownership"
HAND_OVER = "hand_over"
"""The audit log's action for a change of owner."""
FIELD = "owner_id"


@dataclass(frozen=True)
class HandOverRule:
    """Holders of a ``by`` role may give a partnership (only their own, with ``own``) to a holder of a ``to`` role."""

    by: frozenset[Role]
    to: frozenset[Role]
    own: bool = False


@dataclass(frozen=True)
class OwnershipPolicy:
    """The roles an owner must hold, and the rules under which the owner may change."""

    owner_roles: frozenset[Role]
    hand_over: tuple[HandOverRule, ...]


def _roles(value: Any, where: str) -> frozenset[Role]:
    names = [value] if isinstance(value, str) else list(value or [])
    known = {role.value for role in Role}
    for name in names:
        if name not in known:
            raise WorkflowDefinitionError(f"{where}: unknown role {name!r}; known: {', '.join(sorted(known))}")
    if not names:
        raise WorkflowDefinitionError(f"{where}: names no role")
    return frozenset(Role(name) for name in names)


def parse_policy(raw: Any, origin: str) -> OwnershipPolicy:
    """Check and build the ownership rules from their YAML data; anything unknown fails naming the file and rule."""
    if not isinstance(raw, dict) or "owner_roles" not in raw:
        raise WorkflowDefinitionError(f"{origin}: the {SECTION} section needs owner_roles and hand_over")
    unknown = sorted(set(raw) - {"owner_roles", "hand_over"})
    if unknown:
        raise WorkflowDefinitionError(f"{origin}: {SECTION} has unknown key {unknown[0]!r}")
    rules = []
    for index, item in enumerate(raw.get("hand_over") or [], start=1):
        where = f"{origin}: {SECTION}.hand_over rule {index}"
        if not isinstance(item, dict):
            raise WorkflowDefinitionError(f"{where} must be a mapping with by and to")
        unknown = sorted(set(item) - {"by", "to", "own"})
        if unknown:
            raise WorkflowDefinitionError(f"{where} has unknown key {unknown[0]!r}")
        rules.append(
            HandOverRule(_roles(item.get("by"), where), _roles(item.get("to"), where), item.get("own") is True)
        )
    return OwnershipPolicy(_roles(raw["owner_roles"], f"{origin}: {SECTION}.owner_roles"), tuple(rules))


def load_policy(path: Path = POLICY_FILE) -> OwnershipPolicy:
    """Read the ownership rules of a workflow file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise WorkflowDefinitionError(f"{path}: cannot read the {SECTION} rules ({exc})") from None
    return parse_policy((raw or {}).get(SECTION) if isinstance(raw, dict) else None, str(path))


@lru_cache
def get_policy() -> OwnershipPolicy:
    """The ownership rules of ``app/workflows/partnership.yaml``, read once (a broken file stops start-up)."""
    return load_policy()


def _spoken(role: Role) -> str:
    words = role.value.replace("_", " ")
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def _either(roles: frozenset[Role]) -> str:
    return " or ".join(_spoken(role) for role in sorted(roles))


def who_may_own(policy: OwnershipPolicy | None = None) -> str:
    """The roles an owner may hold, in words: ``a project manager or an admin``."""
    return _either((policy or get_policy()).owner_roles)


def eligible_owner(session: Session, user_id: int, field: str = FIELD, policy: OwnershipPolicy | None = None) -> User:
    """The user who may own a partnership (active, holding an owner role), or a validation error naming ``field``."""
    policy = policy or get_policy()
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise invalid(field, MESSAGES.gettext("user {user_id} does not exist or is deactivated", user_id=user_id))
    if not user.has_role(*policy.owner_roles):
        raise invalid(
            field,
            MESSAGES.gettext(
                "{full_name} cannot own a partnership: an owner is {who_may_own}",
                full_name=user.full_name,
                who_may_own=who_may_own(policy),
            ),
        )
    return user


def reasons_against(policy: OwnershipPolicy, actor: User, partnership: Partnership, new_owner: User) -> list[str]:
    """Why ``actor`` may not give ``partnership`` to ``new_owner`` under ``policy`` (empty when a rule allows it)."""
    reasons = []
    for rule in policy.hand_over:
        if not actor.is_active or not actor.has_role(*rule.by):
            continue
        giver = _either(rule.by)
        if rule.own and partnership.owner_id != actor.id:
            reasons.append(MESSAGES.gettext("{giver} may hand over only a partnership they own", giver=giver))
        elif not new_owner.has_role(*rule.to):
            reasons.append(
                MESSAGES.gettext(
                    "{giver} may hand a partnership only to {either}, which {full_name} is not",
                    giver=giver,
                    either=_either(rule.to),
                    full_name=new_owner.full_name,
                )
            )
        else:
            return []
    if not reasons:
        roles = ", ".join(role.value.replace("_", " ") for role in actor.roles) or "none"
        reasons.append(
            MESSAGES.gettext("your roles ({roles}) do not allow giving a partnership to another owner", roles=roles)
        )
    return reasons


def check_hand_over(session: Session, partnership: Partnership, new_owner_id: int, actor: User) -> User | None:
    """The new owner if ``actor`` may give ``partnership`` to them under the declared rules (``None`` when the owner
    stays the same); a validation error for an owner who cannot own, ``Forbidden`` with the reasons otherwise."""
    policy = get_policy()
    new_owner = eligible_owner(session, new_owner_id, policy=policy)
    if new_owner.id == partnership.owner_id:
        return None
    reasons = reasons_against(policy, actor, partnership, new_owner)
    if reasons:
        raise Forbidden(
            MESSAGES.gettext(
                "you may not give partnership {reference} to another owner: {values}",
                reference=partnership.reference,
                values="; ".join(reasons),
            ),
            [FieldProblem(FIELD, reason) for reason in reasons],
        )
    return new_owner


def hand_over(session: Session, partnership: Partnership, new_owner: User, actor: User) -> None:
    """Give ``partnership`` to ``new_owner`` (checked by :func:`check_hand_over`) and audit who did it, from whom."""
    session.add(
        AuditEntry(
            occurred_at=clock.now(),
            actor_id=actor.id,
            action=HAND_OVER,
            entity_type=Partnership.__tablename__,
            entity_id=str(partnership.id),
            changes={FIELD: [partnership.owner_id, new_owner.id], "by": actor.id},
        )
    )
    partnership.owner = new_owner
