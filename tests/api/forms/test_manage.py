"""Configuring forms through /api/v1/forms and ``leadledger forms``."""

import json

from sqlalchemy import select
from typer.testing import CliRunner

from leadledger.cli import app as cli
from leadledger.core.audit import AuditEvent
from tests.api.forms.support import assert_error, make_form
from tests.factories import make_team, make_token, make_user

NEW = {
    "name": "demo-request",
    "fields": ["first_name", "email", "company_name", "custom.budget"],
    "required": ["email", "company_name"],
    "program": "q4-demo-campaign",
    "redirect_url": "https://www.acme.com/thanks",
}


class TestCreate:
    def test_a_form_gets_a_public_key_and_its_address(self, client, auth, session):
        team = make_team(session, key="demand_gen", kind="marketing")
        session.commit()
        r = client.post("/api/v1/forms", json=NEW | {"team": "demand_gen"}, headers=auth)
        assert r.status_code == 201, r.text
        form = r.json()
        assert len(form["public_key"]) >= 20
        assert form["url"] == f"http://127.0.0.1:8000/f/{form['public_key']}"
        assert form["source"] == "web_form"
        assert form["team_id"] == team.id
        assert form["active"] is True
        assert client.get(f"/api/v1/forms/{form['id']}", headers=auth).json() == form

    def test_creating_a_form_is_audited(self, client, auth, session):
        r = client.post("/api/v1/forms", json=NEW, headers=auth)
        session.commit()
        row = session.scalar(
            select(AuditEvent).where(AuditEvent.request_id == r.headers["x-request-id"])
        )
        assert row.action == "form.create"
        assert row.changes["program"] == [None, "q4-demo-campaign"]

    def test_two_forms_get_different_keys(self, client, auth):
        one = client.post("/api/v1/forms", json=NEW, headers=auth).json()
        two = client.post("/api/v1/forms", json=NEW | {"name": "other"}, headers=auth).json()
        assert one["public_key"] != two["public_key"]

    def test_a_taken_name_is_409(self, client, auth):
        client.post("/api/v1/forms", json=NEW, headers=auth)
        assert_error(client.post("/api/v1/forms", json=NEW, headers=auth), 409, "conflict")

    def test_a_field_the_server_decides_is_refused_by_name(self, client, auth):
        for name in ("owner_id", "program", "creating_team_id", "stage", "account_id"):
            r = client.post("/api/v1/forms", json=NEW | {"fields": ["email", name]}, headers=auth)
            body = assert_error(r, 422, "invalid_input", ["body", "fields"])
            assert name in body["detail"]

    def test_an_unknown_field_is_refused_by_name(self, client, auth):
        r = client.post(
            "/api/v1/forms", json=NEW | {"fields": ["email", "shoe_size"]}, headers=auth
        )
        assert "shoe_size" in assert_error(r, 422, "invalid_input", ["body", "fields"])["detail"]

    def test_a_required_field_must_be_one_of_the_fields(self, client, auth):
        r = client.post("/api/v1/forms", json=NEW | {"required": ["phone"]}, headers=auth)
        assert "phone" in assert_error(r, 422, "invalid_input", ["body", "required"])["detail"]

    def test_a_form_without_email_or_phone_is_refused(self, client, auth):
        r = client.post(
            "/api/v1/forms", json=NEW | {"fields": ["first_name"], "required": []}, headers=auth
        )
        assert_error(r, 422, "invalid_input", ["body", "fields"])

    def test_the_redirect_must_be_a_web_address(self, client, auth):
        for url in ("javascript:alert(1)", "ftp://acme.com/x", "/thanks", "https://"):
            r = client.post("/api/v1/forms", json=NEW | {"redirect_url": url}, headers=auth)
            assert_error(r, 422, "invalid_input", ["body", "redirect_url"])

    def test_an_unknown_team_is_404(self, client, auth):
        r = client.post("/api/v1/forms", json=NEW | {"team": "nobody"}, headers=auth)
        assert_error(r, 404, "not_found")

    def test_only_form_managers_may_create_forms(self, client, session, clock):
        sdr = make_token(session, make_user(session, role="sdr"), now=clock.now())
        session.commit()
        r = client.post("/api/v1/forms", json=NEW, headers={"Authorization": f"Bearer {sdr}"})
        assert_error(r, 403, "forbidden")


