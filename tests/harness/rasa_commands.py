"""Rasa's commands for the tests, patched as the servers run them (the servers are started by
tests/harness/bot_servers.py)."""
import subprocess

import pytest

from actions.knowledge import PROJECT_ROOT
from tests.harness.bot_servers import PATCHED_RASA

MODEL = PROJECT_ROOT / "models" / "career-assistant.tar.gz"


def run_rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run a rasa CLI command from the project root; fail the test with its output on error."""
    result = subprocess.run(
        [*PATCHED_RASA, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        pytest.fail(
            f"rasa {' '.join(args)} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result
