import time

import pycountry
import pytest

from leadledger.capture.normalize import (
    FREE_MAIL_DOMAINS,
    company_domain,
    company_key,
    is_free_mail,
    job_department,
    job_seniority,
    normalize_company,
    normalize_country,
    normalize_email,
    normalize_lead_fields,
    normalize_person_name,
    normalize_phone,
    registrable_domain,
)

LONG = "x" * 10_000


# --- email -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Jane.Doe@ACME.com ", "jane.doe@acme.com"),
        ("jane+tag@acme.io", "jane+tag@acme.io"),
        # A pasted "Name <address>" is unambiguous, so the address is taken, the name dropped.
        ("Jane Doe <Jane@X.com>", "jane@x.com"),
        ('"Doe, Jane" <jane@acme.com>', "jane@acme.com"),
        ("mailto:Jane@Acme.com", "jane@acme.com"),
        # A trailing dot is the end of a sentence (or a root-dot FQDN), never part of the domain.
        ("jane@acme.com.", "jane@acme.com"),
        ("jane@Bücher.DE", "jane@bücher.de"),
        ("jane@xn--bcher-kva.de", "jane@bücher.de"),  # punycode and Unicode give one form
        ("JÖRG@Müller.de", "jörg@müller.de"),
        ("İPEK@örnek.com.tr", "ipek@örnek.com.tr"),  # not "i̇pek" with a combining dot
        ("用户@例子.广告", "用户@例子.广告"),
    ],
)
def test_email_is_normalised(raw, expected):
    assert normalize_email(raw) == expected
    assert normalize_email(expected) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("jane", "must have an @-sign"),
        ("a@@b.com", "invalid characters: '@'"),
        ("a@b@c.com", "invalid characters: '@'"),
        ("@acme.com", "something before the @-sign"),
        ("jane@", "something after the @-sign"),
        ("jane@localhost", "should have a period"),
        ("jane@acme..com", "period"),
        ("a b@acme.com", "SPACE"),
        ("Jane <jane@acme.com", "close angle bracket"),
        ("jane@[192.0.2.1]", "bracketed IP address"),
        (LONG + "@acme.com", "too long"),
    ],
)
def test_unusable_email_is_refused_with_the_reason(raw, reason):
    with pytest.raises(ValueError) as exc:
        normalize_email(raw)
    assert reason in str(exc.value)


def test_email_message_quotes_the_value_and_cuts_a_long_one():
    with pytest.raises(ValueError, match=r"^'a@@b\.com' is not a valid email address"):
        normalize_email("a@@b.com")
    with pytest.raises(ValueError) as exc:
        normalize_email(LONG)
    assert len(str(exc.value)) < 120


