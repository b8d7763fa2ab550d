"""The custom actions, run with a real rasa-sdk Tracker and CollectingDispatcher.

`Conversation` carries the slots an action sets into the next turn, the way the
Rasa server does, so follow-ups can be tested without a trained model.
"""
import re
from typing import Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ADVISING, KNOWLEDGE, ActionAdvisorContact, ActionAnswer, ActionOfferTopics, ActionTellSource

FIGURE = re.compile(r"\$\d|\d%")


def lines(reply: str) -> List[str]:
    return reply.splitlines()


class Conversation:
    """Carries slots and events from turn to turn. Messages have no text unless given,
    so the intent and aspects alone decide (the meaning match needs words)."""

    def __init__(self) -> None:
        self.slots: Dict[str, object] = {
            "topic": None, "facts_told": None, "suggested_topic": None, "last_fact": None, "misunderstandings": None,
        }
        self.events: List[dict] = []

    def say(
        self, intent: str, *aspects: str, action=ActionAnswer, entities: Optional[List[dict]] = None, text: str = "",
        channel: str = "rest", ranking: Optional[List[dict]] = None,
    ) -> List[dict]:
        """Send one message with the given intent and aspects (or raw entities); return the bot's messages.
        Without `text` the message is a button's payload ("/ask_pay"), which names its intent."""
        text = text or f"/{intent}"
        if entities is None:
            entities = [{"entity": "aspect", "value": a, "start": 0, "end": len(a)} for a in aspects]
        latest = {"intent": {"name": intent, "confidence": 0.99}, "entities": entities, "text": text}
        if ranking:
            latest["intent_ranking"] = ranking
        self.events.append({"event": "user", "text": text, "parse_data": latest, "input_channel": channel})
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
        """The reply's text (over REST a second message may carry the sources as data)."""
        messages = self.say(intent, *aspects, text=text)
        assert [m for m in messages if m.get("text")] == messages[:1]
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


def test_pay_answer_leads_with_the_newest_median_and_gives_the_guide_figure_beside_it():
    reply = lines(Conversation().text("ask_pay"))
    assert "median pay is $44,090 a year" in reply[0] and "average" not in reply[0]
    assert reply[1].startswith("Source: BLS Occupational Outlook Handbook 2021-22") and reply[1].endswith(", May 2020.")
    assert reply[2].startswith("Older figure: ") and "$32,350" in reply[2]
    assert reply[3].endswith(", May 2010.")


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


def test_follow_up_without_context_and_several_candidate_topics_asks_which_is_meant():
    messages = Conversation().say("follow_up", "courses")
    assert messages[0]["text"] == (
        "I want to get this right: is your question about certification: what the training covers"
        " or education: which courses to take?"
    )
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/ask_certification{"aspect": "coverage"}', '/ask_education{"aspect": "courses"}',
    ]


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


def test_next_steps_are_at_most_three_buttons_and_leave_out_what_was_told():
    conversation = Conversation()
    conversation.text("ask_pay")
    buttons = [b["title"] for b in conversation.say("follow_up", "highest")[0]["buttons"]]
    assert buttons == ["The lowest pay", "How it compares with other incomes", "Will I find a job?"]


def test_yes_accepts_the_offered_topic():
    conversation = Conversation()
    conversation.text("ask_pay")
    reply = conversation.text("affirm")
    assert lines(reply)[0] == KNOWLEDGE.topics[KNOWLEDGE.topics["pay"].next].headline.text


def test_yes_with_nothing_offered_offers_three_topics():
    messages = Conversation().say("affirm")
    assert [button["payload"] for button in messages[0]["buttons"]] == [f"/{t.intent}" for t in list(KNOWLEDGE.topics.values())[:3]]


def test_yes_after_a_reply_that_offered_nothing_does_not_answer_an_older_offer():
    conversation = Conversation()
    conversation.text("ask_pay")  # offers career advancement
    conversation.text("follow_up", "duration")  # "how long?": pay has no such detail, offers nothing
    assert not FIGURE.search(conversation.say("affirm")[0]["text"])
    assert KNOWLEDGE.topics[KNOWLEDGE.topics["pay"].next].headline.text not in conversation.say("affirm")[0]["text"]


