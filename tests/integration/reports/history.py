"""A generated history with known answers (worked out by hand in the tests that read it).

Period under test: 2026-Q4; the clock stands at Monday 2026-11-02 10:00 UTC. Most leads are
created on Monday 2026-10-05 09:00 UTC (``T0``) and move at the hours after T0 listed in
``PATHS``; two (L5, L6) were created and handed over in August and never touched since."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from leadledger.activities import service as activity_service
from leadledger.activities.schemas import ActivityCreate
from leadledger.core.actor import Actor
from leadledger.leads import service as lead_service
from leadledger.leads.schemas import LeadCreate
from leadledger.lifecycle import service as lifecycle
from leadledger.opportunities import service as opportunity_service
from leadledger.opportunities.schemas import OpportunityRecord
from leadledger.programs import service as program_service
from leadledger.programs.schemas import CostCreate, ProgramCreate
from tests.factories import make_team, make_user, qualify_all

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
AUG = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
NOV2_0800 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
ACTOR = Actor(label="test")

# name: (created, program, source, entry stage, [(stage, hours after creation, reason)])
PATHS = {
    "L1": (
        T0,
        "webinar",
        "webinar",
        None,
        [("mql", 24), ("sal", 48), ("sql", 96), ("disqualified", 120, "no_fit")],
    ),
    "L2": (T0, "webinar", "webinar", None, [("mql", 24), ("sal", 48), ("sql", 72)]),
    "L3": (T0, "ebook", "content_download", None, [("mql", 671)]),
    "L4": (T0, "ebook", "content_download", None, [("mql", 504)]),
    "L5": (AUG, "webinar", "webinar", None, [("mql", 1)]),
    "L6": (AUG, "webinar", "webinar", None, [("mql", 1), ("sal", 24)]),
    "L7": (T0, "ebook", "content_download", None, [("mql", 24), ("sal", 600)]),
    "L8": (T0, "webinar", "webinar", None, [("mql", 24), ("nurture", 48, "no_budget")]),
    "L9": (T0, "webinar", "webinar", None, [("mql", 24), ("nurture", 48, "not_now")]),
    "L10": (T0, "webinar", "webinar", None, [("mql", 24), ("disqualified", 30, "duplicate")]),
    "L11": (T0, "ads", "paid_search", None, []),
    "L12": (T0, None, "outbound", "prospect", [("sal", 360)]),
    "L13": (T0, "webinar", "webinar", None, [("mql", 24), ("sal", 48), ("sql", 72)]),
    "L14": (T0, "webinar", "webinar", None, [("mql", 48), ("sal", 72), ("sql", 144)]),
    "L15": (T0, "ebook", "content_download", None, [("mql", 670)]),
}
SQL_BY_SDR = {"L1", "L2", "L14"}
OWNED_BY_SDR = {"L3", "L4", "L5", "L6"}


@dataclass
class History:
    ids: dict[str, int]
    sdr_user_id: int
    marketing_team_id: int


def at(name: str, hours: float) -> datetime:
    return PATHS[name][0] + timedelta(hours=hours)


def build(session: Session) -> History:
    marketing = make_team(session, key="marketing", kind="marketing")
    sdr_team = make_team(session, key="sdr_team", kind="sdr")
    sdr = make_user(session, email="sdr@example.com", role="sdr", team=sdr_team)
    for name, channel in (
        ("webinar", "webinar"),
        ("ebook", "content_download"),
        ("ads", "paid_search"),
    ):
        program_service.add_program(
            session, ProgramCreate(name=name, channel=channel), now=T0 - timedelta(days=60)
        )
    for program, first, last, amount in (
        ("webinar", date(2026, 10, 1), date(2026, 10, 31), "1000"),
        ("webinar", date(2026, 1, 1), date(2026, 12, 31), "3650"),  # 92 of 365 days in Q4
        ("ebook", date(2026, 10, 1), date(2026, 10, 31), "600"),
        ("ads", date(2026, 9, 1), date(2026, 9, 30), "2000"),  # before the period
    ):
        program_service.add_cost(
            session,
            program,
            CostCreate(period_start=first, period_end=last, amount=Decimal(amount)),
            now=T0,
        )
    ids = {}
    for i, (name, (created, program, source, stage, moves)) in enumerate(PATHS.items()):
        team = None if name == "L11" else (sdr_team.id if name == "L12" else marketing.id)
        lead = lead_service.create_lead(
            session,
            LeadCreate(
                email=f"{name.lower()}@acme{i}.com",
                first_name=name,
                source=source,
                program=program,
                stage=stage,
                creating_team_id=team,
                owner_id=sdr.id if name in OWNED_BY_SDR else None,
            ),
            actor=ACTOR,
            now=created,
        )
        ids[name] = lead.id
        for move in moves:
            to, hours, reason = (*move, None)[:3]
            actor = (
                Actor(label=sdr.email, user_id=sdr.id)
                if to == "sql" and name in SQL_BY_SDR
                else ACTOR
            )
            if to == "sql":  # the SDR's answers first (the contract's SQL gate)
                qualify_all(session, lead.id, now=at(name, hours))
            lifecycle.transition(
                session, lead.id, to, reason=reason, actor=actor, now=at(name, hours)
            )
    # money: L2 won 30,000 after touches by ebook and ads; L13 open at 10,000, touched by
    # ebook only after its opportunity opened
    record = opportunity_service.record
    record(
        session,
        ids["L2"],
        OpportunityRecord(amount=Decimal("30000")),
        actor=ACTOR,
        now=at("L2", 96),
    )
    record(
        session,
        ids["L2"],
        OpportunityRecord(amount=Decimal("30000"), outcome="won"),
        actor=ACTOR,
        now=at("L2", 240),
    )
    record(
        session,
        ids["L13"],
        OpportunityRecord(amount=Decimal("10000")),
        actor=ACTOR,
        now=at("L13", 120),
    )
    for name, program, hours in (("L2", "ebook", 24), ("L2", "ads", 48), ("L13", "ebook", 200)):
        touch(session, ids[name], program, at(name, hours))
    # L15 was called 2.5 hours after it became an MQL
    activity_service.add_activity(
        session,
        ids["L15"],
        ActivityCreate(type="call", at=at("L15", 672.5)),
        actor=ACTOR,
        now=at("L15", 672.5),
    )
    session.flush()
    return History(ids=ids, sdr_user_id=sdr.id, marketing_team_id=marketing.id)


def touch(session: Session, lead_id: int, program: str, moment: datetime) -> None:
    activity_service.add_activity(
        session,
        lead_id,
        ActivityCreate(type="capture", at=moment, payload={"program": program, "channel": "email"}),
        actor=ACTOR,
        now=moment,
    )
