"""How the custom actions behave, whatever the career: run on a made-up career
(tests/wind_turbine_technician.yml) with rasa-sdk's tracker and dispatcher, no trained
model. Every expectation is read from that file; what the real guide's answers say is
tested in tests/content/test_answers.py."""
import json
import re
from typing import Iterator, List, Tuple

import pytest

from actions.actions import ActionAdvisorContact, ActionOfferTopics, ActionTellSource, asked_aspects
from actions.answering import DEFAULT_TUNING
from actions.assistant import Assistant
from actions.knowledge import Aspect, Fact, Topic, load_knowledge
from actions.replies import FIT_BUTTON, decline, join_words
from actions.school import DEFAULT_SCHOOL_FILE, load_advising_contact
from tests.conversation import Conversation, lines
from tests.knowledge_files import MADE_UP_CAREER_FILE, asked_by

KNOWLEDGE = load_knowledge(MADE_UP_CAREER_FILE)
ADVISING = load_advising_contact(DEFAULT_SCHOOL_FILE)
FIGURE = re.compile(r"\$\d|\d%")
MARKDOWN = re.compile(r"\]\(|\*\*|  $|^#", re.M)


@pytest.fixture(scope="module")
def career() -> Assistant:
    return Assistant.build(KNOWLEDGE, ADVISING)


@pytest.fixture
def conversation(career) -> Conversation:
    return Conversation(career)


# --- what the made-up file offers to test with ------------------------------------------

def details() -> Iterator[Tuple[Topic, Aspect, Fact]]:
    """Every (topic, aspect, the fact that topic gives for it)."""
    for topic in KNOWLEDGE.topics.values():
        for aspect in KNOWLEDGE.aspects.values():
            fact = topic.fact_for(aspect.id)
            if fact is not None:
                yield topic, aspect, fact


def detail_several_others_have() -> Tuple[Topic, Aspect]:
    """A topic, and an aspect it has no fact for but two or more other topics have."""
    return next(
        (topic, aspect) for topic in KNOWLEDGE.topics.values() for aspect in aspects_by_topics(2)
        if topic.fact_for(aspect.id) is None
    )


def detail_missing_from_a_topic() -> Tuple[Topic, Aspect]:
    """A topic, and an aspect it has no fact for but another topic has."""
    return next(
        (topic, aspect)
        for topic in KNOWLEDGE.topics.values()
        for aspect in KNOWLEDGE.aspects.values()
        if topic.fact_for(aspect.id) is None and KNOWLEDGE.topics_with_aspect(aspect.id)
    )


def aspects_by_topics(count: int) -> List[Aspect]:
    """Aspects that exactly `count` topics answer (or at least 2 when count is 2)."""
    return [
        aspect for aspect in KNOWLEDGE.aspects.values()
        if (len(KNOWLEDGE.topics_with_aspect(aspect.id)) == count if count == 1
            else len(KNOWLEDGE.topics_with_aspect(aspect.id)) >= count)
    ]


def updated_figure() -> Tuple[Topic, Fact, Fact]:
    """A topic whose headline replaces an older figure: (topic, newest, older)."""
    for topic in KNOWLEDGE.topics.values():
        if topic.headline.replaces:
            return topic, topic.headline, KNOWLEDGE.fact(topic.headline.replaces)[1]
    raise AssertionError("the made-up career needs a headline figure that replaces an older one")


def pressed(career: Assistant, payload: str) -> str:
    """The reply to a button's payload ("/ask_pay{"aspect": "highest"}") in a new conversation."""
    intent, _, entities = payload.lstrip("/").partition("{")
    aspects = [json.loads("{" + entities)["aspect"]] if entities else []
    return Conversation(career).text(intent, *aspects, text=payload)


def source_sentence(fact: Fact, label: str = "Source: ") -> str:
    """As REST shows it: the source's title (under an answer, its short title) and the year;
    the link goes as data."""
    title = fact.source.label if label == "Source: " else fact.source.title
    return f"{label}{title}, {fact.year}."


def links_of(messages: List[dict]) -> List[str]:
    """The addresses REST gives as data (its `custom` payload) beside the text."""
    return [link["url"] for m in messages for link in (m.get("custom") or {}).get("links", [])]