def test_yes_after_thanks_does_not_answer_the_offer_made_before():
    conversation = Conversation()
    conversation.text("ask_pay")
    conversation.bot_says("utter_thanks")
    messages = conversation.say("affirm")
    assert all(KNOWLEDGE.topics[KNOWLEDGE.topics["pay"].next].headline.text not in m.get("text", "") for m in messages)


def test_two_facts_asked_for_in_one_message_are_told_in_one_reply():
    conversation = Conversation()
    reply = conversation.text("ask_education", text="is a degree required, and where do billers usually get hired?")
    assert KNOWLEDGE.topics["education"].headline.text in reply
    assert KNOWLEDGE.topics["work_settings"].headline.text in reply
    assert conversation.slots["facts_told"] == ["education_degree", "work_settings_places"]


def test_a_career_question_the_classifier_called_out_of_scope_is_not_declined():
    reply = Conversation().text("out_of_scope", text="what does a medical coder do all day at work")
    assert reply.startswith(KNOWLEDGE.topics["duties"].headline.text)


def test_out_of_scope_is_declined_in_one_sentence_with_three_topic_buttons():
    conversation = Conversation()
    conversation.text("ask_duties")
    messages = conversation.say("out_of_scope", text="what's the weather like in Boston tomorrow")
    assert len(messages) == 1 and len(lines(messages[0]["text"])) == 1
    assert messages[0]["text"].startswith("Sorry, I can't help with that")
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_work_settings", "/ask_pay", "/ask_advancement"]


def test_a_clarifying_button_answers_the_original_question():
    conversation = Conversation()
    conversation.say("nlu_fallback", text="pay or training")
    messages = conversation.say("ask_pay", entities=[{"entity": "aspect", "value": "highest"}], text='/ask_pay{"aspect": "highest"}')
    assert lines(messages[0]["text"])[0] == KNOWLEDGE.topics["pay"].fact_for("highest").text


@pytest.mark.parametrize("intent", ["greet", "what_can_you_do"])
def test_topic_offer_names_the_career_and_gives_every_topic_as_a_button_but_no_fact(intent):
    conversation = Conversation()
    conversation.text("ask_pay")
    messages = conversation.say(intent, action=ActionOfferTopics)
    assert len(messages) == 1
    text, buttons = messages[0]["text"], messages[0]["buttons"]
    assert KNOWLEDGE.career_name in text
    assert [b["title"] for b in buttons] == [t.button for t in KNOWLEDGE.topics.values()]
    assert not FIGURE.search(text)
    assert conversation.slots["suggested_topic"] is None, "a later 'yes' must not answer a stale offer"


# --- channels ----------------------------------------------------------------------

MARKDOWN = re.compile(r"\]\(|\*\*|  $|^#", re.M)


def test_widget_gets_markdown_links_and_quick_replies():
    message = Conversation().say("ask_pay", channel="socketio")
    assert len(message) == 1 and "[BLS Occupational Outlook Handbook 2021-22" in message[0]["text"]
    assert "  \n" in message[0]["text"], "markdown line breaks"
    assert message[0]["buttons"][-1] == {"title": "Will I find a job?", "payload": "/ask_job_outlook"}


def test_rest_gets_plain_text_buttons_and_the_sources_as_data():
    messages = Conversation().say("ask_pay", channel="rest")
    assert not MARKDOWN.search(messages[0]["text"])
    assert "Source: BLS Occupational Outlook Handbook 2021-22, Medical Records and Health Information Specialists, https://" in messages[0]["text"]
    assert messages[0]["buttons"]
    sources = messages[1]["custom"]["sources"]
    assert sources[0] == {
        "title": "BLS Occupational Outlook Handbook 2021-22, Medical Records and Health Information Specialists",
        "url": KNOWLEDGE.sources["bls_ooh_2021"].url, "year": "May 2020",
    }
    assert sources[1]["year"] == "May 2010"


