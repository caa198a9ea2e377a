"""HTTP endpoints about the caller."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import CurrentUser
from app.users.schemas import UserRead

router = APIRouter(tags=["users"])


@router.get("/me", response_model=UserRead)
def me(user: CurrentUser) -> UserRead:
    """The user the API token belongs to."""
    return UserRead.model_validate(user)
