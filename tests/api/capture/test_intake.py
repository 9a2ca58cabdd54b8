"""The intake API: cleaning, flagging, touches on known people, idempotency, batches, and the
log of failed captures with replay."""

import pytest
from sqlalchemy import func, select

from leadledger.activities.models import Activity
from leadledger.capture.models import IntakeError
from leadledger.leads.models import Lead


def _count(session, model) -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(model))


class TestCapture:
    def test_values_are_cleaned_and_the_raw_ones_kept(self, client, auth):
        body = {
            "email": "  Ada.Lovelace@EXAMPLE.co.uk ",
            "first_name": "ADA",
            "last_name": "lovelace",
            "phone": "020 7946 0958",
            "country": "United Kingdom",
            "company_name": "Analytical Engines Ltd.",
            "website": "https://www.analytical.co.uk/about",
            "title": "VP of Engineering",
            "utm_source": "newsletter",
            "utm_campaign": "q4-launch",
        }
        lead = client.post("/api/v1/leads", json=body, headers=auth)
        assert lead.status_code == 201, lead.text
        got = lead.json()
        assert got["outcome"] == "created" and got["flagged"] == {}
        assert got["email"] == "ada.lovelace@example.co.uk"
        assert (got["first_name"], got["last_name"]) == ("Ada", "Lovelace")
        assert got["phone"] == "+442079460958"  # read in the lead's own country
        assert got["country"] == "GB"
        assert got["domain"] == "analytical.co.uk"  # the website wins over the e-mail
        assert got["company_key"] == "analytical engines"
        assert (got["seniority"], got["department"]) == ("vp", "engineering")
        assert got["utm"] == {"source": "newsletter", "campaign": "q4-launch"}
        assert got["via"] == "api:test"
        assert got["raw"]["email"] == body["email"].strip()  # as sent, only trimmed
        assert got["raw"]["phone"] == body["phone"]

    def test_an_invalid_phone_is_flagged_and_the_lead_still_created(self, client, auth):
        got = client.post(
            "/api/v1/leads", json={"email": "a@acme.com", "phone": "call me maybe"}, headers=auth
        ).json()
        assert got["outcome"] == "created"
        assert got["phone"] is None and got["raw"]["phone"] == "call me maybe"
        assert "phone" in got["flagged"] and got["problems"] == got["flagged"]

    def test_nothing_valid_to_reach_them_is_422_naming_the_field(self, client, auth, session):
        before = _count(session, Lead)
        response = client.post(
            "/api/v1/leads", json={"email": "not-an-email", "phone": "12"}, headers=auth
        )
        assert response.status_code == 422
        assert response.json()["loc"] == ["body", "email"]
        assert "email:" in response.json()["detail"] and "phone:" in response.json()["detail"]
        assert _count(session, Lead) == before

    def test_a_known_email_becomes_a_touch_on_the_same_lead(self, client, auth, session):
        first = client.post(
            "/api/v1/leads", json={"email": "bo@acme.com", "first_name": "Bo"}, headers=auth
        ).json()
        again = client.post(
            "/api/v1/leads",
            json={"email": "BO@acme.com", "title": "CFO", "source": "webinar"},
            headers=auth,
        )
        assert again.status_code == 200
        assert again.json()["outcome"] == "merged" and again.json()["id"] == first["id"]
        assert again.json()["title"] == "CFO"  # an empty field is completed, never overwritten
        touches = session.scalars(select(Activity).where(Activity.lead_id == first["id"])).all()
        assert [(t.type, t.payload["channel"]) for t in touches] == [("capture", "webinar")]
        assert _count(session, Lead) == 1


