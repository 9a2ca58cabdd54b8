"""Record rules as pure functions: which leads and notes a principal may read and change. The
service layer turns the same rules into SQL (``leads.service.visible``); tests check that both
agree row for row."""

from collections.abc import Iterable
from dataclasses import dataclass

from leadledger.core.actor import Actor
from leadledger.users.models import Role
from leadledger.users.permissions import Permission, Reach

NOTE = "note"  # the activity type of an internal note


@dataclass(frozen=True)
class Principal:
    """Who is asking, with what they may do: a signed-in user (through a token) or a system
    process (CLI, worker), which may do everything."""

    actor: Actor
    source: str  # "api:<token name>", "cli", "worker", "web", "form:<key>"
    permissions: frozenset[Permission]
    reach: Reach
    role: Role | None = None
    team_ids: frozenset[int] = frozenset()  # the user's team and its subteams

    @classmethod
    def system(cls, name: str) -> "Principal":
        return cls(
            actor=Actor.system(name),
            source=name,
            permissions=frozenset(Permission),
            reach=Reach.all,
        )

    @property
    def user_id(self) -> int | None:
        return self.actor.user_id

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


@dataclass(frozen=True)
class LeadFacts:
    owner_id: int | None
    owner_team_id: int | None
    creating_team_id: int | None
    created_by_id: int | None


def can_reach_lead(viewer: Principal, lead: LeadFacts) -> bool:
    """May ``viewer`` read (and, with the permission, change) this lead at all?"""
    if viewer.reach is Reach.all:
        return True
    if viewer.user_id is not None and viewer.user_id in (lead.owner_id, lead.created_by_id):
        return True
    return bool({lead.owner_team_id, lead.creating_team_id} & viewer.team_ids)


def can_read_activity(viewer: Principal | None, activity_type: str, actor_id: int | None) -> bool:
    """Internal notes (activities of type ``note``, and the notes on stage moves) are shown
    only to those with ``note:read``, and to their own author."""
    if viewer is None or activity_type != NOTE or viewer.can(Permission.note_read):
        return True
    return viewer.user_id is not None and actor_id == viewer.user_id


def subteams(parents: Iterable[tuple[int, int | None]], root: int) -> frozenset[int]:
    """``root`` and every team below it, from (team id, parent id) pairs; safe on cycles."""
    children: dict[int, list[int]] = {}
    for team_id, parent_id in parents:
        if parent_id is not None:
            children.setdefault(parent_id, []).append(team_id)
    found, stack = {root}, [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return frozenset(found)
