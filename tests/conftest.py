"""Shared fixtures: the trained model, and the real servers started on free loopback ports."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import List

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODEL = PROJECT_ROOT / "models" / "career-assistant.tar.gz"
RASA = PROJECT_ROOT / ".venv" / "bin" / "rasa"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def trained_model() -> Path:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it for you)")
    return MODEL


def run_rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run a rasa CLI command from the project root; fail the test with its output on error."""
    result = subprocess.run(
        [str(RASA), *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        pytest.fail(f"rasa {' '.join(args)} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


class Bot:
    """A client of the REST channel of a running Rasa server."""

    def __init__(self, url: str) -> None:
        self.url = url

    def ask(self, sender: str, message: str) -> List[dict]:
        request = urllib.request.Request(
            f"{self.url}/webhooks/rest/webhook",
            data=json.dumps({"sender": sender, "message": message}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def reply_text(self, sender: str, message: str) -> str:
        return "\n".join(m.get("text", "") for m in self.ask(sender, message))


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the servers stopped during start-up:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def running_bot(trained_model, tmp_path_factory):
    """The action server and Rasa server (REST and socket.io), as `make run` starts them,
    on free ports of 127.0.0.1. Yields a `Bot` with `url`; stops both afterwards."""
    workdir = tmp_path_factory.mktemp("servers")
    action_port, rasa_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://{HOST}:{action_port}/webhook"\n')
    log = workdir / "servers.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                str(PROJECT_ROOT / "scripts" / "serve.sh"), str(action_port), "--",
                "run", "-i", HOST, "-p", str(rasa_port), "--credentials", "credentials.yml",
                "--endpoints", str(endpoints), "--model", str(trained_model),
            ],
            cwd=PROJECT_ROOT, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        )
    try:
        url = f"http://{HOST}:{rasa_port}"
        wait_until_up(url, process, log)
        yield SimpleNamespace(bot=Bot(url), url=url, log=log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
