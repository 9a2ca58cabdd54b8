"""Time every report on a generated history, beside a hand-written SQL floor in the same run.

    .venv/bin/python bench/reports.py --leads 1000000 --db sqlite
    .venv/bin/python bench/reports.py --leads 1000000 --db postgresql

The history (generated here with bulk inserts, not through the product: this is a data
generator) spans 2025-01-01 to 2026-12-31: every lead is created, about half become MQLs and
climb the funnel with realistic drop-outs (nurture and disqualify reasons, lost deals), some
stay waiting on sales, and each has a few engagement activities, first-touch calls and later
touches by a program; about 5 transitions and activities per lead in all. Each report is timed
for 2026-Q4 (the lead ledger also over the whole history) through ``reports.service``, and
then a hand-written SQL query computing the same numbers on the same database. The backtest
replays a raised MQL threshold over the last ~100,000 leads."""

import argparse
import io
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "leadledger_bench_reports"
START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2026, 12, 31, tzinfo=UTC)
NOW = datetime(2027, 1, 2, 12, tzinfo=UTC)
SOURCES = [
    "web_form",
    "content_download",
    "webinar",
    "event",
    "paid_search",
    "referral",
    "outbound",
]
COUNTRIES = ["GB", "US", "DE", "FR", "NL", "SE", "CA", "ES", "IT", "IN"]
GRADES = ["A", "B", "C", "D"]
ENGAGE = ["form_fill", "email_click", "webinar_attended", "pricing_page_visit", "email_open"]
TITLES = ["VP Sales", "Head of Marketing", "Marketing Manager", "Student", "CEO", "Engineer"]


