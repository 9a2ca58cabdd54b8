"""Which lead field each column of an import file fills. Pure: no database, no settings.

A preset knows the exact headers of one product's export (``hubspot``, ``salesforce``); every
preset also knows the ``generic`` spellings (``E-Mail``, ``Surname``, ``Organisation``, German
and French headers...). Columns are mapped in this order:

1. overrides (a user's mapping file) win;
2. exact headers, compared case-, accent- and punctuation-blind ("FirstName" = "first_name" =
   "First Name"); when two columns fill one field, the preset's own spelling wins, then the
   leftmost column, and the other one is kept as custom (``how="duplicate"``);
3. close misspellings ("Emial Adress") found with rapidfuzz, never silently: each is listed in
   ``Mapping.guesses``; a near tie between two fields is not guessed;
4. anything else is kept as ``custom:<slug>``; nothing is dropped unless a mapping file says
   ``ignore``.

Owner columns ("Contact owner", "Lead Owner") map to ``owner_email`` although these exports hold
the owner's name: resolving a name or an address to a user is the caller's job.
"""

import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Mapping as AnyMapping
from os import PathLike
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz, process

from leadledger.core.errors import InvalidInput

FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "company",
    "website",
    "title",
    "country",
    "state",
    "city",
    "industry",
    "employees",
    "annual_revenue",
    "lead_source",
    "program",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "owner_email",
    "lifecycle_stage",
    "created_at",
    "notes",
    "consent",
    "unsubscribed",
)
IDENTITY_FIELDS = ("email", "phone", "mobile")
PRESETS = ("generic", "hubspot", "salesforce")
IGNORE = "ignore"
CUSTOM = "custom"
CUSTOM_PREFIX = "custom:"
FUZZY_THRESHOLD = 86.0  # rapidfuzz ratio; 85.7 would take "Content" for consent
FUZZY_MARGIN = 3.0  # two fields scoring within this of each other is a tie: no guess
FUZZY_MIN_CHARS = 5


class MappingError(InvalidInput, ValueError):
    """A mapping file or override that cannot be used; the message names the column or line."""

    code = "invalid_mapping"


class Guess(BaseModel):
    """A column mapped because its header resembles a known one; the caller must report it."""

    model_config = ConfigDict(frozen=True)

    header: str
    field: str
    score: float
    like: str  # the known header it resembles


class Column(BaseModel):
    model_config = ConfigDict(frozen=True)

    header: str
    target: str | None  # a lead field, "custom:<slug>", or None when ignored
    how: Literal["exact", "guess", "override", "custom", "duplicate", "ignored"]
    note: str | None = None


class Mapping(BaseModel):
    model_config = ConfigDict(frozen=True)

    preset: str
    columns: tuple[Column, ...]
    guesses: tuple[Guess, ...] = ()
    unused_overrides: tuple[str, ...] = ()  # mapping-file headers that are not in the file

    def target(self, header: str) -> str | None:
        for column in self.columns:
            if column.header == header:
                return column.target
        raise KeyError(header)

    @property
    def fields(self) -> dict[str, str]:
        """Lead field -> the header that fills it."""
        return {
            c.target: c.header
            for c in self.columns
            if c.target is not None and not c.target.startswith(CUSTOM_PREFIX)
        }


# --- the presets ------------------------------------------------------------------------------
# field -> headers, preferred spelling first; None collects known columns that are not lead
# fields, kept as custom and never taken for a misspelling ("County" is not "Country").

