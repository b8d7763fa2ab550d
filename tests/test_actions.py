"""The custom actions, run with a real rasa-sdk Tracker and CollectingDispatcher.

`Conversation` carries the slots an action sets into the next turn, the way the
Rasa server does, so follow-ups can be tested without a trained model.
"""
import re
from typing import Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import KNOWLEDGE, ActionAnswer, ActionOfferTopics

FIGURE = re.compile(r"\$\d|\d%")


def lines(reply: str) -> List[str]:
    """The reply's lines without the markdown line-break spaces."""
    return [line.rstrip() for line in reply.splitlines()]


class Conversation:
    """Carries slots and events from turn to turn. Messages have no text unless given,
    so the intent and aspects alone decide (the meaning match needs words)."""

    def __init__(self) -> None:
        self.slots: Dict[str, object] = {"topic": None, "facts_told": None, "suggested_topic": None}
        self.events: List[dict] = []

    def say(
        self, intent: str, *aspects: str, action=ActionAnswer, entities: Optional[List[dict]] = None, text: str = ""
    ) -> List[dict]:
        """Send one message with the given intent and aspects (or raw entities); return the bot's messages."""
        if entities is None:
            entities = [{"entity": "aspect", "value": a, "start": 0, "end": len(a)} for a in aspects]
        latest = {"intent": {"name": intent, "confidence": 0.99}, "entities": entities, "text": text}
        self.events.append({"event": "user", "text": text, "parse_data": latest})
        tracker = Tracker(
            sender_id="test",
            slots=dict(self.slots),
            latest_message=latest,
            events=list(self.events),
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )
        dispatcher = CollectingDispatcher()
        for event in action().run(dispatcher, tracker, {}):
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
        self.events += [{"event": "action", "name": action().name()}, {"event": "action", "name": "action_listen"}]
        return dispatcher.messages

    def bot_says(self, response: str) -> None:
        """A reply by one of the domain's responses (utter_...), as a rule would give it."""
        self.events += [{"event": "action", "name": response}, {"event": "action", "name": "action_listen"}]

    def text(self, intent: str, *aspects: str, text: str = "") -> str:
        messages = self.say(intent, *aspects, text=text)
        assert len(messages) == 1
        return messages[0]["text"]


@pytest.mark.parametrize("topic", KNOWLEDGE.topics.values(), ids=lambda topic: topic.id)
def test_each_topic_question_gets_its_headline_fact_source_and_a_next_step(topic):
    conversation = Conversation()
    reply = conversation.text(topic.intent)
    fact = topic.headline
    first_line = lines(reply)[0]
    assert first_line == fact.text, "the key fact comes first"
    assert "Source: " in reply and fact.source.title in reply
    if FIGURE.search(fact.text):
        assert fact.year in reply
    assert reply.rstrip().endswith("?"), "ends by suggesting a next question"
    assert conversation.slots["topic"] == topic.id
    assert conversation.slots["suggested_topic"] == topic.next


def test_pay_answer_is_the_guide_figure_with_its_year():
    reply = Conversation().text("ask_pay")
    assert "$32,350 a year" in reply and "May 2010" in reply


@pytest.mark.parametrize(
    "topic_intent, aspect, expected",
    [
        ("ask_pay", "highest", "$53,000"),
        ("ask_pay", "lowest", "$22,000"),
        ("ask_pay", "comparison", "$8,288"),
        ("ask_pay", "recent", "$44,090"),
        ("ask_certification", "duration", "nine to twelve months"),
        ("ask_certification", "coverage", "computer database management"),
        ("ask_certification", "courses", "medical terminology"),
        ("ask_certification", "other_certifications", "CPC"),
        ("ask_education", "courses", "chemistry"),
        ("ask_education", "on_the_job", "on-the-job training"),
        ("ask_work_settings", "mobility", "move from one medical institution"),
        ("ask_skills", "communication", "irate patients"),
    ],
)
def test_follow_up_is_answered_from_the_topic_under_discussion(topic_intent, aspect, expected):
    conversation = Conversation()
    conversation.text(topic_intent)
    assert expected in conversation.text("follow_up", aspect)


@pytest.mark.parametrize(
    "topic_intent, aspect, expected",
    [("ask_pay", "highest", "$53,000"), ("ask_certification", "duration", "nine to twelve"),
     ("ask_education", "courses", "biology")],
)
def test_single_question_with_a_detail_answers_that_detail(topic_intent, aspect, expected):
    assert expected in lines(Conversation().text(topic_intent, aspect))[0]


def test_detail_the_topic_does_not_have_is_ignored_in_a_direct_question():
    reply = Conversation().text("ask_education", "mandatory")
    assert lines(reply)[0] == KNOWLEDGE.topics["education"].headline.text


def test_follow_up_the_topic_cannot_answer_says_so_and_points_elsewhere():
    conversation = Conversation()
    conversation.text("ask_education")
    reply = conversation.text("follow_up", "duration")
    assert reply.startswith("Sorry, I don't have information about how long it takes for education.")
    assert "certification" in reply
    assert not FIGURE.search(reply)
    assert conversation.slots["topic"] == "education"


def test_follow_up_without_context_uses_the_only_topic_that_has_the_detail():
    conversation = Conversation()
    assert "$53,000" in conversation.text("follow_up", "highest")
    assert conversation.slots["topic"] == "pay"


