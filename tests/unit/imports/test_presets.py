from pathlib import Path

import pytest

from leadledger.imports.presets import (
    FIELDS,
    Guess,
    MappingError,
    apply_mapping,
    build_mapping,
    detect_preset,
    load_mapping_file,
    missing_identity,
)
from leadledger.imports.reader import open_rows

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports"


def headers_of(name: str) -> list[str]:
    with open_rows(FIXTURES / name) as source:
        return source.headers


def targets(headers: list[str], **kwargs) -> dict[str, str | None]:
    return {c.header: c.target for c in build_mapping(headers, **kwargs).columns}


class TestDetectPreset:
    @pytest.mark.parametrize(
        ("fixture", "preset"),
        [
            ("hubspot_contacts.csv", "hubspot"),
            ("salesforce_leads.csv", "salesforce"),
            ("generic_semicolon.csv", "generic"),
        ],
    )
    def test_exports_are_recognised(self, fixture, preset):
        assert detect_preset(headers_of(fixture)) == preset

    @pytest.mark.parametrize(
        ("headers", "preset"),
        [
            (
                ["Id", "FirstName", "LastName", "Email", "LeadSource", "HasOptedOutOfEmail"],
                "salesforce",
            ),
            (["Email", "First Name", "Last Name", "Company"], "generic"),
            (["Email", "Phone Number"], "generic"),  # one product header is not enough
            (["Lead Source", "Original Source", "Email"], "generic"),  # one each: a tie
        ],
        ids=["data-loader", "plain", "one-signature", "tie"],
    )
    def test_a_preset_needs_two_of_its_own_headers_and_more_than_the_other(self, headers, preset):
        assert detect_preset(headers) == preset


class TestPresets:
    def test_a_hubspot_export_maps_its_own_headers(self):
        assert targets(headers_of("hubspot_contacts.csv")) == {
            "Record ID": "custom:record_id",
            "First Name": "first_name",
            "Last Name": "last_name",
            "Email": "email",
            "Phone Number": "phone",
            "Mobile Phone Number": "mobile",
            "Company Name": "company",
            "Website URL": "website",
            "Job Title": "title",
            "Country/Region": "country",
            "State/Region": "state",
            "City": "city",
            "Industry": "industry",
            "Number of Employees": "employees",
            "Annual Revenue": "annual_revenue",
            "Original Source": "lead_source",
            "Contact owner": "owner_email",
            "Lifecycle Stage": "lifecycle_stage",
            "Lead Status": "custom:lead_status",
            "Marketing contact status": "custom:marketing_contact_status",
            "Create Date": "created_at",
        }

    def test_a_salesforce_report_maps_its_own_headers(self):
        assert targets(headers_of("salesforce_leads.csv")) == {
            "Lead Owner": "owner_email",
            "First Name": "first_name",
            "Last Name": "last_name",
            "Title": "title",
            "Company / Account": "company",
            "Email": "email",
            "Phone": "phone",
            "Mobile": "mobile",
            "Lead Source": "lead_source",
            "Lead Status": "lifecycle_stage",
            "City": "city",
            "State/Province": "state",
            "Zip/Postal Code": "custom:zip_postal_code",
            "Country": "country",
            "Industry": "industry",
            "Annual Revenue": "annual_revenue",
            "No. of Employees": "employees",
            "Website": "website",
            "Email Opt Out": "unsubscribed",
            "Created Date": "created_at",
            "Lead ID": "custom:lead_id",
        }

    def test_salesforce_data_loader_api_names_map_too(self):
        expected = {
            "Id": "custom:id",
            "FirstName": "first_name",
            "LastName": "last_name",
            "Email": "email",
            "MobilePhone": "mobile",
            "NumberOfEmployees": "employees",
            "AnnualRevenue": "annual_revenue",
            "LeadSource": "lead_source",
            "Status": "lifecycle_stage",
            "HasOptedOutOfEmail": "unsubscribed",
            "OwnerId": "custom:owner_id",
        }
        assert targets(list(expected), preset="salesforce") == expected

    def test_lead_status_is_the_funnel_in_salesforce_but_not_in_hubspot(self):
        assert build_mapping(["Lead Status"], preset="salesforce").columns[0].target == (
            "lifecycle_stage"
        )
        assert build_mapping(["Lead Status"], preset="hubspot").columns[0].target == (
            "custom:lead_status"
        )

    def test_a_german_excel_list_maps_with_the_generic_preset(self):
        assert targets(headers_of("generic_semicolon.csv")) == {
            "Vorname": "first_name",
            "Nachname": "last_name",
            "Firma": "company",
            "E-Mail": "email",
            "Telefon": "phone",
            "Mobil": "mobile",
            "Position": "title",
            "PLZ": "custom:plz",
            "Ort": "city",
            "Land": "country",
            "Branche": "industry",
            "Mitarbeiter": "employees",
            "Jahresumsatz": "annual_revenue",
            "Quelle": "lead_source",
            "Erstellt am": "created_at",
            "Bemerkung": "notes",
        }

    @pytest.mark.parametrize(
        ("header", "field"),
        [
            ("e-mail", "email"),
            ("E-Mail Address", "email"),
            ("EMAIL_ADDRESS", "email"),
            ("Firstname", "first_name"),
            ("first_name", "first_name"),
            ("Surname", "last_name"),
            ("Organisation", "company"),
            ("Organization", "company"),
            ("Job title", "title"),
            ("Tel", "phone"),
            ("Tel.", "phone"),
            ("Mobile", "mobile"),
            ("Cell Phone", "mobile"),
            ("Country Code", "country"),
            ("No. of Employees", "employees"),
            ("utm_source", "utm_source"),
            ("UTM Campaign", "utm_campaign"),
            ("Owner Email", "owner_email"),
            ("Lifecycle stage", "lifecycle_stage"),
            ("Created", "created_at"),
            ("Comments", "notes"),
            ("GDPR Consent", "consent"),
            ("Opt-out", "unsubscribed"),
            ("Société", "company"),
        ],
    )
    def test_common_spellings_map_exactly(self, header, field):
        mapping = build_mapping([header], preset="generic")
        assert (mapping.columns[0].target, mapping.columns[0].how) == (field, "exact")
        assert mapping.guesses == ()

    def test_every_preset_maps_only_to_lead_fields(self):
        for preset in ("generic", "hubspot", "salesforce"):
            mapping = build_mapping(headers_of("hubspot_contacts.csv"), preset=preset)
            assert set(mapping.fields) <= set(FIELDS)


