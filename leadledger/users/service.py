"""Users, teams and API tokens. Tokens are random, shown once, stored as SHA-256."""

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadledger.contract.schemas import Team as TeamKind
from leadledger.core.actor import Actor
from leadledger.core.db import insert_unique
from leadledger.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from leadledger.core.normalize import normalize_email
from leadledger.users.models import ApiToken, Role, Team, User

TOKEN_PREFIX = "ll_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_team(session: Session, *, key: str, name: str, kind: TeamKind) -> Team:
    team = Team(key=key, name=name, kind=kind)
    insert_unique(session, team, Conflict(f"a team with key '{key}' already exists"))
    return team


def user_exists(session: Session, user_id: int) -> bool:
    return session.get(User, user_id) is not None


def team_exists(session: Session, team_id: int) -> bool:
    return session.get(Team, team_id) is not None


def get_team(session: Session, key: str) -> Team:
    team = session.scalar(select(Team).where(Team.key == key))
    if team is None:
        raise NotFound(f"no team '{key}'", loc=["team"])
    return team


def list_teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.key)))


def add_user(
    session: Session, *, email: str, role: Role, name: str = "", team_key: str | None = None
) -> User:
    try:
        email = normalize_email(email)
    except ValueError as exc:
        raise InvalidInput(f"email: {exc}", loc=["email"]) from exc
    team = get_team(session, team_key) if team_key else None
    user = User(email=email, role=role, name=name, team_id=team.id if team else None)
    insert_unique(session, user, Conflict(f"a user with email '{email}' already exists"))
    return user


def get_user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user with email '{email}'", loc=["email"])
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def create_token(session: Session, user: User, *, name: str, now: datetime) -> tuple[ApiToken, str]:
    """The stored row and the token text, which is not stored and cannot be shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, name=name, token_hash=_hash(token), prefix=token[:10], created_at=now
    )
    session.add(row)
    session.flush()
    return row, token


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, token_id: int, *, now: datetime) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}", loc=["token_id"])
    if row.revoked_at is None:
        row.revoked_at = now
    return row


def actor_of(user: User) -> Actor:
    """How a user's actions are recorded (transitions, contract versions, activities)."""
    return Actor(label=f"user:{user.email}", user_id=user.id)


def authenticate(session: Session, token: str | None, *, now: datetime) -> User:
    """The active user a bearer token belongs to, or ``Unauthorized``."""
    if not token:
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        raise Unauthorized("invalid or revoked token")
    # a write per request would serialise reads on SQLite; a minute's precision is enough
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
    return row.user
