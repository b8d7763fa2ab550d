"""The turns of every conversation as the conversation store holds them: what the
several-servers tests and `make faults` compare with what was sent."""
import json
from dataclasses import dataclass, field
from typing import Dict, List

import sqlalchemy as sa


@dataclass
class StoredTurn:
    message: str
    received: float  # timestamp of the user event
    replies: List[str] = field(default_factory=list)
    finished: float = 0.0  # timestamp of the turn's last event


def stored_turns(database: str) -> Dict[str, List[StoredTurn]]:
    """The turns of every conversation, in the order the database holds them."""
    engine = sa.create_engine(database)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT sender_id, type_name, timestamp, data FROM events ORDER BY id"))
        turns: Dict[str, List[StoredTurn]] = {}
        for sender, kind, timestamp, data in rows:
            if kind == "user":
                turns.setdefault(sender, []).append(StoredTurn(json.loads(data)["text"], timestamp))
            elif turns.get(sender):
                if kind == "bot":
                    turns[sender][-1].replies.append(json.loads(data)["text"])
                turns[sender][-1].finished = max(turns[sender][-1].finished, timestamp)
    return turns
