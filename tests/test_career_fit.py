"""The career-fit conversation: reading typed answers (on a small made-up answers file) and
the quiz run by its actions (on the made-up career's `fit`, and on a career without one),
with rasa-sdk's tracker and dispatcher, no trained model. The form itself (asking until
every statement is answered) is Rasa's: tests/test_stories.yml runs it."""
from typing import List

import pytest
import yaml

from actions.actions import (
    ActionAskFitAnswer,
    ActionCareerFitResult,
    ActionOfferTopics,
    ValidateCareerFitForm,
)
from actions.assistant import Assistant
from actions.career_fit import (
    AGAIN,
    NO,
    SORT_OF,
    STOP,
    YES,
    AnswerReader,
    load_answer_words,
)
from actions.knowledge import KnowledgeFileError, load_knowledge
from actions.replies import FIT_BUTTON
from actions.school import DEFAULT_SCHOOL_FILE, load_advising_contact
from actions.understanding import shared_encoder
from tests.conversation import Conversation
from tests.knowledge_files import BAKERY_FILE, MADE_UP_CAREER_FILE

KNOWLEDGE = load_knowledge(MADE_UP_CAREER_FILE)
FIT = KNOWLEDGE.fit
ADVISING = load_advising_contact(DEFAULT_SCHOOL_FILE)

ANSWERS = {
    "cues": {
        "yes": ["yes", "yeah", "no problem", "i can"], "sort_of": ["kinda", "mostly"],
        "no": ["no", "nah", "not really", "i dont"],
        "stop": ["stop"], "done": ["im done"], "again": ["huh", "idk"],
    },
    "leaning": {"yes": ["fast", "calm"], "no": ["slow", "hate"]},
    "examples": {
        "yes": ["I love climbing", "heights are fine for me"],
        "sort_of": ["only on good days", "somewhere in between"],
        "no": ["ladders terrify me", "heights make me dizzy"],
        "stop": ["can we end this quiz"],
    },
}


@pytest.fixture(scope="module")
def reader(tmp_path_factory) -> AnswerReader:
    path = tmp_path_factory.mktemp("answers") / "answers.yml"
    path.write_text(yaml.safe_dump(ANSWERS))
    return AnswerReader.from_file(shared_encoder(), path)


@pytest.mark.parametrize("text, reading", [
    ("Yes", YES), ("sort of", SORT_OF), ("No", NO),  # the buttons' titles
    ("yeah i do that", YES), ("honestly nah", NO),  # a cue at the start
    ("no problem at all", YES),  # the longer cue wins
    ("not really, it scares me", NO),
    ("yeah but only on good days", SORT_OF),  # a contrast after a cue
    ("yes for ladders, no for roofs", SORT_OF),  # the other side in a later part
    ("I'd need a harness first, so no", NO),  # a cue ending the answer
    ("kinda", SORT_OF), ("yeah mostly", SORT_OF),  # a hedged yes
    ("stop", STOP), ("ok stop asking", STOP), ("im done", STOP),
    ("nah im done with climbing forever", NO),  # "done" stops only at the start or in a short answer
    ("huh", AGAIN), ("idk", AGAIN), ("🤷", AGAIN), ("???", AGAIN),
    ("I'm fast and calm", YES), ("I'm slow and I hate it", NO), ("I'm not calm", NO),  # leaning words, turned
    ("I'm fast, but slow on ladders", SORT_OF), ("up high I'm calm, on ladders not really", SORT_OF),  # mixed
    ("I'm calm up there, mostly", SORT_OF), ("I'm slow up there, mostly", NO),  # a hedge weakens a yes only
    ("ladders terrify me", NO), ("I love climbing", YES),  # by meaning
    ("up on ladders i would say yes, on roofs no, they scare me", SORT_OF),  # both sides, neither leading
    ("I'm calm up a tower, but roofs are another story", SORT_OF),  # a contrast after a leaning
    ("purple elephant sandwich", AGAIN),  # far from every example answer
    ("yes i can", YES), ("no, I can only go up slowly", NO),  # "I can" answers only where its part ends
    ("I don't hate heights, never have", YES), ("I don't, never", NO),  # a no to a failing is a yes
])
def test_a_typed_answer_is_read(reader, text, reading):
    assert reader.read(text) == reading


def test_a_broken_answers_file_names_the_entry(tmp_path):
    broken = {**ANSWERS, "cues": {**ANSWERS["cues"], "yes": [True]}}  # an unquoted yes
    path = tmp_path / "answers.yml"
    path.write_text(yaml.safe_dump(broken))
    with pytest.raises(KnowledgeFileError) as error:
        load_answer_words(path)
    assert error.value.entry == "cues yes" and "quote yes and no" in error.value.problem


# --- the quiz, run by its actions on the made-up career ------------------------------------

@pytest.fixture(scope="module")
def career() -> Assistant:
    return Assistant.build(KNOWLEDGE, ADVISING)


@pytest.fixture
def quiz(career) -> Conversation:
    return Conversation(career)


def start(quiz: Conversation) -> List[dict]:
    """The form starts: it asks for its slot (from then on, a message is validated as an answer)."""
    messages = quiz.say("start_career_fit", action=ActionAskFitAnswer)
    quiz.slots["requested_slot"] = "fit_answer"
    return messages


