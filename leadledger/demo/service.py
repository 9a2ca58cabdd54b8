"""The first demo: a few teams and users and about a hundred leads moved through the lifecycle
by the same service functions the API uses. Deterministic for a given seed and ``now``."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from leadledger.accounts import service as account_service
from leadledger.accounts.schemas import AccountCreate
from leadledger.activities import service as activity_service
from leadledger.activities.schemas import ActivityCreate
from leadledger.contract import service as contract_service
from leadledger.contract.schemas import Team as TeamKind
from leadledger.core.actor import Actor
from leadledger.forms import service as form_service
from leadledger.forms.schemas import FormCreate
from leadledger.leads import service as lead_service
from leadledger.leads.schemas import Channel, LeadCreate, LeadUpdate
from leadledger.lifecycle import service as lifecycle
from leadledger.scoring import service as scoring_service
from leadledger.scoring.schemas import QualificationIn
from leadledger.users import service as user_service
from leadledger.users.models import Role, User

TEAMS = [
    ("marketing", "Marketing", TeamKind.marketing),
    ("sdr", "Sales development EMEA", TeamKind.sdr),
    ("sdr_na", "Sales development North America", TeamKind.sdr),
    ("field_sales", "Field sales", TeamKind.sales),
    ("partners", "Channel partners", TeamKind.partner),
]
DEMO_ADMIN = "admin@demo.leadledger.dev"
USERS = [
    (DEMO_ADMIN, "Ada Admin", Role.admin, None),
    ("lena.leader@demo.leadledger.dev", "Lena Leader", Role.leader, None),
    ("mo.marketing@demo.leadledger.dev", "Mo Marketing", Role.marketing, "marketing"),
    ("sam.sdr@demo.leadledger.dev", "Sam SDR", Role.sdr, "sdr"),
    ("sue.sdr@demo.leadledger.dev", "Sue SDR", Role.sdr, "sdr"),
    ("nate.sdr@demo.leadledger.dev", "Nate SDR", Role.sdr, "sdr_na"),
    ("alex.ae@demo.leadledger.dev", "Alex AE", Role.ae, "field_sales"),
    ("bea.ae@demo.leadledger.dev", "Bea AE", Role.ae, "field_sales"),
    ("pat.partner@demo.leadledger.dev", "Pat Partner", Role.partner, "partners"),
]
COMPANIES = [
    ("Northwind Software", "northwind.io", "software", 420, "GB"),
    ("Contoso Bank", "contoso-bank.com", "financial_services", 3200, "DE"),
    ("Fabrikam Telecom", "fabrikam.net", "telecom", 9000, "US"),
    ("Tailspin Analytics", "tailspin.ai", "saas", 85, "US"),
    ("Wide World Importers", "wideworld.example", "manufacturing", 1500, "NL"),
    ("Litware Consulting", "litware.consulting", "professional_services", 60, "IE"),
    ("Adatum Payments", "adatum.finance", "fintech", 240, "SE"),
    ("Proseware", "proseware.dev", "software", 30, "FR"),
    ("Woodgrove Retail", "woodgrove.shop", "retail", 12000, "CA"),
    ("Trey Research", "treyresearch.org", "education", 400, "DK"),
]
FIRST = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Finn",
    "Grace",
    "Hugo",
    "Ines",
    "Jon",
    "Kara",
    "Liam",
    "Maya",
    "Noor",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
]
LAST = [
    "Ahmed",
    "Brown",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nowak",
    "Okafor",
    "Patel",
    "Rossi",
    "Schmidt",
]
TITLES = [
    "VP Sales",
    "Head of Revenue Operations",
    "Marketing Manager",
    "Director of Sales",
    "Sales Operations Analyst",
    "Founder",
    "Student",
    "Chief Revenue Officer",
    "SDR Team Lead",
]
CHANNELS = [
    Channel.web_form,
    Channel.content_download,
    Channel.webinar,
    Channel.event,
    Channel.paid_search,
    Channel.referral,
    Channel.purchased_list,
    Channel.outbound,
    Channel.partner,
]
# where a lead's story ends, with its weight: (path of stages, final reason)
PATHS = [
    ((), None),
    (("mql",), None),
    (("mql", "sal"), None),
    (("mql", "sal", "sql"), None),
    (("mql", "sal", "sql", "opportunity"), None),
    (("mql", "sal", "sql", "opportunity", "customer"), None),
    (("mql", "sal", "sql", "opportunity", "closed_lost"), "price"),
    (("mql", "nurture"), "not_now"),
    (("mql", "sal", "nurture"), "bad_timing"),
    (("disqualified",), "student"),
]
WEIGHTS = [20, 14, 10, 8, 7, 5, 4, 12, 8, 6]
BANT_MET = QualificationIn(
    criteria={k: {"value": "met"} for k in ("budget", "authority", "need", "timeline")}
)


@dataclass
class DemoResult:
    admin: User
    leads: int
    transitions: int
    form_key: str  # the demo's web form: POST /f/{form_key}


def seed(session: Session, *, now: datetime, rng: random.Random, leads: int = 100) -> DemoResult:
    contract_service.ensure_default(session, now=now)
    teams = {
        key: user_service.add_team(session, key=key, name=name, kind=kind)
        for key, name, kind in TEAMS
    }
    users = [
        user_service.add_user(session, email=email, name=name, role=role, team_key=team)
        for email, name, role, team in USERS
    ]
    sdrs = [u for u in users if u.role == Role.sdr]
    marketer = next(u for u in users if u.role == Role.marketing)
    accounts = [
        account_service.create_account(
            session,
            AccountCreate(
                name=name, domain=domain, industry=industry, employees=size, country=country
            ),
            now=now - timedelta(days=120),
        )
        for name, domain, industry, size, country in COMPANIES
    ]
    team_of_channel = {Channel.outbound: teams["sdr"], Channel.partner: teams["partners"]}
    moves = 0
    for i in range(leads):
        account = rng.choice(accounts)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        channel = rng.choice(CHANNELS)
        at = now - timedelta(days=rng.uniform(3, 90))
        creator = rng.choice(sdrs) if channel == Channel.outbound else marketer
        lead = lead_service.create_lead(
            session,
            LeadCreate(
                first_name=first,
                last_name=last,
                email=f"{first}.{last}.{i}@{account.domain}".lower(),
                title=rng.choice(TITLES),
                company_name=account.name,
                country=account.country,
                source=channel,
                account_id=account.id,
                creating_team_id=team_of_channel.get(channel, teams["marketing"]).id,
                stage="prospect"
                if channel in (Channel.outbound, Channel.purchased_list)
                else "lead",
                program=f"{channel.value}-q4" if channel != Channel.outbound else None,
            ),
            actor=user_service.actor_of(creator),
            now=at,
        )
        path, final_reason = rng.choices(PATHS, WEIGHTS)[0]
        owner = rng.choice(sdrs)
        for step, stage in enumerate(path):
            at += timedelta(hours=rng.uniform(2, 96))
            if at >= now:
                break
            if stage == "mql":
                activity_service.add_activity(
                    session,
                    lead.id,
                    ActivityCreate(
                        type="demo_request" if rng.random() < 0.3 else "webinar_attended", at=at
                    ),
                    actor=Actor.system("demo"),
                    now=at,
                )
                lead_service.update_lead(session, lead.id, LeadUpdate(owner_id=owner.id), now=at)
                if lead.stage == stage:  # the hand-raise made it an MQL already
                    moves += 1
                    continue
            if stage == "sql":
                scoring_service.qualify(
                    session, lead.id, BANT_MET, actor=user_service.actor_of(owner), now=at
                )
            last_step = step == len(path) - 1
            lifecycle.transition(
                session,
                lead.id,
                stage,
                reason=final_reason if last_step else None,
                actor=user_service.actor_of(owner),
                now=at,
            )
            moves += 1
    form = form_service.add_form(
        session,
        FormCreate(
            name="contact-us",
            fields=["first_name", "last_name", "email", "company_name", "title", "phone"],
            required=["email"],
            program="website-contact",
            team="marketing",
        ),
        now=now,
    )
    return DemoResult(admin=users[0], leads=leads, transitions=moves, form_key=form.public_key)
