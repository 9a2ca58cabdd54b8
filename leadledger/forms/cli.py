from typing import Annotated

import typer
from rich.table import Table

from leadledger.core.clock import get_clock
from leadledger.core.console import console, new_app, print_json
from leadledger.core.db import session_scope
from leadledger.core.schemas import parse_input
from leadledger.forms import pages, service
from leadledger.forms.schemas import FormCreate, FormRead
from leadledger.leads.schemas import Channel

app = new_app("Web forms that post leads to /f/KEY without a token.")


def _names(text: str | None) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]


def _show(form: FormRead) -> None:
    console.print(f"form {form.id} [bold]{form.name}[/bold]{'' if form.active else ' (archived)'}")
    console.print(f"  posts to  {form.url}", soft_wrap=True)
    console.print(f"  fields    {', '.join(form.fields)}")
    console.print(f"  required  {', '.join(form.required) or '-'}")
    console.print(f"  program   {form.program or '-'}   source {form.source}")
    console.print(f"  team      {form.team_id or '-'}")
    console.print(f"  redirect  {form.redirect_url or '- (a thank-you page)'}", soft_wrap=True)


@app.command("add")
def add_form(
    name: str,
    fields: Annotated[
        str,
        typer.Option(
            help="comma-separated allow-list: first_name, last_name, email, phone, title, "
            "company_name, website, country, consent_source, custom.KEY"
        ),
    ],
    required: Annotated[str, typer.Option(help="comma-separated fields a post must fill")] = "",
    program: Annotated[str | None, typer.Option(help="the program its leads credit")] = None,
    source: Annotated[Channel, typer.Option(help="the channel of its leads")] = Channel.web_form,
    redirect: Annotated[
        str | None, typer.Option(help="where a browser goes after posting (http or https)")
    ] = None,
    team: Annotated[str | None, typer.Option(help="key of the team its leads credit")] = None,
) -> None:
    """Create a form and print where it posts."""
    data = parse_input(
        FormCreate,
        {
            "name": name,
            "fields": _names(fields),
            "required": _names(required),
            "program": program,
            "source": source,
            "redirect_url": redirect,
            "team": team,
        },
    )
    with session_scope() as session:
        form = service.read(service.add_form(session, data, now=get_clock().now()))
    _show(form)
    console.print(f"embed it: leadledger forms snippet {form.name}")


@app.command("list")
def list_forms(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    archived: Annotated[bool, typer.Option("--archived", help="include archived forms")] = False,
) -> None:
    """List forms by name."""
    with session_scope() as session:
        forms = [service.read(f) for f in service.list_forms(session, include_archived=archived)]
    if as_json:
        print_json(forms)
        return
    table = Table("id", "name", "program", "source", "fields", "active", "posts to")
    for f in forms:
        table.add_row(
            str(f.id),
            f.name,
            f.program or "",
            f.source,
            ", ".join(f.fields),
            "yes" if f.active else "no",
            f.url,
        )
    console.print(table)


@app.command("show")
def show_form(name: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One form's configuration and public address."""
    with session_scope() as session:
        form = service.read(service.get_form_by_name(session, name))
    if as_json:
        print_json(form)
        return
    _show(form)


@app.command("snippet")
def snippet(name: str) -> None:
    """Print the HTML <form> to paste into a web page (no script needed)."""
    with session_scope() as session:
        form = service.get_form_by_name(session, name)
        html = pages.form_html(
            name=form.name,
            fields=form.fields,
            required=form.required,
            action=service.action_url(form),
        )
    typer.echo(html, nl=False)


@app.command("archive")
def archive(name: str) -> None:
    """Stop a form: posts to its address get 404 from now on; its leads are kept."""
    with session_scope() as session:
        form = service.archive_form(session, name, now=get_clock().now())
        console.print(f"form {form.name} archived")