def test_follow_up_without_context_and_several_candidate_topics_offers_the_topics():
    messages = Conversation().say("follow_up", "courses")
    assert len(messages[0]["buttons"]) == len(KNOWLEDGE.topics)


def test_a_match_inside_a_longer_one_is_dropped():
    conversation = Conversation()
    conversation.text("ask_duties")
    # "what about the code books": "code" (coding) lies inside "code books" (exam).
    reply = conversation.say("follow_up", entities=[
        {"entity": "aspect", "value": "coding", "start": 15, "end": 19},
        {"entity": "aspect", "value": "exam", "start": 15, "end": 25},
    ])[0]["text"]
    assert reply.startswith("Sorry, I don't have information about the CMRS exam")


def test_the_aspect_listed_first_in_the_knowledge_file_wins():
    conversation = Conversation()
    conversation.text("ask_certification")
    # "how long is the cmrs training": duration is listed before cmrs.
    reply = conversation.say("follow_up", entities=[
        {"entity": "aspect", "value": "duration", "start": 0, "end": 8},
        {"entity": "aspect", "value": "cmrs", "start": 16, "end": 20},
    ])[0]["text"]
    assert "nine to twelve months" in lines(reply)[0]


def test_tell_me_more_walks_through_the_untold_facts_then_moves_on():
    conversation = Conversation()
    conversation.text("ask_education")
    education = KNOWLEDGE.topics["education"]
    for fact in education.facts[1:]:
        assert lines(conversation.text("follow_up"))[0] == fact.text
    following = KNOWLEDGE.topics[education.next]
    assert lines(conversation.text("follow_up"))[0] == following.headline.text
    assert conversation.slots["topic"] == following.id


def test_suggestions_leave_out_what_was_already_told():
    conversation = Conversation()
    conversation.text("ask_pay")
    reply = conversation.text("follow_up", "highest")
    assert "the highest pay" not in lines(reply)[-1]
    assert "the lowest pay" in lines(reply)[-1]


def test_yes_accepts_the_offered_topic():
    conversation = Conversation()
    conversation.text("ask_pay")
    reply = conversation.text("affirm")
    assert lines(reply)[0] == KNOWLEDGE.topics["advancement"].headline.text


def test_yes_with_nothing_offered_lists_the_topics():
    messages = Conversation().say("affirm")
    assert [button["payload"] for button in messages[0]["buttons"]] == [f"/{t.intent}" for t in KNOWLEDGE.topics.values()]


def test_yes_after_a_reply_that_offered_nothing_does_not_answer_an_older_offer():
    conversation = Conversation()
    conversation.text("ask_pay")  # offers career advancement
    conversation.text("follow_up", "duration")  # "how long?": pay has no such detail, offers nothing
    assert not FIGURE.search(conversation.say("affirm")[0]["text"])
    assert KNOWLEDGE.topics["advancement"].headline.text not in conversation.say("affirm")[0]["text"]


def test_yes_after_thanks_does_not_answer_the_offer_made_before():
    conversation = Conversation()
    conversation.text("ask_pay")
    conversation.bot_says("utter_thanks")
    messages = conversation.say("affirm")
    assert all(KNOWLEDGE.topics["advancement"].headline.text not in m.get("text", "") for m in messages)


def test_two_facts_asked_for_in_one_message_are_told_in_one_reply():
    conversation = Conversation()
    reply = conversation.text("ask_education", text="is a degree required, and where do billers usually get hired?")
    assert KNOWLEDGE.topics["education"].headline.text in reply
    assert KNOWLEDGE.topics["work_settings"].headline.text in reply
    assert conversation.slots["facts_told"] == ["education/0", "work_settings/0"]


def test_a_career_question_the_classifier_called_out_of_scope_is_not_declined():
    reply = Conversation().text("out_of_scope", text="what does a medical coder do all day at work")
    assert reply.startswith(KNOWLEDGE.topics["duties"].headline.text)


def test_out_of_scope_is_declined_with_the_topics():
    messages = Conversation().say("out_of_scope", text="what's the weather like in Boston tomorrow")
    assert messages[0]["text"].startswith("Sorry, I can't help with that")
    assert len(messages[1]["buttons"]) == len(KNOWLEDGE.topics)


def test_a_clarifying_button_answers_the_original_question():
    conversation = Conversation()
    conversation.say("nlu_fallback", text="pay or training")
    messages = conversation.say("ask_pay", entities=[{"entity": "aspect", "value": "highest"}], text='/ask_pay{"aspect": "highest"}')
    assert lines(messages[0]["text"])[0] == KNOWLEDGE.topics["pay"].fact_for("highest").text


@pytest.mark.parametrize("intent", ["greet", "what_can_you_do"])
def test_topic_offer_lists_every_topic_as_text_and_buttons_but_no_fact(intent):
    conversation = Conversation()
    conversation.text("ask_pay")
    messages = conversation.say(intent, action=ActionOfferTopics)
    assert len(messages) == 1
    text, buttons = messages[0]["text"], messages[0]["buttons"]
    for topic in KNOWLEDGE.topics.values():
        assert topic.title in text
    assert [b["title"] for b in buttons] == [t.button for t in KNOWLEDGE.topics.values()]
    assert not FIGURE.search(text)
    assert conversation.slots["suggested_topic"] is None, "a later 'yes' must not answer a stale offer"
