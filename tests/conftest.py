"""Shared fixtures: the trained model, and the real servers started on free loopback ports."""
import os
import signal
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.servers import HOST, MODEL, PROJECT_ROOT, Bot, credentials_allowing, free_port, wait_until_up


@pytest.fixture(scope="session")
def trained_model() -> Path:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it for you)")
    return MODEL


@pytest.fixture(scope="session")
def running_bot(trained_model, tmp_path_factory):
    """The action server, Rasa server (REST and socket.io) and demo page, as `make run`
    starts them, on free ports of 127.0.0.1; the socket.io channel allows the page's
    origin only. Yields `bot` (a REST client), `url`, `web_url`; stops all afterwards."""
    workdir = tmp_path_factory.mktemp("servers")
    action_port, rasa_port, web_port = free_port(), free_port(), free_port()
    url, web_url = f"http://{HOST}:{rasa_port}", f"http://{HOST}:{web_port}/"
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://{HOST}:{action_port}/webhook"\n')
    credentials = credentials_allowing(web_url.rstrip("/"), workdir / "credentials.yml")
    log = workdir / "servers.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                str(PROJECT_ROOT / "scripts" / "serve.sh"), "--web", str(web_port), url, str(action_port), "--",
                "run", "-i", HOST, "-p", str(rasa_port), "--credentials", str(credentials),
                "--endpoints", str(endpoints), "--model", str(trained_model),
            ],
            cwd=PROJECT_ROOT, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        )
    try:
        wait_until_up(url, process, log)
        wait_until_up(web_url, process, log)
        yield SimpleNamespace(bot=Bot(url), url=url, web_url=web_url, log=log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
