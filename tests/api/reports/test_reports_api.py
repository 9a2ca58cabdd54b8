from pathlib import Path

import yaml

from tests.factories import make_lead, make_team, make_token, make_user
from tests.integration.reports import history


def test_reports_answer_the_same_numbers_as_the_cli_service(client, auth, session, clock):
    history.build(session)
    session.commit()
    funnel = client.get("/api/v1/reports/funnel", params={"period": "2026-Q4"}, headers=auth)
    assert funnel.status_code == 200
    body = funnel.json()
    assert body["headline"]["cohort_leads"] == 13
    assert body["period"]["first_day"] == "2026-10-01" and body["contract_versions"] == [1]
    grouped = client.get(
        "/api/v1/reports/funnel",
        params={"from": "2026-10-01", "to": "2026-12-31", "group_by": "source"},
        headers=auth,
    ).json()
    assert grouped["filters"]["group_by"] == "source"
    leakage = client.get("/api/v1/reports/leakage", params={"period": "all"}, headers=auth).json()
    assert leakage["headline"]["handed_to_sales"] == 14
    page = client.get(
        "/api/v1/reports/leakage/leads", params={"period": "all", "limit": 1}, headers=auth
    ).json()
    second = client.get(
        "/api/v1/reports/leakage/leads",
        params={"period": "all", "cursor": page["next_cursor"]},
        headers=auth,
    ).json()
    assert len(page["items"]) == len(second["items"]) == 1 and second["next_cursor"] is None
    for name in ("sla", "programs", "sources", "owners"):
        r = client.get(f"/api/v1/reports/{name}", params={"period": "2026-Q4"}, headers=auth)
        assert r.status_code == 200 and r.json()["report"] == name


def test_bad_report_parameters_are_422_naming_them(client, auth):
    cases = [
        ({"from": "2026-12-01", "to": "2026-11-01"}, ["to"]),
        ({"group_by": "colour"}, ["group_by"]),
        ({"period": "2026-Q9"}, ["period"]),
        ({"period": "2026", "from": "2026-01-01"}, ["period"]),
    ]
    for params, loc in cases:
        r = client.get("/api/v1/reports/funnel", params=params, headers=auth)
        assert r.status_code == 422, params
        assert r.json()["loc"] == loc and r.json()["error"] == "invalid_input"
    r = client.get("/api/v1/reports/leakage/leads", params={"cursor": "x"}, headers=auth)
    assert r.status_code == 422


def test_programs_costs_and_opportunities(client, auth, session, clock):
    r = client.post(
        "/api/v1/programs", json={"name": "Webinar", "channel": "webinar"}, headers=auth
    )
    assert r.status_code == 201
    pid = r.json()["id"]
    assert (
        client.post("/api/v1/programs", json={"name": "Webinar"}, headers=auth).status_code == 409
    )
    bad = client.post(
        f"/api/v1/programs/{pid}/costs",
        json={"period_start": "2026-11-30", "period_end": "2026-11-01", "amount": "10"},
        headers=auth,
    )
    assert bad.status_code == 422
    ok = client.post(
        f"/api/v1/programs/{pid}/costs",
        json={"period_start": "2026-11-01", "period_end": "2026-11-30", "amount": "2500.00"},
        headers=auth,
    )
    assert ok.status_code == 201
    listed = client.get("/api/v1/programs", headers=auth).json()
    assert listed[0]["total_cost"] == "2500.00"
    assert len(client.get(f"/api/v1/programs/{pid}/costs", headers=auth).json()) == 1
    lead = make_lead(session, now=clock.now(), stage="sql")
    session.commit()
    r = client.post(
        f"/api/v1/leads/{lead.id}/opportunity",
        json={"amount": "18000", "expected_close_on": "2027-01-15"},
        headers=auth,
    )
    assert r.status_code == 200 and r.json()["amount"] == "18000.00"
    assert (
        client.get(f"/api/v1/leads/{lead.id}/opportunity", headers=auth).json()["outcome"] is None
    )
    won = client.post(
        f"/api/v1/leads/{lead.id}/opportunity",
        json={"amount": "18000", "outcome": "won"},
        headers=auth,
    )
    assert won.json()["outcome"] == "won"
    history_ = client.get(f"/api/v1/leads/{lead.id}/history", headers=auth).json()
    assert [e["summary"] for e in history_ if e["kind"] == "transition"][-2:] == [
        "sql -> opportunity",
        "opportunity -> customer",
    ]


def test_plans_are_stored_and_compared(client, auth):
    # the assumptions of the worked example in docs/planning.md, as the API's rates object
    rates = yaml.safe_load(
        (Path(__file__).parents[3] / "docs/examples/plan-2027-q1.yaml").read_text()
    )
    body = {"revenue": 2000000, "period": "2027-Q1", "rates": rates}
    r = client.post("/api/v1/plans", json=body, headers=auth)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["result"]["gap"]["gap_leads_per_week"] == 348.44
    assert client.get(f"/api/v1/plans/{plan['id']}", headers=auth).json()["name"] == plan["name"]
    versus = client.get(
        "/api/v1/reports/plan-vs-actual", params={"plan_id": plan["id"]}, headers=auth
    )
    assert versus.status_code == 200 and versus.json()["headline"]["elapsed_share"] == 0
    for change, loc in (
        ({"revenue": 0}, ["revenue"]),
        ({"deal_size": 0}, ["deal_size"]),
        (
            {"rates": body["rates"] | {"rates": body["rates"]["rates"] | {"mql_to_sql": 0}}},
            ["rates", "mql_to_sql"],
        ),
        ({"rates": {"deal_size": 10}}, ["rates", "lead_to_mql"]),  # nothing to measure from
        ({"period": "2027-03-31..2027-01-01"}, ["period"]),
    ):
        r = client.post("/api/v1/plans", json=body | change, headers=auth)
        assert (r.status_code, r.json()["loc"]) == (422, loc), change


def test_who_may_read_reports_and_manage_programs(client, session, clock):
    partner = make_user(session, role="partner", team=make_team(session, kind="partner"))
    sdr = make_user(session, role="sdr", team=make_team(session, kind="sdr"))
    tokens = {u.role: make_token(session, u, now=clock.now()) for u in (partner, sdr)}
    session.commit()
    as_partner = {"Authorization": f"Bearer {tokens['partner']}"}
    as_sdr = {"Authorization": f"Bearer {tokens['sdr']}"}
    assert client.get("/api/v1/reports/funnel", headers=as_partner).status_code == 403
    assert client.get("/api/v1/reports/funnel", headers=as_sdr).status_code == 200
    assert client.post("/api/v1/programs", json={"name": "x"}, headers=as_sdr).status_code == 403
    assert (
        client.post(
            "/api/v1/plans", json={"revenue": 1, "period": "2027"}, headers=as_sdr
        ).status_code
        == 403
    )
    assert client.get("/api/v1/programs", headers=as_sdr).status_code == 200
