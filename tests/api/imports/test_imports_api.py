from pathlib import Path

import pytest

from leadledger.core.config import get_settings

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports"


@pytest.fixture(autouse=True)
def import_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LEADLEDGER_IMPORT_DIR", str(tmp_path / "imports"))
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_an_upload_is_imported_in_the_background_and_its_errors_downloadable(client, auth):
    with (FIXTURES / "hubspot_contacts.csv").open("rb") as f:
        started = client.post(
            "/api/v1/imports",
            files={"file": ("contacts.csv", f, "text/csv")},
            data={"program": "spring-webinar"},
            headers=auth,
        )
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued" and started.json()["preset"] == "hubspot"
    job = client.get(f"/api/v1/imports/{started.json()['id']}", headers=auth).json()
    assert job["status"] == "done" and job["balanced"] and job["rows_read"] == 25
    errors = client.get(f"/api/v1/imports/{job['id']}/errors", headers=auth)
    assert errors.status_code == 200 and errors.headers["content-type"].startswith("text/csv")
    lines = errors.text.strip().splitlines()
    assert lines[0].startswith("row,") and lines[0].endswith(",leadledger_error")
    assert len(lines) == 1 + job["rejected"]
    leads = client.get("/api/v1/leads", params={"limit": 100}, headers=auth).json()["items"]
    assert len(leads) == job["created"]
    assert {lead["program"] for lead in leads} == {"spring-webinar"}
    assert [j["id"] for j in client.get("/api/v1/imports", headers=auth).json()] == [job["id"]]


@pytest.mark.parametrize(
    ("content", "detail"),
    [(b"", "the file is empty"), (b"name,company\nAnn,Acme\n", "no email or phone column")],
)
def test_an_unusable_upload_is_422_and_queues_nothing(client, auth, content, detail):
    response = client.post(
        "/api/v1/imports", files={"file": ("x.csv", content, "text/csv")}, headers=auth
    )
    assert response.status_code == 422
    assert detail in response.json()["detail"]
    assert client.get("/api/v1/imports", headers=auth).json() == []


def test_an_unknown_preset_or_import_is_a_clear_error(client, auth):
    bad = client.post(
        "/api/v1/imports",
        files={"file": ("x.csv", b"email\na@b.co\n", "text/csv")},
        data={"preset": "zoho"},
        headers=auth,
    )
    assert bad.status_code == 422 and bad.json()["loc"] == ["body", "preset"]
    assert client.get("/api/v1/imports/999", headers=auth).status_code == 404


def test_a_reps_import_neither_touches_nor_reveals_another_teams_lead(client, auth, session, clock):
    from tests.factories import make_team, make_token, make_user

    sales, sdr = make_team(session, kind="sales"), make_team(session, kind="sdr")
    rep = make_user(session, role="sdr", team=sdr)
    rep_auth = {"Authorization": f"Bearer {make_token(session, rep, now=clock.now())}"}
    owner = make_user(session, role="ae", team=sales)
    session.commit()
    theirs = client.post(
        "/api/v1/leads", json={"email": "ceo@bigco.com", "owner_id": owner.id}, headers=auth
    ).json()
    upload = b"email\nceo@bigco.com\nnew@startup.io\n"
    started = client.post(
        "/api/v1/imports", files={"file": ("x.csv", upload, "text/csv")}, headers=rep_auth
    )
    job = client.get(f"/api/v1/imports/{started.json()['id']}", headers=rep_auth).json()
    assert (job["created"], job["merged"], job["rejected"]) == (1, 0, 1)
    history = client.get(f"/api/v1/leads/{theirs['id']}/history", headers=auth).json()
    assert [e["kind"] for e in history] == ["transition"]  # no touch from the rep's file
    other_team = client.post(
        "/api/v1/imports",
        files={"file": ("x.csv", upload, "text/csv")},
        data={"team": sales.key},
        headers=rep_auth,
    )
    assert other_team.status_code == 403 and other_team.json()["loc"] == ["team"]
