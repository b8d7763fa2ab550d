"""Two Rasa servers and one action server share the conversations through PostgreSQL,
with Redis locks: every turn is answered, each stored conversation holds every user
message once, each followed by its reply, and context carries from one server to the other."""
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest

from scripts.ports import free_port
from stores.conversation_store import DB_URL_VARIABLE
from stores.lock_store import LOCK_URL_VARIABLE
from tests.harness.bot_servers import action_server, rasa_server
from tests.harness.database_servers import MissingServer, postgres_server, redis_server
from tests.harness.stored_turns import stored_turns
from tests.knowledge_files import FIGURE_ANSWER, FIGURE_QUESTION, FIGURE_TOPIC, SERVED, asked_by

# Each turn goes to the other server; the second and fourth need what the one before told.
_OTHER = next(t for t in SERVED.topics.values() if t is not FIGURE_TOPIC and len(t.facts) > 1 and t.headline.questions)
CONVERSATION = [
    (FIGURE_QUESTION, FIGURE_ANSWER),
    ("where does that come from?", f"That comes from: {FIGURE_TOPIC.headline.source.title}"),
    (asked_by(_OTHER.headline), _OTHER.headline.text),
    ("tell me more", _OTHER.facts[1].text),
]
CONVERSATIONS = 12
# Two messages of one conversation sent at the same moment, one to each server.
SIMULTANEOUS = [("hi", "thanks")] * 8


@pytest.fixture(scope="module")
def two_servers(trained_model, tmp_path_factory):
    """Yield (REST clients of the two Rasa servers, database URL)."""
    workdir = tmp_path_factory.mktemp("several")
    try:
        with ExitStack() as stack:
            database = stack.enter_context(postgres_server())
            environment = {DB_URL_VARIABLE: database, LOCK_URL_VARIABLE: stack.enter_context(redis_server())}
            action_port = free_port()
            stack.enter_context(action_server(workdir, action_port))
            bots = [stack.enter_context(rasa_server(trained_model, workdir, action_port, environment)) for _ in (1, 2)]
            yield bots, database
    except MissingServer as error:
        pytest.fail(str(error))


def test_conversations_alternate_between_servers(two_servers):
    bots, database = two_servers

    def converse(number: int) -> list:
        sender = f"alternating-{number}"
        return [
            (expected, bots[(number + turn) % 2].reply_text(sender, message))
            for turn, (message, expected) in enumerate(CONVERSATION)
        ]

    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(pool.map(converse, range(CONVERSATIONS)))
    for conversation in replies:
        for expected, reply in conversation:
            assert expected in reply

    stored = stored_turns(database)
    for number in range(CONVERSATIONS):
        turns = stored[f"alternating-{number}"]
        assert [turn.message for turn in turns] == [message for message, _ in CONVERSATION]
        assert all(turn.replies for turn in turns)


def test_simultaneous_messages_of_one_conversation_are_taken_one_at_a_time(two_servers):
    bots, database = two_servers
    with ThreadPoolExecutor(max_workers=2 * len(SIMULTANEOUS)) as pool:
        futures = [
            pool.submit(bots[server].ask, f"simultaneous-{number}", message)
            for number, pair in enumerate(SIMULTANEOUS)
            for server, message in enumerate(pair)
        ]
        assert all(future.result() for future in futures)

    stored = stored_turns(database)
    for number, pair in enumerate(SIMULTANEOUS):
        first, second = sorted(stored[f"simultaneous-{number}"], key=lambda turn: turn.received)
        assert sorted([first.message, second.message]) == sorted(pair)
        assert first.replies and second.replies
        # the lock held: the second message was taken only once the first was answered
        assert second.received >= first.finished
