"""Per-conversation locks: in this process for one Rasa server, in Redis for several.

Rasa processes the messages of one conversation one at a time by taking a lock on it. With
several Rasa servers sharing conversations the lock must be shared too: set
`LOCK_STORE_URL=redis://host:6379/1` and every server uses Rasa's RedisLockStore there.
Rasa's RedisLockStore changes a lock by reading it, then writing it back: two servers that
get a message of one conversation at the same moment can both take ticket 0 and answer
at once (tests/test_several_servers.py caught it). Here each change is one Lua script that
Redis runs atomically: Rasa's ticket rules, written in Lua, in one round trip. (A WATCH /
MULTI transaction would take three round trips a change, each holding up the server's
event loop; docs/performance.md has the figures.)

Unset, the lock lives in the server's memory, which is right for a single server process;
several Sanic workers (SANIC_WORKERS > 1) are refused without Redis, since Rasa would
otherwise let each worker lock the same conversation in its own memory.
"""
import logging
import os
import time
from typing import Any, AsyncContextManager, Optional, Text
from urllib.parse import urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore

logger = logging.getLogger(__name__)

LOCK_URL_VARIABLE = "LOCK_STORE_URL"
# Seconds a turn may hold its conversation's lock. Rasa's default is 60 (its variable
# TICKET_LOCK_LIFETIME still sets it): a Rasa server killed mid-turn leaves its ticket behind,
# and the conversation waits until it expires; 20 s is twice ACTION_SERVER_TIMEOUT's default,
# far above a turn's usual time under load.
LOCK_LIFETIME_SECONDS = float(os.environ.get("TICKET_LOCK_LIFETIME") or 20)

# Rasa's TicketLock (rasa/core/lock.py) changed in Redis: the lock is JSON, its tickets a list
# of JSON texts {"number", "expires"}; expired tickets (now > expires) go first; a new ticket
# is the last one's number + 1 (0 when none is left); a lock with no ticket left is deleted.
# KEYS[1]: the lock. ARGV: now (s), the change ("issue", "remove" or "expire"), its value
# (the lifetime in s to issue, the number to remove), the conversation id. Returns the
# number issued; nothing when the lock is missing (only "issue" creates one).
_CHANGE_LOCK = """
local stored = redis.call('GET', KEYS[1])
local now, change, value = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
if not stored and change ~= 'issue' then return nil end
local tickets = {}
if stored then
  for _, text in ipairs(cjson.decode(stored)['tickets']) do
    local ticket = cjson.decode(text)
    if now <= ticket['expires'] then table.insert(tickets, ticket) end
  end
end
local issued = nil
if change == 'issue' then
  issued = 0
  if #tickets > 0 then issued = tickets[#tickets]['number'] + 1 end
  table.insert(tickets, {number = issued, expires = now + value})
elseif change == 'remove' then
  for index, ticket in ipairs(tickets) do
    if ticket['number'] == value then table.remove(tickets, index) break end
  end
end
if #tickets == 0 then
  redis.call('DEL', KEYS[1])
else
  local texts = {}
  for index, ticket in ipairs(tickets) do texts[index] = cjson.encode(ticket) end
  redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[4], tickets = texts}))
end
return issued
"""


class LockStoreUnavailable(ConnectionError):
    """The Redis server for locks could not be reached; the message names it and why."""


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store, each change of a lock one atomic step of Redis (_CHANGE_LOCK)
    instead of a read followed by a write."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._change_lock = self.red.register_script(_CHANGE_LOCK)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._in_redis(conversation_id, "issue", lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        self._in_redis(conversation_id, "expire")

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        self._in_redis(conversation_id, "remove", ticket_number)

    def _in_redis(self, conversation_id: Text, change: Text, value: float = 0) -> Optional[int]:
        key = self.key_prefix + conversation_id
        return self._change_lock(keys=[key], args=[repr(time.time()), change, repr(value), conversation_id])


def redis_lock_store(url: str) -> AtomicRedisLockStore:
    """The Redis lock store at `url` (redis://[:password@]host[:port][/db]), checked once."""
    import redis

    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise LockStoreUnavailable(f"{LOCK_URL_VARIABLE}={url!r} is not a redis://host:port/db URL")
    store = AtomicRedisLockStore(
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
    """The lock store endpoints.yml names: the atomic Redis one when LOCK_STORE_URL is set,
    Rasa's in-memory one otherwise. Rasa's `lock()` runs here, on the chosen store's
    ticket changes."""

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
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME_SECONDS,
        wait_time_in_seconds: float = RETRY_SECONDS,
    ) -> AsyncContextManager[TicketLock]:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self.locks.issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        self.locks.update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        self.locks.cleanup(conversation_id, ticket_number)

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self.locks.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self.locks.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.locks.save_lock(lock)
