"""Property-based tests (Hypothesis): whatever a student types, the channel checks give NLU
a clean message of bounded length or answer themselves; whatever a knowledge file holds,
the loader either loads it or refuses it with its own error naming the file."""
import asyncio
import copy
import tempfile
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from actions.knowledge import KnowledgeFileError, load_knowledge
from channels.checks import (
    CONTROL_CHARACTERS,
    MAX_MESSAGE_CHARS,
    NOT_TEXT_REPLY,
    TOO_LONG_REPLY,
    UNAVAILABLE_REPLY,
    checked,
)
from stores.refusals import REFUSALS, TOO_LONG, RefusalLog
from tests.knowledge_files import MADE_UP_CAREER_FILE

MADE_UP_CAREER = yaml.safe_load(MADE_UP_CAREER_FILE.read_text())


def through_checks(text, refusals=None):
    """What NLU would get (None if nothing) and what was replied (the bot says "ok")."""
    received = []

    async def on_new_message(message):
        received.append(message.text)
        await message.output_channel.send_response(message.sender_id, {"text": "ok"})

    output = CollectingOutputChannel()
    asyncio.run(checked(on_new_message, refusals)(UserMessage(text, output, "student")))
    return (received[0] if received else None), [message["text"] for message in output.messages]


def test_a_message_refused_as_too_long_is_noted_when_not_what_nor_who(tmp_path):
    import sqlalchemy as sa

    refusals = RefusalLog(f"sqlite:///{tmp_path / 'conversations.db'}")
    assert through_checks("x" * (MAX_MESSAGE_CHARS + 1), refusals) == (None, [TOO_LONG_REPLY])
    assert through_checks("how much does it pay", refusals) == ("how much does it pay", ["ok"])
    with refusals._engine.connect() as connection:
        rows = connection.execute(sa.select(REFUSALS)).mappings().all()
    assert [(set(row), row["reason"]) for row in rows] == [({"id", "timestamp", "reason"}, TOO_LONG)]


def test_a_refusal_that_cannot_be_noted_still_gets_its_reply():
    class Unreachable(RefusalLog):
        def record(self, reason, at=None):
            raise OSError("the database is down")

    assert through_checks("x" * (MAX_MESSAGE_CHARS + 1), Unreachable()) == (None, [TOO_LONG_REPLY])


@given(st.text(max_size=3 * MAX_MESSAGE_CHARS))
@settings(max_examples=300, deadline=None)
def test_any_text_reaches_nlu_clean_and_short_or_gets_the_length_reply(text):
    forwarded, replies = through_checks(text)
    if len(text) > MAX_MESSAGE_CHARS:
        assert forwarded is None and replies == [TOO_LONG_REPLY]
    else:
        assert replies == ["ok"] and forwarded is not None
        assert len(forwarded) <= MAX_MESSAGE_CHARS and not CONTROL_CHARACTERS.search(forwarded)
        assert not forwarded.startswith(("/back", "/session_start"))


def test_a_message_left_without_a_reply_gets_the_try_again_reply():
    async def fails_silently(message):
        pass

    output = CollectingOutputChannel()
    asyncio.run(checked(fails_silently)(UserMessage("how much does it pay", output, "student")))
    assert [message["text"] for message in output.messages] == [UNAVAILABLE_REPLY]


@given(st.one_of(st.integers(), st.lists(st.text()), st.dictionaries(st.text(), st.text())))
def test_anything_but_text_gets_asked_for_text(value):
    message = UserMessage("x", CollectingOutputChannel(), "student")
    message.text = value
    received = []

    async def on_new_message(message):
        received.append(message)

    asyncio.run(checked(on_new_message)(message))
    assert received == [] and message.output_channel.messages[0]["text"] == NOT_TEXT_REPLY


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


def load(document) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "knowledge.yml"
        path.write_text(document if isinstance(document, str) else yaml.safe_dump(document, allow_unicode=True))
        try:
            load_knowledge(path)
        except KnowledgeFileError as error:
            assert str(path) in str(error)


@given(document=yaml_values)
@settings(max_examples=100, deadline=None)
def test_any_yaml_document_loads_or_is_refused_with_the_loaders_error(document):
    load(document)


@given(text=st.text(max_size=300))
@settings(max_examples=100, deadline=None)
def test_any_text_file_loads_or_is_refused_with_the_loaders_error(text):
    load(text)


@st.composite
def damaged_knowledge_files(draw):
    """A made-up career's knowledge file with one value somewhere replaced by something random."""
    document = copy.deepcopy(MADE_UP_CAREER)
    node = document
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = draw(st.sampled_from(keys))
        if not isinstance(node[key], (dict, list)) or draw(st.booleans()):
            node[key] = draw(yaml_values)
            return document
        node = node[key]
    return document


@given(document=damaged_knowledge_files())
@settings(max_examples=100, deadline=None)
def test_a_damaged_knowledge_file_loads_or_is_refused_with_the_loaders_error(document):
    load(document)
