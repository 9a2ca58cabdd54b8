import pytest

from leadledger.contract.rules import ContractError, default_contract_text, parse_contract
from leadledger.contract.schemas import StageCategory

DEFAULT = default_contract_text()


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def issues(text: str) -> list[str]:
    with pytest.raises(ContractError) as info:
        parse_contract(text)
    return [str(i) for i in info.value.issues]


class TestDefaultContract:
    def test_lifecycle_is_the_one_in_the_domain(self):
        c = parse_contract(DEFAULT)
        assert [s.name for s in c.stages] == [
            "prospect",
            "lead",
            "mql",
            "sal",
            "sql",
            "opportunity",
            "customer",
            "closed_lost",
            "nurture",
            "disqualified",
        ]
        assert c.targets("lead") == ("mql", "nurture", "disqualified")
        assert c.targets("opportunity") == ("customer", "closed_lost")
        assert c.targets("disqualified") == ()
        assert c.entry_stages() == ("prospect", "lead")
        assert c.default_entry_stage() == "lead"

    def test_side_states_need_reasons_from_their_lists(self):
        c = parse_contract(DEFAULT)
        assert c.stage("nurture").category == StageCategory.parked
        assert "student" in c.reason_codes(c.stage("disqualified"))
        assert {"not_now", "not_decision_maker"} <= set(c.reason_codes(c.stage("nurture")))
        assert all(c.stage(s).reason_required for s in ("nurture", "disqualified", "closed_lost"))

    def test_every_section_is_present(self):
        c = parse_contract(DEFAULT)
        assert [k.key for k in c.sql.criteria] == ["budget", "authority", "need", "timeline"]
        assert sum(c.ownership.split.values()) == 100
        assert c.recycle.nurture_stage == "nurture"
        assert {sl.id for sl in c.service_levels} == {"first_touch", "ae_accept", "disposition"}

    def test_contract_is_frozen(self):
        c = parse_contract(DEFAULT)
        with pytest.raises(ValueError):
            c.stages[0].name = "x"  # type: ignore[misc]


class TestRefusals:
    def test_duplicate_stage_names_its_index_field_and_line(self):
        text = DEFAULT.replace("  - name: sal\n", "  - name: mql\n", 1)
        found = issues(text)
        line = line_of(text, "- name: mql", 2)
        assert found[0] == f"stages[3].name: duplicate stage 'mql' (line {line})"

    def test_unknown_field_is_named_with_its_line(self):
        text = DEFAULT.replace("  half_life_days: 30\n", "  half_life_days: 30\n  half_lfe: 3\n")
        assert issues(text) == [
            f"engagement.half_lfe: unknown field (line {line_of(text, 'half_lfe')})"
        ]

    def test_wrong_type_is_named(self):
        text = DEFAULT.replace("  min_engagement: 40\n", "  min_engagement: lots\n")
        (found,) = issues(text)
        assert found.startswith("mql.min_engagement: ")
        assert found.endswith(f"(line {line_of(text, 'min_engagement: lots')})")

    def test_missing_section(self):
        text = DEFAULT.replace("routing:\n", "routing_rules:\n")
        found = issues(text)
        assert "routing: required field is missing" in found[0] or any(
            "routing:" in f for f in found
        )
        assert any(f.startswith("routing_rules: unknown field") for f in found)

    def test_yaml_syntax_error_names_the_line(self):
        (found,) = issues("name: x\nstages: [a,\n  b\nfoo: : bar\n")
        assert found.startswith("not valid YAML")
        assert "(line " in found

    def test_duplicate_key_is_refused(self):
        text = DEFAULT.replace(
            "  half_life_days: 30\n", "  half_life_days: 30\n  half_life_days: 60\n"
        )
        assert issues(text) == [
            "engagement.half_life_days: key appears twice "
            f"(line {line_of(text, 'half_life_days: 60')})"
        ]

    def test_transition_to_unknown_stage(self):
        text = DEFAULT.replace("    to: [customer, closed_lost]", "    to: [customer, won]")
        assert issues(text) == [
            "transitions[5].to[1]: unknown stage 'won' "
            f"(line {line_of(text, 'to: [customer, won]')})"
        ]

    @pytest.mark.parametrize(
        ("old", "new", "expected"),
        [
            (
                "split: {marketing: 50,",
                "split: {marketing: 60,",
                "ownership.split: shares add up to 110, not 100",
            ),
            (
                "hand_raise: [demo_request, contact_sales]",
                "hand_raise: [demo_request, call_me]",
                "engagement.hand_raise[1]: 'call_me' has no entry under engagement.points",
            ),
            (
                "{grade: B, min: 55, max: 79}",
                "{grade: B, min: 55, max: 85}",
                "icp.bands[1]: band A overlaps band B (icp.bands[2])",
            ),
            (
                "value: [50, 5000]",
                "value: [5000, 50]",
                "icp.rules[2].value: 'between' needs [low, high]",
            ),
            (
                "timezone: Europe/London",
                "timezone: Mars/Olympus",
                "calendar.timezone: unknown time zone 'Mars/Olympus'",
            ),
            ("min_met: 3", "min_met: 5", "sql.min_met: 5 is more than the 4 criteria"),
            ("    order: 40\n", "    order: 30\n", "stages[3].order: duplicate order '30'"),
            (
                "reactivation_stage: mql",
                "reactivation_stage: customer",
                "recycle.reactivation_stage: 'customer' cannot be reached from 'nurture'",
            ),
            (
                "nurture_stage: nurture",
                "nurture_stage: lead",
                "recycle.nurture_stage: 'lead' is not a parked stage",
            ),
            (
                "when: {country: [US, CA]}",
                "when: {region: [NA]}",
                "routing.rules[2].when.region: cannot route on 'region'",
            ),
            (
                "reason_lists: [disqualify]",
                "reason_lists: [junk]",
                "stages[9].reason_lists[0]: no reason list 'junk'",
            ),
            (
                'holidays: ["2026-12-25"',
                'holidays: ["25/12/2026"',
                "calendar.holidays[0]: '25/12/2026' is not an ISO date",
            ),
        ],
    )
    def test_meaning_errors(self, old, new, expected):
        assert old in DEFAULT
        found = issues(DEFAULT.replace(old, new, 1))
        assert any(f.startswith(expected) for f in found), found
        assert all("(line " in f for f in found)

    @pytest.mark.parametrize(
        ("text", "start"),
        [
            ("a: &a [*a]\n", "YAML aliases (*name) are not allowed"),
            (
                'a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n',
                "YAML aliases (*name) are not allowed",
            ),
            ("a: " + "[" * 1200 + "]" * 1200 + "\n", "the YAML is nested too deeply"),
            ("x" * 1_000_001, "larger than"),
        ],
    )
    def test_hostile_yaml_is_refused_not_crashed(self, text, start):
        (found,) = issues(text)
        assert found.startswith(start), found

    def test_not_a_mapping(self):
        assert issues("- just\n- a list\n") == ["a contract is a YAML mapping of sections (line 1)"]

    def test_error_message_carries_every_issue(self):
        text = DEFAULT.replace("  - name: sal\n", "  - name: mql\n", 1)
        with pytest.raises(ContractError) as info:
            parse_contract(text)
        assert info.value.status == 422
        assert info.value.loc == ["contract", "stages", 3, "name"]
        assert "duplicate stage 'mql'" in info.value.message