class TestChange:
    def test_program_fields_and_redirect_can_be_changed(self, client, auth, session, clock):
        form = make_form(session, now=clock.now())
        r = client.patch(
            f"/api/v1/forms/{form.id}",
            json={
                "program": "spring-webinar",
                "fields": ["email", "phone"],
                "required": ["phone"],
                "redirect_url": "https://acme.com/ok",
            },
            headers=auth,
        )
        assert r.status_code == 200, r.text
        changed = r.json()
        assert changed["program"] == "spring-webinar"
        assert changed["fields"] == ["email", "phone"]
        assert changed["required"] == ["phone"]
        assert changed["public_key"] == form.public_key

    def test_narrowing_fields_below_the_required_ones_is_refused(
        self, client, auth, session, clock
    ):
        form = make_form(session, now=clock.now(), required=["email", "company_name"])
        r = client.patch(f"/api/v1/forms/{form.id}", json={"fields": ["email"]}, headers=auth)
        assert (
            "company_name" in assert_error(r, 422, "invalid_input", ["body", "required"])["detail"]
        )

    def test_deactivating_archives_and_lists_leave_it_out(self, client, auth, session, clock):
        form = make_form(session, now=clock.now())
        r = client.patch(f"/api/v1/forms/{form.id}", json={"active": False}, headers=auth)
        assert r.json()["archived_at"] is not None
        assert client.get("/api/v1/forms", headers=auth).json() == []
        listed = client.get("/api/v1/forms?include_archived=true", headers=auth).json()
        assert [f["name"] for f in listed] == ["contact-us"]

    def test_an_unknown_form_is_404(self, client, auth):
        assert_error(client.get("/api/v1/forms/4242", headers=auth), 404, "not_found")


class TestSnippet:
    def test_the_snippet_posts_to_the_public_address_with_a_hidden_honeypot(
        self, client, auth, session, clock
    ):
        form = make_form(session, now=clock.now(), fields=["email", "custom.budget"])
        r = client.get(f"/api/v1/forms/{form.id}/snippet", headers=auth)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        html = r.text
        assert f'action="http://127.0.0.1:8000/f/{form.public_key}"' in html
        assert 'method="post"' in html
        assert 'name="email"' in html and 'type="email"' in html and "required" in html
        assert 'name="custom.budget"' in html and "Budget" in html
        assert 'name="ll_website"' in html and 'tabindex="-1"' in html
        assert 'autocomplete="off"' in html
        assert "<script" not in html


class TestCli:
    runner = CliRunner()

    def invoke(self, *args: str):  # noqa: ANN201
        return self.runner.invoke(cli, ["forms", *args])

    def test_add_list_show_snippet_archive(self, engine, session):
        make_team(session, key="field_marketing", kind="marketing")
        session.commit()
        added = self.invoke(
            "add",
            "webinar-signup",
            "--fields",
            "first_name, last_name,email,company_name",
            "--required",
            "email",
            "--program",
            "nov-webinar",
            "--source",
            "webinar",
            "--redirect",
            "https://acme.com/see-you",
            "--team",
            "field_marketing",
        )
        assert added.exit_code == 0, added.output
        assert "webinar-signup" in added.output

        listed = json.loads(self.invoke("list", "--json").output)
        assert [f["name"] for f in listed] == ["webinar-signup"]
        shown = json.loads(self.invoke("show", "webinar-signup", "--json").output)
        assert shown["program"] == "nov-webinar"
        assert shown["source"] == "webinar"
        assert shown["fields"] == ["first_name", "last_name", "email", "company_name"]
        assert shown["redirect_url"] == "https://acme.com/see-you"

        snippet = self.invoke("snippet", "webinar-signup")
        assert snippet.exit_code == 0
        assert f'action="{shown["url"]}"' in snippet.output
        assert 'name="ll_website"' in snippet.output

        assert self.invoke("archive", "webinar-signup").exit_code == 0
        assert json.loads(self.invoke("list", "--json").output) == []
        archived = json.loads(self.invoke("list", "--json", "--archived").output)
        assert archived[0]["active"] is False

    def test_the_cli_is_audited_as_the_cli(self, engine, session):
        assert self.invoke("add", "cli-form", "--fields", "email").exit_code == 0
        session.commit()
        row = session.scalar(select(AuditEvent).where(AuditEvent.action == "form.create"))
        assert row.changes["name"] == [None, "cli-form"]
        assert row.source == "cli"

    def test_a_refused_form_exits_1_with_the_reason(self, engine):
        result = self.invoke("add", "bad", "--fields", "email,owner_id")
        assert result.exit_code == 1
        assert "owner_id" in result.output

    def test_an_unknown_form_exits_1(self, engine):
        result = self.invoke("show", "nope")
        assert result.exit_code == 1
        assert "no form named 'nope'" in result.output


def test_a_marketer_manages_only_their_teams_forms(client, auth, session, clock):
    mine, theirs = make_team(session, kind="marketing"), make_team(session, kind="sales")
    marketer = make_user(session, role="marketing", team=mine)
    headers = {"Authorization": f"Bearer {make_token(session, marketer, now=clock.now())}"}
    session.commit()
    own = client.post("/api/v1/forms", json=NEW, headers=headers)
    assert own.status_code == 201 and own.json()["team_id"] == mine.id  # their team by default
    other = client.post(
        "/api/v1/forms", json=NEW | {"name": "x", "team": theirs.key}, headers=headers
    )
    assert other.status_code == 403
    foreign = client.post(
        "/api/v1/forms", json=NEW | {"name": "sales-form", "team": theirs.key}, headers=auth
    ).json()
    assert [f["name"] for f in client.get("/api/v1/forms", headers=headers).json()] == [NEW["name"]]
    for method, path in (("GET", ""), ("PATCH", ""), ("GET", "/snippet")):
        response = client.request(
            method, f"/api/v1/forms/{foreign['id']}{path}", headers=headers, json={"program": "x"}
        )
        assert response.status_code == 404, (method, path)