# --- phone -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+44 20 7946 0958", None, "+442079460958"),
        ("+44 20 7946 0958", "US", "+442079460958"),  # a written country code wins
        ("(415) 555-2671", "US", "+14155552671"),
        ("415.555.2671", "us", "+14155552671"),
        ("07911 123456", "GB", "+447911123456"),
        ("030 123456", "DE", "+4930123456"),
        ("00 49 30 123456", None, "+4930123456"),
        ("00 49 30 123456", "US", "+4930123456"),  # 00 is read as + even where the IDD is 011
        ("011 44 20 7946 0958", "US", "+442079460958"),
        ("0011 44 20 7946 0958", "AU", "+442079460958"),
        ("tel:+14155552671", None, "+14155552671"),
        ("+1 (415) 555–2671", None, "+14155552671"),  # en dash
        ("(+44) 20 7946 0958", None, "+442079460958"),
        ("＋４４ ２０ ７９４６ ０９５８", None, "+442079460958"),  # full-width
        # The extension is dropped: E.164 has no place for it and the raw value is kept.
        ("+1 415 555 2671 x123", None, "+14155552671"),
        ("+1 415 555 2671 ext. 123", None, "+14155552671"),
        ("(415) 555-2671 #123", "US", "+14155552671"),
        ("+1 415 555 2671;ext=123", None, "+14155552671"),
    ],
)
def test_phone_is_e164(raw, region, expected):
    assert normalize_phone(raw, region) == expected
    assert normalize_phone(expected, None) == expected


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("(415) 555-2671", None, "needs a country code"),
        ("(415) 555-2671", "XX", "needs a country code"),  # an unknown region is no region
        ("(415) 555-2671", "GB", "is not a valid phone number in GB"),
        ("12", "DE", "is not a valid phone number in DE"),
        ("+1 555", None, "is not a valid phone number"),
        ("1-800-FLOWERS", "US", "contains letters"),  # vanity numbers are refused
        ("call me maybe", "US", "contains letters"),
        ("+44 20 7946 0958 x", None, "contains letters"),
        ("+44 20 7946 0958 !!", None, "is not a phone number"),
        ("+", None, "is not a phone number"),
        ("", "US", "empty"),
        ("9" * 10_000, "US", "too long"),
    ],
)
def test_unusable_phone_is_refused_with_the_reason(raw, region, reason):
    with pytest.raises(ValueError) as exc:
        normalize_phone(raw, region)
    assert reason in str(exc.value)


# --- person names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  jane  ", "Jane"),
        ("JOHN O'NEIL", "John O'Neil"),
        ("O’BRIEN", "O’Brien"),
        ("mary-jane mcdonald", "Mary-Jane Mcdonald"),
        ("JOSÉ   GARCÍA", "José García"),
        ("jürgen müller", "Jürgen Müller"),
        ("WEIß", "Weiß"),  # ß has no everyday capital, so this is an all-caps name
        ("İSMAİL", "İsmail"),
        ("ışık", "Işık"),
        # Mixed case is the person's own spelling.
        ("McDonald", "McDonald"),
        ("van der Berg", "van der Berg"),
        ("DeShawn", "DeShawn"),
        ("Jean-luc", "Jean-luc"),
        ("山田　太郎", "山田 太郎"),  # no case to fix; the ideographic space is collapsed
        ("Jose\u0301", "José"),  # decomposed accent stored composed (NFC)
        ("", None),
        ("   ", None),
        (None, None),
        ("a" * 10_000, "A" + "a" * 9_999),
    ],
)
def test_person_name_is_tidied(raw, expected):
    assert normalize_person_name(raw) == expected


@pytest.mark.parametrize("raw", ["1234", "---", "@@ !!"])
def test_name_without_letters_is_refused(raw):
    with pytest.raises(ValueError, match="has no letters"):
        normalize_person_name(raw)


# --- companies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Acme, Inc.", "acme"),
        ("ACME Inc", "acme"),
        ("Acme Incorporated", "acme"),
        ("The Acme Corporation", "acme"),
        ("Acme GmbH & Co. KG", "acme"),
        ("Acme Pty Ltd", "acme"),
        ("Acme Sp. z o.o.", "acme"),
        ("Acme S.p.A.", "acme"),
        ("Acme S.r.l.", "acme"),
        ("Acme B.V.", "acme"),
        ("Acme A/S", "acme"),
        ("Acme K.K.", "acme"),
        ("Acme PLC", "acme"),
        ("ＡＣＭＥ Ｉｎｃ.", "acme"),  # full-width
        ("Tiffany & Co.", "tiffany"),
        ("Procter & Gamble", "procter and gamble"),
        ("AT&T Inc.", "at and t"),
        ("McDonald's Corp", "mcdonalds"),
        ("Société Générale S.A.", "societe generale"),
        ("Müller GmbH", "muller"),
        ("İSTANBUL HOLDİNG A.Ş.", "istanbul holding"),
        ("Acme Holdings Ltd", "acme holdings"),  # "Holdings" is part of the name, not a form
        ("Coca-Cola", "coca cola"),
        ("3M Company", "3m"),
        ("株式会社トヨタ", "株式会社トヨタ"),  # CJK kept; kana marks are not accents
        # The key is never emptied by stripping.
        ("Limited", "limited"),
        ("The Limited", "limited"),
        ("The", "the"),
    ],
)
def test_company_key(raw, expected):
    assert company_key(raw) == expected


