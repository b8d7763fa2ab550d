"""A restart of the servers keeps every conversation: the next message continues it,
context included (the conversation store of endpoints.yml, a SQLite file here). One Rasa
server is enough to show it (RASA_SERVERS=1), and starts in half the time."""
import sqlite3

import pytest

from tests.harness.bot_servers import ServerStartError, running_servers
from tests.knowledge_files import FIGURE_ANSWER, FIGURE_QUESTION, FIGURE_TOPIC

ONE_SERVER = {"RASA_SERVERS": "1"}


def test_a_conversation_continues_after_a_restart(trained_model, tmp_path):
    try:
        with running_servers(trained_model, tmp_path, with_web_page=False, environment=ONE_SERVER) as servers:
            assert FIGURE_ANSWER in servers.bot.reply_text("kept", FIGURE_QUESTION)
        with running_servers(trained_model, tmp_path, with_web_page=False, environment=ONE_SERVER) as servers:
            # "that" is the figure told before the restart (a new conversation has none)
            reply = servers.bot.reply_text("kept", "where does that come from?")
            assert reply.startswith(f"That comes from: {FIGURE_TOPIC.headline.source.title}")
    except ServerStartError as error:
        pytest.fail(str(error))

    with sqlite3.connect(tmp_path / "conversations.db") as database:
        messages = database.execute(
            "SELECT json_extract(data, '$.text') FROM events WHERE sender_id = 'kept' AND type_name = 'user'"
        ).fetchall()
    assert messages == [(FIGURE_QUESTION,), ("where does that come from?",)]
