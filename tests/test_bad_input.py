"""Bad input against the real servers: every kind gets a sensible reply or a clear 4xx,
never a 500, and the server goes on serving others. Each request's time is printed
(`pytest -s`) for the record; timings are not asserted."""
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import socketio

from actions.replies import ENGLISH_ONLY, NO_WORDS
from channels.checks import MAX_MESSAGE_CHARS, TOO_LONG_REPLY
from tests.knowledge_files import FIGURE_ANSWER, FIGURE_QUESTION, FIGURE_TOPIC, SERVED, asked_by

A_100_KB_QUESTION = "how much does a medical coder earn and what training do i need? " * 1600


def post(url: str, body: bytes, content_type: str = "application/json"):
    """(HTTP status, parsed JSON or text, seconds) of one POST to the REST channel."""
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": content_type})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    seconds = time.perf_counter() - start
    try:
        content = json.loads(raw)
    except ValueError:
        content = raw.decode(errors="replace")
    print(f"{status} in {seconds * 1000:.0f} ms: {body[:60]!r}")
    return status, content, seconds


def say(url: str, message, sender: str = None) -> str:
    status, content, _ = post(url, json.dumps({"sender": sender or uuid.uuid4().hex, "message": message}).encode())
    assert status == 200, content
    assert content, "no reply"
    return "\n".join(m.get("text", "") for m in content)


def test_a_100_kb_message_is_asked_to_be_shorter_at_once(running_bot):
    assert say(running_bot.url, A_100_KB_QUESTION) == TOO_LONG_REPLY
    assert say(running_bot.url, "x" * (MAX_MESSAGE_CHARS + 1)) == TOO_LONG_REPLY
    assert TOO_LONG_REPLY not in say(running_bot.url, "how much does it pay " + "." * (MAX_MESSAGE_CHARS - 30))


def test_the_length_limit_holds_on_the_widgets_socket_too(running_bot):
    client = socketio.Client()
    replies, answered = [], threading.Event()

    @client.on("bot_uttered")
    def on_reply(data):
        replies.append(data.get("text"))
        answered.set()

    client.connect(running_bot.url, headers={"Origin": running_bot.web_url.rstrip("/")}, transports=["polling"])
    try:
        session = uuid.uuid4().hex
        client.emit("session_request", {"session_id": session})
        client.emit("user_uttered", {"message": A_100_KB_QUESTION, "session_id": session})
        assert answered.wait(30)
        assert replies == [TOO_LONG_REPLY]
    finally:
        client.disconnect()


@pytest.mark.parametrize("message", ["", "   ", "\n\t", "😀😀😀", "?!...", "\u200b"])
def test_a_message_without_words_is_asked_for_words(running_bot, message):
    assert say(running_bot.url, message).startswith(NO_WORDS)


@pytest.mark.parametrize("message", [
    "¿Cuánto gana un codificador médico?",
    "Combien gagne un codeur médical ?",
    "医疗编码员的工资是多少？",
    "Сколько зарабатывает медицинский кодировщик?",
])
def test_another_language_is_told_in_english_that_the_bot_answers_in_english(running_bot, message):
    reply = say(running_bot.url, message)
    assert reply.startswith(ENGLISH_ONLY)
    assert "advising@" in reply  # a person may speak their language


def test_null_bytes_and_control_characters_are_dropped(running_bot):
    first, *rest = FIGURE_QUESTION.split(" ")
    garbled = f"{first}\u0000 " + "\u0007 ".join(rest)
    assert FIGURE_ANSWER in say(running_bot.url, garbled)


def test_markup_gets_a_reply_and_is_not_echoed(running_bot):
    assert "<script>" not in say(running_bot.url, "<script>alert(1)</script>")


DETAIL = next(fact for fact in FIGURE_TOPIC.facts[1:] if fact.aspects)


@pytest.mark.parametrize("command, expected", [
    ("/restart", "Let's start over"),
    ("/back", ""),  # Rasa's own commands, typed, are read as words
    ("/session_start", ""),
    ("/no_such_intent", ""),
    (f'/{FIGURE_TOPIC.intent}{{"aspect": "{DETAIL.aspects[0]}"}}', DETAIL.text),
    (f'/{FIGURE_TOPIC.intent}{{"aspect": "<script>"}}', FIGURE_ANSWER),
    (f'/{FIGURE_TOPIC.intent}{{"aspect": [1, 2]}}', FIGURE_ANSWER),
    (f"/{FIGURE_TOPIC.intent}{{not json", FIGURE_ANSWER),
])
def test_typed_commands_get_a_reply(running_bot, command, expected):
    assert expected in say(running_bot.url, command)


def test_injected_entities_do_not_set_the_conversations_context(running_bot):
    sender = uuid.uuid4().hex
    headline = FIGURE_TOPIC.headline.id
    injected = {"topic": FIGURE_TOPIC.id, "facts_told": [headline], "last_fact": headline}
    say(running_bot.url, f"/greet{json.dumps(injected)}", sender)
    assert "I haven't told you a fact yet" in say(running_bot.url, "where does that come from?", sender)
    with sqlite3.connect(running_bot.log.parent / "conversations.db") as database:
        slot_values = database.execute(
            "SELECT action_name FROM events WHERE sender_id = ? AND type_name = 'slot'", (sender,)
        ).fetchall()
    assert ("topic",) not in slot_values and ("facts_told",) not in slot_values


@pytest.mark.parametrize("body, content_type", [
    (b"not json", "application/json"),
    (b"[1, 2]", "application/json"),
    (b'"just a string"', "application/json"),
    (b'{"message": "hi"}', "application/json"),
    (b'{"sender": "", "message": "hi"}', "application/json"),
    (b'{"sender": 12, "message": "hi"}', "application/json"),
    (json.dumps({"sender": "x" * 256, "message": "hi"}).encode(), "application/json"),
    (b'{"sender": "a\\u0000b", "message": "hi"}', "application/json"),
    (b'{"sender": "student"}', "application/json"),
    (b'{"sender": "student", "message": 42}', "application/json"),
    (b'{"sender": "student", "message": null}', "application/json"),
    (b'{"sender": "student", "message": "hi", "metadata": [1]}', "application/json"),
    (b'{"sender": "student", "message": "\xff\xfe"}', "application/json"),
])
def test_malformed_requests_get_a_clear_400(running_bot, body, content_type):
    status, content, _ = post(running_bot.url, body, content_type)
    assert status == 400, content
    assert content["message"]  # says what is wrong


def test_a_flood_of_one_message_leaves_the_server_serving_others(running_bot):
    flooder = uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=10) as pool:
        flood = [pool.submit(say, running_bot.url, FIGURE_QUESTION, flooder) for _ in range(50)]
        other = next(
            topic for topic in SERVED.topics.values() if topic is not FIGURE_TOPIC and topic.headline.questions
        )
        assert other.headline.text in say(running_bot.url, asked_by(other.headline))
        # one conversation asking the same thing again and again: a fact of that topic each time
        assert all(any(fact.text in reply.result() for fact in FIGURE_TOPIC.facts) for reply in flood)
