from leadledger.contract import service
from leadledger.contract.rules import default_contract_text
from leadledger.core.actor import Actor
from tests.api.leads.test_leads import assert_error


def test_active_contract_and_versions(client, auth, session, clock):
    body = client.get("/api/v1/contract", headers=auth).json()
    assert body["version"] == 1 and body["active"] is True
    assert [s["name"] for s in body["contract"]["stages"]][:3] == ["prospect", "lead", "mql"]
    assert body["contract"]["transitions"][0]["from"] == "prospect"
    assert body["yaml"] == default_contract_text()
    service.apply(
        session,
        default_contract_text().replace("min_engagement: 40", "min_engagement: 45"),
        actor=Actor(label="lena"),
        reason="tighter",
        now=clock.now(),
    )
    session.commit()
    versions = client.get("/api/v1/contract/versions", headers=auth).json()
    assert [(v["version"], v["active"], v["reason"]) for v in versions] == [
        (1, False, "default contract loaded by leadledger init"),
        (2, True, "tighter"),
    ]
    assert (
        client.get("/api/v1/contract", headers=auth).json()["contract"]["mql"]["min_engagement"]
        == 45
    )
    assert (
        client.get("/api/v1/contract/versions/1", headers=auth).json()["contract"]["mql"][
            "min_engagement"
        ]
        == 40
    )
    assert_error(client.get("/api/v1/contract/versions/7", headers=auth), 404, "not_found")


def test_every_4xx_has_the_canonical_shape(client, auth):
    assert_error(client.get("/api/v1/nothing-here", headers=auth), 404, "not_found")
    assert_error(client.delete("/api/v1/leads", headers=auth), 405, "method_not_allowed")
    assert_error(client.get("/api/v1/contract"), 401, "unauthorized")


def test_openapi_is_served(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/leads/{lead_id}/transitions" in spec["paths"]
    assert client.get("/docs").status_code == 200
