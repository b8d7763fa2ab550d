"""Conversations kept in a SQL database, so that a restart or a deploy loses none.

Rasa's SQL tracker store with three changes, each small:

- The database comes from one environment variable, `CONVERSATIONS_DB_URL` (a SQLAlchemy
  URL). Unset, it is a SQLite file under `var/`, so `make run` needs no database server;
  `postgresql://user:password@host:5432/db` lets several Rasa servers share conversations.
- A database that cannot be reached within `connect_timeout` seconds stops the server with
  a message naming it and why; Rasa's own store retries forever without saying so. Once
  running, a turn that finds the database gone (a restart) tries again for up to
  `connect_timeout` seconds before it fails (the student is then asked to send it again):
  a turn whose reply was sent but not stored would lose its context.
- Each turn loads only the last `recent_turns` user turns of the conversation, preceded by
  the latest value of every slot set before them. Rasa's store loads the whole session on
  every turn, so replies got slower the longer a student chatted; slots are the whole of
  this bot's context, so nothing the answers depend on is lost. Every step of loading is
  an index lookup (one index added to Rasa's table), so turn 400 costs what turn 10 does.
"""
import asyncio
import functools
import itertools
import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Text, Tuple, Type

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, Restarted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DB_URL_VARIABLE = "CONVERSATIONS_DB_URL"
DEFAULT_DB_URL = "sqlite:///var/conversations.db"
# Set on a tracker this store loaded: how many of its events are already stored.
_STORED_EVENT_COUNT = "_events_already_stored"
_EVENTS = SQLTrackerStore.SQLEvent.__table__
# Finds a conversation's latest session start, its recent user messages and each slot's
# latest value without reading the rest of it (Rasa stores a slot's name as action_name).
_EVENT_LOOKUP = sa.Index(
    "ix_events_sender_type_action_id",
    *(_EVENTS.c[name] for name in ("sender_id", "type_name", "action_name", "id")),
)


# The queries of `ConversationStore._recent_events`, built once: building them anew for
# every turn was a measurable share of the Rasa server's time under load.
_OF_SENDER = _EVENTS.c.sender_id == sa.bindparam("sender_id")
_LATEST_SESSION_START = (
    sa.select(sa.func.max(_EVENTS.c.id))
    .where(_OF_SENDER, _EVENTS.c.type_name.in_([SessionStarted.type_name, Restarted.type_name]))
    .where(_EVENTS.c.action_name.is_(None))  # these events have no name: matches the index
)
_NTH_LAST_USER_MESSAGE = (
    sa.select(_EVENTS.c.id)
    .where(_OF_SENDER, _EVENTS.c.type_name == UserUttered.type_name, _EVENTS.c.id >= sa.bindparam("session_start"))
    .where(_EVENTS.c.action_name.is_(None))
    .order_by(_EVENTS.c.id.desc())
    .offset(sa.bindparam("skip"))
    .limit(1)
)
_EVENTS_WITH_IDS = (
    sa.select(_EVENTS.c.data).where(_EVENTS.c.id.in_(sa.bindparam("ids", expanding=True))).order_by(_EVENTS.c.id)
)
_EVENTS_FROM = (
    sa.select(_EVENTS.c.data).where(_OF_SENDER, _EVENTS.c.id >= sa.bindparam("recent_start")).order_by(_EVENTS.c.id)
)


@functools.lru_cache(maxsize=None)
def _latest_slot_values(slot_names: Tuple[Text, ...]) -> sa.sql.CompoundSelect:
    """The id of the latest event setting each slot, in one statement: a round trip costs
    more than a lookup."""
    return sa.union_all(*(
        sa.select(sa.func.max(_EVENTS.c.id))
        .where(_OF_SENDER, _EVENTS.c.type_name == SlotSet.type_name, _EVENTS.c.action_name == name)
        .where(_EVENTS.c.id >= sa.bindparam("session_start"), _EVENTS.c.id < sa.bindparam("recent_start"))
        for name in slot_names
    ))


class ConversationStoreUnavailable(ConnectionError):
    """The conversation database could not be reached; the message names it and why."""


def database_url() -> sa.engine.URL:
    """The configured database, with SQLite's folder created."""
    url = sa.engine.make_url(os.environ.get(DB_URL_VARIABLE) or DEFAULT_DB_URL)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return url


def connect(url: sa.engine.URL, timeout: float) -> sa.engine.Engine:
    """An engine whose database answered, or ConversationStoreUnavailable after `timeout` s."""
    if url.get_backend_name() == "sqlite":
        # Keep connections open (SQLAlchemy 1.4 opens one per use for a SQLite file); the
        # Rasa server uses them from its one event-loop thread.
        engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _write_ahead_log)
    else:
        # pool_pre_ping: a connection the database dropped (a restart) is replaced before a
        # turn uses it, so the servers reconnect by themselves once it is back
        engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
    deadline = time.monotonic() + timeout
    while True:
        try:
            with engine.connect():
                return engine
        except sa.exc.SQLAlchemyError as error:
            if time.monotonic() >= deadline:
                reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
                raise ConversationStoreUnavailable(
                    f"Cannot reach the conversation store {url.render_as_string(hide_password=True)} "
                    f"(set by {DB_URL_VARIABLE}) within {timeout:g} s: {reason}"
                ) from error
            time.sleep(0.5)


