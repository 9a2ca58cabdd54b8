from datetime import timedelta

import pytest
from sqlalchemy import select

from leadledger.core.audit import AuditEvent
from leadledger.core.config import get_settings
from leadledger.users import service
from tests.factories import make_team, make_token, make_user


def test_health_checks_need_no_token(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_readyz_is_503_when_the_database_is_unreachable(client, monkeypatch, tmp_path):
    monkeypatch.setenv("LEADLEDGER_DATABASE_URL", f"sqlite:///{tmp_path}/missing/dir/x.db")
    get_settings.cache_clear()
    try:
        response = client.get("/readyz")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert response.status_code == 503
    assert response.json()["error"] == "not_ready"
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer ll_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ],
)
def test_missing_or_wrong_token_is_401(client, headers):
    response = client.get("/api/v1/leads", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"error", "detail", "loc"}
    assert body["error"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


def test_valid_token_is_accepted_and_revoked_token_is_not(client, session, clock):
    user = make_user(session, email="sam@example.com")
    token = make_token(session, user, now=clock.now())
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/leads", headers=headers).status_code == 200
    (row,) = service.list_tokens(session, user)
    service.revoke_token(session, row.id, now=clock.now())
    session.commit()
    assert client.get("/api/v1/leads", headers=headers).status_code == 401


def test_token_of_a_deactivated_user_is_refused(client, session, clock):
    user = make_user(session)
    token = make_token(session, user, now=clock.now())
    user.active = False
    session.commit()
    assert (
        client.get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def test_tokens_are_stored_hashed(session, clock):
    user = make_user(session)
    token = make_token(session, user, now=clock.now())
    (row,) = service.list_tokens(session, user)
    assert token not in (row.token_hash, row.prefix)
    assert token.startswith(row.prefix)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestTokenScopes:
    def test_a_capture_token_creates_leads_and_reads_nothing(self, client, session, clock):
        user = make_user(session, role="admin")
        token = make_token(session, user, now=clock.now(), scope="capture")
        session.commit()
        created = client.post("/api/v1/leads", json={"email": "a@acme.com"}, headers=_bearer(token))
        assert created.status_code == 201
        for path in (
            "/api/v1/leads",
            f"/api/v1/leads/{created.json()['lead_id']}",
            "/api/v1/audit",
        ):
            response = client.get(path, headers=_bearer(token))
            assert response.status_code == 403, path
            assert "lead:read" in response.json()["detail"] or "audit:read" in response.text

    def test_a_capture_token_learns_nothing_about_a_known_lead(self, client, auth, session, clock):
        known = client.post(
            "/api/v1/leads",
            json={"email": "ceo@bigco.com", "phone": "+1 415 555 0100"},
            headers=auth,
        ).json()
        user = make_user(session, role="leader")
        token = make_token(session, user, now=clock.now(), scope="capture")
        session.commit()
        again = client.post(
            "/api/v1/leads", json={"email": "ceo@bigco.com"}, headers=_bearer(token)
        )
        assert again.status_code == 200
        assert again.json() == {"outcome": "merged", "lead_id": known["id"], "problems": {}}

    def test_a_read_token_cannot_write(self, client, session, clock):
        user = make_user(session, role="sdr")
        token = make_token(session, user, now=clock.now(), scope="read")
        session.commit()
        assert client.get("/api/v1/leads", headers=_bearer(token)).status_code == 200
        response = client.post("/api/v1/leads", json={"email": "a@b.com"}, headers=_bearer(token))
        assert response.status_code == 403

    def test_a_scope_never_adds_to_the_role(self, client, session, clock):
        user = make_user(session, role="sdr")
        token = make_token(session, user, now=clock.now(), scope="admin")
        session.commit()
        assert client.get("/api/v1/audit", headers=_bearer(token)).status_code == 403

    def test_tokens_default_to_the_write_scope(self, session, clock):
        user = make_user(session, role="admin")
        row, _ = service.create_token(session, user, name="x", now=clock.now())
        assert row.scope == "write"


def test_an_expired_token_is_401(client, session, clock):
    user = make_user(session)
    token = make_token(session, user, now=clock.now(), expires_at=clock.now() + timedelta(days=1))
    session.commit()
    assert client.get("/api/v1/leads", headers=_bearer(token)).status_code == 200
    clock.advance(days=1)
    response = client.get("/api/v1/leads", headers=_bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_failed_sign_ins_are_audited_and_a_flood_is_throttled(client, session, clock):
    bad = _bearer("ll_guess")
    for _ in range(service.SIGN_IN_LIMIT):
        assert client.get("/api/v1/leads", headers=bad).status_code == 401
    throttled = client.get("/api/v1/leads", headers=bad)
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "60"
    assert throttled.json()["error"] == "too_many_requests"
    failures = session.scalars(
        select(AuditEvent).where(AuditEvent.action == service.FAILED_SIGN_IN)
    ).all()
    assert len(failures) == service.SIGN_IN_LIMIT  # the throttled ones write nothing
    assert {f.client for f in failures} == {"testclient"}
    clock.advance(seconds=service.SIGN_IN_WINDOW.total_seconds() + 1)
    assert client.get("/api/v1/leads", headers=bad).status_code == 401


def test_users_me_says_what_the_token_may_do(client, session, clock):
    team = make_team(session, kind="partner")
    user = make_user(session, role="partner", team=team)
    token = make_token(session, user, now=clock.now(), scope="read")
    session.commit()
    me = client.get("/api/v1/users/me", headers=_bearer(token)).json()
    assert me["user"]["email"] == user.email
    assert me["permissions"] == ["lead:read"]
    assert me["reach"] == "team"
    assert me["team_ids"] == [team.id]


def test_an_admin_manages_users_and_tokens_and_the_change_is_audited(client, auth, session):
    created = client.post(
        "/api/v1/users", json={"email": "new@example.com", "role": "sdr"}, headers=auth
    )
    assert created.status_code == 201
    user_id = created.json()["id"]
    promoted = client.patch(f"/api/v1/users/{user_id}", json={"role": "leader"}, headers=auth)
    assert promoted.json()["role"] == "leader"
    token = client.post(
        f"/api/v1/users/{user_id}/tokens", json={"name": "laptop", "scope": "read"}, headers=auth
    ).json()
    assert token["token"].startswith(token["prefix"])
    assert client.get("/api/v1/leads", headers=_bearer(token["token"])).status_code == 200
    revoked = client.post(f"/api/v1/tokens/{token['id']}/revoke", headers=auth)
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/leads", headers=_bearer(token["token"])).status_code == 401
    trail = client.get(
        "/api/v1/audit", params={"action": "user.permission_change"}, headers=auth
    ).json()["items"]
    assert [e["changes"]["role"] for e in trail] == [["sdr", "leader"]]
    listed = client.get(f"/api/v1/users/{user_id}/tokens", headers=auth).json()
    assert "token_hash" not in listed[0] and "token" not in listed[0]
