"""Pure lifecycle rules: is a move allowed, and which lead timestamps does it set."""

from dataclasses import dataclass
from datetime import datetime

from leadledger.contract.schemas import Contract, Milestone, SqlDefinition, StageCategory
from leadledger.scoring.rules import sql_check


@dataclass(frozen=True)
class Refusal:
    """Why a move is refused: ``invalid`` input (422), an ``illegal`` move (409), or a lead
    not ``unqualified`` for the stage yet (409)."""

    kind: str  # "invalid" | "illegal" | "unqualified"
    field: str
    message: str


def check_transition(
    contract: Contract, frm: str | None, to: str, reason: str | None
) -> Refusal | None:
    """``None`` when ``frm -> to`` with ``reason`` is allowed by the contract."""
    target = contract.stage(to)
    if target is None:
        names = ", ".join(s.name for s in contract.stages)
        return Refusal("invalid", "to", f"unknown stage '{to}'; stages are: {names}")
    if frm is None:
        if not target.entry:
            starts = ", ".join(contract.entry_stages())
            return Refusal(
                "illegal", "to", f"a lead cannot start in '{to}'; it may start in: {starts}"
            )
    else:
        allowed = contract.targets(frm)
        if to == frm:
            return Refusal("illegal", "to", f"the lead is already in '{to}'")
        if to not in allowed:
            where = ", ".join(allowed) if allowed else "nowhere (it is final)"
            return Refusal("illegal", "to", f"cannot move from '{frm}' to '{to}'; allowed: {where}")
    codes = contract.reason_codes(target)
    if target.reason_required and not (reason and reason.strip()):
        hint = f": one of {', '.join(codes)}" if codes else ""
        return Refusal("invalid", "reason", f"moving to '{to}' needs a reason{hint}")
    if reason and codes and reason not in codes:
        return Refusal(
            "invalid",
            "reason",
            f"'{reason}' is not a reason for '{to}'; use one of: {', '.join(codes)}",
        )
    return None


def check_gate(gate: SqlDefinition, to: str, answers: dict[str, str]) -> Refusal | None:
    """A move to a stage the contract gates (``Contract.qualification_gate``) needs its
    criteria met by the recorded answers; the refusal names what is missing."""
    check = sql_check(gate, answers)
    if check.ok:
        return None
    return Refusal("unqualified", "to", f"cannot move to '{to}' yet: {check.message}")


MILESTONE_FIELDS = {
    Milestone.mql: "mql_at",
    Milestone.sal: "sal_at",
    Milestone.sql: "sql_at",
    Milestone.opportunity: "opportunity_at",
}


def stamps(contract: Contract, to: str, at: datetime, current: dict[str, datetime | None]) -> dict:
    """The lead fields a move to ``to`` at ``at`` sets. Milestones keep their first time."""
    stage = contract.stage(to)
    assert stage is not None
    out: dict = {"stage": to, "stage_changed_at": at}
    field = MILESTONE_FIELDS.get(stage.milestone) if stage.milestone else None
    if field and current.get(field) is None:
        out[field] = at
    if stage.category == StageCategory.won and current.get("converted_at") is None:
        out["converted_at"] = at
    if stage.category in (StageCategory.won, StageCategory.lost):
        out["closed_at"] = at
    if stage.category == StageCategory.parked:
        out["recycle_count"] = (current.get("recycle_count") or 0) + 1
    return out
