from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.errors import InvalidInput
from leadledger.reports import rules, service
from leadledger.reports.schemas import LeakagePage, Report
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(prefix="/reports", tags=["reports"])
Reader = Annotated[Principal, require(P.report_read)]
PeriodQ = Annotated[
    str | None,
    Query(description="2027, 2027-Q1, 2027-03, 2027-W05 or 2027-01-01..2027-03-31"),
]
FromQ = Annotated[date | None, Query(alias="from", description="first day")]
ToQ = Annotated[date | None, Query(alias="to", description="last day (inclusive)")]


def _period(clock, period, first, last, *, allow_all=False):  # noqa: ANN001, ANN202
    return rules.resolve_period(
        period, first, last, default=service.default_period(clock.now()), allow_all=allow_all
    )


@router.get("/funnel", response_model=Report)
def funnel(
    session: SessionDep,
    viewer: Reader,
    clock: ClockDep,
    period: PeriodQ = None,
    first: FromQ = None,
    last: ToQ = None,
    group_by: Annotated[str | None, Query(description=", ".join(rules.GROUPINGS))] = None,
) -> Report:
    return service.funnel(
        session,
        period=_period(clock, period, first, last),
        grouping=group_by,
        now=clock.now(),
        viewer=viewer,
    )


@router.get("/leakage", response_model=Report)
def leakage(
    session: SessionDep,
    viewer: Reader,
    clock: ClockDep,
    period: Annotated[str | None, Query(description="a period, or 'all'")] = None,
    first: FromQ = None,
    last: ToQ = None,
) -> Report:
    resolved = _period(clock, period, first, last, allow_all=True)
    return service.leakage(session, period=resolved, now=clock.now(), viewer=viewer)


@router.get("/leakage/leads", response_model=LeakagePage)
def leakage_leads(
    session: SessionDep,
    viewer: Reader,
    clock: ClockDep,
    bucket: rules.Bucket = rules.Bucket.no_disposition,
    period: Annotated[str | None, Query(description="a period, or 'all'")] = None,
    first: FromQ = None,
    last: ToQ = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> LeakagePage:
    if cursor is not None and not cursor.isdigit():
        raise InvalidInput("cursor: not a cursor this list gave", loc=["query", "cursor"])
    return service.leakage_leads(
        session,
        bucket=bucket,
        period=_period(clock, period, first, last, allow_all=True),
        now=clock.now(),
        viewer=viewer,
        limit=limit,
        after=int(cursor or 0),
    )


def _simple(name: str, fn) -> None:  # noqa: ANN001
    def route(
        session: SessionDep,
        viewer: Reader,
        clock: ClockDep,
        period: PeriodQ = None,
        first: FromQ = None,
        last: ToQ = None,
    ) -> Report:
        resolved = _period(clock, period, first, last)
        return fn(session, period=resolved, now=clock.now(), viewer=viewer)

    route.__name__ = name
    route.__doc__ = fn.__doc__
    router.get(f"/{name}", response_model=Report, name=name)(route)


_simple("sla", service.sla)
_simple("programs", service.programs)
_simple("sources", service.sources)
_simple("owners", service.owners)
