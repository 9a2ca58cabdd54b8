"""The scoring sections of the contract: what `contract check` refuses, with the line."""

import pytest

from leadledger.contract.rules import ContractError, default_contract_text, parse_contract

DEFAULT = default_contract_text()


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def issues(text: str) -> list[str]:
    with pytest.raises(ContractError) as info:
        parse_contract(text)
    return [str(i) for i in info.value.issues]


@pytest.mark.parametrize(
    ("old", "new", "expected", "needle"),
    [
        (
            "      field: industry\n      op: in\n      value: [software",
            "      field: revenue\n      op: in\n      value: [software",
            "icp.rules[0].field: unknown field 'revenue'; use one of: industry, employees",
            "field: revenue",
        ),
        (
            "  half_life_days: 30\n",
            "  half_life_days: -7\n",
            "engagement.half_life_days: Input should be greater than 0",
            "half_life_days: -7",
        ),
        (
            "    - {grade: C, min: 30, max: 54}",
            "    - {grade: C, min: 30, max: 60}",
            "icp.bands[2]: band B overlaps band C (icp.bands[3])",
            "{grade: B, min: 55",
        ),
        (
            "  rules: []\n",
            "  rules:\n    - id: pricing_twice\n      any_activity: [pricing_page_visit, "
            "price_page]\n",
            "mql.rules[0].any_activity[1]: unknown activity type 'price_page'",
            "any_activity: [pricing_page_visit",
        ),
        (
            "    - {grade: A, min: 80, max: 99}",
            "    - {grade: C+, min: 80, max: 99}",
            "icp.bands[1].grade: band C+ has more points than B but is not a better grade",
            "{grade: C+, min: 80",
        ),
        (
            "      value: [europe, north_america]",
            "      value: [europe, apac]",
            "icp.rules[4].value[1]: no region 'apac' in icp.regions",
            "value: [europe, apac]",
        ),
        (
            "    email_open: 3\n",
            "    email_opened: 3\n",
            "engagement.daily_caps.email_opened: 'email_opened' has no entry under",
            "email_opened: 3",
        ),
        (
            "    web_form: form_fill\n",
            "    fax: form_fill\n",
            "engagement.capture_as.fax: unknown channel 'fax'",
            "fax: form_fill",
        ),
        (
            "  rules: []\n",
            "  rules:\n    - id: anyone\n      description: nothing to meet\n",
            "mql.rules[0]: a rule with no condition would make every lead an MQL",
            "- id: anyone",
        ),
        (
            "  required: [need]",
            "  required: [needs]",
            "sql.required[0]: no criterion 'needs' under sql.criteria",
            "required: [needs]",
        ),
        (
            "      value: [student]\n      exclude: true\n",
            "      value: [student]\n      exclude: true\n      points: -40\n",
            "icp.rules[9].points: an exclusion rule takes no points",
            "points: -40",
        ),
    ],
)
def test_refused_with_the_line(old, new, expected, needle):
    assert old in DEFAULT
    text = DEFAULT.replace(old, new, 1)
    found = issues(text)
    assert any(f.startswith(expected) for f in found), found
    hit = next(f for f in found if f.startswith(expected))
    assert hit.endswith(f"(line {line_of(text, needle)})"), hit


def test_the_mql_stage_cannot_require_reason_codes():
    text = DEFAULT.replace(
        "    milestone: mql\n", "    milestone: mql\n    reason_lists: [recycle]\n"
    )
    found = issues(text)
    assert any(f.startswith("stages[2].reason_lists: scoring moves leads to 'mql'") for f in found)


def test_grades_or_bands_not_both():
    text = DEFAULT.replace("  bands:\n", "  grades: {A: 80, B: 55, C: 30}\n  bands:\n")
    assert any("give either grades" in f for f in issues(text))


def test_a_contract_stored_before_scoring_still_loads():
    """Version 1 as main shipped it: no bands, exclusions, caps, capture types or rules."""
    old = (
        DEFAULT[: DEFAULT.index("icp:")]
        + (
            "icp:\n  rules:\n"
            "    - {id: core, field: industry, op: in, value: [software], points: 30}\n"
            "  grades: {A: 80, B: 55, C: 30}\n"
            "engagement:\n  half_life_days: 30\n  points: {form_fill: 10, demo_request: 40}\n"
            "  hand_raise: [demo_request]\n"
            "mql:\n  min_fit_grade: B\n  min_engagement: 40\n  hand_raise_min_fit_grade: C\n"
            "sql:\n  criteria:\n    - {key: budget, label: Budget}\n  min_met: 1\n"
        )
        + DEFAULT[DEFAULT.index("# Reason codes") :]
    )
    c = parse_contract(old)
    assert c.icp.grades.A == 80 and c.engagement.daily_caps == {}
    assert [r.id for r in c.mql.all_rules(c.engagement)] == ["fit_and_engagement", "hand_raise"]
    assert c.sql.gate is True and c.qualification_gate("sql") is c.sql
