"""A turn sent again gets the replies it already got, instead of being answered (and stored)
a second time.

HAProxy resends a turn when the Rasa server holding it dies (`retry-on empty-response` in
scripts/haproxy.cfg), and gives every request an `X-Request-Id` (a REST client may give its
own, to send a turn again safely). The REST channel keeps it in the message's metadata
(channels/rest.py), and Rasa stores that metadata with the user's event. Rasa stores a turn
before it sends the replies, so a server that dies between the two leaves a stored turn
whose replies the student never got; the resent request then finds it here:

- `MessageProcessor._handle_message_with_tracker` (called once the conversation is loaded,
  before the message is understood) raises `AlreadyAnswered` when the conversation holds a
  user event with the message's request id;
- `MessageProcessor.handle_message` catches it and sends the replies stored after that event
  to the output channel, as Rasa would have; nothing is understood, run or stored again.

Nothing changes on import: `apply()` (called by `patches.apply()`) rebinds both; Rasa's own
are kept as `RASAS_...`.
"""
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

#: The key of the request id in a message's metadata.
REQUEST_ID = "request_id"

RASAS_HANDLE_MESSAGE = MessageProcessor.handle_message
RASAS_HANDLE_MESSAGE_WITH_TRACKER = MessageProcessor._handle_message_with_tracker


class AlreadyAnswered(Exception):
    """The message's request was answered before: these are its replies."""

    def __init__(self, replies: List[BotUttered]) -> None:
        super().__init__("already answered")
        self.replies = replies


def request_id_of(metadata: Optional[Dict[Text, Any]]) -> Optional[Text]:
    value = (metadata or {}).get(REQUEST_ID)
    return value if isinstance(value, str) and value else None


def replies_to(tracker: DialogueStateTracker, request_id: Text) -> Optional[List[BotUttered]]:
    """The bot's replies to the user event with `request_id`; None if there is no such event."""
    replies: Optional[List[BotUttered]] = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if replies is not None:
                break
            if request_id_of(event.metadata) == request_id:
                replies = []
        elif replies is not None and isinstance(event, BotUttered):
            replies.append(event)
    return replies


async def _handle_message_with_tracker(
    self: MessageProcessor, message: UserMessage, tracker: DialogueStateTracker
) -> None:
    request_id = request_id_of(message.metadata)
    if request_id:
        replies = replies_to(tracker, request_id)
        if replies is not None:
            raise AlreadyAnswered(replies)
    await RASAS_HANDLE_MESSAGE_WITH_TRACKER(self, message, tracker)


async def _handle_message(self: MessageProcessor, message: UserMessage) -> Optional[List[Dict[Text, Any]]]:
    try:
        return await RASAS_HANDLE_MESSAGE(self, message)
    except AlreadyAnswered as answered:
        for reply in answered.replies:
            await message.output_channel.send_response(message.sender_id, reply.message())
        if isinstance(message.output_channel, CollectingOutputChannel):
            return message.output_channel.messages
        return None


def apply() -> None:
    MessageProcessor._handle_message_with_tracker = _handle_message_with_tracker
    MessageProcessor.handle_message = _handle_message
