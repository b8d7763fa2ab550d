"""Helpers for tests that run the real thing: rasa commands, servers, a REST client."""
import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import List

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODEL = PROJECT_ROOT / "models" / "career-assistant.tar.gz"
RASA = PROJECT_ROOT / ".venv" / "bin" / "rasa"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


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


SOCKETIO_CHANNEL = "channels.socketio_origins.SocketIOWithAllowedOrigins"


def credentials_allowing(origin: str, target: Path) -> Path:
    """credentials.yml with the socket.io channel open to one web origin only."""
    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    credentials[SOCKETIO_CHANNEL]["allowed_origins"] = [origin]
    target.write_text(yaml.safe_dump(credentials))
    return target
