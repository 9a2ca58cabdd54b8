"""the lead's latest scores: fit grade and points, engagement, predictive score

Revision ID: 5e1f0c3a7b21
Revises: d8a3f5b1c270
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadledger.core.types

revision: str = "5e1f0c3a7b21"
down_revision: str | None = "d8a3f5b1c270"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fit_grade", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("fit_points", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("engagement_score", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("predictive_score", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("scored_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_lead_fit_grade"), ["fit_grade"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_fit_grade"))
        batch_op.drop_column("scored_at")
        batch_op.drop_column("predictive_score")
        batch_op.drop_column("engagement_score")
        batch_op.drop_column("fit_points")
        batch_op.drop_column("fit_grade")
