"""The one permission policy for non-workflow actions: which roles may do what.

The services decide: each public service function that changes or reveals protected data takes the acting user
(or an ``Actor``) and calls :func:`require`, so the API, the pages, the CLI and the imports cannot disagree.
Workflow transitions are decided by the roles in the workflow YAML, inside ``fire()``. A system actor (a command
run by the operator, or the system acting on its own) is not refused here: whoever runs a command holds the
database already; a command acting for a named user passes that user instead.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from app.errors import Forbidden
from app.i18n import MESSAGES
from app.users.models import Role, User
from app.workflow.actor import Actor


class Action(enum.StrEnum):
    """Things a user may try to do."""

    READ = "read"
    MANAGE_ORGANISATIONS = "manage_organisations"
    CREATE_PARTNERSHIP = "create_partnership"
    EDIT_PARTNERSHIP = "edit_partnership"
    ACT_ON_AGREEMENT = "act_on_agreement"
    RECORD_SIGNATURES = "record_signatures"  # a party's signature, a party's withdrawal (issue 21)
    MANAGE_TEMPLATES = "manage_templates"
    READ_AUDIT_LOG = "read_audit_log"
    MANAGE_USERS = "manage_users"
    DECIDE_SCREENING = "decide_screening"
    LOAD_SCREENING_LIST = "load_screening_list"
    MANAGE_WEBHOOKS = "manage_webhooks"


ALLOWED: dict[Action, frozenset[Role]] = {
    Action.READ: frozenset(Role),
    Action.MANAGE_ORGANISATIONS: frozenset({Role.ADMIN, Role.PROJECT_MANAGER, Role.LEGAL_OFFICER}),
    Action.CREATE_PARTNERSHIP: frozenset({Role.ADMIN, Role.PROJECT_MANAGER}),
    Action.EDIT_PARTNERSHIP: frozenset({Role.ADMIN, Role.PROJECT_MANAGER, Role.LEGAL_OFFICER}),
    Action.ACT_ON_AGREEMENT: frozenset({Role.ADMIN, Role.PROJECT_MANAGER, Role.LEGAL_OFFICER}),
    Action.RECORD_SIGNATURES: frozenset({Role.ADMIN, Role.LEGAL_OFFICER}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.MANAGE_TEMPLATES: frozenset({Role.ADMIN, Role.LEGAL_OFFICER}),
    Action.READ_AUDIT_LOG: frozenset({Role.ADMIN}),
    Action.DECIDE_SCREENING: frozenset({Role.ADMIN, Role.LEGAL_OFFICER}),
    Action.LOAD_SCREENING_LIST: frozenset({Role.ADMIN}),
    Action.MANAGE_WEBHOOKS: frozenset({Role.ADMIN}),
}


def can(
    user: User | Actor,
    action: Action,
    *,
    owner_id: int | None = None,
    legal_officer_id: int | None = None,
    co_owner_ids: Iterable[int] = (),
) -> bool:
    """Whether ``user`` may perform ``action`` (on a partnership with these owners and legal officer)."""
    if isinstance(user, Actor):
        if user.is_system:
            return True
        active, user_id = user.active, user.user_id
    else:
        active, user_id = user.is_active, user.id
    if not active or not user.has_role(*ALLOWED[action]):
        return False
    if action is Action.EDIT_PARTNERSHIP and not user.has_role(Role.ADMIN):
        # Project managers edit what they own; legal officers what they are responsible for.
        return user_id in {owner_id, legal_officer_id, *co_owner_ids}
    if action is Action.ACT_ON_AGREEMENT and not user.has_role(Role.ADMIN, Role.LEGAL_OFFICER):
        # Any legal officer may review and approve (four eyes needs a second one); managers act on their own.
        return user_id in {owner_id, legal_officer_id, *co_owner_ids}
    return True


def _doing(action: Action) -> str:
    """What ``action`` does, as "do not allow you to …" ends, in the current language."""
    doing = {
        Action.READ: MESSAGES.gettext("read"),
        Action.MANAGE_ORGANISATIONS: MESSAGES.gettext("manage organisations"),
        Action.CREATE_PARTNERSHIP: MESSAGES.gettext("create partnership"),
        Action.EDIT_PARTNERSHIP: MESSAGES.gettext("edit partnership"),
        Action.ACT_ON_AGREEMENT: MESSAGES.gettext("act on agreement"),
        Action.RECORD_SIGNATURES: MESSAGES.gettext("record signatures or withdrawals"),
        Action.MANAGE_TEMPLATES: MESSAGES.gettext("manage templates"),
        Action.READ_AUDIT_LOG: MESSAGES.gettext("read audit log"),
        Action.DECIDE_SCREENING: MESSAGES.gettext("decide on screening hits"),
        Action.LOAD_SCREENING_LIST: MESSAGES.gettext("load a sanctions list"),
        Action.MANAGE_USERS: MESSAGES.gettext("manage users"),
        Action.MANAGE_WEBHOOKS: MESSAGES.gettext("manage webhooks"),
    }
    return doing[action]


def require(user: User | Actor, action: Action, **context: Any) -> None:
    """Raise ``Forbidden`` unless ``user`` may perform ``action``."""
    if not can(user, action, **context):
        roles = ", ".join(sorted(str(role) for role in user.roles)) or MESSAGES.gettext("none")
        raise Forbidden(
            MESSAGES.gettext("your roles ({roles}) do not allow you to {action}", roles=roles, action=_doing(action))
        )