# --- topics and details -----------------------------------------------------------------

@pytest.mark.parametrize("topic", KNOWLEDGE.topics.values(), ids=lambda topic: topic.id)
def test_each_topic_question_gets_its_headline_fact_source_and_a_next_step(conversation, topic):
    reply = conversation.text(topic.intent)
    fact = topic.headline
    assert lines(reply)[0] == fact.text, "the key fact comes first"
    assert "Source: " in reply and fact.source.label in reply
    if FIGURE.search(fact.text):
        assert fact.year in reply
    assert reply.rstrip().endswith("?"), "ends by suggesting a next question"
    assert conversation.slots["topic"] == topic.id
    assert conversation.slots["suggested_topic"] == topic.next


def test_an_updated_figure_is_told_alone_and_its_older_one_when_asked(conversation):
    topic, newest, older = updated_figure()
    messages = conversation.say(topic.intent)
    reply = lines(messages[0]["text"])
    assert reply[:2] == [newest.text, source_sentence(newest)]
    assert older.text not in messages[0]["text"]
    older_button = next(b for b in messages[0]["buttons"] if f'"aspect": "{older.aspects[0]}"' in b["payload"])
    assert lines(pressed(conversation.assistant, older_button["payload"]))[0] == older.text


@pytest.mark.parametrize("topic, aspect, fact", details(), ids=lambda value: getattr(value, "id", ""))
def test_follow_up_is_answered_from_the_topic_under_discussion(conversation, topic, aspect, fact):
    conversation.text(topic.intent)
    reply = lines(conversation.text("follow_up", aspect.id))[0]
    # the headline was just told: it is said again briefly, not repeated word for word
    assert reply == (f"As I said: {fact.text}" if fact is topic.headline else fact.text)


@pytest.mark.parametrize("topic, aspect, fact", details(), ids=lambda value: getattr(value, "id", ""))
def test_single_question_with_a_detail_answers_that_detail(conversation, topic, aspect, fact):
    assert lines(conversation.text(topic.intent, aspect.id))[0] == fact.text


def test_detail_the_topic_does_not_have_is_ignored_in_a_direct_question(conversation):
    topic, aspect = detail_missing_from_a_topic()
    assert lines(conversation.text(topic.intent, aspect.id))[0] == topic.headline.text


def test_follow_up_the_topic_cannot_answer_says_so_and_points_elsewhere(conversation):
    topic, aspect = detail_several_others_have()
    conversation.text(topic.intent)
    reply = conversation.text("follow_up", aspect.id)
    elsewhere = [other.title for other in KNOWLEDGE.topics_with_aspect(aspect.id)]
    assert lines(reply)[:2] == [
        f"About {topic.title}, I can't tell you {aspect.label}.", f"I can for {join_words(elsewhere)}."
    ]
    assert not FIGURE.search(reply)
    assert conversation.slots["topic"] == topic.id


def test_follow_up_the_topic_cannot_answer_but_one_other_topic_can_is_answered_there(conversation):
    """"How many jobs are there?" while talking about the certification asks about the outlook."""
    topic, aspect = next(
        (topic, aspect) for topic in KNOWLEDGE.topics.values() for aspect in aspects_by_topics(1)
        if topic.fact_for(aspect.id) is None
    )
    (other,) = KNOWLEDGE.topics_with_aspect(aspect.id)
    conversation.text(topic.intent)
    assert lines(conversation.text("follow_up", aspect.id))[0] == other.fact_for(aspect.id).text
    assert conversation.slots["topic"] == other.id


def test_follow_up_without_context_uses_the_only_topic_that_has_the_detail(conversation):
    aspect = aspects_by_topics(1)[0]
    (topic,) = KNOWLEDGE.topics_with_aspect(aspect.id)
    assert lines(conversation.text("follow_up", aspect.id))[0] == topic.fact_for(aspect.id).text
    assert conversation.slots["topic"] == topic.id


