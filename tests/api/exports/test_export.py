"""GET /api/v1/leads:export and ``leadledger export``: the leads a caller may read, as CSV,
JSONL or XLSX, with the leadledger, HubSpot or Salesforce header set, formula-like cells inert,
every export audited."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import insert
from typer.testing import CliRunner

from leadledger.cli import app
from leadledger.contract import service as contract_service
from leadledger.core.errors import InvalidInput
from leadledger.exports import cli as export_cli
from leadledger.exports import rules
from leadledger.exports import service as export_service
from leadledger.imports import presets
from leadledger.imports.reader import open_rows
from leadledger.leads.models import Lead
from leadledger.leads.schemas import LeadFilters
from tests.factories import make_lead, make_team, make_token, make_user

URL = "/api/v1/leads:export"
EVIL = '=HYPERLINK("http://evil","x")'
runner = CliRunner()


def as_csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


def as_jsonl(body: bytes) -> list[dict]:
    return [json.loads(line) for line in body.decode("utf-8").splitlines()]


def as_xlsx(body: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()


def export(client, auth, status: int = 200, **params):
    response = client.get(URL, params=params, headers=auth)
    assert response.status_code == status, response.text
    return response


@pytest.fixture
def leads(session, clock):
    owner = make_user(session, email="owner@example.com", role="ae")
    made = [
        make_lead(
            session,
            now=clock.now(),
            email="jane@acme.com",
            first_name="Jane",
            last_name="Doe",
            company_name=EVIL,
            phone="+442079460958",
            title="-VP Sales",
            country="GB",
            source="web_form",
            program="webinar-q4",
            owner_id=owner.id,
            consent_source="form:contact",
            custom={"region": "@north", "score": 3, "tags": ["a", "b"]},
        ),
        make_lead(session, now=clock.now(), email="bob@globex.com", source="event"),
        make_lead(session, now=clock.now(), stage="mql", email="ann@initech.com"),
    ]
    session.commit()
    return made


class TestCsv:
    def test_every_lead_with_the_leadledger_header(self, client, auth, leads):
        response = export(client, auth)
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        disposition = response.headers["content-disposition"]
        assert disposition == 'attachment; filename="leads-20261102-100000.csv"'
        assert not response.content.startswith(b"\xef\xbb\xbf")  # plain UTF-8, no BOM
        header = response.content.decode().splitlines()[0].split(",")
        assert header == [
            *rules.columns(rules.Preset.leadledger),
            *("custom:region", "custom:score", "custom:tags"),
        ]
        rows = as_csv(response.content)
        assert [int(r["id"]) for r in rows] == [lead.id for lead in leads]
        jane = rows[0]
        assert jane["email"] == "jane@acme.com"
        assert jane["website"] == "acme.com"
        assert jane["lead_source"] == "web_form"
        assert jane["lifecycle_stage"] == "lead"
        assert jane["owner_email"] == "owner@example.com"
        assert jane["created_at"] == "2026-11-02T10:00:00+00:00"
        assert jane["custom:score"] == "3"
        assert jane["custom:tags"] == '["a","b"]'
        assert rows[2]["lifecycle_stage"] == "mql"
        assert rows[1]["custom:region"] == ""

    def test_formula_like_cells_are_inert_and_phones_untouched(self, client, auth, leads):
        jane = as_csv(export(client, auth).content)[0]
        assert jane["company"] == "'" + EVIL
        assert jane["title"] == "'-VP Sales"
        assert jane["custom:region"] == "'@north"
        assert jane["phone"] == "+442079460958"
        assert {k: rules.restore(v) for k, v in jane.items()}["company"] == EVIL

    def test_hubspot_header_set(self, client, auth, leads):
        response = export(client, auth, preset="hubspot")
        assert response.headers["content-disposition"].endswith(
            'leads-hubspot-20261102-100000.csv"'
        )
        rows = as_csv(response.content)
        assert list(rows[0])[:3] == ["First Name", "Last Name", "Email"]
        assert "id" not in rows[0]
        assert rows[0]["Company Name"] == "'" + EVIL
        assert rows[0]["Contact owner"] == "owner@example.com"
        assert rows[0]["Lifecycle Stage"] == "lead"
        assert rows[0]["Unsubscribed from all email"] == "false"
        assert presets.detect_preset(list(rows[0])) == "hubspot"

    def test_salesforce_header_set(self, client, auth, leads):
        rows = as_csv(export(client, auth, preset="salesforce").content)
        assert rows[0]["Company / Account"] == "'" + EVIL
        assert rows[0]["Lead Owner Email"] == "owner@example.com"
        assert rows[0]["Lead Status"] == "lead"
        assert rows[0]["Campaign Name"] == "webinar-q4"
        assert presets.detect_preset(list(rows[0])) == "salesforce"

    def test_no_lead_is_a_header_only_file(self, client, auth):
        body = export(client, auth).content.decode()
        assert body.splitlines() == [",".join(rules.columns(rules.Preset.leadledger))]


class TestReimport:
    """The export side of the round trip: the importer reads the file back, maps every column
    to the field it came from, and ``rules.restore`` gives the stored values back."""

    @pytest.mark.parametrize(
        ("preset", "imported_as"),
        [("leadledger", "generic"), ("hubspot", "hubspot"), ("salesforce", "salesforce")],
    )
    def test_each_preset_maps_back_to_the_same_values(
        self, client, auth, leads, tmp_path, preset, imported_as
    ):
        path = tmp_path / "leads.csv"
        path.write_bytes(export(client, auth, preset=preset).content)
        with open_rows(path) as source:
            mapping = presets.build_mapping(source.headers, preset="auto")
            rows = [row for row in source if row.error is None]
        assert mapping.preset == imported_as
        assert not mapping.guesses
        fields, _ = presets.apply_mapping(mapping, rows[0].values)
        fields = {k: rules.restore(v) for k, v in fields.items()}
        jane = leads[0]
        assert fields["company"] == EVIL == jane.company_name
        assert fields["phone"] == jane.phone
        assert fields["title"] == jane.title
        assert fields["email"] == jane.email
        assert fields["lifecycle_stage"] == jane.stage
        assert fields["lead_source"] == jane.source
        assert fields["owner_email"] == "owner@example.com"
        customs = [c.header for c in mapping.columns if c.header.startswith("custom:")]
        assert customs == ["custom:region", "custom:score", "custom:tags"]


class TestJsonl:
    def test_one_object_per_lead_with_values_as_stored(self, client, auth, leads):
        response = export(client, auth, format="jsonl")
        assert response.headers["content-type"] == "application/x-ndjson"
        assert response.headers["content-disposition"].endswith('.jsonl"')
        rows = as_jsonl(response.content)
        assert [r["id"] for r in rows] == [lead.id for lead in leads]
        assert rows[0]["company"] == EVIL  # not neutralised: no spreadsheet reads JSON
        assert rows[0]["custom:region"] == "@north"
        assert rows[0]["custom:score"] == 3
        assert rows[0]["custom:tags"] == ["a", "b"]
        assert rows[1]["custom:score"] is None
        assert rows[1]["lead_source"] == "event"

    def test_hubspot_keys(self, client, auth, leads):
        rows = as_jsonl(export(client, auth, format="jsonl", preset="hubspot").content)
        assert rows[0]["Company Name"] == EVIL


class TestXlsx:
    def test_strings_only_and_the_formula_kept_as_a_plain_string(self, client, auth, leads):
        response = export(client, auth, format="xlsx")
        assert response.headers["content-type"] == rules.MEDIA_TYPES[rules.Format.xlsx]
        assert response.headers["content-disposition"].endswith('.xlsx"')
        sheet = as_xlsx(response.content)
        header, *rows = sheet
        assert header == list(rules.columns(rules.Preset.leadledger)) + [
            "custom:region",
            "custom:score",
            "custom:tags",
        ]
        assert len(rows) == 3
        jane = dict(zip(header, rows[0], strict=True))
        assert jane["company"] == EVIL  # the exact value, as a string cell
        assert jane["phone"] == "+442079460958"
        assert jane["id"] == str(leads[0].id)
        assert jane["custom:region"] == "@north"
        assert jane["custom:score"] == "3"
        with zipfile.ZipFile(io.BytesIO(response.content)) as xlsx:
            xml = xlsx.read("xl/worksheets/sheet1.xml").decode()
            styles = xlsx.read("xl/styles.xml").decode()
        assert "<f>" not in xml  # no formula anywhere
        assert 'quotePrefix="1"' in styles  # formula-like strings stay text when edited

    def test_salesforce_header_set(self, client, auth, leads):
        header, *rows = as_xlsx(export(client, auth, format="xlsx", preset="salesforce").content)
        assert header[:3] == ["First Name", "Last Name", "Email"]
        assert dict(zip(header, rows[0], strict=True))["Company / Account"] == EVIL

    def test_more_rows_than_a_sheet_holds_is_refused_before_streaming(
        self, client, auth, leads, monkeypatch
    ):
        monkeypatch.setattr(export_service, "XLSX_MAX_ROWS", 2)
        body = export(client, auth, 422, format="xlsx").json()
        assert body["error"] == "invalid_input"
        assert body["loc"] == ["query", "format"]
        assert "csv or jsonl" in body["detail"]

    def test_leads_added_after_the_count_do_not_overflow_the_sheet(self, monkeypatch):
        monkeypatch.setattr(export_service, "XLSX_MAX_ROWS", 2)
        rows = [{"a": str(n)} for n in range(3)]
        with pytest.raises(InvalidInput):
            list(export_service.write_xlsx(("a",), rows))


class TestFilters:
    def test_filters_are_those_of_the_list(self, client, auth, leads, session, clock):
        old = make_lead(session, now=clock.now() - timedelta(days=30), email="old@umbrella.com")
        session.commit()

        def ids(**params) -> list[int]:
            return [int(r["id"]) for r in as_csv(export(client, auth, **params).content)]

        def listed(**params) -> list[int]:
            page = client.get("/api/v1/leads", params={**params, "limit": 500}, headers=auth)
            return sorted(item["id"] for item in page.json()["items"])

        cases = [
            {"stage": "mql"},
            {"stage": ["lead", "mql"]},
            {"source": "event"},
            {"q": "globex"},
            {"owner_id": leads[0].owner_id},
            {"created_to": (clock.now() - timedelta(days=1)).isoformat()},
            {"created_from": clock.now().isoformat()},
        ]
        for params in cases:
            assert ids(**params) == listed(**params), params
        assert ids(stage="mql") == [leads[2].id]
        assert ids(created_to=(clock.now() - timedelta(days=1)).isoformat()) == [old.id]

    def test_unknown_stage_or_format_is_422_before_anything_is_sent(self, client, auth, leads):
        body = export(client, auth, 422, stage="nope").json()
        assert body["error"] == "invalid_input"
        assert body["loc"] == ["query", "stage"]
        assert export(client, auth, 422, format="pdf").json()["loc"] == ["query", "format"]
        assert export(client, auth, 422, preset="pipedrive").json()["loc"] == ["query", "preset"]

    def test_the_export_path_is_not_read_as_a_lead_id(self, client, auth, leads):
        assert export(client, auth).headers["content-type"].startswith("text/csv")
        assert client.get("/api/v1/leads/export", headers=auth).status_code == 422


@pytest.fixture
def teams(session, clock):
    """Two marketing teams, each with a marketer and leads, and a lead of nobody's."""
    mine, theirs = make_team(session, kind="marketing"), make_team(session, kind="marketing")
    me = make_user(session, role="marketing", team=mine)
    colleague = make_user(session, role="marketing", team=mine)
    other = make_user(session, role="marketing", team=theirs)
    for owner, team in [(me, None), (colleague, None), (None, mine), (other, None), (None, theirs)]:
        make_lead(
            session,
            now=clock.now(),
            owner_id=owner.id if owner else None,
            creating_team_id=team.id if team else None,
        )
    make_lead(session, now=clock.now())
    tokens = {
        name: make_token(session, user, now=clock.now())
        for name, user in (("me", me), ("other", other))
    }
    for role in ("partner", "sdr", "ae"):
        tokens[role] = make_token(session, make_user(session, role=role), now=clock.now())
    leader = make_user(session, role="leader")
    tokens["leader"] = make_token(session, leader, now=clock.now())
    session.commit()
    return tokens


