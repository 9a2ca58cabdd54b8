"""Request dependencies shared by every router: the unit of work and the clock."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from leadledger.core.clock import Clock, get_clock
from leadledger.core.db import session_scope


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


# "function" scope: the commit happens before the response is sent, so a failed commit is
# the client's error response, never a 200 for data that was not stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]
