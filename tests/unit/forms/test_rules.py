"""The pure rules of web forms: reading leadledger, Salesforce Web-to-Lead and HubSpot posts,
the allow-list, required fields, redirects, and what a form may be configured to collect."""

import pytest

from leadledger.core.errors import InvalidInput
from leadledger.forms import pages
from leadledger.forms.rules import (
    Post,
    apply_form,
    check_fields,
    check_redirect,
    read_post,
    redirect_target,
    utm_of,
)

# --- reading a post ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "values"),
    [
        # leadledger's own names are read as they are
        (
            {"first_name": "Jane", "email": "j@acme.com", "company_name": "Acme"},
            {"first_name": "Jane", "email": "j@acme.com", "company_name": "Acme"},
        ),
        (
            {"consent_source": "form:x", "website": "acme.com"},
            {"consent_source": "form:x", "website": "acme.com"},
        ),
        ({"custom.budget": "50k"}, {"custom.budget": "50k"}),
        # Salesforce Web-to-Lead
        (
            {"first_name": "Jane", "last_name": "Doe", "company": "Acme", "title": "CTO"},
            {"first_name": "Jane", "last_name": "Doe", "company_name": "Acme", "title": "CTO"},
        ),
        ({"URL": "https://acme.com"}, {"website": "https://acme.com"}),
        (
            {"city": "Leeds", "state": "WY", "zip": "LS1"},
            {"custom.city": "Leeds", "custom.state": "WY", "custom.zip": "LS1"},
        ),
        ({"description": "demo please"}, {"custom.description": "demo please"}),
        ({"00N5e00000AbCdE": "Gold"}, {"custom.00N5e00000AbCdE": "Gold"}),
        (
            {"00N5e00000AbCdEFGH": "18-character id"},
            {"custom.00N5e00000AbCdEFGH": "18-character id"},
        ),
        ({"mobile": "+44 7700 900123"}, {"phone": "+44 7700 900123"}),
        (
            {"phone": "+44 20 7946 0000", "mobile": "+44 7700 900123"},
            {"phone": "+44 20 7946 0000", "custom.mobile": "+44 7700 900123"},
        ),
        # HubSpot names
        (
            {"firstname": "Jane", "lastname": "Doe", "jobtitle": "CMO", "mobilephone": "+1 555"},
            {"first_name": "Jane", "last_name": "Doe", "title": "CMO", "phone": "+1 555"},
        ),
        (
            {"message": "hi", "address": "1 Main St"},
            {"custom.message": "hi", "custom.street": "1 Main St"},
        ),
        # plumbing, server-decided fields and unknown names are dropped
        (
            {
                "oid": "00D",
                "debug": "1",
                "debugEmail": "a@b.c",
                "encoding": "UTF-8",
                "email": "a@b.io",
            },
            {"email": "a@b.io"},
        ),
        ({"Campaign_ID": "701", "recordType": "012", "email": "a@b.io"}, {"email": "a@b.io"}),
        ({"owner_id": "3", "program": "p", "stage": "sql", "creating_team_id": "2"}, {}),
        ({"shoe_size": "44", "custom.": "x", "custom.a b": "x"}, {}),
        # blanks are absent; text is trimmed; numbers are text
        ({"first_name": "   ", "email": " a@b.io "}, {"email": "a@b.io"}),
        ({"custom.employees": 250}, {"custom.employees": "250"}),
        ({"email": None}, {}),
    ],
)
def test_posted_names_are_read_into_leadledgers(posted, values):
    assert read_post(posted).values == values


def test_context_fields_are_kept_apart():
    post = read_post({"email": "a@b.io", "lead_source": "Web", "retURL": "https://acme.com/ty"})
    assert post.context == {"lead_source": "Web"}
    assert post.return_url == "https://acme.com/ty"
    assert post.values == {"email": "a@b.io"}


def test_utm_fields_are_always_read():
    post = read_post({"utm_source": "google", "utm_campaign": " q4 ", "utm_other": "x"})
    assert post.utm == {"utm_source": "google", "utm_campaign": "q4"}


def test_a_long_utm_value_is_cut_not_refused():
    assert len(read_post({"utm_content": "x" * 500}).utm["utm_content"]) == 200


@pytest.mark.parametrize(
    ("posted", "honeypot"),
    [({"ll_website": "http://spam"}, True), ({"ll_website": ""}, False), ({}, False)],
)
def test_the_honeypot(posted, honeypot):
    assert read_post({"email": "a@b.io"} | posted).honeypot is honeypot


def test_the_honeypot_is_never_a_value():
    assert "ll_website" not in read_post({"ll_website": "x"}).values


@pytest.mark.parametrize(
    ("posted", "loc"),
    [
        ({"first_name": {"a": 1}}, ["body", "first_name"]),
        ({"email": ["a@b.io"]}, ["body", "email"]),
        ({"custom": "budget"}, ["body", "custom"]),
        ({"fields": ["email"]}, ["body", "fields", 0]),
        ({"fields": [{"value": "x"}]}, ["body", "fields", 0]),
        ({"fields": [], "context": "page"}, ["body", "context"]),
    ],
)
def test_a_value_that_is_not_text_is_refused_by_its_place(posted, loc):
    with pytest.raises(InvalidInput) as refused:
        read_post(posted)
    assert refused.value.loc == loc


def test_leadledgers_json_custom_object_is_read():
    assert read_post({"custom": {"budget": "50k"}}).values == {"custom.budget": "50k"}