class TestGuesses:
    def test_a_misspelt_header_is_guessed_and_reported(self):
        mapping = build_mapping(["Emial Adress", "Frist Name", "Company"])
        assert [(c.target, c.how) for c in mapping.columns] == [
            ("email", "guess"),
            ("first_name", "guess"),
            ("company", "exact"),
        ]
        assert mapping.guesses == (
            Guess(header="Emial Adress", field="email", score=87.0, like="Email Address"),
            Guess(header="Frist Name", field="first_name", score=88.9, like="First Name"),
        )

    @pytest.mark.parametrize(
        "header", ["County", "Content", "Lead Score", "Email Domain", "Home Phone", "Notes 2b"]
    )
    def test_lookalike_words_are_not_guessed(self, header):
        mapping = build_mapping([header, "Email", "Notes"])
        assert mapping.columns[0].target.startswith("custom:")
        assert mapping.guesses == ()

    @pytest.mark.parametrize(
        ("header", "note"),
        [
            ("Celephone", "resembles both 'Telephone' and 'Cell Phone'; not guessed"),
            ("Company Site", "resembles both 'Company Size' and 'Company Website'; not guessed"),
        ],
    )
    def test_a_near_tie_is_not_guessed(self, header, note):
        mapping = build_mapping([header])
        assert (mapping.columns[0].target, mapping.columns[0].note) == (
            f"custom:{header.lower().replace(' ', '_')}",
            note,
        )
        assert mapping.guesses == ()

    def test_a_guess_never_takes_a_field_an_exact_header_fills(self):
        mapping = build_mapping(["Emial Adress", "Email"])
        assert [(c.target, c.how) for c in mapping.columns] == [
            ("custom:emial_adress", "duplicate"),
            ("email", "exact"),
        ]
        assert mapping.columns[0].note == (
            "looks like email, which 'Email' already fills; kept as a custom field"
        )
        assert mapping.guesses == ()


class TestColumns:
    def test_a_second_column_for_a_field_is_kept_as_custom(self):
        assert targets(["Email", "E-Mail", "email (2)"]) == {
            "Email": "email",
            "E-Mail": "custom:e_mail",
            "email (2)": "custom:email_2",
        }

    def test_the_presets_own_spelling_wins_over_a_generic_one_to_its_left(self):
        assert targets(["Work email", "Email", "Phone Number"], preset="hubspot") == {
            "Work email": "custom:work_email",
            "Email": "email",
            "Phone Number": "phone",
        }

    def test_unknown_columns_become_unique_custom_slugs(self):
        assert targets(["Email", "Favourite Colour", "Größe", "名前", "Foo Bar", "foo-bar"]) == {
            "Email": "email",
            "Favourite Colour": "custom:favourite_colour",
            "Größe": "custom:grosse",
            "名前": "custom:column_4",
            "Foo Bar": "custom:foo_bar",
            "foo-bar": "custom:foo_bar_2",
        }


