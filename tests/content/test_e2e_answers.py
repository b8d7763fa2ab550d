"""End to end over REST, on the guide's file: questions worded as students word them (not
the file's examples) get the guide's facts; follow-ups, sources, a person and a limit keep
the conversation's context. The same behaviours on any knowledge file: tests/test_e2e_rest.py.
"""
import re
import uuid

import pytest

SINGLE_QUESTIONS = [
    ("what does a medical billing and coding specialist do", "insurance claims"),
    ("where could i work", "clinics, hospitals and insurance companies"),
    ("sallary?", "$44,090"),
    ("what's the highest salary", "$53,000"),
    ("what is the lowest pay", "$22,000"),
    ("how does the pay compare to other jobs", "$8,288"),
    ("how can i advance", "office managers"),
    ("what skills do i need", "confidentiality"),
    ("do i need a certification", "not mandatory"),
    ("how long does the cmrs training take", "nine to twelve months"),
    ("what courses are in the cmrs training", "computer database management"),
    ("do i need a degree", "associate degree"),
    ("what subjects are recommended", "chemistry"),
    ("is there on the job training", "on-the-job training"),
    ("job outlook", "8% employment growth"),
    ("how do i prepare for an interview", "billing standards"),
    ("why choose this career", "bridge that connects insurance companies and patients"),
    # facts added beside the guide's, each with its source
    ("how much do coders make per hour", "$21.20"),
    ("how much do medical coders make today", "$44,090"),
    ("what other certifications are there", "CPC"),
    ("what do i need to take the cmrs exam", "45 days"),
    ("what does the bls say about education", "postsecondary certificate"),
    ("what is the latest job growth figure", "8%"),
    ("how do i deal with angry patients", "irate patients"),
    ("can i switch employers easily", "move from one medical institution"),
]

FOLLOW_UPS = [
    (["how much does it pay", "and the highest?"], "$53,000"),
    (["how much does it pay", "and the minimum?"], "$22,000"),
    (["do i need a certification", "how long does it take?"], "nine to twelve months"),
    (["do i need a certification", "what does it cover?"], "medical terminology"),
    (["what education do i need", "which courses?"], "computer science"),
    (["where do medical billers work", "can i switch later"], "move from one medical institution"),
]

OUT_OF_SCOPE = ["how do I learn Python coding", "why is my phone bill so high", "what does a nurse earn"]


def new_sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("question, fact", SINGLE_QUESTIONS)
def test_single_question(running_bot, question, fact):
    assert fact in running_bot.bot.reply_text(new_sender(), question)


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_out_of_scope_gets_no_career_fact(running_bot, question):
    reply = running_bot.bot.reply_text(new_sender(), question)
    assert reply.startswith("Sorry, I can't help with that")
    assert "$" not in reply and "%" not in reply


def test_greeting_offers_topic_buttons(running_bot):
    messages = running_bot.bot.ask(new_sender(), "hi")
    buttons = [button for message in messages for button in message.get("buttons", [])]
    assert {"title": "How much does it pay?", "payload": "/ask_pay"} in buttons
    pay = running_bot.bot.reply_text(new_sender(), "/ask_pay")
    assert "$44,090" in pay


MARKDOWN = re.compile(r"\]\(|\*\*|__|`|  $|^#", re.M)


def test_rest_replies_are_plain_text_with_the_sources_as_data(running_bot):
    sender = new_sender()
    for question in ["hi", "how much does it pay?", "where does that number come from?", "can I talk to an advisor?",
                     "what is the weather", "what do coders make in Texas?"]:
        messages = running_bot.bot.ask(sender, question)
        for message in messages:
            assert not MARKDOWN.search(message.get("text", "")), (question, message)
    pay = running_bot.bot.ask(new_sender(), "how much does it pay?")
    sources = [source for message in pay for source in message.get("custom", {}).get("sources", [])]
    assert sources[0]["year"] == "May 2020" and sources[0]["url"].startswith("https://www.bls.gov/")


SOURCE_AND_ADVISOR = [
    (["what's the job outlook", "is that current?"], "That comes from: BLS Occupational Outlook Handbook 2021-22"),
    (
        ["how much does it pay", "where does that number come from?"],
        "That comes from: BLS Occupational Outlook Handbook 2021-22",
    ),
    (["can I talk to a real person?"], "advising@example.edu"),
    (["what do medical coders earn in Ohio?"], "I only have national figures"),
]


@pytest.mark.parametrize(
    "questions, expected", FOLLOW_UPS + SOURCE_AND_ADVISOR,
    ids=lambda value: " / ".join(value) if isinstance(value, list) else value,
)
def test_the_conversation_keeps_its_context(running_bot, questions, expected):
    """Follow-ups on the topic, "where does that come from?" on the last fact, a person, a limit."""
    sender = new_sender()
    for question in questions[:-1]:
        running_bot.bot.reply_text(sender, question)
    assert expected in running_bot.bot.reply_text(sender, questions[-1])
