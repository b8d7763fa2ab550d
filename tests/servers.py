"""Helpers for tests that run the real thing: rasa commands (patched, as the servers run); the servers are in scripts/bot_servers.py."""
import subprocess
from pathlib import Path

import pytest

from scripts.bot_servers import PATCHED_RASA

PROJECT_ROOT = Path(__file__).resolve().parent.parent
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
