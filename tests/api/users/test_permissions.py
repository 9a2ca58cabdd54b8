"""Every API route x every role (and no token): the status the permission matrix documents.
The routes are read from the application, so a new route without a declared permission fails."""

import re

import pytest

from leadledger.app import create_app
from leadledger.users import permissions
from leadledger.users.dependencies import route_permissions
from leadledger.users.models import Role
from tests.factories import make_team, make_token, make_user

ROUTES = [r for r in route_permissions(create_app()) if r[1].startswith("/api/")]
MISSING = 999_999  # an id that matches nothing: allowed callers get 404 or 422, never 401/403


def test_every_api_route_declares_a_permission():
    undeclared = [f"{method} {path}" for method, path, permission in ROUTES if permission is None]
    assert not undeclared, f"routes without require(...): {undeclared}"
    assert len(ROUTES) >= 20


def test_the_permissions_page_is_the_generated_matrix():
    from pathlib import Path

    page = (Path(__file__).parents[3] / "docs" / "permissions.md").read_text()
    assert page == permissions.markdown(route_permissions(create_app()))


@pytest.fixture
def tokens(session, clock) -> dict[str, str]:
    kinds = {Role.partner: "partner", Role.marketing: "marketing", Role.ae: "sales"}
    made = {}
    for role in Role:
        team = make_team(session, kind=kinds.get(role, "sdr"))
        user = make_user(session, role=role, team=team)
        made[role.value] = make_token(session, user, now=clock.now())
    session.commit()
    return made


def _call(client, method: str, path: str, token: str | None):
    url = re.sub(r"\{[a-z_]+\}", str(MISSING), path)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {} if method in ("POST", "PATCH", "PUT") else None
    return client.request(method, url, headers=headers, json=body)


@pytest.mark.parametrize(
    ("method", "path", "permission"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES]
)
def test_each_role_gets_the_documented_status(client, tokens, method, path, permission):
    anonymous = _call(client, method, path, None)
    assert anonymous.status_code == 401, anonymous.text
    for role in Role:
        response = _call(client, method, path, tokens[role.value])
        if permissions.role_may(role, permission):
            assert response.status_code not in (401, 403, 500), (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            assert response.json()["error"] == "forbidden"
