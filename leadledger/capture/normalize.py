"""Pure normalisation rules for captured lead fields.

Every function takes raw text as typed into a form, an import file or an API call and returns
one canonical form, or raises ``ValueError`` with a message a person can act on. No database,
settings, clock or network: the public suffix list is tldextract's bundled snapshot.

Bulk imports call these a million times, so whatever depends only on a short value that real
files repeat (a domain, a host, a company, a country, a title, a first name) is worked out once
and remembered in a bounded cache; a result never depends on whether it came from a cache.
"""

# Annotations are not evaluated at run time, so that the helpers nested in
# normalize_lead_fields cost nothing to define for each row.
from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache, wraps
from typing import Any, TypeVar

import email_validator
import idna
import phonenumbers
import pycountry
import tldextract
from email_validator import EmailNotValidError, validate_email

# No URLs and no cache directory: tldextract then uses the snapshot shipped in the package and
# never downloads the list. Private suffixes (github.io, myshopify.com) count, so that two
# customers hosted on one platform do not share a company domain.
_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)

_T = TypeVar("_T")
_MAX_INPUT = 1_000  # longer than any real email, phone, domain or country; refused early
_WHITESPACE = re.compile(r"\s+")

# Each cache holds at most this many values, and only values of at most _CACHE_KEY_MAX
# characters: longer ones (never seen twice in practice) are worked out every time.
_CACHE_SIZE = 65_536
_CACHE_KEY_MAX = 256
_CACHES: list[Any] = []  # every cache of this module, for _clear_caches()


def _short(value: object) -> bool:
    """Whether a value is remembered: a ``str`` (not a subclass) that is not too long."""
    return type(value) is str and len(value) <= _CACHE_KEY_MAX


def _memoised(fn: Callable[[str], _T]) -> Callable[[str], _T]:
    """``fn`` with its results and its ``ValueError`` messages remembered for short values.

    For pure functions of one string whose ``ValueError`` is a plain one carrying only its
    message; any other exception (or a ``ValueError`` with a cause) is raised every time."""

    @lru_cache(maxsize=_CACHE_SIZE)
    def outcome(value: str) -> tuple[bool, Any]:
        return _outcome(fn, value)

    @wraps(fn)
    def call(value: str) -> _T:
        if not _short(value):
            return fn(value)
        ok, result = outcome(value)
        if not ok:
            raise ValueError(result)
        return result

    _CACHES.append(outcome)
    return call


def _outcome(fn: Callable[..., _T], *args: Any) -> tuple[bool, Any]:
    """``(True, result)``, or ``(False, message)`` for a plain ``ValueError`` that carries only
    a message (raising ``ValueError(message)`` again is then the same); anything else is
    raised."""
    try:
        return True, fn(*args)
    except ValueError as exc:
        if type(exc) is not ValueError or exc.__cause__ is not None or len(exc.args) != 1:
            raise
        return False, str(exc)


def _lru(fn: Callable[..., _T]) -> Callable[..., _T]:
    cached = lru_cache(maxsize=_CACHE_SIZE)(fn)
    _CACHES.append(cached)
    return cached


def _clear_caches() -> None:
    """Forget every remembered value (tests compare cold and warm results with it)."""
    for cache in _CACHES:
        cache.cache_clear()


def _quote(value: str) -> str:
    """The value as shown in a message, cut so a 10,000-character paste stays readable."""
    return f"'{value}'" if len(value) <= 60 else f"'{value[:57]}...'"


def _collapse(value: str) -> str:
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()


def _fold(value: str) -> str:
    """Casefold and drop the accents of Latin letters ("Société" -> "societe", "İ" -> "i").

    Marks on other scripts are kept, because there they make a different letter (Japanese
    dakuten, Cyrillic й)."""
    out = []
    latin_base = False
    for ch in unicodedata.normalize("NFKD", value.casefold()):
        if unicodedata.combining(ch):
            if latin_base:
                continue
        else:
            latin_base = ch < "\u0250" or "\u1e00" <= ch <= "\u1eff"
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _lower(value: str) -> str:
    # Without the writer's language Turkish casing is unknowable; "İ" -> "i" at least avoids
    # Python's "i" + combining dot above.
    return value.replace("İ", "i").lower()


def _too_long(value: str, what: str) -> None:
    if len(value) > _MAX_INPUT:
        raise ValueError(f"{_quote(value)} is too long to be {what}")


