"""Time `make report` on a store of 100,000 synthetic conversations (not part of `make
test`: filling the store alone takes a while). Usage: python scripts/bench_report.py [N].
The figure goes in docs/operations.md by hand."""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from actions.knowledge import PROJECT_ROOT, load_knowledge
from actions.replies import decline
from stores.conversation_store import DB_URL_VARIABLE

EVENTS = SQLTrackerStore.SQLEvent.__table__
DAY = 86400


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
    engine = sa.create_engine(url)
    EVENTS.metadata.create_all(engine)
    sentence, now = decline(load_knowledge()), time.time() - 3600
    with engine.begin() as connection:
        for first in range(0, conversations, 5000):
            rows = [
                {"sender_id": f"s{number}", "type_name": event["event"], "timestamp": event.get("timestamp", now),
                 "action_name": event.get("name"), "data": json.dumps(event)}
                for number in range(first, min(first + 5000, conversations))
                for event in conversation(number, now, sentence)
            ]
            connection.execute(EVENTS.insert(), rows)
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(EVENTS)).scalar()


def main(conversations=100_000):
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/conversations.db"
        events = fill(url, conversations)
        start = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "report", "--days", "30", "--results", f"{folder}/results"], cwd=PROJECT_ROOT,
            check=True, env={**os.environ, DB_URL_VARIABLE: url},
        )
        seconds = time.monotonic() - start
        size = Path(f"{folder}/results/report.html").stat().st_size
    print(f"{conversations:,} conversations ({events:,} events): report in {seconds:.1f} s, page {size / 1024:.0f} KB")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