@pytest.mark.parametrize(
    "names",
    [
        ("Acme, Inc.", "ACME Inc", "Acme Incorporated", "acme inc.", "The Acme Company"),
        ("Procter & Gamble Co.", "Procter and Gamble", "PROCTER & GAMBLE"),
        ("Société Générale S.A.", "SOCIETE GENERALE SA", "Societe Generale S. A."),
        ("Acme Sp. z o.o.", "ACME SP Z OO", "Acme sp. z o. o."),
    ],
)
def test_spellings_of_one_company_share_a_key(names):
    assert len({company_key(name) for name in names}) == 1


def test_company_display_name_keeps_the_legal_form():
    assert normalize_company("  Acme,   Inc. ") == ("Acme, Inc.", "acme")


@pytest.mark.parametrize(
    ("raw", "reason"), [("", "empty"), ("   ", "empty"), ("!!!", "no letters")]
)
def test_unusable_company_is_refused(raw, reason):
    with pytest.raises(ValueError, match=reason):
        normalize_company(raw)


# --- domains -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.Shop.Example.co.uk/path?x", "example.co.uk"),
        ("example.com", "example.com"),
        ("WWW.EXAMPLE.COM.", "example.com"),
        ("example.com:8080", "example.com"),
        ("http://user:pw@sub.acme.io:8080/x", "acme.io"),
        ("www.acme.com/@team", "acme.com"),  # an @ in a path is not an email
        ("a@mail.example.de", "example.de"),
        ("mailto:jane@acme.com", "acme.com"),
        ("Bücher.de", "bücher.de"),
        ("xn--bcher-kva.de", "bücher.de"),
        ("straße.de", "straße.de"),  # IDNA 2008, as email-validator: ß is not "ss"
        ("пример.рф", "пример.рф"),
        ("acme.github.io", "acme.github.io"),  # a private suffix: one site per customer
        ("co.uk", None),
        ("github.io", None),
        ("localhost", None),
        ("intranet", None),
        ("192.0.2.1", None),
        ("http://192.0.2.1/admin", None),
        ("http://[::1]:8080/", None),
        ("example.notarealtld", None),
        ("", None),
        (None, None),
    ],
)
def test_registrable_domain(value, expected):
    assert registrable_domain(value) == expected


@pytest.mark.parametrize(
    "value", ["not a domain.com", "a..b.com", "exa_mple.com", "-acme.com", "https://", LONG]
)
def test_text_that_is_no_host_name_is_refused(value):
    with pytest.raises(ValueError):
        registrable_domain(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gmail.com", True),
        ("GMail.COM.", True),
        ("jane@yahoo.co.jp", True),
        ("gmx.de", True),
        ("163.com", True),
        ("acme.com", False),
        ("mail.acme.com", False),
        ("", False),
    ],
)
def test_is_free_mail(value, expected):
    assert is_free_mail(value) is expected


def test_free_mail_domains_are_registrable_domains():
    assert len(FREE_MAIL_DOMAINS) >= 60
    assert all(registrable_domain(domain) == domain for domain in FREE_MAIL_DOMAINS)


@pytest.mark.parametrize(
    ("email", "website", "expected"),
    [
        ("jane@acme.com", None, "acme.com"),
        ("jane@mail.acme.de", None, "acme.de"),
        ("jane@gmail.com", None, None),
        ("jane@gmail.com", "https://www.acme.co.uk", "acme.co.uk"),
        ("jane@acme.com", "https://shop.other.io", "other.io"),  # the website is preferred
        ("jane@acme.com", "https://www.linkedin.com/company/acme", "acme.com"),
        (None, "linkedin.com/company/acme", None),
        ("jane@acme.com", "not a url", "acme.com"),
        ("jane@acme.com", "localhost", "acme.com"),
        ("jane@gmail.com", "gmail.com", None),
        (None, None, None),
    ],
)
def test_company_domain(email, website, expected):
    assert company_domain(email, website) == expected


