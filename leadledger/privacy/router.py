from typing import Annotated

from fastapi import APIRouter

from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.privacy import service
from leadledger.privacy.schemas import ErasureRead, PrivacyExport, PrivacyRequest
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(tags=["privacy"])
Officer = Annotated[Principal, require(P.privacy_manage)]


@router.post("/privacy/export", response_model=PrivacyExport)
def export_person(
    body: PrivacyRequest, session: SessionDep, viewer: Officer, clock: ClockDep
) -> PrivacyExport:
    """Everything stored about the person with this e-mail (a subject access request)."""
    return service.export(session, body.email, now=clock.now())


@router.post("/privacy/erase", response_model=ErasureRead)
def erase_person(
    body: PrivacyRequest, session: SessionDep, viewer: Officer, clock: ClockDep
) -> ErasureRead:
    """Forget the person: personal fields blanked everywhere, counts kept, re-capture blocked
    until they opt in again."""
    return service.erase(session, body.email, now=clock.now())
