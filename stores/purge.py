"""Delete the conversations nobody has written in for more than N days.

`make purge DAYS=N` (N defaults to RETENTION_DAYS, 30). A conversation is deleted whole,
every event of it, once its latest event is older than N days; a newer one is kept whole.
The notes of refused messages (stores/refusals.py) older than N days go too.
Works on whatever CONVERSATIONS_DB_URL names, SQLite or PostgreSQL. Run it daily (cron;
with docker compose, `docker compose run --rm --entrypoint python rasa-1 -m stores.purge`)
to keep what docs/operations.md promises.
"""
import argparse
import os
import sys
import time
from typing import Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from stores.conversation_store import ConversationStoreUnavailable, connect, database_url
from stores.refusals import purge_refusals

DEFAULT_RETENTION_DAYS = 30


def purge(engine: sa.engine.Engine, days: float) -> Tuple[int, int]:
    """Delete conversations idle for more than `days`; return (conversations, events) deleted."""
    events = SQLTrackerStore.SQLEvent.__table__
    cutoff = time.time() - days * 86400
    idle = (
        sa.select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(sa.func.max(events.c.timestamp) < cutoff)
    )
    with engine.begin() as connection:
        senders = [sender for (sender,) in connection.execute(idle)]
        deleted = 0
        for start in range(0, len(senders), 500):
            batch = senders[start:start + 500]
            deleted += connection.execute(events.delete().where(events.c.sender_id.in_(batch))).rowcount
    return len(senders), deleted


def period_and_store(parser: argparse.ArgumentParser) -> Tuple[argparse.Namespace, sa.engine.URL, sa.engine.Engine]:
    """The command line of a command on the last --days days of the conversation store
    (`make purge`, `make report`; default RETENTION_DAYS, or 30): its arguments, the store's
    URL and an engine whose database answered. Exits with the reason otherwise."""
    parser.add_argument("--days", type=float, default=float(os.environ.get("RETENTION_DAYS") or DEFAULT_RETENTION_DAYS))
    args = parser.parse_args()
    if args.days < 0:
        sys.exit("--days must be 0 or more")
    url = database_url()
    try:
        return args, url, connect(url, timeout=10)
    except ConversationStoreUnavailable as error:
        sys.exit(str(error))


def main() -> None:
    args, url, engine = period_and_store(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    where = url.render_as_string(hide_password=True)
    refusals = purge_refusals(engine, time.time() - args.days * 86400)
    if not sa.inspect(engine).has_table(SQLTrackerStore.SQLEvent.__tablename__):
        print(f"No conversations stored yet in {where}")
        return
    conversations, events = purge(engine, args.days)
    print(
        f"Deleted {conversations} conversation(s) ({events} events) and {refusals} note(s) of refused messages "
        f"idle for more than {args.days:g} days from {where}"
    )


if __name__ == "__main__":
    main()