def test_follow_up_without_context_naming_two_details_of_different_topics_gets_both(conversation):
    """"how long is training and is it hard?" as a first message: each detail only one topic gives."""
    by_topic = {KNOWLEDGE.topics_with_aspect(aspect.id)[0].id: aspect for aspect in aspects_by_topics(1)}
    (first_topic, first), (second_topic, second) = list(by_topic.items())[:2]
    entities = [
        {"entity": "aspect", "value": aspect.id, "start": start, "end": start + 5}
        for aspect, start in ((first, 0), (second, 10))
    ]
    told = lines(conversation.say("follow_up", entities=entities)[0]["text"])
    assert KNOWLEDGE.topics[first_topic].fact_for(first.id).text in told
    assert KNOWLEDGE.topics[second_topic].fact_for(second.id).text in told


def test_follow_up_without_context_and_several_candidate_topics_asks_which_is_meant(conversation):
    aspect = aspects_by_topics(2)[0]
    topics = KNOWLEDGE.topics_with_aspect(aspect.id)[: DEFAULT_TUNING.clarify_options]
    messages = conversation.say("follow_up", aspect.id)
    assert messages[0]["text"].startswith("I want to get this right: is your question about ")
    assert all(topic.title in messages[0]["text"] for topic in topics)
    buttons = messages[0]["buttons"]
    assert len(buttons) == len(topics)
    for topic, button in zip(topics, buttons, strict=True):  # each button asks for that topic's fact
        assert lines(pressed(conversation.assistant, button["payload"]))[0] == topic.fact_for(aspect.id).text


def test_a_match_inside_a_longer_one_is_dropped(conversation):
    """"what about the code books": "code" lies inside "code books", which names another
    detail: only the longer match counts."""
    topic, outer = detail_missing_from_a_topic()
    inner = next(a for a in KNOWLEDGE.aspects.values() if a.id != outer.id)
    conversation.text(topic.intent)
    reply = conversation.say("follow_up", entities=[
        {"entity": "aspect", "value": inner.id, "start": 15, "end": 19},
        {"entity": "aspect", "value": outer.id, "start": 15, "end": 25},
    ])[0]["text"]
    elsewhere = KNOWLEDGE.topics_with_aspect(outer.id)
    assert reply.startswith(f"About {topic.title}, I can't tell you {outer.label}") or (
        len(elsewhere) == 1 and lines(reply)[0] == elsewhere[0].fact_for(outer.id).text
    )


def test_an_aspect_word_inside_a_phrase_of_its_not_in_does_not_name_it():
    """"is there a drug test?" is no question about the exam, though "test" is one of its words."""
    aspect = next(a for a in KNOWLEDGE.aspects.values() if a.not_in)
    phrase = aspect.not_in[0]
    word = next(w for w in aspect.words if re.search(rf"\b{re.escape(w)}\b", phrase))
    text = f"is there a {phrase} for this job?"
    start = text.index(phrase) + phrase.index(word)
    found = {"entity": "aspect", "value": aspect.id, "start": start, "end": start + len(word)}
    assert asked_aspects({"text": text, "entities": [found]}, KNOWLEDGE) == []
    alone = f"is there a {word} for this job?"
    start = alone.index(word)
    found = {"entity": "aspect", "value": aspect.id, "start": start, "end": start + len(word)}
    assert asked_aspects({"text": alone, "entities": [found]}, KNOWLEDGE) == [aspect.id]


def test_the_aspect_listed_first_in_the_knowledge_file_wins(conversation):
    order = list(KNOWLEDGE.aspects)
    topic, first, second = next(
        (topic, a, b)
        for topic in KNOWLEDGE.topics.values()
        for a in order for b in order
        if order.index(a) < order.index(b) and topic.fact_for(a) and topic.fact_for(b)
        and topic.fact_for(a) is not topic.fact_for(b)
    )
    conversation.text(topic.intent)
    reply = conversation.say("follow_up", entities=[  # the later-listed aspect typed first
        {"entity": "aspect", "value": second, "start": 0, "end": 8},
        {"entity": "aspect", "value": first, "start": 16, "end": 20},
    ])[0]["text"]
    assert lines(reply)[0] == topic.fact_for(first).text


@pytest.mark.parametrize("topic", KNOWLEDGE.topics.values(), ids=lambda topic: topic.id)
def test_tell_me_more_walks_through_the_untold_facts_then_moves_on(conversation, topic):
    """In the file's order, older figures last."""
    conversation.text(topic.intent)
    told = set(conversation.slots["facts_told"])
    for fact in sorted(topic.facts[1:], key=lambda fact: KNOWLEDGE.newer_than(fact) is not None):
        if fact.id not in told:
            assert lines(conversation.text("follow_up"))[0] == fact.text
            told = set(conversation.slots["facts_told"])
    following = KNOWLEDGE.topics[topic.next]
    assert lines(conversation.text("follow_up"))[0] == following.headline.text
    assert conversation.slots["topic"] == following.id


