from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leadledger.accounts.models import Account
from leadledger.accounts.schemas import AccountCreate
from leadledger.core.db import insert_unique
from leadledger.core.errors import Conflict, InvalidInput, NotFound
from leadledger.core.pagination import clamp_limit, contains, page_of, paginate, parse_sort
from leadledger.users import service as user_service

SORTS = {"created_at": Account.created_at, "updated_at": Account.updated_at, "id": Account.id}


def create_account(session: Session, data: AccountCreate, *, now: datetime) -> Account:
    if data.owner_id is not None and not user_service.user_exists(session, data.owner_id):
        raise InvalidInput(f"no user {data.owner_id}", loc=["body", "owner_id"])
    account = Account(**data.model_dump(), created_at=now, updated_at=now)
    duplicate = Conflict(
        f"an account with domain '{data.domain}' already exists", loc=["body", "domain"]
    )
    insert_unique(session, account, duplicate)
    return account


def account_exists(session: Session, account_id: int) -> bool:
    return session.get(Account, account_id) is not None


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account {account_id}", loc=["path", "account_id"])
    return account


def list_accounts(
    session: Session,
    *,
    q: str | None = None,
    sort: str = "-created_at",
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Account], str | None]:
    order = parse_sort(sort, SORTS)
    limit = clamp_limit(limit)
    stmt = select(Account)
    if q:
        like = contains(q)
        stmt = stmt.where(
            or_(Account.name.ilike(like, escape="\\"), Account.domain.like(like, escape="\\"))
        )
    rows = list(session.scalars(paginate(stmt, order, Account.id, cursor, limit)))
    return page_of(rows, order, limit)
