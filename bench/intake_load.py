"""Form capture under load, side by side with a bare reference app, in one run.

    .venv/bin/python bench/intake_load.py --db sqlite      # or --db postgresql

Both are served by one uvicorn process on loopback and loaded by Debian's `hey`
(apt-get install -y hey): first at a constant 200 requests/s for 60 s (p50, p99, errors),
then flat out for 15 s with 64 connections (the top rate). leadledger's endpoint is a public
web form, `POST /f/{key}` with a JSON body; every post creates a lead (the body names the
person by phone only, so no post matches an earlier one). The reference is
bench/reference_app.py: one route, one INSERT of the posted JSON, one commit."""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BODY = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "phone": "+44 20 7946 0958",
    "company_name": "Analytical Engines",
    "title": "Head of Research",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(args: list[str], env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("the server did not start")


def hey(url: str, body: str, *extra: str) -> dict:
    out = subprocess.run(
        ["hey", "-m", "POST", "-T", "application/json", "-d", body, *extra, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def pct(p: str) -> float:
        m = re.search(rf"{p}%% in ([\d.]+) secs".replace("%%", "%"), out)
        return float(m.group(1)) * 1000 if m else float("nan")

    codes = dict(re.findall(r"\[(\d{3})\]\s+(\d+) responses", out))
    ok = sum(int(n) for c, n in codes.items() if c.startswith("2"))
    total = sum(int(n) for n in codes.values())
    errors = total - ok + len(re.findall(r"Error distribution", out))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"p50": pct(50), "p99": pct(99), "errors": errors, "requests": total, "rate": rate}


def measure(url: str, body: str) -> tuple[dict, dict]:
    steady = hey(url, body, "-z", "60s", "-c", "10", "-q", "20")  # 10 workers x 20/s = 200/s
    top = hey(url, body, "-z", "15s", "-c", "64")
    return steady, top


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    if not shutil.which("hey"):
        sys.exit("this bench needs Debian's hey: apt-get install -y hey")
    work = Path(tempfile.mkdtemp(prefix="leadledger-load-"))
    if args.db == "sqlite":
        url, ref_url = f"sqlite:///{work / 'll.db'}", f"sqlite:///{work / 'ref.db'}"
    else:
        names = [f"leadledger_load_{os.getpid()}", f"leadledger_load_ref_{os.getpid()}"]
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
                admin.execute(f'CREATE DATABASE "{name}"')
        url, ref_url = (f"postgresql+psycopg://postgres@127.0.0.1:5432/{n}" for n in names)
    env = {**os.environ, "LEADLEDGER_DATABASE_URL": url, "LEADLEDGER_FORM_RATE_LIMIT": "1000000"}
    cli = [sys.executable, "-m", "leadledger"]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True)
    subprocess.run(
        [
            *cli,
            "forms",
            "add",
            "bench",
            "--fields",
            "first_name,last_name,phone,company_name,title",
            "--required",
            "phone",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    form = json.loads(
        subprocess.run(
            [*cli, "forms", "show", "bench", "--json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    body = json.dumps(BODY)

    port = free_port()
    server = serve([*cli, "serve", "--port", str(port)], env, port)
    try:
        ours = measure(f"http://127.0.0.1:{port}/f/{form['public_key']}", body)
    finally:
        server.terminate()
        server.wait()
    port = free_port()
    ref_env = {
        **os.environ,
        "LEADLEDGER_DATABASE_URL": ref_url,
        "PYTHONPATH": str(Path(__file__).parent),
    }
    reference = serve(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "reference_app:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        ref_env,
        port,
    )
    try:
        ref = measure(f"http://127.0.0.1:{port}/ref", body)
    finally:
        reference.terminate()
        reference.wait()

    print(f"database: {args.db}")
    print(f"{'':28}{'leadledger /f/{key}':>22}{'bare reference':>18}{'ratio':>8}")
    for label, key, i in (
        ("200 req/s for 60 s: p50 ms", "p50", 0),
        ("200 req/s for 60 s: p99 ms", "p99", 0),
    ):
        print(
            f"{label:28}{ours[i][key]:>22.1f}{ref[i][key]:>18.1f}{ours[i][key] / ref[i][key]:>8.2f}"
        )
    print(f"{'200 req/s for 60 s: errors':28}{ours[0]['errors']:>22}{ref[0]['errors']:>18}")
    print(
        f"{'top rate, req/s':28}{ours[1]['rate']:>22.0f}{ref[1]['rate']:>18.0f}"
        f"{ours[1]['rate'] / ref[1]['rate']:>8.2f}"
    )
    print(f"{'top rate: errors':28}{ours[1]['errors']:>22}{ref[1]['errors']:>18}")
    print("targets: p99 ratio <= 2.5 with zero errors; top-rate ratio >= 0.40")
    if args.db == "postgresql":
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
