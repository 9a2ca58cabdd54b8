"""Pure normalisation of the identity fields every capture path stores."""

import re

from email_validator import EmailNotValidError, validate_email
from pycountry import countries

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"{_LABEL}(\.{_LABEL})*\.[a-z][a-z0-9-]{{0,62}}")


def normalize_email(value: str) -> str:
    """Trim, validate syntax (no DNS), lower-case. Raises ``ValueError`` with the reason."""
    try:
        info = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc
    return info.normalized.lower()


def normalize_domain(value: str) -> str:
    """``https://WWW.Acme.com/about`` -> ``acme.com``."""
    d = value.strip().lower()
    for prefix in ("https://", "http://"):
        d = d.removeprefix(prefix)
    d = d.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0].strip(".")
    d = d.removeprefix("www.")
    try:
        ascii_form = d.encode("idna").decode("ascii")  # bücher.de -> xn--bcher-kva.de
    except UnicodeError as exc:
        raise ValueError(f"'{value}' is not a domain name") from exc
    if not _HOSTNAME.fullmatch(ascii_form):
        raise ValueError(f"'{value}' is not a domain name")
    return ascii_form.encode("ascii").decode("idna")  # one form: xn--bcher-kva.de -> bücher.de


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[1]


def normalize_country(value: str) -> str:
    v = value.strip().upper()
    if len(v) != 2 or not (v.isascii() and v.isalpha()) or countries.get(alpha_2=v) is None:
        raise ValueError(f"'{value}' is not an ISO 3166 country code; use e.g. GB or US")
    return v
