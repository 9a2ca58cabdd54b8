"""The migration that brings programs in keeps every program name leads, forms, imports and
touches already carried, as program rows the leads point at."""

from sqlalchemy import text

from leadledger.core import migrate
from leadledger.core.db import get_engine

BEFORE = "5e1f0c3a7b21"


def test_existing_program_names_become_programs(empty_database_url):
    migrate.upgrade(BEFORE)
    engine = get_engine(empty_database_url)
    lead = (
        "INSERT INTO lead (id, email, source, program, utm, custom, raw, problems, stage,"
        " stage_changed_at, contract_version, recycle_count, do_not_call, created_at, updated_at)"
        " VALUES (:id, :email, :source, :program, '{}', '{}', '{}', '{}', 'lead',"
        " :at, 1, 0, false, :at, :at)"
    )
    at = "2026-10-01 09:00:00"
    with engine.begin() as conn:
        for i, (source, program) in enumerate(
            [
                ("webinar", "Autumn webinar"),
                ("webinar", "Autumn webinar"),
                ("event", "Autumn webinar"),
                ("event", "Expo"),
                ("web_form", None),
            ],
            start=1,
        ):
            conn.execute(
                text(lead),
                {"id": i, "email": f"p{i}@x.com", "source": source, "program": program, "at": at},
            )
        conn.execute(
            text(
                "INSERT INTO form (name, public_key, fields, required, program, source, active,"
                " created_at, updated_at) VALUES ('f', 'k', '[]', '[]', 'Form program',"
                " 'web_form', true, :at, :at)"
            ),
            {"at": at},
        )
        conn.execute(
            text(
                "INSERT INTO activity (lead_id, type, at, payload, created_at) VALUES"
                " (5, 'capture', :at, :payload, :at)"
            ),
            {"at": at, "payload": '{"program": "Touch program", "channel": "email"}'},
        )
    migrate.upgrade("head")
    with engine.connect() as conn:
        programs = dict(conn.execute(text("SELECT name, channel FROM program")).all())
        leads = conn.execute(
            text(
                "SELECT lead.id, program.name FROM lead"
                " LEFT JOIN program ON program.id = lead.program_id ORDER BY lead.id"
            )
        ).all()
    assert programs == {
        "Autumn webinar": "webinar",  # the most common source of its leads
        "Expo": "event",
        "Form program": None,
        "Touch program": None,
    }
    assert [name for _, name in leads] == [
        "Autumn webinar",
        "Autumn webinar",
        "Autumn webinar",
        "Expo",
        None,
    ]
    migrate.downgrade(BEFORE)
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM lead WHERE program IS NOT NULL")).scalar() == 4
        )
