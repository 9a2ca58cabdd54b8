"""Pure contract rules: parse YAML into a checked ``Contract``, naming the line of every error;
compare two versions section by section."""

import difflib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import ValidationError

from leadledger.contract.schemas import (
    BUILT_IN_MQL_RULES,
    Contract,
    FitField,
    FitOp,
    StageCategory,
    grade_rank,
)
from leadledger.core.errors import InvalidInput, describe, format_loc
from leadledger.leads.schemas import Channel

Loc = tuple[str | int, ...]

MAX_CONTRACT_CHARS = 1_000_000
ROUTING_FIELDS = {"source", "channel", "country", "industry", "creating_team"}


@dataclass(frozen=True)
class ContractIssue:
    loc: Loc
    message: str
    line: int | None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        path = format_loc(self.loc)
        return f"{path}: {self.message}{where}" if path else f"{self.message}{where}"


class ContractError(InvalidInput):
    """A contract that does not parse or does not hold together; names every problem."""

    code = "invalid_contract"

    def __init__(self, issues: list[ContractIssue]) -> None:
        self.issues = issues
        first = issues[0]
        message = "; ".join(str(i) for i in issues)
        super().__init__(message, loc=["contract", *first.loc])


def default_contract_text() -> str:
    return resources.files("leadledger.contract").joinpath("default.yaml").read_text("utf-8")


# --- parsing -------------------------------------------------------------------------------


def _line_map(
    node: yaml.Node, path: Loc, lines: dict[Loc, int], issues: list[ContractIssue]
) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                issues.append(
                    ContractIssue((*path, key), "key appears twice", key_node.start_mark.line + 1)
                )
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _line_map(value_node, (*path, key), lines, issues)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*path, i), lines, issues)


