"""What the form tests share: arranging a form, reading back leads and the intake log."""

from sqlalchemy import func, select

from leadledger.capture.models import IntakeError
from leadledger.forms import service as form_service
from leadledger.forms.models import Form
from leadledger.forms.schemas import FormCreate
from leadledger.leads.models import Lead

BROWSER = ("198.51.100.7", 50123)  # a documentation address: the client of public posts


def make_form(session, *, now, name: str = "contact-us", **overrides) -> Form:  # noqa: ANN001
    fields = {
        "name": name,
        "fields": ["first_name", "last_name", "email", "company_name"],
        "required": ["email"],
        "program": "website-contact",
    } | overrides
    form = form_service.add_form(session, FormCreate(**fields), now=now)
    session.commit()
    return form


def leads(session) -> list[Lead]:  # noqa: ANN001
    session.commit()  # end the read snapshot: see what the request committed
    return list(session.scalars(select(Lead).order_by(Lead.id)))


def intake_log(session) -> list[IntakeError]:  # noqa: ANN001
    session.commit()
    return list(session.scalars(select(IntakeError).order_by(IntakeError.id)))


def count(session, model) -> int:  # noqa: ANN001
    session.commit()
    return session.scalar(select(func.count()).select_from(model))


def assert_error(response, status: int, code: str, loc: list | None = None) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail", "loc"}
    assert body["error"] == code
    assert body["detail"]
    if loc is not None:
        assert body["loc"] == loc, body
    return body
