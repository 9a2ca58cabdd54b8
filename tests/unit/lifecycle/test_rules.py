from datetime import UTC, datetime, timedelta

import pytest

from leadledger.contract.rules import default_contract_text, parse_contract
from leadledger.lifecycle.rules import check_transition, stamps

C = parse_contract(default_contract_text())
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("frm", "to", "reason"),
    [
        (None, "lead", None),
        (None, "prospect", None),
        ("lead", "mql", None),
        ("mql", "sal", None),
        ("sql", "opportunity", None),
        ("opportunity", "customer", None),
        ("opportunity", "closed_lost", "price"),
        ("mql", "nurture", "not_now"),
        ("sal", "nurture", "bad_timing"),  # an AE's reject is a reason of the nurture stage
        ("lead", "disqualified", "student"),
        ("nurture", "mql", None),
    ],
)
def test_allowed_moves(frm, to, reason):
    assert check_transition(C, frm, to, reason) is None


@pytest.mark.parametrize(
    ("frm", "to", "reason", "kind", "field", "message"),
    [
        (
            "lead",
            "customer",
            None,
            "illegal",
            "to",
            "cannot move from 'lead' to 'customer'; allowed: mql, nurture, disqualified",
        ),
        (
            "disqualified",
            "lead",
            None,
            "illegal",
            "to",
            "cannot move from 'disqualified' to 'lead'; allowed: nowhere",
        ),
        ("mql", "mql", None, "illegal", "to", "the lead is already in 'mql'"),
        (
            None,
            "sql",
            None,
            "illegal",
            "to",
            "a lead cannot start in 'sql'; it may start in: prospect, lead",
        ),
        ("lead", "won", None, "invalid", "to", "unknown stage 'won'"),
        (
            "lead",
            "disqualified",
            None,
            "invalid",
            "reason",
            "moving to 'disqualified' needs a reason: one of junk",
        ),
        (
            "lead",
            "disqualified",
            "  ",
            "invalid",
            "reason",
            "moving to 'disqualified' needs a reason",
        ),
        (
            "lead",
            "disqualified",
            "not_now",
            "invalid",
            "reason",
            "'not_now' is not a reason for 'disqualified'",
        ),
    ],
)
def test_refused_moves_say_why(frm, to, reason, kind, field, message):
    refusal = check_transition(C, frm, to, reason)
    assert refusal is not None
    assert (refusal.kind, refusal.field) == (kind, field)
    assert refusal.message.startswith(message)


class TestStamps:
    def test_milestone_is_set_the_first_time_only(self):
        first = stamps(C, "mql", T0, {"mql_at": None})
        assert first == {"stage": "mql", "stage_changed_at": T0, "mql_at": T0}
        again = stamps(C, "mql", T0 + timedelta(days=40), {"mql_at": T0})
        assert "mql_at" not in again
        assert again["stage_changed_at"] == T0 + timedelta(days=40)

    def test_won_sets_converted_and_closed(self):
        out = stamps(C, "customer", T0, {"converted_at": None})
        assert out["converted_at"] == T0 and out["closed_at"] == T0

    def test_lost_closes_without_converting(self):
        out = stamps(C, "closed_lost", T0, {})
        assert out["closed_at"] == T0 and "converted_at" not in out

    def test_nurture_counts_a_recycle(self):
        assert stamps(C, "nurture", T0, {"recycle_count": 0})["recycle_count"] == 1
        assert stamps(C, "nurture", T0, {"recycle_count": 2})["recycle_count"] == 3
