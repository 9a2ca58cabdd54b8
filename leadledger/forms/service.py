"""Web forms: their configuration (fields, program, team, redirect), the per-address post
counter, and the capture of one post through ``capture.service`` with what the form, never the
browser, decides."""

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from leadledger.capture import service as capture_service
from leadledger.capture.models import RateCounter
from leadledger.capture.schemas import CaptureIn, CaptureResult
from leadledger.core.actor import Actor
from leadledger.core.config import get_settings
from leadledger.core.db import insert_unique
from leadledger.core.errors import Conflict, Forbidden, InvalidInput, LeadLedgerError, NotFound
from leadledger.forms import rules
from leadledger.forms.models import Form
from leadledger.forms.schemas import FormCreate, FormRead, FormUpdate
from leadledger.leads.schemas import Channel
from leadledger.users import service as user_service
from leadledger.users.models import Team
from leadledger.users.permissions import Reach
from leadledger.users.rules import Principal

KEY_BYTES = 16  # public keys of 22 URL-safe characters


def _teams_of(viewer: Principal | None) -> frozenset[int] | None:
    """The teams whose forms ``viewer`` manages; None for all (admins, leaders, the CLI)."""
    if viewer is None or viewer.reach is Reach.all:
        return None
    return viewer.team_ids


def add_form(
    session: Session, data: FormCreate, *, now: datetime, viewer: Principal | None = None
) -> Form:
    """A new form; a marketer's form credits their own team (by default, and only)."""
    fields, required = rules.check_fields(data.fields, data.required)
    team = user_service.get_team(session, data.team) if data.team else None
    mine = _teams_of(viewer)
    if mine is not None:
        if team is None and viewer.user_id is not None:
            team_id = user_service.team_of(session, viewer.user_id)
            team = session.get(Team, team_id) if team_id else None
        if team is None or team.id not in mine:
            raise Forbidden("a form must credit your own team", loc=["body", "team"])
    form = Form(
        name=data.name,
        public_key=secrets.token_urlsafe(KEY_BYTES),
        fields=fields,
        required=required,
        program=data.program or None,
        source=data.source,
        redirect_url=rules.check_redirect(data.redirect_url),
        team_id=team.id if team else None,
        active=True,
        created_at=now,
        updated_at=now,
    )
    insert_unique(session, form, Conflict(f"a form named '{data.name}' already exists"))
    return form


def list_forms(
    session: Session, *, include_archived: bool = False, viewer: Principal | None = None
) -> list[Form]:
    stmt = select(Form).order_by(Form.name)
    mine = _teams_of(viewer)
    if mine is not None:
        stmt = stmt.where(Form.team_id.in_(sorted(mine)))
    if not include_archived:
        stmt = stmt.where(Form.archived_at.is_(None))
    return list(session.scalars(stmt))


def get_form(
    session: Session, form_id: int, *, for_update: bool = False, viewer: Principal | None = None
) -> Form:
    """The form, or 404 (also for another team's form, for a marketer)."""
    form = session.get(Form, form_id, with_for_update=for_update)
    mine = _teams_of(viewer)
    if form is None or (mine is not None and form.team_id not in mine):
        raise NotFound(f"no form {form_id}", loc=["path", "form_id"])
    return form


def get_form_by_name(session: Session, name: str) -> Form:
    form = session.scalar(select(Form).where(Form.name == name))
    if form is None:
        raise NotFound(f"no form named '{name}'", loc=["name"])
    return form


def find_active(session: Session, public_key: str) -> Form | None:
    """The form posting to ``/f/{public_key}``; ``None`` for an unknown or archived key."""
    if len(public_key) > Form.public_key.type.length:
        return None
    return session.scalar(
        select(Form).where(
            Form.public_key == public_key, Form.active.is_(True), Form.archived_at.is_(None)
        )
    )


def update_form(
    session: Session,
    form_id: int,
    data: FormUpdate,
    *,
    now: datetime,
    viewer: Principal | None = None,
) -> Form:
    """Change the allow-list, required fields, program, redirect, or archive (``active``)."""
    form = get_form(session, form_id, for_update=True, viewer=viewer)
    changes = data.model_dump(exclude_unset=True)
    for name in ("fields", "required", "active"):
        if name in changes and changes[name] is None:
            raise InvalidInput("cannot be null", loc=["body", name])
    if "fields" in changes or "required" in changes:
        fields, required = rules.check_fields(
            changes.get("fields", form.fields), changes.get("required", form.required)
        )
        form.fields, form.required = fields, required
    if "program" in changes:
        form.program = changes["program"] or None
    if "redirect_url" in changes:
        form.redirect_url = rules.check_redirect(changes["redirect_url"])
    if "active" in changes and changes["active"] != form.active:
        form.active = changes["active"]
        form.archived_at = None if form.active else now
    form.updated_at = now
    session.flush()
    return form


def archive_form(session: Session, name: str, *, now: datetime) -> Form:
    """Stop the form: its key answers 404 from now on; its leads keep their credit."""
    form = get_form_by_name(session, name)
    return update_form(session, form.id, FormUpdate(active=False), now=now)


def action_url(form: Form) -> str:
    return f"{get_settings().public_url.rstrip('/')}/f/{form.public_key}"


def read(form: Form) -> FormRead:
    columns = {c.key: getattr(form, c.key) for c in Form.__table__.columns}
    return FormRead.model_validate(columns | {"url": action_url(form)})


# --- posts ---------------------------------------------------------------------------------


def count_request(session: Session, key: str, *, now: datetime) -> int:
    """Count one request for ``key`` in the current one-second window and return the count so
    far: one upsert, so concurrent requests (and processes) never lose a count."""
    window = now.replace(microsecond=0)
    table = RateCounter.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:  # pragma: no cover - leadledger runs on these two
        raise NotImplementedError(f"no rate counter for {dialect}")
    stmt = stmt.values(key=key, window_start=window, count=1)
    same_window = table.c.window_start == stmt.excluded.window_start
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": case((same_window, table.c.count + 1), else_=1),
            "window_start": stmt.excluded.window_start,
        },
    ).returning(table.c.count)
    return session.execute(stmt).scalar_one()


def capture_post(
    session: Session, form: Form, data: CaptureIn, *, utm: dict[str, str], now: datetime
) -> CaptureResult:
    """Capture what the form allowed of a post: the channel, program and team are the form's,
    and the actor is the form itself."""
    via = f"form:{form.name}"
    source = capture_service.Source(
        via=via,
        channel=Channel(form.source),
        program=form.program,
        team_id=form.team_id,
        utm={k.removeprefix("utm_"): v for k, v in utm.items()},
    )
    return capture_service.capture(
        session, data, source=source, actor=Actor.system(via), now=now, viewer=None
    )


def log_refusal(
    form: Form | None,
    *,
    client: str | None,
    error: LeadLedgerError | str,
    payload: Any,
    now: datetime,
) -> None:
    """A refused or spam post in the intake log (its own transaction)."""
    capture_service.log_failure(
        channel="form",
        via=f"form:{form.name}" if form else None,
        client=client,
        error=error,
        payload=payload,
        now=now,
    )
