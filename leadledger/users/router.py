from typing import Annotated

from fastapi import APIRouter

from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.schemas import PathId
from leadledger.users import service
from leadledger.users.dependencies import AUTHENTICATED, require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal
from leadledger.users.schemas import (
    Me,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)

router = APIRouter(tags=["users"])
Manager = Annotated[Principal, require(P.user_manage)]


@router.get("/users/me", response_model=Me)
def me(session: SessionDep, viewer: Annotated[Principal, require(AUTHENTICATED)]) -> Me:
    """Who the token belongs to, and what it may do."""
    return Me(
        user=UserRead.model_validate(service.get_user(session, viewer.user_id)),
        permissions=sorted(viewer.permissions),
        reach=viewer.reach,
        team_ids=sorted(viewer.team_ids),
    )


@router.get("/users", response_model=list[UserRead])
def list_users(
    session: SessionDep, viewer: Annotated[Principal, require(P.user_read)]
) -> list[UserRead]:
    return [UserRead.model_validate(u) for u in service.list_users(session)]


@router.post("/users", status_code=201, response_model=UserRead)
def add_user(body: UserCreate, session: SessionDep, viewer: Manager) -> UserRead:
    user = service.add_user(
        session, email=body.email, role=body.role, name=body.name, team_key=body.team
    )
    return UserRead.model_validate(user)


@router.patch("/users/{user_id}", response_model=UserRead)
def update_user(
    user_id: PathId, body: UserUpdate, session: SessionDep, viewer: Manager, clock: ClockDep
) -> UserRead:
    return UserRead.model_validate(service.update_user(session, user_id, body, now=clock.now()))


@router.get("/users/{user_id}/tokens", response_model=list[TokenRead])
def list_tokens(user_id: PathId, session: SessionDep, viewer: Manager) -> list[TokenRead]:
    user = service.get_user(session, user_id)
    return [TokenRead.model_validate(t) for t in service.list_tokens(session, user)]


@router.post("/users/{user_id}/tokens", status_code=201, response_model=TokenCreated)
def create_token(
    user_id: PathId, body: TokenCreate, session: SessionDep, viewer: Manager, clock: ClockDep
) -> TokenCreated:
    """A new token for the user; the answer is the only time it is shown."""
    user = service.get_user(session, user_id)
    row, token = service.create_token(
        session,
        user,
        name=body.name,
        now=clock.now(),
        scope=body.scope,
        expires_at=body.expires_at,
    )
    return TokenCreated(**TokenRead.model_validate(row).model_dump(), token=token)


@router.post("/tokens/{token_id}/revoke", response_model=TokenRead)
def revoke_token(
    token_id: PathId, session: SessionDep, viewer: Manager, clock: ClockDep
) -> TokenRead:
    return TokenRead.model_validate(service.revoke_token(session, token_id, now=clock.now()))
