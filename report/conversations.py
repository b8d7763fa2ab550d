"""How each student message was handled, read from the events that follow it.

Pure functions of Rasa's event dictionaries (the `data` column of the events table), so
they can be tested on hand-built lists. The bot's replies are recognised by the very
constants that compose them (actions/replies.py), so a reworded reply cannot silently
fall out of the report.
"""
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Dict, List, Optional, Sequence, Tuple

from actions.replies import ADVISOR_INTRO, ADVISOR_OFFER, CLARIFYING_OPENER, ENGLISH_ONLY
from stores.refusals import TOO_LONG

ADVISOR_ACTION = "action_advisor_contact"
#: The slots whose values the classification reads (Rasa stores a slot's name as action_name).
READ_SLOTS = ("topic", "last_fact", "misunderstandings")


class Handling(str, Enum):
    ANSWERED = "answered"
    CLARIFIED = "clarified"
    DECLINED = "declined as off-topic"
    OTHER_LANGUAGE = "other language"
    ADVISOR = "handed to an advisor"
    NOT_UNDERSTOOD = "asked to rephrase"
    UNAVAILABLE = "action server unreachable"
    TOO_LONG = "refused as too long"
    OTHER = "other (greeting, source, thanks...)"


#: What the bot could not answer: the student's text is worth an advisor's reading.
NOT_ANSWERED = (Handling.CLARIFIED, Handling.DECLINED, Handling.NOT_UNDERSTOOD)


@dataclass
class Response:
    """What followed one user message until the next: the bot's texts, actions and slots."""

    texts: List[str] = field(default_factory=list)
    actions: List[str] = field(default_factory=list)
    slots: Dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    """One student message and how it was handled. `chosen_fact`: after a clarifying
    question, the fact of the button the student then pressed."""

    timestamp: float
    text: str
    handling: Handling
    topic: Optional[str] = None
    fact: Optional[str] = None
    chosen_fact: Optional[str] = None
    followed_by_advisor: bool = False
    next_text: Optional[str] = None


def refused_turns(refusals: Sequence[Tuple[float, str]]) -> List[Turn]:
    """The messages the channels refused (stores/refusals.py), as turns without text."""
    handled_as = {TOO_LONG: Handling.TOO_LONG}
    return [Turn(timestamp=timestamp, text="", handling=handled_as[reason]) for timestamp, reason in refusals]


def is_button_payload(text: str) -> bool:
    return text.startswith("/")


def classify(events: Sequence[Dict[str, Any]], decline_sentence: str) -> List[Turn]:
    """Every user message of one conversation, in order, with how it was handled and what
    the student did next. `decline_sentence`: `actions.replies.decline(knowledge)`."""
    messages = _responses(events)
    turns = [
        Turn(
            timestamp=user["timestamp"],
            text=user.get("text") or "",
            handling=handling(response, decline_sentence),
            topic=response.slots.get("topic"),
            fact=response.slots.get("last_fact"),
        )
        for user, response in messages
    ]
    following = [*turns[1:], None] if turns else []
    return [_with_next(turn, after) for turn, after in zip(turns, following, strict=True)]


def _responses(events: Sequence[Dict[str, Any]]) -> List[Tuple[Dict[str, Any], Response]]:
    """Each user event with the Response made of the events after it."""
    messages: List[Tuple[Dict[str, Any], Response]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            messages.append((event, Response()))
        elif not messages:
            continue
        elif kind == "bot" and event.get("text"):
            messages[-1][1].texts.append(event["text"])
        elif kind == "action":
            messages[-1][1].actions.append(event.get("name"))
        elif kind == "slot" and event.get("name") in READ_SLOTS:
            messages[-1][1].slots[event["name"]] = event.get("value")
    return messages


def handling(response: Response, decline_sentence: str) -> Handling:
    """How the bot handled a message, from its reply. The advisor offer comes on top of a
    misunderstanding's reply, and the other-language reply names the advisors too: the
    order of the checks settles which counts."""
    said = "\n".join(response.texts)
    if not response.texts:  # every message gets a reply; silence is the action server failing
        return Handling.UNAVAILABLE
    if ENGLISH_ONLY in said:
        return Handling.OTHER_LANGUAGE
    if ADVISOR_ACTION in response.actions or ADVISOR_OFFER in said or said.startswith(ADVISOR_INTRO):
        return Handling.ADVISOR
    if response.slots.get("last_fact"):
        return Handling.ANSWERED
    if said.startswith(CLARIFYING_OPENER):
        return Handling.CLARIFIED
    if decline_sentence in said:
        return Handling.DECLINED
    if (response.slots.get("misunderstandings") or 0) >= 1:
        return Handling.NOT_UNDERSTOOD
    return Handling.OTHER


def _with_next(turn: Turn, following: Optional[Turn]) -> Turn:
    """The turn, with what the student's next message says about it."""
    if following is None:
        return turn
    pressed_button = is_button_payload(following.text)
    return replace(
        turn,
        chosen_fact=following.fact if turn.handling is Handling.CLARIFIED and pressed_button else None,
        followed_by_advisor=following.handling is Handling.ADVISOR and turn.handling is not Handling.ADVISOR,
        next_text=None if pressed_button else following.text,
    )
