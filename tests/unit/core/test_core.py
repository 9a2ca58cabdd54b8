from datetime import UTC, datetime

import pytest

from leadledger.core.config import Settings, get_settings
from leadledger.core.errors import ConfigurationError, InvalidInput, format_loc
from leadledger.core.normalize import normalize_country, normalize_domain, normalize_email
from leadledger.core.pagination import decode_cursor, encode_cursor


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
    ],
)
def test_domain_is_normalised(raw, expected):
    assert normalize_domain(raw) == expected


@pytest.mark.parametrize("raw", ["localhost", "not a domain.com", "https://"])
def test_bad_domain_is_refused(raw):
    with pytest.raises(ValueError):
        normalize_domain(raw)


def test_country_code():
    assert normalize_country(" gb ") == "GB"
    with pytest.raises(ValueError):
        normalize_country("GBR")


def test_cursor_round_trip_keeps_datetimes():
    at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert decode_cursor(encode_cursor(at, 42)) == (at, 42)
    assert decode_cursor(encode_cursor(7, 3)) == (7, 3)


@pytest.mark.parametrize("bad", ["garbage", "e30", "WzEsMl0x"])
def test_a_forged_cursor_is_invalid_input(bad):
    with pytest.raises(InvalidInput) as info:
        decode_cursor(bad)
    assert info.value.loc == ["query", "cursor"]


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