# --- email -------------------------------------------------------------------------------------

_MAILTO = re.compile(r"^mailto:", re.IGNORECASE)


def normalize_email(raw: str) -> str:
    """Trim, check the syntax (no DNS) and lower-case an email address.

    ``Jane Doe <jane@acme.com>`` and ``mailto:jane@acme.com`` give the bare address; trailing
    dots (end of a sentence) are dropped; internationalised domains come out in Unicode."""
    text = raw.strip()
    if not text:
        raise ValueError("email address is empty")
    _too_long(text, "an email address")
    text = _MAILTO.sub("", text).rstrip(".")
    plain = _plain_email(text)
    if plain is not None:
        return plain
    try:
        info = validate_email(text, check_deliverability=False, allow_display_name=True)
        local, _, domain = info.normalized.rpartition("@")
        lowered = f"{_lower(local)}@{domain}"
        if lowered != info.normalized:
            # Lower-casing can change the length of a Unicode local part; check what we store.
            info = validate_email(lowered, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{_quote(raw.strip())} is not a valid email address: {exc}") from exc
    return info.normalized


# The common address, ``jane.doe@acme.com`` or ``Jane Doe <jane.doe@acme.com>``: plain ASCII,
# nothing quoted. email-validator accepts such a local part as it is, so only the domain needs
# its checks, and those are remembered per domain. Anything else, and any domain the checks
# refuse, takes the full path above, which words the error.
_ATEXT = r"A-Za-z0-9!#$%&'*+\-/=?^_`{|}~"  # email-validator's (RFC 5322) atext
_DOT_ATOM = rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*"
_PLAIN_ADDRESS = re.compile(rf"({_DOT_ATOM})@([A-Za-z0-9.\-]+)")
_NAMED_ADDRESS = re.compile(rf"[A-Za-z0-9' \-]*<({_DOT_ATOM})@([A-Za-z0-9.\-]+)>")
_LOCAL_MAX = 64  # longer is refused in email-validator's strict mode
_ADDRESS_MAX = 254  # octets, checked by email-validator on each form of the address


def _plain_email(text: str) -> str | None:
    """What ``validate_email`` (then lower-casing) gives for a plain ASCII address, or ``None``
    when the address is not one, or the full path must decide."""
    match = _PLAIN_ADDRESS.fullmatch(text) or _NAMED_ADDRESS.fullmatch(text)
    if match is None:
        return None
    local, domain = match.groups()
    if len(local) > _LOCAL_MAX or not _short(domain):
        return None
    checked = _email_domain(domain, _validator_options())
    if checked is None or len(local) + 1 + checked[1] > _ADDRESS_MAX:
        return None
    return f"{local.lower()}@{checked[0]}"


def _validator_options() -> tuple[object, ...]:
    """The settings email-validator reads from its module that bear on a domain, so that
    changing them (a test allowing ``@test`` addresses) is not answered from the cache."""
    return (
        email_validator.TEST_ENVIRONMENT,
        email_validator.GLOBALLY_DELIVERABLE,
        tuple(email_validator.SPECIAL_USE_DOMAIN_NAMES),
    )


@_lru
def _email_domain(domain: str, options: tuple[object, ...]) -> tuple[str, int] | None:
    """The normalised form of an email domain and the longest (in UTF-8 octets) of its forms,
    or ``None`` if email-validator refuses it or would not give it back unchanged.

    ``options`` is only part of the key: validate_email reads the settings itself."""
    try:
        first = validate_email(f"a@{domain}", check_deliverability=False)
        # The full path validates the normalised address again after lower-casing its local
        # part: the domain must come through that unchanged.
        again = (
            first
            if first.domain == domain
            else validate_email(f"a@{first.domain}", check_deliverability=False)
        )
    except EmailNotValidError:
        return None
    if again.domain != first.domain:
        return None
    forms = (domain, first.domain, first.ascii_domain, again.ascii_domain)
    return first.domain, max(len(form.encode()) for form in forms)


# --- phone -------------------------------------------------------------------------------------

# phonenumbers compiles its metadata patterns through re's cache, which holds 512; numbers
# from many regions overflow it, and each check then compiles patterns again. Keeping them
# all (a few thousand at most, the library's documented switch) changes no result.
phonenumbers.enable_pattern_cache()

_TEL = re.compile(r"^tel:", re.IGNORECASE)
_EXTENSION = re.compile(
    r"\s*(?:(?:ext(?:ension)?|x)\s*\.?\s*|[#;]\s*(?:ext\s*=\s*)?)\d{1,7}\s*$", re.IGNORECASE
)
_LETTER = re.compile(r"[^\W\d_]")
_PHONE_CHARS = re.compile(r"[\d\s()+\-./\u2010-\u2015\u2212\uff0b]+")
_IDD_00 = re.compile(r"^\s*00\s*")


def normalize_phone(raw: str, default_region: str | None) -> str:
    """A phone number in E.164 (``+442079460958``).

    ``default_region`` (ISO alpha-2) reads numbers written without a country code. An
    extension (``x123``, ``ext. 123``, ``#123``) is dropped: E.164 has no place for one."""
    text = raw.strip()
    if not text:
        raise ValueError("phone number is empty")
    if len(text) > 100:
        raise ValueError(f"{_quote(text)} is too long to be a phone number")
    if default_region is None or type(default_region) is str:
        # One number is often given on many leads (a switchboard, "0000000000").
        ok, result = _phone_outcome(text, default_region)
        if not ok:
            raise ValueError(result)
        return result
    return _e164(text, default_region)


@_lru
def _phone_outcome(text: str, default_region: str | None) -> tuple[bool, Any]:
    return _outcome(_e164, text, default_region)


def _e164(text: str, default_region: str | None) -> str:
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
    parsed = _parse_phone(number, region)
    valid = parsed is not None and phonenumbers.is_valid_number(parsed)
    # "00" is the international prefix nearly everywhere but not in every region (US: 011),
    # and phonenumbers only knows the region's own, so try it as "+" too.
    if not valid and _IDD_00.match(number):
        retried = _parse_phone(_IDD_00.sub("+", number), region)
        if retried is not None:
            parsed = retried
            valid = phonenumbers.is_valid_number(retried)
    if not valid:
        where = "" if international or region is None else f" in {region}"
        raise ValueError(f"{_quote(text)} is not a valid phone number{where}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _parse_phone(number: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None


# --- person names ------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")


def normalize_person_name(raw: str | None) -> str | None:
    """Trim and collapse spaces; re-case only a name typed all in capitals or all in lower case.

    Mixed case is the person's own spelling and is kept (``McDonald``, ``van der Berg``).
    Empty gives ``None``; a value without a single letter is refused."""
    return _person_name(raw or "")


@_memoised
def _person_name(raw: str) -> str | None:
    text = _collapse(raw)
    if not text:
        return None
    if not _WORD.search(text):
        raise ValueError(f"{_quote(text)} is not a name: it has no letters")
    cased = text.replace("ß", "")  # ß has no capital in common use: "WEIß" is all-caps
    if cased.isupper() or cased.islower():
        text = _WORD.sub(lambda m: _capitalise(m.group()), text)
    return text


def _capitalise(word: str) -> str:
    return word[:1].title() + _lower(word[1:])


# --- companies ---------------------------------------------------------------------------------

_LEGAL_SUFFIXES = frozenset(
    tuple(suffix.split())
    for suffix in (
        "inc", "incorporated", "corp", "corporation", "co", "company", "and co", "llc", "llp",
        "lp", "ltd", "limited", "plc", "pty", "pty ltd", "pte", "pvt", "private limited",
        "gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "ug", "se",
        "sa", "s a", "sas", "s a s", "sasu", "sarl", "s a r l", "eurl", "sca",
        "bv", "b v", "nv", "n v", "oy", "oyj", "ab", "as", "a s", "asa", "aps",
        "spa", "s p a", "srl", "s r l", "sl", "s l", "sp z oo", "sp z o o", "sro",
        "kk", "kabushiki kaisha", "ltda", "sa de cv", "de cv", "sdn bhd", "bhd", "kft", "zrt",
    )
)  # fmt: skip
_DROPPED_IN_KEY = re.compile(r"[.'’`´]")  # "S.A." is "SA", "McDonald's" is "McDonalds"
_KEY_TOKEN = re.compile(r"[^\W_]+")


@_memoised
def company_key(name: str) -> str:
    """A matching key for a company name: ``Acme, Inc.``, ``ACME Inc`` and ``The Acme
    Incorporated`` all give ``acme``.

    Casefolded, accents of Latin letters and punctuation removed, ``&`` read as ``and``, a
    leading "The" and legal-form suffixes (Inc, GmbH, S.A., Sp. z o.o. ...) dropped from the
    end. The key is never emptied: a company named "Limited" keeps the key ``limited``."""
    folded = _DROPPED_IN_KEY.sub("", _fold(name).replace("&", " and "))
    tokens = _KEY_TOKEN.findall(folded)
    if not tokens:
        raise ValueError(f"{_quote(_collapse(name))} is not a company name: no letters or digits")
    if tokens[0] == "the" and len(tokens) > 1:
        tokens = tokens[1:]
    stripped = True
    while stripped:
        stripped = False
        for size in (4, 3, 2, 1):
            if len(tokens) > size and tuple(tokens[-size:]) in _LEGAL_SUFFIXES:
                tokens = tokens[:-size]
                stripped = True
                break
    return " ".join(tokens)


@_memoised
def normalize_company(raw: str) -> tuple[str, str]:
    """The display name (trimmed, spaces collapsed, legal form kept) and its ``company_key``."""
    display = _collapse(raw)
    if not display:
        raise ValueError("company name is empty")
    return display, company_key(display)


# --- domains -----------------------------------------------------------------------------------

_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
_LDH_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def registrable_domain(value: str | None) -> str | None:
    """The registrable domain of a website or an email address, in Unicode form.

    ``https://www.Shop.Example.co.uk/path`` and ``a@mail.example.co.uk`` give ``example.co.uk``.
    ``None`` when there is none: empty, an IP address, ``localhost`` or another single label, a
    bare public suffix (``co.uk``) or an unknown top-level domain. Text that cannot be a host
    name at all (spaces, ``a..b.com``) raises ``ValueError``."""
    text = (value or "").strip()
    if not text:
        return None
    _too_long(text, "a website")
    host = _host(text)
    if host is None:
        return None
    if not host:
        raise ValueError(f"{_quote(text)} is not a website or email address")
    valid, found = (_host_domain if _short(host) else _host_domain.__wrapped__)(host)
    if not valid:
        try:
            _ascii_host(host)  # again, for the error to chain to; rare, so never cached
        except (idna.IDNAError, UnicodeError) as exc:
            raise ValueError(f"{_quote(text)} is not a valid domain name") from exc
        raise ValueError(f"{_quote(text)} is not a valid domain name")
    return found


@_lru
def _host_domain(host: str) -> tuple[bool, str | None]:
    """Whether ``host`` is a valid host name or an IP address, and its registrable domain."""
    try:
        ipaddress.ip_address(host)
        return True, None
    except ValueError:
        pass
    try:
        ascii_host = _ascii_host(host)
    except (idna.IDNAError, UnicodeError):
        return False, None
    if not all(_LDH_LABEL.fullmatch(label) for label in ascii_host.split(".")):
        return False, None
    found = _EXTRACT(ascii_host).top_domain_under_public_suffix
    return True, (idna.decode(found) if found else None)


def _host(text: str) -> str | None:
    """The host part of a URL, a bare domain or an email address; ``None`` for IPv6."""
    if "@" in text and "/" not in text:
        return text.rsplit("@", 1)[1].rstrip(".").strip()
    rest = _SCHEME.sub("", text)
    rest = re.split(r"[/?#]", rest, maxsplit=1)[0]
    rest = rest.rsplit("@", 1)[-1]  # user:password@ in a URL
    if rest.startswith("["):
        return None
    return rest.split(":", 1)[0].rstrip(".")


def _ascii_host(host: str) -> str:
    mapped = idna.uts46_remap(host, std3_rules=True, transitional=False)
    return idna.encode(mapped).decode("ascii")


FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        # Google, Microsoft, Yahoo, Apple, AOL
        "gmail.com", "googlemail.com",
        "outlook.com", "outlook.de", "outlook.fr", "hotmail.com", "hotmail.co.uk", "hotmail.de",
        "hotmail.fr", "hotmail.it", "hotmail.es", "live.com", "live.co.uk", "live.de",
        "live.fr", "msn.com",
        "yahoo.com", "yahoo.co.uk", "yahoo.de", "yahoo.fr", "yahoo.es", "yahoo.it", "yahoo.ca",
        "yahoo.com.au", "yahoo.co.in", "yahoo.com.br", "yahoo.co.jp", "ymail.com",
        "rocketmail.com",
        "icloud.com", "me.com", "mac.com", "aol.com", "aim.com",
        # privacy-focused and independent
        "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "tutanota.com", "tuta.io",
        "fastmail.com", "hey.com", "zoho.com", "zohomail.com", "mail.com", "email.com",
        "gmx.de", "gmx.net", "gmx.com", "gmx.at", "gmx.ch", "web.de", "t-online.de",
        "freenet.de", "posteo.de", "mailbox.org",
        "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "libero.it",
        "virgilio.it", "seznam.cz", "wp.pl", "o2.pl", "interia.pl", "onet.pl",
        "btinternet.com", "sky.com", "virginmedia.com", "comcast.net", "verizon.net",
        "att.net", "sbcglobal.net", "bigpond.com", "shaw.ca", "uol.com.br", "bol.com.br",
        "mail.ru", "bk.ru", "inbox.ru", "list.ru", "yandex.ru", "yandex.com", "ya.ru",
        "qq.com", "163.com", "126.com", "sina.com", "sohu.com", "naver.com", "daum.net",
        "hanmail.net", "rediffmail.com",
    }
)  # fmt: skip

