"""The audit trail: who changed what, with old and new values, from where, per request."""

import json

from typer.testing import CliRunner

from leadledger.cli import app
from leadledger.contract.rules import default_contract_text
from tests.factories import make_team, make_token, make_user

runner = CliRunner()


def _trail(client, auth, **params) -> list[dict]:
    return client.get("/api/v1/audit", params=params, headers=auth).json()["items"]


def test_a_lead_story_is_in_the_trail_with_who_where_and_what(client, auth, session, clock):
    team = make_team(session)
    owner = make_user(session, role="sdr", team=team)
    session.commit()
    headers = auth | {"X-Request-ID": "req-create-1"}
    created = client.post(
        "/api/v1/leads", json={"email": "ada@acme.com", "title": "CTO"}, headers=headers
    )
    assert created.headers["x-request-id"] == "req-create-1"
    lead_id = created.json()["id"]
    client.patch(f"/api/v1/leads/{lead_id}", json={"title": "CEO"}, headers=auth)
    client.patch(f"/api/v1/leads/{lead_id}", json={"owner_id": owner.id}, headers=auth)
    client.post(f"/api/v1/leads/{lead_id}/transitions", json={"to": "mql"}, headers=auth)

    trail = _trail(client, auth, lead_id=lead_id)
    actions = [e["action"] for e in reversed(trail)]
    # within one flush the order of rows is not meaningful; across requests it is
    assert sorted(actions[:2]) == ["lead.create", "lead_transition.create"]
    assert actions[2:4] == ["lead.update", "lead.assign"]
    assert sorted(actions[4:]) == ["lead.transition", "lead_transition.create"]
    by_action = {e["action"]: e for e in trail}
    create = by_action["lead.create"]
    assert create["request_id"] == "req-create-1"
    assert create["actor"] == "user:admin@example.com"
    assert create["source"] == "api:test"
    assert create["changes"]["email"] == [None, "ada@acme.com"]
    assert create["entity"] == "lead" and create["entity_id"] == lead_id
    assert by_action["lead.update"]["changes"] == {"title": ["CTO", "CEO"]}
    assert by_action["lead.assign"]["changes"] == {"owner_id": [None, owner.id]}
    assert by_action["lead.transition"]["changes"]["stage"] == ["lead", "mql"]


def test_the_trail_filters_by_action_and_actor_and_pages(client, auth, session, clock):
    for n in range(3):
        client.post("/api/v1/leads", json={"email": f"p{n}@acme.com"}, headers=auth)
    admin_id = client.get("/api/v1/users/me", headers=auth).json()["user"]["id"]
    creates = _trail(client, auth, action="lead.create", actor_id=admin_id)
    assert len(creates) == 3
    assert all(e["action"] == "lead.create" for e in creates)
    assert len(_trail(client, auth, action="lead")) == 3
    first = client.get("/api/v1/audit", params={"limit": 2}, headers=auth).json()
    rest = client.get(
        "/api/v1/audit", params={"limit": 50, "cursor": first["next_cursor"]}, headers=auth
    ).json()
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids))
    bad = client.get("/api/v1/audit", params={"action": "DROP TABLE"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["loc"] == ["query", "action"]


def test_no_route_edits_or_deletes_the_audit(client, auth):
    client.post("/api/v1/leads", json={"email": "a@acme.com"}, headers=auth)
    event_id = _trail(client, auth)[0]["id"]
    for method in ("PATCH", "PUT", "DELETE"):
        for path in ("/api/v1/audit", f"/api/v1/audit/{event_id}"):
            response = client.request(method, path, headers=auth, json={})
            assert response.status_code in (404, 405), (method, path)
            assert set(response.json()) == {"error", "detail", "loc"}
    assert _trail(client, auth)[0]["id"] == event_id


def test_cli_changes_are_audited_as_the_cli_and_shown_by_the_audit_command(
    client, session, clock, tmp_path
):
    user = make_user(session, role="sdr", email="rep@example.com")
    session.commit()
    updated = runner.invoke(app, ["users", "update", "rep@example.com", "--role", "ae"])
    assert updated.exit_code == 0, updated.stderr
    contract = tmp_path / "c.yaml"
    contract.write_text(default_contract_text())
    applied = runner.invoke(app, ["contract", "apply", str(contract), "--reason", "same again"])
    assert applied.exit_code == 0, applied.output
    shown = runner.invoke(app, ["audit", "--action", "user.permission_change", "--json"])
    (event,) = json.loads(shown.stdout)
    assert event["action"] == "user.permission_change"
    assert event["source"] == "cli" and event["actor"] == "system:cli"
    assert event["changes"] == {"role": ["sdr", "ae"]}
    contract_events = json.loads(
        runner.invoke(app, ["audit", "--action", "contract_version", "--json"]).stdout
    )
    assert [e["changes"]["reason"][1] for e in contract_events][0] == "same again"
    assert contract_events[0]["source"] == "cli"
    token = make_token(session, user, now=clock.now())
    session.commit()
    client.post(
        "/api/v1/leads", json={"email": "z@acme.com"}, headers={"Authorization": f"Bearer {token}"}
    )
    mine = json.loads(runner.invoke(app, ["audit", "--user", "rep@example.com", "--json"]).stdout)
    assert {e["action"] for e in mine} == {"lead.create", "lead_transition.create"}
    assert runner.invoke(app, ["audit", "--lead", str(mine[0]["lead_id"])]).exit_code == 0
    unknown = runner.invoke(app, ["audit", "--user", "nobody@example.com"])
    assert unknown.exit_code == 1 and "no user" in unknown.stderr
