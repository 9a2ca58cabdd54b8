"""Every ORM model, imported once so ``Base.metadata`` is complete (Alembic, tests)."""

from leadledger.accounts.models import Account
from leadledger.activities.models import Activity
from leadledger.capture.models import IdempotencyKey, IntakeError, RateCounter
from leadledger.contract.models import ContractVersion
from leadledger.core.audit import AuditEvent
from leadledger.core.db import Base
from leadledger.forms.models import Form
from leadledger.imports.models import ImportJob, SavedMapping
from leadledger.leads.models import Lead
from leadledger.lifecycle.models import LeadTransition
from leadledger.opportunities.models import Opportunity
from leadledger.planning.models import Plan
from leadledger.privacy.models import Tombstone
from leadledger.programs.models import Program, ProgramCost
from leadledger.scoring.models import QualificationAnswer, ScoreHistory, ScoreModel
from leadledger.users.models import ApiToken, Team, User

__all__ = [
    "Account",
    "Activity",
    "ApiToken",
    "AuditEvent",
    "Base",
    "ContractVersion",
    "Form",
    "IdempotencyKey",
    "ImportJob",
    "IntakeError",
    "Lead",
    "LeadTransition",
    "Opportunity",
    "Plan",
    "Program",
    "ProgramCost",
    "QualificationAnswer",
    "RateCounter",
    "SavedMapping",
    "ScoreHistory",
    "ScoreModel",
    "Team",
    "Tombstone",
    "User",
]
