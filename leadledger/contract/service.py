"""Contract versions: exactly one active; applying a contract is an event with author and reason."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from leadledger.contract.models import ContractVersion
from leadledger.contract.rules import default_contract_text, diff_contracts, parse_contract
from leadledger.contract.schemas import Contract
from leadledger.core.actor import Actor
from leadledger.core.db import serialize
from leadledger.core.errors import Conflict, InvalidInput, NotFound


@dataclass(frozen=True)
class ActiveContract:
    version: int
    contract: Contract


@lru_cache(maxsize=64)
def _parsed(version: int, yaml_text: str) -> Contract:
    # versions are immutable, so a parse is cached by (version, text)
    return parse_contract(yaml_text)


def _row(session: Session, version: int) -> ContractVersion:
    row = session.get(ContractVersion, version)
    if row is None:
        raise NotFound(f"no contract version {version}", loc=["version"])
    return row


def _active_row(session: Session) -> ContractVersion:
    row = session.scalar(select(ContractVersion).where(ContractVersion.active.is_(True)))
    if row is None:
        raise Conflict("no active lead contract: run 'leadledger init'")
    return row


def active(session: Session) -> ActiveContract:
    """The active version, read once per transaction (a capture asks several rules)."""
    cached = session.info.get("active_contract")
    if cached is None or cached[0] is not session.get_transaction():
        row = _active_row(session)
        cached = (session.get_transaction(), ActiveContract(row.version, contract_of(row)))
        session.info["active_contract"] = cached
    return cached[1]


def get_version(session: Session, version: int | None = None) -> ContractVersion:
    """A version by number, or the active one."""
    return _active_row(session) if version is None else _row(session, version)


def contract_of(row: ContractVersion) -> Contract:
    return _parsed(row.version, row.yaml_text)


def history(session: Session) -> list[ContractVersion]:
    return list(session.scalars(select(ContractVersion).order_by(ContractVersion.version)))


def apply(
    session: Session, yaml_text: str, *, actor: Actor, reason: str, now: datetime
) -> ContractVersion:
    """Check ``yaml_text`` and make it the new active version. A broken contract changes nothing."""
    if not reason.strip():
        raise InvalidInput("a contract change needs a reason", loc=["reason"])
    parse_contract(yaml_text)
    session.info.pop("active_contract", None)
    serialize(session, "contract_version")
    latest = session.scalar(select(func.max(ContractVersion.version))) or 0
    session.execute(
        update(ContractVersion).where(ContractVersion.active.is_(True)).values(active=False)
    )
    row = ContractVersion(
        version=latest + 1,
        yaml_text=yaml_text,
        author=actor.label,
        author_user_id=actor.user_id,
        reason=reason.strip(),
        active=True,
        created_at=now,
    )
    session.add(row)
    session.flush()
    # imported here: scoring reads the contract through this module
    from leadledger.scoring import service as scoring_service

    scoring_service.mark_all_due(session, now=now, why=f"contract version {row.version}")
    return row


def ensure_default(session: Session, *, now: datetime) -> ContractVersion | None:
    """Load the shipped default as version 1 when the database has no contract yet."""
    serialize(session, "contract_version")
    if session.scalar(select(func.count()).select_from(ContractVersion)):
        return None
    return apply(
        session,
        default_contract_text(),
        actor=Actor.system("init"),
        reason="default contract loaded by leadledger init",
        now=now,
    )


def diff(session: Session, a: int, b: int) -> dict[str, list[str]]:
    ra, rb = _row(session, a), _row(session, b)
    return diff_contracts(contract_of(ra), contract_of(rb), label_a=f"v{a}", label_b=f"v{b}")