def test_next_steps_are_at_most_three_buttons_that_leave_out_what_was_told(conversation):
    topic, aspect, fact = max(details(), key=lambda detail: len(detail[0].facts))
    conversation.text(topic.intent)
    messages = conversation.say("follow_up", aspect.id)
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert 0 < len(payloads) <= DEFAULT_TUNING.most_next_steps
    assert payloads[-1] == f"/{KNOWLEDGE.topics[topic.next].intent}", "the last one moves on to the next topic"
    told = conversation.slots["facts_told"]
    for payload in payloads[:-1]:
        asked = re.search(r'"aspect": "(\w+)"', payload)
        assert asked and topic.fact_for(asked.group(1)).id not in told


# --- yes, two questions, out of scope ---------------------------------------------------

def test_yes_accepts_the_offered_topic(conversation):
    topic = next(iter(KNOWLEDGE.topics.values()))
    conversation.text(topic.intent)
    assert lines(conversation.text("affirm"))[0] == KNOWLEDGE.topics[topic.next].headline.text


def test_yes_with_nothing_offered_offers_three_topics(conversation):
    messages = conversation.say("affirm")
    expected = [f"/{t.intent}" for t in list(KNOWLEDGE.topics.values())[: DEFAULT_TUNING.most_next_steps]]
    assert [button["payload"] for button in messages[0]["buttons"]] == expected


def test_yes_after_a_reply_that_offered_nothing_does_not_answer_an_older_offer(conversation):
    topic, aspect = detail_several_others_have()
    conversation.text(topic.intent)  # offers the next topic
    conversation.text("follow_up", aspect.id)  # a detail the topic lacks: offers nothing
    reply = conversation.say("affirm")[0]["text"]
    assert KNOWLEDGE.topics[topic.next].headline.text not in reply
    assert not FIGURE.search(reply)


def test_yes_after_a_reply_saying_what_the_file_lacks_does_not_answer_an_offer(conversation):
    """That reply ends with where to look, not with an offer of the next topic."""
    employers = KNOWLEDGE.limits["employers"]
    topic, fact = KNOWLEDGE.fact(employers.facts[0])
    reply = conversation.say(topic.intent, text=f"{employers.words[0]} hire technicians?")[0]["text"]
    assert employers.missing in reply and fact.text in reply and "Shall I tell you" not in reply
    reply = conversation.say("affirm")[0]["text"]
    assert KNOWLEDGE.topics[topic.next].headline.text not in reply


def test_yes_after_thanks_does_not_answer_the_offer_made_before(conversation):
    topic = next(iter(KNOWLEDGE.topics.values()))
    conversation.text(topic.intent)
    conversation.bot_says("utter_thanks")
    messages = conversation.say("affirm")
    assert all(KNOWLEDGE.topics[topic.next].headline.text not in m.get("text", "") for m in messages)


def test_two_facts_asked_for_in_one_message_are_told_in_one_reply(conversation):
    first, second = list(KNOWLEDGE.topics.values())[:2]
    text = f"{asked_by(first.headline).rstrip('?')}, and {asked_by(second.headline)}"
    reply = conversation.text(first.intent, text=text)
    assert first.headline.text in reply and second.headline.text in reply
    assert {first.headline.id, second.headline.id} <= set(conversation.slots["facts_told"])


def test_a_career_question_the_classifier_called_out_of_scope_is_not_declined(conversation):
    topic = next(iter(KNOWLEDGE.topics.values()))
    reply = conversation.text("out_of_scope", text=asked_by(topic.headline))
    assert reply.startswith(topic.headline.text)


def test_out_of_scope_is_declined_in_one_sentence_with_three_topic_buttons(conversation):
    first, *others = KNOWLEDGE.topics.values()
    conversation.text(first.intent)
    messages = conversation.say("out_of_scope", text="what's the weather like in Boston tomorrow")
    assert len(messages) == 1 and lines(messages[0]["text"]) == [decline(KNOWLEDGE)]
    assert [b["payload"] for b in messages[0]["buttons"]] == [f"/{t.intent}" for t in others[:3]]


