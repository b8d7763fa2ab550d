"""`make report`: how each message was handled (a pure function of a conversation's
events), and the whole report on a store filled through the real servers, every count
checked against what was sent, with no sender id and, on request, no text; on SQLite and
on PostgreSQL."""
import csv
import uuid

import pytest

from actions.knowledge import load_knowledge
from actions.replies import ADVISOR_OFFER, CLARIFYING_OPENER, ENGLISH_ONLY, REPHRASE, decline
from channels.checks import MAX_MESSAGE_CHARS
from report.conversations import ADVISOR_ACTION, Handling, classify
from report.page import MOST_BARS, charted_rows
from report.tables import Table, per_hour
from stores.conversation_store import DB_URL_VARIABLE
from tests.harness.bot_servers import ServerStartError, running_servers
from tests.harness.database_servers import MissingServer, postgres_server
from tests.harness.report_store import write_report

KNOWLEDGE = load_knowledge()
DECLINE = decline(KNOWLEDGE)


def user(text, at=1_700_000_000.0):
    return {"event": "user", "timestamp": at, "text": text}


def bot(text):
    return {"event": "bot", "text": text}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def action(name):
    return {"event": "action", "name": name}


def handled(*events):
    return [turn.handling for turn in classify(events, DECLINE)]


def test_a_chart_of_days_draws_the_latest_days_and_a_bar_chart_the_largest_rows():
    days = Table("per_day", "Per day", ("Day", "Messages"), [(f"day {n}", n) for n in range(MOST_BARS + 5)])
    assert charted_rows(days, "stacked") == days.rows[-MOST_BARS:]
    assert charted_rows(days, "line") == days.rows
    assert charted_rows(days, "bar") == days.rows[:MOST_BARS]
    assert len(charted_rows(per_hour([]), "bar")) == 24, "every hour of the day is drawn"


def test_each_reply_is_recognised_by_the_constant_that_composes_it():
    assert handled(
        user("how much do coders make"), action("action_answer"), bot("The median pay is ..."),
        slot("topic", "pay"), slot("last_fact", "pay_median"), slot("misunderstandings", 0.0),
        user("what's the weather"), bot(DECLINE), slot("misunderstandings", 1.0),
        user("¿Cuánto gana?"), bot(f"{ENGLISH_ONLY} To talk to a person, contact the office:"),
        user("can I talk to a person"), action(ADVISOR_ACTION), bot("You can talk to a person at the office:"),
        user("blorp"), bot(REPHRASE), slot("misunderstandings", 1.0),
        user("hmm"), bot(f"{REPHRASE}\n{ADVISOR_OFFER} You can reach the office:"), slot("misunderstandings", 0.0),
        user("which courses?"), bot(f"{CLARIFYING_OPENER}certification or education?"),
        user("hello"), bot("Hi! What would you like to know?"),
        user("where does that come from?"), action("action_tell_source"),  # no reply: the action failed
    ) == [
        Handling.ANSWERED, Handling.DECLINED, Handling.OTHER_LANGUAGE, Handling.ADVISOR, Handling.NOT_UNDERSTOOD,
        Handling.ADVISOR, Handling.CLARIFIED, Handling.OTHER, Handling.UNAVAILABLE,
    ]


def test_an_answer_carries_its_topic_and_fact_and_a_clarification_the_button_then_chosen():
    turns = classify([
        user("which courses?"), bot(f"{CLARIFYING_OPENER}certification or education?"),
        user('/ask_education{"aspect": "courses"}'), bot("You would study ..."),
        slot("topic", "education"), slot("last_fact", "education_courses"),
    ], DECLINE)
    assert turns[0].handling is Handling.CLARIFIED and turns[0].chosen_fact == "education_courses"
    assert turns[0].next_text is None, "a button's payload re-asks nothing"
    assert (turns[1].handling, turns[1].topic, turns[1].fact) == (Handling.ANSWERED, "education", "education_courses")


def test_the_next_message_tells_whether_the_student_asked_for_a_person_after_it():
    turns = classify([
        user("do I need a license"), bot("..."), slot("last_fact", "education_overview"),
        user("can I talk to a real person"), action(ADVISOR_ACTION), bot("You can talk to a person at ..."),
    ], DECLINE)
    assert turns[0].followed_by_advisor and turns[0].next_text == "can I talk to a real person"
    assert not turns[1].followed_by_advisor and turns[1].next_text is None


def test_events_before_the_first_message_belong_to_no_turn():
    assert handled(action("action_session_start"), bot("Welcome!"), slot("topic", None)) == []