_GENERIC: dict[str | None, tuple[str, ...]] = {
    "first_name": ("First Name", "First", "Given Name", "Forename", "Vorname", "Prénom", "Nombre"),
    "last_name": (
        "Last Name",
        "Surname",
        "Family Name",
        "Last",
        "Nachname",
        "Familienname",
        "Nom",
        "Apellido",
        "Apellidos",
    ),
    "email": (
        "Email",
        "E-Mail",
        "Email Address",
        "E-Mail Address",
        "E-Mail-Adresse",
        "Mail",
        "Work Email",
        "Business Email",
        "Primary Email",
        "Courriel",
        "Correo electrónico",
    ),
    "phone": (
        "Phone",
        "Phone Number",
        "Telephone",
        "Telephone Number",
        "Tel",
        "Business Phone",
        "Work Phone",
        "Office Phone",
        "Telefon",
        "Telefonnummer",
        "Téléphone",
        "Teléfono",
    ),
    "mobile": (
        "Mobile",
        "Mobile Phone",
        "Mobile Phone Number",
        "Mobile Number",
        "Cell",
        "Cell Phone",
        "Mobil",
        "Mobilnummer",
        "Mobiltelefon",
        "Handy",
        "Handynummer",
        "Portable",
        "Móvil",
    ),
    "company": (
        "Company",
        "Company Name",
        "Organization",
        "Organisation",
        "Organization Name",
        "Organisation Name",
        "Account Name",
        "Account",
        "Employer",
        "Firma",
        "Firmenname",
        "Unternehmen",
        "Société",
        "Entreprise",
        "Empresa",
    ),
    "website": (
        "Website",
        "Website URL",
        "Web Site",
        "Web",
        "URL",
        "Homepage",
        "Company Website",
        "Domain",
        "Company Domain",
        "Company Domain Name",
        "Webseite",
        "Internetseite",
        "Site Web",
        "Sitio Web",
    ),
    "title": (
        "Title",
        "Job Title",
        "Position",
        "Role",
        "Job Role",
        "Designation",
        "Funktion",
        "Berufsbezeichnung",
        "Poste",
        "Cargo",
    ),
    "country": (
        "Country",
        "Country/Region",
        "Country Name",
        "Country Code",
        "Land",
        "Pays",
        "País",
    ),
    "state": (
        "State",
        "State/Region",
        "State/Province",
        "Province",
        "State Code",
        "Bundesland",
        "Estado",
    ),
    "city": ("City", "Town", "Locality", "Stadt", "Ort", "Ville", "Ciudad"),
    "industry": ("Industry", "Sector", "Vertical", "Branche", "Industrie", "Secteur"),
    "employees": (
        "Employees",
        "Number of Employees",
        "No. of Employees",
        "Employee Count",
        "Headcount",
        "Company Size",
        "Mitarbeiter",
        "Mitarbeiterzahl",
        "Anzahl Mitarbeiter",
        "Effectif",
    ),
    "annual_revenue": (
        "Annual Revenue",
        "Revenue",
        "Annual Sales",
        "Turnover",
        "Jahresumsatz",
        "Umsatz",
        "Chiffre d'affaires",
    ),
    "lead_source": (
        "Lead Source",
        "Source",
        "Original Source",
        "Quelle",
        "Lead-Quelle",
        "Herkunft",
    ),
    "program": ("Program", "Programme", "Campaign", "Campaign Name", "Kampagne", "Campagne"),
    "utm_source": ("UTM Source",),
    "utm_medium": ("UTM Medium",),
    "utm_campaign": ("UTM Campaign",),
    "utm_term": ("UTM Term",),
    "utm_content": ("UTM Content",),
    "owner_email": (
        "Owner Email",
        "Owner",
        "Lead Owner Email",
        "Lead Owner",
        "Contact Owner Email",
        "Contact Owner",
        "Sales Rep Email",
        "Sales Rep",
        "Account Manager",
        "Assigned To",
    ),
    "lifecycle_stage": ("Lifecycle Stage", "Lifecycle", "Stage", "Lead Stage", "Funnel Stage"),
    "created_at": (
        "Created At",
        "Created",
        "Created Date",
        "Create Date",
        "Creation Date",
        "Date Created",
        "Created On",
        "Date Added",
        "Signup Date",
        "Erstellt am",
        "Erstellt",
        "Erstelldatum",
        "Anlagedatum",
        "Date de création",
    ),
    "notes": (
        "Notes",
        "Note",
        "Comments",
        "Comment",
        "Description",
        "Remarks",
        "Message",
        "Notizen",
        "Notiz",
        "Bemerkung",
        "Bemerkungen",
        "Kommentar",
        "Anmerkungen",
        "Commentaire",
    ),
    "consent": (
        "Consent",
        "GDPR Consent",
        "Marketing Consent",
        "Email Consent",
        "Opt-in",
        "Email Opt-in",
        "Legal Basis",
        "Einwilligung",
        "DSGVO Einwilligung",
    ),
    "unsubscribed": (
        "Unsubscribed",
        "Unsubscribe",
        "Opted Out",
        "Opt-out",
        "Email Opt Out",
        "Do Not Email",
        "Abgemeldet",
    ),
    None: (
        "County",
        "Score",
        "Lead Score",
        "Content",
        "Status",
        "Lead Status",
        "Name",
        "Full Name",
        "Salutation",
        "Anrede",
        "Street",
        "Address",
        "Straße",
        "Zip",
        "Zip Code",
        "Postal Code",
        "Postcode",
        "PLZ",
        "Postleitzahl",
        "Fax",
        "LinkedIn",
    ),
}

