"""A restart of the servers keeps every conversation: the next message continues it,
context included (the conversation store of endpoints.yml, a SQLite file here)."""
import sqlite3

import pytest

from scripts.bot_servers import ServerStartError, running_servers


def test_a_conversation_continues_after_a_restart(trained_model, tmp_path):
    try:
        with running_servers(trained_model, tmp_path, with_web_page=False) as servers:
            assert "$44,090" in servers.bot.reply_text("kept", "how much does it pay")
        with running_servers(trained_model, tmp_path, with_web_page=False) as servers:
            # "that" is the figure told before the restart (a new conversation has none)
            assert "It is the newest figure" in servers.bot.reply_text("kept", "where does that come from?")
    except ServerStartError as error:
        pytest.fail(str(error))

    with sqlite3.connect(tmp_path / "conversations.db") as database:
        messages = database.execute(
            "SELECT json_extract(data, '$.text') FROM events WHERE sender_id = 'kept' AND type_name = 'user'"
        ).fetchall()
    assert messages == [("how much does it pay",), ("where does that come from?",)]
