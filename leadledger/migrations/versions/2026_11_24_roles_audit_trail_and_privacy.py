"""roles, audit trail and privacy

Revision ID: c41d7e2a9f10
Revises: 9b9e488ad761
Create Date: 2026-11-24 02:11:08.004112
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadledger.core.types

revision: str = "c41d7e2a9f10"
down_revision: str | None = "9b9e488ad761"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # tokens made before scopes existed could do whatever their user's role allows: keep that
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", leadledger.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=50), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_event_action_client_at", ["action", "client", "at"], unique=False
        )
        batch_op.create_index("ix_audit_event_actor_id_id", ["actor_id", "id"], unique=False)
        batch_op.create_index("ix_audit_event_lead_id_id", ["lead_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_request_id"), ["request_id"], unique=False)

    op.create_table(
        "privacy_tombstone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("erased_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("leads", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_tombstone")),
        sa.UniqueConstraint("email_hash", name=op.f("uq_privacy_tombstone_email_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "scope",
                sa.Enum(
                    "capture",
                    "read",
                    "write",
                    "admin",
                    name="tokenscope",
                    native_enum=False,
                    length=20,
                ),
                nullable=False,
                server_default="admin",
            )
        )
        batch_op.add_column(
            sa.Column("expires_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_source", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("consent_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "unsubscribed_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("do_not_call", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("erased_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_team_parent_id"), ["parent_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_team_parent_id_team"), "team", ["parent_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_team_parent_id_team"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_team_parent_id"))
        batch_op.drop_column("parent_id")

    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("do_not_call")
        batch_op.drop_column("unsubscribed_at")
        batch_op.drop_column("consent_at")
        batch_op.drop_column("consent_source")

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scope")

    op.drop_table("privacy_tombstone")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_request_id"))
        batch_op.drop_index("ix_audit_event_lead_id_id")
        batch_op.drop_index("ix_audit_event_actor_id_id")
        batch_op.drop_index("ix_audit_event_action_client_at")

    op.drop_table("audit_event")
