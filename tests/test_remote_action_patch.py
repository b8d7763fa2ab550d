"""The speed patch of Rasa's action-response check (patches/remote_action.py)
still accepts what Rasa accepts and rejects a malformed response with Rasa's message."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import nlu_components.minilm_featurizer  # noqa: F401  (applies the patch, as in the Rasa server)
from patches import remote_action

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