class TestOverrides:
    HEADERS = ["E-Mail", "Handynr", "Firma", "Internal ID", "Notes"]

    def test_overrides_win_and_can_ignore_or_name_custom_fields(self):
        mapping = build_mapping(
            self.HEADERS,
            overrides={
                "Handynr": "mobile",
                "firma": "notes",  # matched whatever the case and punctuation
                "Internal ID": "ignore",
                "Notes": "custom:remarks",
            },
        )
        assert {c.header: (c.target, c.how) for c in mapping.columns} == {
            "E-Mail": ("email", "exact"),
            "Handynr": ("mobile", "override"),
            "Firma": ("notes", "override"),
            "Internal ID": (None, "ignored"),
            "Notes": ("custom:remarks", "override"),
        }

    def test_an_override_for_a_missing_column_is_reported(self):
        mapping = build_mapping(self.HEADERS, overrides={"Mobile No": "mobile"})
        assert mapping.unused_overrides == ("Mobile No",)

    def test_an_unknown_field_is_refused_naming_it(self):
        with pytest.raises(MappingError) as info:
            build_mapping(self.HEADERS, overrides={"Handynr": "mobil_phone"})
        message = str(info.value)
        assert message.startswith(
            "unknown field 'mobil_phone' for column 'Handynr'; did you mean 'mobile'?"
        )
        assert isinstance(info.value, ValueError)

    def test_two_columns_for_one_field_are_refused(self):
        with pytest.raises(MappingError, match="'Handynr' and 'Notes' are both mapped to 'mobile'"):
            build_mapping(self.HEADERS, overrides={"Handynr": "mobile", "Notes": "mobile"})

    def test_an_unknown_preset_is_refused(self):
        with pytest.raises(MappingError, match="unknown preset 'pipedrive'"):
            build_mapping(self.HEADERS, preset="pipedrive")


class TestIdentity:
    @pytest.mark.parametrize(
        "headers", [["Name", "Email"], ["Name", "Telefon"], ["Name", "Cell Phone"]]
    )
    def test_an_email_or_phone_column_is_enough(self, headers):
        assert missing_identity(build_mapping(headers)) is None

    def test_no_email_or_phone_column_is_explained(self):
        mapping = build_mapping(["Name", "Company", "Email"], overrides={"Email": "ignore"})
        assert missing_identity(mapping) == (
            "the header has no email or phone column: it has 'Name', 'Company', 'Email'. "
            'Rename one, or map it in a mapping file (columns: {"<header>": email})'
        )


def test_apply_mapping_splits_fields_and_drops_empty_and_ignored_cells():
    mapping = build_mapping(
        ["Email", "Phone", "Favourite Colour", "Secret", "Notes"], overrides={"Secret": "ignore"}
    )
    row = {
        "Email": "ann@example.com",
        "Phone": "  ",
        "Favourite Colour": " teal ",
        "Secret": "hunter2",
        "Notes": "",
    }
    assert apply_mapping(mapping, row) == (
        {"email": "ann@example.com"},
        {"favourite_colour": "teal"},
    )


class TestMappingFile:
    def write(self, tmp_path: Path, text: str) -> Path:
        path = tmp_path / "mapping.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    def test_a_mapping_file_gives_overrides(self, tmp_path):
        path = self.write(
            tmp_path,
            "# Messe 2024\ncolumns:\n"
            '  "E-Mail Adresse": email\n'
            "  Handynr: mobile\n"
            "  Yes: ignore\n"  # a plain string, not YAML's true
            "  Interne Nr: custom:internal_id\n",
        )
        assert load_mapping_file(path) == {
            "E-Mail Adresse": "email",
            "Handynr": "mobile",
            "Yes": "ignore",
            "Interne Nr": "custom:internal_id",
        }

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("columns:\n  Email: email\n  Handy: mobil\n", "line 3: unknown field 'mobil'"),
            ("columns:\n  Email: [email\n", "line 3: "),
            ("colums:\n  Email: email\n", "line 1: unknown key 'colums'"),
            ("columns:\n  Email: email\n  Phone:\n", "line 3: column 'Phone' has no field"),
            (
                "columns:\n  Email: email\n  Email: phone\n",
                "line 3: column 'Email' is mapped twice",
            ),
            ("columns:\n  - Email\n", "line 2: 'columns' is not a mapping"),
            ("", "line 1: the file is empty"),
        ],
        ids=["unknown-field", "syntax", "unknown-key", "no-field", "twice", "list", "empty"],
    )
    def test_problems_name_their_line(self, tmp_path, text, message):
        with pytest.raises(MappingError) as info:
            load_mapping_file(self.write(tmp_path, text))
        assert str(info.value).startswith(f"mapping.yaml, {message}")

    def test_a_missing_file_is_named(self, tmp_path):
        with pytest.raises(MappingError, match="mapping file not found: .*nope.yaml"):
            load_mapping_file(tmp_path / "nope.yaml")
