"""Compose the bot's words from knowledge entries: the fact, its source, a next step."""
from typing import Collection, Dict, List, Sequence

from actions.answering import FactRef, fact_key
from actions.knowledge import Aspect, Fact, KnowledgeBase, Topic

#: Parts of a reply go on lines of their own. The web widget renders bot text as
#: markdown, where a line break needs two trailing spaces (invisible in plain text);
#: a blank line would make Rasa's socket.io channel split the reply into messages.
LINE_BREAK = "  \n"


def join_words(items: Sequence[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def citation(fact: Fact) -> str:
    """'Source: <title>, <year>.' with the title linked where the source has an address."""
    source = fact.source
    title = f"[{source.title}]({source.url})" if source.url else source.title
    year = f", {fact.year}" if fact.year else ""
    return f"Source: {title}{year}."


def untold_aspect_labels(
    knowledge: KnowledgeBase, topic: Topic, facts_told: Collection[str]
) -> List[str]:
    """Labels of the details of a topic the student has not heard yet."""
    return [
        knowledge.aspects[fact.aspects[0]].label
        for fact in topic.facts
        if fact.aspects and fact_key(topic, fact) not in facts_told
    ]


def fact_reply(knowledge: KnowledgeBase, told: Sequence[FactRef], facts_told: Collection[str]) -> str:
    """Each fact (two when the message asked two things) with its source, then what
    to ask next about the last one's topic.

    `facts_told` already includes these facts.
    """
    topic = told[-1][0]
    following = knowledge.topics[topic.next]
    more = untold_aspect_labels(knowledge, topic, facts_told)
    if more:
        next_step = f"You can also ask about {join_words(more)}, or shall I tell you about {following.title}?"
    else:
        next_step = f"Shall I tell you about {following.title} next?"
    parts = [line for _, fact in told for line in (fact.text, citation(fact))]
    return LINE_BREAK.join(parts + [next_step])


def clarifying_question(knowledge: KnowledgeBase, options: Sequence[FactRef]) -> str:
    return f"I want to get this right: is your question about {join_words([option_title(knowledge, t, f) for t, f in options])}?"


def option_title(knowledge: KnowledgeBase, topic: Topic, fact: Fact) -> str:
    """'pay' for a topic's headline, 'pay: the highest pay' for one of its details."""
    if fact is topic.headline or not fact.aspects:
        return topic.title
    return f"{topic.title}: {knowledge.aspects[fact.aspects[0]].label}"


def option_buttons(knowledge: KnowledgeBase, options: Sequence[FactRef]) -> List[Dict[str, str]]:
    """One button per option; its payload asks for exactly that fact, so a click
    answers the original question."""
    buttons = []
    for topic, fact in options:
        aspect = f'{{"aspect": "{fact.aspects[0]}"}}' if fact.aspects and fact is not topic.headline else ""
        title = option_title(knowledge, topic, fact)
        buttons.append({"title": title[0].upper() + title[1:], "payload": f"/{topic.intent}{aspect}"})
    return buttons


def missing_reply(knowledge: KnowledgeBase, topic: Topic, aspect: Aspect) -> str:
    """An honest "I don't know" for a detail the knowledge file does not have,
    with where that detail is known and what is known about the topic."""
    lines = [f"Sorry, I don't have information about {aspect.label} for {topic.title}."]
    elsewhere = [other.title for other in knowledge.topics_with_aspect(aspect.id)]
    if elsewhere:
        lines.append(f"I can tell you {aspect.label} for {join_words(elsewhere)}.")
    known = untold_aspect_labels(knowledge, topic, facts_told=()) or [topic.title]
    lines.append(f"On {topic.title} I can tell you about {join_words(known)}.")
    return LINE_BREAK.join(lines)


def decline(knowledge: KnowledgeBase) -> str:
    """For messages that are not about the career at all."""
    return f"Sorry, I can't help with that: I only know about becoming a {knowledge.career_name}."


REPHRASE = "Sorry, I didn't quite understand that. Could you rephrase it?"


def topic_titles(knowledge: KnowledgeBase) -> str:
    return join_words([topic.title for topic in knowledge.topics.values()])


def topic_buttons(knowledge: KnowledgeBase) -> List[Dict[str, str]]:
    """Quick replies that ask each topic's question directly by its intent."""
    return [{"title": topic.button, "payload": f"/{topic.intent}"} for topic in knowledge.topics.values()]