HUBSPOT = {
    "fields": [
        {"objectTypeId": "0-1", "name": "firstname", "value": "Jane"},
        {"objectTypeId": "0-1", "name": "email", "value": "jane@acme.com"},
        {"objectTypeId": "0-1", "name": "company", "value": "Acme"},
        {"objectTypeId": "0-1", "name": "utm_campaign", "value": "from-field"},
    ],
    "context": {
        "hutk": "cookie",
        "ipAddress": "192.0.2.1",
        "pageUri": "https://acme.com/p?utm_source=google&utm_medium=cpc&utm_campaign=page&x=1",
        "pageName": "Pricing",
    },
}


def test_a_hubspot_submission_is_read():
    post = read_post(HUBSPOT)
    assert post.values == {"first_name": "Jane", "email": "jane@acme.com", "company_name": "Acme"}
    assert post.context == {
        "page_uri": HUBSPOT["context"]["pageUri"],
        "page_name": "Pricing",
    }
    # a utm field sent with the post wins over the page's
    assert post.utm == {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "from-field"}


def test_hutk_and_the_claimed_ip_address_are_dropped():
    post = read_post(HUBSPOT)
    assert "cookie" not in repr(post) and "192.0.2.1" not in repr(post)


@pytest.mark.parametrize(
    ("page", "utm"),
    [
        (None, {}),
        ("", {}),
        ("https://acme.com/", {}),
        ("https://acme.com/?utm_term=crm+software", {"utm_term": "crm software"}),
        ("https://acme.com/?utm_content=&utm_source=x", {"utm_source": "x"}),
        ("not a url at all", {}),
    ],
)
def test_utm_of_a_page_address(page, utm):
    assert utm_of(page) == utm


# --- what the form keeps -------------------------------------------------------------------


def test_fields_off_the_allow_list_are_dropped_and_custom_nested():
    post = Post(
        values={"email": "a@b.io", "title": "CEO", "custom.budget": "5k", "custom.x": "y"},
        context={"page_name": "Home"},
    )
    assert apply_form(post, ["email", "custom.budget"], []) == {
        "email": "a@b.io",
        "custom": {"budget": "5k", "page_name": "Home"},
    }


def test_a_missing_required_field_is_named():
    post = Post(values={"email": "a@b.io"})
    with pytest.raises(InvalidInput) as refused:
        apply_form(post, ["email", "company_name"], ["email", "company_name"])
    assert refused.value.loc == ["body", "company_name"]
    assert "company_name" in refused.value.message


def test_a_required_field_sent_but_not_allowed_still_counts_as_missing():
    with pytest.raises(InvalidInput):
        apply_form(Post(values={"phone": "1"}), ["email"], ["email"])


# --- configuring a form --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "required", "loc", "words"),
    [
        ([], [], ["body", "fields"], "at least one"),
        (["email", "owner_id"], [], ["body", "fields"], "owner_id"),
        (["email", "program"], [], ["body", "fields"], "program"),
        (["email", "stage"], [], ["body", "fields"], "stage"),
        (["email", "creating_team_id"], [], ["body", "fields"], "creating_team_id"),
        (["email", "account_id"], [], ["body", "fields"], "account_id"),
        (["email", "shoe_size"], [], ["body", "fields"], "shoe_size"),
        (["email", "custom.a-b"], [], ["body", "fields"], "custom.a-b"),
        (["first_name", "title"], [], ["body", "fields"], "email or phone"),
        (["email"], ["phone"], ["body", "required"], "phone"),
    ],
)
def test_a_form_collects_only_person_fields(fields, required, loc, words):
    with pytest.raises(InvalidInput) as refused:
        check_fields(fields, required)
    assert refused.value.loc == loc
    assert words in refused.value.message


def test_repeated_fields_are_kept_once_in_order():
    assert check_fields(["email", "phone", "email"], ["email", "email"]) == (
        ["email", "phone"],
        ["email"],
    )


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://acme.com", "/thanks", "https://", "https://a.com/\nx"]
)
def test_a_redirect_must_be_a_web_address(url):
    with pytest.raises(InvalidInput) as refused:
        check_redirect(url)
    assert refused.value.loc == ["body", "redirect_url"]


@pytest.mark.parametrize(
    ("return_url", "configured", "target"),
    [
        (None, None, None),
        ("https://acme.com/ty", None, None),  # no redirect configured: never an open redirect
        (None, "https://acme.com/thanks", "https://acme.com/thanks"),
        ("https://acme.com/ty?x=1", "https://acme.com/thanks", "https://acme.com/ty?x=1"),
        ("http://acme.com/ty", "https://acme.com/thanks", "http://acme.com/ty"),
        ("https://evil.example/ty", "https://acme.com/thanks", "https://acme.com/thanks"),
        ("https://acme.com.evil.example/", "https://acme.com/thanks", "https://acme.com/thanks"),
        ("//evil.example/x", "https://acme.com/thanks", "https://acme.com/thanks"),
        ("javascript://acme.com/%0aalert(1)", "https://acme.com/t", "https://acme.com/t"),
        ("https://[broken/", "https://acme.com/thanks", "https://acme.com/thanks"),
    ],
)
def test_where_a_browser_goes(return_url, configured, target):
    assert redirect_target(return_url, configured) == target


# --- the snippet ---------------------------------------------------------------------------


def test_the_snippet_escapes_and_hides_the_honeypot():
    html = pages.form_html(
        name="contact",
        fields=["email", "custom.team_size", "consent_source"],
        required=["email"],
        action='https://leads.acme.com/f/k"><script>',
    )
    assert "<script>" not in html
    assert 'action="https://leads.acme.com/f/k&quot;&gt;&lt;script&gt;"' in html
    assert '<label for="ll-contact-custom-team_size">Team size</label>' in html
    assert 'type="checkbox" name="consent_source"' in html
    assert 'name="ll_website" value="" tabindex="-1" autocomplete="off"' in html
    assert html.count("required") == 1
