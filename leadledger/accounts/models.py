from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.audit import AuditSpec
from leadledger.core.db import Base, TimestampMixin


class Account(Base, TimestampMixin):
    """A company. ``domain`` is stored normalised and is unique when known."""

    __tablename__ = "account"
    __audit__ = AuditSpec(entity="account", actions={"owner_id": "assign"})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(255), unique=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    employees: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(2))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
