from datetime import datetime
from typing import Any

from pydantic import BaseModel


class ReportTable(BaseModel):
    name: str
    columns: list[str]
    rows: list[list[Any]]


class Report(BaseModel):
    """One report, the same in the API, the CLI's JSON and (as tables) its CSV and Rich
    output: what it covers (period, filters, the contract versions of the moves it read), its
    headline numbers and its tables."""

    report: str
    period: dict[str, Any]
    filters: dict[str, Any]
    contract_versions: list[int]
    generated_at: datetime
    headline: dict[str, Any]
    tables: list[ReportTable]
    notes: list[str] = []

    def table(self, name: str) -> ReportTable:
        return next(t for t in self.tables if t.name == name)

    def rows(self, name: str) -> list[dict[str, Any]]:
        t = self.table(name)
        return [dict(zip(t.columns, r, strict=True)) for r in t.rows]


class LeakageLead(BaseModel):
    id: int
    name: str
    email: str | None
    company_name: str | None
    owner: str
    team: str
    stage: str
    handed_at: datetime
    in_stage_since: datetime


class LeakagePage(BaseModel):
    bucket: str
    period: dict[str, Any]
    items: list[LeakageLead]
    next_cursor: str | None
