"""scoring: score history, qualification answers, predictive models, the lead's rescore time

Revision ID: a7c3e91d4b52
Revises: 7a4c2e9d1b60
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadledger.core.types

revision: str = "a7c3e91d4b52"
down_revision: str | None = "7a4c2e9d1b60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = leadledger.core.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "score_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("as_of", UTC, nullable=False),
        sa.Column("fit_grade", sa.String(length=2), nullable=False),
        sa.Column("fit_points", sa.Integer(), nullable=False),
        sa.Column("engagement_score", sa.Float(), nullable=False),
        sa.Column("predictive_score", sa.Float(), nullable=True),
        sa.Column("contract_version", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_score_history_lead_id_lead")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_history")),
    )
    with op.batch_alter_table("score_history", schema=None) as batch_op:
        batch_op.create_index("ix_score_history_lead_id_as_of", ["lead_id", "as_of"], unique=False)

    op.create_table(
        "qualification_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("contract_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_qualification_answer_actor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_qualification_answer_lead_id_lead")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualification_answer")),
    )
    with op.batch_alter_table("qualification_answer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_qualification_answer_lead_id_criterion", ["lead_id", "criterion"], unique=False
        )

    op.create_table(
        "score_model",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("algorithm", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("trained_at", UTC, nullable=False),
        sa.Column("trained_by", sa.String(length=200), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("positives", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("contract_version", sa.Integer(), nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_score_model")),
    )
    with op.batch_alter_table("score_model", schema=None) as batch_op:
        batch_op.create_index(
            "uq_score_model_one_active",
            ["active"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )

    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rescore_at", UTC, nullable=True))
        batch_op.create_index(batch_op.f("ix_lead_rescore_at"), ["rescore_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_rescore_at"))
        batch_op.drop_column("rescore_at")
    with op.batch_alter_table("score_model", schema=None) as batch_op:
        batch_op.drop_index("uq_score_model_one_active")
    op.drop_table("score_model")
    with op.batch_alter_table("qualification_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_qualification_answer_lead_id_criterion")
    op.drop_table("qualification_answer")
    with op.batch_alter_table("score_history", schema=None) as batch_op:
        batch_op.drop_index("ix_score_history_lead_id_as_of")
    op.drop_table("score_history")
