"""The one permission policy: which roles may do what. Used by the API, the pages and the CLI alike."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from app.errors import Forbidden
from app.users.models import Role, User


class Action(enum.StrEnum):
    """Things a user may try to do."""

    READ = "read"
    MANAGE_ORGANISATIONS = "manage_organisations"
    CREATE_PARTNERSHIP = "create_partnership"
    EDIT_PARTNERSHIP = "edit_partnership"
    ACT_ON_AGREEMENT = "act_on_agreement"
    MANAGE_TEMPLATES = "manage_templates"
    READ_AUDIT_LOG = "read_audit_log"
    MANAGE_USERS = "manage_users"


ALLOWED: dict[Action, frozenset[Role]] = {
    Action.READ: frozenset(Role),
    Action.MANAGE_ORGANISATIONS: frozenset({Role.ADMIN, Role.PROJECT_MANAGER, Role.LEGAL_OFFICER}),
    Action.CREATE_PARTNERSHIP: frozenset({Role.ADMIN, Role.PROJECT_MANAGER}),
    Action.EDIT_PARTNERSHIP: frozenset({Role.ADMIN, Role.PROJECT_MANAGER, Role.LEGAL_OFFICER}),
    Action.ACT_ON_AGREEMENT: frozenset({Role.ADMIN, Role.PROJECT_MANAGER, Role.LEGAL_OFFICER}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.MANAGE_TEMPLATES: frozenset({Role.ADMIN, Role.LEGAL_OFFICER}),
    Action.READ_AUDIT_LOG: frozenset({Role.ADMIN}),
}


def can(
    user: User,
    action: Action,
    *,
    owner_id: int | None = None,
    legal_officer_id: int | None = None,
    co_owner_ids: Iterable[int] = (),
) -> bool:
    """Whether ``user`` may perform ``action`` (on a partnership with these owners and legal officer)."""
    if not user.is_active or not user.has_role(*ALLOWED[action]):
        return False
    if action is Action.EDIT_PARTNERSHIP and not user.has_role(Role.ADMIN):
        # Project managers edit what they own; legal officers what they are responsible for.
        return user.id in {owner_id, legal_officer_id, *co_owner_ids}
    if action is Action.ACT_ON_AGREEMENT and not user.has_role(Role.ADMIN, Role.LEGAL_OFFICER):
        # Any legal officer may review and approve (four eyes needs a second one); managers act on their own.
        return user.id in {owner_id, legal_officer_id, *co_owner_ids}
    return True


def require(user: User, action: Action, **context: Any) -> None:
    """Raise ``Forbidden`` unless ``user`` may perform ``action``."""
    if not can(user, action, **context):
        roles = ", ".join(user.roles) or "none"
        raise Forbidden(f"your roles ({roles}) do not allow you to {action.value.replace('_', ' ')}")