def test_shell_gets_plain_text_and_next_steps_to_type_instead_of_a_button_menu():
    messages = Conversation().say("ask_pay", channel="cmdline")
    assert len(messages) == 1 and not messages[0].get("buttons")
    assert not MARKDOWN.search(messages[0]["text"])
    assert lines(messages[0]["text"])[-1].startswith("You could ask: ")


# --- sources, limits, advisors -----------------------------------------------------

def test_where_does_that_come_from_names_the_last_facts_source_and_year():
    conversation = Conversation()
    conversation.text("ask_pay", "highest")
    reply = lines(conversation.say("source_of_answer", action=ActionTellSource)[0]["text"])
    assert reply[0] == (
        "That comes from: Career guide, using BLS Occupational Outlook Handbook 2012-13 figures,"
        f" {KNOWLEDGE.sources['guide_bls_2010'].url}, May 2010."
    )


def test_is_that_current_gives_the_newer_figure_after_an_old_one():
    conversation = Conversation()
    conversation.text("ask_pay", text="/ask_pay")
    conversation.slots["last_fact"] = "pay_median_2010"  # the guide's figure was the last told
    reply = conversation.say("source_of_answer", action=ActionTellSource)[0]["text"]
    assert "A newer figure: " + KNOWLEDGE.topics["pay"].headline.text in reply


def test_source_question_before_any_fact_says_so():
    reply = Conversation().say("source_of_answer", action=ActionTellSource)[0]["text"]
    assert reply.startswith("I haven't told you a fact yet.")


def test_a_newer_figure_counts_its_older_figure_as_told():
    conversation = Conversation()
    conversation.text("ask_pay")
    assert conversation.slots["facts_told"] == ["pay_median", "pay_median_2010"]
    assert lines(conversation.text("follow_up"))[0] == KNOWLEDGE.topics["pay"].fact_for("highest").text


def test_local_question_says_what_is_missing_and_where_to_look():
    reply = Conversation().text("ask_pay", text="how much do medical coders make in Ohio?")
    assert KNOWLEDGE.topics["pay"].headline.text in reply
    assert "I only have national figures" in reply and "#tab-7" in reply


@pytest.mark.parametrize("channel", ["rest", "socketio", "cmdline"])
def test_advisor_request_gives_the_schools_contact(channel):
    messages = Conversation().say("talk_to_advisor", action=ActionAdvisorContact, channel=channel)
    text = messages[0].get("text") or messages[0]["custom"]["data"]["text"]
    assert ADVISING.office in text and ADVISING.email in text and ADVISING.phone in text
    if channel == "socketio":
        quick_replies = messages[0]["custom"]["data"]["quick_replies"]
        assert quick_replies == [{"type": "web_url", "title": "Book an appointment", "url": ADVISING.booking_url}]


def test_an_unsure_request_for_a_person_still_gets_the_contact():
    ranking = [{"name": "nlu_fallback", "confidence": 0.45}, {"name": "talk_to_advisor", "confidence": 0.45},
               {"name": "bot_challenge", "confidence": 0.42}]
    messages = Conversation().say("nlu_fallback", text="can I talk to a real person?", ranking=ranking)
    assert ADVISING.email in messages[0]["text"]
    ranking[1:] = ranking[2:0:-1]  # likelier "are you a real person?": no contact, a rephrase
    assert ADVISING.email not in Conversation().say("nlu_fallback", text="can I talk to a real person?", ranking=ranking)[0]["text"]


def test_two_misunderstandings_in_a_row_offer_an_advisor():
    conversation = Conversation()
    first = conversation.text("out_of_scope", text="what's the weather like in Boston tomorrow")
    assert ADVISING.email not in first
    second = conversation.text("out_of_scope", text="tell me a joke about cats")
    assert ADVISING.email in second
    third = conversation.text("out_of_scope", text="who won the game last night")
    assert ADVISING.email not in third, "offered once, then counted afresh"


def test_an_answer_in_between_resets_the_count():
    conversation = Conversation()
    conversation.text("out_of_scope", text="what's the weather like in Boston tomorrow")
    conversation.text("ask_pay")
    assert ADVISING.email not in conversation.text("out_of_scope", text="tell me a joke about cats")
