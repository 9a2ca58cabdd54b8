"""Record rules: every list, search and by-id read returns exactly the leads the pure rule
(``users.rules.can_reach_lead``) allows, for every role; another's lead is a 404."""

import itertools

import pytest

from leadledger.users import rules
from leadledger.users import service as user_service
from tests.factories import make_lead, make_team, make_token, make_user


@pytest.fixture
def world(session, clock):
    """Teams (one with a subteam), a user of every role, and a lead for every combination of
    owner and crediting team."""
    sales = make_team(session, kind="sales")
    teams = {
        "sales": sales,
        "sales_emea": make_team(session, kind="sales", parent=sales),
        "sdr": make_team(session, kind="sdr"),
        "marketing": make_team(session, kind="marketing"),
        "partner_a": make_team(session, kind="partner"),
        "partner_b": make_team(session, kind="partner"),
    }
    people = {
        "admin": make_user(session, role="admin"),
        "leader": make_user(session, role="leader"),
        "marketer": make_user(session, role="marketing", team=teams["marketing"]),
        "sdr": make_user(session, role="sdr", team=teams["sdr"]),
        "sdr_2": make_user(session, role="sdr", team=teams["sdr"]),
        "ae_head": make_user(session, role="ae", team=teams["sales"]),
        "ae_emea": make_user(session, role="ae", team=teams["sales_emea"]),
        "partner_a": make_user(session, role="partner", team=teams["partner_a"]),
        "partner_b": make_user(session, role="partner", team=teams["partner_b"]),
    }
    leads = [
        make_lead(
            session,
            now=clock.now(),
            owner_id=owner.id if owner else None,
            creating_team_id=team.id if team else None,
        )
        for owner, team in itertools.product([None, *people.values()], [None, *teams.values()])
    ]
    tokens = {name: make_token(session, user, now=clock.now()) for name, user in people.items()}
    session.commit()
    return people, leads, tokens


def _expected(session, user, leads) -> set[int]:
    principal = user_service.principal_of(session, user, source="test")
    team_of = {u.id: u.team_id for u in user_service.list_users(session)}
    return {
        lead.id
        for lead in leads
        if rules.can_reach_lead(
            principal,
            rules.LeadFacts(
                owner_id=lead.owner_id,
                owner_team_id=team_of.get(lead.owner_id),
                creating_team_id=lead.creating_team_id,
                created_by_id=lead.created_by_id,
            ),
        )
    }


def _all_pages(client, headers, **params) -> list[int]:
    ids, cursor = [], None
    while True:
        page = client.get(
            "/api/v1/leads", params={**params, "limit": 17, "cursor": cursor}, headers=headers
        ).json()
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return ids


def test_lists_searches_and_reads_by_id_follow_the_record_rule(client, session, world):
    people, leads, tokens = world
    for name, user in people.items():
        headers = {"Authorization": f"Bearer {tokens[name]}"}
        expected = _expected(session, user, leads)
        listed = _all_pages(client, headers)
        assert len(listed) == len(set(listed))
        assert set(listed) == expected, name
        assert set(_all_pages(client, headers, q="acme")) == expected, name
        for lead in leads:
            status = client.get(f"/api/v1/leads/{lead.id}", headers=headers).status_code
            history = client.get(f"/api/v1/leads/{lead.id}/history", headers=headers).status_code
            assert (status, history) == ((200, 200) if lead.id in expected else (404, 404)), name


def test_the_rule_itself_gives_each_role_its_promised_reach(session, world):
    people, leads, _ = world
    everything = {lead.id for lead in leads}
    sees = {name: _expected(session, user, leads) for name, user in people.items()}
    assert sees["admin"] == sees["leader"] == everything
    # a parent team sees its subteam's leads; the subteam does not see its parent's
    assert sees["ae_emea"] < sees["ae_head"] < everything
    # team-mates share their team's leads
    assert sees["sdr"] == sees["sdr_2"]
    # a partner never sees what is another partner's alone
    b_only = {
        lead.id
        for lead in leads
        if lead.owner_id in (None, people["partner_b"].id)
        and lead.creating_team_id in (None, people["partner_b"].team_id)
        and (lead.owner_id or lead.creating_team_id)
    }
    assert b_only <= sees["partner_b"]
    assert not b_only & sees["partner_a"]


