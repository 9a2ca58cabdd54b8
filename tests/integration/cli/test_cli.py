import json

import pytest
from typer.testing import CliRunner

from leadledger.cli import app
from leadledger.contract import service as contract_service
from leadledger.contract.rules import default_contract_text
from leadledger.core import migrate
from leadledger.core.config import get_settings
from leadledger.lifecycle import service as lifecycle
from tests.factories import make_lead

runner = CliRunner()


def run(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
    return result


def test_init_twice_on_an_empty_database(empty_database_url):
    first = run("init")
    assert "default contract loaded as version 1" in first.output
    second = run("init")
    assert "contract version 1 is active" in second.output
    current = run("db", "current")
    head = current.output.split("head:")[1].strip()
    assert f"current: {head}" in current.output


def test_db_downgrade_and_upgrade(empty_database_url):
    run("db", "upgrade")
    head = migrate.head_revision()
    assert f"schema at {head}" not in run("db", "downgrade", "-1", "--yes").output
    assert "base (empty)" in run("db", "downgrade", "base", "--yes").output
    assert "current: none" in run("db", "current").output
    run("init")
    assert "by leadledger init" in run("contract", "history").output


def test_downgrade_asks_first_and_keeps_the_schema_on_no(empty_database_url):
    run("init")
    result = runner.invoke(app, ["db", "downgrade", "base"], input="n\n")
    assert result.exit_code == 1
    assert "current: none" not in run("db", "current").output
    assert "error: migrations:" in run("db", "upgrade", "--revision", "nonexistent", code=1).stderr


class TestContract:
    def test_check_apply_history_diff_show(self, engine, tmp_path, session):
        edited = tmp_path / "contract.yaml"
        edited.write_text(
            default_contract_text().replace("  min_engagement: 40\n", "  min_engagement: 50\n")
        )
        assert "valid contract" in run("contract", "check", str(edited)).output
        assert (
            "version 2 is now active"
            in run(
                "contract", "apply", str(edited), "--reason", "raise the bar", "--author", "lena"
            ).output
        )
        history = run("contract", "history").output
        assert "raise the bar" in history and "lena" in history
        diff = run("contract", "diff", "1", "2").output
        assert "mql" in diff and "-min_engagement: 40.0" in diff and "+min_engagement: 50.0" in diff
        assert "min_engagement: 50" in run("contract", "show").output
        assert "min_engagement: 40" in run("contract", "show", "--version", "1").output
        assert contract_service.active(session).version == 2

    def test_moves_after_apply_record_the_new_version_end_to_end(
        self, engine, tmp_path, client, auth, session, clock
    ):
        lead = make_lead(session, now=clock.now())
        session.commit()
        edited = tmp_path / "contract.yaml"
        edited.write_text(
            default_contract_text().replace("min_engagement: 40", "min_engagement: 55")
        )
        run("contract", "apply", str(edited), "--reason", "agreed in the Q4 review")
        response = client.post(
            f"/api/v1/leads/{lead.id}/transitions", json={"to": "mql"}, headers=auth
        )
        assert response.json()["contract_version"] == 2
        history = client.get(f"/api/v1/leads/{lead.id}/history", headers=auth).json()
        assert [h["detail"]["contract_version"] for h in history] == [1, 2]
        assert client.get(f"/api/v1/leads/{lead.id}", headers=auth).json()["contract_version"] == 2

    def test_broken_contract_is_refused_with_its_line(self, engine, tmp_path, session):
        text = default_contract_text().replace("  - name: sal\n", "  - name: mql\n", 1)
        line = [i for i, row in enumerate(text.splitlines(), 1) if "- name: mql" in row][1]
        broken = tmp_path / "broken.yaml"
        broken.write_text(text)
        result = run("contract", "apply", str(broken), "--reason", "oops", code=1)
        assert f"error: stages[3].name: duplicate stage 'mql' (line {line})" in result.stderr
        assert run("contract", "check", str(broken), code=1).stderr.startswith(
            "error: stages[3].name"
        )
        assert contract_service.active(session).version == 1
        assert len(contract_service.history(session)) == 1

    def test_unreadable_contract_file_and_bad_reason(self, engine, tmp_path):
        latin1 = tmp_path / "latin1.yaml"
        latin1.write_bytes("name: Vertrag für Köln\n".encode("latin-1"))
        assert "is not UTF-8 text" in run("contract", "check", str(latin1), code=1).stderr
        good = tmp_path / "good.yaml"
        good.write_text(default_contract_text())
        result = run("contract", "apply", str(good), "--reason", "bad \udcff byte", code=1)
        assert result.stderr.startswith("error: reason:") and "unicode" in result.stderr
        empty = run("contract", "apply", str(good), "--reason", "", code=1)
        assert "at least 1 character" in empty.stderr

    def test_missing_file_and_unknown_version(self, engine, tmp_path):
        assert "cannot read" in run("contract", "check", str(tmp_path / "nope.yaml"), code=1).stderr
        assert "no contract version 9" in run("contract", "show", "--version", "9", code=1).stderr
        assert "no contract version 9" in run("contract", "diff", "1", "9", code=1).stderr


class TestUsersAndTeams:
    def test_team_user_token_and_revoke(self, engine, client):
        run("teams", "add", "sdr_emea", "--kind", "sdr", "--name", "SDR EMEA")
        assert "sdr_emea" in run("teams", "list").output
        run(
            "users",
            "add",
            "Sam@Example.com",
            "--role",
            "sdr",
            "--team",
            "sdr_emea",
            "--name",
            "Sam",
        )
        users = json.loads(run("users", "list", "--json").output)
        assert [(u["email"], u["role"]) for u in users] == [("sam@example.com", "sdr")]
        token = run("users", "token", "sam@example.com").output.strip()
        assert (
            client.get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"}).status_code
            == 200
        )
        (listed,) = json.loads(run("users", "tokens", "sam@example.com", "--json").output)
        run("users", "revoke", str(listed["id"]))
        assert (
            client.get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"}).status_code
            == 401
        )

    def test_refusals(self, engine):
        run("users", "add", "a@example.com", "--role", "ae")
        assert (
            "already exists" in run("users", "add", "A@example.com", "--role", "ae", code=1).stderr
        )
        assert "email" in run("users", "add", "not-an-email", "--role", "ae", code=1).stderr
        assert (
            "no team 'ghosts'"
            in run(
                "users", "add", "b@example.com", "--role", "ae", "--team", "ghosts", code=1
            ).stderr
        )
        assert "no user with email" in run("users", "token", "nobody@example.com", code=1).stderr
        run("users", "add", "c@example.com", "--role", "wizard", code=2)


class TestLeads:
    def test_add_list_show_move(self, engine):
        added = json.loads(
            run(
                "leads",
                "add",
                "--email",
                "Jo@Acme.com",
                "--first-name",
                "Jo",
                "--company",
                "Acme",
                "--source",
                "event",
                "--json",
            ).output
        )
        assert (added["email"], added["stage"], added["source"]) == ("jo@acme.com", "lead", "event")
        lead_id = str(added["id"])
        assert "jo@acme.com" in run("leads", "list").output
        listed = json.loads(run("leads", "list", "--stage", "lead", "--json").output)
        assert [i["id"] for i in listed["items"]] == [added["id"]]
        assert json.loads(run("leads", "list", "--stage", "mql", "--json").output)["items"] == []
        assert "lead -> mql" in run("leads", "move", lead_id, "--to", "mql").output
        shown = json.loads(run("leads", "show", lead_id, "--json").output)
        assert shown["lead"]["stage"] == "mql"
        assert [h["summary"] for h in shown["history"]] == ["(new) -> lead", "lead -> mql"]
        assert "lead -> mql" in run("leads", "show", lead_id).output

    def test_illegal_move_exits_1_and_adds_no_row(self, engine, session, clock):
        lead = make_lead(session, now=clock.now())
        session.commit()
        result = run("leads", "move", str(lead.id), "--to", "customer", code=1)
        assert (
            "cannot move from 'lead' to 'customer'; allowed: mql, nurture, disqualified"
            in result.stderr
        )
        assert len(lifecycle.transitions_of(session, lead.id)) == 1
        assert (
            "needs a reason"
            in run("leads", "move", str(lead.id), "--to", "disqualified", code=1).stderr
        )

    @pytest.mark.parametrize(
        ("args", "needle"),
        [
            (("leads", "add", "--email", "nope"), "email"),
            (("leads", "show", "999999"), "no lead 999999"),
            (("leads", "move", "999999", "--to", "mql"), "no lead 999999"),
            (("leads", "list", "--sort", "height"), "cannot sort by 'height'"),
        ],
    )
    def test_bad_input_exits_1_with_the_message(self, engine, args, needle):
        assert needle in run(*args, code=1).stderr

    def test_usage_error_exits_2(self, engine):
        run("leads", "move", "1", code=2)
        run("leads", "list", "--source", "fax", code=2)


class TestDemoRefusesToReplaceRealData:
    def test_the_configured_database_is_never_replaced(self, tmp_path, monkeypatch):
        real = tmp_path / "real.db"
        monkeypatch.setenv("LEADLEDGER_DATABASE_URL", f"sqlite:///{real}")
        get_settings.cache_clear()
        try:
            run("init")
            run("leads", "add", "--email", "keep@me.io")
            result = run("demo", "--db-file", str(real), "--no-serve", code=1)
            assert "the demo never replaces it" in result.stderr
            assert "keep@me.io" in run("leads", "list").output
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()

    def test_a_file_that_is_not_a_demo_is_kept(self, engine, tmp_path):
        other = tmp_path / "notes.db"
        other.write_text("my precious notes")
        assert (
            "is not a leadledger demo database"
            in run("demo", "--db-file", str(other), "--no-serve", code=1).stderr
        )
        assert other.read_text() == "my precious notes"


def test_a_database_without_schema_gets_a_hint_not_a_traceback(empty_database_url):
    result = run("leads", "list", code=1)
    assert result.stderr.startswith("error: database: ")
    assert "run 'leadledger init'" in result.stderr
