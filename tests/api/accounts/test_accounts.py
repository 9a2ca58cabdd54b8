from tests.api.leads.test_leads import assert_error


def test_create_list_and_get(client, auth):
    r = client.post(
        "/api/v1/accounts",
        json={
            "name": "Acme",
            "domain": "https://www.ACME.com/",
            "employees": 300,
            "industry": "software",
            "country": "de",
        },
        headers=auth,
    )
    assert r.status_code == 201, r.text
    account = r.json()
    assert (account["domain"], account["country"]) == ("acme.com", "DE")
    client.post("/api/v1/accounts", json={"name": "Beta Corp"}, headers=auth)
    page = client.get("/api/v1/accounts?sort=created_at", headers=auth).json()
    assert [a["name"] for a in page["items"]] == ["Acme", "Beta Corp"]
    assert [
        a["name"] for a in client.get("/api/v1/accounts?q=acme", headers=auth).json()["items"]
    ] == ["Acme"]
    assert client.get(f"/api/v1/accounts/{account['id']}", headers=auth).json()["name"] == "Acme"
    assert_error(client.get("/api/v1/accounts/999999", headers=auth), 404, "not_found")


def test_duplicate_domain_is_409_and_keeps_the_first(client, auth):
    client.post("/api/v1/accounts", json={"name": "Acme", "domain": "acme.com"}, headers=auth)
    assert_error(
        client.post(
            "/api/v1/accounts", json={"name": "Acme 2", "domain": "ACME.com"}, headers=auth
        ),
        409,
        "conflict",
        "domain",
    )
    items = client.get("/api/v1/accounts", headers=auth).json()["items"]
    assert [a["name"] for a in items] == ["Acme"]


def test_bad_account_input_is_422(client, auth):
    assert_error(
        client.post("/api/v1/accounts", json={"name": ""}, headers=auth),
        422,
        "invalid_input",
        "name",
    )
    assert_error(
        client.post("/api/v1/accounts", json={"name": "x", "employees": -1}, headers=auth),
        422,
        "invalid_input",
        "employees",
    )
    assert_error(
        client.post("/api/v1/accounts", json={"name": "x", "domain": "nodot"}, headers=auth),
        422,
        "invalid_input",
        "domain",
    )
    assert_error(
        client.post("/api/v1/accounts", json={"name": "x", "owner_id": 99999}, headers=auth),
        422,
        "invalid_input",
        "owner_id",
    )