_HUBSPOT: dict[str | None, tuple[str, ...]] = {
    "first_name": ("First Name",),
    "last_name": ("Last Name",),
    "email": ("Email",),
    "phone": ("Phone Number",),
    "mobile": ("Mobile Phone Number",),
    "company": ("Company Name", "Associated Company"),
    "website": ("Website URL", "Company Domain Name"),
    "title": ("Job Title",),
    "country": ("Country/Region",),
    "state": ("State/Region",),
    "city": ("City",),
    "industry": ("Industry",),
    "employees": ("Number of Employees",),
    "annual_revenue": ("Annual Revenue",),
    "lead_source": ("Original Source",),
    "owner_email": ("Contact owner", "HubSpot Owner"),
    "lifecycle_stage": ("Lifecycle Stage",),
    "created_at": ("Create Date", "Object create date/time"),
    "notes": ("Message",),
    "consent": ("Legal basis for processing contact's data",),
    "unsubscribed": ("Unsubscribed from all email",),
    None: (
        "Record ID",
        "Contact ID",
        "Lead Status",  # New/Open/In Progress: not the lifecycle, which has its own column
        "Marketing contact status",  # HubSpot billing, not consent
        "Original Source Drill-Down 1",
        "Original Source Drill-Down 2",
        "Latest Source",
        "Latest Source Drill-Down 1",
        "Latest Source Drill-Down 2",
        "HubSpot Score",
        "Email Domain",
        "Associated Company ID",
        "Primary Associated Company ID",
        "Last Activity Date",
        "Last Modified Date",
    ),
}

_SALESFORCE: dict[str | None, tuple[str, ...]] = {
    "first_name": ("First Name",),
    "last_name": ("Last Name",),
    "email": ("Email",),
    "phone": ("Phone",),
    "mobile": ("Mobile", "Mobile Phone"),
    "company": ("Company / Account", "Company"),
    "website": ("Website",),
    "title": ("Title",),
    "country": ("Country", "Country Code"),
    "state": ("State/Province", "State/Province (text only)", "State", "State Code"),
    "city": ("City",),
    "industry": ("Industry",),
    "employees": ("No. of Employees", "Number Of Employees", "Employees"),
    "annual_revenue": ("Annual Revenue",),
    "lead_source": ("Lead Source",),
    "program": ("Campaign Name",),
    "owner_email": ("Lead Owner Email", "Owner Email", "Lead Owner"),
    "lifecycle_stage": ("Lead Status", "Status"),  # Salesforce's only funnel position
    "created_at": ("Created Date", "Create Date"),
    "notes": ("Description",),
    "unsubscribed": ("Email Opt Out", "Has Opted Out Of Email"),
    None: (
        "Lead ID",
        "Id",
        "Owner Id",
        "Salutation",
        "Rating",
        "Street",
        "Zip/Postal Code",
        "Postal Code",
        "Converted",
        "Is Converted",
        "Do Not Call",
        "Fax Opt Out",
        "Has Opted Out Of Fax",
        "Lead Record Type",
        "Created By",
        "Created By Id",
        "Last Activity",
        "Last Activity Date",
        "Last Modified Date",
    ),
}