def test_someone_elses_lead_cannot_be_changed_and_is_not_confirmed(client, session, world):
    people, leads, tokens = world
    theirs = next(lead for lead in leads if lead.owner_id == people["partner_b"].id)
    for name in ("partner_a", "sdr", "marketer"):
        headers = {"Authorization": f"Bearer {tokens[name]}"}
        patch = client.patch(f"/api/v1/leads/{theirs.id}", json={"title": "x"}, headers=headers)
        move = client.post(
            f"/api/v1/leads/{theirs.id}/transitions", json={"to": "mql"}, headers=headers
        )
        note = client.post(
            f"/api/v1/leads/{theirs.id}/activities", json={"type": "call"}, headers=headers
        )
        assert [patch.status_code, move.status_code, note.status_code] == [404, 404, 404]
        assert patch.json()["detail"] == f"no lead {theirs.id}"


def test_a_partner_sees_the_leads_it_registers_but_cannot_credit_another_team(
    client, session, world
):
    people, _, tokens = world
    headers = {"Authorization": f"Bearer {tokens['partner_a']}"}
    created = client.post("/api/v1/leads", json={"email": "deal@bigco.com"}, headers=headers)
    assert created.json()["creating_team_id"] == people["partner_a"].team_id
    assert client.get(f"/api/v1/leads/{created.json()['id']}", headers=headers).status_code == 200
    other = people["partner_b"]
    for body in (
        {"email": "x@bigco.com", "creating_team_id": other.team_id},
        {"email": "y@bigco.com", "owner_id": other.id},
    ):
        response = client.post("/api/v1/leads", json=body, headers=headers)
        assert response.status_code == 403, body


def test_partners_never_see_internal_notes_and_marketing_writes_none(client, session, world):
    people, leads, tokens = world
    lead = next(
        lead
        for lead in leads
        if lead.owner_id == people["partner_a"].id and lead.creating_team_id is None
    )
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    partner = {"Authorization": f"Bearer {tokens['partner_a']}"}
    internal = client.post(
        f"/api/v1/leads/{lead.id}/activities",
        json={"type": "note", "payload": {"text": "margin is thin"}},
        headers=admin,
    )
    assert internal.status_code == 201
    own = client.post(
        f"/api/v1/leads/{lead.id}/activities",
        json={"type": "note", "payload": {"text": "met them at the fair"}},
        headers=partner,
    )
    assert own.status_code == 201
    client.post(f"/api/v1/leads/{lead.id}/activities", json={"type": "call"}, headers=admin)

    def types_seen(headers) -> list[str]:
        listed = client.get(f"/api/v1/leads/{lead.id}/activities", headers=headers).json()
        history = client.get(f"/api/v1/leads/{lead.id}/history", headers=headers).json()
        in_history = sorted(e["detail"]["id"] for e in history if e["kind"] == "activity")
        assert in_history == sorted(a["id"] for a in listed)
        return sorted(a["payload"].get("text", a["type"]) for a in listed)

    assert types_seen(partner) == ["call", "met them at the fair"]
    client.post(
        f"/api/v1/leads/{lead.id}/transitions",
        json={"to": "mql", "note": "INTERNAL: margin too high"},
        headers=admin,
    )
    moves = [
        e["detail"]
        for e in client.get(f"/api/v1/leads/{lead.id}/history", headers=partner).json()
        if e["kind"] == "transition"
    ]
    assert [m["note"] for m in moves] == [None, None]
    admin_view = client.get(f"/api/v1/leads/{lead.id}/history", headers=admin).json()
    assert "INTERNAL: margin too high" in str(admin_view)
    assert types_seen(admin) == ["call", "margin is thin", "met them at the fair"]
    marketing_lead = next(lead for lead in leads if lead.owner_id == people["marketer"].id)
    refused = client.post(
        f"/api/v1/leads/{marketing_lead.id}/activities",
        json={"type": "note"},
        headers={"Authorization": f"Bearer {tokens['marketer']}"},
    )
    assert refused.status_code == 403
