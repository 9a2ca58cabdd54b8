from tests.factories import make_lead, make_team, make_token, make_user


def assert_error(response, status, code, loc_end=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail", "loc"} and body["error"] == code
    if loc_end is not None:
        assert body["loc"][-1] == loc_end, body
    return body


def token_for(session, clock, role, team=None):
    user = make_user(session, role=role, team=team)
    token = make_token(session, user, now=clock.now())
    session.commit()
    return {"Authorization": f"Bearer {token}"}


class TestScoreOfALead:
    def test_a_captured_demo_request_is_explained(self, client, auth):
        created = client.post(
            "/api/v1/leads",
            json={
                "email": "cro@tailspin.ai",
                "title": "Chief Technology Officer",
                "country": "US",
                "source": "web_form",
                "activity": "demo_request",
            },
            headers=auth,
        )
        assert created.status_code == 201, created.text
        lead_id = created.json()["id"]
        score = client.get(f"/api/v1/leads/{lead_id}/score", headers=auth).json()
        assert score["stage"] == "mql"
        assert score["fit"]["grade"] == "C"  # no account: only the region and the C-level
        assert [r["id"] for r in score["fit"]["rules"]] == ["region", "decision_maker"]
        assert {a["type"]: a["value"] for a in score["engagement"]["activities"]} == {
            "demo_request": 40.0,
            "form_fill": 10.0,
        }
        assert score["predictive"] is None  # no model trained yet
        history = client.get(f"/api/v1/leads/{lead_id}/history", headers=auth).json()
        move = next(
            e["detail"]
            for e in history
            if e["kind"] == "transition" and e["detail"]["to_stage"] == "mql"
        )
        assert (move["to_stage"], move["actor"], move["reason"]) == (
            "mql",
            "system:scoring",
            "mql:hand_raise",
        )
        rows = client.get(f"/api/v1/leads/{lead_id}/score/history", headers=auth).json()
        assert rows[0]["fit_grade"] == "C" and rows[0]["contract_version"] == 1

    def test_a_lead_with_no_score_is_404_with_the_reason(self, client, auth, session, clock):
        lead = make_lead(session, now=clock.now())
        session.commit()
        body = assert_error(
            client.get(f"/api/v1/leads/{lead.id}/score", headers=auth), 404, "not_scored"
        )
        assert "has no score yet" in body["detail"]

    def test_outside_reach_is_404(self, client, session, clock):
        mine, theirs = make_team(session), make_team(session)
        lead = make_lead(session, now=clock.now(), creating_team_id=theirs.id)
        headers = token_for(session, clock, "sdr", mine)
        assert_error(
            client.get(f"/api/v1/leads/{lead.id}/score", headers=headers), 404, "not_found"
        )
        assert_error(
            client.get(f"/api/v1/leads/{lead.id}/qualification", headers=headers), 404, "not_found"
        )

    def test_bad_activity_of_a_capture_is_422(self, client, auth):
        response = client.post(
            "/api/v1/leads", json={"email": "a@b.io", "activity": "Demo Request"}, headers=auth
        )
        assert_error(response, 422, "invalid_input", "activity")

    def test_a_past_date_before_the_lead_is_404(self, client, auth):
        lead_id = client.post(
            "/api/v1/leads", json={"email": "a@b.io", "source": "web_form"}, headers=auth
        ).json()["id"]
        response = client.get(
            f"/api/v1/leads/{lead_id}/score", params={"at": "2020-01-01T00:00:00Z"}, headers=auth
        )
        assert "did not exist on 2020-01-01" in assert_error(response, 404, "not_scored")["detail"]


class TestQualification:
    def test_answers_are_recorded_and_the_sql_gate_names_what_is_missing(
        self, client, auth, session, clock
    ):
        lead = make_lead(session, now=clock.now(), stage="sal")
        session.commit()
        url = f"/api/v1/leads/{lead.id}/qualification"
        answer = {"criteria": {"budget": {"value": "met", "note": "40k approved for Q1"}}}
        read = client.post(url, json=answer, headers=auth)
        assert read.status_code == 200, read.text
        body = read.json()
        assert body["sql_ready"] is False and body["met"] == ["budget"]
        assert body["criteria"][0]["note"] == "40k approved for Q1"
        move = client.post(f"/api/v1/leads/{lead.id}/transitions", json={"to": "sql"}, headers=auth)
        detail = assert_error(move, 409, "qualification_missing", "to")["detail"]
        assert "missing: authority (no answer), need (no answer), timeline (no answer)" in detail
        more = {"criteria": {"need": {"value": "met"}, "authority": {"value": "met"}}}
        assert client.post(url, json=more, headers=auth).json()["sql_ready"] is True
        move = client.post(f"/api/v1/leads/{lead.id}/transitions", json={"to": "sql"}, headers=auth)
        assert move.status_code == 201, move.text

    def test_bad_answers_are_422(self, client, auth, session, clock):
        lead = make_lead(session, now=clock.now())
        session.commit()
        url = f"/api/v1/leads/{lead.id}/qualification"
        bad_value = {"criteria": {"budget": {"value": "maybe"}}}
        assert_error(client.post(url, json=bad_value, headers=auth), 422, "invalid_input")
        unknown = {"criteria": {"champion": {"value": "met"}}}
        body = assert_error(client.post(url, json=unknown, headers=auth), 422, "invalid_input")
        assert body["loc"] == ["body", "criteria", "champion"]
        assert_error(client.post(url, json={"criteria": {}}, headers=auth), 422, "invalid_input")

    def test_marketing_may_not_qualify(self, client, session, clock):
        team = make_team(session, kind="marketing")
        lead = make_lead(session, now=clock.now(), creating_team_id=team.id)
        headers = token_for(session, clock, "marketing", team)
        response = client.post(
            f"/api/v1/leads/{lead.id}/qualification",
            json={"criteria": {"need": {"value": "met"}}},
            headers=headers,
        )
        assert_error(response, 403, "forbidden")


class TestModels:
    def test_no_models_yet_and_activating_an_unknown_one_is_404(self, client, auth):
        assert client.get("/api/v1/score/models", headers=auth).json() == []
        assert_error(client.post("/api/v1/score/models/3/activate", headers=auth), 404, "not_found")

    def test_an_sdr_may_read_models_not_train(self, client, session, clock):
        headers = token_for(session, clock, "sdr")
        assert client.get("/api/v1/score/models", headers=headers).status_code == 200
        response = client.post("/api/v1/score/models/1/activate", headers=headers)
        assert_error(response, 403, "forbidden")
