"""Posts to /f/{public_key} from any website, without a token."""

import pytest
from sqlalchemy import select

from leadledger.activities.models import Activity
from leadledger.core.audit import AuditEvent
from leadledger.leads.models import Lead
from leadledger.privacy import service as privacy_service
from tests.api.forms.support import (
    BROWSER,
    assert_error,
    count,
    intake_log,
    leads,
    make_form,
)
from tests.factories import make_team, make_user

URLENCODED = "application/x-www-form-urlencoded"
JSON = "application/json"
JANE = {"first_name": "Jane", "last_name": "Doe", "email": "jane@acme.com", "company_name": "Acme"}


@pytest.fixture
def form(session, clock):  # noqa: ANN001, ANN201
    return make_form(session, now=clock.now())


def url(form) -> str:  # noqa: ANN001
    return f"/f/{form.public_key}"


class TestHtmlPost:
    def test_a_post_creates_a_lead_crediting_the_forms_program(self, browser, session, form):
        r = browser.post(url(form), data=JANE)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/html")
        assert "Thank you" in r.text
        assert "jane" not in r.text.lower()  # nothing about the lead goes back
        [lead] = leads(session)
        assert (lead.email, lead.first_name, lead.company_name) == ("jane@acme.com", "Jane", "Acme")
        assert lead.program == "website-contact"
        assert lead.source == "web_form"
        assert lead.via == "form:contact-us"
        assert lead.stage == "lead"

    def test_owner_program_team_and_stage_sent_by_the_browser_are_ignored(
        self, browser, session, clock
    ):
        team = make_team(session, key="demand_gen", kind="marketing")
        other = make_team(session, key="other")
        rep = make_user(session, role="sdr")
        session.commit()
        form = make_form(session, now=clock.now(), team="demand_gen")
        forged = JANE | {
            "program": "free-money",
            "owner_id": str(rep.id),
            "creating_team_id": str(other.id),
            "stage": "customer",
            "source": "partner",
            "account_id": "1",
        }
        assert browser.post(url(form), data=forged).status_code == 200
        [lead] = leads(session)
        assert lead.program == "website-contact"
        assert lead.creating_team_id == team.id
        assert lead.owner_id is None
        assert lead.stage == "lead"
        assert lead.source == "web_form"
        assert lead.account_id is None

    def test_fields_off_the_allow_list_are_ignored(self, browser, session, clock):
        form = make_form(session, now=clock.now(), fields=["email", "first_name"], required=[])
        extra = JANE | {"title": "CEO", "phone": "+44 20 7946 0000", "custom.notes": "hi"}
        assert browser.post(url(form), data=extra).status_code == 200
        [lead] = leads(session)
        assert lead.first_name == "Jane"
        assert (lead.title, lead.phone, lead.company_name) == (None, None, None)
        assert lead.custom == {}

    def test_allowed_custom_fields_and_utm_fields_are_kept(self, browser, session, clock):
        form = make_form(session, now=clock.now(), fields=["email", "custom.budget"])
        post = {
            "email": "jane@acme.com",
            "custom.budget": "50k",
            "utm_source": "linkedin",
            "utm_campaign": "q4",
        }
        assert browser.post(url(form), data=post).status_code == 200
        [lead] = leads(session)
        assert lead.custom == {"budget": "50k"}
        assert lead.utm == {"source": "linkedin", "campaign": "q4"}

    def test_a_multipart_post_works_like_an_urlencoded_one(self, browser, session, form):
        files = {"resume": ("cv.txt", b"not a lead field", "text/plain")}
        r = browser.post(url(form), data=JANE, files=files)
        assert r.status_code == 200, r.text
        assert [lead.email for lead in leads(session)] == ["jane@acme.com"]

    def test_the_browser_is_sent_to_the_forms_redirect(self, browser, session, clock):
        form = make_form(session, now=clock.now(), redirect_url="https://www.acme.com/thanks")
        r = browser.post(url(form), data=JANE)
        assert r.status_code == 303
        assert r.headers["location"] == "https://www.acme.com/thanks"

    def test_a_known_person_posting_again_gets_a_touch_not_a_second_lead(
        self, browser, session, form
    ):
        first = browser.post(url(form), data=JANE)
        again = browser.post(url(form), data=JANE | {"first_name": "Janet"})
        assert first.status_code == again.status_code == 200
        assert first.text == again.text  # the answer does not tell who is known
        [lead] = leads(session)
        touch = session.scalar(select(Activity).where(Activity.lead_id == lead.id))
        assert touch.type == "capture"
        assert touch.payload["via"] == "form:contact-us"

    def test_the_audit_trail_names_the_form_and_the_request(self, browser, session, form):
        r = browser.post(url(form), data=JANE)
        session.commit()
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == r.headers["x-request-id"])
        ).all()
        assert "lead.create" in {row.action for row in rows}
        assert {(row.actor, row.source, row.client) for row in rows} == {
            ("form:contact-us", "form:contact-us", BROWSER[0])
        }

    def test_the_form_page_renders_the_form_for_an_iframe(self, browser, form):
        r = browser.get(url(form))
        assert r.status_code == 200
        assert f'action="/f/{form.public_key}"' in r.text
        assert 'name="ll_website"' in r.text
        assert "x-frame-options" not in r.headers


