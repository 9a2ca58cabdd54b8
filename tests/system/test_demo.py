"""``leadledger demo`` as a user runs it: a real process, a real port, the printed token."""

import os
import re
import subprocess
import time

import httpx

from tests.system.server import free_port, leadledger, wait_healthy


def test_demo_prints_url_and_token_and_serves_its_leads(tmp_path):
    port = free_port()
    other = tmp_path / "production.db"
    env = {**os.environ, "LEADLEDGER_DATABASE_URL": f"sqlite:///{other}"}
    proc = leadledger(
        "demo",
        "--port",
        str(port),
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("try:"):
                break
        out = "".join(lines)
        token = re.search(r"admin token:\s+(ll_\S+)", out).group(1)
        assert f"http://127.0.0.1:{port}/docs" in out
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc)
        headers = {"Authorization": f"Bearer {token}"}
        page = httpx.get(f"{base}/api/v1/leads?limit=500", headers=headers, timeout=10).json()
        assert len(page["items"]) == 100
        assert {lead["stage"] for lead in page["items"]} >= {"lead", "mql", "customer", "nurture"}
        assert httpx.get(f"{base}/api/v1/leads").status_code == 401
        form_url = re.search(r"web form:\s+(\S+)", out).group(1)
        posted = httpx.post(form_url, data={"email": "visitor@example.org", "first_name": "vi"})
        assert posted.status_code == 200
        page = httpx.get(f"{base}/api/v1/leads?limit=500", headers=headers, timeout=10).json()
        visitor = next(lead for lead in page["items"] if lead["email"] == "visitor@example.org")
        assert (visitor["first_name"], visitor["program"]) == ("Vi", "website-contact")
        assert (tmp_path / "demo.db").exists()
        assert not other.exists(), "the demo must never touch another database"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
