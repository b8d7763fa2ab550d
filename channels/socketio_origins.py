"""Rasa's socket.io channel, limited to the web origins allowed to embed the chat.

Rasa 3.6's `SocketIOInput` creates its server with `cors_allowed_origins=[]`, which
turns python-engineio's origin check off: any web page could open a chat socket.
This channel hands the `allowed_origins` of credentials.yml to engineio instead, so
a browser on another origin is refused (HTTP 400 "Not an accepted origin") on both
the polling and the websocket transport, and allowed origins get their CORS headers
from engineio. Clients that send no Origin header (not browsers) are not affected.

Messages pass the same checks as REST ones (channels/checks.py: length limit, control
characters, silent commands) before NLU.

Do not also pass `--cors` to `rasa run`: sanic-cors would add a second
Access-Control-Allow-Origin header, and browsers reject a response with two.
"""
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from channels.checks import checked
from stores.refusals import configured_refusals


class SocketIOWithAllowedOrigins(SocketIOInput):
    """`SocketIOInput` plus `allowed_origins`: a list of origins, or "*" for any."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = dict(credentials or {})
        allowed_origins = credentials.pop("allowed_origins", [])
        channel = super().from_credentials(credentials)
        channel.allowed_origins = _origins(allowed_origins)
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(checked(on_new_message, configured_refusals()))
        # engineio reads this on every request: refuses other origins, answers CORS.
        self.sio.eio.cors_allowed_origins = self.allowed_origins
        return socketio_webhook


def _origins(value: Any) -> Any:
    if value == "*":
        return "*"
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not value or not all(isinstance(o, str) for o in value):
        raise ValueError(f"credentials.yml: socket.io allowed_origins must be '*' or a list of origins, got {value!r}")
    return [origin.rstrip("/") for origin in value]