# Sent through the real servers: (message, how it is handled), one conversation each,
# SENT_EACH times over.
ANSWERED = "how much does a medical biller make"
OFF_TOPIC = "what's the weather in Boston tomorrow"
SPANISH = "¿Cuánto gana un codificador médico?"
PERSON = "can I talk to a real person"
CLARIFIED = "which courses?"
SENT_EACH = 4


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, trained_model, tmp_path_factory):
    """A store filled through the real servers (one start per kind of store); yields its
    URL and what was sent."""
    workdir = tmp_path_factory.mktemp(f"report-{request.param}")
    if request.param == "sqlite":
        yield fill_through_servers(f"sqlite:///{workdir / 'conversations.db'}", trained_model, workdir)
        return
    try:
        with postgres_server() as url:
            yield fill_through_servers(url, trained_model, workdir)
    except MissingServer as error:
        pytest.fail(str(error))


def fill_through_servers(url, model, workdir):
    """Send every message of the test, each conversation a new student, to servers keeping
    conversations in the store at `url`; returns the URL and the senders."""
    senders = []
    environment = {"RASA_SERVERS": "1", DB_URL_VARIABLE: url}
    try:
        with running_servers(model, workdir, with_web_page=False, environment=environment) as servers:
            for _ in range(SENT_EACH):
                for message in (ANSWERED, OFF_TOPIC, SPANISH, PERSON):
                    senders.append(sender := f"student-{uuid.uuid4()}")
                    servers.bot.ask(sender, message)
                senders.append(sender := f"student-{uuid.uuid4()}")
                buttons = servers.bot.ask(sender, CLARIFIED)[0]["buttons"]
                servers.bot.ask(sender, buttons[0]["payload"])
                # refused by the channel before Rasa: only when is noted
                servers.bot.ask(sender, "x" * (MAX_MESSAGE_CHARS + 1))
    except ServerStartError as error:
        pytest.fail(str(error))
    return url, senders


def read_table(results, name):
    with (results / "report" / f"{name}.csv").open() as file:
        return list(csv.reader(file))[1:]


def test_the_report_counts_what_was_sent(store, tmp_path):
    url, senders = store
    results = write_report(url, tmp_path)
    handling = {row[0]: int(row[1]) for row in read_table(results, "handling")}
    assert handling == {
        **{kind.value: 0 for kind in Handling},
        Handling.ANSWERED.value: 2 * SENT_EACH,  # the question, and the button after the clarification
        Handling.DECLINED.value: SENT_EACH,
        Handling.OTHER_LANGUAGE.value: SENT_EACH,
        Handling.ADVISOR.value: SENT_EACH,
        Handling.CLARIFIED.value: SENT_EACH,
        Handling.TOO_LONG.value: SENT_EACH,
    }
    assert [(day_conversations, messages) for _, day_conversations, messages in read_table(results, "per_day")] == [
        (str(len(senders)), str(6 * SENT_EACH))
    ]
    assert sum(int(row[1]) for row in read_table(results, "per_hour")) == 6 * SENT_EACH
    assert {row[0]: int(row[1]) for row in read_table(results, "topics")}[KNOWLEDGE.topics["pay"].title] == SENT_EACH
    assert [int(row[1]) for row in read_table(results, "clarifications")] == [SENT_EACH]
    returning = read_table(results, "returning")
    assert returning == [["All conversations", str(len(senders))], ["Came back another day", "0"]]
    lengths = {row[0]: int(row[1]) for row in read_table(results, "lengths")}
    assert (lengths["1"], lengths["2"]) == (4 * SENT_EACH, SENT_EACH)

    # every off-topic and clarified message is listed, and the person asked for is not a question
    unanswered = read_table(results, "unanswered")
    assert sum(int(row[1]) for row in unanswered) == 2 * SENT_EACH
    examples = " | ".join(row[2] for row in unanswered)
    assert OFF_TOPIC in examples and CLARIFIED in examples and ANSWERED not in examples
    suggested = (results / "suggested_questions.yml").read_text()
    # a question the bot clarified is suggested under a fact; one about something else is not
    assert CLARIFIED in suggested and OFF_TOPIC not in suggested and "- id: " in suggested

    page = (results / "report.html").read_text()
    assert '<html lang="en">' in page and "<script" not in page and "http" not in page.split("<body>")[1]
    assert page.count("<img ") == page.count(' alt="Chart of ') > 0
    assert OFF_TOPIC.replace("'", "&#x27;") in page and ANSWERED not in page
    assert not any(sender in page for sender in senders)


def test_report_show_text_0_hides_every_text_and_keeps_the_counts(store, tmp_path):
    url, senders = store
    results = write_report(url, tmp_path, REPORT_SHOW_TEXT="0")
    page = (results / "report.html").read_text()
    for text in (OFF_TOPIC, "weather", CLARIFIED, SPANISH, ANSWERED, PERSON):
        assert text not in page
        assert not any(text in path.read_text() for path in (results / "report").glob("*.csv"))
    assert not (results / "suggested_questions.yml").exists()
    assert not any(sender in page for sender in senders)
    assert sum(int(row[1]) for row in read_table(results, "unanswered")) == 2 * SENT_EACH