# A website field often holds a social profile; that domain says nothing about the company.
_PROFILE_SITES = frozenset(
    {
        "linkedin.com", "facebook.com", "instagram.com", "twitter.com", "x.com",
        "youtube.com", "tiktok.com", "xing.com", "linktr.ee",
    }
)  # fmt: skip


def is_free_mail(domain: str) -> bool:
    """Whether a domain (or an email address) belongs to a public mailbox provider."""
    host = domain.strip().rsplit("@", 1)[-1].rstrip(".").casefold()
    return host in FREE_MAIL_DOMAINS


def company_domain(email: str | None, website: str | None) -> str | None:
    """The company's registrable domain: the website's, else the email's unless that is free
    mail. Unusable values are skipped here; the field normalisers report them."""
    for value in (website, email):
        try:
            found = registrable_domain(value)
        except ValueError:
            continue
        if _is_company_domain(found):
            return found
    return None


def _is_company_domain(found: str | None) -> bool:
    return bool(found) and found not in FREE_MAIL_DOMAINS and found not in _PROFILE_SITES


# --- countries ---------------------------------------------------------------------------------

_COUNTRY_ALIASES = {
    "US": ("USA", "U.S.", "America", "United States of America"),
    "GB": ("UK", "U.K.", "Great Britain", "Britain", "England", "Scotland", "Wales",
           "Northern Ireland"),
    "DE": ("Deutschland",),
    "KR": ("Korea", "Republic of Korea", "대한민국"),
    "KP": ("DPRK",),
    "RU": ("Russia", "Россия"),
    "NL": ("Holland", "Nederland"),
    "CZ": ("Czech Republic",),
    "CI": ("Ivory Coast",),
    "TR": ("Turkey", "Türkei", "Turquie"),
    "MK": ("Macedonia",),
    "SZ": ("Swaziland",),
    "CV": ("Cape Verde",),
    "MM": ("Burma",),
    "TL": ("East Timor",),
    "VA": ("Vatican", "Vatican City"),
    "PS": ("Palestine",),
    "BN": ("Brunei",),
    "MO": ("Macau",),
    "FM": ("Micronesia",),
    "CD": ("DR Congo", "DRC", "Congo-Kinshasa", "Democratic Republic of the Congo"),
    "CG": ("Congo-Brazzaville", "Republic of the Congo"),
    "AE": ("UAE", "Emirates"),
    "SA": ("KSA",),
    "CH": ("Schweiz", "Suisse", "Svizzera"),
    "AT": ("Österreich",),
    "ES": ("España",),
    "IT": ("Italia",),
    "FR": ("Frankreich",),
    "BR": ("Brasil",),
    "PL": ("Polska",),
    "SE": ("Sverige",),
    "NO": ("Norge",),
    "DK": ("Danmark",),
    "FI": ("Suomi",),
    "BE": ("Belgique", "België"),
    "IE": ("Éire", "Eire"),
    "CN": ("中国", "PRC"),
    "JP": ("日本",),
}  # fmt: skip
_THE = re.compile(r"^the\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")


