"""Rasa's REST channel, with the message checks of channels/checks.py and a clear 400
for a request that is not `{"sender": "...", "message": "..."}`.

Rasa's own channel answers a JSON list with a 500, a missing message with silence, and
files a missing sender under one shared conversation named "default".
"""
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage as BadRequest  # HTTP 400 (named BadRequest from Sanic 22)
from sanic.request import Request

from channels.checks import CONTROL_CHARACTERS, MAX_SENDER_CHARS, checked
from patches.resent_turns import REQUEST_ID
from stores.refusals import configured_refusals

REQUEST_ID_HEADER = "X-Request-Id"
MAX_REQUEST_ID_CHARS = 100


def _body(request: Request) -> Dict[Text, Any]:
    if not isinstance(request.json, dict):
        raise BadRequest('Send a JSON object: {"sender": "<conversation id>", "message": "<text>"}')
    return request.json


class CheckedRestInput(RestInput):
    """POST /webhooks/rest/webhook, as Rasa's; see the module docstring."""

    async def _extract_sender(self, request: Request) -> Optional[Text]:
        sender = _body(request).get("sender")
        if not isinstance(sender, str) or not sender.strip():
            raise BadRequest('"sender" must be a non-empty string: one per conversation')
        if len(sender) > MAX_SENDER_CHARS or CONTROL_CHARACTERS.search(sender):
            raise BadRequest(f'"sender" must be at most {MAX_SENDER_CHARS} characters, without control characters')
        return sender

    def _extract_message(self, request: Request) -> Optional[Text]:
        message = _body(request).get("message")
        if not isinstance(message, str):
            raise BadRequest('"message" must be a string')
        return message

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """The request's "metadata", and its X-Request-Id (set by HAProxy, or by the client):
        a request sent again with the same id gets the replies it got (patches/resent_turns.py)."""
        metadata = _body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise BadRequest('"metadata" must be a JSON object')
        request_id = request.headers.get(REQUEST_ID_HEADER)
        if request_id:
            metadata = {**(metadata or {}), REQUEST_ID: request_id[:MAX_REQUEST_ID_CHARS]}
        return metadata

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        return super().blueprint(checked(on_new_message, configured_refusals()))