# --- countries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("gb", "GB"),
        (" GBR ", "GB"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("U.K.", "GB"),
        ("Great Britain", "GB"),
        ("England", "GB"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("united   states", "US"),
        ("United States of America", "US"),
        ("Deutschland", "DE"),
        ("GERMANY", "DE"),
        ("South Korea", "KR"),
        ("Korea, Republic of", "KR"),
        ("Russia", "RU"),
        ("Holland", "NL"),
        ("The Netherlands", "NL"),
        ("Czech Republic", "CZ"),
        ("czechia", "CZ"),
        ("Ivory Coast", "CI"),
        ("Côte d'Ivoire", "CI"),
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("TÜRKİYE", "TR"),
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
        ("日本", "JP"),
    ],
)
def test_country_is_alpha_2(raw, expected):
    assert normalize_country(raw) == expected


@pytest.mark.parametrize("raw", ["", "Atlantis", "XX", "ZZZ", "Europe", LONG])
def test_unknown_country_is_refused(raw):
    with pytest.raises(ValueError):
        normalize_country(raw)


def test_every_iso_country_reads_by_its_codes_and_name():
    for country in pycountry.countries:
        for value in (country.alpha_2, country.alpha_3, country.name):
            assert normalize_country(value) == country.alpha_2, value


# --- job titles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "seniority", "department"),
    [
        ("CEO", "c_level", "executive"),
        ("Chief Executive Officer", "c_level", "executive"),
        ("CFO", "c_level", "finance"),
        ("CTO", "c_level", "engineering"),
        ("CMO", "c_level", "marketing"),
        ("CRO", "c_level", "sales"),
        ("COO", "c_level", "operations"),
        ("CIO", "c_level", "it"),
        ("CISO", "c_level", "it"),
        ("Chief Technology & Innovation Officer", "c_level", "engineering"),
        ("Geschäftsführer", "c_level", "executive"),
        ("Gérant", "c_level", "executive"),
        ("Directeur Général", "c_level", "executive"),
        ("President & CEO", "c_level", "executive"),
        ("Assistant to the CEO", "individual_contributor", "executive"),
        ("Executive Assistant to the CFO", "individual_contributor", "finance"),
        ("Founder & CEO", "owner", "executive"),
        ("Co-Founder", "owner", "executive"),
        ("Owner", "owner", "executive"),
        ("Managing Partner", "owner", "executive"),
        ("Partner", "owner", "executive"),
        ("Partner Manager", "manager", "sales"),
        ("HR Business Partner", "individual_contributor", "hr"),
        ("Product Owner", "individual_contributor", "product"),
        ("Vice President of Sales", "vp", "sales"),
        ("SVP, Marketing", "vp", "marketing"),
        ("EVP Operations", "vp", "operations"),
        ("AVP, Finance", "vp", "finance"),
        ("Vice-Présidente Marketing", "vp", "marketing"),
        ("Head of Marketing", "director", "marketing"),
        ("Sr. Dir. of Engineering", "director", "engineering"),
        ("Directeur Commercial", "director", "sales"),
        ("Chief of Staff", "director", "executive"),
        ("Key Account Mgr.", "manager", "sales"),
        ("Customer Success Manager", "manager", "customer_success"),
        ("Product Marketing Manager", "manager", "marketing"),
        ("Team Lead, Backend", "manager", "engineering"),
        ("Procurement Manager", "manager", "procurement"),
        ("Senior Software Engineer", "individual_contributor", "engineering"),
        ("Lead Engineer", "individual_contributor", "engineering"),
        ("Sales Development Representative", "individual_contributor", "sales"),
        ("Account Executive", "individual_contributor", "sales"),
        ("Jr. Accountant", "individual_contributor", "finance"),
        ("IT Support Specialist", "individual_contributor", "it"),
        ("Technical Support Engineer", "individual_contributor", "customer_success"),
        ("General Counsel", "c_level", "legal"),
        ("Talent Acquisition Partner", "individual_contributor", "hr"),
        ("Internal Auditor", "individual_contributor", "finance"),  # "intern" is a whole word
        ("Marketing Intern", "student", "marketing"),
        ("Werkstudent Vertrieb", "student", "sales"),
        ("Student", "student", "other"),
        ("Barista", "individual_contributor", "other"),
    ],
)
def test_job_title_is_classified(title, seniority, department):
    assert (job_seniority(title), job_department(title)) == (seniority, department)


