"""programs and their costs, opportunities, stored plans, the lead's first-touch program,
and the indexes the reports read through

Revision ID: 7a4c2e9d1b60
Revises: 5e1f0c3a7b21
Create Date: 2026-12-03 12:00:00

Every distinct program name already on leads, forms, imports and touch activities becomes a
program row (its channel: the most common source of its leads), and each lead's
``program_id`` points at the row of its ``program`` name; the names stay where they are.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import UTC as TZ_UTC
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import leadledger.core.types

revision: str = "7a4c2e9d1b60"
down_revision: str | None = "5e1f0c3a7b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = leadledger.core.types.UTCDateTime(timezone=True)


def _names(conn) -> dict[str, str | None]:  # noqa: ANN001
    """Program name -> the most common channel of its leads."""
    sources: dict[str, Counter] = {}
    for name, source, n in conn.execute(
        sa.text(
            "SELECT program, source, count(*) FROM lead WHERE program IS NOT NULL "
            "GROUP BY program, source"
        )
    ):
        sources.setdefault(name, Counter())[source] += n
    for table in ("form", "import_job"):
        for (name,) in conn.execute(
            sa.text(f"SELECT DISTINCT program FROM {table} WHERE program IS NOT NULL")
        ):
            sources.setdefault(name, Counter())
    extract = (
        "payload->>'program'"
        if conn.dialect.name == "postgresql"
        else "json_extract(payload, '$.program')"
    )
    for (name,) in conn.execute(
        sa.text(f"SELECT DISTINCT {extract} FROM activity WHERE type = 'capture'")
    ):
        if name:
            sources.setdefault(name, Counter())
    return {
        name: (max(c.items(), key=lambda kv: (kv[1], kv[0] or ""))[0] if c else None)
        for name, c in sources.items()
    }


def upgrade() -> None:
    op.create_table(
        "program",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=True),
        sa.Column("owner_team_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_team_id"], ["team.id"], name=op.f("fk_program_owner_team_id_team")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program")),
        sa.UniqueConstraint("name", name=op.f("uq_program_name")),
    )
    op.create_table(
        "program_cost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"], ["program.id"], name=op.f("fk_program_cost_program_id_program")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_cost")),
    )
    op.create_index(op.f("ix_program_cost_program_id"), "program_cost", ["program_id"])
    op.create_table(
        "opportunity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("expected_close_on", sa.Date(), nullable=True),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], name=op.f("fk_opportunity_lead_id_lead")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity")),
        sa.UniqueConstraint("lead_id", name=op.f("uq_opportunity_lead_id")),
    )
    op.create_index(op.f("ix_opportunity_opened_at"), "opportunity", ["opened_at"])
    op.create_index(op.f("ix_opportunity_closed_at"), "opportunity", ["closed_at"])
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("deal_size", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("rates_source", sa.String(length=300), nullable=False),
        sa.Column("assumptions", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("contract_version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
    )
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("program_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_lead_program_id"), ["program_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_lead_program_id_program"), "program", ["program_id"], ["id"]
        )
    op.create_index("ix_activity_type_at", "activity", ["type", "at"])
    op.create_index(
        "ix_lead_transition_lead_id_to_stage_at", "lead_transition", ["lead_id", "to_stage", "at"]
    )

    conn = op.get_bind()
    now = datetime.now(TZ_UTC)  # a migration runs once, at the time it runs
    program = sa.table(
        "program",
        sa.column("name"),
        sa.column("channel"),
        sa.column("description"),
        sa.column("created_at", UTC),
        sa.column("updated_at", UTC),
    )
    for name, channel in sorted(_names(conn).items()):
        conn.execute(
            sa.insert(program).values(
                name=name,
                channel=channel,
                description="created from the program name on existing leads",
                created_at=now,
                updated_at=now,
            )
        )
    conn.execute(
        sa.text(
            "UPDATE lead SET program_id ="
            " (SELECT id FROM program WHERE program.name = lead.program)"
            " WHERE program IS NOT NULL"
        )
    )


def downgrade() -> None:
    op.drop_index("ix_lead_transition_lead_id_to_stage_at", table_name="lead_transition")
    op.drop_index("ix_activity_type_at", table_name="activity")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_lead_program_id_program"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_lead_program_id"))
        batch_op.drop_column("program_id")
    op.drop_table("plan")
    op.drop_index(op.f("ix_opportunity_closed_at"), table_name="opportunity")
    op.drop_index(op.f("ix_opportunity_opened_at"), table_name="opportunity")
    op.drop_table("opportunity")
    op.drop_index(op.f("ix_program_cost_program_id"), table_name="program_cost")
    op.drop_table("program_cost")
    op.drop_table("program")
