import pytest

from leadledger.core.actor import Actor
from leadledger.users.models import Role, TokenScope
from leadledger.users.permissions import ROLES, SCOPES, Permission, Reach, permissions_of
from leadledger.users.rules import (
    LeadFacts,
    Principal,
    can_reach_lead,
    can_read_activity,
    subteams,
)


def principal(*, user_id=7, reach=Reach.team, teams=(1,), permissions=frozenset(Permission)):
    return Principal(
        actor=Actor(label="u", user_id=user_id),
        source="test",
        permissions=frozenset(permissions),
        reach=reach,
        team_ids=frozenset(teams),
    )


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (LeadFacts(owner_id=7, owner_team_id=9, creating_team_id=9, created_by_id=None), True),
        (LeadFacts(owner_id=8, owner_team_id=9, creating_team_id=9, created_by_id=7), True),
        (LeadFacts(owner_id=8, owner_team_id=1, creating_team_id=None, created_by_id=None), True),
        (
            LeadFacts(owner_id=None, owner_team_id=None, creating_team_id=1, created_by_id=None),
            True,
        ),
        (LeadFacts(owner_id=8, owner_team_id=9, creating_team_id=9, created_by_id=8), False),
        (
            LeadFacts(owner_id=None, owner_team_id=None, creating_team_id=None, created_by_id=None),
            False,
        ),
    ],
)
def test_team_reach(facts, expected):
    assert can_reach_lead(principal(), facts) is expected


def test_all_reach_sees_everything_and_no_team_sees_only_own():
    nobody = LeadFacts(owner_id=None, owner_team_id=None, creating_team_id=None, created_by_id=None)
    assert can_reach_lead(principal(reach=Reach.all, teams=()), nobody)
    alone = principal(teams=())
    assert not can_reach_lead(alone, LeadFacts(8, None, None, None))
    assert can_reach_lead(alone, LeadFacts(7, None, None, None))


@pytest.mark.parametrize(
    ("pairs", "root", "expected"),
    [
        ([(1, None), (2, 1), (3, 2), (4, None)], 1, {1, 2, 3}),
        ([(1, None), (2, 1), (3, 2)], 2, {2, 3}),
        ([(1, 2), (2, 1)], 1, {1, 2}),  # a cycle ends
        ([], 5, {5}),
    ],
)
def test_subteams(pairs, root, expected):
    assert subteams(pairs, root) == expected


def test_notes_need_note_read_unless_they_are_your_own():
    reader = principal()
    no_notes = principal(permissions=set(Permission) - {Permission.note_read})
    assert can_read_activity(reader, "note", actor_id=99)
    assert not can_read_activity(no_notes, "note", actor_id=99)
    assert can_read_activity(no_notes, "note", actor_id=7)
    assert can_read_activity(no_notes, "call", actor_id=99)


def test_a_scope_only_narrows_a_role():
    for role in Role:
        for scope in TokenScope:
            assert permissions_of(role, scope) <= ROLES[role].permissions
            assert permissions_of(role, scope) <= SCOPES[scope]
    assert permissions_of(Role.admin, TokenScope.capture) == {Permission.lead_create}


def test_partners_never_read_internal_notes_or_other_records():
    partner = ROLES[Role.partner].permissions
    assert Permission.note_read not in partner
    assert not {Permission.account_read, Permission.user_read, Permission.audit_read} & partner