def _write_ahead_log(connection: Any, _: Any) -> None:
    """SQLite: readers do not wait for a writer, and a commit does not wait for the disk
    (a power cut may lose the last turns, never corrupt the file)."""
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")


class ConversationStore(SQLTrackerStore):
    """Rasa's SQL tracker store that loads the recent part of a conversation (see module)."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        event_broker: Optional[EventBroker] = None,
        recent_turns: int = 10,
        connect_timeout: float = 10,
        **kwargs: Any,
    ) -> None:
        # SQLTrackerStore.__init__ is replaced, not called: it waits forever for the database.
        self.recent_turns = int(recent_turns)
        self.connect_timeout = float(connect_timeout)
        url = database_url()
        self.engine = connect(url, self.connect_timeout)
        try:
            self._create_table()
        except sa.exc.DatabaseError:
            # Servers starting together race to create the table: one wins, and the
            # others find it now (a real problem raises again here).
            self._create_table()
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        logger.info(f"Conversations are kept in {url.render_as_string(hide_password=True)}")
        TrackerStore.__init__(self, domain, event_broker)

    def _create_table(self) -> None:
        """Rasa's events table and the lookup index, each only where missing (the index
        also in a database made before it)."""
        self.Base.metadata.create_all(self.engine)
        _EVENT_LOOKUP.create(self.engine, checkfirst=True)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The latest session's recent turns, after the slot values set before them."""
        if not self.domain:
            return None
        stored = await self._reconnecting(self.engine.connect, self._recent_events, sender_id)
        if not stored:
            return None
        events = [event for event in map(_event_from_json, stored) if event]
        tracker = DialogueStateTracker.from_events(sender_id, events, self.domain.slots)
        setattr(tracker, _STORED_EVENT_COUNT, len(tracker.events))
        return tracker

    async def _reconnecting(self, opening: Callable[[], Any], operation: Callable[..., Any], *arguments: Any) -> Any:
        """`operation(connection, *arguments)` on a connection from `opening` (the engine's
        `connect` to read, `begin` to write in one transaction), tried again while the
        database is unreachable, for up to connect_timeout seconds."""
        deadline = time.monotonic() + self.connect_timeout
        for attempt in itertools.count():
            try:
                with opening() as connection:
                    return operation(connection, *arguments)
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
                if time.monotonic() >= deadline:
                    raise
                if not attempt:
                    reason = str(error.orig or error).strip().splitlines()[0]
                    logger.warning(f"The conversation store did not answer ({reason}); trying again")
                await asyncio.sleep(0.5)

    def _recent_events(self, connection: sa.engine.Connection, sender_id: Text) -> List[Text]:
        """The events from the `recent_turns`-th last user message on, and before them the
        latest event setting each slot, all within the latest session. Each step is an
        index lookup (_EVENT_LOOKUP), so the cost does not grow with the conversation."""
        # Events before the latest session start or restart do not count, as in Rasa.
        session_start = connection.execute(_LATEST_SESSION_START, {"sender_id": sender_id}).scalar() or 0
        nth_last = {"sender_id": sender_id, "session_start": session_start, "skip": self.recent_turns - 1}
        recent_start = connection.execute(_NTH_LAST_USER_MESSAGE, nth_last).scalar() or session_start
        latest_slot_values = _latest_slot_values(tuple(slot.name for slot in self.domain.slots))
        earlier = [
            event_id
            for event_id in connection.execute(
                latest_slot_values,
                {"sender_id": sender_id, "session_start": session_start, "recent_start": recent_start},
            ).scalars()
            if event_id  # all before recent_start
        ]
        return [
            *(connection.execute(_EVENTS_WITH_IDS, {"ids": earlier}).scalars() if earlier else []),
            *connection.execute(_EVENTS_FROM, {"sender_id": sender_id, "recent_start": recent_start}).scalars(),
        ]

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events added since the tracker was loaded, in one transaction."""
        stored = getattr(tracker, _STORED_EVENT_COUNT, None)
        if stored is None:  # a tracker this store did not load: Rasa's own way
            await super().save(tracker)
        else:
            await self.stream_events(tracker)
            new_events = itertools.islice(tracker.events, stored, None)
            rows = [self._row(tracker.sender_id, event.as_dict()) for event in new_events]
            if rows:
                await self._reconnecting(self.engine.begin, lambda connection: connection.execute(
                    self.SQLEvent.__table__.insert(), rows))
        setattr(tracker, _STORED_EVENT_COUNT, len(tracker.events))

    @staticmethod
    def _row(sender_id: Text, event: Dict[Text, Any]) -> Dict[Text, Any]:
        """The columns Rasa's SQL store writes for an event."""
        return {
            "sender_id": sender_id,
            "type_name": event["event"],
            "timestamp": event.get("timestamp"),
            "intent_name": (event.get("parse_data") or {}).get("intent", {}).get("name"),
            "action_name": event.get("name"),
            "data": json.dumps(event),
        }


def _event_from_json(data: Text) -> Optional[Event]:
    """One stored event, as Rasa's `DialogueStateTracker.from_dict` reads it."""
    parameters = json.loads(data)
    event_class = _event_class(parameters["event"])
    return event_class._from_parameters(parameters) if event_class else None


@functools.lru_cache(maxsize=None)
def _event_class(type_name: Text) -> Optional[Type[Event]]:
    """Rasa's `Event.resolve_by_type`, remembered: it walks every subclass of Event for each
    event it reads, a measurable share of the Rasa server's time under load."""
    return Event.resolve_by_type(type_name)
