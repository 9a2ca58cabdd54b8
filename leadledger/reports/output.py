"""A report as a Rich table, CSV or JSON on standard output (the CLI's ``--format``)."""

import csv
import sys
from enum import StrEnum

import typer
from rich.table import Table

from leadledger.core.console import console, print_json
from leadledger.reports.schemas import Report


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{value:,.2f}"
    return str(value)


def header_lines(report: Report) -> list[str]:
    filters = ", ".join(f"{k}={v}" for k, v in report.filters.items()) or "none"
    versions = ", ".join(str(v) for v in report.contract_versions) or "none"
    return [
        f"report: {report.report}",
        f"period: {report.period.get('label')}"
        + (
            f" ({report.period['first_day']} to {report.period['last_day']})"
            if "first_day" in report.period
            else ""
        ),
        f"filters: {filters}",
        f"contract versions: {versions}",
    ]


def render(report: Report, fmt: Format) -> None:
    if fmt == Format.json:
        print_json(report.model_dump(mode="json"))
        return
    if fmt == Format.csv:
        out = csv.writer(sys.stdout, lineterminator="\n")
        for line in header_lines(report):
            typer.echo(f"# {line}")
        for table in report.tables:
            typer.echo(f"# table: {table.name}")
            out.writerow(table.columns)
            out.writerows(["" if v is None else v for v in row] for row in table.rows)
            sys.stdout.flush()
        return
    for line in header_lines(report):
        console.print(line, highlight=False, soft_wrap=True)
    for key, value in report.headline.items():
        console.print(f"  {key}: {_cell(value)}", highlight=False, soft_wrap=True)
    for table in report.tables:
        rich = Table(*table.columns, title=table.name, title_justify="left")
        for row in table.rows:
            rich.add_row(*(_cell(v) for v in row))
        console.print(rich)
    for note in report.notes:
        console.print(f"[dim]{note}[/dim]", soft_wrap=True)