class TestRecordRules:
    @pytest.mark.parametrize("who", ["me", "other", "leader"])
    def test_a_caller_exports_exactly_the_leads_it_may_list(self, client, teams, who):
        headers = {"Authorization": f"Bearer {teams[who]}"}
        listed = client.get("/api/v1/leads", params={"limit": 500}, headers=headers).json()
        expected = sorted(item["id"] for item in listed["items"])
        for fmt in ("csv", "jsonl", "xlsx"):
            body = client.get(URL, params={"format": fmt}, headers=headers).content
            if fmt == "csv":
                got = [int(r["id"]) for r in as_csv(body)]
            elif fmt == "jsonl":
                got = [r["id"] for r in as_jsonl(body)]
            else:
                got = [int(r[0]) for r in as_xlsx(body)[1:]]
            assert got == expected, (who, fmt)
        assert len(expected) == {"me": 3, "other": 2, "leader": 6}[who]

    @pytest.mark.parametrize("role", ["partner", "sdr", "ae"])
    def test_a_role_without_lead_export_is_403(self, client, teams, role):
        response = client.get(URL, headers={"Authorization": f"Bearer {teams[role]}"})
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"

    def test_a_token_scope_without_export_is_403(self, client, session, clock):
        user = make_user(session, role="admin")
        token = make_token(session, user, now=clock.now(), scope="read")
        session.commit()
        response = client.get(URL, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403


class TestAudit:
    def test_each_export_is_an_audit_event_with_its_request(self, client, auth, leads):
        response = export(client, auth, format="jsonl", preset="hubspot", stage="mql", q="ini")
        trail = client.get("/api/v1/audit", params={"action": "lead.export"}, headers=auth)
        (event,) = trail.json()["items"]
        me = client.get("/api/v1/users/me", headers=auth).json()["user"]
        assert event["actor_id"] == me["id"]
        assert event["source"].startswith("api")
        assert event["request_id"] == response.headers["x-request-id"]
        assert event["changes"] == {
            "format": "jsonl",
            "preset": "hubspot",
            "filters": {"stage": ["mql"], "q": "ini"},
        }

    def test_a_refused_export_is_not_audited(self, client, auth, leads):
        export(client, auth, 422, stage="nope")
        trail = client.get("/api/v1/audit", params={"action": "lead.export"}, headers=auth)
        assert trail.json()["items"] == []


class TestLarge:
    def test_thousands_of_leads_stream_completely(self, client, auth, session, clock):
        version = contract_service.active(session).version
        now = clock.now()
        session.execute(
            insert(Lead),
            [
                {
                    "email": f"bulk{n}@example.com",
                    "company_name": f"Company {n}",
                    "stage": "lead",
                    "stage_changed_at": now,
                    "contract_version": version,
                    "created_at": now,
                    "updated_at": now,
                    "custom": {"n": n} if n % 1000 == 0 else {},
                }
                for n in range(3000)
            ],
        )
        session.commit()
        for fmt, read in (("csv", as_csv), ("jsonl", as_jsonl)):
            with client.stream("GET", URL, params={"format": fmt}, headers=auth) as response:
                chunks = list(response.iter_bytes())
            assert len(chunks) > 1  # streamed in pieces, not one body
            rows = read(b"".join(chunks))
            assert len(rows) == 3000
            assert len({r["email"] for r in rows}) == 3000
            assert [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)
        sheet = as_xlsx(export(client, auth, format="xlsx").content)
        assert len(sheet) == 3001
        assert sheet[0][-1] == "custom:n"

    def test_batches_cover_every_lead_once(self, session, clock, leads):
        more = [make_lead(session, now=clock.now()) for _ in range(11)]
        session.commit()
        rows = list(export_service.iter_leads(session, LeadFilters(), None, batch=4))
        assert [r.id for r in rows] == [lead.id for lead in leads + more]
        assert rows[0].owner_email == "owner@example.com"
        assert export_service.custom_keys(session, LeadFilters(), None, batch=2) == (
            "region",
            "score",
            "tags",
        )


class TestCli:
    def test_export_to_a_file(self, engine, leads, tmp_path, session, client, auth):
        out = tmp_path / "leads.csv"
        result = runner.invoke(app, ["export", "--output", str(out), "--stage", "lead"])
        assert result.exit_code == 0, result.output
        assert "exported 2 leads" in result.stdout
        rows = as_csv(out.read_bytes())
        assert [r["email"] for r in rows] == ["jane@acme.com", "bob@globex.com"]
        assert rows[0]["company"] == "'" + EVIL
        assert not (tmp_path / "leads.csv.part").exists()
        trail = client.get("/api/v1/audit", params={"action": "lead.export"}, headers=auth)
        (event,) = trail.json()["items"]
        assert (event["actor"], event["source"]) == ("system:cli", "cli")
        assert event["changes"]["filters"] == {"stage": ["lead"]}

    def test_export_to_standard_output(self, engine, leads):
        result = runner.invoke(
            app, ["export", "--format", "jsonl", "--preset", "salesforce", "--q", "jane"]
        )
        assert result.exit_code == 0, result.output
        (row,) = as_jsonl(result.stdout_bytes)
        assert row["Email"] == "jane@acme.com"

    def test_xlsx_to_standard_output(self, engine, leads):
        result = runner.invoke(
            app, ["export", "--format", "xlsx", "--created-from", "2026-01-01T00:00:00Z"]
        )
        assert result.exit_code == 0, result.output
        assert len(as_xlsx(result.stdout_bytes)) == 4

    def test_xlsx_is_refused_on_a_terminal(self, engine, leads, monkeypatch):
        monkeypatch.setattr(export_cli, "_is_terminal", lambda: True)
        result = runner.invoke(app, ["export", "--format", "xlsx"])
        assert result.exit_code == 2
        assert "--output" in result.stderr

    def test_bad_filters_exit_1_and_write_nothing(self, engine, leads, tmp_path):
        out = tmp_path / "leads.csv"
        result = runner.invoke(app, ["export", "--output", str(out), "--stage", "nope"])
        assert result.exit_code == 1
        assert "unknown stage 'nope'" in result.stderr
        assert not out.exists()
        naive = runner.invoke(app, ["export", "--created-to", "2026-01-01T00:00:00"])
        assert naive.exit_code == 1