def _country_lookup_key(value: str) -> str:
    return _NOT_ALNUM.sub("", _THE.sub("", _fold(value).strip()))


@lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}

    def add(name: str | None, code: str) -> None:
        if name and index.setdefault(_country_lookup_key(name), code) != code:
            raise RuntimeError(f"country name {name!r} is ambiguous")

    for country in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            add(getattr(country, attr, None), country.alpha_2)
    for code, aliases in _COUNTRY_ALIASES.items():
        for alias in aliases:
            add(alias, code)
    return index


@_memoised
def normalize_country(raw: str) -> str:
    """ISO 3166 alpha-2 from a code (``gb``, ``GBR``), a name (``Germany``, ``Deutschland``,
    ``The Netherlands``, ``Türkiye``) or a common alias (``USA``, ``UK``, ``Ivory Coast``)."""
    text = _collapse(raw)
    if not text:
        raise ValueError("country is empty")
    if len(text) > 100:
        raise ValueError(f"{_quote(text)} is too long to be a country")
    return _country_code(text)


@lru_cache(maxsize=1024)
def _country_code(text: str) -> str:
    code = _country_index().get(_country_lookup_key(text))
    if code is None:
        raise ValueError(f"{_quote(text)} is not a country we know; use an ISO code such as GB")
    return code


