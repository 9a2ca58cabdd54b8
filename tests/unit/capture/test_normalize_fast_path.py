"""The fast and remembered paths of ``capture.normalize`` give exactly what the libraries give.

Each reference below calls email-validator, phonenumbers, idna and tldextract the plain way
(no fast path, no cache, one value at a time). Thousands of generated values, with the edge
cases that decide a path (case, IDN, quoting, trailing dots, special-use and numeric
top-level domains, length limits), must come out the same, or fail with the same message,
from a cold cache and again from a warm one.
"""

import random

import email_validator
import idna
import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email

from leadledger.capture import normalize
from leadledger.capture.normalize import (
    _EXTENSION,
    _EXTRACT,
    _IDD_00,
    _LDH_LABEL,
    _LETTER,
    _MAILTO,
    _PHONE_CHARS,
    _PROFILE_SITES,
    _TEL,
    FREE_MAIL_DOMAINS,
    _host,
    _lower,
    _quote,
    _too_long,
    company_domain,
    normalize_email,
    normalize_lead_fields,
    normalize_phone,
    registrable_domain,
)

# --- references: the libraries called directly ------------------------------------------------


def reference_email(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise ValueError("email address is empty")
    _too_long(text, "an email address")
    text = _MAILTO.sub("", text).rstrip(".")
    try:
        info = validate_email(text, check_deliverability=False, allow_display_name=True)
        local, _, domain = info.normalized.rpartition("@")
        lowered = f"{_lower(local)}@{domain}"
        if lowered != info.normalized:
            info = validate_email(lowered, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{_quote(raw.strip())} is not a valid email address: {exc}") from exc
    return info.normalized


def _reference_parse(number: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None


def reference_phone(raw: str, default_region: str | None) -> str:
    text = raw.strip()
    if not text:
        raise ValueError("phone number is empty")
    if len(text) > 100:
        raise ValueError(f"{_quote(text)} is too long to be a phone number")
    number = _EXTENSION.sub("", _TEL.sub("", text))
    if _LETTER.search(number):
        raise ValueError(f"{_quote(text)} contains letters; give the number in digits")
    if not _PHONE_CHARS.fullmatch(number) or not any(ch.isdigit() for ch in number):
        raise ValueError(f"{_quote(text)} is not a phone number")
    region = (default_region or "").upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        region = None
    international = number.lstrip(" (").startswith(("+", "\uff0b"))
    if region is None and not international and not _IDD_00.match(number):
        raise ValueError(
            f"{_quote(text)} needs a country code: start it with + (e.g. +44 20 7946 0958)"
        )
    parsed = _reference_parse(number, region)
    if (parsed is None or not phonenumbers.is_valid_number(parsed)) and _IDD_00.match(number):
        parsed = _reference_parse(_IDD_00.sub("+", number), region) or parsed
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        where = "" if international or region is None else f" in {region}"
        raise ValueError(f"{_quote(text)} is not a valid phone number{where}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def reference_registrable_domain(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    _too_long(text, "a website")
    host = _host(text)
    if host is None:
        return None
    if not host:
        raise ValueError(f"{_quote(text)} is not a website or email address")
    try:
        import ipaddress

        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    try:
        mapped = idna.uts46_remap(host, std3_rules=True, transitional=False)
        ascii_host = idna.encode(mapped).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValueError(f"{_quote(text)} is not a valid domain name") from exc
    if not all(_LDH_LABEL.fullmatch(label) for label in ascii_host.split(".")):
        raise ValueError(f"{_quote(text)} is not a valid domain name")
    found = _EXTRACT(ascii_host).top_domain_under_public_suffix
    return idna.decode(found) if found else None


def reference_company_domain(email: str | None, website: str | None) -> str | None:
    for value in (website, email):
        try:
            found = reference_registrable_domain(value)
        except ValueError:
            continue
        if found and found not in FREE_MAIL_DOMAINS and found not in _PROFILE_SITES:
            return found
    return None


def outcome(fn, *args):
    """What a call gives: its value, or the type, message and cause type of its error."""
    try:
        return ("value", fn(*args))
    except ValueError as exc:
        return ("error", type(exc), str(exc), type(exc.__cause__))


def assert_same(fn, reference, cases, *, cold=True):
    """``fn`` agrees with ``reference`` on every case, from a cold cache and a warm one."""
    if cold:
        normalize._clear_caches()
    expected = [outcome(reference, *case) for case in cases]
    for attempt in ("cold", "warm"):
        got = [outcome(fn, *case) for case in cases]
        differing = [(c, g, e) for c, g, e in zip(cases, got, expected, strict=True) if g != e]
        assert not differing, (attempt, differing[:5])


# --- generated values --------------------------------------------------------------------------

LOCALS = [
    "jane", "Jane.Doe", "JANE", "j.o.e", "jane+tag", "o'neil", "a_b-c", "x", "POSTMASTER",
    "Abuse", "user{1}", "#!$%&'*+-/=?^_`{|}~", "a" * 64, "A" * 65, ".jane", "jane.", "ja..ne",
    "", "jane doe", "jane@doe", "Jörg", "İPEK", "用户", "ÄÖÜ.x", '"jane doe"', '"jane"', '"a@b"',
    '"ja\\"ne"', "jane\u00a0", "ja\u0301ne", "(comment)jane", "jane;", "jane,doe", "[x]",
]  # fmt: skip
DOMAINS = [
    "acme.com", "ACME.COM", "Mail.Acme.co.uk", "acme.io", "a.b.c.d.acme.de", "gmail.com",
    "GMail.Com", "acme-corp.com", "a1.io", "bücher.de", "Bücher.DE", "xn--bcher-kva.de",
    "XN--BCHER-KVA.DE", "例子.广告", "straße.de", "xn--strae-oqa.de", "пример.рф",
    "example.local", "printer.local", "localhost", "mail.test", "test", "x.invalid", "home.arpa",
    "abc.onion", "example.com", "mail.example", "acme.123", "acme.c0m", "1.2.3.4",
    "[192.0.2.1]", "[IPv6:2001:db8::1]", "acme", "acme..com", ".acme.com", "-acme.com",
    "acme-.com", "ac_me.com", "ab--cd.com", "xn--zz.com", "xn--.com", "acme.com.",
    "acme.com..", "a" * 63 + ".com", "a" * 64 + ".com", "xn--4dbc.1.com", "1.xn--4dbc.com",
    "ａｃｍｅ.com", "acme。com", "acme .com", "acme.com\u200b", "-", "",
]  # fmt: skip
USUAL_DOMAINS = DOMAINS[: DOMAINS.index("пример.рф") + 1]  # the valid ones
DISPLAY_NAMES = ["Jane Doe ", "Jane", "O'Neil-Smith ", "", '"Doe, Jane" ', "Jörg Müller ",
                 "Jane. Doe ", "J@ne ", "  Jane   "]  # fmt: skip


def long_domain(rng: random.Random) -> str:
    """A domain near the 253-octet limit, with labels near the 63-octet one."""
    labels = []
    target = rng.randrange(150, 260)
    while sum(len(label) + 1 for label in labels) < target - 4:
        labels.append("".join(rng.choice("abcdefghij0-") for _ in range(rng.randrange(1, 64))))
    labels = [label.strip("-") or "a" for label in labels]
    return ".".join([*labels, rng.choice(["com", "co.uk", "de", "io"])])


def random_local(rng: random.Random, *, clean: bool) -> str:
    """A local part of 1-19 or 55-74 characters: ``clean`` ones are mostly valid dot-atoms."""
    alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    chars = alnum + "._+-" + ("" if clean else "'!#%/=?~é\" @")
    weights = [30] * len(alnum) + [3, 2, 2, 2] + [1] * (len(chars) - len(alnum) - 4)
    length = rng.choice([rng.randrange(1, 20), rng.randrange(55, 75)])
    local = "".join(rng.choices(chars, weights=weights, k=length))
    return local.strip(".") or "x" if clean else local


def make_emails(n: int, seed: int) -> list[tuple[str]]:
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        pick = rng.random()
        local = rng.choice(LOCALS) if pick < 0.4 else random_local(rng, clean=pick < 0.8)
        pick = rng.random()
        domain = (
            rng.choice(USUAL_DOMAINS)
            if pick < 0.45
            else rng.choice(DOMAINS)
            if pick < 0.85
            else long_domain(rng)
        )
        address = f"{local}@{domain}"
        shape = rng.random()
        if shape < 0.15:
            address = f"{rng.choice(DISPLAY_NAMES)}<{address}>"
        elif shape < 0.2:
            address = rng.choice(["mailto:", "MAILTO:", "mailto: "]) + address
        elif shape < 0.25:
            address += rng.choice([".", "..", " ", ". "])
        elif shape < 0.3:
            address = address.upper()
        elif shape < 0.33:
            address = f"  {address}\t"
        elif shape < 0.35:
            address = rng.choice(["", " ", "jane", "@acme.com", "jane@", "a@b@c.com", "<a@b.com"])
        cases.append((address,))
    return cases


def make_phones(n: int, seed: int) -> list[tuple[str, str | None]]:
    rng = random.Random(seed)
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    formats = [
        phonenumbers.PhoneNumberFormat.E164,
        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        phonenumbers.PhoneNumberFormat.NATIONAL,
        phonenumbers.PhoneNumberFormat.RFC3966,
    ]
    cases = []
    for _ in range(n):
        region = rng.choice(regions[:40] + ["US", "GB", "DE", "FR", "IT", "AU", "CA", "JP"])
        kind = rng.choice(list(range(11)))
        example = phonenumbers.example_number_for_type(region, kind)
        example = example or phonenumbers.example_number(region)
        digits = list(str(example.national_number))
        for _ in range(rng.randrange(0, 3)):  # mutate: often still valid, sometimes not
            digits[rng.randrange(len(digits))] = str(rng.randrange(10))
        if rng.random() < 0.05:
            digits = digits[: rng.randrange(1, len(digits) + 1)]
        number = phonenumbers.PhoneNumber(
            country_code=example.country_code,
            national_number=int("".join(digits)),
            italian_leading_zero=example.italian_leading_zero,
        )
        text = phonenumbers.format_number(number, rng.choice(formats))
        shape = rng.random()
        if shape < 0.1:
            text = text.replace("+", "00", 1)
        elif shape < 0.15:
            text = text.replace("+", "011 ", 1)
        elif shape < 0.25:
            text += rng.choice([" x123", " ext. 12", "#9", ";ext=7", " x", " !!"])
        elif shape < 0.3:
            text = text.replace(" ", rng.choice(["-", ".", "\u2013", "", "  "]))
        elif shape < 0.33:
            text = text.translate(str.maketrans("0123456789+", "０１２３４５６７８９＋"))
        elif shape < 0.36:
            text = rng.choice(["12", "+", "call me", "1-800-FLOWERS", "", "  ", "9" * 120])
        given_region = rng.choice([region, region, region.lower(), None, "XX", "", "US", "GB"])
        cases.append((text, given_region))
    return cases


def make_websites(n: int, seed: int) -> list[tuple[str | None]]:
    rng = random.Random(seed)
    hosts = [
        *DOMAINS, "www.acme.co.uk", "shop.acme.github.io", "github.io", "co.uk", "192.0.2.1",
        "[::1]", "10.0.0.1", "intranet", "linkedin.com", "WWW.EXAMPLE.COM.",
    ]  # fmt: skip
    cases: list[tuple[str | None]] = []
    for _ in range(n):
        host = rng.choice(hosts) if rng.random() < 0.9 else long_domain(rng)
        value = rng.choice(["", "", "https://", "http://", "HTTPS://www.", "ftp://", "//"]) + host
        value += rng.choice(["", "", ":8080", "/path?x=1", "/@team", "#top", "/"])
        shape = rng.random()
        if shape < 0.1:
            value = f"jane@{host}"
        elif shape < 0.15:
            value = f"http://user:pw@{host}/x"
        elif shape < 0.2:
            value = rng.choice(["", "  ", "not a url", "https://", "a b.com", None])
        cases.append((value,))
    return cases


# --- tests -------------------------------------------------------------------------------------


def test_email_fast_path_gives_what_email_validator_gives():
    assert_same(normalize_email, reference_email, make_emails(3_000, seed=1))


def test_email_length_limits_are_checked_on_every_form():
    # Punycode can be much shorter than the UTF-8 of the Unicode form it stands for: an address
    # may fit in ASCII and be too long once normalised.
    cjk = "xn--fsqaaaaaaaaaaaaaaaaaaa"  # twenty times 例: 26 characters, 60 octets in UTF-8
    domains = [f"{cjk}.{cjk}.{cjk}.{cjk}.com", f"{cjk}.{cjk}.{cjk}.com", "a" * 60 + ".b" * 90]
    cases = [(f"{'J' * size}@{domain}",) for domain in domains for size in range(1, 70)]
    assert_same(normalize_email, reference_email, cases)


def test_email_cache_follows_email_validators_settings(monkeypatch):
    cases = [
        ("jane@mail.test",),
        ("Jane@Test",),
        ("jane@printer.local",),
        ("jane@acme.com",),
        (f"{'J' * 65}@acme.com",),
    ]
    # Each setting is changed with the cache warm, in the direction that refuses more: a
    # domain remembered as valid must not be taken on trust under stricter settings.
    monkeypatch.setattr(email_validator, "SPECIAL_USE_DOMAIN_NAMES", ["arpa"])
    monkeypatch.setattr(email_validator, "TEST_ENVIRONMENT", True)
    assert_same(normalize_email, reference_email, cases)
    assert normalize_email("Jane@Printer.Local") == "jane@printer.local"
    monkeypatch.setattr(email_validator, "TEST_ENVIRONMENT", False)
    assert_same(normalize_email, reference_email, cases, cold=False)
    monkeypatch.setattr(email_validator, "SPECIAL_USE_DOMAIN_NAMES", ["arpa", "local", "test"])
    assert_same(normalize_email, reference_email, cases, cold=False)
    with pytest.raises(ValueError, match="special-use"):
        normalize_email("Jane@Printer.Local")
    monkeypatch.setattr(email_validator, "STRICT", True)  # refuses local parts over 64
    assert_same(normalize_email, reference_email, cases, cold=False)


def test_phone_gives_what_phonenumbers_gives():
    assert_same(normalize_phone, reference_phone, make_phones(2_000, seed=2))


def test_registrable_domain_gives_what_idna_and_tldextract_give():
    assert_same(registrable_domain, reference_registrable_domain, make_websites(2_000, seed=3))


def test_company_domain_gives_what_the_references_give():
    rng = random.Random(4)
    websites = [case[0] for case in make_websites(500, seed=5)]
    emails = [case[0] for case in make_emails(500, seed=6)]
    cases = [(rng.choice(emails), rng.choice(websites)) for _ in range(1_000)]
    assert_same(company_domain, reference_company_domain, cases)


@pytest.mark.parametrize(
    ("fn", "uncached", "values"),
    [
        (
            normalize.normalize_person_name,
            normalize._person_name.__wrapped__,
            ["jane", "JANE", "", "  ", "1234", "O’BRIEN", "İSMAİL", "a" * 300],
        ),
        (
            normalize.normalize_company,
            normalize.normalize_company.__wrapped__,
            ["Acme, Inc.", "", "!!!", "ＡＣＭＥ Ｉｎｃ.", "x" * 300],
        ),
        (
            normalize.company_key,
            normalize.company_key.__wrapped__,
            ["Acme GmbH & Co. KG", "The", "!!!", "Limited"],
        ),
        (
            normalize.normalize_country,
            normalize.normalize_country.__wrapped__,
            ["gb", " GBR ", "Atlantis", "", "TÜRKİYE", "x" * 300],
        ),
        (
            normalize._title_fields,
            normalize._classify_title.__wrapped__,
            ["CEO", " Head of  Sales ", "", "Barista", "Ab " * 200],
        ),
    ],
)
def test_remembered_rules_give_what_they_give_uncached(fn, uncached, values):
    assert_same(fn, uncached, [(value,) for value in values * 2])


def reference_lead(raw, default_region):
    """A lead's country, email, phone and domain, and their problems, as the original
    ``normalize_lead_fields`` worked them out, here from the references."""
    problems = {}

    def attempt(field, fn, *args):
        value = raw.get(field)
        if value is None or not value.strip():
            return None
        result = outcome(fn, value, *args)
        if result[0] == "error":
            problems[field] = result[2]
            return None
        return result[1]

    country = attempt("country", normalize.normalize_country.__wrapped__)
    email = attempt("email", reference_email)
    phone = attempt("phone", reference_phone, country or default_region)
    website = raw.get("website")
    if attempt("website", reference_registrable_domain) is None and website and website.strip():
        problems.setdefault(
            "website",
            f"{_quote(website.strip())} has no registrable domain "
            "(an IP address, a local name or a bare public suffix)",
        )
    domain = reference_company_domain(email, None if "website" in problems else website)
    found = {"country": country, "email": email, "phone": phone, "domain": domain}
    return {key: value for key, value in found.items() if value is not None}, problems


def test_a_lead_gets_the_country_email_phone_and_domain_the_references_give():
    rng = random.Random(7)
    emails = [case[0] for case in make_emails(800, seed=8)]
    phones = [case[0] for case in make_phones(800, seed=9)]
    websites = [case[0] for case in make_websites(800, seed=10)]
    countries = ["United Kingdom", "DE", "usa", "Atlantis", None, "  ", "France", "JP"]
    rows = [
        {
            "email": rng.choice(emails),
            "phone": rng.choice(phones),
            "website": rng.choice(websites),
            "country": rng.choice(countries),
        }
        for _ in range(800)
    ]
    regions = [rng.choice(["US", "GB", None]) for _ in rows]
    normalize._clear_caches()
    for attempt in ("cold", "warm"):
        for row, region in zip(rows, regions, strict=True):
            assert normalize_lead_fields(row, default_region=region) == reference_lead(
                row, region
            ), (attempt, row)
