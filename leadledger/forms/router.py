"""Web forms: their management under /api/v1/forms (``form:manage``), and the public
``/f/{public_key}`` that any website posts to without a token."""

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from json import JSONDecodeError, loads
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser

from leadledger.capture.router import REPLAYED, idempotent
from leadledger.capture.schemas import CaptureIn
from leadledger.core import audit
from leadledger.core.config import get_settings
from leadledger.core.db import session_scope
from leadledger.core.dependencies import ClockDep, SessionDep
from leadledger.core.errors import (
    InvalidInput,
    LeadLedgerError,
    NotFound,
    TooLarge,
    TooManyRequests,
    UnsupportedMediaType,
)
from leadledger.core.schemas import PathId, parse_input
from leadledger.forms import pages, rules, service
from leadledger.forms.schemas import FormCreate, FormRead, FormUpdate
from leadledger.users.dependencies import require
from leadledger.users.permissions import Permission as P
from leadledger.users.rules import Principal

router = APIRouter(tags=["forms"])
public_router = APIRouter(tags=["forms"])
Manager = Annotated[Principal, require(P.form_manage)]

MAX_BODY = 65_536
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
JSON_TYPE = "application/json"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
    "Access-Control-Max-Age": "600",
}


# --- management ----------------------------------------------------------------------------


@router.get("/forms", response_model=list[FormRead])
def list_forms(
    session: SessionDep, viewer: Manager, include_archived: bool = False
) -> list[FormRead]:
    return [
        service.read(f)
        for f in service.list_forms(session, include_archived=include_archived, viewer=viewer)
    ]


@router.post("/forms", status_code=201, response_model=FormRead)
def add_form(body: FormCreate, session: SessionDep, viewer: Manager, clock: ClockDep) -> FormRead:
    """A new form with its public key: posts to ``url`` create leads crediting ``program`` and
    ``team``, whatever the browser sends."""
    return service.read(service.add_form(session, body, now=clock.now(), viewer=viewer))


@router.get("/forms/{form_id}", response_model=FormRead)
def get_form(form_id: PathId, session: SessionDep, viewer: Manager) -> FormRead:
    return service.read(service.get_form(session, form_id, viewer=viewer))


@router.patch("/forms/{form_id}", response_model=FormRead)
def update_form(
    form_id: PathId, body: FormUpdate, session: SessionDep, viewer: Manager, clock: ClockDep
) -> FormRead:
    return service.read(service.update_form(session, form_id, body, now=clock.now(), viewer=viewer))


@router.get("/forms/{form_id}/snippet", response_class=HTMLResponse)
def form_snippet(form_id: PathId, session: SessionDep, viewer: Manager) -> HTMLResponse:
    """The HTML ``<form>`` to paste into a web page."""
    form = service.get_form(session, form_id, viewer=viewer)
    return HTMLResponse(
        pages.form_html(
            name=form.name,
            fields=form.fields,
            required=form.required,
            action=service.action_url(form),
        )
    )


