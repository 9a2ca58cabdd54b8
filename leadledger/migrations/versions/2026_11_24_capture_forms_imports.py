"""capture forms imports

Revision ID: d8a3f5b1c270
Revises: c41d7e2a9f10
Create Date: 2026-11-24 02:37:54.874629
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import leadledger.core.types

revision: str = "d8a3f5b1c270"
down_revision: str | None = "c41d7e2a9f10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_idempotency_key_scope")),
    )
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_key_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "import_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("created_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_mapping")),
        sa.UniqueConstraint("name", name=op.f("uq_import_mapping_name")),
    )
    op.create_table(
        "intake_error",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", leadledger.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("via", sa.String(length=200), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("loc", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("replayed_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_error")),
    )
    with op.batch_alter_table("intake_error", schema=None) as batch_op:
        batch_op.create_index("ix_intake_error_at", ["at"], unique=False)

    op.create_table(
        "rate_counter",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", leadledger.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_counter")),
    )
    op.create_table(
        "form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.String(length=40), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("required", sa.JSON(), nullable=False),
        sa.Column("program", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=50), nullable=False),
        sa.Column("redirect_url", sa.String(length=2000), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("archived_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_form_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form")),
        sa.UniqueConstraint("name", name=op.f("uq_form_name")),
        sa.UniqueConstraint("public_key", name=op.f("uq_form_public_key")),
    )
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("file_path", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("preset", sa.String(length=20), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("guesses", sa.JSON(), nullable=False),
        sa.Column("program", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("last_row", sa.Integer(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("merged", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("error_file", sa.Text(), nullable=True),
        sa.Column("error_file_size", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", leadledger.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_import_job_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_import_job_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_job_status"), ["status"], unique=False)

    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("company_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("seniority", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("department", sa.String(length=30), nullable=True))
        batch_op.add_column(
            sa.Column("utm", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(sa.Column("via", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("raw", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(
            sa.Column("problems", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.create_index(batch_op.f("ix_lead_company_key"), ["company_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_company_key"))
        batch_op.drop_column("problems")
        batch_op.drop_column("raw")
        batch_op.drop_column("via")
        batch_op.drop_column("utm")
        batch_op.drop_column("department")
        batch_op.drop_column("seniority")
        batch_op.drop_column("company_key")

    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_job_status"))

    op.drop_table("import_job")
    op.drop_table("form")
    op.drop_table("rate_counter")
    with op.batch_alter_table("intake_error", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_error_at")

    op.drop_table("intake_error")
    op.drop_table("import_mapping")
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_key_created_at"))

    op.drop_table("idempotency_key")
