"""Messages the channels refuse before Rasa sees them (channels/checks.py: too long), kept
beside the conversations so that `make report` counts them and `make purge` ages them out.

Only when and why a message was refused is kept: never its text nor its sender. The table is
created on the first refusal; a refusal that cannot be written (the database down) is logged
and the student still gets the reply.
"""
import asyncio
import functools
import logging
import threading
import time
from typing import List, Optional, Tuple

import sqlalchemy as sa

from stores.conversation_store import connect, database_url

logger = logging.getLogger(__name__)

TOO_LONG = "too long"
#: Seconds a refusal waits for the database before it is given up (and logged).
CONNECT_SECONDS = 5

REFUSALS = sa.Table(
    "refused_messages",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("timestamp", sa.Float, nullable=False, index=True),
    sa.Column("reason", sa.String(32), nullable=False),
)


class RefusalLog:
    """Writes refusals to the conversation store (CONVERSATIONS_DB_URL), or to `url`."""

    def __init__(self, url: Optional[str] = None) -> None:
        self.url = url
        self._engine: Optional[sa.engine.Engine] = None
        self._connecting = threading.Lock()  # refusals are written from the event loop's executor threads

    def record(self, reason: str, at: Optional[float] = None) -> None:
        with self._connecting:
            if self._engine is None:
                url = sa.engine.make_url(self.url) if self.url else database_url()
                engine = connect(url, timeout=CONNECT_SECONDS)
                REFUSALS.create(engine, checkfirst=True)
                self._engine = engine
        with self._engine.begin() as connection:
            connection.execute(REFUSALS.insert().values(timestamp=time.time() if at is None else at, reason=reason))

    async def record_soon(self, reason: str) -> None:
        """`record`, off the event loop; a failure is logged, never raised."""
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.record, reason)
        except Exception as error:  # the reply matters more than the count
            logger.warning("Could not note a refused message (%s) in the conversation store: %s", reason, error)


@functools.lru_cache(maxsize=1)
def configured_refusals() -> RefusalLog:
    """The one log of this server process, in the configured conversation store (both
    channels share its connection)."""
    return RefusalLog()


def refusals_since(engine: sa.engine.Engine, since: float) -> List[Tuple[float, str]]:
    """(timestamp, reason) of every refusal at `since` (a Unix time) or later; none if the
    table was never created."""
    if not sa.inspect(engine).has_table(REFUSALS.name):
        return []
    query = sa.select(REFUSALS.c.timestamp, REFUSALS.c.reason).where(REFUSALS.c.timestamp >= since)
    with engine.connect() as connection:
        return [(timestamp, reason) for timestamp, reason in connection.execute(query)]


def purge_refusals(engine: sa.engine.Engine, cutoff: float) -> int:
    """Delete refusals older than `cutoff` (a Unix time); how many."""
    if not sa.inspect(engine).has_table(REFUSALS.name):
        return 0
    with engine.begin() as connection:
        return connection.execute(REFUSALS.delete().where(REFUSALS.c.timestamp < cutoff)).rowcount
