from typing import Annotated

from fastapi import APIRouter

from leadledger.contract import service
from leadledger.contract.schemas import ContractRead, ContractVersionRead
from leadledger.core.dependencies import SessionDep
from leadledger.core.schemas import PathId
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

Reader = Annotated[Principal, require(P.contract_read)]

router = APIRouter(tags=["contract"])


def _read(row) -> ContractRead:  # noqa: ANN001
    return ContractRead(
        version=row.version,
        author=row.author,
        reason=row.reason,
        active=row.active,
        created_at=row.created_at,
        yaml=row.yaml_text,
        contract=service.contract_of(row).model_dump(mode="json", by_alias=True),
    )


@router.get("/contract", response_model=ContractRead)
def active_contract(session: SessionDep, viewer: Reader) -> ContractRead:
    return _read(service.get_version(session))


@router.get("/contract/versions", response_model=list[ContractVersionRead])
def contract_versions(session: SessionDep, viewer: Reader) -> list[ContractVersionRead]:
    return [ContractVersionRead.model_validate(r) for r in service.history(session)]


@router.get("/contract/versions/{version}", response_model=ContractRead)
def contract_version(version: PathId, session: SessionDep, viewer: Reader) -> ContractRead:
    return _read(service.get_version(session, version))
