"""Per-conversation locks: in this process for one Rasa server, in Redis for several.

Rasa processes the messages of one conversation one at a time by taking a lock on it. With
several Rasa servers sharing conversations the lock must be shared too: set
`LOCK_STORE_URL=redis://host:6379/1` and every server uses Rasa's RedisLockStore there.
Unset, the lock lives in the server's memory, which is right for a single server process;
several Sanic workers (SANIC_WORKERS > 1) are refused without Redis, since Rasa would
otherwise let each worker lock the same conversation in its own memory.
"""
import logging
import os
from typing import Any, AsyncContextManager, Optional, Text
from urllib.parse import urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore

logger = logging.getLogger(__name__)

LOCK_URL_VARIABLE = "LOCK_STORE_URL"


class LockStoreUnavailable(ConnectionError):
    """The Redis server for locks could not be reached; the message names it and why."""


def redis_lock_store(url: str) -> RedisLockStore:
    """Rasa's Redis lock store at `url` (redis://[:password@]host[:port][/db]), checked once."""
    import redis

    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise LockStoreUnavailable(f"{LOCK_URL_VARIABLE}={url!r} is not a redis://host:port/db URL")
    store = RedisLockStore(
        host=parts.hostname,
        port=parts.port or 6379,
        db=int(parts.path.strip("/") or 1),
        username=parts.username,
        password=parts.password,
        use_ssl=parts.scheme == "rediss",
    )
    try:
        store.red.ping()
    except redis.exceptions.RedisError as error:
        raise LockStoreUnavailable(
            f"Cannot reach the lock store at {parts.hostname}:{parts.port or 6379} "
            f"(set by {LOCK_URL_VARIABLE}): {error}"
        ) from error
    return store


class ConversationLockStore(LockStore):
    """Rasa's Redis lock store when LOCK_STORE_URL is set, its in-memory one otherwise."""

    # Rasa retries a taken lock once a second: a message sent while the conversation's
    # previous one was being answered (a double click) waited up to a second for nothing.
    RETRY_SECONDS = 0.05

    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        url = os.environ.get(LOCK_URL_VARIABLE)
        workers = os.environ.get("SANIC_WORKERS", "1")
        if not url and workers.strip() not in ("", "1"):
            raise LockStoreUnavailable(
                f"SANIC_WORKERS={workers} needs locks shared between the workers: set {LOCK_URL_VARIABLE}"
            )
        self.locks: LockStore = redis_lock_store(url) if url else InMemoryLockStore()
        logger.info(f"Conversation locks are kept in {type(self.locks).__name__}")
        super().__init__()

    def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = RETRY_SECONDS
    ) -> AsyncContextManager[TicketLock]:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self.locks.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self.locks.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.locks.save_lock(lock)
