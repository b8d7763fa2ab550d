"""The patch of how Rasa calls the action server (patches/remote_action.py): the response
check still accepts what Rasa accepts and rejects a malformed response with Rasa's message;
the action server's endpoint, and no other, keeps its session across RemoteActions, which
reuses its connection, drops it when idle, answers after the action server restarts, and
sends what the standard library's JSON would; a slow action server is given up after
ACTION_SERVER_TIMEOUT seconds."""
import asyncio
import json
import time

import jsonschema
import pytest
from aiohttp import web
from rasa.core.actions import action as rasa_actions
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import patches
from patches import remote_action
from scripts.ports import HOST, free_port

ACTION = RemoteAction("action_answer", None)
VALID = {"events": [{"event": "slot", "name": "topic", "value": "pay"}], "responses": [{"text": "hi"}]}
MALFORMED = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
    ["not", "an", "object"],
]


@pytest.fixture(autouse=True)
def patched(monkeypatch):
    """Each test runs with patches.apply() applied to Rasa's own, and what was there before
    back afterwards (a test may apply it again, with another ACTION_SERVER_TIMEOUT)."""
    monkeypatch.delenv("ACTION_SERVER_TIMEOUT", raising=False)
    monkeypatch.setattr(RemoteAction, "_validate_action_result", remote_action.RASAS_VALIDATE)
    monkeypatch.setattr(RemoteAction, "__init__", remote_action.RASAS_INIT)
    monkeypatch.setattr(rasa_actions, "DEFAULT_REQUEST_TIMEOUT", remote_action.RASAS_TIMEOUT)
    patches.apply()


def test_apply_rebinds_rasas_and_keeps_rasas_own():
    assert RemoteAction._validate_action_result is remote_action._validate_action_result
    assert RemoteAction.__init__ is remote_action._init
    assert remote_action.RASAS_VALIDATE.__module__ == remote_action.RASAS_INIT.__module__ == "rasa.core.actions.action"
    assert remote_action.RASAS_TIMEOUT == 300  # Rasa's 5 minutes
    assert rasa_actions.DEFAULT_REQUEST_TIMEOUT == 10  # ACTION_SERVER_TIMEOUT's default


def test_a_valid_response_passes():
    assert ACTION._validate_action_result(VALID)
    jsonschema.validate(VALID, RemoteAction.action_response_format_spec())  # as stock Rasa would


@pytest.mark.parametrize("response", MALFORMED)
def test_a_malformed_response_is_rejected_as_stock_rasa_rejects_it(response):
    with pytest.raises(jsonschema.ValidationError) as stock:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as patched:
        ACTION._validate_action_result(response)
    assert patched.value.message.startswith(stock.value.message)
    assert "Failed to validate Action server response" in patched.value.message


def events_of_every_kind():
    """For each kind of event in Rasa's schema: the bare event, and the event with each of
    its typed fields given a value of a wrong type."""
    kinds = RemoteAction.action_response_format_spec()["properties"]["events"]["items"]["oneOf"]
    for kind in kinds:
        name = kind["properties"]["event"]["const"]
        yield {"event": name}
        for field, rule in kind["properties"].items():
            if field != "event" and "type" in rule:
                yield {"event": name, field: 1 if "object" in rule["type"] else {}}


RESPONSES = [
    *({"events": [event], "responses": []} for event in events_of_every_kind()),
    VALID, *MALFORMED, {"responses": []}, {"events": []}, {"events": [{"timestamp": 1}]},
]


@pytest.mark.parametrize("response", RESPONSES, ids=str)
def test_checking_each_event_by_its_kind_judges_as_rasas_schema(response):
    assert remote_action._valid_by_event_kind(response) == remote_action._VALIDATOR.is_valid(response)


async def action_server(port, client_ports, bodies=None, delay=0.0):
    """A stand-in action server on `port` that notes each call's client port (and body),
    and answers after `delay` seconds."""
    async def webhook(request):
        client_ports.append(request.transport.get_extra_info("peername")[1])
        if bodies is not None:
            bodies.append(await request.json())
        await asyncio.sleep(delay)
        return web.json_response(VALID)

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, HOST, port).start()
    return runner


async def run_action(endpoint):
    """A custom action run as the Rasa server runs one: by a new RemoteAction."""
    tracker = DialogueStateTracker("remote-action-test", [])
    return await RemoteAction("action_answer", endpoint).run(
        CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, Domain.empty()
    )


ANSWER = [BotUttered("hi"), SlotSet("topic", "pay")]


