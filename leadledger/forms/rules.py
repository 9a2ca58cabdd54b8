"""Pure rules of web forms: which fields a form may collect, how a post from a leadledger,
Salesforce Web-to-Lead or HubSpot form is read into leadledger's fields, and what the form's
configuration keeps of it. No database, clock or settings."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from leadledger.capture.schemas import UTM_FIELDS
from leadledger.core.errors import InvalidInput

HONEYPOT = "ll_website"
"""A field people never see; a post that fills it is a bot's, answered like a success."""

PERSON_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "company_name",
    "website",
    "country",
    "consent_source",
)
"""The capture fields a form may collect. Owner, program, team, stage and account are decided
by the server, never by a browser."""

SERVER_FIELDS = frozenset(
    {"owner_id", "program", "creating_team_id", "stage", "account_id", "source", "custom"}
)
CUSTOM_PREFIX = "custom."
_CUSTOM_KEY = re.compile(r"^[A-Za-z0-9_]{1,64}$")
CONTEXT_FIELDS = ("lead_source", "page_uri", "page_name")
"""Where the post says it came from: kept in ``custom`` whatever the allow-list says."""
UTM_LENGTH = 200

# Salesforce Web-to-Lead and HubSpot names -> leadledger names. leadledger's own names are
# read as they are; ``custom.KEY`` names a custom field.
ALIASES = {
    # Salesforce Web-to-Lead
    "company": "company_name",
    "URL": "website",
    "mobile": "mobile",
    "salutation": "custom.salutation",
    "street": "custom.street",
    "city": "custom.city",
    "state": "custom.state",
    "zip": "custom.zip",
    "industry": "custom.industry",
    "employees": "custom.employees",
    "revenue": "custom.revenue",
    "description": "custom.description",
    "lead_source": "lead_source",
    # HubSpot forms
    "firstname": "first_name",
    "lastname": "last_name",
    "jobtitle": "title",
    "mobilephone": "mobile",
    "address": "custom.street",
    "message": "custom.message",
}
RETURN_URL = "retURL"
IGNORED = frozenset(
    {
        # Salesforce Web-to-Lead plumbing; Campaign_ID would credit a program: never trusted
        "oid",
        "orgid",
        "debug",
        "debugEmail",
        "recordType",
        "encoding",
        "Campaign_ID",
        "member_status",
        "captcha_settings",
        "g-recaptcha-response",
        "submit",
    }
)
_SALESFORCE_CUSTOM = re.compile(r"^00N[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")


@dataclass(frozen=True)
class Post:
    """A post read into leadledger's names, before the form's allow-list."""

    values: dict[str, str] = field(default_factory=dict)  # person fields and custom.KEY
    context: dict[str, str] = field(default_factory=dict)  # lead_source, page_uri, page_name
    utm: dict[str, str] = field(default_factory=dict)  # utm_source ... utm_content
    return_url: str | None = None  # Salesforce's retURL
    honeypot: bool = False


# --- what a form may collect ---------------------------------------------------------------


def is_custom(name: str) -> bool:
    return name.startswith(CUSTOM_PREFIX) and bool(
        _CUSTOM_KEY.match(name.removeprefix(CUSTOM_PREFIX))
    )


def check_fields(fields: Iterable[str], required: Iterable[str]) -> tuple[list[str], list[str]]:
    """The form's field allow-list and required fields, without repeats; ``InvalidInput``
    naming the first field a form may not collect."""
    fields, required = list(dict.fromkeys(fields)), list(dict.fromkeys(required))
    if not fields:
        raise InvalidInput("fields: a form needs at least one field", loc=["body", "fields"])
    for name in fields:
        if name in SERVER_FIELDS:
            raise InvalidInput(
                f"fields: '{name}' is set by the form's configuration, never by a browser",
                loc=["body", "fields"],
            )
        if name not in PERSON_FIELDS and not is_custom(name):
            raise InvalidInput(
                f"fields: unknown field '{name}'; a form collects "
                f"{', '.join(PERSON_FIELDS)} or custom.KEY (letters, digits, _)",
                loc=["body", "fields"],
            )
    if "email" not in fields and "phone" not in fields:
        raise InvalidInput(
            "fields: a form needs email or phone, or no lead could be created from it",
            loc=["body", "fields"],
        )
    for name in required:
        if name not in fields:
            raise InvalidInput(
                f"required: '{name}' is not one of the form's fields", loc=["body", "required"]
            )
    return fields, required


def check_redirect(url: str | None) -> str | None:
    if not url:
        return None
    if _host(url) is None or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise InvalidInput(
            "redirect_url: must be an http:// or https:// address", loc=["body", "redirect_url"]
        )
    return url


# --- reading a post ------------------------------------------------------------------------


def _text(name: str, value: Any, loc: list[str | int]) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    raise InvalidInput(f"{name}: must be text, not {type(value).__name__}", loc=loc)