# headers only one product writes (compared as keys, so "LeadSource" counts as "Lead Source")
_SIGNATURES = {
    "hubspot": (
        "Record ID",
        "Contact ID",
        "Contact owner",
        "Lifecycle Stage",
        "Country/Region",
        "State/Region",
        "Original Source",
        "Phone Number",
        "Mobile Phone Number",
        "Website URL",
        "Marketing contact status",
        "Unsubscribed from all email",
        "HubSpot Score",
        "Original Source Drill-Down 1",
        "Legal basis for processing contact's data",
    ),
    "salesforce": (
        "Lead ID",
        "Lead Owner",
        "Company / Account",
        "State/Province",
        "Zip/Postal Code",
        "No. of Employees",
        "Email Opt Out",
        "Has Opted Out Of Email",
        "Created Date",
        "Lead Source",
        "Mobile Phone",
        "Owner Id",
        "Is Converted",
        "Lead Record Type",
    ),
}


def _key(header: str) -> str:
    """Case-, accent- and punctuation-blind: "First-Name", "first_name", "FirstName" agree."""
    text = unicodedata.normalize("NFKD", header.casefold())
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


def _slug(header: str) -> str:
    text = unicodedata.normalize("NFKD", header.replace("ß", "ss"))
    text = text.encode("ascii", "ignore").decode().replace("'", "")
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", text)
    return "_".join(re.findall(r"[a-z0-9]+", text.lower()))


def _table(*layers: dict[str | None, tuple[str, ...]]) -> dict[str, tuple[str | None, int, str]]:
    """key -> (field or None, rank, header as written); later layers win, lower ranks first."""
    table: dict[str, tuple[str | None, int, str]] = {}
    for depth, layer in enumerate(layers):
        entries: dict[str, tuple[str | None, int, str]] = {}
        for field, headers in layer.items():
            for rank, header in enumerate(headers):
                entries.setdefault(
                    _key(header), (field, (len(layers) - depth) * 1000 + rank, header)
                )
        table.update(entries)
    return table


_TABLES = {
    "generic": _table(_GENERIC),
    "hubspot": _table(_GENERIC, _HUBSPOT),
    "salesforce": _table(_GENERIC, _SALESFORCE),
}
_SIGNATURE_KEYS = {name: {_key(h) for h in headers} for name, headers in _SIGNATURES.items()}


# --- mapping ---------------------------------------------------------------------------------


def detect_preset(headers: Iterable[str]) -> str:
    """``hubspot`` or ``salesforce`` when at least two of its own headers are present and it has
    more of them than the other; else ``generic``."""
    keys = {_key(h) for h in headers}
    scores = {name: len(keys & signature) for name, signature in _SIGNATURE_KEYS.items()}
    (best, top), (_, second) = sorted(scores.items(), key=lambda kv: -kv[1])[:2]
    return best if top >= 2 and top > second else "generic"


def build_mapping(
    headers: list[str], preset: str = "auto", overrides: AnyMapping[str, str] | None = None
) -> Mapping:
    """Map each header (unique, as ``RowSource.headers`` are) to a lead field or a custom one."""
    if preset == "auto":
        preset = detect_preset(headers)
    if preset not in _TABLES:
        raise MappingError(f"unknown preset '{preset}'; use auto, {', '.join(PRESETS)}")
    table = _TABLES[preset]
    columns: dict[int, Column] = {}
    filled: dict[str, str] = {}  # field -> header

    unused = _apply_overrides(headers, overrides or {}, columns, filled)

    claims: dict[str, list[tuple[int, int]]] = {}
    for i, header in enumerate(headers):
        if i in columns or (hit := table.get(_key(header))) is None:
            continue
        field, rank, _ = hit
        if field is None:
            columns[i] = Column(header=header, target=CUSTOM, how="custom")
        else:
            claims.setdefault(field, []).append((rank, i))
    for field, candidates in claims.items():
        for _, i in sorted(candidates):
            if field in filled:
                columns[i] = _duplicate(headers[i], field, filled[field])
            else:
                columns[i] = Column(header=headers[i], target=field, how="exact")
                filled[field] = headers[i]

    guesses = _guess(headers, table, columns, filled)

    for i, header in enumerate(headers):
        columns.setdefault(i, Column(header=header, target=CUSTOM, how="custom"))
    return Mapping(
        preset=preset,
        columns=_name_custom_columns([columns[i] for i in range(len(headers))]),
        guesses=tuple(guesses),
        unused_overrides=tuple(unused),
    )


