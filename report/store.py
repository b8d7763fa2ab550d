"""Reading the conversation store: each conversation's events within the period, and only
the events the classification reads (report/conversations.py), so that a large store is
read in one pass. Sender ids stay here: what leaves is events, one list per conversation."""
import itertools
import json
from typing import Any, Dict, Iterator, List

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from report.conversations import ADVISOR_ACTION, READ_SLOTS

EVENTS = SQLTrackerStore.SQLEvent.__table__


def conversations_since(engine: sa.engine.Engine, since: float) -> Iterator[List[Dict[str, Any]]]:
    """Each conversation's events dated `since` (a Unix time) or later, in order."""
    kind, name = EVENTS.c.type_name, EVENTS.c.action_name
    read = sa.or_(
        kind.in_(["user", "bot"]),
        sa.and_(kind == "action", name == ADVISOR_ACTION),
        sa.and_(kind == "slot", name.in_(READ_SLOTS)),
    )
    query = (
        sa.select(EVENTS.c.sender_id, EVENTS.c.data)
        .where(EVENTS.c.timestamp >= since, read)
        .order_by(EVENTS.c.sender_id, EVENTS.c.id)
    )
    with engine.connect() as connection:
        rows = connection.execution_options(stream_results=True).execute(query)
        for _, conversation in itertools.groupby(rows, key=lambda row: row[0]):
            yield [json.loads(data) for _, data in conversation]
