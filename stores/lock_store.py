"""Per-conversation locks: in this process for one Rasa server, in Redis for several.

Rasa processes the messages of one conversation one at a time by taking a lock on it. With
several Rasa servers sharing conversations the lock must be shared too: set
`LOCK_STORE_URL=redis://host:6379/1` and every server uses Rasa's RedisLockStore there.
Rasa's RedisLockStore changes a lock by reading it, then writing it back: two servers that
get a message of one conversation at the same moment can both take ticket 0 and answer
at once (tests/test_several_servers.py caught it). Here each change is one Redis
transaction, retried when another server wrote the lock in between.

Unset, the lock lives in the server's memory, which is right for a single server process;
several Sanic workers (SANIC_WORKERS > 1) are refused without Redis, since Rasa would
otherwise let each worker lock the same conversation in its own memory.
"""
import json
import logging
import os
from typing import Any, AsyncContextManager, Callable, Optional, Text, TypeVar
from urllib.parse import urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore

logger = logging.getLogger(__name__)

LOCK_URL_VARIABLE = "LOCK_STORE_URL"
T = TypeVar("T")


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

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        if not isinstance(self.locks, RedisLockStore):
            return super().issue_ticket(conversation_id, lock_lifetime)
        return self._in_one_transaction(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)

    def update_lock(self, conversation_id: Text) -> None:
        if not isinstance(self.locks, RedisLockStore):
            return super().update_lock(conversation_id)
        self._in_one_transaction(conversation_id, TicketLock.remove_expired_tickets)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        if not isinstance(self.locks, RedisLockStore):
            return super().cleanup(conversation_id, ticket_number)
        self._in_one_transaction(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def _in_one_transaction(self, conversation_id: Text, change: Callable[[TicketLock], T], create: bool = False) -> Optional[T]:
        """Read the lock, change it and write it back (or delete it once no ticket is left)
        as one Redis transaction; without `create`, a missing lock stays missing."""
        key = self.locks.key_prefix + conversation_id

        def step(pipe: Any) -> Optional[T]:
            stored = pipe.get(key)
            if stored is None and not create:
                return None
            lock = TicketLock.from_dict(json.loads(stored)) if stored else TicketLock(conversation_id)
            result = change(lock)
            pipe.multi()
            if lock.is_someone_waiting():
                pipe.set(key, lock.dumps())
            else:
                pipe.delete(key)
            return result

        return self.locks.red.transaction(step, key, value_from_callable=True)

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self.locks.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self.locks.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.locks.save_lock(lock)