def text_of(messages: List[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def answer(quiz: Conversation, text: str, intent: str = "affirm") -> List[dict]:
    """One message while a question is asked: validated, then (as the form does) the next
    question asked, or the result given once every statement is answered or on stop."""
    messages = quiz.say(intent, text=text, action=ValidateCareerFitForm)
    if quiz.slots.get("fit_answer") is None:
        return messages + quiz.then(ActionAskFitAnswer)
    quiz.slots["requested_slot"] = None  # the form is done
    return messages + quiz.then(ActionCareerFitResult)


def test_the_quiz_asks_each_statement_with_answer_buttons_then_says_what_fits(quiz):
    first = start(quiz)[0]
    assert f"Question 1 of {len(FIT.statements)}: {FIT.statements[0].ask}" in first["text"]
    assert [b["title"] for b in first["buttons"]] == ["Yes", "Sort of", "No"]
    replies = [answer(quiz, title) for title in ["Yes", "No", "Sort of"]]
    for number, messages in enumerate(replies[:-1], start=2):
        assert f"Question {number} of {len(FIT.statements)}: {FIT.statements[number - 1].ask}" in messages[0]["text"]
    result = replies[-1][0]["text"]
    yes, no, sort_of = FIT.statements
    assert f"It fits: {yes.fits}" in result
    assert no.to_work_on in result and sort_of.to_work_on in result and "partly there" in result
    for fact_id in FIT.path:  # the path as next steps, then the advisors
        assert KNOWLEDGE.fact(fact_id)[1].text in result
    assert ADVISING.email in result
    assert KNOWLEDGE.fact(yes.fact)[1].source.label in result  # each reason with its source
    assert "not for you" not in result
    assert quiz.slots["fit_answers"] is None  # the next quiz starts afresh


def test_a_question_in_the_middle_is_answered_and_the_same_question_asked_again(quiz):
    start(quiz)
    answer(quiz, "Yes")
    pay = KNOWLEDGE.topics["pay"].headline
    messages = answer(quiz, pay.questions[0] + "?", intent="ask_pay")
    assert pay.text in messages[0]["text"]
    assert f"Question 2 of {len(FIT.statements)}: {FIT.statements[1].ask}" in text_of(messages[1:])


def test_an_answer_it_cannot_read_is_asked_again_once_in_other_words_then_left_out(quiz):
    start(quiz)
    assert FIT.statements[0].ask_again in text_of(answer(quiz, "huh"))
    assert FIT.statements[1].ask in text_of(answer(quiz, "idk"))
    assert quiz.slots["fit_answers"] == {FIT.statements[0].id: "skipped"}


def test_the_message_that_starts_the_quiz_is_not_read_as_an_answer(quiz):
    """"take the quiz" (or "quiz me", or the button) starts it: no answer is stored."""
    quiz.say("start_career_fit", text="take the quiz", action=ValidateCareerFitForm)
    assert quiz.slots.get("fit_answer") is None
    assert not quiz.slots.get("fit_answers") and not quiz.slots.get("fit_asked_again")


def test_stop_ends_the_quiz_politely_and_take_the_quiz_resumes_where_it_stopped(quiz):
    start(quiz)
    answer(quiz, "Yes")
    stopped = answer(quiz, "stop")[0]["text"]
    assert "stop the quiz here (1 of 3 answered)" in stopped and "take the quiz" in stopped
    resumed = start(quiz)[0]["text"]
    assert "Welcome back" in resumed and FIT.statements[1].ask in resumed


def test_a_stated_situation_is_answered_by_its_statement_with_its_fact(career):
    statement = FIT.statements[0]
    conversation = Conversation(career)
    reply = conversation.say("out_of_scope", text=statement.situations[0])
    text = reply[0]["text"]
    assert KNOWLEDGE.fact(statement.fact)[1].text in text and statement.to_work_on in text
    assert FIT_BUTTON.title in [b["title"] for b in reply[0]["buttons"]]


def test_the_greeting_offers_the_quiz_only_with_a_fit_section(career):
    greeting = Conversation(career).say("greet", action=ActionOfferTopics)[0]
    assert FIT_BUTTON.title in [b["title"] for b in greeting["buttons"]]
    bakery = Assistant.build(load_knowledge(BAKERY_FILE), ADVISING)
    buttons = Conversation(bakery).say("greet", action=ActionOfferTopics)[0]["buttons"]
    assert FIT_BUTTON.title not in [b["title"] for b in buttons]
    assert "quiz" in Conversation(bakery).say("start_career_fit", action=ActionAskFitAnswer)[0]["text"]


def test_rest_gets_where_the_quiz_stands_as_data(quiz):
    data = [m["custom"] for m in start(quiz) if m.get("custom")]
    assert data[0]["quiz"] == {"statement": FIT.statements[0].id, "number": 1, "of": 3, "read_as": None}
    read = [m["custom"] for m in answer(quiz, "nah") if m.get("custom")]
    assert read[-1]["quiz"]["read_as"] == NO and read[-1]["quiz"]["statement"] == FIT.statements[1].id


def test_a_quiz_whose_statements_are_all_answered_gives_its_result_when_asked_again(quiz):
    """The knowledge file's statements changed under a conversation: nothing left to ask."""
    quiz.slots["fit_answers"] = {statement.id: YES for statement in FIT.statements}
    assert f"It fits: {FIT.statements[0].fits}" in text_of(start(quiz))


def test_the_example_answers_are_embedded_once_and_kept(tmp_path):
    """An action server starts without embedding them again (make train fills the cache)."""
    class CountingEncoder:
        def __init__(self):
            self.calls = 0

        def encode(self, texts):
            self.calls += 1
            return shared_encoder().encode(texts)

    path = tmp_path / "answers.yml"
    path.write_text(yaml.safe_dump(ANSWERS))
    encoder = CountingEncoder()
    first = AnswerReader.from_file(encoder, path, cache_dir=tmp_path / "cache")
    again = AnswerReader.from_file(encoder, path, cache_dir=tmp_path / "cache")
    assert encoder.calls == 1
    assert again.vectors == pytest.approx(first.vectors) and again.read("ladders terrify me") == NO
