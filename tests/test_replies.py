"""Replies and their rendering per channel, on the small made-up knowledge file."""
from pathlib import Path

import pytest

from actions.knowledge import KnowledgeFileError, load_knowledge
from actions.rendering import render
from actions.replies import Button, Line, Link, Reply, decline_reply, fact_reply
from actions.school import AdvisingContact, load_advising_contact
from tests.every_reply import broken_lines, every_reply
from tests.knowledge_files import MADE_UP_CAREER_FILE

BAKERY = load_knowledge(Path(__file__).parent / "bakery.yml")
DUTIES, PAY = BAKERY.topics["duties"], BAKERY.topics["pay"]


def test_a_fact_reply_is_the_fact_its_source_the_offer_and_next_steps():
    reply = fact_reply(BAKERY, [(DUTIES, DUTIES.headline)], facts_told=["bakers_work"])
    assert [line.text for line in reply.lines] == [
        DUTIES.headline.text, "Source: A made-up guide.", "Shall I tell you about pay next?",
    ]
    assert reply.next_steps == (
        Button("The working hours", '/ask_duties{"aspect": "early"}'), Button("How much does it pay?", "/ask_pay")
    )


def test_a_reply_saying_what_the_file_lacks_ends_with_where_to_look_not_the_offer():
    """It is long enough already; its buttons still offer the next topic."""
    pay_by_bakery = BAKERY.limits["pay_by_bakery"]
    reply = fact_reply(BAKERY, [(PAY, PAY.headline)], facts_told=["bakers_pay"], limits=[pay_by_bakery])
    assert [line.text for line in reply.lines] == [
        f"{pay_by_bakery.missing} For that, try {pay_by_bakery.look}.", PAY.headline.text, "Source: A made-up guide.",
    ]
    assert Button("What do bakers do?", "/ask_duties") in reply.next_steps


def test_told_details_are_not_offered_again():
    reply = fact_reply(BAKERY, [(DUTIES, DUTIES.facts[1])], facts_told=["bakers_work", "bakers_hours"])
    assert reply.next_steps == (Button("How much does it pay?", "/ask_pay"),)


def test_decline_offers_topics_not_discussed_yet():
    reply = decline_reply(BAKERY, ["bakers_work"], "Sorry.")
    assert [line.text for line in reply.lines] == ["Sorry."]
    assert reply.next_steps == (Button("How much does it pay?", "/ask_pay"),)


LINKED = Reply(
    (Line("Source: ", Link("Guide", "https://example.org/g"), ", 2020."), Line("Next?")), (Button("Pay", "/ask_pay"),)
)


def test_markdown_for_the_widget():
    assert render(LINKED, "socketio") == [
        {
            "text": "Source: [Guide](https://example.org/g), 2020.  \nNext?",
            "buttons": [{"title": "Pay", "payload": "/ask_pay"}],
        }
    ]


def test_short_plain_text_for_rest_with_the_link_as_data():
    assert render(LINKED, "rest") == [
        {"text": "Source: Guide, 2020.\nNext?", "buttons": [{"title": "Pay", "payload": "/ask_pay"}]},
        {"json_message": {"links": [{"title": "Guide", "url": "https://example.org/g"}]}},
    ]


def test_plain_text_and_typed_suggestions_for_the_shell():
    assert render(LINKED, "cmdline") == [
        {"text": "Source: Guide (https://example.org/g), 2020.\nNext?\nYou could ask: Pay"}
    ]


def test_the_fact_just_told_is_said_again_with_its_source_not_word_for_word():
    first = fact_reply(BAKERY, [(DUTIES, DUTIES.headline)], facts_told=["bakers_work"])
    again = fact_reply(BAKERY, [(DUTIES, DUTIES.headline)], facts_told=["bakers_work"], again=True)
    assert [line.text for line in again.lines] == [
        f"As I said: {DUTIES.headline.text}", "Source: A made-up guide.", "Shall I tell you about pay next?"
    ]
    assert again != first


def test_the_bakers_guild_must_be_cited_by_a_fact_that_names_it(tmp_path):
    path = tmp_path / "bakery.yml"
    path.write_text((Path(__file__).parent / "bakery.yml").read_text().replace(
        "Bakers earn a modest wage.", "The Bakers Guild says bakers earn a modest wage."
    ).replace(
        "title: A made-up guide\n",
        "title: A made-up guide\n  guild:\n    title: The guild's page\n    names: [Bakers Guild]\n",
    ))
    with pytest.raises(KnowledgeFileError) as caught:
        load_knowledge(path)
    assert "names Bakers Guild" in caught.value.problem


# --- the school's settings -----------------------------------------------------------

SCHOOL = """advising:
  office: the Advising Office
  email: advice@school.example
  phone: 555 0100
  hours: weekdays 9-5
  booking_url: https://school.example/book
"""


def test_the_schools_file_is_read_entry_by_entry(tmp_path):
    path = tmp_path / "school.yml"
    path.write_text(SCHOOL)
    assert load_advising_contact(path) == AdvisingContact(
        office="the Advising Office", email="advice@school.example", phone="555 0100", hours="weekdays 9-5",
        booking_url="https://school.example/book",
    )
    path.write_text(SCHOOL.replace("  booking_url: https://school.example/book\n", ""))
    assert load_advising_contact(path).booking_url is None


@pytest.mark.parametrize(
    "change, entry, problem",
    [
        (
            lambda text: text.replace("advice@school.example", "advice at school"),
            "advising email",
            "not an email address",
        ),
        (lambda text: text.replace("  phone: 555 0100\n", ""), "advising", "missing required key(s): phone"),
        (
            lambda text: text.replace("https://school.example/book", "school.example/book"),
            "advising booking_url",
            "not an http(s) address",
        ),
        (lambda text: text.replace("advising:", "advisor:"), "top level", "missing required key(s): advising"),
    ],
)
def test_a_broken_schools_file_names_the_entry(tmp_path, change, entry, problem):
    path = tmp_path / "school.yml"
    path.write_text(change(SCHOOL))
    with pytest.raises(KnowledgeFileError) as caught:
        load_advising_contact(path)
    assert (caught.value.path, caught.value.entry) == (str(path), entry) and problem in caught.value.problem


@pytest.mark.parametrize("path", [Path(__file__).parent / "bakery.yml", MADE_UP_CAREER_FILE], ids=lambda p: p.stem)
def test_every_reply_the_templates_build_reads_as_sentences(path):
    knowledge = load_knowledge(path)
    broken = {what: broken_lines(reply) for what, reply in every_reply(knowledge)}
    assert {what: lines for what, lines in broken.items() if lines} == {}


def test_the_sentence_check_finds_a_broken_sentence():
    assert broken_lines(Reply((Line("sorry, I don't have how many jobs there are for for certification"),))) != []
