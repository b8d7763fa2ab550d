"""The conversation store keeps every event once, loads a flat-sized recent part with the
context intact, survives a new store (a restart), and names an unreachable database."""
import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Restarted, SessionStarted, SlotSet, UserUttered

from actions.knowledge import PROJECT_ROOT
from stores.conversation_store import DB_URL_VARIABLE, ConversationStore, ConversationStoreUnavailable
from stores.lock_store import LOCK_URL_VARIABLE, ConversationLockStore, LockStoreUnavailable
from tests.harness.database_servers import MissingServer, redis_server

DOMAIN = Domain.load(PROJECT_ROOT / "domain.yml")


@pytest.fixture
def new_store(tmp_path, monkeypatch):
    """Makes a store on one SQLite file; a second call is the store after a restart."""
    monkeypatch.setenv(DB_URL_VARIABLE, f"sqlite:///{tmp_path}/conversations.db")
    return lambda **settings: ConversationStore(domain=DOMAIN, **settings)


def turn(number: int) -> list:
    return [
        UserUttered(f"question {number}", {"name": "ask_pay", "confidence": 1.0}),
        ActionExecuted("action_answer"),
        BotUttered(f"answer {number}"),
        SlotSet("facts_told", [f"fact_{n}" for n in range(number + 1)]),
        ActionExecuted("action_listen"),
    ]


def chat(store, sender: str, turns: range, before: list = ()) -> None:
    """Add turns one at a time, as the Rasa server does: load, append, save."""
    for number in turns:
        tracker = asyncio.run(store.retrieve(sender)) or store.init_tracker(sender)
        for event in [*before, *turn(number)] if number == turns[0] else turn(number):
            tracker.update(event)
        asyncio.run(store.save(tracker))


def stored_events(store, sender: str) -> list:
    return asyncio.run(store.retrieve_full_tracker(sender)).events


def test_a_long_conversation_loads_its_recent_turns_with_every_slot_value(new_store):
    store = new_store(recent_turns=3)
    chat(store, "long", range(40), before=[SessionStarted(), SlotSet("topic", "pay"), ActionExecuted("action_listen")])

    tracker = asyncio.run(store.retrieve("long"))
    users = [e.text for e in tracker.events if isinstance(e, UserUttered)]
    assert users == ["question 37", "question 38", "question 39"]
    assert tracker.get_slot("topic") == "pay"  # set once, 40 turns ago
    assert tracker.get_slot("facts_told") == [f"fact_{n}" for n in range(40)]
    assert len(tracker.events) < 20


def test_every_event_is_stored_exactly_once(new_store):
    store = new_store(recent_turns=2)
    chat(store, "once", range(12), before=[SessionStarted(), ActionExecuted("action_listen")])
    users = [e.text for e in stored_events(store, "once") if isinstance(e, UserUttered)]
    assert users == [f"question {n}" for n in range(12)]
    slot_events = [e for e in stored_events(store, "once") if isinstance(e, SlotSet)]
    assert len(slot_events) == 12  # the loaded slot values are not written back


def test_a_restarted_server_continues_the_conversation(new_store):
    chat(new_store(), "kept", range(3))
    after_restart = new_store()
    chat(after_restart, "kept", range(3, 5))
    tracker = asyncio.run(after_restart.retrieve("kept"))
    assert tracker.get_slot("facts_told") == [f"fact_{n}" for n in range(5)]
    assert [e.text for e in stored_events(after_restart, "kept") if isinstance(e, UserUttered)] == [
        f"question {n}" for n in range(5)
    ]


def test_slots_set_before_a_restart_of_the_conversation_are_forgotten(new_store):
    store = new_store(recent_turns=2)
    chat(store, "restarted", range(5), before=[SlotSet("topic", "pay")])
    chat(store, "restarted", range(5, 9), before=[Restarted(), ActionExecuted("action_listen")])
    tracker = asyncio.run(store.retrieve("restarted"))
    assert tracker.get_slot("topic") is None
    assert tracker.get_slot("facts_told") == [f"fact_{n}" for n in range(9)]


def test_conversations_do_not_mix(new_store):
    store = new_store()
    chat(store, "ann", range(2), before=[SlotSet("topic", "pay")])
    chat(store, "bob", range(1))
    assert asyncio.run(store.retrieve("bob")).get_slot("topic") is None
    assert asyncio.run(store.retrieve("nobody")) is None