def test_a_clarifying_button_answers_the_original_question(conversation):
    topic, aspect, fact = next(details())
    conversation.say("nlu_fallback", text="hmm or the other thing")
    payload = f'/{topic.intent}{{"aspect": "{aspect.id}"}}'
    messages = conversation.say(topic.intent, entities=[{"entity": "aspect", "value": aspect.id}], text=payload)
    assert lines(messages[0]["text"])[0] == fact.text


@pytest.mark.parametrize("intent", ["greet", "what_can_you_do"])
def test_topic_offer_names_the_career_and_gives_every_topic_as_a_button_but_no_fact(conversation, intent):
    """... and the career-fit conversation's button last (the made-up career has one)."""
    conversation.text(next(iter(KNOWLEDGE.topics.values())).intent)
    messages = conversation.say(intent, action=ActionOfferTopics)
    assert len(messages) == 1
    text, buttons = messages[0]["text"], messages[0]["buttons"]
    assert KNOWLEDGE.career_name in text
    assert [b["title"] for b in buttons] == [t.button for t in KNOWLEDGE.topics.values()] + [FIT_BUTTON.title]
    assert not FIGURE.search(text)
    assert conversation.slots["suggested_topic"] is None, "a later 'yes' must not answer a stale offer"


@pytest.mark.parametrize("intent", ["greet", "what_can_you_do"])
def test_a_greeting_that_asks_a_known_question_gets_the_answer_not_the_topic_offer(conversation, intent):
    topic = next(iter(KNOWLEDGE.topics.values()))
    reply = conversation.say(intent, text=f"hello! {asked_by(topic.headline)}", action=ActionOfferTopics)[0]["text"]
    assert lines(reply)[0] == topic.headline.text


def test_a_greeting_alone_gets_the_topic_offer_even_inside_a_conversation(conversation):
    conversation.text(next(iter(KNOWLEDGE.topics.values())).intent)
    reply = conversation.say("greet", text="hello there", action=ActionOfferTopics)[0]["text"]
    assert KNOWLEDGE.career_name in reply and not FIGURE.search(reply)


# --- channels ---------------------------------------------------------------------------

def test_widget_gets_markdown_links_and_quick_replies(conversation):
    topic, newest, _ = updated_figure()
    message = conversation.say(topic.intent, channel="socketio")
    assert len(message) == 1 and f"[{newest.source.label}]({newest.source.url})" in message[0]["text"]
    assert "  \n" in message[0]["text"], "markdown line breaks"
    following = KNOWLEDGE.topics[topic.next]
    assert message[0]["buttons"][-1] == {"title": following.button, "payload": f"/{following.intent}"}


def test_rest_gets_plain_text_buttons_and_the_sources_and_links_as_data(conversation):
    topic, newest, _ = updated_figure()
    messages = conversation.say(topic.intent, channel="rest")
    assert not MARKDOWN.search(messages[0]["text"])
    assert f"Source: {newest.source.label}, {newest.year}." in messages[0]["text"]
    assert newest.source.url not in messages[0]["text"]
    assert messages[0]["buttons"]
    assert messages[1]["custom"]["sources"] == [
        {"title": newest.source.title, "url": newest.source.url, "year": newest.year}
    ]
    assert links_of(messages) == [newest.source.url]


def test_shell_gets_plain_text_and_next_steps_to_type_instead_of_a_button_menu(conversation):
    topic, newest, _ = updated_figure()
    messages = conversation.say(topic.intent, channel="cmdline")
    assert len(messages) == 1 and not messages[0].get("buttons")
    assert not MARKDOWN.search(messages[0]["text"])
    assert f"Source: {newest.source.label} ({newest.source.url}), {newest.year}." in messages[0]["text"]
    assert lines(messages[0]["text"])[-1].startswith("You could ask: ")


# --- sources, limits, advisors ----------------------------------------------------------