class TestRequiredFields:
    def test_a_missing_required_field_is_422_naming_it_and_logged(self, browser, session, clock):
        form = make_form(session, now=clock.now(), required=["email", "company_name"])
        r = browser.post(url(form), data={"email": "jane@acme.com", "company_name": "  "})
        assert_error(r, 422, "invalid_input", ["body", "company_name"])
        assert leads(session) == []
        [logged] = intake_log(session)
        assert (logged.channel, logged.via, logged.client) == (
            "form",
            "form:contact-us",
            BROWSER[0],
        )
        assert "company_name" in logged.reason
        assert logged.payload == {"email": "jane@acme.com", "company_name": "  "}

    def test_a_required_field_sent_under_its_salesforce_name_counts(self, browser, session, clock):
        form = make_form(session, now=clock.now(), required=["email", "company_name"])
        r = browser.post(url(form), data={"email": "jane@acme.com", "company": "Acme"})
        assert r.status_code == 200, r.text
        assert leads(session)[0].company_name == "Acme"

    def test_a_value_too_long_is_422_naming_the_field(self, browser, session, form):
        r = browser.post(url(form), data=JANE | {"first_name": "x" * 101})
        assert_error(r, 422, "invalid_input", ["body", "first_name"])


class TestSalesforceWebToLead:
    W2L = {
        "oid": "00D000000000062",
        "retURL": "https://www.acme.com/thank-you?from=w2l",
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane@acme.com",
        "company": "Acme Ltd",
        "title": "VP Marketing",
        "phone": "+44 20 7946 0000",
        "mobile": "+44 7700 900123",
        "URL": "https://acme.com",
        "city": "London",
        "country": "GB",
        "description": "Interested in a demo",
        "lead_source": "Web",
        "Campaign_ID": "7015g000000XXXX",
        "00N5e00000AbCdE": "Enterprise",
        "debug": "1",
        "debugEmail": "admin@acme.com",
    }

    @pytest.fixture
    def sf_form(self, session, clock):  # noqa: ANN001, ANN201
        fields = [
            "first_name",
            "last_name",
            "email",
            "company_name",
            "title",
            "phone",
            "website",
            "country",
            "custom.city",
            "custom.description",
            "custom.00N5e00000AbCdE",
        ]
        return make_form(
            session,
            now=clock.now(),
            name="w2l",
            fields=fields,
            redirect_url="https://www.acme.com/thanks",
        )

    def test_a_web_to_lead_post_is_mapped_and_redirected(self, browser, session, sf_form):
        r = browser.post(url(sf_form), data=self.W2L)
        assert r.status_code == 303, r.text
        assert r.headers["location"] == "https://www.acme.com/thank-you?from=w2l"
        [lead] = leads(session)
        assert lead.first_name == "Jane" and lead.last_name == "Doe"
        assert lead.company_name == "Acme Ltd"
        assert lead.title == "VP Marketing"
        assert lead.phone == "+442079460000"
        assert lead.country == "GB"
        assert lead.domain == "acme.com"
        assert lead.program == "website-contact"  # never the browser's Campaign_ID
        assert lead.source == "web_form"  # never its lead_source
        assert lead.custom == {
            "city": "London",
            "description": "Interested in a demo",
            "00N5e00000AbCdE": "Enterprise",
            "lead_source": "Web",
        }

    def test_a_return_url_on_another_host_is_not_followed(self, browser, sf_form):
        r = browser.post(url(sf_form), data=self.W2L | {"retURL": "https://evil.example/x"})
        assert r.status_code == 303
        assert r.headers["location"] == "https://www.acme.com/thanks"


