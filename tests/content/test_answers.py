"""What the bot answers from the career guide's knowledge file: the guide's figures and
wording, through the custom actions (rasa-sdk's tracker and dispatcher, no trained model).
How the actions behave whatever the career is tested in tests/test_actions.py."""
import re
from functools import lru_cache

import pytest

from actions.actions import ActionTellSource
from actions.assistant import Assistant
from actions.knowledge import DEFAULT_KNOWLEDGE_FILE, load_knowledge
from actions.rendering import render
from actions.replies import fact_reply
from actions.school import DEFAULT_SCHOOL_FILE, load_advising_contact
from tests.conversation import Conversation as ConversationWith
from tests.conversation import lines
from tests.every_reply import broken_lines, every_reply

KNOWLEDGE = load_knowledge(DEFAULT_KNOWLEDGE_FILE)
ADVISING = load_advising_contact(DEFAULT_SCHOOL_FILE)


@lru_cache(maxsize=1)
def guide() -> Assistant:
    """The assistant of the guide's file, with the fact index `make train` cached."""
    return Assistant.build(KNOWLEDGE, ADVISING, cache_index=True)


def new_conversation() -> ConversationWith:
    return ConversationWith(guide())


FIGURE = re.compile(r"\$\d|\d%")
#: A one-fact reply over REST fits a phone's screen (issue 20's target).
SHORT_REPLY_CHARACTERS = 350


def test_pay_answer_is_the_newest_median_and_offers_the_guide_figure():
    conversation = new_conversation()
    messages = conversation.say("ask_pay")
    reply = lines(messages[0]["text"])
    assert "median pay is $44,090 a year" in reply[0] and "average" not in reply[0]
    assert reply[1].startswith("Source: BLS Occupational Outlook Handbook 2021-22") and reply[1].endswith(", May 2020.")
    assert "$32,350" not in messages[0]["text"]
    assert "The older figures" in [button["title"] for button in messages[0]["buttons"]]
    assert "$32,350" in conversation.text("follow_up", "older")


def test_every_reply_the_templates_build_from_the_guide_reads_as_sentences():
    broken = {what: broken_lines(reply) for what, reply in every_reply(KNOWLEDGE)}
    assert {what: found for what, found in broken.items() if found} == {}


@pytest.mark.parametrize("fact", [f for t in KNOWLEDGE.topics.values() for f in t.facts], ids=lambda f: f.id)
def test_a_reply_telling_one_fact_fits_a_phone_screen_over_rest(fact):
    """The fact, a short source label and the offer: the link goes as data."""
    topic = KNOWLEDGE.fact(fact.id)[0]
    text = render(fact_reply(KNOWLEDGE, [(topic, fact)], [fact.id]), "rest")[0]["text"]
    assert len(text) <= SHORT_REPLY_CHARACTERS, text


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
    conversation = new_conversation()
    conversation.text(topic_intent)
    assert expected in conversation.text("follow_up", aspect)


@pytest.mark.parametrize(
    "topic_intent, aspect, expected",
    [("ask_pay", "highest", "$53,000"), ("ask_certification", "duration", "nine to twelve"),
     ("ask_education", "courses", "biology")],
)
def test_single_question_with_a_detail_answers_that_detail(topic_intent, aspect, expected):
    assert expected in lines(new_conversation().text(topic_intent, aspect))[0]


def test_detail_the_topic_does_not_have_is_ignored_in_a_direct_question():
    reply = new_conversation().text("ask_education", "mandatory")
    assert lines(reply)[0] == KNOWLEDGE.topics["education"].headline.text


def test_follow_up_the_topic_cannot_answer_says_so_and_points_elsewhere():
    conversation = new_conversation()
    conversation.text("ask_education")
    reply = conversation.text("follow_up", "highest")
    if lines(reply)[0] == KNOWLEDGE.topics["pay"].fact_for("highest").text:  # the one topic that has it
        assert conversation.slots["topic"] == "pay"
    else:
        assert lines(reply)[:2] == ["About education, I can't tell you the highest pay.", "I can for pay."]
        assert conversation.slots["topic"] == "education"


def test_follow_up_without_context_uses_the_only_topic_that_has_the_detail():
    conversation = new_conversation()
    assert "$53,000" in conversation.text("follow_up", "highest")
    assert conversation.slots["topic"] == "pay"


def test_follow_up_without_context_and_several_candidate_topics_asks_which_is_meant():
    messages = new_conversation().say("follow_up", "courses")
    assert messages[0]["text"] == (
        "I want to get this right: is your question about certification: what the training covers"
        " or education: which courses to take?"
    )
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/ask_certification{"aspect": "coverage"}', '/ask_education{"aspect": "courses"}',
    ]


