"""What the public channels (REST and socket.io) check before a message reaches NLU.

- A message longer than MAX_MESSAGE_CHARS gets TOO_LONG_REPLY at once and goes no further:
  NLU's cost grows with the square of a message's length (100 KB held the server 51 s,
  and nobody else was answered meanwhile). The longest real question we have seen is
  under 300 characters. That it happened (when, not what nor who) is noted in the
  conversation store for the advisors' report (stores/refusals.py).
- NUL and other control characters are removed (PostgreSQL cannot store NUL); line breaks
  and tabs stay.
- Rasa's built-in /back and /session_start, typed by a student, would change the
  conversation without a reply: they are read as ordinary words. Button payloads
  (/ask_pay{"aspect": "highest"}) and /restart stay commands.
- A message that got no reply at all (the action server down, slower than
  ACTION_SERVER_TIMEOUT, or any other failure Rasa only logs) gets UNAVAILABLE_REPLY:
  every message of this bot has a reply, so silence always means a failure.
"""
import re
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import OutputChannel, UserMessage

from stores.refusals import TOO_LONG, RefusalLog

MAX_MESSAGE_CHARS = 1000
MAX_SENDER_CHARS = 255  # the conversation store's sender_id column
TOO_LONG_REPLY = (
    f"That message is too long for me (over {MAX_MESSAGE_CHARS:,} characters). "
    "Please shorten your question and ask again."
)
NOT_TEXT_REPLY = "Please send your question as text."
UNAVAILABLE_REPLY = "Sorry, I can't look that up right now. Please try again in a moment."
SILENT_COMMANDS = re.compile(r"^/+(back|session_start)\b")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

MessageHandler = Callable[[UserMessage], Awaitable[Any]]


def readable(text: str) -> str:
    """The text NLU gets: control characters removed, silent commands read as words."""
    text = CONTROL_CHARACTERS.sub("", text)
    return SILENT_COMMANDS.sub(lambda found: found.group(1).replace("_", " "), text)


def checked(on_new_message: MessageHandler, refusals: Optional[RefusalLog] = None) -> MessageHandler:
    """`on_new_message`, behind the checks above; refused messages get their reply here, and
    a message refused as too long is noted in `refusals` (if given)."""

    async def handle(message: UserMessage) -> Any:
        if not isinstance(message.text, str):
            return await message.output_channel.send_text_message(message.sender_id, NOT_TEXT_REPLY)
        if len(message.text) > MAX_MESSAGE_CHARS:
            await message.output_channel.send_text_message(message.sender_id, TOO_LONG_REPLY)
            if refusals is not None:
                await refusals.record_soon(TOO_LONG)
            return None
        message.text = readable(message.text)
        replies = _count_replies(message.output_channel)
        try:
            return await on_new_message(message)
        finally:
            if not replies():
                await message.output_channel.send_text_message(message.sender_id, UNAVAILABLE_REPLY)

    return handle


def _count_replies(output_channel: OutputChannel) -> Callable[[], int]:
    """Count what Rasa sends on this message's own output channel (its `send_response`)."""
    sent = 0
    send_response = output_channel.send_response

    async def counted(recipient_id: str, message: dict) -> None:
        nonlocal sent
        sent += 1
        await send_response(recipient_id, message)

    output_channel.send_response = counted
    return lambda: sent