# --- the public endpoint -------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """One post to ``/f/{public_key}`` as read from HTTP: its fields, or why they could not
    be read (413, 415, 422)."""

    kind: str  # "form" (urlencoded or multipart) or "json"
    body: dict[str, Any] | None
    raw: Any  # what the intake log keeps when ``body`` could not be read
    problem: LeadLedgerError | None
    client: str | None
    request_id: str | None
    idempotency_key: str | None


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise TooLarge(f"a form post may be at most {MAX_BODY} bytes", loc=["body"])
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLarge(f"a form post may be at most {MAX_BODY} bytes", loc=["body"])
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _parse(request: Request, kind: str, body: bytes) -> dict[str, Any]:
    if kind == JSON_TYPE:
        try:
            parsed = loads(body, parse_constant=_no_constant)
        except (JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
            raise InvalidInput(f"body: is not valid JSON ({exc})", loc=["body"]) from exc
        except RecursionError as exc:
            raise InvalidInput("body: is nested too deeply", loc=["body"]) from exc
        if not isinstance(parsed, dict):
            raise InvalidInput("body: must be a JSON object", loc=["body"])
        return parsed

    async def stream():  # noqa: ANN202
        yield body
        yield b""

    parser_class = MultiPartParser if kind == "multipart/form-data" else FormParser
    try:
        form = await parser_class(request.headers, stream(), max_fields=200).parse()
    except MultiPartException as exc:
        raise InvalidInput(f"body: {exc.message}", loc=["body"]) from exc
    fields: dict[str, Any] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):  # a file input: not a lead field
            await value.close()
            continue
        # a repeated name (checkboxes) keeps every value, as Salesforce joins multi-picklists
        fields[name] = f"{fields[name]};{value}" if fields.get(name) else value
    return fields


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


async def read_request(request: Request, idempotency_key: str | None) -> Incoming:
    kind = media_type(request)
    body, raw, problem = None, None, None
    try:
        data = await _read_body(request)
        raw = data.decode("utf-8", errors="replace")
        if kind not in (*FORM_TYPES, JSON_TYPE):
            raise UnsupportedMediaType(
                f"send the form as {', '.join(FORM_TYPES)} or {JSON_TYPE}, not "
                f"'{kind or 'no content type'}'",
                loc=["header", "content-type"],
            )
        body = await _parse(request, kind, data)
    except LeadLedgerError as exc:
        problem = exc
    return Incoming(
        kind="json" if kind == JSON_TYPE else "form",
        body=body,
        raw=raw,
        problem=problem,
        client=request.client.host if request.client else None,
        request_id=getattr(request.state, "request_id", None),
        idempotency_key=idempotency_key,
    )


@dataclass(frozen=True)
class Reply:
    redirect: str | None  # where to send a browser; None: the thank-you page
    headers: dict[str, str]  # Idempotent-Replayed on a repeated answer


def _submit(public_key: str, post: Incoming, now: datetime) -> Reply:
    """The post's database work (in the thread pool): count it, find the form, capture what
    the form allows."""
    with session_scope() as counting:  # the count is kept even when the post is refused
        count = service.count_request(counting, f"form:{post.client}", now=now)
        form = service.find_active(counting, public_key)
    limit = get_settings().form_rate_limit
    payload = post.body if post.body is not None else post.raw
    refuse = partial(service.log_refusal, form, client=post.client, payload=payload, now=now)
    if count > limit:
        error = TooManyRequests(
            f"more than {limit} form posts in one second from this address", retry_after=1
        )
        if count == limit + 1:  # once per address and second: a flood does not flood the log
            refuse(error=error)
        raise error
    if form is None:
        raise NotFound("no such form (or it was archived)", loc=["path", "public_key"])
    try:
        if post.problem is not None:
            raise post.problem
        read = rules.read_post(post.body)
        if read.honeypot:  # answered exactly like a success; nothing is created
            refuse(error="honeypot")
            return Reply(rules.redirect_target(read.return_url, form.redirect_url), {})
        allowed = rules.apply_form(read, form.fields, form.required)
        data = parse_input(CaptureIn, allowed, prefix="body")
    except LeadLedgerError as exc:
        refuse(error=exc)
        raise

    def run(session: Session) -> tuple[int, Any]:
        result = service.capture_post(session, form, data, utm=read.utm, now=now)
        return 200, {"outcome": result.outcome}

    marker = Response()  # idempotent() marks a repeated answer on it
    with session_scope() as session:
        audit.set_context(
            session,
            audit.AuditContext(
                actor=f"form:{form.name}",
                source=f"form:{form.name}",
                request_id=post.request_id,
                client=post.client,
            ),
        )
        try:
            key, scope = post.idempotency_key, f"form:{form.id}"
            idempotent(session, scope, key, post.body, lambda: run(session), marker)
        except LeadLedgerError as exc:
            session.rollback()  # release the write lock before the log's own transaction
            refuse(error=exc)
            if exc.code == "forgotten":  # a stranger must not learn who asked to be forgotten
                return Reply(rules.redirect_target(read.return_url, form.redirect_url), {})
            raise
    replayed = {REPLAYED: marker.headers[REPLAYED]} if REPLAYED in marker.headers else {}
    return Reply(rules.redirect_target(read.return_url, form.redirect_url), replayed)


def _error(exc: LeadLedgerError) -> JSONResponse:
    """The canonical error shape, readable by a script on another site (CORS)."""
    return JSONResponse(exc.to_dict(), status_code=exc.status, headers=(exc.headers() or {}) | CORS)


POST_BODY = {
    "requestBody": {
        "description": "the form's fields; Salesforce Web-to-Lead names and HubSpot's "
        "{fields: [{name, value}], context: {pageUri, pageName}} are read too (docs/forms.md)",
        "content": {
            t: {"schema": {"type": "object", "additionalProperties": True}}
            for t in (*FORM_TYPES, JSON_TYPE)
        },
    }
}


@public_router.post("/f/{public_key}", openapi_extra=POST_BODY)
async def submit_form(
    public_key: str,
    request: Request,
    clock: ClockDep,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Response:
    """A lead from a web form, without a token. An HTML form post is answered with a 303 to
    the form's redirect (or a thank-you page); JSON with ``{"status": "ok"}``. A spam post
    (the honeypot filled) gets the same answer and creates nothing."""
    post = await read_request(request, idempotency_key)
    try:
        reply = await run_in_threadpool(_submit, public_key, post, clock.now())
    except LeadLedgerError as exc:
        return _error(exc)
    headers = CORS | reply.headers
    if post.kind == "json":
        answer = {"status": "ok"} | ({"redirect": reply.redirect} if reply.redirect else {})
        return JSONResponse(answer, headers=headers)
    if reply.redirect:
        return RedirectResponse(reply.redirect, status_code=303, headers=headers)
    return HTMLResponse(pages.thank_you(), headers=headers)


@public_router.options("/f/{public_key}", include_in_schema=False)
def form_preflight(public_key: str) -> Response:
    """Lets a script on any site post JSON here."""
    return Response(status_code=204, headers=CORS)


@public_router.get("/f/{public_key}", response_class=HTMLResponse)
def form_page(public_key: str, session: SessionDep) -> HTMLResponse:
    """The form as a small page, for an ``<iframe>``."""
    form = service.find_active(session, public_key)
    if form is None:
        raise NotFound("no such form (or it was archived)", loc=["path", "public_key"])
    body = pages.form_html(
        name=form.name, fields=form.fields, required=form.required, action=f"/f/{public_key}"
    )
    return HTMLResponse(pages.page(form.name, body))
