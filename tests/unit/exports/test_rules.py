from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from leadledger.exports.rules import (
    FIELDS,
    HEADERS,
    ID,
    Preset,
    columns,
    custom_header,
    is_formula_like,
    neutralise,
    restore,
    row_of,
    text_of,
)
from leadledger.imports import presets

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def lead(**overrides) -> SimpleNamespace:
    values = {
        "id": 7,
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane@acme.com",
        "phone": "+442079460958",
        "company_name": "Acme",
        "domain": "acme.com",
        "title": "VP Sales",
        "country": "GB",
        "source": "web_form",
        "program": "webinar-q4",
        "utm": {"source": "google", "campaign": "q4"},
        "stage": "mql",
        "created_at": AT,
        "consent_source": "form:contact",
        "unsubscribed_at": None,
        "custom": {"region": "north", "score": 3},
    }
    return SimpleNamespace(**(values | overrides))


class TestNeutralise:
    @pytest.mark.parametrize(
        ("cell", "exported"),
        [
            ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
            ("=1+1", "'=1+1"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("＝1+1", "'＝1+1"),  # full-width equals sign
            ("+44 20 7946 0958", "'+44 20 7946 0958"),  # not a plain number
            ("-", "'-"),
            ("'=1+1", "''=1+1"),  # already quoted: one more, so restore gives it back
            ("''+x", "'''+x"),
            # plain numbers are read as numbers, never run: left alone
            ("+442079460958", "+442079460958"),
            ("-3", "-3"),
            ("-1.5", "-1.5"),
            ("42", "42"),
            # nothing a spreadsheet runs
            ("Acme", "Acme"),
            ("", ""),
            ("'", "'"),
            ("'quoted'", "'quoted'"),
            (" =1+1", " =1+1"),
            ("a=b", "a=b"),
            ("jane@acme.com", "jane@acme.com"),
        ],
    )
    def test_table(self, cell, exported):
        assert neutralise(cell) == exported
        assert restore(exported) == cell

    @pytest.mark.parametrize(
        "cell",
        ["=x", "'=x", "''=x", "'", "''", "+1", "'+1", "+1a", "'+1a", "-", "'-", "@", "a", "'a"],
    )
    def test_restore_undoes_neutralise(self, cell):
        assert restore(neutralise(cell)) == cell

    def test_a_neutralised_cell_is_never_formula_like_to_a_spreadsheet(self):
        for cell in ("=x", "+x", "-x", "@x", "\tx", "\rx"):
            assert neutralise(cell)[0] == "'"
            assert is_formula_like(cell)


class TestColumns:
    def test_leadledger_preset_is_id_then_the_importer_field_names(self):
        assert columns(Preset.leadledger) == (ID, *FIELDS)
        assert set(FIELDS) <= set(presets.FIELDS)

    def test_custom_fields_follow_with_the_importers_prefix(self):
        header = columns(Preset.hubspot, ("region", "score"))
        assert header[-2:] == ("custom:region", "custom:score")
        assert custom_header("region").startswith(presets.CUSTOM_PREFIX)

    @pytest.mark.parametrize("preset", list(Preset))
    def test_every_preset_covers_the_same_fields(self, preset):
        assert set(HEADERS[preset]) - {ID} == set(FIELDS)

    @pytest.mark.parametrize(
        ("preset", "imported_as"),
        [
            (Preset.leadledger, "generic"),
            (Preset.hubspot, "hubspot"),
            (Preset.salesforce, "salesforce"),
        ],
    )
    def test_the_importer_maps_each_header_back_to_its_field(self, preset, imported_as):
        headers = list(columns(preset))
        assert presets.detect_preset(headers) == imported_as
        mapping = presets.build_mapping(headers, preset="auto")
        expected = {f: h for f, h in HEADERS[preset].items() if f != ID}
        assert mapping.fields == expected
        assert not mapping.guesses

    def test_product_headers_are_the_products_own_spelling(self):
        # the first spelling of the field in the importer's table for that product
        for preset, table in (
            (Preset.hubspot, presets._HUBSPOT),
            (Preset.salesforce, presets._SALESFORCE),
        ):
            for field, header in HEADERS[preset].items():
                assert header == (table.get(field) or presets._GENERIC[field])[0], field


class TestRow:
    def test_leadledger_row(self):
        row = row_of(lead(), custom_keys=("region", "score", "unused"), owner_email="ae@x.com")
        assert list(row) == list(columns(Preset.leadledger, ("region", "score", "unused")))
        assert row["id"] == 7
        assert row["company"] == "Acme"
        assert row["website"] == "acme.com"
        assert row["lead_source"] == "web_form"
        assert row["lifecycle_stage"] == "mql"
        assert row["created_at"] == "2026-11-02T10:00:00+00:00"
        assert row["utm_source"] == "google"
        assert row["utm_medium"] is None
        assert row["owner_email"] == "ae@x.com"
        assert row["consent"] == "yes"
        assert row["unsubscribed"] == "false"
        assert (row["custom:region"], row["custom:score"], row["custom:unused"]) == (
            "north",
            3,
            None,
        )

    def test_product_rows_use_their_headers_and_booleans(self):
        hub = row_of(lead(unsubscribed_at=AT), Preset.hubspot)
        assert hub["Company Name"] == "Acme"
        assert hub["Lifecycle Stage"] == "mql"
        assert hub["Unsubscribed from all email"] == "true"
        assert "id" not in hub
        sf = row_of(lead(), Preset.salesforce)
        assert sf["Company / Account"] == "Acme"
        assert sf["Lead Status"] == "mql"
        assert sf["Email Opt Out"] == "false"

    def test_consent_and_unsubscribe_as_an_import_reads_them(self):
        row = row_of(lead(consent_source=None, unsubscribed_at=AT))
        assert (row["consent"], row["unsubscribed"]) == (None, "true")

    def test_empty_custom_and_utm(self):
        row = row_of(lead(custom=None, utm=None), custom_keys=("x",))
        assert row["custom:x"] is None
        assert row["utm_source"] is None

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (None, ""),
            ("plain", "plain"),
            (True, "true"),
            (False, "false"),
            (3, "3"),
            (1.5, "1.5"),
            (["a", "é"], '["a","é"]'),
            ({"k": 1}, '{"k":1}'),
        ],
    )
    def test_text_of(self, value, text):
        assert text_of(value) == text