def test_where_does_that_come_from_names_the_last_facts_source_and_year(conversation):
    topic, aspect, fact = next((t, a, f) for t, a, f in details() if f.year)
    conversation.text(topic.intent, aspect.id)
    reply = lines(conversation.say("source_of_answer", action=ActionTellSource)[0]["text"])
    assert reply[0] == source_sentence(fact, "That comes from: ")


def test_an_answer_shows_its_sources_short_title_and_where_does_that_come_from_the_whole_title(conversation):
    topic, newest, _ = updated_figure()
    source = newest.source
    assert source.short_title and source.short_title != source.title, "the made-up file needs a short title here"
    answer = conversation.text(topic.intent)
    assert f"Source: {source.short_title}, {newest.year}." in answer and source.title not in answer
    told = conversation.say("source_of_answer", action=ActionTellSource)[0]["text"]
    assert lines(told)[0] == source_sentence(newest, "That comes from: ")


def test_is_that_current_gives_the_newer_figure_after_an_old_one(conversation):
    topic, newest, older = updated_figure()
    conversation.text(topic.intent)
    conversation.slots["last_fact"] = older.id  # the older figure was the last told
    reply = conversation.say("source_of_answer", action=ActionTellSource)[0]["text"]
    assert "A newer figure: " + newest.text in reply


def test_source_question_before_any_fact_says_so(conversation):
    reply = conversation.say("source_of_answer", action=ActionTellSource)[0]["text"]
    assert reply.startswith("I haven't told you a fact yet.")


def test_tell_me_more_after_a_newer_figure_leaves_its_older_one_for_last(conversation):
    topic, newest, older = updated_figure()
    conversation.text(topic.intent)
    assert conversation.slots["facts_told"] == [newest.id]
    others = [fact for fact in topic.facts if fact not in (newest, older)]
    for fact in others:
        assert lines(conversation.text("follow_up"))[0] == fact.text
    assert lines(conversation.text("follow_up"))[0] == older.text


def test_a_question_about_what_the_file_lacks_says_what_is_missing_and_where_to_look(conversation):
    limit = next(limit for limit in KNOWLEDGE.limits.values() if not limit.facts and not limit.redirect)
    topic, _, _ = updated_figure()
    text = f"{asked_by(topic.headline).rstrip('?')} {limit.words[0]}?"
    messages = conversation.say(topic.intent, text=text)
    reply = messages[0]["text"]
    assert lines(reply)[0] == topic.headline.text
    assert limit.missing in reply and limit.look in reply
    if limit.url:
        assert limit.url in links_of(messages)


def test_a_comparison_the_file_does_not_make_lays_the_facts_side_by_side(conversation):
    limit = next(limit for limit in KNOWLEDGE.limits.values() if limit.compared and limit.facts)
    topic = KNOWLEDGE.fact(limit.facts[0])[0]
    reply = conversation.text("out_of_scope", text=f"{limit.compared[0]} or {limit.compared[1]}, what do you think?")
    assert lines(reply)[0].startswith(limit.missing)
    assert all(KNOWLEDGE.fact(fact_id)[1].text in reply for fact_id in limit.facts)
    assert conversation.slots["topic"] == topic.id


def test_a_question_only_about_what_the_file_lacks_is_answered_with_what_bears_on_it(conversation):
    """Naming the career, it is not declined even when NLU reads it as out of scope."""
    limit = next(limit for limit in KNOWLEDGE.limits.values() if limit.facts and not limit.compared)
    reply = conversation.text("out_of_scope", text=f"{KNOWLEDGE.career_name} {limit.words[0]}?")
    assert decline(KNOWLEDGE) not in reply
    assert limit.missing in reply
    assert all(KNOWLEDGE.fact(fact_id)[1].text in reply for fact_id in limit.facts)


def test_a_personal_matter_gets_only_the_redirect_unless_the_career_is_named(conversation):
    redirect = next(limit for limit in KNOWLEDGE.limits.values() if limit.redirect)
    topic = next(iter(KNOWLEDGE.topics.values()))
    conversation.text(topic.intent)
    reply = conversation.text("out_of_scope", text=f"help, there is a {redirect.words[0]} problem")
    assert lines(reply)[0].startswith(redirect.missing) and redirect.look in reply
    assert not any(fact.text in reply for t in KNOWLEDGE.topics.values() for fact in t.facts)
    named = f"{asked_by(topic.headline)} ({redirect.words[0]}, {KNOWLEDGE.career_name})"
    assert redirect.missing not in conversation.text(topic.intent, text=named)


