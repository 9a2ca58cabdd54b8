"""Run leadledger as a real process on a free loopback port."""

import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def leadledger(*args: str, env: dict, cwd=None, **popen) -> subprocess.Popen:  # noqa: ANN001
    return subprocess.Popen([sys.executable, "-m", "leadledger", *args], env=env, cwd=cwd, **popen)


def wait_healthy(base: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    """A quiet machine starts a server in 2-3 s; a loaded one (CI beside other work) far later."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise TimeoutError(f"{base} did not become healthy")
