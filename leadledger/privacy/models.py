from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leadledger.core.audit import AuditSpec
from leadledger.core.db import Base


class Tombstone(Base):
    """A person erased on request. Only a hash of the e-mail is kept: enough to refuse capturing
    them again without their new consent, and nothing that names them."""

    __tablename__ = "privacy_tombstone"
    __audit__ = AuditSpec(entity="privacy_tombstone")

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    erased_at: Mapped[datetime]
    leads: Mapped[int] = mapped_column(Integer)
