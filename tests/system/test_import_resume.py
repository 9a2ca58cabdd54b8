"""An import killed with SIGKILL half-way and resumed counts every row exactly once."""

import csv
import os
import random
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from leadledger.imports.models import ImportJob
from leadledger.leads.models import Lead
from tests.system.server import leadledger

ROWS = 40_000


def _write_file(path) -> tuple[int, int]:
    """A leads file with some rows that must be rejected and some repeated people; returns
    (rows that can only be rejected, rows that repeat an earlier person)."""
    rng = random.Random(11)
    bad = dupes = 0
    emails: list[str] = []
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Email", "First Name", "Last Name", "Company", "Country"])
        for i in range(ROWS):
            if i % 20 == 7:
                writer.writerow(["not-an-email", "Bad", f"Row{i}", "X", "US"])
                bad += 1
            elif i % 33 == 5 and emails:
                writer.writerow([rng.choice(emails), "Again", "Person", "Y", "US"])
                dupes += 1
            else:
                email = f"p{i}@company{i % 700}.com"
                emails.append(email)
                writer.writerow([email, "Pat", f"Lee{i}", f"Company {i % 700}", "Germany"])
    return bad, dupes


def _job(session) -> ImportJob | None:
    session.commit()
    session.expire_all()  # this session keeps objects across commits; read them afresh
    return session.scalar(select(ImportJob).order_by(ImportJob.id.desc()))


def test_a_killed_import_resumes_and_counts_every_row_once(engine, session, database_url, tmp_path):
    source = tmp_path / "leads.csv"
    bad, dupes = _write_file(source)
    env = {
        **os.environ,
        "LEADLEDGER_DATABASE_URL": database_url,
        "LEADLEDGER_IMPORT_DIR": str(tmp_path / "imports"),
    }
    proc = leadledger("import", str(source), "--json", env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        job = _job(session)
        if job is not None and job.last_row >= ROWS // 2:
            break
        assert proc.poll() is None, "the import ended before it could be killed"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed = _job(session)
    assert killed.status == "running" and 0 < killed.rows_read < ROWS

    resumed = subprocess.run(
        [sys.executable, "-m", "leadledger", "import", "--resume", str(killed.id), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr
    job = _job(session)
    assert job.status == "done"
    assert job.rows_read == ROWS
    assert job.created + job.merged + job.duplicates + job.rejected == ROWS
    assert job.rejected == bad and job.duplicates == dupes and job.merged == 0
    leads = session.scalar(select(func.count()).select_from(Lead))
    assert leads == job.created == ROWS - bad - dupes
    with open(job.error_file, encoding="utf-8") as f:
        error_rows = list(csv.DictReader(f))
    assert len(error_rows) == bad
    assert len({r["row"] for r in error_rows}) == bad  # no row written twice
