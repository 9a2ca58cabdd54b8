"""The FastAPI application factory: routers under /api/v1 and one error shape for every 4xx."""

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from leadledger import __version__
from leadledger.accounts.router import router as accounts_router
from leadledger.activities.router import router as activities_router
from leadledger.audit.router import router as audit_router
from leadledger.capture import service as capture_service
from leadledger.capture.router import router as capture_router
from leadledger.contract.router import router as contract_router
from leadledger.core.clock import get_clock
from leadledger.core.db import get_engine, session_scope
from leadledger.core.errors import InvalidInput, LeadLedgerError, describe, format_loc
from leadledger.core.middleware import RequestContext
from leadledger.exports.router import router as exports_router
from leadledger.forms.router import public_router as public_forms_router
from leadledger.forms.router import router as forms_router
from leadledger.imports.router import router as imports_router
from leadledger.leads.router import router as leads_router
from leadledger.lifecycle.router import router as lifecycle_router
from leadledger.opportunities.router import router as opportunities_router
from leadledger.planning.router import router as planning_router
from leadledger.privacy.router import router as privacy_router
from leadledger.programs.router import router as programs_router
from leadledger.reports.router import router as reports_router
from leadledger.scoring.router import router as scoring_router
from leadledger.users import service as user_service
from leadledger.users.router import router as users_router

log = logging.getLogger("leadledger")
INTAKE_PATHS = {"/api/v1/leads", "/api/v1/leads:batch"}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def _error(
    status: int, code: str, detail: str, loc: list | None = None, headers=None
) -> JSONResponse:  # noqa: ANN001
    return JSONResponse(
        {"error": code, "detail": detail, "loc": loc or []}, status_code=status, headers=headers
    )


def _format_validation(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    parts = []
    for err in errors:
        message = describe(err)
        if err["type"] == "extra_forbidden" and err["loc"][-1] == "stage":
            message += "; change a stage with POST /api/v1/leads/{id}/transitions"
        where = format_loc([p for p in err["loc"] if p != "body"]) or "body"
        parts.append(f"{where}: {message}")
    first = list(errors[0]["loc"]) if errors else []
    return _error(422, "invalid_input", "; ".join(parts), first)


def _caller(request: Request) -> str | None:
    """Who sent a request that failed before authentication ran; None for no valid token, so
    strangers cannot write to the intake log."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    with session_scope(get_engine().execution_options(sqlite_deferred=True)) as session:
        return user_service.token_source(session, token.strip(), now=get_clock().now())


def create_app() -> FastAPI:
    app = FastAPI(
        title="leadledger",
        version=__version__,
        description="Every lead accounted for, from first touch to revenue.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )

    @app.exception_handler(LeadLedgerError)
    def _domain_error(request: Request, exc: LeadLedgerError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.loc, exc.headers())

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        response = _format_validation(exc)
        source = _caller(request) if request.method == "POST" else None
        if source and request.url.path in INTAKE_PATHS:
            # a signed-in capture that never reached the route is still kept for the operator
            detail = json.loads(response.body)
            capture_service.log_failure(
                channel="api",
                via=source,
                client=request.client.host if request.client else None,
                error=InvalidInput(detail["detail"], loc=detail["loc"]),
                payload=exc.body,
                now=get_clock().now(),
            )
        return response

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else code
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such endpoint: {request.method} {request.url.path}"
        return _error(exc.status_code, code, detail, [], getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error(500, "internal_error", "internal error; the server log has the details")

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        try:
            with get_engine().connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # the probe reports any database failure as not ready
            return _error(503, "not_ready", f"database unreachable: {type(exc).__name__}")
        return JSONResponse({"status": "ready"})

    for router in (
        capture_router,
        forms_router,
        exports_router,  # /leads:export: a path of its own, never read as a lead id
        leads_router,
        lifecycle_router,
        activities_router,
        accounts_router,
        contract_router,
        users_router,
        audit_router,
        privacy_router,
        imports_router,
        programs_router,
        opportunities_router,
        reports_router,
        planning_router,
        scoring_router,
    ):
        app.include_router(router, prefix="/api/v1")
    app.include_router(public_forms_router)  # /f/{public_key}: no token, any website
    app.add_middleware(RequestContext)
    return app