def ts(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def generate(n: int, rng: random.Random, users: list[int], teams: list[int], programs: int):
    """Yield (leads, transitions, activities, opportunities) in batches of 50,000 leads."""
    span = (END - START).total_seconds()
    now = NOW.timestamp()
    h = 3600.0
    batch: tuple[list, list, list, list] = ([], [], [], [])
    for lead_id in range(1, n + 1):
        created = START.timestamp() + span * (lead_id - 1) / n
        leads, moves, acts, opps = batch
        program = rng.randrange(1, programs + 1) if rng.random() < 0.8 else None
        source = rng.choice(SOURCES)
        owner = rng.choice(users) if rng.random() < 0.7 else None
        team = rng.choice(teams)
        stamps = {"mql_at": None, "sal_at": None, "sql_at": None, "opportunity_at": None}
        converted = closed = None
        path = [(None, "lead", created, None)]
        t, stage = created, "lead"

        def move(to, after, reason=None):  # noqa: ANN001, ANN202
            nonlocal t, stage
            at = t + after
            if at >= now:
                return False
            path.append((stage, to, at, reason))  # noqa: B023 (called in this iteration)
            t, stage = at, to
            return True

        r = rng.random()
        climbing = False
        if r < 0.55:
            climbing = move("mql", rng.uniform(1, 72) * h)
        elif r < 0.70:
            move("nurture", rng.uniform(24, 500) * h, "not_now")
        elif r < 0.80:
            move("disqualified", rng.uniform(1, 100) * h, "junk")
        if climbing:
            stamps["mql_at"] = t
            r = rng.random()
            if r < 0.80:
                acts.append((lead_id, "call", t + rng.uniform(0.5, 30) * h, "{}"))
            if r < 0.60 and move("sal", rng.uniform(2, 48) * h):
                stamps["sal_at"] = t
                r = rng.random()
                if r < 0.50 and move("sql", rng.uniform(24, 240) * h):
                    stamps["sql_at"] = t
                    r = rng.random()
                    if r < 0.55 and move("opportunity", rng.uniform(24, 336) * h):
                        stamps["opportunity_at"] = t
                        opps.append((lead_id, rng.randrange(5, 80) * 1000, t))
                        r = rng.random()
                        if r < 0.30 and move("customer", rng.uniform(240, 1440) * h):
                            converted = closed = t
                        elif r < 0.80 and move("closed_lost", rng.uniform(240, 1440) * h, "price"):
                            closed = t
                    elif r < 0.90:
                        move("nurture", rng.uniform(24, 300) * h, "no_budget")
                elif r < 0.80:
                    move("nurture", rng.uniform(24, 300) * h, "went_dark")
                elif r < 0.90:
                    move("disqualified", rng.uniform(24, 300) * h, "no_fit")
            elif 0.60 <= r < 0.80:
                move("nurture", rng.uniform(4, 100) * h, rng.choice(["no_budget", "bad_timing"]))
            elif 0.80 <= r < 0.92:
                move("disqualified", rng.uniform(4, 100) * h, rng.choice(["duplicate", "junk"]))
        for _ in range(rng.choice((1, 2, 2, 3))):
            acts.append((lead_id, rng.choice(ENGAGE), created + rng.uniform(0, 48) * h, "{}"))
        if program and rng.random() < 0.12:
            other = rng.randrange(1, programs + 1)
            acts.append(
                (
                    lead_id,
                    "capture",
                    created + rng.uniform(1, 200) * h,
                    json.dumps({"program": f"program-{other}"}),
                )
            )
        for frm, to, at, reason in path:
            moves.append((lead_id, frm, to, at, reason))
        leads.append(
            (
                lead_id,
                f"p{lead_id}@c{lead_id % 50000}.com",
                rng.choice(TITLES),
                rng.choice(COUNTRIES),
                source,
                f"program-{program}" if program else None,
                program,
                owner,
                team,
                rng.choice(GRADES),
                stage,
                t,
                stamps["mql_at"],
                stamps["sal_at"],
                stamps["sql_at"],
                stamps["opportunity_at"],
                converted,
                closed,
                created,
            )
        )
        if len(leads) == 50_000:
            yield batch
            batch = ([], [], [], [])
    if batch[0]:
        yield batch


LEAD_COLS = (
    "id, email, title, country, source, program, program_id, owner_id, creating_team_id, "
    "fit_grade, stage, stage_changed_at, mql_at, sal_at, sql_at, opportunity_at, converted_at, "
    "closed_at, created_at, updated_at, utm, custom, raw, problems, contract_version, "
    "recycle_count, do_not_call"
)
TIME_AT = (11, 12, 13, 14, 15, 16, 17, 18)


class Writer:
    """Bulk inserts: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, db: str, url: str) -> None:
        self.db = db
        if db == "sqlite":
            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"))
            self.conn.execute("PRAGMA synchronous=OFF")
        else:
            import psycopg

            self.conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))

    def t(self, epoch: float | None):  # noqa: ANN201
        if epoch is None:
            return None
        return f"{ts(epoch):%Y-%m-%d %H:%M:%S.%f}" if self.db == "sqlite" else ts(epoch)

    def rows(self, table: str, columns: str, rows: list[tuple]) -> None:
        if self.db == "sqlite":
            marks = ", ".join("?" * len(columns.split(",")))
            self.conn.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows)
            return
        with self.conn.cursor() as cur, cur.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)

    def batch(self, leads, moves, acts, opps) -> None:  # noqa: ANN001
        t = self.t
        lead_rows = []
        for r in leads:
            r = list(r)
            for i in TIME_AT:
                r[i] = t(r[i])
            lead_rows.append((*r, r[18], "{}", "{}", "{}", "{}", 1, 0, False))
        self.rows("lead", LEAD_COLS, lead_rows)
        self.rows(
            "lead_transition",
            "lead_id, from_stage, to_stage, at, reason, actor, contract_version",
            [(a, b, c, t(d), e, "bench", 1) for a, b, c, d, e in moves],
        )
        self.rows(
            "activity",
            "lead_id, type, at, payload, created_at",
            [(a, b, t(c), d, t(c)) for a, b, c, d in acts],
        )
        self.rows(
            "opportunity",
            "lead_id, amount, opened_at, created_at, updated_at",
            [(a, b, t(c), t(c), t(c)) for a, b, c in opps],
        )
        self.conn.commit()


def fresh_database(db: str, folder: Path) -> str:
    if db == "sqlite":
        path = folder / "reports-bench.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"


def build(db: str, url: str, n: int, seed: int) -> dict:
    from leadledger.cli import init_database, use_database
    from leadledger.contract.schemas import Team as Kind
    from leadledger.core.db import session_scope
    from leadledger.programs import service as program_service
    from leadledger.programs.schemas import CostCreate, ProgramCreate
    from leadledger.users import service as user_service
    from leadledger.users.models import Role

    use_database(url)
    init_database(quiet=True)
    rng = random.Random(seed)
    with session_scope() as s:
        teams = [
            user_service.add_team(s, key=k, name=k, kind=Kind(k)).id
            for k in ("marketing", "sdr", "sales", "partner")
        ]
        users = [
            user_service.add_user(s, email=f"rep{i}@example.com", role=Role.sdr, team_key=k).id
            for i, k in enumerate(["sdr", "sales"] * 10)
        ]
        programs = 40
        for i in range(1, programs + 1):
            program_service.add_program(
                s, ProgramCreate(name=f"program-{i}", channel=SOURCES[i % 6]), now=START
            )
            for q in range(8):
                first = datetime(2025 + q // 4, 3 * (q % 4) + 1, 1).date()
                last = (
                    datetime(2025 + (q + 1) // 4, 3 * ((q + 1) % 4) + 1, 1) - timedelta(days=1)
                ).date()
                program_service.add_cost(
                    s,
                    f"program-{i}",
                    CostCreate(
                        period_start=first, period_end=last, amount=rng.randrange(1, 50) * 1000
                    ),
                    now=START,
                )
    writer = Writer(db, url)
    counts = {"leads": 0, "transitions": 0, "activities": 0, "opportunities": 0}
    started = time.perf_counter()
    for leads, moves, acts, opps in generate(n, rng, users, teams, programs):
        writer.batch(leads, moves, acts, opps)
        for key, rows in zip(counts, (leads, moves, acts, opps), strict=True):
            counts[key] += len(rows)
    if db == "postgresql":
        writer.conn.execute("ANALYZE")
        writer.conn.commit()
    else:
        writer.conn.execute("ANALYZE")
    writer.conn.close()
    counts["generate_seconds"] = round(time.perf_counter() - started, 1)
    return counts


# --- the floors: hand-written SQL computing the same numbers -----------------------------

FUNNEL = ["prospect", "lead", "mql", "sal", "sql", "opportunity", "customer"]


def _epoch(db: str, col: str) -> str:
    return (
        f"extract(epoch from {col})"
        if db == "postgresql"
        else f"((julianday({col}) - 2440587.5) * 86400.0)"
    )


def floor_funnel(conn, db: str, s: str, e: str) -> None:  # noqa: ANN001
    pivot = ", ".join(
        f"min(CASE WHEN t.to_stage = '{st}' THEN {_epoch(db, 't.at')} END) AS s{i}"
        for i, st in enumerate(FUNNEL)
    )
    cte = (
        f"WITH f AS (SELECT t.lead_id, {pivot} FROM lead l JOIN lead_transition t "
        f"ON t.lead_id = l.id WHERE l.created_at >= '{s}' AND l.created_at < '{e}' "
        "GROUP BY t.lead_id)"
    )
    counts = ", ".join(f"count(s{i})" for i in range(len(FUNNEL)))
    conn.exec_driver_sql(f"{cte} SELECT {counts} FROM f").all()
    if db == "postgresql":
        pct = ", ".join(
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY s{i + 1} - s{i}), "
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY s{i + 1} - s{i})"
            for i in range(len(FUNNEL) - 1)
        )
        conn.exec_driver_sql(f"{cte} SELECT {pct} FROM f").all()
    else:  # no percentile function: the sorted durations, one column per pair
        cols = ", ".join(f"s{i + 1} - s{i}" for i in range(len(FUNNEL) - 1))
        conn.exec_driver_sql(f"{cte} SELECT {cols} FROM f").all()
    conn.exec_driver_sql(
        f"SELECT to_stage, count(DISTINCT lead_id) FROM lead_transition "
        f"WHERE at >= '{s}' AND at < '{e}' GROUP BY to_stage"
    ).all()


def floor_leakage(conn, db: str, s: str | None, e: str | None) -> None:  # noqa: ANN001
    handed = "('mql','sal','sql','opportunity','customer')"
    first = (
        f"AND at >= '{s}' AND at < '{e}' AND NOT EXISTS (SELECT 1 FROM lead_transition p WHERE "
        f"p.lead_id = lead_transition.lead_id AND p.to_stage IN {handed} AND p.at < '{s}')"
        if s
        else ""
    )
    conn.exec_driver_sql(
        f"WITH h AS (SELECT lead_id FROM lead_transition WHERE to_stage IN {handed} {first} "
        "GROUP BY lead_id) "
        "SELECT l.owner_id, l.stage, (SELECT t.reason FROM lead_transition t "
        "WHERE t.lead_id = l.id AND t.to_stage = l.stage AND t.at = l.stage_changed_at "
        "ORDER BY t.id DESC LIMIT 1) AS reason, "
        "l.opportunity_at IS NOT NULL AS opp, count(*) FROM h JOIN lead l ON l.id = h.lead_id "
        "GROUP BY l.owner_id, l.stage, reason, opp"
    ).all()


LEVELS = [  # the default contract's service levels: start stage, stop stages, stop activities
    ("mql", "'sal','nurture','disqualified'", "'call','email_sent','meeting'"),
    ("sql", "'opportunity','nurture','disqualified'", None),
    ("sal", "'sql','opportunity','nurture','disqualified'", None),
]


def floor_sla(conn, db: str, s: str, e: str) -> None:  # noqa: ANN001
    """Each level's timers of the period with their first stop, and the share stopped within
    the level's hours (counted in wall-clock hours: SQL has no working calendar)."""
    for start, stages, types in LEVELS:
        by_activity = (
            f"(SELECT min(a.at) FROM activity a WHERE a.lead_id = t.lead_id AND a.type IN "
            f"({types}) AND a.at >= t.at)"
            if types
            else "NULL"
        )
        conn.exec_driver_sql(
            f"SELECT t.lead_id, t.at, {by_activity}, (SELECT min(n.at) FROM lead_transition n "
            f"WHERE n.lead_id = t.lead_id AND n.to_stage IN ({stages}) AND n.id > t.id) "
            f"FROM lead_transition t WHERE t.to_stage = '{start}' AND t.at >= '{s}' "
            f"AND t.at < '{e}'"
        ).all()


def floor_programs(conn, db: str, s: str, e: str) -> None:  # noqa: ANN001
    pivot = ", ".join(
        f"max(CASE WHEN t.to_stage = '{st}' THEN 1 ELSE 0 END) AS s{i}"
        for i, st in enumerate(FUNNEL)
    )
    conn.exec_driver_sql(
        f"WITH f AS (SELECT t.lead_id, l.program_id, {pivot} FROM lead l JOIN lead_transition t "
        f"ON t.lead_id = l.id WHERE l.created_at >= '{s}' AND l.created_at < '{e}' "
        "GROUP BY t.lead_id, l.program_id) "
        "SELECT program_id, count(*), sum(s2), sum(s4), sum(s5), sum(s6) FROM f "
        "GROUP BY program_id"
    ).all()
    conn.exec_driver_sql(
        "SELECT program_id, period_start, period_end, amount FROM program_cost"
    ).all()
    conn.exec_driver_sql(
        "SELECT l.id, l.program_id, o.amount FROM lead l JOIN opportunity o ON o.lead_id = l.id "
        f"WHERE (l.opportunity_at >= '{s}' AND l.opportunity_at < '{e}') OR "
        f"(l.converted_at >= '{s}' AND l.converted_at < '{e}')"
    ).all()


def floor_sources(conn, db: str, s: str, e: str) -> None:  # noqa: ANN001
    conn.exec_driver_sql(
        "SELECT l.source, count(DISTINCT l.id), count(DISTINCT CASE WHEN t.to_stage = 'mql' THEN "
        "l.id END), count(DISTINCT CASE WHEN t.to_stage = 'sql' THEN l.id END) FROM lead l JOIN "
        f"lead_transition t ON t.lead_id = l.id WHERE l.created_at >= '{s}' AND l.created_at < "
        f"'{e}' GROUP BY l.source"
    ).all()
    conn.exec_driver_sql(
        "SELECT l.source, t.to_stage, t.reason, count(*) FROM lead_transition t JOIN lead l ON "
        "l.id = t.lead_id WHERE t.to_stage IN ('nurture','disqualified','closed_lost') "
        f"AND t.at >= '{s}' AND t.at < '{e}' GROUP BY l.source, t.to_stage, t.reason"
    ).all()


def floor_owners(conn, db: str, s: str, e: str) -> None:  # noqa: ANN001
    conn.exec_driver_sql(
        "SELECT tm.kind, count(*) FROM lead l LEFT JOIN team tm ON tm.id = l.creating_team_id "
        f"WHERE l.created_at >= '{s}' AND l.created_at < '{e}' GROUP BY tm.kind"
    ).all()
    conn.exec_driver_sql(
        "SELECT tm.kind, count(*) FROM (SELECT lead_id FROM lead_transition WHERE to_stage = 'sql' "
        f"GROUP BY lead_id HAVING min(at) >= '{s}' AND min(at) < '{e}') q JOIN lead l ON l.id = "
        "q.lead_id LEFT JOIN team tm ON tm.id = l.creating_team_id GROUP BY tm.kind"
    ).all()
    conn.exec_driver_sql(
        "SELECT tm.kind, sum(o.amount) FROM lead l JOIN opportunity o ON o.lead_id = l.id "
        f"LEFT JOIN team tm ON tm.id = l.creating_team_id WHERE l.opportunity_at >= '{s}' AND "
        f"l.opportunity_at < '{e}' GROUP BY tm.kind"
    ).all()


def timed(fn, repeat: int) -> float:  # noqa: ANN001
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        took = time.perf_counter() - started
        best = took if best is None else min(best, took)
    return best


def run_reports(
    db: str, url: str, repeat: int, backtest_leads: int, n: int, only: list[str]
) -> list[dict]:
    from leadledger.contract.rules import default_contract_text, parse_contract
    from leadledger.core.db import get_engine, session_scope
    from leadledger.reports import rules, service

    engine = get_engine(url).execution_options(sqlite_deferred=True)
    q4 = rules.parse_period("2026-Q4")
    s, e = q4.start.strftime("%Y-%m-%d %H:%M:%S"), q4.end.strftime("%Y-%m-%d %H:%M:%S")
    if db == "postgresql":
        s, e = s + "+00", e + "+00"
    cases = [
        (
            "funnel (2026-Q4)",
            lambda ss: service.funnel(ss, period=q4, now=NOW),
            lambda c: floor_funnel(c, db, s, e),
        ),
        (
            "funnel by program",
            lambda ss: service.funnel(ss, period=q4, grouping="program", now=NOW),
            lambda c: floor_funnel(c, db, s, e),
        ),
        (
            "leakage (2026-Q4)",
            lambda ss: service.leakage(ss, period=q4, now=NOW),
            lambda c: floor_leakage(c, db, s, e),
        ),
        (
            "leakage (all history)",
            lambda ss: service.leakage(ss, period=None, now=NOW),
            lambda c: floor_leakage(c, db, None, None),
        ),
        (
            "sla (2026-Q4)",
            lambda ss: service.sla(ss, period=q4, now=NOW),
            lambda c: floor_sla(c, db, s, e),
        ),
        (
            "programs (2026-Q4)",
            lambda ss: service.programs(ss, period=q4, now=NOW),
            lambda c: floor_programs(c, db, s, e),
        ),
        (
            "sources (2026-Q4)",
            lambda ss: service.sources(ss, period=q4, now=NOW),
            lambda c: floor_sources(c, db, s, e),
        ),
        (
            "owners (2026-Q4)",
            lambda ss: service.owners(ss, period=q4, now=NOW),
            lambda c: floor_owners(c, db, s, e),
        ),
    ]
    results = []
    for name, report, floor in cases:
        if only and not any(name.startswith(o) for o in only):
            continue
        with session_scope(engine) as session:
            took = timed(lambda: report(session), repeat)  # noqa: B023
        with engine.connect() as conn:
            base = timed(lambda: floor(conn), repeat)  # noqa: B023
        results.append(
            {
                "report": name,
                "seconds": round(took, 3),
                "floor": round(base, 3),
                "ratio": round(took / base, 2),
            }
        )
        print(json.dumps(results[-1]), flush=True)
    if only and "backtest" not in only:
        return results
    proposed = parse_contract(
        default_contract_text().replace("  min_engagement: 40\n", "  min_engagement: 50\n")
    )
    since = END - (END - START) * backtest_leads / n
    with session_scope(engine) as session:
        started = time.perf_counter()
        out = service.backtest(session, proposed, since=since, now=NOW)
        took = time.perf_counter() - started
    results.append(
        {
            "report": f"contract backtest ({out.headline['leads']:,} leads)",
            "seconds": round(took, 2),
            "floor": None,
            "ratio": None,
        }
    )
    print(json.dumps(results[-1]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs of each")
    parser.add_argument("--backtest-leads", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="reuse the database of a former run")
    parser.add_argument("--folder", default=tempfile.gettempdir())
    parser.add_argument(
        "--only", nargs="*", default=[], help="time only these (funnel, leakage, sla, ...)"
    )
    args = parser.parse_args()
    os.environ.setdefault("LEADLEDGER_ENV", "development")
    folder = Path(args.folder)
    if args.keep:
        url = (
            f"sqlite:///{folder / 'reports-bench.db'}"
            if args.db == "sqlite"
            else (f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}")
        )
        from leadledger.cli import use_database

        use_database(url)
    else:
        url = fresh_database(args.db, folder)
        print(json.dumps({"built": build(args.db, url, args.leads, args.seed)}), flush=True)
    results = run_reports(args.db, url, args.repeat, args.backtest_leads, args.leads, args.only)
    out = io.StringIO()
    out.write("| report | leadledger | hand-written SQL | ratio |\n|---|---|---|---|\n")
    for r in results:
        floor = f"{r['floor']:.3f} s" if r["floor"] is not None else "-"
        ratio = f"{r['ratio']}x" if r["ratio"] is not None else "-"
        out.write(f"| {r['report']} | {r['seconds']:.3f} s | {floor} | {ratio} |\n")
    print(out.getvalue())


if __name__ == "__main__":
    main()
