"""Many clients writing at once through a real server: every accepted lead is stored, none is
refused for a busy database, on SQLite (one writer at a time) and on PostgreSQL."""

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.system.server import free_port, leadledger, wait_healthy


def test_concurrent_creates_and_moves_all_succeed(empty_database_url):
    env = {**os.environ, "LEADLEDGER_DATABASE_URL": empty_database_url}
    subprocess.run([*leadledger_cmd(), "init"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*leadledger_cmd(), "users", "add", "ops@example.com", "--role", "admin"],
        env=env,
        check=True,
        capture_output=True,
    )
    token = subprocess.run(
        [*leadledger_cmd(), "users", "token", "ops@example.com"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = leadledger(
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(base, proc)
        headers = {"Authorization": f"Bearer {token}"}

        def create(i: int) -> int:
            with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
                r = c.post("/api/v1/leads", json={"email": f"p{i}@load.example"})
                if r.status_code != 201:
                    return r.status_code
                return c.post(
                    f"/api/v1/leads/{r.json()['id']}/transitions", json={"to": "mql"}
                ).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(create, range(120)))
        assert statuses == [201] * 120
        page = httpx.get(
            f"{base}/api/v1/leads?limit=500&stage=mql", headers=headers, timeout=30
        ).json()
        assert len(page["items"]) == 120
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def leadledger_cmd() -> list[str]:
    import sys

    return [sys.executable, "-m", "leadledger"]
