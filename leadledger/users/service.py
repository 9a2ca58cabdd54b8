"""Users, teams and API tokens. Tokens are random, shown once, stored as SHA-256."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadledger.contract.schemas import Team as TeamKind
from leadledger.core import audit
from leadledger.core.actor import Actor
from leadledger.core.db import insert_unique, session_scope
from leadledger.core.errors import Conflict, InvalidInput, NotFound, TooManyRequests, Unauthorized
from leadledger.core.normalize import normalize_email
from leadledger.users import rules
from leadledger.users.models import ApiToken, Role, Team, TokenScope, User
from leadledger.users.permissions import ROLES, Reach, permissions_of
from leadledger.users.schemas import UserUpdate

TOKEN_PREFIX = "ll_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_team(
    session: Session, *, key: str, name: str, kind: TeamKind, parent_key: str | None = None
) -> Team:
    parent = get_team(session, parent_key) if parent_key else None
    team = Team(key=key, name=name, kind=kind, parent_id=parent.id if parent else None)
    insert_unique(session, team, Conflict(f"a team with key '{key}' already exists"))
    return team


def user_exists(session: Session, user_id: int) -> bool:
    return session.get(User, user_id) is not None


def team_of(session: Session, user_id: int) -> int | None:
    return session.scalar(select(User.team_id).where(User.id == user_id))


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


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", loc=["path", "user_id"])
    return user


def update_user(session: Session, user_id: int, data: UserUpdate, *, now: datetime) -> User:
    """Change a user's name, role, team or status (audited as a permission change)."""
    # only the user row: its team is joined in, and a joined row cannot be locked
    user = session.scalars(select(User).where(User.id == user_id).with_for_update(of=User)).first()
    if user is None:
        raise NotFound(f"no user {user_id}", loc=["path", "user_id"])
    changes = data.model_dump(exclude_unset=True)
    for name in ("role", "active", "name"):
        if name in changes and changes[name] is None:
            raise InvalidInput("cannot be null", loc=["body", name])
    if changes.get("team_id") is not None and not team_exists(session, changes["team_id"]):
        raise InvalidInput(f"no team {changes['team_id']}", loc=["body", "team_id"])
    for name, value in changes.items():
        setattr(user, name, value)
    user.updated_at = now
    session.flush()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def create_token(
    session: Session,
    user: User,
    *,
    name: str,
    now: datetime,
    scope: TokenScope = TokenScope.write,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """The stored row and the token text, which is not stored and cannot be shown again."""
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("the expiry must be in the future", loc=["expires_at"])
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=_hash(token),
        prefix=token[:10],
        scope=scope,
        created_at=now,
        expires_at=expires_at,
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


def team_reach(session: Session, user: User) -> frozenset[int]:
    """The user's team and all its subteams."""
    if user.team_id is None:
        return frozenset()
    pairs = session.execute(select(Team.id, Team.parent_id)).all()
    return rules.subteams(pairs, user.team_id)


def principal_of(
    session: Session, user: User, *, scope: TokenScope = TokenScope.admin, source: str
) -> rules.Principal:
    """What ``user`` may do and see, through a token of ``scope``."""
    rule = ROLES[user.role]
    return rules.Principal(
        actor=actor_of(user),
        source=source,
        permissions=permissions_of(user.role, scope),
        reach=rule.reach,
        role=user.role,
        team_ids=team_reach(session, user) if rule.reach is not Reach.all else frozenset(),
    )


FAILED_SIGN_IN = "auth.failed"
SIGN_IN_LIMIT = 20  # failed attempts per client address per window, then 429
SIGN_IN_WINDOW = timedelta(minutes=1)


def _refuse_sign_in(
    session: Session, message: str, *, context: audit.AuditContext, now: datetime
) -> Unauthorized | TooManyRequests:
    """Record a failed sign-in (in its own transaction: the request's is rolled back) and say
    what to answer: 401, or 429 once a client has failed too often in the window."""
    failures = session.scalar(
        select(func.count())
        .select_from(audit.AuditEvent)
        .where(
            audit.AuditEvent.action == FAILED_SIGN_IN,
            audit.AuditEvent.client == context.client,
            audit.AuditEvent.at > now - SIGN_IN_WINDOW,
        )
    )
    if failures >= SIGN_IN_LIMIT:
        seconds = int(SIGN_IN_WINDOW.total_seconds())
        return TooManyRequests(
            f"too many failed sign-ins from this address; retry in {seconds} s",
            retry_after=seconds,
        )
    session.rollback()  # the request's transaction holds SQLite's write lock; end it first
    with session_scope() as log:
        audit.record(log, FAILED_SIGN_IN, changes={"reason": message}, context=context)
    return Unauthorized(message)


def token_source(session: Session, token: str | None, *, now: datetime) -> str | None:
    """``api:<token name>`` for a valid token, else None; records nothing."""
    if not token:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    return f"api:{row.name}"


def authenticate(
    session: Session, token: str | None, *, now: datetime, context: audit.AuditContext
) -> rules.Principal:
    """The principal a bearer token stands for, or ``Unauthorized`` (audited, and throttled per
    client address)."""
    if not token:
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    problem = None
    if row is None or row.revoked_at is not None or not row.user.active:
        problem = "invalid or revoked token"
    elif row.expires_at is not None and row.expires_at <= now:
        problem = "the token has expired; create a new one"
    if problem:
        raise _refuse_sign_in(session, problem, context=context, now=now)
    # a write per request would serialise reads on SQLite; a minute's precision is enough
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
    return principal_of(session, row.user, scope=row.scope, source=f"api:{row.name}")
