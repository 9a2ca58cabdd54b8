"""Programs (campaigns) and their cost rows. Leads reach a program by name: capture, forms and
imports name it, and ``resolve`` turns the name into the program's row, creating it the first
time a name is seen so no lead's program is ever dropped."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadledger.core.db import insert_unique
from leadledger.core.errors import Conflict, InvalidInput, NotFound
from leadledger.leads.models import Lead
from leadledger.programs.models import Program, ProgramCost
from leadledger.programs.schemas import CostCreate, ProgramCreate, ProgramRead
from leadledger.users import service as user_service


def add_program(session: Session, data: ProgramCreate, *, now: datetime) -> Program:
    team_id = None
    if data.owner_team:
        try:
            team_id = user_service.get_team(session, data.owner_team).id
        except NotFound as exc:
            raise InvalidInput(exc.message, loc=["body", "owner_team"]) from exc
    row = Program(
        name=data.name,
        channel=data.channel,
        owner_team_id=team_id,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        description=data.description,
        created_at=now,
        updated_at=now,
    )
    insert_unique(
        session, row, Conflict(f"a program named '{data.name}' exists", loc=["body", "name"])
    )
    return row


def get_program(session: Session, ref: int | str) -> Program:
    """By id, or by name (the CLI names programs)."""
    if isinstance(ref, int):
        row = session.get(Program, ref)
    else:
        row = session.scalar(select(Program).where(Program.name == ref))
    if row is None:
        raise NotFound(f"no program {ref!r}", loc=["program"])
    return row


def add_cost(session: Session, ref: int | str, data: CostCreate, *, now: datetime) -> ProgramCost:
    program = get_program(session, ref)
    row = ProgramCost(
        program_id=program.id,
        period_start=data.period_start,
        period_end=data.period_end,
        amount=data.amount.quantize(Decimal("0.01")),
        note=data.note,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def costs_of(session: Session, program_id: int) -> list[ProgramCost]:
    return list(
        session.scalars(
            select(ProgramCost)
            .where(ProgramCost.program_id == program_id)
            .order_by(ProgramCost.period_start, ProgramCost.id)
        )
    )


def list_programs(session: Session) -> list[ProgramRead]:
    """Every program with its total cost and first-touch lead count (each summed on its own)."""
    totals = dict(
        session.execute(
            select(ProgramCost.program_id, func.sum(ProgramCost.amount)).group_by(
                ProgramCost.program_id
            )
        ).all()
    )
    leads = dict(
        session.execute(
            select(Lead.program_id, func.count())
            .where(Lead.program_id.is_not(None))
            .group_by(Lead.program_id)
        ).all()
    )
    return [
        ProgramRead.model_validate(p).model_copy(
            update={"total_cost": Decimal(totals.get(p.id) or 0), "leads": leads.get(p.id, 0)}
        )
        for p in session.scalars(select(Program).order_by(Program.name))
    ]


def resolve(session: Session, names: set[str], *, channel: str | None, now: datetime) -> dict:
    """Program name -> id for ``names``, creating the programs not seen before."""
    names = {n for n in names if n}
    if not names:
        return {}
    found = dict(
        session.execute(select(Program.name, Program.id).where(Program.name.in_(names))).all()
    )
    for name in sorted(names - found.keys()):
        row = Program(
            name=name,
            channel=channel,
            description="created when a lead first named it",
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # another transaction created it first
            row = session.scalar(select(Program).where(Program.name == name))
        found[name] = row.id
    return found


def all_programs(session: Session) -> list[Program]:
    return list(session.scalars(select(Program).order_by(Program.id)))


def all_costs(session: Session) -> list[ProgramCost]:
    return list(session.scalars(select(ProgramCost).order_by(ProgramCost.id)))
