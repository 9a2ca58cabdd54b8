from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from leadledger.core.actor import Actor
from leadledger.core.clock import get_clock
from leadledger.core.console import console, new_app, print_json
from leadledger.core.db import session_scope
from leadledger.core.errors import InvalidInput
from leadledger.core.pagination import MAX_ID
from leadledger.core.schemas import UtcDateTime, parse_input
from leadledger.scoring import jobs, service
from leadledger.scoring.schemas import (
    QualificationIn,
    ScoreHistoryRead,
    ScoreModelRead,
    ScoreRead,
    Target,
)

app = new_app("Scores: explain, history, the predictive model (train, models, activate), jobs.")
CLI_ACTOR = Actor.system("cli")
LeadId = Annotated[int, typer.Argument(min=1, max=MAX_ID, help="the lead's id")]
BANT = ("budget", "authority", "need", "timeline")
Value = Annotated[str | None, typer.Option(help="met, not_met or unknown")]


def _when(at: str | None) -> datetime | None:
    if at is None:
        return None
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(UtcDateTime).validate_python(at)
    except ValidationError as exc:
        raise InvalidInput(
            f"--at: '{at}' is not an ISO 8601 time with a zone, e.g. 2026-10-01T00:00:00Z",
            loc=["at"],
        ) from exc


def _print_score(score: ScoreRead) -> None:
    console.print(
        f"[bold]lead {score.lead_id}[/] in {score.stage}, as of {score.as_of:%Y-%m-%d %H:%M} "
        f"(contract v{score.contract_version})"
    )
    fit = score.fit
    head = f"fit [bold]{fit.grade}[/] ({fit.points} points)"
    console.print(head + (f", excluded by '{fit.excluded_by}'" if fit.excluded_by else ""))
    for r in fit.rules:
        console.print(
            f"  {r.id:<22} {'exclude' if r.exclude else f'{r.points:+d}':>8}  {r.field}={r.value}"
        )
    e = score.engagement
    console.print(f"engagement [bold]{e.score:.1f}[/] (half-life {e.half_life_days:g} days)")
    for ln in e.activities:
        capped = f", {ln.capped} capped" if ln.capped else ""
        console.print(
            f"  {ln.type:<22} x{ln.count:<3} {ln.points:>6.1f} -> {ln.value:>6.1f}  "
            f"last {ln.last_at:%Y-%m-%d}{capped}"
        )
    p = score.predictive
    if p is None:
        console.print("predictive: no active model (leadledger score train)")
    else:
        console.print(
            f"predictive [bold]{p.score:.3f}[/] (P({p.target}), model v{p.model_version}, "
            f"{p.algorithm}); top features:"
        )
        for c in p.top_features:
            console.print(f"  {c.feature:<28} {c.contribution:+.3f}  value {c.value}")
    console.print(f"MQL: {score.mql.decision}")


