import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from leadledger.contract import service
from leadledger.contract.models import ContractVersion
from leadledger.contract.rules import ContractError, default_contract_text
from leadledger.core.actor import Actor
from leadledger.core.errors import InvalidInput
from leadledger.lifecycle import service as lifecycle
from tests.factories import make_lead

EDITED = default_contract_text().replace("  min_engagement: 40\n", "  min_engagement: 50\n")
BROKEN = default_contract_text().replace("  - name: sal\n", "  - name: mql\n", 1)
LEADER = Actor(label="lena@example.com")


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(ContractVersion))


class TestApply:
    def test_new_version_becomes_the_only_active_one(self, session, clock):
        row = service.apply(
            session, EDITED, actor=LEADER, reason="raise the MQL bar", now=clock.now()
        )
        session.commit()
        assert row.version == 2
        current = service.active(session)
        assert current.version == 2
        assert current.contract.mql.min_engagement == 50
        assert [(r.version, r.active) for r in service.history(session)] == [(1, False), (2, True)]
        assert service.get_version(session, 2).author == "lena@example.com"
        assert service.get_version(session, 2).reason == "raise the MQL bar"

    def test_broken_contract_changes_nothing(self, session, clock):
        with pytest.raises(
            ContractError, match=r"stages\[3\]\.name: duplicate stage 'mql' \(line \d+\)"
        ):
            service.apply(session, BROKEN, actor=LEADER, reason="oops", now=clock.now())
        session.rollback()
        assert count(session) == 1
        assert service.active(session).version == 1

    def test_reason_is_required(self, session, clock):
        with pytest.raises(InvalidInput, match="needs a reason"):
            service.apply(session, EDITED, actor=LEADER, reason="  ", now=clock.now())

    def test_leads_moved_afterwards_record_the_new_version(self, session, clock):
        lead = make_lead(session, now=clock.now())
        session.commit()
        assert lead.contract_version == 1
        service.apply(session, EDITED, actor=LEADER, reason="raise the MQL bar", now=clock.now())
        row = lifecycle.transition(session, lead.id, "mql", actor=LEADER, now=clock.now())
        session.commit()
        assert row.contract_version == 2
        assert lead.contract_version == 2
        first = lifecycle.transitions_of(session, lead.id)[0]
        assert first.contract_version == 1  # history is not rewritten

    def test_database_allows_only_one_active_version(self, session, clock):
        session.add(
            ContractVersion(
                version=9,
                yaml_text="x",
                author="a",
                reason="r",
                active=True,
                created_at=clock.now(),
            )
        )
        with pytest.raises(IntegrityError):
            session.flush()

    def test_ensure_default_is_idempotent(self, session, clock):
        assert service.ensure_default(session, now=clock.now()) is None
        assert count(session) == 1


def test_diff_between_versions(session, clock):
    service.apply(session, EDITED, actor=LEADER, reason="raise the MQL bar", now=clock.now())
    sections = service.diff(session, 1, 2)
    assert list(sections) == ["mql"]
    assert "+min_engagement: 50.0" in sections["mql"]
