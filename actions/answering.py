"""Decide which fact answers a message, given what the conversation is about.

Pure functions over the knowledge base, so the rules for follow-ups ("and the
highest?", "tell me more", "yes") can be read and tested without Rasa.
"""
from dataclasses import dataclass
from typing import Collection, Optional, Sequence

from actions.knowledge import Aspect, Fact, KnowledgeBase, Topic

FOLLOW_UP_INTENT = "follow_up"
AFFIRM_INTENT = "affirm"


@dataclass(frozen=True)
class Answer:
    """What to say: a fact of a topic, or that the topic has no fact on an aspect.

    With neither a topic nor a fact, the message could not be placed in any topic.
    """

    topic: Optional[Topic] = None
    fact: Optional[Fact] = None
    missing_aspect: Optional[Aspect] = None


def fact_key(topic: Topic, fact: Fact) -> str:
    """A stable name for a fact, kept in the `facts_told` slot."""
    return f"{topic.id}/{topic.facts.index(fact)}"


def choose_answer(
    knowledge: KnowledgeBase,
    intent: Optional[str],
    aspect_ids: Sequence[str],
    topic_in_context: Optional[str],
    facts_told: Collection[str],
    suggested_topic: Optional[str],
) -> Answer:
    """Pick the answer to one message.

    - A topic question answers the asked-for aspect of that topic, else its headline.
    - "yes" accepts the topic the bot offered last.
    - A follow-up is read against the topic under discussion: the asked-for aspect,
      or, with no aspect ("tell me more"), the next fact not told yet. Without a topic
      under discussion, an aspect that only one topic has picks that topic.
    """
    asked_topic = knowledge.topic_for_intent(intent)
    if asked_topic:
        return Answer(asked_topic, _fact_for_any(asked_topic, aspect_ids) or asked_topic.headline)

    if intent == AFFIRM_INTENT:
        offered = knowledge.topics.get(suggested_topic or "")
        return Answer(offered, offered.headline) if offered else Answer()

    current = knowledge.topics.get(topic_in_context or "")
    if current is None:
        for aspect_id in aspect_ids:
            candidates = knowledge.topics_with_aspect(aspect_id)
            if len(candidates) == 1:
                return Answer(candidates[0], candidates[0].fact_for(aspect_id))
        return Answer()

    if aspect_ids:
        fact = _fact_for_any(current, aspect_ids)
        if fact:
            return Answer(current, fact)
        return Answer(current, missing_aspect=knowledge.aspects[aspect_ids[0]])

    untold = [fact for fact in current.facts if fact_key(current, fact) not in facts_told]
    if untold:
        return Answer(current, untold[0])
    following = knowledge.topics[current.next]
    return Answer(following, following.headline)


def _fact_for_any(topic: Topic, aspect_ids: Sequence[str]) -> Optional[Fact]:
    """The fact for the first of the aspects that this topic answers."""
    facts = (topic.fact_for(aspect_id) for aspect_id in aspect_ids)
    return next((fact for fact in facts if fact), None)