def test_next_steps_are_at_most_three_buttons_and_leave_out_what_was_told():
    conversation = new_conversation()
    conversation.text("ask_pay")
    buttons = [b["title"] for b in conversation.say("follow_up", "highest")[0]["buttons"]]
    assert buttons == ["The older figures", "The lowest pay", "Will I find a job?"]


def test_two_facts_asked_for_in_one_message_are_told_in_one_reply():
    conversation = new_conversation()
    reply = conversation.text("ask_education", text="is a degree required, and where do billers usually get hired?")
    assert KNOWLEDGE.topics["education"].headline.text in reply
    assert KNOWLEDGE.topics["work_settings"].headline.text in reply
    assert conversation.slots["facts_told"] == ["education_degree", "work_settings_places"]


def test_a_career_question_the_classifier_called_out_of_scope_is_not_declined():
    reply = new_conversation().text("out_of_scope", text="what does a medical coder do all day at work")
    assert any(reply.startswith(fact.text) for fact in KNOWLEDGE.topics["duties"].facts)


def test_out_of_scope_is_declined_in_one_sentence_with_three_topic_buttons():
    conversation = new_conversation()
    conversation.text("ask_duties")
    messages = conversation.say("out_of_scope", text="what's the weather like in Boston tomorrow")
    assert len(messages) == 1 and len(lines(messages[0]["text"])) == 1
    assert messages[0]["text"].startswith("Sorry, I can't help with that")
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_work_settings", "/ask_pay", "/ask_advancement"]


# --- channels ----------------------------------------------------------------------

MARKDOWN = re.compile(r"\]\(|\*\*|  $|^#", re.M)


def test_widget_gets_markdown_links_and_quick_replies():
    message = new_conversation().say("ask_pay", channel="socketio")
    assert len(message) == 1 and "[BLS Occupational Outlook Handbook 2021-22" in message[0]["text"]
    assert "  \n" in message[0]["text"], "markdown line breaks"
    assert message[0]["buttons"][-1] == {"title": "Will I find a job?", "payload": "/ask_job_outlook"}


def test_rest_gets_plain_text_buttons_and_the_sources_as_data():
    messages = new_conversation().say("ask_pay", channel="rest")
    assert not MARKDOWN.search(messages[0]["text"])
    # the short title under the answer, the whole title in the data
    assert "Source: BLS Occupational Outlook Handbook 2021-22, May 2020." in messages[0]["text"]
    assert "https://" not in messages[0]["text"]
    assert messages[0]["buttons"]
    assert messages[1]["custom"]["sources"] == [{
        "title": "BLS Occupational Outlook Handbook 2021-22, Medical Records and Health Information Specialists",
        "url": KNOWLEDGE.sources["bls_ooh_2021"].url, "year": "May 2020",
    }]


# --- sources, limits, advisors -----------------------------------------------------

def test_where_does_that_come_from_names_the_last_facts_source_and_year():
    conversation = new_conversation()
    conversation.text("ask_pay", "highest")
    reply = lines(conversation.say("source_of_answer", action=ActionTellSource)[0]["text"])
    assert reply[0] == (
        "That comes from: Career guide, using BLS Occupational Outlook Handbook 2012-13 figures, May 2010."
    )


def test_local_question_says_what_is_missing_and_where_to_look():
    messages = new_conversation().say("ask_pay", text="how much do medical coders make in Ohio?")
    assert KNOWLEDGE.topics["pay"].headline.text in messages[0]["text"]
    assert "I only have national figures" in messages[0]["text"]
    assert any("#tab-7" in link["url"] for link in messages[1]["custom"]["links"])


@pytest.mark.parametrize("text, limit, facts", [
    ("cmrs or cpc, which one should i get?", "credentials", ["certification_cmrs", "certification_others"]),
    ("do hospitals pay medical coders more than clinics?", "pay_by_setting", ["pay_median"]),
    ("whats the best school for medical billing", "schools", ["education_degree"]),
])
def test_what_the_guide_does_not_say_is_said_with_what_it_does(text, limit, facts):
    reply = new_conversation().text("out_of_scope", text=text)
    assert KNOWLEDGE.limits[limit].missing in " ".join(reply.split())
    assert all(KNOWLEDGE.fact(fact_id)[1].text in " ".join(reply.split()) for fact_id in facts)


def test_a_problem_with_ones_own_bill_is_sent_to_the_billing_office_or_insurer():
    reply = new_conversation().text("out_of_scope", text="the ER charged me twice for one visit, what do I do?")
    assert "billing office" in reply and "insurer" in reply
    assert not FIGURE.search(reply)
