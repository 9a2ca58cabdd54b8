import pytest


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/leads", "/no/such/page"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "strict-transport-security" not in headers  # plain HTTP here


def test_public_forms_may_be_framed_and_https_gets_hsts(client):
    headers = client.get("/f/some-form").headers
    assert "x-frame-options" not in headers
    assert "content-security-policy" not in headers
    secure = client.get("https://testserver/healthz").headers
    assert secure["strict-transport-security"].startswith("max-age=")


def test_a_request_id_is_returned_and_a_sane_one_is_kept(client):
    made = client.get("/healthz").headers["x-request-id"]
    assert len(made) == 32
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    hostile = client.get("/healthz", headers={"X-Request-ID": "x" * 500}).headers["x-request-id"]
    assert hostile != "x" * 500
