"""Custom actions: answer from the knowledge file and offer its topics.

The knowledge file is loaded (and checked) when the action server imports this
module, so a broken file stops start-up instead of producing wrong answers.
Set KNOWLEDGE_FILE to serve another file than the default.
"""
import os
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import choose_answer, fact_key
from actions.knowledge import DEFAULT_KNOWLEDGE_FILE, KnowledgeBase, load_knowledge
from actions.replies import fact_reply, missing_reply, topic_buttons, topic_titles

KNOWLEDGE = load_knowledge(os.environ.get("KNOWLEDGE_FILE", DEFAULT_KNOWLEDGE_FILE))

ASPECT_ENTITY = "aspect"

def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def asked_aspects(tracker: Tracker, knowledge: KnowledgeBase) -> List[str]:
    """Aspect ids named in the latest message, in the knowledge file's order of priority.

    A match inside a longer one is dropped ("code" inside "code books")."""
    spans = [
        (entity.get("start", 0), entity.get("end", 0), entity["value"])
        for entity in tracker.latest_message.get("entities") or []
        if entity.get("entity") == ASPECT_ENTITY and entity.get("value") in knowledge.aspects
    ]
    named = {
        value
        for start, end, value in spans
        if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
    }
    return [aspect_id for aspect_id in knowledge.aspects if aspect_id in named]


def offer_topics(dispatcher: CollectingDispatcher, knowledge: KnowledgeBase) -> None:
    dispatcher.utter_message(
        text=f"I can tell you about {topic_titles(knowledge)}. What would you like to know?",
        buttons=topic_buttons(knowledge),
    )


class ActionAnswer(Action):
    """Answers topic questions, follow-ups and "yes" to an offered topic."""

    def name(self) -> Text:
        return "action_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        facts_told = list(tracker.get_slot("facts_told") or [])
        answer = choose_answer(
            KNOWLEDGE,
            intent=latest_intent(tracker),
            aspect_ids=asked_aspects(tracker, KNOWLEDGE),
            topic_in_context=tracker.get_slot("topic"),
            facts_told=facts_told,
            suggested_topic=tracker.get_slot("suggested_topic"),
        )
        if answer.topic and answer.fact:
            key = fact_key(answer.topic, answer.fact)
            if key not in facts_told:
                facts_told.append(key)
            dispatcher.utter_message(text=fact_reply(KNOWLEDGE, answer.topic, answer.fact, facts_told))
            return [
                SlotSet("topic", answer.topic.id),
                SlotSet("facts_told", facts_told),
                SlotSet("suggested_topic", answer.topic.next),
            ]
        if answer.topic and answer.missing_aspect:
            dispatcher.utter_message(text=missing_reply(KNOWLEDGE, answer.topic, answer.missing_aspect))
            return [SlotSet("topic", answer.topic.id)]
        offer_topics(dispatcher, KNOWLEDGE)
        return []


class ActionOfferTopics(Action):
    """Lists the topics of the knowledge file, as text and as buttons.

    Runs after the greeting, "what can you do", and the replies to out-of-scope and
    unclear messages, so a student always sees what they can ask."""

    def name(self) -> Text:
        return "action_offer_topics"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        offer_topics(dispatcher, KNOWLEDGE)
        return [SlotSet("suggested_topic", None)]
