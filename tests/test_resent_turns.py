"""A turn sent again with the same X-Request-Id (HAProxy resending the turn of a Rasa server
that died; or a client's own retry) gets the replies it got, and is stored once
(patches/resent_turns.py, channels/rest.py, scripts/haproxy.cfg)."""
import json
import urllib.request
import uuid

import sqlalchemy as sa
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from patches.resent_turns import REQUEST_ID, replies_to
from tests.harness.stored_turns import stored_turns
from tests.knowledge_files import FIGURE_ANSWER, FIGURE_QUESTION


def test_the_replies_to_a_request_are_the_bot_events_up_to_the_next_user_event():
    events = [
        UserUttered("hi", metadata={REQUEST_ID: "first"}), ActionExecuted("utter_greet"), BotUttered("hello"),
        UserUttered("pay?", metadata={REQUEST_ID: "second"}), BotUttered("$1"), BotUttered("Source: X"),
        ActionExecuted("action_listen"), UserUttered("thanks"), BotUttered("you're welcome"),
    ]
    tracker = DialogueStateTracker.from_events("someone", events)
    assert [reply.text for reply in replies_to(tracker, "first")] == ["hello"]
    assert [reply.text for reply in replies_to(tracker, "second")] == ["$1", "Source: X"]
    assert replies_to(tracker, "third") is None


def ask(url: str, sender: str, text: str, request_id: str = None) -> list:
    headers = {"Content-Type": "application/json", **({"X-Request-Id": request_id} if request_id else {})}
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", headers=headers,
                                     data=json.dumps({"sender": sender, "message": text}).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_a_resent_turn_gets_its_replies_again_and_is_stored_once(running_bot):
    sender, request_id = "resent-turn", uuid.uuid4().hex
    first = ask(running_bot.url, sender, FIGURE_QUESTION, request_id)
    again = ask(running_bot.url, sender, FIGURE_QUESTION, request_id)
    assert FIGURE_ANSWER in "\n".join(reply.get("text", "") for reply in first)
    assert again == first
    newly_asked = ask(running_bot.url, sender, FIGURE_QUESTION)  # no id: HAProxy gives it one
    assert newly_asked
    database = f"sqlite:///{running_bot.log.parent / 'conversations.db'}"
    stored = stored_turns(database)[sender]
    assert [turn.message for turn in stored] == [FIGURE_QUESTION, FIGURE_QUESTION]
    assert all(turn.replies for turn in stored)
    with sa.create_engine(database).connect() as connection:
        user_events = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user' ORDER BY id"),
            {"sender": sender}).scalars()
        ids = [json.loads(data)["metadata"].get(REQUEST_ID) for data in user_events]
    assert ids[0] == request_id and ids[1] and ids[1] != request_id