class TestIdempotency:
    def test_the_same_key_and_body_answer_the_same_and_create_once(self, client, auth, session):
        headers = auth | {"Idempotency-Key": "order-42"}
        body = {"email": "once@acme.com"}
        first = client.post("/api/v1/leads", json=body, headers=headers)
        second = client.post("/api/v1/leads", json=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"
        assert _count(session, Lead) == 1

    def test_the_same_key_with_another_body_is_409(self, client, auth, session):
        headers = auth | {"Idempotency-Key": "order-43"}
        client.post("/api/v1/leads", json={"email": "one@acme.com"}, headers=headers)
        other = client.post("/api/v1/leads", json={"email": "two@acme.com"}, headers=headers)
        assert other.status_code == 409
        assert other.json()["error"] == "idempotency_mismatch"
        assert _count(session, Lead) == 1

    def test_a_refused_request_does_not_use_up_its_key(self, client, auth):
        headers = auth | {"Idempotency-Key": "retry-me"}
        assert client.post("/api/v1/leads", json={"email": "x"}, headers=headers).status_code == 422
        fixed = client.post("/api/v1/leads", json={"email": "x@acme.com"}, headers=headers)
        assert fixed.status_code == 201


class TestBatch:
    def test_each_item_is_created_merged_or_rejected_on_its_own(self, client, auth, session):
        client.post("/api/v1/leads", json={"email": "known@acme.com"}, headers=auth)
        response = client.post(
            "/api/v1/leads:batch",
            json={
                "leads": [
                    {"email": "new@acme.com"},
                    {"email": "nope", "first_name": "Bad"},
                    {"email": "known@acme.com"},
                    {"email": "x@acme.com", "shoe_size": 44},
                ]
            },
            headers=auth,
        )
        assert response.status_code == 200
        got = response.json()
        assert (got["created"], got["merged"], got["rejected"]) == (1, 1, 2)
        assert [i["outcome"] for i in got["items"]] == ["created", "rejected", "merged", "rejected"]
        assert got["items"][1]["error"]["loc"] == ["leads", 1, "email"]
        assert got["items"][3]["error"]["loc"] == ["leads", 3, "shoe_size"]
        assert _count(session, Lead) == 2
        logged = session.scalars(select(IntakeError).where(IntakeError.channel == "batch")).all()
        assert sorted(e.payload.get("first_name", "") for e in logged) == ["", "Bad"]

    @pytest.mark.parametrize(("size", "status"), [(0, 422), (1001, 422)])
    def test_a_batch_holds_1_to_1000_leads(self, client, auth, size, status):
        leads = [{"email": f"p{i}@acme.com"} for i in range(size)]
        response = client.post("/api/v1/leads:batch", json={"leads": leads}, headers=auth)
        assert response.status_code == status


class TestIntakeLog:
    def test_failed_captures_are_kept_listed_and_replayed_after_a_fix(self, client, auth, session):
        client.post("/api/v1/leads", json={"email": "bad@", "first_name": "Cy"}, headers=auth)
        client.post(
            "/api/v1/leads",
            content=b'{"email": "broken',
            headers=auth | {"content-type": "application/json"},
        )
        client.post(  # no token: strangers do not write to the log
            "/api/v1/leads", content=b'{"email": "x', headers={"content-type": "application/json"}
        )
        errors = client.get("/api/v1/intake/errors", headers=auth).json()["items"]
        assert len(errors) == 2
        malformed, refused = errors
        assert malformed["payload"] == '{"email": "broken'
        assert refused["payload"] == {"email": "bad@", "first_name": "Cy"}
        assert refused["loc"] == ["body", "email"] and refused["client"] == "testclient"
        replayed = client.post(
            f"/api/v1/intake/errors/{refused['id']}/replay",
            json={"changes": {"email": "cy@acme.com"}},
            headers=auth,
        )
        assert replayed.status_code == 200 and replayed.json()["outcome"] == "created"
        lead = client.get(f"/api/v1/leads/{replayed.json()['lead_id']}", headers=auth).json()
        assert (lead["email"], lead["first_name"]) == ("cy@acme.com", "Cy")
        again = client.post(f"/api/v1/intake/errors/{refused['id']}/replay", json={}, headers=auth)
        assert again.status_code == 409
        remaining = client.get("/api/v1/intake/errors", headers=auth).json()["items"]
        assert [e["id"] for e in remaining] == [malformed["id"]]
