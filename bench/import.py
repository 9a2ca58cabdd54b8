"""Import N generated leads end to end, and, in the same run, insert the same rows with a raw
executemany into the same database as the reference.

    .venv/bin/python bench/import.py --rows 1000000 --db sqlite
    .venv/bin/python bench/import.py --rows 1000000 --db postgresql

The file is realistic: names, e-mails, companies, titles, countries in several spellings,
phones in several formats, 5% dirty rows (bad e-mail and no phone, or a broken quote) and 3%
repeats of an earlier person. The import runs as `leadledger import FILE --json` in its own
process, whose peak memory (max RSS) is reported."""

import argparse
import csv
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
FIRST = [
    "Ana",
    "Ben",
    "Chloé",
    "Dmitri",
    "Eva",
    "Farah",
    "Gustav",
    "Hiro",
    "Ines",
    "Jonas",
    "KAREN",
    "liam",
    "Mei",
    "Noah",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
    "Søren",
    "Tariq",
]
LAST = [
    "Smith",
    "Müller",
    "García",
    "O'Neil",
    "Nakamura",
    "Kowalski",
    "Rossi",
    "Dubois",
    "JOHNSON",
    "van der Berg",
    "Singh",
    "Chen",
    "Öztürk",
    "Nguyen",
    "Silva",
    "Brown",
]
TITLES = [
    "VP of Sales",
    "Head of Marketing",
    "CEO",
    "Senior Software Engineer",
    "Marketing Manager",
    "Director of Operations",
    "CFO",
    "Sales Development Rep",
    "IT Manager",
    "Procurement Specialist",
    "Founder",
    "Student",
    "Account Executive",
]
COUNTRIES = [
    ("United States", "US", "+1 415 555 {:04d}"),
    ("Germany", "DE", "+49 30 5555 {:04d}"),
    ("UK", "GB", "020 7946 {:04d}"),
    ("France", "FR", "+33 1 55 55 {:04d}"),
    ("USA", "US", "(212) 555-{:04d}"),
    ("Deutschland", "DE", "030 5555 {:04d}"),
    ("Japan", "JP", "+81 3 5555 {:04d}"),
    ("Netherlands", "NL", "+31 20 555 {:04d}"),
]
SUFFIXES = ["Inc", "GmbH", "Ltd", "LLC", "SAS", "BV", "AG", ""]
BRANDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay"]
HEADER = ["First Name", "Last Name", "Email", "Phone", "Company", "Job Title", "Country"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    companies = [
        (
            f"{rng.choice(BRANDS)} {i}",
            rng.choice(SUFFIXES),
        )
        for i in range(max(rows // 40, 10))
    ]
    people: list[list[str]] = []
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(rows):
            roll = rng.random()
            if roll < 0.03 and people:
                writer.writerow(rng.choice(people))
                continue
            company, suffix = rng.choice(companies)
            country, _code, phone = rng.choice(COUNTRIES)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            domain = company.lower().replace(" ", "") + ".com"
            email = f"{first[0]}.{last.replace(' ', '').replace(chr(39), '')}{i}@{domain}"
            row = [
                first,
                last,
                email,
                phone.format(i % 10000),
                f"{company} {suffix}".strip(),
                rng.choice(TITLES),
                country,
            ]
            if roll > 0.95:  # dirty: no usable way to reach them
                row[2], row[3] = f"{first}.at.{domain}", ""
            people.append(row)
            if len(people) > 5000:
                people.pop(rng.randrange(len(people)))
            writer.writerow(row)


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        return list(reader)


def raw_insert(url: str, rows: list[list[str]], kind: str) -> float:
    """The reference: the same rows, as they are, with one executemany and one commit."""
    sql = "INSERT INTO bench_raw VALUES ({})".format(
        ", ".join(["?" if kind == "sqlite" else "%s"] * 7)
    )
    create = (
        "CREATE TABLE bench_raw (first_name text, last_name text, email text, phone text, "
        "company text, title text, country text)"
    )
    if kind == "sqlite":
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(create)
        start = time.perf_counter()
        conn.executemany(sql, rows)
        conn.commit()
        took = time.perf_counter() - start
        conn.close()
        return took
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute(create)
        conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cur:
            cur.executemany(sql, rows)
        conn.commit()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="leadledger-bench-"))
    source = work / "leads.csv"
    t = time.perf_counter()
    generate(source, args.rows)
    print(
        f"generated {args.rows:,} rows ({source.stat().st_size / 1e6:.0f} MB) "
        f"in {time.perf_counter() - t:.1f} s"
    )
    if args.db == "sqlite":
        url = f"sqlite:///{work / 'bench.db'}"
    else:
        name = f"leadledger_bench_{os.getpid()}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    env = {
        **os.environ,
        "LEADLEDGER_DATABASE_URL": url,
        "LEADLEDGER_IMPORT_DIR": str(work / "imports"),
    }
    cli = [sys.executable, "-m", "leadledger"]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True)

    start = time.perf_counter()
    done = subprocess.run(
        [*cli, "import", str(source), "--json"], env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - start
    if done.returncode:
        sys.exit(done.stderr)
    job = json.loads(done.stdout)
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    rows = read_rows(source)
    raw = raw_insert(url, rows, args.db)
    print(f"database: {args.db}")
    print(
        f"import:   {args.rows / took:,.0f} rows/s ({took:.1f} s): {job['created']:,} created, "
        f"{job['merged']:,} merged, {job['duplicates']:,} duplicates, "
        f"{job['rejected']:,} rejected; "
        f"balanced: {job['balanced']}"
    )
    print(f"raw executemany: {len(rows) / raw:,.0f} rows/s ({raw:.1f} s)")
    print(f"ratio import/raw time: {took / raw:.1f}x (target <= 5x)")
    print(f"peak memory of the import process: {peak_mib:,.0f} MiB (target < 1024 MiB)")
    if args.db == "postgresql":
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
