"""The predictive model's inputs, computed the same way for training (as of the moment a lead
left marketing's side) and for scoring (as of now). Pure: the service gathers the facts."""

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from leadledger.capture.normalize import is_free_mail, job_department, job_seniority
from leadledger.core.normalize import email_domain
from leadledger.scoring.rules import SECONDS_PER_DAY, Event

Value = float | str | None
CATEGORICAL = ("source", "seniority", "department", "country", "industry", "email_domain_kind")
MAX_TEXT = 100  # longer custom text is free text, not a category


def lead_facts(lead: Any, account: Any | None) -> dict[str, Any]:
    """What the fit rules and the model read of a lead (any object with the lead's columns)
    and its account: the account's industry and size, else the lead's custom fields; the
    title's seniority and department as capture derived them (else derived here)."""
    custom = lead.custom or {}
    email = lead.email
    kind = None
    if email:
        kind = "free" if is_free_mail(email_domain(email)) else "business"
    return {
        "industry": (account.industry if account else None) or custom.get("industry"),
        "employees": (account.employees if account else None) or custom.get("employees"),
        "country": lead.country or (account.country if account else None),
        "title": lead.title,
        "seniority": lead.seniority or job_seniority(lead.title),
        "department": lead.department or job_department(lead.title),
        "source": lead.source,
        "domain": lead.domain or (account.domain if account else None),
        "email_domain_kind": kind,
        "phone": lead.phone,
        "custom": custom,
    }


def lead_events(
    source: str | None,
    created_at: datetime,
    activities: Sequence[tuple[str, datetime, Mapping[str, Any] | None]],
    capture_as: Mapping[str, str],
    touch_type: str,
) -> list[Event]:
    """The events engagement counts: the lead's creation when its channel is listed in
    ``capture_as``, and its activities; a returning person's capture (``touch_type``) counts
    as its channel's type, else as itself."""
    events = [Event(capture_as[source], created_at)] if source in capture_as else []
    for type_, at, payload in activities:
        if type_ == touch_type:
            channel = (payload or {}).get("channel")
            type_ = capture_as.get(channel, touch_type) if isinstance(channel, str) else type_
        events.append(Event(type_, at))
    return events


def _days(delta: timedelta) -> float:
    return max(0.0, delta.total_seconds() / SECONDS_PER_DAY)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    return None


def features(
    facts: Mapping[str, Any],
    events: Sequence[Event],
    *,
    as_of: datetime,
    created_at: datetime,
    fit_points: int,
    engagement_score: float,
) -> dict[str, Value]:
    """Name -> number, category (text) or ``None`` (missing). Activities after ``as_of`` are
    not seen, so a lead's features for training are what was known before its outcome; no
    feature measures time up to ``as_of`` itself."""
    out: dict[str, Value] = {
        "fit_points": float(fit_points),
        "engagement": float(engagement_score),
        "employees": _number(facts.get("employees")),
        "has_phone": 1.0 if facts.get("phone") else 0.0,
        "has_title": 1.0 if facts.get("title") else 0.0,
    }
    for name in CATEGORICAL:
        value = facts.get(name)
        out[name] = str(value).lower() if value not in (None, "") else None
    seen = [e for e in events if e.at <= as_of]
    out["n_activities"] = float(len(seen))
    for e in seen:
        key = f"n_{e.type}"
        out[key] = (out.get(key) or 0.0) + 1.0
    # timing measured from the lead's creation, not from ``as_of``: training takes each lead
    # as of a moment its outcome decided (a quick disqualification), which must not leak
    first = min((e.at for e in seen), default=None)
    last = max((e.at for e in seen), default=None)
    out["days_to_first_activity"] = _days(first - created_at) if first else None
    out["days_active"] = _days(last - first) if first else None
    for key, value in (facts.get("custom") or {}).items():
        number = _number(value)
        if number is not None:
            out[f"custom.{key}"] = number
        elif isinstance(value, str) and value.strip() and len(value) <= MAX_TEXT:
            text = value.strip()
            try:  # imported numbers arrive as text
                out[f"custom.{key}"] = float(text)
            except ValueError:
                out[f"custom.{key}"] = text.lower()
    return out
