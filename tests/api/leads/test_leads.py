from datetime import timedelta

import pytest
from sqlalchemy import func, select

from leadledger.leads.models import Lead
from leadledger.lifecycle.models import LeadTransition
from tests.factories import make_lead, make_team, make_token, make_user

NEW = {
    "email": "  Jane.Doe@Acme.COM ",
    "first_name": "Jane",
    "last_name": "Doe",
    "company_name": "Acme",
    "title": "VP Sales",
    "source": "web_form",
    "program": "webinar-q4",
    "country": "gb",
}


def counts(session):
    session.commit()  # end the test's read snapshot, so what the request committed is seen
    return (
        session.scalar(select(func.count()).select_from(Lead)),
        session.scalar(select(func.count()).select_from(LeadTransition)),
    )


def assert_error(response, status, code, loc_end=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail", "loc"}
    assert body["error"] == code
    assert body["detail"]
    if loc_end is not None:
        assert body["loc"][-1] == loc_end, body
    return body


class TestCreate:
    def test_lead_is_created_normalised_in_the_entry_stage(self, client, auth):
        r = client.post("/api/v1/leads", json=NEW, headers=auth)
        assert r.status_code == 201, r.text
        lead = r.json()
        assert lead["email"] == "jane.doe@acme.com"
        assert lead["domain"] == "acme.com"
        assert lead["country"] == "GB"
        assert lead["stage"] == "lead"
        assert lead["contract_version"] == 1
        assert lead["created_by_id"] is not None

    def test_creating_team_defaults_to_the_creators_team(self, client, session, clock):
        team = make_team(session, key="sdr_emea")
        user = make_user(session, team=team)
        token = make_token(session, user, now=clock.now())
        session.commit()
        r = client.post(
            "/api/v1/leads",
            json={"email": "a@b.io", "stage": "prospect"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["creating_team_id"] == team.id
        assert r.json()["stage"] == "prospect"

    @pytest.mark.parametrize(
        ("body", "loc_end", "needle"),
        [
            ({"email": "not-an-email"}, "email", "email"),
            ({"email": "a@b.io", "shoe_size": 44}, "shoe_size", "unknown field"),
            ({"email": "a@b.io", "first_name": "x" * 101}, "first_name", "at most 100"),
            ({"email": "a@b.io", "source": "carrier_pigeon"}, "source", "source"),
            ({"first_name": "Only"}, "email", "email or a phone"),
            ({"email": "a@b.io", "owner_id": "abc"}, "owner_id", "owner_id"),
        ],
    )
    def test_bad_input_is_422_naming_the_field_and_stores_nothing(
        self, client, auth, session, body, loc_end, needle
    ):
        before = counts(session)
        body = assert_error(
            client.post("/api/v1/leads", json=body, headers=auth), 422, "invalid_input", loc_end
        )
        assert needle in body["detail"]
        assert counts(session) == before

    @pytest.mark.parametrize(
        ("body", "loc_end", "status", "code"),
        [
            ({"email": "a@b.io", "stage": "sql"}, "stage", 409, "illegal_transition"),
            ({"email": "a@b.io", "stage": "nowhere"}, "stage", 422, "invalid_input"),
            ({"email": "a@b.io", "owner_id": 424242}, "owner_id", 422, "invalid_input"),
            ({"email": "a@b.io", "account_id": 424242}, "account_id", 422, "invalid_input"),
        ],
    )
    def test_refused_references_store_nothing(
        self, client, auth, session, body, loc_end, status, code
    ):
        before = counts(session)
        assert_error(client.post("/api/v1/leads", json=body, headers=auth), status, code, loc_end)
        assert counts(session) == before

    def test_malformed_json_is_422(self, client, auth):
        r = client.post(
            "/api/v1/leads",
            content=b"{not json",
            headers={**auth, "content-type": "application/json"},
        )
        assert_error(r, 422, "invalid_input")


class TestReadAndEdit:
    def test_get_and_unknown_id(self, client, auth, session, clock):
        lead = make_lead(session, now=clock.now())
        session.commit()
        assert client.get(f"/api/v1/leads/{lead.id}", headers=auth).json()["email"] == lead.email
        assert_error(client.get("/api/v1/leads/999999", headers=auth), 404, "not_found", "lead_id")
        assert_error(client.get("/api/v1/leads/abc", headers=auth), 422, "invalid_input", "lead_id")

    def test_patch_changes_fields_and_merges_custom(self, client, auth, session, clock):
        lead = make_lead(session, now=clock.now(), custom={"badge": "A1"})
        session.commit()
        clock.advance(minutes=5)
        r = client.patch(
            f"/api/v1/leads/{lead.id}", json={"title": "CRO", "custom": {"booth": 7}}, headers=auth
        )
        assert r.status_code == 200, r.text
        assert r.json()["title"] == "CRO"
        assert r.json()["custom"] == {"badge": "A1", "booth": 7}
        assert r.json()["updated_at"].startswith("2026-11-02T10:05")

    def test_patch_cannot_change_the_stage(self, client, auth, session, clock):
        lead = make_lead(session, now=clock.now())
        session.commit()
        body = assert_error(
            client.patch(f"/api/v1/leads/{lead.id}", json={"stage": "customer"}, headers=auth),
            422,
            "invalid_input",
            "stage",
        )
        assert "/transitions" in body["detail"]
        assert client.get(f"/api/v1/leads/{lead.id}", headers=auth).json()["stage"] == "lead"


class TestList:
    @pytest.fixture
    def leads(self, session, clock):
        t0 = clock.now()
        made = [
            make_lead(
                session,
                now=t0 - timedelta(days=3),
                email="ann@alpha.com",
                company_name="Alpha",
                source="event",
            ),
            make_lead(
                session,
                now=t0 - timedelta(days=2),
                email="bob@beta.com",
                company_name="Beta",
                source="web_form",
                stage="mql",
            ),
            make_lead(
                session,
                now=t0 - timedelta(days=1),
                email="cy@gamma.com",
                company_name="Gamma",
                source="web_form",
                stage="sal",
            ),
        ]
        session.commit()
        return made

    def ids(self, response):
        assert response.status_code == 200, response.text
        return [i["email"] for i in response.json()["items"]]

    def test_newest_first_by_default(self, client, auth, leads):
        assert self.ids(client.get("/api/v1/leads", headers=auth)) == [
            "cy@gamma.com",
            "bob@beta.com",
            "ann@alpha.com",
        ]

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("stage=mql", ["bob@beta.com"]),
            ("stage=mql&stage=sal", ["cy@gamma.com", "bob@beta.com"]),
            ("source=web_form&sort=created_at", ["bob@beta.com", "cy@gamma.com"]),
            ("q=ALPHA", ["ann@alpha.com"]),
            ("q=bob@", ["bob@beta.com"]),
            ("q=%25", []),  # a literal %, not a wildcard
            ("q=b_b", []),  # a literal _, not any character
            ("created_from=2026-10-31T00:00:00Z", ["cy@gamma.com", "bob@beta.com"]),
            ("created_to=2026-10-31T00:00:00Z", ["ann@alpha.com"]),
        ],
    )
    def test_filters(self, client, auth, leads, query, expected):
        assert self.ids(client.get(f"/api/v1/leads?{query}", headers=auth)) == expected

    def test_owner_filter(self, client, auth, session, leads):
        user = make_user(session)
        leads[0].owner_id = user.id
        session.commit()
        assert self.ids(client.get(f"/api/v1/leads?owner_id={user.id}", headers=auth)) == [
            "ann@alpha.com"
        ]

    def test_cursor_pagination_walks_every_lead_once(self, client, auth, session, clock):
        for i in range(7):
            make_lead(session, now=clock.now() - timedelta(minutes=i % 3), email=f"p{i}@x.io")
        session.commit()
        seen, cursor = [], None
        for _ in range(10):
            url = "/api/v1/leads?limit=3" + (f"&cursor={cursor}" if cursor else "")
            page = client.get(url, headers=auth).json()
            seen += [i["email"] for i in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(f"p{i}@x.io" for i in range(7))
        assert len(seen) == 7

    @pytest.mark.parametrize(
        ("query", "loc_end"),
        [
            ("sort=shoe_size", "sort"),
            ("cursor=bogus", "cursor"),
            ("limit=0", "limit"),
            ("stage=x&source=fax", "source"),
            ("created_from=yesterday", "created_from"),
        ],
    )
    def test_bad_list_parameters_are_422(self, client, auth, query, loc_end):
        assert_error(
            client.get(f"/api/v1/leads?{query}", headers=auth), 422, "invalid_input", loc_end
        )


class TestTransitionsAndHistory:
    def test_legal_move_is_recorded_and_shown_in_history(self, client, auth, session, clock):
        lead = make_lead(session, now=clock.now())
        session.commit()
        before = counts(session)
        clock.advance(hours=1)
        r = client.post(f"/api/v1/leads/{lead.id}/transitions", json={"to": "mql"}, headers=auth)
        assert r.status_code == 201, r.text
        move = r.json()
        assert (move["from_stage"], move["to_stage"], move["actor"], move["contract_version"]) == (
            "lead",
            "mql",
            "user:admin@example.com",
            1,
        )
        assert counts(session) == (before[0], before[1] + 1)
        lead_now = client.get(f"/api/v1/leads/{lead.id}", headers=auth).json()
        assert lead_now["stage"] == "mql"
        assert lead_now["mql_at"] == move["at"]
        history = client.get(f"/api/v1/leads/{lead.id}/history", headers=auth).json()
        assert [(h["kind"], h["summary"]) for h in history] == [
            ("transition", "(new) -> lead"),
            ("transition", "lead -> mql"),
        ]
        assert history[1]["detail"]["actor"] == "user:admin@example.com"

    def test_illegal_move_is_409_and_adds_no_row(self, client, auth, session, clock):
        lead = make_lead(session, now=clock.now())
        session.commit()
        before = counts(session)
        body = assert_error(
            client.post(
                f"/api/v1/leads/{lead.id}/transitions", json={"to": "customer"}, headers=auth
            ),
            409,
            "illegal_transition",
            "to",
        )
        assert "allowed: mql, nurture, disqualified" in body["detail"]
        assert counts(session) == before

    @pytest.mark.parametrize(
        ("body", "status", "loc_end"),
        [
            ({"to": "disqualified"}, 422, "reason"),
            ({"to": "disqualified", "reason": "bored"}, 422, "reason"),
            ({"to": "wonderland"}, 422, "to"),
            ({"to": "mql", "why": "x"}, 422, "why"),
            ({}, 422, "to"),
        ],
    )
    def test_invalid_moves_are_422(self, client, auth, session, clock, body, status, loc_end):
        lead = make_lead(session, now=clock.now())
        session.commit()
        before = counts(session)
        assert_error(
            client.post(f"/api/v1/leads/{lead.id}/transitions", json=body, headers=auth),
            status,
            "invalid_input",
            loc_end,
        )
        assert counts(session) == before

    def test_move_of_unknown_lead_is_404(self, client, auth):
        assert_error(
            client.post("/api/v1/leads/424242/transitions", json={"to": "mql"}, headers=auth),
            404,
            "not_found",
        )
        assert_error(client.get("/api/v1/leads/424242/history", headers=auth), 404, "not_found")

    def test_activity_is_added_and_appears_in_history(self, client, auth, session, clock):
        lead = make_lead(session, now=clock.now())
        session.commit()
        r = client.post(
            f"/api/v1/leads/{lead.id}/activities",
            json={
                "type": "pricing_page_visit",
                "at": "2026-11-02T09:30:00+00:00",
                "payload": {"url": "/pricing"},
            },
            headers=auth,
        )
        assert r.status_code == 201, r.text
        history = client.get(f"/api/v1/leads/{lead.id}/history", headers=auth).json()
        assert [h["summary"] for h in history] == ["pricing_page_visit", "(new) -> lead"]
        assert (
            client.get(f"/api/v1/leads/{lead.id}", headers=auth)
            .json()["last_activity_at"]
            .startswith("2026-11-02T09:30")
        )

    @pytest.mark.parametrize(
        ("body", "loc_end"),
        [
            ({"type": "Bad Type!"}, "type"),
            ({"type": "call", "at": "2026-11-02T09:30:00"}, "at"),
            ({}, "type"),
        ],
    )
    def test_bad_activity_is_422(self, client, auth, session, clock, body, loc_end):
        lead = make_lead(session, now=clock.now())
        session.commit()
        assert_error(
            client.post(f"/api/v1/leads/{lead.id}/activities", json=body, headers=auth),
            422,
            "invalid_input",
            loc_end,
        )
