"""patches.apply() (patches/__init__.py) applies every patch of Rasa, any number of times,
and nothing on another Rasa; importing the patches changes nothing; loading the model and
the launcher (`python -m patches`, patches/__main__.py) apply them; every Rasa server of
the project is started with the launcher, and starts without third-party deprecation
warnings. Each patch's own tests: tests/test_remote_action_patch.py, tests/test_graph_runner.py,
tests/test_resent_turns.py."""
import re
import subprocess
import sys

import pytest
import rasa
import rasa.__main__
from rasa.core.actions import action as rasa_actions
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.processor import MessageProcessor
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.utils.endpoints import EndpointConfig

import patches
import patches.__main__ as launcher
from actions.knowledge import PROJECT_ROOT
from patches import graph_runner, remote_action, resent_turns
from tests.harness.bot_servers import PATCHED_RASA, PYTHON, rasa_server_command

RASAS = {"run": graph_runner.RASAS_RUN, "validate": remote_action.RASAS_VALIDATE, "init": remote_action.RASAS_INIT,
         "timeout": remote_action.RASAS_TIMEOUT, "handle": resent_turns.RASAS_HANDLE_MESSAGE,
         "handle_with_tracker": resent_turns.RASAS_HANDLE_MESSAGE_WITH_TRACKER}
PATCHED = {"run": graph_runner.run_in_order, "validate": remote_action._validate_action_result,
           "init": remote_action._init, "timeout": 10.0, "handle": resent_turns._handle_message,
           "handle_with_tracker": resent_turns._handle_message_with_tracker}
# A Python warning as it is printed: "path.py:12: SomeDeprecationWarning: message".
DEPRECATION_WARNING = re.compile(r"^.*\.py:\d+: \w*(?:Deprecation|MovedIn|RemovedIn)\w*Warning: .*$", re.M)


def state() -> dict:
    return {"run": DaskGraphRunner.run, "validate": RemoteAction._validate_action_result, "init": RemoteAction.__init__,
            "timeout": rasa_actions.DEFAULT_REQUEST_TIMEOUT, "handle": MessageProcessor.handle_message,
            "handle_with_tracker": MessageProcessor._handle_message_with_tracker}


@pytest.fixture
def unpatched(monkeypatch):
    """Rasa as installed during the test; what was applied before is back afterwards."""
    monkeypatch.delenv("ACTION_SERVER_TIMEOUT", raising=False)
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)  # the launcher sets it
    monkeypatch.setattr(DaskGraphRunner, "run", RASAS["run"])
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASAS["validate"])
    monkeypatch.setattr(RemoteAction, "__init__", RASAS["init"])
    monkeypatch.setattr(rasa_actions, "DEFAULT_REQUEST_TIMEOUT", RASAS["timeout"])
    monkeypatch.setattr(MessageProcessor, "handle_message", RASAS["handle"])
    monkeypatch.setattr(MessageProcessor, "_handle_message_with_tracker", RASAS["handle_with_tracker"])
    assert RASAS["run"].__module__ == "rasa.engine.runner.dask"
    assert RASAS["validate"].__module__ == RASAS["init"].__module__ == "rasa.core.actions.action"


def test_apply_applies_every_patch(unpatched):
    patches.apply()
    assert state() == PATCHED


def test_apply_is_idempotent(unpatched):
    for _ in range(3):
        patches.apply()
    assert state() == PATCHED
    endpoint = EndpointConfig("http://x/webhook")
    wrapped = RemoteAction("action_a", endpoint).action_endpoint
    assert type(wrapped) is remote_action.ActionServerEndpoint
    assert wrapped is RemoteAction("action_b", endpoint).action_endpoint
    assert vars(wrapped) == {name: value for name, value in vars(endpoint).items() if name != "_action_server_endpoint"}


def test_apply_refuses_another_rasa_and_changes_nothing(unpatched, monkeypatch):
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(patches.RasaVersionError) as refused:
        patches.apply()
    message = str(refused.value)
    assert "Rasa 3.6.21" in message and "Rasa 3.7.0 is installed" in message
    assert "Install Rasa 3.6.21" in message and "RASA_VERSION" in message  # what to do
    assert state() == RASAS


