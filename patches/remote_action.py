"""Patch of Rasa: how the Rasa server calls the action server.

1. Speed: every action server response is checked against a schema compiled once.
2. Speed: the Rasa server keeps its HTTP session to the action server, and the session
   keeps its connections, from one call to the next.
3. A student waits at most ACTION_SERVER_TIMEOUT seconds (default 10) for a slow action
   server, not Rasa's fixed 5 minutes; the channels then say "I can't look that up right
   now" (channels/checks.py), and the next message is answered as usual.

On 1: Rasa 3.6's `RemoteAction._validate_action_result` calls `jsonschema.validate(result,
schema)` for each custom action run; that call first re-checks the schema itself
against the JSON Schema meta-schema and builds a new validator, every time, which under
load cost more than anything else in a turn (docs/performance.md). Here the
same schema is checked once and its validator kept; every response is still
validated, and a malformed one is still rejected with Rasa's own message
(tests/test_remote_action_patch.py). Rasa's schema says each event is `oneOf` 23 kinds,
each with its own `event` name, so jsonschema tried all 23 on every event. A response is
first checked with each event against its own kind only, which accepts exactly what the
`oneOf` accepts; only a response that fails is read again with Rasa's schema, for Rasa's error.

On 2: Rasa's `EndpointConfig.request` opens a new aiohttp session, and with it a new TCP
connection, for every action call. Here the action server's endpoint keeps one session per
event loop: each RemoteAction (Rasa makes one per prediction) gets
its endpoint as an `ActionServerEndpoint`, the same configuration with the kept session,
made once per endpoint object. Every other endpoint (tracker store, NLG, ...) keeps Rasa's
own `session`. Idle connections are closed after KEEP_ALIVE_SECONDS, before the
action server (Sanic) closes them itself after 5 s, so no call goes out on a connection
being closed; a restarted action server closes its old connections, which the session
then drops (tests/test_failures.py stops the action server and brings it back). The
session writes its JSON with ujson (a Rasa dependency, faster for a request carrying the
conversation), the same objects as the standard library's.

On 3: Rasa's `RemoteAction.run` passes `rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT`
as its request timeout, and nothing else in that module reads it; the constant of the same
name that Rasa's other requests read (rasa.core.constants) is left alone.

Nothing changes on import: `apply()` (called by `patches.apply()`) rebinds Rasa's; Rasa's
own are kept as RASAS_VALIDATE, RASAS_INIT and RASAS_TIMEOUT.
"""
import asyncio
import contextlib
import copy
import os
from typing import Any, Dict, Optional, Text, Tuple

import aiohttp
import ujson
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions import action as rasa_actions
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.utils import endpoints
from rasa.utils.endpoints import EndpointConfig

_SCHEMA = RemoteAction.action_response_format_spec()
_VALIDATOR_CLASS = validator_for(_SCHEMA)
_VALIDATOR_CLASS.check_schema(_SCHEMA)
_VALIDATOR = _VALIDATOR_CLASS(_SCHEMA)


def _validators_by_event_kind(schema: Dict[Text, Any]) -> Optional[Tuple[Any, Dict[Text, Any]]]:
    """A validator of the response in which an event's name must be one of the kinds' names
    but its kind is not checked, and one validator per kind; None unless each kind fixes
    a name of its own (only then is this the same as the `oneOf`)."""
    kinds = schema["properties"]["events"]["items"]["oneOf"]
    names = [kind.get("properties", {}).get("event", {}).get("const") for kind in kinds]
    if None in names or len(set(names)) != len(names):
        return None
    response = copy.deepcopy(schema)
    items = response["properties"]["events"]["items"]
    del items["oneOf"]
    items["properties"]["event"] = {**items["properties"]["event"], "enum": names}
    _VALIDATOR_CLASS.check_schema(response)
    return _VALIDATOR_CLASS(response), {name: _VALIDATOR_CLASS(kind) for name, kind in zip(names, kinds, strict=True)}


_BY_EVENT_KIND = _validators_by_event_kind(_SCHEMA)


def _valid_by_event_kind(result: Any) -> bool:
    """True when Rasa's schema accepts `result`, found with each event checked against its
    own kind only; False when it may not."""
    if _BY_EVENT_KIND is None:
        return False
    response, by_kind = _BY_EVENT_KIND
    if not response.is_valid(result):
        return False
    return all(by_kind[event["event"]].is_valid(event) for event in result.get("events", []))


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Rasa's check, with the validator built once: the same error as `jsonschema.validate`
    would raise (its best match), with Rasa's message."""
    if _valid_by_event_kind(result):
        return True
    error = best_match(_VALIDATOR.iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


KEEP_ALIVE_SECONDS = 2


def _kept_session(endpoint: EndpointConfig) -> "contextlib.nullcontext[aiohttp.ClientSession]":
    """The endpoint's session for the running event loop, made as Rasa makes one (same
    headers, authentication and timeout) the first time, and kept: the `async with` of
    `EndpointConfig.request` gets it without closing it."""
    loop = asyncio.get_running_loop()
    kept = endpoint.__dict__.get("_kept_session")
    if kept is None or kept[0] is not loop or kept[1].closed:
        credentials = endpoint.basic_auth
        auth = aiohttp.BasicAuth(credentials["username"], credentials["password"]) if credentials else None
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=endpoints.DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_SECONDS),
            json_serialize=ujson.dumps,
        )
        kept = endpoint.__dict__["_kept_session"] = (loop, session)
    return contextlib.nullcontext(kept[1])


class ActionServerEndpoint(EndpointConfig):
    """The action server's endpoint, configured as Rasa read it, with a kept session."""

    def session(self) -> "contextlib.nullcontext[aiohttp.ClientSession]":  # type: ignore[override]
        return _kept_session(self)


def action_server_endpoint(endpoint: Optional[EndpointConfig]) -> Optional[EndpointConfig]:
    """`endpoint` as an ActionServerEndpoint (the same attributes), made once per endpoint
    object, so its session outlives the RemoteActions Rasa makes per prediction."""
    if endpoint is None or isinstance(endpoint, ActionServerEndpoint):
        return endpoint
    wrapped = endpoint.__dict__.get("_action_server_endpoint")
    if wrapped is None:
        wrapped = ActionServerEndpoint.__new__(ActionServerEndpoint)
        wrapped.__dict__.update(vars(endpoint))
        endpoint.__dict__["_action_server_endpoint"] = wrapped
    return wrapped


def _init(self: RemoteAction, name: Text, action_endpoint: Optional[EndpointConfig]) -> None:
    """Rasa's `RemoteAction.__init__`, given the action server's endpoint with its kept session."""
    RASAS_INIT(self, name, action_server_endpoint(action_endpoint))


def action_server_timeout() -> float:
    """ACTION_SERVER_TIMEOUT seconds (default 10)."""
    return float(os.environ.get("ACTION_SERVER_TIMEOUT") or 10)


RASAS_VALIDATE = RemoteAction._validate_action_result
RASAS_INIT = RemoteAction.__init__
RASAS_TIMEOUT = rasa_actions.DEFAULT_REQUEST_TIMEOUT


def apply() -> None:
    """Rebind Rasa's response check, RemoteAction's endpoint and its request timeout
    (idempotent: the timeout is read from ACTION_SERVER_TIMEOUT again)."""
    RemoteAction._validate_action_result = _validate_action_result
    RemoteAction.__init__ = _init
    rasa_actions.DEFAULT_REQUEST_TIMEOUT = action_server_timeout()
