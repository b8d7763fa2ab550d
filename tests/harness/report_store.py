"""A conversation store of synthetic conversations, and `python -m report` run on a store.

The synthetic conversations are written straight into Rasa's events table, as its
SQLTrackerStore writes them, so no Rasa server is needed: `scripts/bench_report.py` times
the report on 100,000 of them, the report page's browser test and
`scripts/report_screenshot.py` draw a page from a few thousand. tests/test_report.py fills
its store through the real servers instead, to check every count.
"""
import json
import os
import random
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, List

import sqlalchemy as sa

from actions.knowledge import KnowledgeBase, load_knowledge
from actions.replies import ADVISOR_INTRO, CLARIFYING_OPENER, ENGLISH_ONLY, REPHRASE, decline
from report.store import EVENTS
from stores.conversation_store import DB_URL_VARIABLE
from tests.harness.bot_servers import PROJECT_ROOT, PYTHON

DAY = 86400
#: The period every report here covers; the synthetic conversations fall within it.
REPORT_DAYS = 30
#: Conversations written per INSERT while filling a store.
CONVERSATIONS_PER_INSERT = 5000


def turn(text, replies, slots=(), at=0.0):
    """A user message with the bot's reply and slots, as the events table's rows' data."""
    events = [{"event": "user", "timestamp": at, "text": text}, {"event": "action", "name": "action_answer"}]
    events += [{"event": "bot", "text": reply} for reply in replies]
    events += [{"event": "slot", "name": name, "value": value} for name, value in slots]
    return events + [{"event": "action", "name": "action_listen"}]


def conversation(number, now, knowledge):
    """Mostly answered questions, some declined, a few rephrased; every tenth student returns."""
    start = now - (number % 28) * DAY - (number % 24) * 3600
    events = turn("how much does a medical biller make", ["The median pay is ..."],
                  [("topic", "pay"), ("last_fact", "pay_median"), ("misunderstandings", 0.0)], start)
    if number % 3 == 0:
        events += turn(f"what's the weather in city {number % 50}", [decline(knowledge)],
                       [("misunderstandings", 1.0)], start + 60)
    if number % 10 == 0:
        events += turn("do i need a degree", ["..."], [("topic", "education"), ("last_fact", "education_overview")],
                       start + DAY)
    return events


OFF_TOPIC = ("what's the weather tomorrow", "what is the weather like today", "can you help with my math homework",
             "who won the game last night", "tell me a joke", "when is the library open")
UNCLEAR = ("which courses?", "how long?", "what about the exam")
#: The hours students start a conversation, each as often as it is listed: afternoons most.
STARTING_HOURS = (8, 9, 10, 11, 12, 13, 14, 14, 15, 15, 15, 16, 16, 17, 18, 19, 20, 21, 22)


def varied_conversation(number, now, knowledge):
    """What a month of students might do, the same for the same `number`: questions about
    every fact, the first ones of each topic most, on the last 28 days, afternoons busiest;
    some declined, clarified (then a button pressed), in Spanish, asking for a person or to
    rephrase; some students come back a few days later."""
    chance = random.Random(number)
    facts = [(topic, fact) for topic in knowledge.topics.values() for fact in topic.facts]
    weights = [1 / (1 + position) for topic in knowledge.topics.values() for position in range(len(topic.facts))]

    def answered(at, pressed_button=False):
        topic, fact = chance.choices(facts, weights)[0]
        text = f"/{topic.intent}" if pressed_button else fact.questions[0]
        return turn(text, [fact.text], [("topic", topic.id), ("last_fact", fact.id)], at)

    midnight = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    start = midnight - chance.randint(1, 28) * DAY + chance.choice(STARTING_HOURS) * 3600 + chance.randrange(3600)
    events = answered(start)
    second, at = chance.random(), start + 60
    if second < 0.25:
        events += turn(chance.choice(OFF_TOPIC), [decline(knowledge)], [("misunderstandings", 1.0)], at)
    elif second < 0.35:
        events += turn(chance.choice(UNCLEAR), [f"{CLARIFYING_OPENER}certification or education?"], at=at)
        events += answered(at + 30, pressed_button=True)
    elif second < 0.40:
        events += turn("¿Cuánto gana un codificador médico?", [ENGLISH_ONLY], at=at)
    elif second < 0.45:
        events += turn("can I talk to a real person", [f"{ADVISOR_INTRO}the advising office."], at=at)
    elif second < 0.50:
        events += turn("hmm ok so", [REPHRASE], [("misunderstandings", 1.0)], at)
    back = start + chance.randint(1, 5) * DAY
    if chance.random() < 0.1 and back < now:
        events += answered(back)
    return events


def fill(url: str, conversations: int, make: Callable[[int, float, KnowledgeBase], List[dict]] = conversation) -> int:
    """Write `conversations` synthetic conversations of the last four weeks, `make`'s, into
    the store at `url` (creating its events table); returns the number of events it then holds."""
    engine = sa.create_engine(url)
    EVENTS.metadata.create_all(engine)
    knowledge, now = load_knowledge(), time.time() - 3600
    with engine.begin() as connection:
        for first in range(0, conversations, CONVERSATIONS_PER_INSERT):
            rows = [
                {"sender_id": f"s{number}", "type_name": event["event"], "timestamp": event.get("timestamp", now),
                 "action_name": event.get("name"), "data": json.dumps(event)}
                for number in range(first, min(first + CONVERSATIONS_PER_INSERT, conversations))
                for event in make(number, now, knowledge)
            ]
            connection.execute(EVENTS.insert(), rows)
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(EVENTS)).scalar()


def write_report(database_url: str, results: Path, **environment: str) -> Path:
    """Run `python -m report` on the store at `database_url` into `results` (returned), as
    `make report` does; AssertionError with its error output if it fails."""
    result = subprocess.run(
        [str(PYTHON), "-m", "report", "--days", str(REPORT_DAYS), "--results", str(results)], cwd=PROJECT_ROOT,
        capture_output=True, text=True, env={**os.environ, DB_URL_VARIABLE: database_url, **environment},
    )
    assert result.returncode == 0, f"python -m report failed:\n{result.stderr}"
    return results