def test_importing_the_patches_changes_nothing():
    """In a new interpreter: importing every patch module, and the component that applies
    them, leaves Rasa as it is."""
    check = (
        "import nlu_components.minilm_featurizer, patches, patches.graph_runner as g, patches.remote_action as r\n"
        "from rasa.core.actions import action as a\n"
        "from rasa.engine.runner.dask import DaskGraphRunner\n"
        "from rasa.utils.endpoints import EndpointConfig\n"
        "assert DaskGraphRunner.run is g.RASAS_RUN and g.RASAS_RUN.__module__ == 'rasa.engine.runner.dask'\n"
        "assert a.RemoteAction._validate_action_result is r.RASAS_VALIDATE\n"
        "assert a.RemoteAction.__init__ is r.RASAS_INIT\n"
        "assert r.RASAS_INIT.__module__ == 'rasa.core.actions.action' and a.DEFAULT_REQUEST_TIMEOUT == 300\n"
        "assert EndpointConfig.session.__module__ == 'rasa.utils.endpoints'\n"
    )
    result = subprocess.run([str(PYTHON), "-c", check], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def test_loading_the_model_applies_the_patches(unpatched, trained_model):
    """So `rasa train`, `rasa test` and any Rasa server of the model run patched, however started."""
    Agent.load(str(trained_model))
    assert state() == PATCHED


def test_the_launcher_applies_the_patches_then_runs_rasas_command_line(unpatched, monkeypatch):
    seen = []
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append((state(), sys.argv[:])))
    monkeypatch.setattr(sys, "argv", ["patches/__main__.py", "run", "--port", "1"])
    launcher.main()
    assert seen == [(PATCHED, ["rasa", "run", "--port", "1"])]


def test_the_launcher_refuses_another_rasa(unpatched, monkeypatch):
    ran = []
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    monkeypatch.setattr(rasa.__main__, "main", lambda: ran.append(True))
    monkeypatch.setattr(sys, "argv", ["patches/__main__.py", "run"])
    with pytest.raises(SystemExit) as refused:
        launcher.main()
    assert "3.6.21" in str(refused.value.code) and "3.7.0" in str(refused.value.code)
    assert not ran and state() == RASAS


def test_every_rasa_server_is_started_with_the_launcher():
    assert [str(PYTHON), "-m", "patches"] == PATCHED_RASA
    assert rasa_server_command(1, PROJECT_ROOT / "endpoints.yml", PROJECT_ROOT / "model.tar.gz")[:3] == PATCHED_RASA
    from scripts import serve

    assert serve.RASA == PATCHED_RASA
    assert re.search(r"^RASA\s*:=\s*\$\(PYTHON\) -m patches$", (PROJECT_ROOT / "Makefile").read_text(), re.M)
    assert 'ENTRYPOINT ["python", "-m", "patches"]' in (PROJECT_ROOT / "docker" / "rasa.Dockerfile").read_text()
    # tests/test_deployment.py: docker-compose.yml runs the image's entrypoint with the tests' arguments


def test_the_launcher_starts_quietly():
    """No third-party deprecation warnings, nor TensorFlow's start-up messages."""
    result = subprocess.run([*PATCHED_RASA, "--version"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Rasa Version      :         3.6.21" in result.stdout
    assert not DEPRECATION_WARNING.findall(result.stderr)
    assert result.stderr == ""


def test_the_servers_start_without_third_party_deprecation_warnings(running_bot):
    """The action server and both Rasa servers, as `make run` starts them (scripts/serve.py),
    with the model loaded and the first answers given."""
    assert running_bot.bot.reply_text("deprecation-check", "how much does it pay?")
    log = running_bot.log.read_text()
    assert "Rasa server is up and running" in log and "Action endpoint is up and running" in log
    assert not DEPRECATION_WARNING.findall(log)
