"""Reports count only the leads their reader may read: for every role, each report's numbers
and the leads listed behind them equal the record rule evaluated in Python
(``users.rules.can_reach_lead``) over the same leads."""

from leadledger.lifecycle import service as lifecycle
from leadledger.users.permissions import ROLES, Permission
from tests.api.users.test_record_rules import _expected, world  # noqa: F401 (a fixture)
from tests.factories import TEST_ACTOR


def _get(client, headers, path, **params):
    r = client.get(
        f"/api/v1/reports/{path}", params={"period": "2026-Q4", **params}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()


def _rows(report, table):
    t = next(t for t in report["tables"] if t["name"] == table)
    return [dict(zip(t["columns"], r, strict=True)) for r in t["rows"]]


def test_every_report_follows_the_record_rule(client, session, clock, world):  # noqa: F811
    people, leads, tokens = world
    handed = {lead.id for lead in leads[::2]}
    for lead_id in sorted(handed):
        lifecycle.transition(session, lead_id, "mql", actor=TEST_ACTOR, now=clock.now())
    session.commit()
    checked = 0
    for name, user in people.items():
        headers = {"Authorization": f"Bearer {tokens[name]}"}
        if Permission.report_read not in ROLES[user.role].permissions:
            assert client.get("/api/v1/reports/funnel", headers=headers).status_code == 403
            continue
        sees = _expected(session, user, leads)
        funnel = _get(client, headers, "funnel")
        assert funnel["headline"]["cohort_leads"] == len(sees), name
        assert funnel["headline"]["reached"].get("mql", 0) == len(sees & handed), name
        by_owner = _get(client, headers, "funnel", group_by="owner")
        assert sum(r["reached"] for r in _rows(by_owner, "cohort") if r["stage"] == "lead") == len(
            sees
        )
        leakage = _get(client, headers, "leakage")
        assert leakage["headline"]["handed_to_sales"] == len(sees & handed), name
        listed = client.get(
            "/api/v1/reports/leakage/leads",
            params={"period": "2026-Q4", "bucket": "open_within_service_level", "limit": 1000},
            headers=headers,
        ).json()
        assert {i["id"] for i in listed["items"]} == sees & handed, name
        sla = _get(client, headers, "sla")
        first = next(r for r in _rows(sla, "levels") if r["level"] == "first_touch")
        assert first["started"] == len(sees & handed), name
        sources = _get(client, headers, "sources")
        assert sum(r["leads"] for r in _rows(sources, "sources")) == len(sees), name
        owners = _get(client, headers, "owners")
        assert sum(r["leads"] for r in _rows(owners, "ownership")) == len(sees), name
        programs = _get(client, headers, "programs")
        assert sum(r["leads"] for r in _rows(programs, "channels")) == len(sees), name
        checked += 1
    assert checked == 7  # every role but the partners
