"""End to end: the real action server and Rasa servers, asked over the REST channel, on
the knowledge file they serve (KNOWLEDGE). One fresh conversation per question; every
expectation is read from that file. How the guide's file answers students' own wording:
tests/content/test_e2e_answers.py."""
import re
import uuid

import pytest

from actions.replies import FIT_BUTTON, decline
from actions.school import configured_school_file, load_advising_contact
from tests.knowledge_files import SERVED, asked_by

ASKED_FACTS = [(topic, fact) for topic in SERVED.topics.values() for fact in topic.facts if fact.questions]
OUT_OF_SCOPE = [
    "what's the weather like in Boston tomorrow", "tell me a joke about cats", "who won the game last night"
]
MARKDOWN = re.compile(r"\]\(|\*\*|__|`|  $|^#", re.M)


def new_sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("topic, fact", ASKED_FACTS, ids=lambda value: getattr(value, "id", ""))
def test_each_fact_is_answered_to_a_question_the_file_lists_for_it(running_bot, topic, fact):
    assert fact.text in " ".join(running_bot.bot.reply_text(new_sender(), asked_by(fact)).split())


@pytest.mark.parametrize("line", OUT_OF_SCOPE)
def test_out_of_scope_is_declined_with_no_career_fact(running_bot, line):
    reply = running_bot.bot.reply_text(new_sender(), line)
    assert reply.startswith(decline(SERVED))
    assert not any(fact.text in reply for topic in SERVED.topics.values() for fact in topic.facts)


def test_greeting_offers_every_topic_as_a_button_and_a_button_answers(running_bot):
    """... and the career-fit quiz's button, when the file served has one."""
    messages = running_bot.bot.ask(new_sender(), "hi")
    buttons = [button for message in messages for button in message.get("buttons", [])]
    fit = [{"title": FIT_BUTTON.title, "payload": FIT_BUTTON.payload}] if SERVED.fit else []
    assert buttons == [{"title": t.button, "payload": f"/{t.intent}"} for t in SERVED.topics.values()] + fit
    topic = next(iter(SERVED.topics.values()))
    assert topic.headline.text in running_bot.bot.reply_text(new_sender(), f"/{topic.intent}")


def test_rest_replies_are_plain_text_with_the_sources_as_data(running_bot):
    sender = new_sender()
    topic = next(t for t in SERVED.topics.values() if t.headline.year and t.headline.questions)
    for question in ["hi", asked_by(topic.headline), "where does that come from?", "can I talk to an advisor?",
                     "what is the weather"]:
        for message in running_bot.bot.ask(sender, question):
            assert not MARKDOWN.search(message.get("text", "")), (question, message)
    answer = running_bot.bot.ask(new_sender(), asked_by(topic.headline))
    sources = [source for message in answer for source in message.get("custom", {}).get("sources", [])]
    source = topic.headline.source
    assert sources[0] == {"title": source.title, "url": source.url, "year": topic.headline.year}


def test_where_does_that_come_from_names_the_source_of_the_fact_just_told(running_bot):
    sender = new_sender()
    topic = next(t for t in SERVED.topics.values() if t.headline.year and t.headline.questions)
    running_bot.bot.reply_text(sender, asked_by(topic.headline))
    reply = running_bot.bot.reply_text(sender, "where does that come from?")
    assert reply.startswith(f"That comes from: {topic.headline.source.title}") and topic.headline.year in reply


def test_asking_for_a_person_gives_the_schools_advising_contact(running_bot):
    advising = load_advising_contact(configured_school_file())
    assert advising.email in running_bot.bot.reply_text(new_sender(), "can I talk to a real person?")


def test_tell_me_more_goes_on_with_the_topic_under_discussion(running_bot):
    sender = new_sender()
    topic = next(t for t in SERVED.topics.values() if len(t.facts) > 1 and t.headline.questions)
    running_bot.bot.reply_text(sender, asked_by(topic.headline))
    reply = running_bot.bot.reply_text(sender, "tell me more")
    assert any(fact.text in " ".join(reply.split()) for fact in topic.facts[1:])
