from typing import Annotated

from fastapi import Depends, Request

from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.users import service
from leadledger.users.models import User


def current_user(request: Request, session: SessionDep, clock: ClockDep) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        token = ""
    return service.authenticate(session, token.strip() or None, now=clock.now())


CurrentUser = Annotated[User, Depends(current_user)]
