"""The report's tables, counted from the classified conversations. Each table is both a
section of the page and a CSV file. Days and hours are the local time of the machine that
runs the report."""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import List, Sequence, Tuple

from actions.knowledge import KnowledgeBase
from report.conversations import Handling, Turn

Conversation = List[Turn]
#: Conversation lengths are counted in these ranges of turns (user messages): (first, last).
LENGTHS = ((1, 1), (2, 2), (3, 5), (6, 10), (11, 20), (21, None))


@dataclass(frozen=True)
class Table:
    """`name` names its CSV file; the first column heads each row."""

    name: str
    caption: str
    columns: Tuple[str, ...]
    rows: List[tuple]


def day_of(turn: Turn) -> str:
    return datetime.fromtimestamp(turn.timestamp).date().isoformat()


def per_day(conversations: Sequence[Conversation]) -> Table:
    messages = Counter(day_of(turn) for conversation in conversations for turn in conversation)
    talking = Counter(day for conversation in conversations for day in {day_of(turn) for turn in conversation})
    rows = [(day, talking[day], messages[day]) for day in sorted(messages)]
    return Table("per_day", "Conversations and messages per day", ("Day", "Conversations", "Messages"), rows)


def per_hour(turns: Sequence[Turn]) -> Table:
    messages = Counter(datetime.fromtimestamp(turn.timestamp).hour for turn in turns)
    rows = [(f"{hour:02d}:00–{hour:02d}:59", messages[hour]) for hour in range(24)]
    return Table("per_hour", "Messages by hour of the day (busiest hours)", ("Hour", "Messages"), rows)


def topics(turns: Sequence[Turn], knowledge: KnowledgeBase) -> Table:
    answered = Counter(turn.topic for turn in turns if turn.handling is Handling.ANSWERED)
    rows = [(_topic_title(knowledge, topic), count) for topic, count in answered.most_common()]
    return Table("topics", "What students ask: topics answered", ("Topic", "Answers"), rows)


def details(turns: Sequence[Turn], knowledge: KnowledgeBase) -> Table:
    answered = Counter((turn.topic, turn.fact) for turn in turns if turn.handling is Handling.ANSWERED)
    rows = [(fact, _topic_title(knowledge, topic), count) for (topic, fact), count in answered.most_common()]
    return Table("details", "What students ask: facts told", ("Fact", "Topic", "Answers"), rows)


def _topic_title(knowledge: KnowledgeBase, topic_id: str) -> str:
    """The topic's title, or its id when the knowledge file no longer has it."""
    topic = knowledge.topics.get(topic_id or "")
    return topic.title if topic else str(topic_id)


def handling(turns: Sequence[Turn]) -> Table:
    counts = Counter(turn.handling for turn in turns)
    total = len(turns) or 1
    rows = [(kind.value, counts[kind], f"{counts[kind] / total:.1%}") for kind in Handling]
    return Table("handling", "How each message was handled", ("Handling", "Messages", "Share"), rows)


def handling_per_day(turns: Sequence[Turn]) -> Table:
    counts = Counter((day_of(turn), turn.handling) for turn in turns)
    days = sorted({day for day, _ in counts})
    rows = [(day, *(counts[day, kind] for kind in Handling)) for day in days]
    columns = ("Day", *(kind.value for kind in Handling))
    return Table("handling_per_day", "How messages were handled, per day", columns, rows)


def clarifications(turns: Sequence[Turn]) -> Table:
    chosen = Counter(turn.chosen_fact or "no button chosen" for turn in turns if turn.handling is Handling.CLARIFIED)
    rows = chosen.most_common()
    return Table("clarifications", "After a clarifying question: the button chosen", ("Fact chosen", "Times"), rows)


def lengths(conversations: Sequence[Conversation]) -> Table:
    counts = Counter(len(conversation) for conversation in conversations)
    rows = [
        (_length_label(first, last), sum(n for turns, n in counts.items() if first <= turns <= (last or turns)))
        for first, last in LENGTHS
    ]
    return Table("lengths", "Conversation length", ("Turns", "Conversations"), rows)


def _length_label(first: int, last: int) -> str:
    if last is None:
        return f"{first} or more"
    return str(first) if first == last else f"{first}–{last}"


def returning(conversations: Sequence[Conversation]) -> Table:
    """A student who came back: the same conversation (sender) on more than one day."""
    came_back = sum(len({day_of(turn) for turn in conversation}) > 1 for conversation in conversations)
    rows = [("All conversations", len(conversations)), ("Came back another day", came_back)]
    return Table("returning", "Students who came back", ("Conversations", "Count"), rows)