def test_the_fact_just_told_is_not_told_again_word_for_word(conversation):
    topic = max(KNOWLEDGE.topics.values(), key=lambda t: len(t.facts))
    first = conversation.text(topic.intent, text=asked_by(topic.headline))
    again = conversation.text(topic.intent, text=asked_by(topic.headline))
    assert again != first and lines(again)[0] != topic.headline.text


@pytest.mark.parametrize("channel", ["rest", "socketio", "cmdline"])
def test_advisor_request_gives_the_schools_contact(conversation, channel):
    messages = conversation.say("talk_to_advisor", action=ActionAdvisorContact, channel=channel)
    text = messages[0].get("text") or messages[0]["custom"]["data"]["text"]
    assert ADVISING.office in text and ADVISING.email in text and ADVISING.phone in text
    if channel == "socketio":
        quick_replies = messages[0]["custom"]["data"]["quick_replies"]
        assert quick_replies == [{"type": "web_url", "title": "Book an appointment", "url": ADVISING.booking_url}]


def test_an_unsure_request_for_a_person_still_gets_the_contact(career):
    ranking = [{"name": "nlu_fallback", "confidence": 0.45}, {"name": "talk_to_advisor", "confidence": 0.45},
               {"name": "bot_challenge", "confidence": 0.42}]
    messages = Conversation(career).say("nlu_fallback", text="can I talk to a real person?", ranking=ranking)
    assert ADVISING.email in messages[0]["text"]
    ranking[1:] = ranking[2:0:-1]  # likelier "are you a real person?": no contact, a rephrase
    messages = Conversation(career).say("nlu_fallback", text="can I talk to a real person?", ranking=ranking)
    assert ADVISING.email not in messages[0]["text"]


def test_an_unsure_question_for_the_source_right_after_a_fact_gets_its_source(conversation):
    """"says who?": likeliest asking where the fact just told comes from; with nothing told
    yet, a rephrase."""
    ranking = [{"name": "nlu_fallback", "confidence": 0.45}, {"name": "source_of_answer", "confidence": 0.44},
               {"name": "follow_up", "confidence": 0.42}]
    assert "comes from" not in conversation.say("nlu_fallback", text="says who?", ranking=ranking)[0]["text"]
    topic = next(iter(KNOWLEDGE.topics.values()))
    conversation.text(topic.intent)
    reply = conversation.say("nlu_fallback", text="says who?", ranking=ranking)[0]["text"]
    assert f"That comes from: {topic.headline.source.title}" in reply


def test_misunderstandings_in_a_row_offer_an_advisor_once(conversation):
    off_topic = [
        "what's the weather like in Boston tomorrow", "tell me a joke about cats", "who won the game last night"
    ]
    replies = [conversation.text("out_of_scope", text=line) for line in off_topic]
    offered = [ADVISING.email in reply for reply in replies]
    in_a_row = DEFAULT_TUNING.misunderstandings_before_advisor
    expected = [number == in_a_row for number in range(1, len(off_topic) + 1)]
    assert offered == expected, "offered once, then counted afresh"


def test_an_answer_in_between_resets_the_count(conversation):
    conversation.text("out_of_scope", text="what's the weather like in Boston tomorrow")
    conversation.text(next(iter(KNOWLEDGE.topics.values())).intent)
    assert ADVISING.email not in conversation.text("out_of_scope", text="tell me a joke about cats")


@pytest.mark.parametrize("action", [ActionTellSource, ActionAdvisorContact])
def test_a_persons_own_problem_read_as_another_request_still_gets_the_redirect(conversation, action):
    """"How do I dispute a medical bill?" read as asking for a source, "theres a code on my
    bill i dont get" as asking for a person: where such problems go, all the same."""
    redirect = KNOWLEDGE.limits["noise_complaint"]
    text = f"who do I talk to, the turbines {redirect.words[0]} hum"
    messages = conversation.say("source_of_answer", text=text, action=action)
    assert redirect.missing in messages[0]["text"]
    messages = conversation.say("source_of_answer", text="who can I talk to about this?", action=action)
    assert redirect.missing not in messages[0]["text"]
