"""A conversation store of synthetic conversations, and `python -m report` run on a store.

The synthetic conversations are written straight into Rasa's events table, as its
SQLTrackerStore writes them, so no Rasa server is needed: `scripts/bench_report.py` times
the report on 100,000 of them, the report page's browser test and
`scripts/report_screenshot.py` draw a page from a few thousand. tests/test_report.py fills
its store through the real servers instead, to check every count.
"""
import json
import os
import subprocess
import time
from pathlib import Path

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from actions.knowledge import load_knowledge
from actions.replies import decline
from stores.conversation_store import DB_URL_VARIABLE
from tests.harness.bot_servers import PROJECT_ROOT, PYTHON

EVENTS = SQLTrackerStore.SQLEvent.__table__
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


def conversation(number, now, sentence):
    """Mostly answered questions, some declined, a few rephrased; every tenth student returns."""
    start = now - (number % 28) * DAY - (number % 24) * 3600
    events = turn("how much does a medical biller make", ["The median pay is ..."],
                  [("topic", "pay"), ("last_fact", "pay_median"), ("misunderstandings", 0.0)], start)
    if number % 3 == 0:
        events += turn(f"what's the weather in city {number % 50}", [sentence], [("misunderstandings", 1.0)],
                       start + 60)
    if number % 10 == 0:
        events += turn("do i need a degree", ["..."], [("topic", "education"), ("last_fact", "education_overview")],
                       start + DAY)
    return events


def fill(url, conversations):
    """Write `conversations` synthetic conversations of the last four weeks into the store
    at `url` (creating its events table); returns the number of events it then holds."""
    engine = sa.create_engine(url)
    EVENTS.metadata.create_all(engine)
    sentence, now = decline(load_knowledge()), time.time() - 3600
    with engine.begin() as connection:
        for first in range(0, conversations, CONVERSATIONS_PER_INSERT):
            rows = [
                {"sender_id": f"s{number}", "type_name": event["event"], "timestamp": event.get("timestamp", now),
                 "action_name": event.get("name"), "data": json.dumps(event)}
                for number in range(first, min(first + CONVERSATIONS_PER_INSERT, conversations))
                for event in conversation(number, now, sentence)
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
