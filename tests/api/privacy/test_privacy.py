"""Subject access and erasure: everything about a person exported, then no trace of them left
in any table, while the funnel counts stay what they were."""

import json

import pytest
from sqlalchemy import JSON, String, Text, func, select

from leadledger.leads.models import Lead
from leadledger.models import Base
from tests.factories import make_lead, make_team, make_token, make_user

PERSON = {
    "email": "grace.hopper@navy-example.com",
    "first_name": "Gracewell",
    "last_name": "Hopperstone",
    "phone": "+1 202 555 0143",
}
NEEDLES = ["grace.hopper@navy-example.com", "gracewell", "hopperstone", "555 0143", "5550143"]


def _text_values(session) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text or JSON value in the database."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is not None:
                    found.append((table.name, column.name, json.dumps(value).lower()))
    return found


def _traces(session) -> list[tuple[str, str]]:
    return sorted(
        {(t, c) for t, c, value in _text_values(session) if any(n in value for n in NEEDLES)}
    )


def _funnel(session) -> dict:
    stamps = [Lead.mql_at, Lead.sql_at, Lead.closed_at]
    rows = session.execute(
        select(Lead.stage, func.count(), *[func.count(s) for s in stamps]).group_by(Lead.stage)
    )
    return {stage: tuple(counts) for stage, *counts in rows}


@pytest.fixture
def person(client, auth, session, clock):
    """The person on two leads (one partner-registered), with activities, a note, a move with
    a note, and edits; plus someone else who must be untouched."""
    team = make_team(session, kind="partner")
    partner = make_user(session, role="partner", team=team)
    partner_auth = {"Authorization": f"Bearer {make_token(session, partner, now=clock.now())}"}
    session.commit()
    first = client.post(
        "/api/v1/leads", json=PERSON | {"custom": {"linkedin": "in/gracewell"}}, headers=auth
    ).json()
    # a second lead of the same person, as an import from before matching would have made
    second_id = make_lead(session, now=clock.now(), **PERSON, owner_id=partner.id).id
    session.commit()
    second = client.get(f"/api/v1/leads/{second_id}", headers=partner_auth).json()
    client.post(
        "/api/v1/leads", json=PERSON | {"title": "Rear Admiral"}, headers=auth
    )  # known by e-mail: a touch on the first lead
    client.patch(f"/api/v1/leads/{first['id']}", json={"title": "Commodore"}, headers=auth)
    client.post(
        f"/api/v1/leads/{first['id']}/activities",
        json={"type": "form_fill", "payload": {"name": "Gracewell Hopperstone", "q": "pricing"}},
        headers=auth,
    )
    client.post(
        f"/api/v1/leads/{first['id']}/activities",
        json={"type": "note", "payload": {"text": "call 202 555 0143 after 5"}},
        headers=auth,
    )
    client.post(
        f"/api/v1/leads/{second['id']}/transitions",
        json={"to": "mql", "note": "Gracewell asked for a demo"},
        headers=auth,
    )
    # a failed capture in the intake log, and an idempotent one whose answer is remembered
    client.post("/api/v1/leads", json=PERSON | {"shoe_size": 44}, headers=auth)
    client.post(
        "/api/v1/leads",
        json={"email": PERSON["email"].upper()},
        headers=auth | {"Idempotency-Key": "grace-again"},
    )
    other = client.post(
        "/api/v1/leads", json={"email": "alan@acme.com", "first_name": "Alan"}, headers=auth
    ).json()
    return first, second, other