def _apply_overrides(
    headers: list[str],
    overrides: AnyMapping[str, str],
    columns: dict[int, Column],
    filled: dict[str, str],
) -> list[str]:
    by_key: dict[str, list[int]] = {}
    for i, header in enumerate(headers):
        by_key.setdefault(_key(header), []).append(i)
    targets: dict[str, str] = {}  # target -> header, to refuse two columns for one target
    unused = []
    for name, value in overrides.items():
        target = _override_target(name, value)
        if name in headers:
            i = headers.index(name)
        elif len(by_key.get(_key(name), [])) == 1:
            i = by_key[_key(name)][0]
        else:
            unused.append(name)
            continue
        header = headers[i]
        if target is None:
            columns[i] = Column(header=header, target=None, how="ignored")
            continue
        if target != CUSTOM and target in targets:
            raise MappingError(
                f"columns '{targets[target]}' and '{header}' are both mapped to '{target}'",
                loc=["mapping", name],
            )
        targets[target] = header
        columns[i] = Column(header=header, target=target, how="override")
        if not target.startswith(CUSTOM):
            filled[target] = header
    return unused


def _override_target(header: str, value: str) -> str | None:
    """A mapping-file value as a target: a field, ``custom``, ``custom:<name>``, or None."""
    value = value.strip()
    if value == IGNORE:
        return None
    if value in FIELDS or value == CUSTOM:
        return value
    if value.startswith(CUSTOM_PREFIX) and _slug(value.removeprefix(CUSTOM_PREFIX)):
        return CUSTOM_PREFIX + _slug(value.removeprefix(CUSTOM_PREFIX))
    close = process.extractOne(value, FIELDS, scorer=fuzz.ratio, score_cutoff=70)
    hint = f"; did you mean '{close[0]}'?" if close else "."
    raise MappingError(
        f"unknown field '{value}' for column '{header}'{hint} Use a lead field "
        f"({', '.join(FIELDS)}), '{CUSTOM}', '{CUSTOM_PREFIX}<name>' or '{IGNORE}'",
        loc=["mapping", header],
    )


def _duplicate(header: str, field: str, filled_by: str) -> Column:
    note = f"looks like {field}, which '{filled_by}' already fills; kept as a custom field"
    return Column(header=header, target=CUSTOM, how="duplicate", note=note)


def _guess(
    headers: list[str],
    table: dict[str, tuple[str | None, int, str]],
    columns: dict[int, Column],
    filled: dict[str, str],
) -> list[Guess]:
    choices = list(table)
    found: list[tuple[float, int, str, str]] = []  # (score, column, field, like)
    for i, header in enumerate(headers):
        key = _key(header)
        if i in columns or len(key) < FUZZY_MIN_CHARS:
            continue
        best: dict[str | None, tuple[float, str]] = {}
        for choice, score, _ in process.extract(
            key, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD, limit=None
        ):
            field, _, like = table[choice]
            if field not in best or score > best[field][0]:
                best[field] = (score, like)
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
        if not ranked or ranked[0][0] is None:
            continue
        (field, (score, like)), *others = ranked
        if others and others[0][1][0] > score - FUZZY_MARGIN:
            note = f"resembles both '{like}' and '{others[0][1][1]}'; not guessed"
            columns[i] = Column(header=header, target=CUSTOM, how="custom", note=note)
            continue
        found.append((score, i, field, like))
    guesses = []
    for score, i, field, like in sorted(found, key=lambda f: (-f[0], f[1])):
        if field in filled:
            columns[i] = _duplicate(headers[i], field, filled[field])
            continue
        filled[field] = headers[i]
        note = f"guessed: resembles '{like}' ({score:.0f}%)"
        columns[i] = Column(header=headers[i], target=field, how="guess", note=note)
        guesses.append(Guess(header=headers[i], field=field, score=round(score, 1), like=like))
    return sorted(guesses, key=lambda g: headers.index(g.header))


