from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.audit import AuditSpec
from leadledger.core.clock import utcnow
from leadledger.core.db import Base


class ContractVersion(Base):
    """One version of the lead contract. Rows are never changed except ``active``."""

    __tablename__ = "contract_version"
    # the text itself is kept in this row; `contract diff` shows what changed
    __audit__ = AuditSpec(entity="contract_version", exclude=frozenset({"yaml_text"}))
    __table_args__ = (
        # at most one active version, enforced by the database on both dialects
        Index(
            "uq_contract_version_one_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    yaml_text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