# --- job titles --------------------------------------------------------------------------------

_C_SUITE = r"c(?:e|f|t|m|r|o|i|p|d|c|s|a|l|x|hr|is|ds)o"
_EXECUTIVE = (
    _C_SUITE, r"chief\s+(?:\S+\s+){1,4}officer", r"chief\s+executive",
    r"(?<!vice\s)(?<!vice-)presidente?", r"prasident(?:in)?", r"managing\s+director",
    r"geschaftsfuhrer(?:in)?", r"geschaeftsfuehrer(?:in)?", r"gerant(?:e)?", r"pdg",
    r"directeur\s+general", r"directrice\s+generale", r"director\s+general",
    r"vorstand(?:svorsitzende[r]?|smitglied)?", r"chair(?:man|woman|person)?",
    r"general\s+counsel",
)  # fmt: skip
_FOUNDER = (
    r"co-?\s?founder", r"founder", r"founding\s+partner", r"co-?owner",
    r"(?<!product\s)(?<!process\s)(?<!account\s)(?<!data\s)(?<!service\s)owner",
    r"proprietor", r"inhaber(?:in)?", r"grunder(?:in)?", r"gruender(?:in)?",
    r"fondat(?:eur|rice)", r"fundador(?:a)?", r"gesellschafter(?:in)?",
)  # fmt: skip
# "Partner" is the owner of a firm only on its own or as managing/senior/... partner; a
# "Partner Manager" or an "HR Business Partner" is not.
_PARTNER = (
    r"(?:^|managing\s|senior\s|founding\s|equity\s|general\s|name\s)partner(?:in)?"
    r"(?!\s*(?:manager|marketing|success|account|sales|development|relations|program\w*"
    r"|ecosystem|enablement|operations|engineer|solutions|alliances|lead|specialist"
    r"|executive|director|integrations|network|support|experience|onboarding)(?!\w))",
)

