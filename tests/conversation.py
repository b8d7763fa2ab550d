"""A conversation with the custom actions, run with a real rasa-sdk Tracker and
CollectingDispatcher, without a trained model.

`Conversation` carries the slots an action sets into the next turn, the way the Rasa
server does, so follow-ups can be tested; its actions answer from the `Assistant` it is
given (a made-up career, or the guide's file in tests/content/).
"""
from typing import Dict, List, Optional, Type

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionAnswer, AssistantAction
from actions.assistant import Assistant


class Conversation:
    """Carries slots and events from turn to turn. Messages have no text unless given,
    so the intent and aspects alone decide (the meaning match needs words)."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.slots: Dict[str, object] = {
            "topic": None, "facts_told": None, "suggested_topic": None, "last_fact": None, "misunderstandings": None,
        }
        self.events: List[dict] = []

    def say(
        self, intent: str, *aspects: str, action: Type[AssistantAction] = ActionAnswer,
        entities: Optional[List[dict]] = None, text: str = "", channel: str = "rest",
        ranking: Optional[List[dict]] = None,
    ) -> List[dict]:
        """Send one message with the given intent and aspects (or raw entities); return the
        bot's messages. Without `text` the message is a button's payload ("/ask_pay"),
        which names its intent."""
        text = text or f"/{intent}"
        if entities is None:
            entities = [{"entity": "aspect", "value": a, "start": 0, "end": len(a)} for a in aspects]
        latest = {"intent": {"name": intent, "confidence": 0.99}, "entities": entities, "text": text}
        if ranking:
            latest["intent_ranking"] = ranking
        self.events.append({"event": "user", "text": text, "parse_data": latest, "input_channel": channel})
        return self._run(action, latest)

    def then(self, action: Type[AssistantAction]) -> List[dict]:
        """Run another action after the last one, on the same message (as a form asks its
        next question after validating the answer)."""
        self.events = self.events[:-1]  # not listening yet
        latest = next(e["parse_data"] for e in reversed(self.events) if e["event"] == "user")
        return self._run(action, latest)

    def _run(self, action: Type[AssistantAction], latest: dict) -> List[dict]:
        """Run the action on the conversation so far and keep the slots it sets."""
        tracker = Tracker(
            sender_id="test",
            slots=dict(self.slots),
            latest_message=latest,
            events=list(self.events),
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )
        dispatcher = CollectingDispatcher()
        runner = action(self.assistant)
        for event in runner.run(dispatcher, tracker, {}):
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
        self.events += [{"event": "action", "name": runner.name()}, {"event": "action", "name": "action_listen"}]
        return dispatcher.messages

    def bot_says(self, response: str) -> None:
        """A reply by one of the domain's responses (utter_...), as a rule would give it."""
        self.events += [{"event": "action", "name": response}, {"event": "action", "name": "action_listen"}]

    def text(self, intent: str, *aspects: str, text: str = "") -> str:
        """The reply's text (over REST a second message may carry the sources as data)."""
        messages = self.say(intent, *aspects, text=text)
        assert [m for m in messages if m.get("text")] == messages[:1]
        return messages[0]["text"]


def lines(reply: str) -> List[str]:
    return reply.splitlines()