def is_hubspot(body: Mapping[str, Any]) -> bool:
    """HubSpot's form-submission API: ``{"fields": [{"name", "value"}], "context": {...}}``."""
    return isinstance(body.get("fields"), list)


def flatten_hubspot(body: Mapping[str, Any]) -> dict[str, Any]:
    """HubSpot's body as one flat object of field names; the page it was sent from goes to
    ``page_uri`` and ``page_name``. ``hutk``, ``ipAddress`` and consent options are dropped."""
    flat: dict[str, Any] = {}
    for index, item in enumerate(body["fields"]):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise InvalidInput(
                "fields: each entry must be an object with a 'name' and a 'value'",
                loc=["body", "fields", index],
            )
        flat[item["name"]] = item.get("value")
    context = body.get("context") or {}
    if not isinstance(context, dict):
        raise InvalidInput("context: must be an object", loc=["body", "context"])
    for key, name in (("pageUri", "page_uri"), ("pageName", "page_name")):
        if context.get(key) is not None:
            flat[name] = context[key]
    return flat


def _expand_custom(body: Mapping[str, Any]) -> dict[str, Any]:
    """leadledger's JSON shape ``{"custom": {"budget": ...}}`` as ``custom.budget``."""
    flat = {k: v for k, v in body.items() if k != "custom"}
    custom = body.get("custom")
    if isinstance(custom, dict):
        flat |= {f"{CUSTOM_PREFIX}{k}": v for k, v in custom.items()}
    elif custom is not None:
        raise InvalidInput("custom: must be an object", loc=["body", "custom"])
    return flat


def utm_of(page_uri: str | None) -> dict[str, str]:
    """The ``utm_*`` parameters of the page a post was sent from."""
    if not page_uri:
        return {}
    try:
        query = urlsplit(page_uri).query
    except ValueError:  # not an address (an unclosed "[" host...): no campaign to read
        return {}
    return {k: v for k, v in parse_qsl(query) if k in UTM_FIELDS and v.strip()}


def read_post(body: Mapping[str, Any]) -> Post:
    """A posted form (field name -> value) or JSON object (flat, or HubSpot's shape) in
    leadledger's names. Unknown names are dropped here; the form's allow-list comes after."""
    flat = flatten_hubspot(body) if is_hubspot(body) else _expand_custom(body)
    values: dict[str, str] = {}
    context: dict[str, str] = {}
    utm: dict[str, str] = {}
    return_url, honeypot, mobile = None, False, None
    for raw_name, raw_value in flat.items():
        text = _text(raw_name, raw_value, ["body", raw_name])
        if raw_name == HONEYPOT:
            honeypot = honeypot or text is not None
            continue
        if text is None or raw_name in IGNORED:
            continue
        name = ALIASES.get(raw_name, raw_name)
        if _SALESFORCE_CUSTOM.match(raw_name):
            name = f"{CUSTOM_PREFIX}{raw_name}"
        if raw_name == RETURN_URL:
            return_url = text
        elif name in UTM_FIELDS:
            utm[name] = text[:UTM_LENGTH]
        elif name in CONTEXT_FIELDS:
            context[name] = text
        elif name == "mobile":
            mobile = text
        elif name in PERSON_FIELDS or is_custom(name):
            values[name] = text
    if mobile is not None:
        values.setdefault("phone", mobile)
        if values["phone"] != mobile:
            values[f"{CUSTOM_PREFIX}mobile"] = mobile
    from_page = {k: v[:UTM_LENGTH] for k, v in utm_of(context.get("page_uri")).items()}
    return Post(values, context, from_page | utm, return_url, honeypot)


# --- what the form keeps -------------------------------------------------------------------


def apply_form(post: Post, fields: Iterable[str], required: Iterable[str]) -> dict[str, Any]:
    """The capture input the form allows: fields off its allow-list are dropped silently; a
    required field left empty is ``InvalidInput`` naming it. Never an owner, program, stage or
    team: those come from the form's configuration."""
    allowed = set(fields)
    kept = {k: v for k, v in post.values.items() if k in allowed}
    for name in required:
        if not kept.get(name):
            raise InvalidInput(f"{name}: required field is missing", loc=["body", name])
    data: dict[str, Any] = {k: v for k, v in kept.items() if not is_custom(k)}
    custom = {k.removeprefix(CUSTOM_PREFIX): v for k, v in kept.items() if is_custom(k)}
    custom |= post.context
    if custom:
        data["custom"] = custom
    return data


def redirect_target(return_url: str | None, configured: str | None) -> str | None:
    """Where a browser goes after a post: the form's ``redirect_url``, or the browser's own
    ``retURL`` when it is on the same host (never an open redirect); ``None``: a thank-you page."""
    if configured is None:
        return None
    given = _host(return_url) if return_url else None
    return return_url if given is not None and given == _host(configured) else configured


def _host(url: str) -> str | None:
    """The host of an http(s) address; ``None`` for anything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname
