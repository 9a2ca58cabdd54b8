import pytest

from leadledger.core.config import get_settings
from leadledger.users import service
from tests.factories import make_token, make_user


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