def test_an_unreachable_database_is_named_with_the_reason(monkeypatch):
    monkeypatch.setenv(DB_URL_VARIABLE, "postgresql://rasa:secret@127.0.0.1:1/conversations")
    start = time.monotonic()
    with pytest.raises(ConversationStoreUnavailable) as error:
        ConversationStore(domain=DOMAIN, connect_timeout=1)
    message = str(error.value)
    assert "postgresql://rasa:***@127.0.0.1:1/conversations" in message
    assert DB_URL_VARIABLE in message and "refused" in message
    assert "secret" not in message
    assert time.monotonic() - start < 10


def test_locks_are_in_memory_unless_redis_is_configured(monkeypatch):
    monkeypatch.delenv(LOCK_URL_VARIABLE, raising=False)
    assert type(ConversationLockStore().locks).__name__ == "InMemoryLockStore"
    monkeypatch.setenv("SANIC_WORKERS", "2")
    with pytest.raises(LockStoreUnavailable, match=f"set {LOCK_URL_VARIABLE}"):
        ConversationLockStore()
    monkeypatch.delenv("SANIC_WORKERS")
    monkeypatch.setenv(LOCK_URL_VARIABLE, "redis://127.0.0.1:1/1")
    with pytest.raises(LockStoreUnavailable, match=f"127.0.0.1:1 \\(set by {LOCK_URL_VARIABLE}\\)"):
        ConversationLockStore()
    monkeypatch.setenv(LOCK_URL_VARIABLE, "127.0.0.1:6379")
    with pytest.raises(LockStoreUnavailable, match="not a redis://"):
        ConversationLockStore()


@pytest.fixture(scope="module")
def redis_url():
    try:
        with redis_server() as url:
            yield url
    except MissingServer as error:
        pytest.fail(str(error))


def tickets_issued_at_once(stores: list, conversation: str) -> list:
    """Each store (a server) takes a ticket for the same conversation at the same moment."""
    start = threading.Barrier(len(stores))

    def take(store):
        start.wait()
        return store.issue_ticket(conversation)

    with ThreadPoolExecutor(len(stores)) as pool:
        return list(pool.map(take, stores))


def test_servers_taking_a_ticket_at_once_get_different_tickets(redis_url, monkeypatch):
    monkeypatch.setenv(LOCK_URL_VARIABLE, redis_url)
    servers = [ConversationLockStore() for _ in range(12)]
    for round_number in range(5):
        tickets = tickets_issued_at_once(servers, f"conversation-{round_number}")
        assert sorted(tickets) == list(range(12))
    servers[0].cleanup("conversation-0", 0)
    assert [ticket.number for ticket in servers[1].get_lock("conversation-0").tickets] == list(range(1, 12))
    for ticket in range(1, 12):
        servers[ticket].cleanup("conversation-0", ticket)
    assert servers[0].get_lock("conversation-0") is None


def test_locks_in_redis_follow_rasas_ticket_rules(redis_url, monkeypatch):
    """The same changes made in Redis (one Lua script each) and by Rasa's own TicketLock in
    memory leave the same tickets: issue, expiry, removal, deletion of an empty lock."""
    monkeypatch.setenv(LOCK_URL_VARIABLE, redis_url)
    in_redis = ConversationLockStore()
    monkeypatch.delenv(LOCK_URL_VARIABLE)
    in_memory = ConversationLockStore()
    assert type(in_memory.locks).__name__ == "InMemoryLockStore"

    def tickets(store):
        lock = store.get_lock("rules")
        return None if lock is None else [ticket.number for ticket in lock.tickets]

    steps = [
        lambda store: store.issue_ticket("rules", 60),
        lambda store: store.issue_ticket("rules", 0.2),  # expires while the others wait
        lambda store: store.issue_ticket("rules", 60),
        lambda store: store.cleanup("rules", 0),
        lambda store: time.sleep(0.3),
        lambda store: store.update_lock("rules"),
        lambda store: store.issue_ticket("rules", 60),
        lambda store: store.cleanup("rules", 7),  # no such ticket
        lambda store: store.cleanup("rules", 2),
        lambda store: store.cleanup("rules", 3),
        lambda store: store.issue_ticket("rules", 60),  # a new lock starts at 0 again
        lambda store: store.cleanup("rules", 0),
        lambda store: store.update_lock("rules"),  # a missing lock stays missing
    ]
    seen = []
    for step in steps:
        results = [step(store) for store in (in_redis, in_memory)] if step is not steps[4] else [step(None)] * 2
        assert results[0] == results[1]
        assert tickets(in_redis) == tickets(in_memory)
        seen.append(tickets(in_redis))
    assert seen[2] == [0, 1, 2] and seen[5] == [2] and seen[6] == [2, 3] and seen[10] == [0] and seen[12] is None
