"""The speed patch of how Rasa calls the action server (patches/remote_action.py): the
response check still accepts what Rasa accepts and rejects a malformed response with
Rasa's message; the kept session reuses its connection, drops it when idle, answers after
the action server restarts, and sends what the standard library's JSON would."""
import asyncio

import jsonschema
import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import nlu_components.minilm_featurizer  # noqa: F401  (applies the patch, as in the Rasa server)
from patches import remote_action
from scripts.bot_servers import HOST, free_port

ACTION = RemoteAction("action_answer", None)
VALID = {"events": [{"event": "slot", "name": "topic", "value": "pay"}], "responses": [{"text": "hi"}]}
MALFORMED = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
    ["not", "an", "object"],
]


def test_the_server_loads_the_patch_with_the_model():
    assert RemoteAction._validate_action_result is remote_action._validate_action_result


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


async def action_server(port, client_ports, bodies=None):
    """A stand-in action server on `port` that notes each call's client port (and body)."""
    async def webhook(request):
        client_ports.append(request.transport.get_extra_info("peername")[1])
        if bodies is not None:
            bodies.append(await request.json())
        return web.json_response(VALID)

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, HOST, port).start()
    return runner


def test_action_calls_share_one_connection_until_it_is_idle(monkeypatch):
    monkeypatch.setattr(remote_action, "KEEP_ALIVE_SECONDS", 0.3)

    async def calls():
        port, client_ports = free_port(), []
        server = await action_server(port, client_ports)
        endpoint = EndpointConfig(f"http://{HOST}:{port}/webhook")
        answers = [await endpoint.request(json={"next_action": "action_answer"}) for _ in range(3)]
        await asyncio.sleep(1)  # idle for longer than KEEP_ALIVE_SECONDS: the connection is closed
        answers.append(await endpoint.request(json={"next_action": "action_answer"}))
        await server.cleanup()
        return answers, client_ports

    answers, client_ports = asyncio.run(calls())
    assert answers == [VALID] * 4
    assert client_ports[0] == client_ports[1] == client_ports[2] != client_ports[3]


def test_a_call_after_the_action_server_restarts_is_answered():
    async def calls():
        port, client_ports = free_port(), []
        endpoint = EndpointConfig(f"http://{HOST}:{port}/webhook")
        server = await action_server(port, client_ports)
        answers = [await endpoint.request(json={"next_action": "action_answer"})]
        await server.cleanup()
        server = await action_server(port, client_ports)
        answers.append(await endpoint.request(json={"next_action": "action_answer"}))
        await server.cleanup()
        return answers, client_ports

    answers, client_ports = asyncio.run(calls())
    assert answers == [VALID, VALID]
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
        await EndpointConfig(f"http://{HOST}:{port}/webhook").request(json=payload)
        await server.cleanup()
        return bodies

    assert asyncio.run(call()) == [payload]