# Seniority: the first rule whose pattern matches wins, so the order is the precedence.
_SENIORITY_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # An assistant *to* an executive is not the executive.
    ("individual_contributor", (
        r"(?:assistant|assistent(?:in)?|aide|advis[oe]r|secretary)\s+(?:to|of|for)",
        r"(?:executive|personal|administrative)\s+assistant", r"assistante?\s+de\s+direction",
    )),
    ("owner", _FOUNDER),
    ("director", (r"chief\s+of\s+staff",)),
    ("c_level", _EXECUTIVE),
    ("owner", _PARTNER),
    ("vp", (r"[sea]?vp", r"vice[\s-]?presidente?", r"vizeprasident(?:in)?")),
    ("director", (
        r"director(?:a)?", r"directeur", r"directrice", r"direktor(?:in)?", r"diretor(?:a)?",
        r"dir\.?", r"head", r"(?:abteilungs|bereichs)?leiter(?:in)?", r"leitung",
    )),
    ("manager", (
        r"manager(?:in)?", r"mgr\.?", r"(?:team|tech|technical|group|squad)\s+lead(?:er)?",
        r"teamlead(?:er)?", r"teamleiter(?:in)?", r"supervisor", r"superviseur", r"responsable",
        r"gerente", r"jef[ea]",
    )),
    ("student", (
        r"intern", r"internship", r"student(?:in)?", r"werkstudent(?:in)?", r"working\s+student",
        r"praktikant(?:in)?", r"trainee", r"apprentice", r"azubi", r"auszubildende[r]?",
        r"stagiaire", r"alternant(?:e)?", r"becari[oa]", r"estagiari[oa]", r"doktorand(?:in)?",
        r"phd\s+candidate",
    )),
)  # fmt: skip