class TestHubSpot:
    BODY = {
        "submittedAt": "1700000000000",
        "fields": [
            {"objectTypeId": "0-1", "name": "firstname", "value": "Jane"},
            {"objectTypeId": "0-1", "name": "lastname", "value": "Doe"},
            {"objectTypeId": "0-1", "name": "email", "value": "jane@acme.com"},
            {"objectTypeId": "0-1", "name": "company", "value": "Acme"},
            {"objectTypeId": "0-1", "name": "jobtitle", "value": "Head of Growth"},
            {"objectTypeId": "0-1", "name": "message", "value": "Call me"},
        ],
        "context": {
            "hutk": "abc123",
            "pageUri": "https://www.acme.com/pricing?utm_source=google&utm_medium=cpc"
            "&utm_campaign=brand&gclid=xyz",
            "pageName": "Pricing",
            "ipAddress": "192.0.2.1",
        },
        "legalConsentOptions": {"consent": {"consentToProcess": True}},
    }

    def test_a_hubspot_submission_is_mapped_with_utm_from_the_page(self, browser, session, clock):
        form = make_form(
            session,
            now=clock.now(),
            fields=["first_name", "last_name", "email", "company_name", "title", "custom.message"],
        )
        r = browser.post(url(form), json=self.BODY)
        assert r.status_code == 200, r.text
        assert r.json() == {"status": "ok"}
        [lead] = leads(session)
        assert (lead.first_name, lead.last_name, lead.title) == ("Jane", "Doe", "Head of Growth")
        assert lead.company_name == "Acme"
        assert lead.utm == {"source": "google", "medium": "cpc", "campaign": "brand"}
        assert lead.custom == {
            "message": "Call me",
            "page_uri": self.BODY["context"]["pageUri"],
            "page_name": "Pricing",
        }

    def test_a_flat_json_post_uses_leadledgers_names(self, browser, session, clock):
        form = make_form(session, now=clock.now(), redirect_url="https://acme.com/thanks")
        r = browser.post(url(form), json=JANE | {"owner_id": 1, "program": "x"})
        assert r.status_code == 200
        assert r.json() == {"status": "ok", "redirect": "https://acme.com/thanks"}
        [lead] = leads(session)
        assert (lead.email, lead.program, lead.owner_id) == (
            "jane@acme.com",
            "website-contact",
            None,
        )

    def test_a_script_on_another_site_may_post_json(self, browser, form):
        preflight = browser.options(
            url(form),
            headers={
                "Origin": "https://www.acme.com",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "*"
        posted = browser.post(url(form), json=JANE, headers={"Origin": "https://www.acme.com"})
        assert posted.headers["access-control-allow-origin"] == "*"


class TestIdempotency:
    def test_the_same_post_twice_with_one_key_creates_one_lead(self, browser, session, form):
        headers = {"Idempotency-Key": "submit-7f3a"}
        first = browser.post(url(form), data=JANE, headers=headers)
        second = browser.post(url(form), data=JANE, headers=headers)
        assert first.status_code == second.status_code == 200
        assert first.text == second.text
        assert second.headers["idempotent-replayed"] == "true"
        assert count(session, Lead) == 1
        assert count(session, Activity) == 0  # not even a touch: the second post did nothing

    def test_the_same_json_post_twice_answers_the_same(self, browser, session, form):
        headers = {"Idempotency-Key": "k-1"}
        first = browser.post(url(form), json=JANE, headers=headers)
        second = browser.post(url(form), json=JANE, headers=headers)
        assert first.status_code == second.status_code == 200
        assert first.json() == second.json() == {"status": "ok"}
        assert count(session, Lead) == 1

    def test_another_body_with_the_same_key_is_409(self, browser, session, form):
        headers = {"Idempotency-Key": "k-2"}
        browser.post(url(form), data=JANE, headers=headers)
        other = browser.post(url(form), data=JANE | {"email": "john@acme.com"}, headers=headers)
        assert_error(other, 409, "idempotency_mismatch", ["header", "idempotency-key"])
        assert count(session, Lead) == 1

    def test_keys_of_different_forms_do_not_collide(self, browser, session, clock, form):
        other = make_form(session, now=clock.now(), name="other")
        headers = {"Idempotency-Key": "k-3"}
        browser.post(url(form), data=JANE, headers=headers)
        browser.post(url(other), data=JANE | {"email": "john@acme.com"}, headers=headers)
        assert count(session, Lead) == 2


class TestHoneypot:
    def test_a_filled_honeypot_answers_like_a_success_and_creates_nothing(
        self, browser, session, clock
    ):
        form = make_form(session, now=clock.now(), redirect_url="https://www.acme.com/thanks")
        real = browser.post(url(form), data=JANE)
        spam = browser.post(url(form), data=JANE | {"ll_website": "http://spam.example"})
        assert (spam.status_code, spam.headers["location"]) == (
            real.status_code,
            real.headers["location"],
        )
        assert spam.text == real.text
        assert count(session, Lead) == 1
        assert count(session, Activity) == 0  # no touch on the known person either
        [logged] = intake_log(session)
        assert (logged.reason, logged.via) == ("honeypot", "form:contact-us")

    def test_a_json_post_filling_the_honeypot_gets_the_same_answer(self, browser, session, form):
        real = browser.post(url(form), json=JANE)
        spam = browser.post(url(form), json=JANE | {"ll_website": "x"})
        assert spam.status_code == real.status_code
        assert spam.json() == real.json()
        assert count(session, Lead) == 1

    def test_a_person_who_asked_to_be_forgotten_gets_a_success_and_is_not_captured(
        self, browser, session, form, clock
    ):
        real = browser.post(url(form), json=JANE)
        session.commit()
        privacy_service.erase(session, JANE["email"], now=clock.now())
        session.commit()
        again = browser.post(url(form), json=JANE)
        assert (again.status_code, again.json()) == (real.status_code, real.json())
        session.commit()
        assert session.scalar(select(Lead).where(Lead.email == JANE["email"])) is None
        assert intake_log(session)[-1].reason.startswith("this person asked to be forgotten")

    def test_an_empty_honeypot_is_a_person(self, browser, session, form):
        assert browser.post(url(form), data=JANE | {"ll_website": ""}).status_code == 200
        assert count(session, Lead) == 1


class TestRateLimit:
    def test_the_21st_post_in_a_second_from_one_address_is_429(
        self, browser, visitor_at, session, clock, form
    ):
        for n in range(20):
            r = browser.post(url(form), data={"email": f"p{n}@acme.com"})
            assert r.status_code == 200, (n, r.text)
        refused = browser.post(url(form), data={"email": "p20@acme.com"})
        assert_error(refused, 429, "too_many_requests")
        assert refused.headers["retry-after"] == "1"
        assert count(session, Lead) == 20

        neighbour = visitor_at("203.0.113.9")
        assert neighbour.post(url(form), data={"email": "n@acme.com"}).status_code == 200

        clock.advance(seconds=1)
        assert browser.post(url(form), data={"email": "p21@acme.com"}).status_code == 200
        assert count(session, Lead) == 22

    def test_a_refused_burst_is_logged_once_per_second(self, browser, session, form):
        for n in range(23):
            browser.post(url(form), data={"email": f"p{n}@acme.com", "ll_website": "bot"})
        throttled = [e for e in intake_log(session) if e.reason.startswith("more than")]
        assert len(throttled) == 1
        assert throttled[0].client == BROWSER[0]

    def test_unknown_keys_count_too(self, browser, form):
        for _ in range(20):
            assert browser.post("/f/guess", data=JANE).status_code == 404
        assert_error(browser.post(url(form), data=JANE), 429, "too_many_requests")


class TestRefusals:
    def test_an_unknown_key_is_404(self, browser, form):
        assert_error(browser.post("/f/no-such-key", data=JANE), 404, "not_found")
        assert_error(browser.get("/f/no-such-key"), 404, "not_found")

    def test_an_archived_form_is_404(self, browser, session, clock, form):
        from leadledger.forms import service as form_service

        form_service.archive_form(session, "contact-us", now=clock.now())
        session.commit()
        assert_error(browser.post(url(form), data=JANE), 404, "not_found")
        assert count(session, Lead) == 0

    def test_another_content_type_is_415(self, browser, session, form):
        r = browser.post(
            url(form), content=b"email=jane@acme.com", headers={"Content-Type": "text/plain"}
        )
        assert_error(r, 415, "unsupported_media_type", ["header", "content-type"])
        assert count(session, Lead) == 0
        assert "text/plain" in intake_log(session)[0].reason

    def test_malformed_json_is_422_naming_the_body(self, browser, form):
        r = browser.post(
            url(form), content=b'{"email": ', headers={"Content-Type": "application/json"}
        )
        assert_error(r, 422, "invalid_input", ["body"])
        r = browser.post(url(form), json=["jane@acme.com"])
        assert_error(r, 422, "invalid_input", ["body"])

    def test_a_nested_value_is_422_naming_it(self, browser, form):
        r = browser.post(url(form), json=JANE | {"first_name": {"a": 1}})
        assert_error(r, 422, "invalid_input", ["body", "first_name"])

    @pytest.mark.parametrize(
        ("content_type", "content", "loc"),
        [
            (URLENCODED, b"email=jane@acme.com&first_name=%00", ["body", "first_name"]),
            (JSON, b'{"email": "jane@acme.com", "last_name": "\\u0000"}', ["body", "last_name"]),
            (
                JSON,
                b'{"email": "jane@acme.com", "company_name": "\\ud800"}',
                ["body", "company_name"],
            ),
            (JSON, b'{"email": "jane@acme.com", "first_name": NaN}', ["body"]),
            (JSON, b"\xff\xfe\x00", ["body"]),
            ("multipart/form-data", b"--x\r\n", ["body"]),
            ("multipart/form-data; boundary=x", b"garbage", ["body"]),
            (URLENCODED, "&".join(f"f{i}=1" for i in range(300)).encode(), ["body"]),
        ],
    )
    def test_hostile_bodies_are_422_never_500(
        self, browser, session, form, content_type, content, loc
    ):
        r = browser.post(url(form), content=content, headers={"Content-Type": content_type})
        assert_error(r, 422, "invalid_input", loc)
        assert count(session, Lead) == 0

    def test_a_body_over_64_kb_is_413(self, browser, session, form):
        r = browser.post(url(form), data=JANE | {"first_name": "x" * 70_000})
        assert_error(r, 413, "too_large")
        assert count(session, Lead) == 0

    def test_errors_are_readable_by_a_script_on_another_site(self, browser, form):
        r = browser.post(url(form), data={"first_name": "Jane"})
        assert r.status_code == 422
        assert r.headers["access-control-allow-origin"] == "*"


def test_odd_posts_are_clear_4xx_or_harmless(browser, session, form):
    deep = b'{"email": "d@acme.com", "x": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    nested = browser.post(url(form), content=deep, headers={"content-type": "application/json"})
    assert nested.status_code == 422
    odd_page = browser.post(url(form), data=JANE | {"page_uri": "http://[x/?utm_source=a"})
    assert odd_page.status_code in (200, 303)
    assert count(session, Lead) == 1
