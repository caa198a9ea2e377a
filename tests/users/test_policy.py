"""The permission policy, as a truth table for every role and action."""

from __future__ import annotations

import pytest

import app.models  # noqa: F401  (every mapper, so that a User can be built without a database)
from app.errors import Forbidden
from app.users.models import Role, User, UserRole
from app.users.policy import Action, can, require

ME, SOMEONE_ELSE = 7, 8


def _user(*roles: Role, active: bool = True) -> User:
    return User(
        id=ME, email="me@example.org", full_name="Me", is_active=active, role_grants=[UserRole(role=r) for r in roles]
    )


def _row(bits: str) -> tuple[bool, ...]:
    return tuple(bit == "1" for bit in bits)


# What each role may do; EDIT and ACT (on an agreement) are split by how the user relates to the partnership.
# read, orgs, create, edit-own, edit-as-LO, edit-other, users, act-own, act-other, templates, audit, sign, screen,
# load-list, webhooks
TABLE = {
    Role.ADMIN:           _row("111111111111111"),
    Role.PROJECT_MANAGER: _row("111110010000000"),
    Role.LEGAL_OFFICER:   _row("110110011101100"),
    Role.VIEWER:          _row("100000000000000"),
}  # fmt: skip


def _decisions(user: User) -> tuple[bool, ...]:
    return (
        can(user, Action.READ),
        can(user, Action.MANAGE_ORGANISATIONS),
        can(user, Action.CREATE_PARTNERSHIP),
        can(user, Action.EDIT_PARTNERSHIP, owner_id=ME, legal_officer_id=SOMEONE_ELSE),
        can(user, Action.EDIT_PARTNERSHIP, owner_id=SOMEONE_ELSE, legal_officer_id=ME),
        can(user, Action.EDIT_PARTNERSHIP, owner_id=SOMEONE_ELSE, legal_officer_id=None),
        can(user, Action.MANAGE_USERS),
        can(user, Action.ACT_ON_AGREEMENT, owner_id=ME, legal_officer_id=None),
        can(user, Action.ACT_ON_AGREEMENT, owner_id=SOMEONE_ELSE, legal_officer_id=None),
        can(user, Action.MANAGE_TEMPLATES),
        can(user, Action.READ_AUDIT_LOG),
        can(user, Action.RECORD_SIGNATURES),  # a party's own signature or withdrawal (issue 21)
        can(user, Action.DECIDE_SCREENING),
        can(user, Action.LOAD_SCREENING_LIST),
        can(user, Action.MANAGE_WEBHOOKS),
    )


def test_the_table_covers_every_role_and_action():
    assert set(TABLE) == set(Role)
    assert set(Action) == {
        Action.READ,
        Action.MANAGE_ORGANISATIONS,
        Action.CREATE_PARTNERSHIP,
        Action.EDIT_PARTNERSHIP,
        Action.MANAGE_USERS,
        Action.ACT_ON_AGREEMENT,
        Action.MANAGE_TEMPLATES,
        Action.READ_AUDIT_LOG,
        Action.RECORD_SIGNATURES,
        Action.DECIDE_SCREENING,
        Action.LOAD_SCREENING_LIST,
        Action.MANAGE_WEBHOOKS,
    }


@pytest.mark.parametrize("role", list(Role))
def test_each_role(role):
    assert _decisions(_user(role)) == TABLE[role]


@pytest.mark.parametrize("role", list(Role))
def test_a_deactivated_user_may_do_nothing(role):
    assert _decisions(_user(role, active=False)) == (False,) * 15


def test_a_user_without_roles_may_do_nothing():
    assert _decisions(_user()) == (False,) * 15


def test_roles_add_up():
    assert _decisions(_user(Role.VIEWER, Role.LEGAL_OFFICER)) == TABLE[Role.LEGAL_OFFICER]
    combined = _decisions(_user(Role.LEGAL_OFFICER, Role.PROJECT_MANAGER))
    expected = tuple(a or b for a, b in zip(TABLE[Role.LEGAL_OFFICER], TABLE[Role.PROJECT_MANAGER], strict=True))
    assert combined == expected


def test_require_names_the_roles_and_the_action():
    require(_user(Role.ADMIN), Action.MANAGE_USERS)
    with pytest.raises(Forbidden) as caught:
        require(_user(Role.VIEWER), Action.CREATE_PARTNERSHIP)
    assert "viewer" in caught.value.detail and "create partnership" in caught.value.detail
    with pytest.raises(Forbidden) as caught:
        require(_user(Role.PROJECT_MANAGER), Action.EDIT_PARTNERSHIP, owner_id=SOMEONE_ELSE, legal_officer_id=None)
    assert "project_manager" in caught.value.detail
    with pytest.raises(Forbidden) as caught:
        require(_user(), Action.READ)
    assert "none" in caught.value.detail
