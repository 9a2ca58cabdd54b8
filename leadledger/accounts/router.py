from typing import Annotated

from fastapi import APIRouter, Query

from leadledger.accounts import service
from leadledger.accounts.schemas import AccountCreate, AccountFilters, AccountPage, AccountRead
from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.schemas import PathId, parse_input
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(tags=["accounts"])


@router.post("/accounts", status_code=201, response_model=AccountRead)
def create_account(
    body: AccountCreate,
    session: SessionDep,
    viewer: Annotated[Principal, require(P.account_write)],
    clock: ClockDep,
) -> AccountRead:
    return AccountRead.model_validate(service.create_account(session, body, now=clock.now()))


@router.get("/accounts", response_model=AccountPage)
def list_accounts(
    session: SessionDep,
    viewer: Annotated[Principal, require(P.account_read)],
    q: str | None = None,
    sort: str = "-created_at",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1)] = 50,
) -> AccountPage:
    filters = parse_input(AccountFilters, {"q": q}, prefix="query")
    rows, next_cursor = service.list_accounts(
        session, q=filters.q, sort=sort, cursor=cursor, limit=limit
    )
    return AccountPage(items=[AccountRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/accounts/{account_id}", response_model=AccountRead)
def get_account(
    account_id: PathId, session: SessionDep, viewer: Annotated[Principal, require(P.account_read)]
) -> AccountRead:
    return AccountRead.model_validate(service.get_account(session, account_id))
