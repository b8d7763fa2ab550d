"""`make purge DAYS=N` deletes whole conversations idle for more than N days and keeps the
others whole, on SQLite and on PostgreSQL."""
import asyncio
import os
import subprocess
import time

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered

from actions.knowledge import PROJECT_ROOT
from stores.conversation_store import DB_URL_VARIABLE, ConversationStore
from stores.refusals import REFUSALS, TOO_LONG, RefusalLog
from tests.harness.database_servers import MissingServer, postgres_server

DAY = 86400


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/conversations.db"
        return
    try:
        with postgres_server() as url:
            yield url
    except MissingServer as error:
        pytest.fail(str(error))


def write_conversation(store: ConversationStore, sender: str, days_ago: list) -> None:
    """One user turn per entry of `days_ago`, dated that many days back."""
    tracker = store.init_tracker(sender)
    for age in days_ago:
        timestamp = time.time() - age * DAY
        tracker.update(UserUttered("hi", {"name": "greet"}, timestamp=timestamp))
        tracker.update(ActionExecuted("action_listen", timestamp=timestamp))
    asyncio.run(store.save(tracker))


def events_of(engine, sender: str) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}).scalar()


def test_purge_deletes_idle_conversations_whole_and_keeps_the_rest(database, monkeypatch):
    monkeypatch.setenv(DB_URL_VARIABLE, database)
    store = ConversationStore(domain=Domain.load(PROJECT_ROOT / "domain.yml"))
    for sender, days_ago in {"idle": [90, 40], "recent": [90, 40, 1], "new": [0]}.items():
        write_conversation(store, sender, days_ago)
    refusals = RefusalLog(database)
    for days_ago in (40, 31, 1):  # messages refused as too long: only when is kept
        refusals.record(TOO_LONG, at=time.time() - days_ago * DAY)

    result = subprocess.run(
        ["make", "--no-print-directory", "purge", "DAYS=30"], cwd=PROJECT_ROOT, capture_output=True, text=True,
        env={**os.environ, DB_URL_VARIABLE: database},
    )
    assert result.returncode == 0, result.stderr
    assert "Deleted 1 conversation(s) (4 events) and 2 note(s) of refused messages idle for more than 30 days" in (
        result.stdout
    )
    assert events_of(store.engine, "idle") == 0
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(REFUSALS)).scalar() == 1
    assert events_of(store.engine, "recent") == 6 and events_of(store.engine, "new") == 2
