"""The one dependency every route uses to say who is asking and whether they may:
``viewer: Annotated[Principal, require(Permission.lead_read)]``."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts

from leadledger.core import audit
from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.errors import Forbidden
from leadledger.users import service
from leadledger.users.permissions import Permission
from leadledger.users.rules import Principal


def request_context(request: Request, actor: str = "anonymous", **known: Any) -> audit.AuditContext:
    return audit.AuditContext(
        actor=actor,
        request_id=getattr(request.state, "request_id", None),
        client=request.client.host if request.client else None,
        **({"source": "api"} | known),
    )


def current_principal(request: Request, session: SessionDep, clock: ClockDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        token = ""
    principal = service.authenticate(
        session, token.strip() or None, now=clock.now(), context=request_context(request)
    )
    audit.set_context(
        session,
        request_context(
            request,
            principal.actor.label,
            actor_id=principal.user_id,
            source=principal.source,
        ),
    )
    return principal


AUTHENTICATED = "authenticated"
"""For ``require``: any signed-in caller, whatever their role (``/users/me``)."""


def require(permission: Permission | str) -> Any:
    """A dependency that authenticates the caller and refuses (403) unless they hold
    ``permission``; the route matrix test finds it on every route through ``.permission``."""

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if permission != AUTHENTICATED and not principal.can(permission):
            who = f"role '{principal.role}'" if principal.role else "this caller"
            raise Forbidden(f"{who} with this token may not '{permission}'")
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    return Depends(dependency)


def permission_of(call: Callable) -> Permission | str | None:
    return getattr(call, "permission", None)


def route_permissions(app: FastAPI) -> list[tuple[str, str, Permission | str | None]]:
    """(method, path, permission) of every API route; ``None`` when a route declares none."""
    found = []
    # FastAPI includes routers lazily; its route contexts give each route with its full path
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        declared = None
        stack = list(route.dependant.dependencies)
        while stack:
            dep = stack.pop()
            declared = declared or (permission_of(dep.call) if dep.call else None)
            stack.extend(dep.dependencies)
        for method in sorted(route.methods):
            found.append((method, context.path, declared))
    return sorted(found, key=lambda r: (r[1], r[0]))
