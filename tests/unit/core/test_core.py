import base64
import json
from datetime import UTC, datetime

import pytest

from leadledger.core.config import Settings, get_settings
from leadledger.core.errors import ConfigurationError, InvalidInput, format_loc
from leadledger.core.normalize import normalize_country, normalize_domain, normalize_email
from leadledger.core.pagination import decode_cursor, encode_cursor, parse_sort
from leadledger.leads.service import SORTS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  Jane.Doe@ACME.com ", "jane.doe@acme.com"), ("x@Sub.Example.CO.uk", "x@sub.example.co.uk")],
)
def test_email_is_trimmed_and_lower_cased(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["not-an-email", "a@b", "@acme.com", "jane@", ""])
def test_invalid_email_is_refused(raw):
    with pytest.raises(ValueError):
        normalize_email(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://WWW.Acme.com/about?x=1", "acme.com"),
        (" acme.co.uk ", "acme.co.uk"),
        ("http://a.io:8080", "a.io"),
        ("Bücher.de", "bücher.de"),
        ("my-company.io", "my-company.io"),
    ],
)
def test_domain_is_normalised(raw, expected):
    assert normalize_domain(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["localhost", "not a domain.com", "https://", "a..b.com", "-acme.com", "acme.c_m", "acme.123"],
)
def test_bad_domain_is_refused(raw):
    with pytest.raises(ValueError):
        normalize_domain(raw)


def test_country_code():
    assert normalize_country(" gb ") == "GB"
    for bad in ("GBR", "ÄÖ", "G1", ""):
        with pytest.raises(ValueError):
            normalize_country(bad)


BY_CREATED = parse_sort("-created_at", SORTS)
BY_ID = parse_sort("id", SORTS)


def test_cursor_round_trip_keeps_datetimes():
    at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert decode_cursor(encode_cursor(BY_CREATED, at, 42), BY_CREATED) == (at, 42)
    assert decode_cursor(encode_cursor(BY_ID, 7, 3), BY_ID) == (7, 3)


def raw_cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    ("bad", "sort"),
    [
        ("garbage", BY_CREATED),
        ("e30", BY_CREATED),
        (raw_cursor(["-created_at", "abc", 1]), BY_CREATED),  # not a time
        (raw_cursor(["-created_at", {"dt": "2026-11-02T10:00:00"}, 1]), BY_CREATED),  # naive
        (raw_cursor(["id", "abc", 1]), BY_ID),
        (raw_cursor(["id", 2**40, 1]), BY_ID),  # beyond an id column
        (raw_cursor(["id", 5, True]), BY_ID),
        (raw_cursor(["id", 5]), BY_ID),
    ],
)
def test_a_forged_cursor_is_invalid_input(bad, sort):
    with pytest.raises(InvalidInput) as info:
        decode_cursor(bad, sort)
    assert info.value.loc == ["query", "cursor"]


def test_a_cursor_of_another_sort_is_refused():
    cursor = encode_cursor(BY_ID, 7, 3)
    with pytest.raises(InvalidInput, match="belongs to sort=id"):
        decode_cursor(cursor, BY_CREATED)


def test_format_loc():
    assert format_loc(("stages", 3, "name")) == "stages[3].name"
    assert format_loc(()) == ""


@pytest.mark.parametrize("env", ["production", "test"])
def test_default_secret_is_refused_outside_development(monkeypatch, env):
    monkeypatch.setenv("LEADLEDGER_ENV", env)
    monkeypatch.delenv("LEADLEDGER_SECRET_KEY", raising=False)
    with pytest.raises(ValueError, match="LEADLEDGER_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("LEADLEDGER_SECRET_KEY", "s3cret-long-enough")
    assert Settings().secret_key == "s3cret-long-enough"


def test_invalid_settings_name_the_variable(monkeypatch):
    monkeypatch.setenv("LEADLEDGER_PAGE_SIZE_MAX", "lots")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="LEADLEDGER_PAGE_SIZE_MAX"):
            get_settings()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
