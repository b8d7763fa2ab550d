"""A part of what `make run` starts dies under load (scripts/faults.py has the faults; `make
faults` runs them all, longer): students barely notice, and supervisord brings it back."""
import pytest

from scripts.faults import CONVERSATIONS, MOST_FAILED_AFTER_SETTLING, action_server_killed, rasa_server_killed
from tests.harness.bot_servers import ServerStartError, running_servers


@pytest.fixture(scope="module")
def servers(trained_model, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("faults")
    try:
        with running_servers(trained_model, workdir, with_web_page=False) as running:
            yield running, f"sqlite:///{workdir / 'conversations.db'}"
    except ServerStartError as error:
        pytest.fail(str(error))


def test_a_killed_rasa_server_costs_no_turn_after_five_seconds_and_no_context(servers):
    """A turn the killed server held is answered by the other once its lock expires; one it had
    stored but not yet answered gets its stored replies (patches/resent_turns.py)."""
    running, database = servers
    result = rasa_server_killed(running, database, before=3, after=8)
    print(result)
    assert result.sent_after_settling >= 20
    assert result.failed_share_after_settling() < MOST_FAILED_AFTER_SETTLING  # wrong or failed
    assert result.going_on == CONVERSATIONS  # every conversation went on, with its context
    assert result.lost == 0 and result.doubled == 0
    assert result.restarted_seconds is not None  # supervisord restarted it


def test_a_killed_action_server_gets_students_a_try_again_until_it_is_back_by_itself(servers):
    running, database = servers
    result = action_server_killed(running, database, before=2, after=60)
    print(result)
    assert result.recovery_seconds is not None  # answers came back without anyone restarting it
    assert result.failed > 0 and result.errors == 0  # each failed turn was told to try again
    assert result.wrong == 0 and result.lost == 0 and result.doubled == 0