def test_remote_actions_of_one_endpoint_share_its_kept_session():
    endpoint = EndpointConfig(
        "http://x/webhook", params={"p": 1}, headers={"h": "v"}, basic_auth={"username": "u", "password": "p"},
        token="t", token_name="n", cafile="ca.pem", store_type="kind", extra="e",
    )
    first, second = RemoteAction("action_a", endpoint), RemoteAction("action_b", endpoint)
    assert first.action_endpoint is second.action_endpoint
    assert isinstance(first.action_endpoint, remote_action.ActionServerEndpoint)
    assert type(endpoint) is EndpointConfig  # Rasa's, and its other users', unchanged
    for name in ("url", "params", "headers", "basic_auth", "token", "token_name", "type", "cafile", "kwargs"):
        assert getattr(first.action_endpoint, name) == getattr(endpoint, name), name
    assert RemoteAction("action_c", None).action_endpoint is None

    async def sessions():
        with first.action_endpoint.session() as one, second.action_endpoint.session() as other:
            await one.close()
            return one, other

    kept = asyncio.run(sessions())
    assert kept[0] is kept[1]


def test_other_endpoints_keep_rasas_session():
    """The tracker store's, NLG's, ... endpoints are Rasa's own: a new session each time,
    writing JSON with the standard library."""
    assert EndpointConfig.session.__qualname__ == "EndpointConfig.session"
    assert EndpointConfig.session.__module__ == "rasa.utils.endpoints"

    async def sessions():
        endpoint = EndpointConfig("http://x")
        made = [endpoint.session(), endpoint.session()]
        for session in made:
            await session.close()
        return made

    made = asyncio.run(sessions())
    assert made[0] is not made[1]
    assert all(type(session).__name__ == "ClientSession" and session._json_serialize is json.dumps for session in made)


def test_action_calls_share_one_connection_until_it_is_idle(monkeypatch):
    monkeypatch.setattr(remote_action, "KEEP_ALIVE_SECONDS", 0.3)

    async def calls():
        port, client_ports = free_port(), []
        server = await action_server(port, client_ports)
        endpoint = EndpointConfig(f"http://{HOST}:{port}/webhook")
        answers = [await run_action(endpoint) for _ in range(3)]
        await asyncio.sleep(1)  # idle for longer than KEEP_ALIVE_SECONDS: the connection is closed
        answers.append(await run_action(endpoint))
        await server.cleanup()
        return answers, client_ports

    answers, client_ports = asyncio.run(calls())
    assert answers == [ANSWER] * 4
    assert client_ports[0] == client_ports[1] == client_ports[2] != client_ports[3]


def test_a_call_after_the_action_server_restarts_is_answered():
    async def calls():
        port, client_ports = free_port(), []
        endpoint = EndpointConfig(f"http://{HOST}:{port}/webhook")
        server = await action_server(port, client_ports)
        answers = [await run_action(endpoint)]
        await server.cleanup()
        server = await action_server(port, client_ports)
        answers.append(await run_action(endpoint))
        await server.cleanup()
        return answers, client_ports

    answers, client_ports = asyncio.run(calls())
    assert answers == [ANSWER, ANSWER]
    assert client_ports[0] != client_ports[1]  # a new connection to the new server


def test_the_action_server_reads_the_objects_rasa_sent():
    """The kept session writes its JSON with ujson: floats to the last digit, text with
    accents, quotes, slashes and new lines, None and booleans arrive unchanged."""
    event = {"event": "user", "text": 'caf\u00e9 / 50% \u2713 "so" \\ \n', "confidence": 0.30000000000000004,
             "timestamp": 1764258000.123456, "tiny": 1e-7, "large": 12345678901234567890, "none": None,
             "flags": [True, False], "nested": {"list": [1, 2.5, "x"]}}
    payload = {"next_action": "action_answer", "tracker": {"events": [event] * 3}}

    async def call():
        port, bodies = free_port(), []
        server = await action_server(port, [], bodies)
        await remote_action.action_server_endpoint(EndpointConfig(f"http://{HOST}:{port}/webhook")).request(json=payload)
        await server.cleanup()
        return bodies

    assert asyncio.run(call()) == [payload]


def test_a_slow_action_server_is_waited_for_up_to_action_server_timeout(monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_TIMEOUT", "1.5")
    patches.apply()  # again: it reads ACTION_SERVER_TIMEOUT
    assert rasa_actions.DEFAULT_REQUEST_TIMEOUT == 1.5

    async def call(delay):
        port = free_port()
        server = await action_server(port, [], delay=delay)
        started = time.monotonic()
        try:
            return await run_action(EndpointConfig(f"http://{HOST}:{port}/webhook"))
        except Exception as error:
            return error
        finally:
            waited = time.monotonic() - started
            await server.cleanup()
            waits.append(waited)

    waits = []
    assert asyncio.run(call(0.5)) == ANSWER  # slow, but within the timeout
    assert isinstance(asyncio.run(call(6)), asyncio.TimeoutError)  # the channels then say so (channels/checks.py)
    assert 0.5 <= waits[0] < 1.5 <= waits[1] < 3