@app.command("explain")
def explain(
    lead_id: LeadId,
    at: Annotated[str | None, typer.Option(help="as of this ISO time; default: now")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Why a lead scores as it does: fit rules fired, engagement by activity with decay, the
    predictive score's top features, the MQL rules."""
    when = _when(at)
    with session_scope() as session:
        score = service.score_read(session, lead_id, now=get_clock().now(), at=when)
    if as_json:
        print_json(score)
    else:
        _print_score(score)


@app.command("history")
def history(lead_id: LeadId, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every change of a lead's scores, newest first."""
    with session_scope() as session:
        rows = [ScoreHistoryRead.model_validate(r) for r in service.history(session, lead_id)]
    if as_json:
        print_json(rows)
        return
    table = Table("as of", "fit", "points", "engagement", "predictive", "contract", "model", "why")
    for r in rows:
        table.add_row(
            f"{r.as_of:%Y-%m-%d %H:%M}",
            r.fit_grade,
            str(r.fit_points),
            f"{r.engagement_score:.1f}",
            "" if r.predictive_score is None else f"{r.predictive_score:.3f}",
            f"v{r.contract_version}",
            "" if r.model_version is None else f"v{r.model_version}",
            r.trigger,
        )
    console.print(table)


@app.command("train")
def train(
    target: Annotated[Target, typer.Option(help="what the score predicts")] = Target.customer,
    seed: Annotated[int, typer.Option(help="seed of the folds and the trees")] = 0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Train a predictive model on the leads whose outcome is known and make it active."""
    with session_scope() as session:
        row = ScoreModelRead.model_validate(
            service.train(session, target, actor=CLI_ACTOR, now=get_clock().now(), seed=seed)
        )
    if as_json:
        print_json(row)
        return
    m = row.metrics
    console.print(
        f"model [bold]v{row.version}[/] is active: {m['chosen']} for P({row.target}), "
        f"{row.rows} leads ({row.positives} reached it)"
    )
    console.print(
        f"cross-validated: AUC {m['auc']:.3f}, PR AUC {m['pr_auc']:.3f}, precision in the top "
        f"10% {m['precision_top10']:.3f} (lift {m['lift_top10']:.2f}), Brier skill "
        f"{m['brier_skill']:+.3f}, calibration slope {m['calibration_slope']:.2f} "
        f"({m['calibration']})"
    )
    console.print("top features: " + ", ".join(m["top_features"]))


@app.command("models")
def models(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the trained models, newest first."""
    with session_scope() as session:
        rows = [ScoreModelRead.model_validate(r) for r in service.models(session)]
    if as_json:
        print_json(rows)
        return
    table = Table("version", "active", "trained", "target", "algorithm", "leads", "AUC", "PR AUC")
    for r in rows:
        table.add_row(
            str(r.version),
            "yes" if r.active else "",
            f"{r.trained_at:%Y-%m-%d %H:%M}",
            r.target,
            r.algorithm,
            f"{r.rows} ({r.positives}+)",
            f"{r.metrics['auc']:.3f}",
            f"{r.metrics['pr_auc']:.3f}",
        )
    console.print(table)


@app.command("activate")
def activate(version: Annotated[int, typer.Argument(min=1, max=MAX_ID)]) -> None:
    """Make an earlier model version the active one (a rollback)."""
    with session_scope() as session:
        service.activate(session, version, now=get_clock().now())
    console.print(f"model v{version} is active; open leads are re-scored by the rescore job")


@app.command("rescore")
def rescore(
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="leads per transaction")] = 200,
    once: Annotated[bool, typer.Option("--once", help="one batch only (as the worker)")] = False,
) -> None:
    """Re-evaluate the leads that are due (never scored, newer activity, decay crossing a
    threshold, cooldown ended, contract or model change), batch after batch."""
    total = moved = failed = 0
    while True:
        result = jobs.rescore_due(now=get_clock().now(), batch=batch)
        total, moved, failed = (
            total + result.scored,
            moved + result.moved,
            failed + len(result.failed),
        )
        if once or result.done or not result.scored:
            break
    console.print(f"{total} leads re-scored, {moved} moved to MQL, {failed} failed")


@app.command("retrain")
def retrain(
    max_age_days: Annotated[float, typer.Option(min=0, help="retrain when older")] = 7,
) -> None:
    """The scheduled retrain, once: a new model if the active one is older than the limit."""
    result = jobs.retrain(now=get_clock().now(), max_age_days=max_age_days)
    if result.trained:
        console.print(f"model v{result.trained} trained and active")
    else:
        console.print(f"not retrained: {result.skipped}")


def qualify(
    lead_id: LeadId,
    budget: Value = None,
    authority: Value = None,
    need: Value = None,
    timeline: Value = None,
    criterion: Annotated[
        list[str] | None, typer.Option(help="KEY=VALUE for another criterion of the contract")
    ] = None,
    note: Annotated[
        list[str] | None, typer.Option(help="KEY=TEXT: what was learned (repeat per criterion)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a lead's answers to the contract's SQL criteria (BANT)."""
    given = {k: v for k, v in zip(BANT, (budget, authority, need, timeline), strict=True) if v}
    for item in criterion or []:
        key, _, value = item.partition("=")
        given[key.strip()] = value.strip()
    notes = {}
    for item in note or []:
        key, sep, text = item.partition("=")
        if not sep:
            raise InvalidInput(f"--note: '{item}' is not KEY=TEXT", loc=["note"])
        notes[key.strip()] = text.strip()
    for key in notes:
        if key not in given:
            raise InvalidInput(f"--note {key}: give a value for '{key}' too", loc=["note"])
    data = parse_input(
        QualificationIn,
        {"criteria": {k: {"value": v, "note": notes.get(k)} for k, v in given.items()}},
    )
    with session_scope() as session:
        service.qualify(session, lead_id, data, actor=CLI_ACTOR, now=get_clock().now())
        read = service.qualification_read(session, lead_id)
    if as_json:
        print_json(read)
        return
    for c in read.criteria:
        console.print(f"  {c.label:<10} {c.value or '-':<8} {c.note or ''}")
    state = "[green]may move to SQL[/]" if read.sql_ready else "not SQL yet"
    console.print(f"lead {lead_id}: {state}: {read.message}")
