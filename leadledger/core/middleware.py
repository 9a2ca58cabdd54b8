"""A plain ASGI middleware (no per-request task or body copy): a request id for the logs and
the audit trail, and the security headers every response carries."""

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = "x-request-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
EMBEDDABLE = ("/f/",)  # public forms may be framed by the customer's own site
NO_CSP = ("/docs", "/redoc")  # the interactive API docs load their assets from a CDN


def request_id_of(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is a sane token, else a new one."""
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            given = value.decode("latin-1")
            if _SAFE_ID.match(given):
                return given
    return uuid.uuid4().hex


def security_headers(path: str, https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
    ]
    if not path.startswith(EMBEDDABLE):
        headers.append((b"x-frame-options", b"DENY"))
        if not path.startswith(NO_CSP):
            headers.append((b"content-security-policy", _CSP.encode()))
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        extra = [(REQUEST_ID.encode(), request_id.encode())]
        extra += security_headers(scope["path"], scope.get("scheme") == "https")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)