def test_export_then_erase_leaves_no_trace_and_keeps_the_funnel(client, auth, session, person):
    first, second, other = person
    exported = client.post("/api/v1/privacy/export", json={"email": PERSON["email"]}, headers=auth)
    assert exported.status_code == 200
    data = exported.json()
    assert sorted(lead["id"] for lead in data["leads"]) == sorted([first["id"], second["id"]])
    assert {a["type"] for a in data["activities"]} == {"capture", "form_fill", "note"}
    assert any(t["note"] == "Gracewell asked for a demo" for t in data["transitions"])
    assert any(e["action"] == "lead.update" for e in data["audit"])
    assert [e["payload"]["shoe_size"] for e in data["intake_log"]] == [44]
    session.commit()
    assert _traces(session), "the fixture should have stored the person somewhere"
    funnel = _funnel(session)

    erased = client.post("/api/v1/privacy/erase", json={"email": PERSON["email"]}, headers=auth)
    assert erased.status_code == 200, erased.text
    assert erased.json()["leads"] == 2
    session.commit()
    assert _traces(session) == []
    assert _funnel(session) == funnel
    untouched = client.get(f"/api/v1/leads/{other['id']}", headers=auth).json()
    assert untouched["email"] == "alan@acme.com" and untouched["first_name"] == "Alan"
    lead = client.get(f"/api/v1/leads/{first['id']}", headers=auth).json()
    assert lead["erased_at"] is not None and lead["stage"] == first["stage"]


def test_an_erased_person_is_captured_again_only_with_new_consent(client, auth, person):
    client.post("/api/v1/privacy/erase", json={"email": PERSON["email"]}, headers=auth)
    again = client.post("/api/v1/leads", json={"email": PERSON["email"]}, headers=auth)
    assert again.status_code == 409
    assert again.json()["error"] == "forgotten"
    assert again.json()["loc"] == ["body", "email"]
    consented = client.post(
        "/api/v1/leads",
        json={"email": PERSON["email"], "consent_source": "webinar-2026-12"},
        headers=auth,
    )
    assert consented.status_code == 201
    known = client.post("/api/v1/leads", json={"email": PERSON["email"]}, headers=auth)
    assert known.status_code == 200 and known.json()["outcome"] == "merged"


def test_erasing_or_exporting_someone_unknown_says_nothing_is_stored(client, auth):
    for action in ("export", "erase"):
        response = client.post(
            f"/api/v1/privacy/{action}", json={"email": "nobody@example.com"}, headers=auth
        )
        assert response.status_code == 404
        assert response.json()["detail"] == "nothing is stored about nobody@example.com"


def test_contact_preferences_are_kept_on_the_person(client, auth):
    lead = client.post(
        "/api/v1/leads",
        json={
            "email": "opt@acme.com",
            "consent_source": "trade show badge scan",
            "consent_at": "2026-10-01T09:00:00Z",
            "do_not_call": True,
        },
        headers=auth,
    ).json()
    assert lead["do_not_call"] is True and lead["consent_source"] == "trade show badge scan"
    changed = client.patch(
        f"/api/v1/leads/{lead['id']}",
        json={"unsubscribed_at": "2026-11-01T12:00:00Z"},
        headers=auth,
    ).json()
    assert changed["unsubscribed_at"] == "2026-11-01T12:00:00Z"
    null = client.patch(f"/api/v1/leads/{lead['id']}", json={"do_not_call": None}, headers=auth)
    assert null.status_code == 422 and null.json()["loc"] == ["body", "do_not_call"]


def test_the_cli_exports_to_a_file_and_erases_after_asking(client, auth, person, tmp_path):
    from typer.testing import CliRunner

    from leadledger.cli import app

    runner = CliRunner()
    out = tmp_path / "grace.json"
    exported = runner.invoke(app, ["privacy", "export", PERSON["email"], "--output", str(out)])
    assert exported.exit_code == 0, exported.output
    assert len(json.loads(out.read_text())["leads"]) == 2
    declined = runner.invoke(app, ["privacy", "erase", PERSON["email"]], input="n\n")
    assert declined.exit_code == 1
    erased = runner.invoke(app, ["privacy", "erase", PERSON["email"], "--yes"])
    assert erased.exit_code == 0 and json.loads(erased.stdout)["leads"] == 2
    again = runner.invoke(app, ["privacy", "erase", PERSON["email"], "--yes"])
    assert again.exit_code == 1
    assert "was erased on request" in again.stderr