# Department: the first rule that matches wins; a functional word beats a rank, so a CFO is in
# finance and a "Vice President of Sales" in sales.
_DEPARTMENT_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("legal", (
        r"legal", r"counsel", r"lawyer", r"attorney", r"paralegal", r"compliance", r"solicitor",
        r"barrister", r"clo", r"jurist(?:in)?", r"juriste", r"rechtsanwalt(?:in)?",
        r"abogad[oa]", r"avocat(?:e)?", r"data\s+protection", r"privacy", r"contracts?",
    )),
    ("hr", (
        r"hr", r"hrbp", r"human\s+resources?", r"people", r"talent", r"recruit(?:er|ing|ment)",
        r"chro", r"personalreferent(?:in)?", r"personalleiter(?:in)?", r"personalabteilung",
        r"ressources\s+humaines", r"rrhh", r"learning\s+and\s+development", r"payroll",
    )),
    ("finance", (
        r"finance", r"financial", r"finanz\w*", r"cfo", r"accountant", r"accounting",
        r"accounts\s+(?:payable|receivable)", r"controller", r"controlling", r"comptroller",
        r"treasury", r"treasurer", r"tax", r"audit(?:or)?", r"bookkeep(?:er|ing)",
        r"fp\s+and\s+a", r"investor\s+relations", r"buchhalt(?:er|erin|ung)", r"comptable",
    )),
    ("procurement", (
        r"procurement", r"purchas(?:ing|er)", r"buyer", r"sourcing", r"vendor\s+management",
        r"einkauf", r"einkaufer(?:in)?", r"einkaeufer(?:in)?", r"achats", r"acheteu(?:r|se)",
        r"compras",
    )),
    ("sales", (
        r"sales", r"cro", r"revenue", r"revops", r"account\s+(?:executive|manager|director)",
        r"key\s+account", r"business\s+development", r"bdr", r"sdr", r"bdm", r"ae",
        r"inside\s+sales", r"channel", r"partnerships?", r"partner\s+manager", r"commercial",
        r"vertrieb", r"verkauf", r"verkaufer(?:in)?", r"aussendienst", r"ventes", r"ventas",
        r"vendas",
    )),
    ("marketing", (
        r"marketing", r"marketer", r"cmo", r"brand", r"growth", r"content", r"seo", r"sem",
        r"demand\s+gen\w*", r"communications?", r"comms", r"public\s+relations", r"pr",
        r"social\s+media", r"copywriter", r"campaigns?", r"events?", r"kommunikation",
        r"werbung",
    )),
    ("product", (
        r"product", r"ux", r"ui", r"user\s+(?:experience|research\w*)", r"design(?:er)?",
    )),
    ("it", (
        r"it", r"information\s+technology", r"cio", r"ciso", r"information\s+security",
        r"infosec", r"cyber\s?security", r"security", r"sys\s?admin",
        r"systems?\s+administrator", r"network", r"help\s?desk", r"service\s+desk",
        r"desktop\s+support", r"erp", r"edv", r"informatique", r"informatik",
    )),
    ("customer_success", (
        r"customer\s+(?:success|support|service|care|experience)", r"client\s+success",
        r"client\s+services?", r"support", r"cx", r"onboarding", r"implementation",
        r"kundenservice", r"kundenbetreuung", r"kundendienst", r"service\s+client",
        r"relation\s+client",
    )),
    ("engineering", (
        r"engineer\w*", r"developer", r"software", r"programmer", r"devops", r"sre",
        r"site\s+reliability", r"architect", r"data\s+scientist", r"machine\s+learning", r"ml",
        r"ai", r"qa", r"quality\s+assurance", r"front-?\s?end", r"back-?\s?end",
        r"full-?\s?stack", r"cto", r"chief\s+technology\s+officer", r"technology", r"technical",
        r"r\s+and\s+d", r"research\s+and\s+development", r"entwickler(?:in)?",
        r"ingenieur(?:in|e)?", r"developpeu(?:r|se)", r"hardware", r"firmware", r"embedded",
    )),
    ("operations", (
        r"operations", r"ops", r"coo", r"chief\s+operating\s+officer", r"logistics",
        r"logistik", r"supply\s+chain", r"facilities", r"office\s+manager",
        r"office\s+management", r"administration", r"admin", r"operaciones",
    )),
    ("executive", (*_EXECUTIVE, *_FOUNDER, *_PARTNER, r"chief\s+of\s+staff", r"board",
                   r"general\s+manager", r"executive\s+director")),
)  # fmt: skip


