"""Who fires a transition: a person (checked against the transition's roles) or the system acting for someone."""

from __future__ import annotations

from dataclasses import dataclass

from app.users.models import Role, User

SYSTEM_ROLE = "system"
"""Pseudo-role of automatic transitions (scheduler, agreement events, imports): no person may fire them."""


@dataclass(frozen=True)
class Actor:
    """The one who fires a transition; every firing names one, so no path skips the role check."""

    user_id: int | None
    """The person acting; ``None`` for the system."""
    roles: frozenset[str]
    active: bool
    name: str
    on_behalf_of: int | None = None
    """For the system: the user it acts for (an import's user), recorded as the event's actor."""
    reason: str | None = None
    """For the system: why it acts (``daily run``, ``import``, ``agreement in force`` …)."""

    @classmethod
    def person(cls, user: User) -> Actor:
        """A signed-in person, with the roles they hold now."""
        return cls(user.id, frozenset(role.value for role in user.roles), user.is_active, user.full_name)

    @classmethod
    def system(cls, *, reason: str, on_behalf_of: int | None = None) -> Actor:
        """The system itself, optionally acting for a user (who is then the audited actor of its events)."""
        return cls(None, frozenset({SYSTEM_ROLE}), True, "system", on_behalf_of, reason)

    @property
    def is_system(self) -> bool:
        """Whether this is the system rather than a person."""
        return self.user_id is None

    @property
    def audit_id(self) -> int | None:
        """The user recorded on the events this actor causes: the person, or the user the system acts for."""
        return self.on_behalf_of if self.is_system else self.user_id

    def has_role(self, *roles: Role | str) -> bool:
        """Whether the actor holds any of ``roles``."""
        return any(str(role) in self.roles for role in roles)

    @property
    def is_admin(self) -> bool:
        """Whether the actor is an active admin."""
        return not self.is_system and self.active and self.has_role(Role.ADMIN)