def _name_custom_columns(columns: list[Column]) -> tuple[Column, ...]:
    """Give every column still marked ``custom`` a unique ``custom:<slug>`` from its header."""
    taken = {c.target for c in columns if c.target and c.target.startswith(CUSTOM_PREFIX)}
    named = []
    for n, column in enumerate(columns, 1):
        if column.target == CUSTOM:
            base = _slug(column.header) or f"column_{n}"
            slug, k = base, 2
            while CUSTOM_PREFIX + slug in taken:
                slug, k = f"{base}_{k}", k + 1
            taken.add(CUSTOM_PREFIX + slug)
            column = column.model_copy(update={"target": CUSTOM_PREFIX + slug})
        named.append(column)
    return tuple(named)


def missing_identity(mapping: Mapping) -> str | None:
    """Why no row of this file could be matched to a lead, or None when it can."""
    if any(field in mapping.fields for field in IDENTITY_FIELDS):
        return None
    shown = ", ".join(f"'{c.header}'" for c in mapping.columns[:12])
    more = f" and {len(mapping.columns) - 12} more" if len(mapping.columns) > 12 else ""
    return (
        f"the header has no email or phone column: it has {shown}{more}. "
        'Rename one, or map it in a mapping file (columns: {"<header>": email})'
    )


def apply_mapping(
    mapping: Mapping, row_values: AnyMapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """(lead fields, custom fields keyed by slug) of one row; empty cells are left out."""
    fields: dict[str, str] = {}
    custom: dict[str, str] = {}
    for column in mapping.columns:
        if column.target is None:
            continue
        value = row_values.get(column.header, "").strip()
        if not value:
            continue
        if column.target.startswith(CUSTOM_PREFIX):
            custom[column.target.removeprefix(CUSTOM_PREFIX)] = value
        else:
            fields[column.target] = value
    return fields, custom


# --- mapping files ---------------------------------------------------------------------------


def load_mapping_file(path: str | PathLike[str]) -> dict[str, str]:
    """``{columns: {"Header": field | custom | custom:<name> | ignore}}`` -> overrides.

    Every problem names its line. Values are checked here, so a typo fails before any import.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MappingError(f"mapping file not found: {path}") from None
    except UnicodeDecodeError:
        raise MappingError(f"{path.name}: not a UTF-8 text file") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise MappingError(f"{path.name}, line {line}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{path.name}: {exc}") from None

    def fail(node: yaml.Node | None, message: str) -> MappingError:
        line = node.start_mark.line + 1 if node is not None else 1
        return MappingError(f"{path.name}, line {line}: {message}")

    expected = 'expected "columns:" with one "Header: field" line per column'
    if not isinstance(root, yaml.MappingNode):
        raise fail(root, f"the file is {'empty' if root is None else 'not a mapping'}; {expected}")
    columns_node = None
    for key_node, value_node in root.value:
        if key_node.value != "columns":
            raise fail(key_node, f"unknown key '{key_node.value}'; {expected}")
        columns_node = value_node
    if not isinstance(columns_node, yaml.MappingNode):
        raise fail(columns_node or root, f"'columns' is not a mapping; {expected}")

    overrides: dict[str, str] = {}
    for key_node, value_node in columns_node.value:
        if not isinstance(key_node, yaml.ScalarNode) or not key_node.value.strip():
            raise fail(key_node, "a column header must be plain text")
        header = key_node.value.strip()
        if header in overrides:
            raise fail(key_node, f"column '{header}' is mapped twice")
        if not isinstance(value_node, yaml.ScalarNode) or not value_node.value.strip():
            raise fail(value_node, f"column '{header}' has no field; write a field or 'ignore'")
        try:
            _override_target(header, value_node.value)
        except MappingError as exc:
            raise fail(value_node, exc.message) from None
        overrides[header] = value_node.value.strip()
    return overrides