@pytest.mark.parametrize("title", [None, "", "   "])
def test_empty_title_has_no_seniority_or_department(title):
    assert job_seniority(title) is None
    assert job_department(title) is None


# --- a whole lead ------------------------------------------------------------------------------


def test_a_complete_lead_is_normalised():
    raw = {
        "first_name": " JANE ",
        "last_name": "o'neil",
        "email": "Jane.ONeil@Acme.co.uk",
        "phone": "020 7946 0958",
        "company": "Acme  Ltd.",
        "website": "https://www.acme.co.uk/about",
        "country": "United Kingdom",
        "title": " Head of  Sales ",
    }
    assert normalize_lead_fields(raw, default_region="US") == (
        {
            "first_name": "Jane",
            "last_name": "O'Neil",
            "email": "jane.oneil@acme.co.uk",
            "phone": "+442079460958",  # read in the lead's country, not the default region
            "company_name": "Acme Ltd.",
            "company_key": "acme",
            "domain": "acme.co.uk",
            "country": "GB",
            "title": "Head of Sales",
            "seniority": "director",
            "department": "sales",
        },
        {},
    )


def test_one_bad_field_does_not_stop_the_others():
    values, problems = normalize_lead_fields(
        {"email": "jane@gmail.com", "phone": "12345", "company": "Acme", "country": "Atlantis"},
        default_region=None,
    )
    assert values == {"email": "jane@gmail.com", "company_name": "Acme", "company_key": "acme"}
    assert set(problems) == {"phone", "country"}
    assert "needs a country code" in problems["phone"]


def test_a_website_without_a_registrable_domain_is_flagged_and_the_email_used():
    values, problems = normalize_lead_fields(
        {"email": "jane@acme.de", "website": "http://localhost:8000"}, default_region="DE"
    )
    assert values == {"email": "jane@acme.de", "domain": "acme.de"}
    assert "no registrable domain" in problems["website"]


def test_missing_blank_and_unknown_fields_give_nothing():
    raw = {"first_name": None, "email": "   ", "utm_source": "ads"}
    assert normalize_lead_fields(raw, default_region="GB") == ({}, {})


def test_a_value_that_is_not_text_is_a_problem():
    _, problems = normalize_lead_fields({"phone": 4155552671}, default_region="US")
    assert problems == {"phone": "must be text, not int"}


def test_ten_thousand_character_values_are_refused_or_kept_quickly():
    raw = dict.fromkeys(
        ("first_name", "last_name", "email", "phone", "company", "website", "country", "title"),
        "Ab " * 3_333 + "x",
    )
    started = time.perf_counter()
    values, problems = normalize_lead_fields(raw, default_region="GB")
    assert time.perf_counter() - started < 2.0
    assert set(problems) == {"email", "phone", "website", "country"}
    assert set(values) == {
        "first_name",
        "last_name",
        "company_name",
        "company_key",
        "title",
        "seniority",
        "department",
    }
    assert all(len(message) < 200 for message in problems.values())
