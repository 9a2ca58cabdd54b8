"""Hostile and malformed requests get a canonical 4xx naming the problem, on every database."""

import pytest

from tests.api.leads.test_leads import assert_error
from tests.factories import make_lead

BIG = 2**40
CASES = [
    ("get", f"/api/v1/leads/{BIG}", None, 422, "lead_id"),
    ("get", "/api/v1/leads/0", None, 422, "lead_id"),
    ("get", f"/api/v1/leads?owner_id={BIG}", None, 422, "owner_id"),
    ("get", "/api/v1/leads?team_id=-1", None, 422, "team_id"),
    ("get", "/api/v1/leads?created_from=2026-11-01T00:00:00", None, 422, "created_from"),
    ("get", "/api/v1/leads?created_from=0001-01-01T00:00:00%2B05:00", None, 422, "created_from"),
    ("get", "/api/v1/leads?stage=bogus", None, 422, "stage"),
    ("get", "/api/v1/leads?q=a%00b", None, 422, "q"),
    ("get", "/api/v1/leads?stage=le%00ad", None, 422, "stage"),
    ("get", "/api/v1/leads?cursor=WyItY3JlYXRlZF9hdCIsImFiYyIsMV0", None, 422, "cursor"),
    ("get", "/api/v1/leads?sort=id&cursor=WyJpZCIsImFiYyIsMV0", None, 422, "cursor"),
    ("get", f"/api/v1/contract/versions/{BIG}", None, 422, "version"),
    ("get", f"/api/v1/accounts/{BIG}", None, 422, "account_id"),
    ("post", "/api/v1/leads", {"email": "a@b.io", "account_id": BIG}, 422, "account_id"),
    ("post", "/api/v1/leads", {"email": "a@b.io", "first_name": "x" * 101}, 422, "first_name"),
    ("post", "/api/v1/leads", {"email": "a@b.io", "first_name": "Jo\u0000"}, 422, "first_name"),
    ("post", "/api/v1/leads", {"email": "a@b.io", "custom": {"x": "\u0000"}}, 422, "custom"),
    ("post", "/api/v1/leads", {"email": "a@b.io", "custom": None}, 422, "custom"),
    ("post", "/api/v1/leads", [1, 2, 3], 422, "body"),
    ("post", "/api/v1/leads", "just a string", 422, "body"),
    ("post", "/api/v1/accounts", {"name": "x", "employees": BIG}, 422, "employees"),
    ("post", "/api/v1/leads", b'{"email": "a@b.io", "first_name": "\\ud800"}', 422, "first_name"),
    ("post", "/api/v1/leads", b'{"email": "a@b.io", "custom": {"a": "\\ud800"}}', 422, "custom"),
    ("post", "/api/v1/leads", {"email": "a@b.io", "custom": {"a": "x" * 70_000}}, 422, "custom"),
    ("post", "/api/v1/leads", {"email": "a@b.io", "website": "w" * 2001}, 422, "website"),
    ("post", "/api/v1/leads", {"email": "a@b.io", "owner_id": True}, 422, "owner_id"),
    ("post", "/api/v1/leads", {"email": "a@b.io", "account_id": "1"}, 422, "account_id"),
    (
        "post",
        "/api/v1/leads",
        b'{"email": "a@b.io", "custom": ' + b'{"a": ' * 900 + b"1" + b"}" * 901,
        422,
        "custom",
    ),
    ("get", "/api/v1/accounts?q=a%00b", None, 422, "q"),
    ("get", "/api/v1/leads?q=" + "x" * 201, None, 422, "q"),
]


@pytest.mark.parametrize(("method", "url", "body", "status", "loc_end"), CASES)
def test_hostile_request_is_a_clear_4xx(client, auth, method, url, body, status, loc_end):
    if isinstance(body, bytes):  # JSON text the client library would not write itself
        kwargs = {"content": body, "headers": {**auth, "content-type": "application/json"}}
    else:
        kwargs = {"json": body, "headers": auth} if body is not None else {"headers": auth}
    response = client.request(method.upper(), url, **kwargs)
    assert_error(response, status, "invalid_input", loc_end)


@pytest.mark.parametrize(
    ("body", "loc_end"),
    [
        ({"custom": None}, "custom"),
        ({"email": None, "phone": None}, "body"),
        ({"creating_team_id": 1}, "creating_team_id"),
        ({"source": None}, "source"),
        ({"custom": {"n": float("nan")}}, "custom"),
    ],
)
def test_patch_cannot_break_a_lead(client, auth, session, clock, body, loc_end):
    lead = make_lead(session, now=clock.now())
    session.commit()
    if "n" in (body.get("custom") or {}):
        response = client.patch(
            f"/api/v1/leads/{lead.id}",
            content=b'{"custom": {"n": NaN}}',
            headers={**auth, "content-type": "application/json"},
        )
    else:
        response = client.patch(f"/api/v1/leads/{lead.id}", json=body, headers=auth)
    assert_error(response, 422, "invalid_input", loc_end)
    assert client.get(f"/api/v1/leads/{lead.id}", headers=auth).json()["email"] == lead.email


def test_changing_the_email_moves_the_domain(client, auth, session, clock):
    lead = make_lead(session, now=clock.now(), email="jo@old.com")
    session.commit()
    response = client.patch(f"/api/v1/leads/{lead.id}", json={"email": "jo@new.io"}, headers=auth)
    assert response.json()["domain"] == "new.io"


@pytest.mark.parametrize(
    ("body", "loc_end"),
    [
        ({"type": "call", "at": "0001-01-01T00:00:00+05:00"}, "at"),
        ({"type": "call", "payload": {"x": "\u0000"}}, "payload"),
        ({"type": "x" * 60}, "type"),
        ({"type": "call", "at": 99999999999}, "at"),
    ],
)
def test_hostile_activity(client, auth, session, clock, body, loc_end):
    lead = make_lead(session, now=clock.now())
    session.commit()
    response = client.post(f"/api/v1/leads/{lead.id}/activities", json=body, headers=auth)
    assert_error(response, 422, "invalid_input", loc_end)


def test_reason_longer_than_a_code_is_422(client, auth, session, clock):
    lead = make_lead(session, now=clock.now())
    session.commit()
    response = client.post(
        f"/api/v1/leads/{lead.id}/transitions",
        json={"to": "disqualified", "reason": "x" * 51},
        headers=auth,
    )
    assert_error(response, 422, "invalid_input", "reason")


def test_one_domain_in_two_spellings_is_one_account(client, auth):
    body = {"name": "Bücher", "domain": "bücher.de"}
    assert client.post("/api/v1/accounts", json=body, headers=auth).status_code == 201
    again = {"name": "Bücher 2", "domain": "xn--bcher-kva.de"}
    assert_error(
        client.post("/api/v1/accounts", json=again, headers=auth), 409, "conflict", "domain"
    )