def _line_of(loc: Loc, lines: dict[Loc, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _pydantic_loc(loc: tuple) -> Loc:
    # dict keys are reported as (..., key, "[key]"); "from" is the alias of Transition.from_
    return tuple(p for p in loc if p != "[key]")


def parse_contract(text: str) -> Contract:
    """YAML text -> a checked, frozen ``Contract``, or ``ContractError`` naming lines and fields."""
    if len(text) > MAX_CONTRACT_CHARS:
        raise ContractError(
            [ContractIssue((), f"larger than {MAX_CONTRACT_CHARS} characters", None)]
        )
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):  # aliases can expand without bound
                line = event.start_mark.line + 1
                message = "YAML aliases (*name) are not allowed in a contract; write values out"
                raise ContractError([ContractIssue((), message, line)])
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except RecursionError as exc:
        raise ContractError([ContractIssue((), "the YAML is nested too deeply", None)]) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ContractError([ContractIssue((), f"not valid YAML: {exc.problem}", line)]) from exc
    except yaml.YAMLError as exc:
        raise ContractError([ContractIssue((), f"not valid YAML: {exc}", None)]) from exc
    if node is None or not isinstance(data, dict):
        raise ContractError([ContractIssue((), "a contract is a YAML mapping of sections", 1)])

    lines: dict[Loc, int] = {}
    issues: list[ContractIssue] = []
    _line_map(node, (), lines, issues)
    if issues:
        raise ContractError(issues)
    try:
        contract = Contract.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = _pydantic_loc(err["loc"])
            issues.append(ContractIssue(loc, describe(err), _line_of(loc, lines)))
        raise ContractError(issues) from exc
    problems = check_contract(contract)
    if problems:
        raise ContractError(
            [ContractIssue(loc, msg, _line_of(loc, lines)) for loc, msg in problems]
        )
    return contract


# --- meaning ---------------------------------------------------------------------------------


def _duplicates(items: list[str], what: str, loc_of) -> list[tuple[Loc, str]]:
    seen: set[str] = set()
    out = []
    for i, item in enumerate(items):
        if item in seen:
            out.append((loc_of(i), f"duplicate {what} '{item}'"))
        seen.add(item)
    return out


def check_contract(c: Contract) -> list[tuple[Loc, str]]:
    """Cross-references the schema cannot express; each problem with the path it is at."""
    p: list[tuple[Loc, str]] = []
    names = [s.name for s in c.stages]
    known = set(names)
    p += _duplicates(names, "stage", lambda i: ("stages", i, "name"))
    p += _duplicates([str(s.order) for s in c.stages], "order", lambda i: ("stages", i, "order"))
    if not c.entry_stages():
        p.append((("stages",), "no stage has entry: true, so no lead could be created"))
    milestones = [s.milestone.value for s in c.stages if s.milestone]
    for i, s in enumerate(c.stages):
        if s.milestone and milestones.count(s.milestone.value) > 1:
            p.append((("stages", i, "milestone"), f"milestone '{s.milestone}' is on two stages"))
        for j, lst in enumerate(s.reason_lists):
            if lst not in c.reasons:
                p.append(
                    (("stages", i, "reason_lists", j), f"no reason list '{lst}' under reasons")
                )

    p += _duplicates(
        [t.from_ for t in c.transitions], "transitions source", lambda i: ("transitions", i, "from")
    )
    for i, t in enumerate(c.transitions):
        if t.from_ not in known:
            p.append((("transitions", i, "from"), f"unknown stage '{t.from_}'"))
        for j, to in enumerate(t.to):
            if to not in known:
                p.append((("transitions", i, "to", j), f"unknown stage '{to}'"))
            elif to == t.from_:
                p.append((("transitions", i, "to", j), "a stage cannot move to itself"))

    for name, reasons in c.reasons.items():
        p += _duplicates(
            [r.code for r in reasons], "reason", lambda i, n=name: ("reasons", n, i, "code")
        )

    for i, s in enumerate(c.stages):
        scored = s.milestone == "mql" or s.name == c.recycle.reactivation_stage
        if scored and (s.reason_required or s.reason_lists):
            p.append(
                (
                    ("stages", i, "reason_lists" if s.reason_lists else "reason_required"),
                    f"scoring moves leads to '{s.name}' with the rule as the reason; "
                    "it cannot require reason codes",
                )
            )
    p += _icp_problems(c)
    p += _engagement_problems(c)
    p += _mql_problems(c)

    p += _duplicates(
        [k.key for k in c.sql.criteria], "criterion", lambda i: ("sql", "criteria", i, "key")
    )
    keys = {k.key for k in c.sql.criteria}
    for j, key in enumerate(c.sql.required):
        if key not in keys:
            p.append((("sql", "required", j), f"no criterion '{key}' under sql.criteria"))
    if c.sql.min_met > len(c.sql.criteria):
        p.append(
            (("sql", "min_met"), f"{c.sql.min_met} is more than the {len(c.sql.criteria)} criteria")
        )

    p += _duplicates(
        [s.id for s in c.service_levels], "service level", lambda i: ("service_levels", i, "id")
    )
    for i, sl in enumerate(c.service_levels):
        if sl.starts_on_stage not in known:
            p.append(
                (("service_levels", i, "starts_on_stage"), f"unknown stage '{sl.starts_on_stage}'")
            )
        for j, st in enumerate(sl.stops_on_stages):
            if st not in known:
                p.append((("service_levels", i, "stops_on_stages", j), f"unknown stage '{st}'"))

    p += _calendar_problems(c)

    p += _duplicates(
        [r.id for r in c.routing.rules], "routing rule", lambda i: ("routing", "rules", i, "id")
    )
    for i, rule in enumerate(c.routing.rules):
        for field in rule.when:
            if field not in ROUTING_FIELDS:
                p.append(
                    (
                        ("routing", "rules", i, "when", field),
                        f"cannot route on '{field}'; use one of: "
                        + ", ".join(sorted(ROUTING_FIELDS)),
                    )
                )

    total = sum(c.ownership.split.values())
    if abs(total - 100) > 1e-6:
        p.append((("ownership", "split"), f"shares add up to {total:g}, not 100"))

    r = c.recycle
    nurture = c.stage(r.nurture_stage)
    if nurture is None:
        p.append((("recycle", "nurture_stage"), f"unknown stage '{r.nurture_stage}'"))
    elif nurture.category != StageCategory.parked:
        p.append((("recycle", "nurture_stage"), f"'{r.nurture_stage}' is not a parked stage"))
    back = c.stage(r.reactivation_stage)
    if back is None:
        p.append((("recycle", "reactivation_stage"), f"unknown stage '{r.reactivation_stage}'"))
    elif nurture is not None and back.name not in c.targets(nurture.name):
        p.append(
            (
                ("recycle", "reactivation_stage"),
                f"'{back.name}' cannot be reached from '{nurture.name}' by the transitions",
            )
        )
    return p


def _icp_problems(c: Contract) -> list[tuple[Loc, str]]:
    icp = c.icp
    p = _duplicates([r.id for r in icp.rules], "fit rule", lambda i: ("icp", "rules", i, "id"))
    for i, rule in enumerate(icp.rules):
        problem = _fit_value_problem(rule.op, rule.value)
        if problem:
            p.append((("icp", "rules", i, "value"), problem))
        elif rule.field == FitField.region and rule.op in (FitOp.in_, FitOp.not_in):
            for j, name in enumerate(rule.value):
                if name not in icp.regions:
                    p.append(
                        (("icp", "rules", i, "value", j), f"no region '{name}' in icp.regions")
                    )
        if rule.exclude and rule.points:
            p.append((("icp", "rules", i, "points"), "an exclusion rule takes no points"))
    for name, countries in icp.regions.items():
        for j, code in enumerate(countries):
            if not (len(code) == 2 and code.isalpha() and code.isupper()):
                p.append((("icp", "regions", name, j), f"'{code}' is not an ISO country code"))
    g = icp.grades
    if g is not None and not g.A > g.B > g.C:
        p.append((("icp", "grades"), f"grades must fall A > B > C, got {g.A}, {g.B}, {g.C}"))
    p += _duplicates([b.grade for b in icp.bands], "grade", lambda i: ("icp", "bands", i, "grade"))
    low = float("-inf")
    bands = sorted(enumerate(icp.bands), key=lambda ib: low if ib[1].min is None else ib[1].min)
    for i, band in bands:
        if band.min is not None and band.max is not None and band.min > band.max:
            p.append((("icp", "bands", i, "max"), f"max {band.max} is below min {band.min}"))
    for (i, a), (j, b) in zip(bands, bands[1:], strict=False):
        if a.max is None or (b.min is None or b.min <= a.max):
            p.append(
                (
                    ("icp", "bands", j),
                    f"band {b.grade} overlaps band {a.grade} (icp.bands[{i}]): "
                    "each fit score must fall in one band",
                )
            )
        elif grade_rank(b.grade) <= grade_rank(a.grade):
            p.append(
                (
                    ("icp", "bands", j, "grade"),
                    f"band {b.grade} has more points than {a.grade} but is not a better grade",
                )
            )
    return p


def _engagement_problems(c: Contract) -> list[tuple[Loc, str]]:
    e = c.engagement
    p: list[tuple[Loc, str]] = []
    for j, act in enumerate(e.hand_raise):
        if act not in e.points:
            p.append(
                (("engagement", "hand_raise", j), f"'{act}' has no entry under engagement.points")
            )
    for act, cap in e.daily_caps.items():
        if act not in e.points:
            p.append(
                (("engagement", "daily_caps", act), f"'{act}' has no entry under engagement.points")
            )
        elif cap <= 0:
            p.append((("engagement", "daily_caps", act), "a daily cap must be above 0"))
    channels = {ch.value for ch in Channel}
    for channel, act in e.capture_as.items():
        if channel not in channels:
            p.append(
                (
                    ("engagement", "capture_as", channel),
                    f"unknown channel '{channel}'; channels are: {', '.join(sorted(channels))}",
                )
            )
        elif act not in e.points:
            p.append(
                (
                    ("engagement", "capture_as", channel),
                    f"'{act}' has no entry under engagement.points",
                )
            )
    return p


def _mql_problems(c: Contract) -> list[tuple[Loc, str]]:
    p = _duplicates([r.id for r in c.mql.rules], "MQL rule", lambda i: ("mql", "rules", i, "id"))
    known = c.engagement.points
    for i, rule in enumerate(c.mql.rules):
        if rule.id in BUILT_IN_MQL_RULES:
            p.append((("mql", "rules", i, "id"), f"'{rule.id}' is the name of a built-in rule"))
        if rule.min_fit_grade is None and rule.min_engagement is None and not rule.any_activity:
            p.append((("mql", "rules", i), "a rule with no condition would make every lead an MQL"))
        if rule.within_days is not None and not rule.any_activity:
            p.append((("mql", "rules", i, "within_days"), "within_days needs any_activity"))
        for j, act in enumerate(rule.any_activity):
            if act not in known:
                p.append(
                    (
                        ("mql", "rules", i, "any_activity", j),
                        f"unknown activity type '{act}'; engagement.points lists: "
                        + ", ".join(known),
                    )
                )
    return p


def _fit_value_problem(op: FitOp, value: Any) -> str | None:
    is_num = isinstance(value, int | float) and not isinstance(value, bool)
    if op in (FitOp.in_, FitOp.not_in, FitOp.contains_any, FitOp.ends_with_any):
        if not isinstance(value, list) or not value:
            return f"'{op}' needs a non-empty list"
    elif op in (FitOp.gte, FitOp.lte):
        if not is_num:
            return f"'{op}' needs a number"
    elif op == FitOp.between:
        ok = isinstance(value, list) and len(value) == 2
        ok = ok and all(isinstance(v, int | float) for v in value) and value[0] <= value[1]
        if not ok:
            return "'between' needs [low, high] with low <= high"
    elif op == FitOp.present and value is not None:
        return "'present' takes no value"
    return None


def _calendar_problems(c: Contract) -> list[tuple[Loc, str]]:
    p: list[tuple[Loc, str]] = []
    cal = c.calendar
    try:
        ZoneInfo(cal.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        p.append((("calendar", "timezone"), f"unknown time zone '{cal.timezone}'"))
    for key in ("start", "end"):
        hh, mm = (int(x) for x in getattr(cal, key).split(":"))
        if hh > 23 or mm > 59:
            p.append((("calendar", key), f"'{getattr(cal, key)}' is not a time of day"))
    if cal.start >= cal.end:
        p.append((("calendar", "end"), "the working day must end after it starts"))
    for i, day in enumerate(cal.holidays):
        try:
            date.fromisoformat(day)
        except ValueError:
            p.append((("calendar", "holidays", i), f"'{day}' is not an ISO date (YYYY-MM-DD)"))
    return p


# --- comparing -------------------------------------------------------------------------------


def contract_sections(contract: Contract) -> dict[str, str]:
    data = contract.model_dump(mode="json", by_alias=True)
    return {
        key: yaml.safe_dump(value, sort_keys=False, allow_unicode=True)
        for key, value in data.items()
    }


def diff_contracts(
    a: Contract, b: Contract, *, label_a: str = "a", label_b: str = "b"
) -> dict[str, list[str]]:
    """Section name -> unified diff lines, for the sections that differ (in contract order)."""
    sa, sb = contract_sections(a), contract_sections(b)
    out: dict[str, list[str]] = {}
    for section in sa:
        if sa[section] != sb[section]:
            out[section] = list(
                difflib.unified_diff(
                    sa[section].splitlines(),
                    sb[section].splitlines(),
                    fromfile=f"{label_a}:{section}",
                    tofile=f"{label_b}:{section}",
                    lineterm="",
                    n=2,
                )
            )
    return out
