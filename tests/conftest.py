"""Shared fixtures: the trained model, and the real servers started on free loopback ports."""
from pathlib import Path

import pytest

from tests.harness.bot_servers import ServerStartError, running_servers
from tests.harness.rasa_commands import MODEL


@pytest.fixture(scope="session")
def trained_model() -> Path:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it for you)")
    return MODEL


@pytest.fixture(scope="session")
def trained_agent(trained_model):
    """The trained model loaded in this process (with the project's patches), as a Rasa
    server loads it; shared, so tests must leave it as they found it."""
    from rasa.core.agent import Agent

    import patches

    patches.apply()
    return Agent.load(str(trained_model))


@pytest.fixture(scope="session")
def running_bot(trained_model, tmp_path_factory):
    """The action server, Rasa server (REST and socket.io) and demo page, as `make run`
    starts them, on free ports of 127.0.0.1; the socket.io channel allows the page's
    origin only. Yields `bot` (a REST client), `url`, `web_url`; stops all afterwards."""
    try:
        with running_servers(trained_model, tmp_path_factory.mktemp("servers")) as servers:
            yield servers
    except ServerStartError as error:
        pytest.fail(str(error))
