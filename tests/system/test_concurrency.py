"""Many clients at once through real server processes, on SQLite (one writer at a time) and on
PostgreSQL (row locks): nothing accepted is lost, no history goes out of order, no request is
refused for a busy database."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.system.server import free_port, leadledger, wait_healthy

CLI = [sys.executable, "-m", "leadledger"]


def cli(env: dict, *args: str) -> str:
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def server(empty_database_url):
    """``leadledger serve --workers 2`` on a fresh database, with an admin client."""
    env = {**os.environ, "LEADLEDGER_DATABASE_URL": empty_database_url}
    cli(env, "init")
    cli(env, "users", "add", "ops@example.com", "--role", "admin")
    token = cli(env, "users", "token", "ops@example.com").strip()
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
        yield base, {"Authorization": f"Bearer {token}"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def in_parallel(fn, items, workers: int = 16) -> list:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


def test_concurrent_creates_and_moves_all_succeed(server):
    base, headers = server

    def create(i: int) -> int:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            r = c.post("/api/v1/leads", json={"email": f"p{i}@load.example"})
            if r.status_code != 201:
                return r.status_code
            return c.post(
                f"/api/v1/leads/{r.json()['id']}/transitions", json={"to": "mql"}
            ).status_code

    assert in_parallel(create, range(120)) == [201] * 120
    page = httpx.get(f"{base}/api/v1/leads?limit=500&stage=mql", headers=headers, timeout=30).json()
    assert len(page["items"]) == 120


def test_racing_moves_of_one_lead_leave_one_story_in_time_order(server):
    base, headers = server
    lead = httpx.post(
        f"{base}/api/v1/leads", json={"email": "hot@lead.example"}, headers=headers
    ).json()
    httpx.post(f"{base}/api/v1/leads/{lead['id']}/transitions", json={"to": "mql"}, headers=headers)
    moves = [{"to": "nurture", "reason": "not_now"}, {"to": "mql"}] * 40

    def move(body: dict) -> int:
        url = f"{base}/api/v1/leads/{lead['id']}/transitions"
        return httpx.post(url, json=body, headers=headers, timeout=30).status_code

    statuses = in_parallel(move, moves)
    assert set(statuses) <= {201, 409}
    story = [
        h["detail"]
        for h in httpx.get(f"{base}/api/v1/leads/{lead['id']}/history", headers=headers).json()
        if h["kind"] == "transition"
    ]
    assert len(story) == 2 + statuses.count(201)
    assert [t["id"] for t in story] == sorted(t["id"] for t in story)  # time order = commit order
    for before, after in zip(story, story[1:], strict=False):
        assert after["from_stage"] == before["to_stage"]
        assert after["at"] >= before["at"]
    final = httpx.get(f"{base}/api/v1/leads/{lead['id']}", headers=headers).json()
    assert final["stage"] == story[-1]["to_stage"]
    assert final["stage_changed_at"] == story[-1]["at"]


def test_racing_edits_keep_every_custom_field(server):
    base, headers = server
    lead = httpx.post(
        f"{base}/api/v1/leads", json={"email": "edit@lead.example"}, headers=headers
    ).json()

    def patch(i: int) -> int:
        url = f"{base}/api/v1/leads/{lead['id']}"
        return httpx.patch(
            url, json={"custom": {f"k{i}": i}}, headers=headers, timeout=30
        ).status_code

    assert in_parallel(patch, range(40)) == [200] * 40
    final = httpx.get(f"{base}/api/v1/leads/{lead['id']}", headers=headers).json()
    assert final["custom"] == {f"k{i}": i for i in range(40)}


def test_init_and_contract_apply_in_parallel_processes(empty_database_url, tmp_path):
    env = {**os.environ, "LEADLEDGER_DATABASE_URL": empty_database_url}
    inits = [
        subprocess.Popen([*CLI, "init"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    assert [p.wait(timeout=120) for p in inits] == [0, 0, 0], [p.stderr.read() for p in inits]
    contract = tmp_path / "contract.yaml"
    contract.write_text(cli(env, "contract", "show"))
    applies = [
        subprocess.Popen(
            [*CLI, "contract", "apply", str(contract), "--reason", f"change {i}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(4)
    ]
    assert [p.wait(timeout=120) for p in applies] == [0] * 4, [p.stderr.read() for p in applies]
    history = cli(env, "contract", "history")
    assert history.count("default contract loaded") == 1
    assert all(f"change {i}" in history for i in range(4))
