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
