"""Custom actions: answer from the knowledge file and offer its topics.

The knowledge file is loaded (and checked) when the action server imports this
module, so a broken file stops start-up instead of producing wrong answers; the
embedding index of its example questions is built (or read from its cache) then too.
Set KNOWLEDGE_FILE to serve another file than the default.
"""
import os
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import Answer, Context, Message, choose_answer, fact_key
from actions.knowledge import DEFAULT_KNOWLEDGE_FILE, KnowledgeBase, load_knowledge
from actions.replies import (
    REPHRASE, clarifying_question, decline, fact_reply, missing_reply, option_buttons, topic_buttons, topic_titles,
)
from actions.understanding import AspectWords, FactIndex, Relevance, shared_encoder

KNOWLEDGE = load_knowledge(os.environ.get("KNOWLEDGE_FILE", DEFAULT_KNOWLEDGE_FILE))
FACT_INDEX = FactIndex.cached(KNOWLEDGE, shared_encoder())
RELEVANCE = Relevance(KNOWLEDGE)
ASPECT_WORDS = AspectWords(KNOWLEDGE)

ASPECT_ENTITY = "aspect"
FALLBACK_INTENT = "nlu_fallback"


def read_message(latest: Dict[Text, Any], knowledge: KnowledgeBase) -> Message:
    """From NLU's parse of a message (the tracker's latest message): the intent ranking
    (NLU's fallback taken out, but remembered as 'unsure'), the aspect words and whether
    the text names the career."""
    ranking = [
        (entry.get("name"), float(entry.get("confidence") or 0.0))
        for entry in latest.get("intent_ranking") or [latest.get("intent") or {}]
        if entry.get("name")
    ]
    unsure = any(name == FALLBACK_INTENT for name, _ in ranking[:1])
    text = latest.get("text") or ""
    aspect_ids = asked_aspects(latest, knowledge)
    return Message(
        intent_ranking=[(name, score) for name, score in ranking if name != FALLBACK_INTENT],
        aspect_ids=aspect_ids,
        aspect_weights=ASPECT_WORDS.weights(text, aspect_ids),
        names_career=RELEVANCE.names_the_career(text),
        unsure=unsure,
    )


def asked_aspects(latest: Dict[Text, Any], knowledge: KnowledgeBase) -> List[str]:
    """Aspect ids named in the latest message, in the knowledge file's order of priority.

    A match inside a longer one is dropped ("code" inside "code books")."""
    spans = [
        (entity.get("start", 0), entity.get("end", 0), entity["value"])
        for entity in latest.get("entities") or []
        if entity.get("entity") == ASPECT_ENTITY and entity.get("value") in knowledge.aspects
    ]
    named = {
        value
        for start, end, value in spans
        if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
    }
    return [aspect_id for aspect_id in knowledge.aspects if aspect_id in named]


def last_reply_was_mine(tracker: Tracker, action_name: str) -> bool:
    """Whether the bot's reply just before the latest message came from this action,
    so that "yes" answers only an offer made in that very reply."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name") == action_name
    return False


def offer_topics(dispatcher: CollectingDispatcher, knowledge: KnowledgeBase) -> None:
    dispatcher.utter_message(
        text=f"I can tell you about {topic_titles(knowledge)}. What would you like to know?",
        buttons=topic_buttons(knowledge),
    )


class ActionAnswer(Action):
    """Answers every question about the career, follow-ups and "yes"; asks which topic
    is meant when unsure; declines what is not about the career."""

    def name(self) -> Text:
        return "action_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        facts_told = list(tracker.get_slot("facts_told") or [])
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        offered: Optional[str] = tracker.get_slot("suggested_topic") if last_reply_was_mine(tracker, self.name()) else None
        message = read_message(latest, KNOWLEDGE)
        answer = choose_answer(
            KNOWLEDGE,
            message,
            Context(topic=tracker.get_slot("topic"), facts_told=facts_told, offered_topic=offered),
            # A button's payload ("/ask_pay{...}") names its answer; it has no words to match.
            ranking=FACT_INDEX.rank(text) if text.strip() and not text.startswith("/") else None,
        )
        return self.say(dispatcher, answer, facts_told, message.unsure)

    @staticmethod
    def say(dispatcher: CollectingDispatcher, answer: Answer, facts_told: List[str], unsure: bool) -> List[EventType]:
        if answer.told:
            for topic, fact in answer.told:
                if fact_key(topic, fact) not in facts_told:
                    facts_told.append(fact_key(topic, fact))
            dispatcher.utter_message(text=fact_reply(KNOWLEDGE, answer.told, facts_told))
            last_topic = answer.told[-1][0]
            return [
                SlotSet("topic", last_topic.id),
                SlotSet("facts_told", facts_told),
                SlotSet("suggested_topic", last_topic.next),
            ]
        if answer.missing:
            topic, aspect = answer.missing
            dispatcher.utter_message(text=missing_reply(KNOWLEDGE, topic, aspect))
            return [SlotSet("topic", topic.id), SlotSet("suggested_topic", None)]
        if answer.options:
            dispatcher.utter_message(
                text=clarifying_question(KNOWLEDGE, answer.options), buttons=option_buttons(KNOWLEDGE, answer.options)
            )
            return [SlotSet("suggested_topic", None)]
        if answer.out_of_scope:
            dispatcher.utter_message(text=decline(KNOWLEDGE))
        elif unsure:
            dispatcher.utter_message(text=REPHRASE)
        offer_topics(dispatcher, KNOWLEDGE)
        return [SlotSet("suggested_topic", None)]


class ActionOfferTopics(Action):
    """Lists the topics of the knowledge file, as text and as buttons.

    Runs after the greeting and "what can you do", so a student always sees what they
    can ask."""

    def name(self) -> Text:
        return "action_offer_topics"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        offer_topics(dispatcher, KNOWLEDGE)
        return [SlotSet("suggested_topic", None)]