def _compile(
    rules: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[tuple[str, re.Pattern[str]], ...]:
    # Look-arounds instead of \b, so that keywords ending in a dot ("dir.", "mgr.") still match.
    return tuple((value, re.compile(rf"(?<!\w)(?:{'|'.join(ps)})(?!\w)")) for value, ps in rules)


_SENIORITY = _compile(_SENIORITY_RULES)
_DEPARTMENT = _compile(_DEPARTMENT_RULES)


def _title_text(title: str | None) -> str:
    return _WHITESPACE.sub(" ", _fold(title or "").replace("&", " and ")).strip()


def job_seniority(title: str | None) -> str | None:
    """``c_level``, ``owner``, ``vp``, ``director``, ``manager``, ``student`` or
    ``individual_contributor`` (any other title); ``None`` for an empty title."""
    return _title_fields(title or "")[1]


def job_department(title: str | None) -> str | None:
    """The function a job title belongs to (``sales``, ``engineering`` ...), ``other`` when no
    keyword matches, ``None`` for an empty title."""
    return _title_fields(title or "")[2]


def _title_fields(title: str) -> tuple[str, str | None, str | None]:
    """The title as stored (spaces collapsed), its seniority and its department."""
    return (_classify_title if _short(title) else _classify_title.__wrapped__)(title)


@_lru
def _classify_title(title: str) -> tuple[str, str | None, str | None]:
    text = _title_text(title)
    if not text:
        return _collapse(title), None, None
    seniority = next(
        (value for value, rx in _SENIORITY if rx.search(text)), "individual_contributor"
    )
    department = next((value for value, rx in _DEPARTMENT if rx.search(text)), "other")
    return _collapse(title), seniority, department


# --- a whole lead ------------------------------------------------------------------------------


def normalize_lead_fields(
    raw: Mapping[str, str | None], *, default_region: str | None
) -> tuple[dict[str, str], dict[str, str]]:
    """Normalise the capture fields of one lead.

    Reads ``first_name``, ``last_name``, ``email``, ``phone``, ``company``, ``website``,
    ``country`` and ``title`` (any may be missing; other keys are ignored). Returns the values
    that could be normalised (``first_name``, ``last_name``, ``email``, ``phone``,
    ``company_name``, ``company_key``, ``domain``, ``country``, ``title``, ``seniority``,
    ``department``) and, per raw field, the problem with a value that could not: one bad field
    never stops the others. A phone without a country code is read in the lead's own country
    when it has one, else in ``default_region``."""
    out: dict[str, str] = {}
    problems: dict[str, str] = {}

    def given(field: str) -> str | None:
        value = raw.get(field)
        if value is None:
            return None
        if not isinstance(value, str):
            problems[field] = f"must be text, not {type(value).__name__}"
            return None
        return value if value.strip() else None

    def attempt(field: str, fn: Callable[[str], _T]) -> _T | None:
        value = given(field)
        if value is None:
            return None
        try:
            return fn(value)
        except ValueError as exc:
            problems[field] = str(exc)
            return None

    def put(key: str, value: str | None) -> None:
        if value is not None:
            out[key] = value

    put("country", attempt("country", normalize_country))
    for field in ("first_name", "last_name"):
        put(field, attempt(field, normalize_person_name))
    put("email", attempt("email", normalize_email))
    region = out.get("country") or default_region
    put("phone", attempt("phone", lambda v: normalize_phone(v, region)))
    company = attempt("company", normalize_company)
    if company is not None:
        out["company_name"], out["company_key"] = company
    website = given("website")
    website_domain = None
    if website is not None:
        try:
            website_domain = registrable_domain(website)
        except ValueError as exc:
            problems["website"] = str(exc)
        else:
            if website_domain is None:
                problems["website"] = (
                    f"{_quote(website.strip())} has no registrable domain "
                    "(an IP address, a local name or a bare public suffix)"
                )
    # company_domain(email, website), without working out the website's domain again.
    if _is_company_domain(website_domain):
        out["domain"] = website_domain
    else:
        put("domain", company_domain(out.get("email"), None))
    title = given("title")
    if title is not None:
        out["title"], seniority, department = _title_fields(title)
        put("seniority", seniority)
        put("department", department)
    return out, problems
