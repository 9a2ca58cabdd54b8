"""What an export writes: the columns of each preset, one lead as a row, and the neutralising of
cells a spreadsheet would run as a formula. Pure: no database, no settings, no clock.

Presets mirror the importer's (``imports.presets``) so an exported file imports back with the
same preset and gives the same leads:

- ``leadledger``: ``id``, then the importer's canonical field names (``first_name``, ``company``,
  ``lead_source``, ``lifecycle_stage``...), which its ``generic`` preset maps back;
- ``hubspot`` and ``salesforce``: the header each product writes for the field, the first
  spelling in the importer's table for that product. No id column: a product's own id column
  ("Record ID", "Id") would make it update the wrong record.

Custom fields follow as ``custom:<key>`` (the importer's own notation for a custom target), in
key order. Values are text in CSV and XLSX (``text_of``) and native JSON in JSONL.

Neutralising (CSV only, see ``neutralise``) is undone on import by ``restore``."""

import json
import re
from enum import StrEnum
from typing import Any, Protocol

from leadledger.imports import presets
from leadledger.imports.presets import CUSTOM_PREFIX


class Format(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    jsonl = "jsonl"


class Preset(StrEnum):
    leadledger = "leadledger"
    hubspot = "hubspot"
    salesforce = "salesforce"


MEDIA_TYPES = {
    Format.csv: "text/csv; charset=utf-8",
    Format.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.jsonl: "application/x-ndjson",
}

# the importer's fields a lead holds, in the importer's order; the others are not lead columns
# (an import keeps them as custom fields, which are exported as such)
NOT_LEAD_COLUMNS = {"mobile", "state", "city", "industry", "employees", "annual_revenue", "notes"}
FIELDS = tuple(f for f in presets.FIELDS if f not in NOT_LEAD_COLUMNS)
ID = "id"  # leadledger preset only; an import of a leadledger export should ignore it

_HUBSPOT = {
    "first_name": "First Name",
    "last_name": "Last Name",
    "email": "Email",
    "phone": "Phone Number",
    "company": "Company Name",
    "website": "Website URL",
    "title": "Job Title",
    "country": "Country/Region",
    "lead_source": "Original Source",
    "program": "Program",  # HubSpot has no column of its own: the generic spelling
    "utm_source": "UTM Source",
    "utm_medium": "UTM Medium",
    "utm_campaign": "UTM Campaign",
    "utm_term": "UTM Term",
    "utm_content": "UTM Content",
    "owner_email": "Contact owner",
    "lifecycle_stage": "Lifecycle Stage",
    "created_at": "Create Date",
    "consent": "Legal basis for processing contact's data",
    "unsubscribed": "Unsubscribed from all email",
}
_SALESFORCE = {
    "first_name": "First Name",
    "last_name": "Last Name",
    "email": "Email",
    "phone": "Phone",
    "company": "Company / Account",
    "website": "Website",
    "title": "Title",
    "country": "Country",
    "lead_source": "Lead Source",
    "program": "Campaign Name",
    "utm_source": "UTM Source",
    "utm_medium": "UTM Medium",
    "utm_campaign": "UTM Campaign",
    "utm_term": "UTM Term",
    "utm_content": "UTM Content",
    "owner_email": "Lead Owner Email",
    "lifecycle_stage": "Lead Status",  # Salesforce's only funnel position
    "created_at": "Created Date",
    "consent": "Consent",
    "unsubscribed": "Email Opt Out",
}
HEADERS: dict[Preset, dict[str, str]] = {
    Preset.leadledger: {ID: ID} | {f: f for f in FIELDS},
    Preset.hubspot: _HUBSPOT,
    Preset.salesforce: _SALESFORCE,
}
"""field -> header, in column order, for each preset."""


class LeadLike(Protocol):
    """The lead attributes a row is made of (``leads.models.Lead`` has them)."""

    id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    company_name: str | None
    domain: str | None
    title: str | None
    country: str | None
    source: str | None
    program: str | None
    utm: dict[str, str] | None
    stage: str
    created_at: Any
    consent_source: str | None
    unsubscribed_at: Any
    custom: dict[str, Any] | None


def custom_header(key: str) -> str:
    return CUSTOM_PREFIX + key


def columns(preset: Preset, custom_keys: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The header row: the preset's columns, then one per custom key (``custom_keys`` sorted)."""
    return (*HEADERS[preset].values(), *(custom_header(k) for k in custom_keys))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def fields_of(lead: LeadLike, *, owner_email: str | None = None) -> dict[str, Any]:
    """The lead as the importer's fields, with JSON values (text, numbers, None)."""
    utm = lead.utm or {}
    return {
        ID: lead.id,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "company": lead.company_name,
        "website": lead.domain,
        "title": lead.title,
        "country": lead.country,
        "lead_source": lead.source,
        "program": lead.program,
        **{f"utm_{k}": utm.get(k) for k in ("source", "medium", "campaign", "term", "content")},
        "owner_email": owner_email,
        "lifecycle_stage": lead.stage,
        "created_at": _iso(lead.created_at),
        # as an import reads them: "yes" gives consent, "true" unsubscribes (the time and the
        # consent's source are not carried: an import records its own)
        "consent": "yes" if lead.consent_source else None,
        "unsubscribed": "true" if lead.unsubscribed_at is not None else "false",
    }


def row_of(
    lead: LeadLike,
    preset: Preset = Preset.leadledger,
    *,
    custom_keys: tuple[str, ...] = (),
    owner_email: str | None = None,
) -> dict[str, Any]:
    """header -> value, in ``columns(preset, custom_keys)`` order; None for an empty cell."""
    fields = fields_of(lead, owner_email=owner_email)
    custom = lead.custom or {}
    row = {header: fields[field] for field, header in HEADERS[preset].items()}
    row.update({custom_header(k): custom.get(k) for k in custom_keys})
    return row


def text_of(value: Any) -> str:
    """A value as a CSV or XLSX cell: text as is, None as empty, true/false, numbers and nested
    values as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- formula injection -----------------------------------------------------------------------
# OWASP "CSV Injection": a cell starting with one of these is run as a formula by Excel,
# LibreOffice or Google Sheets. The full-width forms are included: Excel with an East Asian
# input setting takes them for their ASCII twins.
FORMULA_START = frozenset("=+-@\t\r＝＋－＠")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
QUOTE = "'"
_FIRST = FORMULA_START | {QUOTE}


def is_formula_like(cell: str) -> bool:
    """Would a spreadsheet (or ``restore``) treat this cell specially? A cell starting with a
    formula character, after any apostrophes, unless it is a plain number."""
    unquoted = cell.lstrip(QUOTE)
    return bool(unquoted) and unquoted[0] in FORMULA_START and not _NUMBER.fullmatch(cell)


def neutralise(cell: str) -> str:
    """Prefix an apostrophe to a cell a spreadsheet would run as a formula (OWASP's advice):
    ``=HYPERLINK("http://evil","x")`` -> ``'=HYPERLINK("http://evil","x")``.

    A plain number (``+442079460958``, ``-3``, ``1.5``) is left alone: a spreadsheet can only
    read it as that number, and an E.164 phone with an apostrophe would be a broken phone in
    every CRM that imports the file. A cell that already starts with apostrophes before a
    formula character gets one more, so ``restore`` is its exact inverse."""
    if cell[:1] not in _FIRST:  # the common case, decided without the full check
        return cell
    return QUOTE + cell if is_formula_like(cell) else cell


def restore(cell: str) -> str:
    """The inverse of ``neutralise``, for an import of a CSV file: drop one leading apostrophe
    when apostrophes are followed by a formula character. ``restore(neutralise(x)) == x``."""
    if cell.startswith(QUOTE) and is_formula_like(cell):
        return cell[1:]
    return cell
