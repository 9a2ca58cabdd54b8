from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table

from leadledger.contract.schemas import Team as TeamKind
from leadledger.core.clock import get_clock
from leadledger.core.console import console, new_app, print_json
from leadledger.core.db import session_scope
from leadledger.core.pagination import MAX_ID
from leadledger.core.schemas import parse_input
from leadledger.users import permissions as permission_table
from leadledger.users import service
from leadledger.users.models import Role, TokenScope
from leadledger.users.schemas import (
    TeamCreate,
    TeamRead,
    TokenCreate,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)

users_app = new_app("Users and their API tokens.")
teams_app = new_app("Teams (marketing, sdr, sales, partner).")


@users_app.command("add")
def add_user(
    email: str,
    role: Annotated[Role, typer.Option(help="admin, leader, marketing, sdr, ae or partner")],
    name: str = "",
    team: Annotated[str | None, typer.Option(help="key of the user's team")] = None,
) -> None:
    """Create a user."""
    data = parse_input(UserCreate, {"email": email, "role": role, "name": name, "team": team})
    with session_scope() as session:
        user = service.add_user(
            session, email=data.email, role=data.role, name=data.name, team_key=data.team
        )
        console.print(f"user {user.id} {user.email} ({user.role})")


@users_app.command("list")
def list_users(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List users."""
    with session_scope() as session:
        users = [UserRead.model_validate(u) for u in service.list_users(session)]
    if as_json:
        print_json(users)
        return
    table = Table("id", "email", "name", "role", "team", "active")
    for u in users:
        table.add_row(
            str(u.id), u.email, u.name, u.role, str(u.team_id or ""), "yes" if u.active else "no"
        )
    console.print(table)


@users_app.command("update")
def update_user(
    email: str,
    role: Annotated[Role | None, typer.Option(help="the new role")] = None,
    team: Annotated[str | None, typer.Option(help="key of the new team; '-' for none")] = None,
    name: str | None = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="let them sign in, or not")
    ] = None,
) -> None:
    """Change a user's role, team, name or status (audited as a permission change)."""
    given = {"role": role, "name": name, "active": active}
    with session_scope() as session:
        user = service.get_user_by_email(session, email)
        if team is not None:
            given["team_id"] = None if team == "-" else service.get_team(session, team).id
        data = parse_input(
            UserUpdate, {k: v for k, v in given.items() if v is not None or k == "team_id"}
        )
        user = service.update_user(session, user.id, data, now=get_clock().now())
        console.print(f"user {user.id} {user.email} ({user.role}, team {user.team_id or '-'})")


@users_app.command("token")
def create_token(
    email: str,
    name: Annotated[str, typer.Option(help="what the token is for")] = "cli",
    scope: Annotated[
        TokenScope, typer.Option(help="capture, read, write or admin (within the user's role)")
    ] = TokenScope.write,
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="default: never expires")
    ] = None,
) -> None:
    """Create an API token for a user and print it (it is shown only this once)."""
    now = get_clock().now()
    expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
    data = parse_input(TokenCreate, {"name": name, "scope": scope, "expires_at": expires_at})
    with session_scope() as session:
        user = service.get_user_by_email(session, email)
        _row, token = service.create_token(
            session, user, name=data.name, now=now, scope=data.scope, expires_at=data.expires_at
        )
    typer.echo(token)


@users_app.command("tokens")
def list_tokens(email: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List a user's tokens (prefix only; tokens are stored hashed)."""
    with session_scope() as session:
        user = service.get_user_by_email(session, email)
        rows = [TokenRead.model_validate(t) for t in service.list_tokens(session, user)]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "name", "scope", "prefix", "created", "expires", "last used", "revoked")
    for t in rows:
        table.add_row(
            str(t.id),
            t.name,
            t.scope,
            t.prefix + "…",
            f"{t.created_at:%Y-%m-%d %H:%M}",
            f"{t.expires_at:%Y-%m-%d %H:%M}" if t.expires_at else "never",
            f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "",
            f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "",
        )
    console.print(table)


@users_app.command("revoke")
def revoke_token(token_id: Annotated[int, typer.Argument(min=1, max=MAX_ID)]) -> None:
    """Revoke a token by id; requests with it get 401 from then on."""
    with session_scope() as session:
        service.revoke_token(session, token_id, now=get_clock().now())
    console.print(f"token {token_id} revoked")


@teams_app.command("add")
def add_team(
    key: str,
    kind: Annotated[TeamKind, typer.Option(help="marketing, sdr, sales or partner")],
    name: Annotated[str | None, typer.Option(help="display name; default: the key")] = None,
    parent: Annotated[
        str | None, typer.Option(help="key of the parent team (its leaders see this team's leads)")
    ] = None,
) -> None:
    """Create a team."""
    data = parse_input(
        TeamCreate, {"key": key, "name": name or key, "kind": kind, "parent": parent}
    )
    with session_scope() as session:
        team = service.add_team(
            session, key=data.key, name=data.name, kind=data.kind, parent_key=data.parent
        )
        console.print(f"team {team.id} {team.key} ({team.kind})")


@teams_app.command("list")
def list_teams(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List teams."""
    with session_scope() as session:
        teams = [TeamRead.model_validate(t) for t in service.list_teams(session)]
    if as_json:
        print_json(teams)
        return
    table = Table("id", "key", "name", "kind", "parent")
    for t in teams:
        table.add_row(str(t.id), t.key, t.name, t.kind, str(t.parent_id or ""))
    console.print(table)


def permissions() -> None:
    """Print the permission matrix (roles, token scopes, routes) as Markdown;
    docs/permissions.md is this output."""
    from leadledger.app import create_app  # the routes are read from the application
    from leadledger.users.dependencies import route_permissions

    typer.echo(permission_table.markdown(route_permissions(create_app())), nl=False)
