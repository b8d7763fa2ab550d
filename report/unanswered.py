"""The questions the bot could not answer, grouped by meaning with the bot's own sentence
encoder, each group with the knowledge file's closest fact.

A message counts as not answered when the bot clarified it, declined it, asked for a
rephrase, or when the student's next message asked for a person or re-asked it in other
words. Only these texts are read here.
"""
from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np

from actions.answering import DEFAULT_TUNING
from actions.understanding import FactIndex, FactMatch
from nlu_components.minilm import MiniLMEncoder
from report.conversations import NOT_ANSWERED, Turn, is_button_payload
from report.tables import Table

#: Two questions at least this close (cosine of their sentence vectors) ask the same thing.
GROUP_SIMILARITY = 0.7
#: A student's next message at least this close to their previous one re-asks it.
REPHRASE_SIMILARITY = 0.75
#: Example texts shown per group on the page (the CSV and suggested questions list all).
EXAMPLES_SHOWN = 5
HIDDEN = "(hidden: REPORT_SHOW_TEXT=0)"


@dataclass(frozen=True)
class Group:
    """Distinct texts that ask the same thing, with how often each was sent, most first."""

    texts: List[Tuple[str, int]]
    closest: FactMatch

    @property
    def messages(self) -> int:
        return sum(count for _, count in self.texts)


def unanswered(turns: Sequence[Turn], encoder: MiniLMEncoder) -> Counter:
    """How often each not-answered text was sent (button payloads are not questions)."""
    typed = [turn for turn in turns if not is_button_payload(turn.text)]
    vectors = embeddings(encoder, [text for turn in typed for text in (turn.text, turn.next_text) if text])
    return Counter(
        turn.text
        for turn in typed
        if turn.handling in NOT_ANSWERED
        or turn.followed_by_advisor
        or (turn.next_text and float(vectors[turn.text] @ vectors[turn.next_text]) >= REPHRASE_SIMILARITY)
    )


def embeddings(encoder: MiniLMEncoder, texts: Iterable[str]) -> Dict[str, np.ndarray]:
    """Each distinct text's normalised sentence vector, each encoded once."""
    distinct = list(dict.fromkeys(texts))
    return dict(zip(distinct, encoder.encode(distinct), strict=True)) if distinct else {}


def grouped(texts: Counter, fact_index: FactIndex) -> List[Group]:
    """Greedy grouping, most sent first: a text joins the first group whose first text is
    at least GROUP_SIMILARITY close, or starts a new one."""
    ordered = [text for text, _ in texts.most_common()]
    vectors = embeddings(fact_index.encoder, ordered)
    leaders: List[np.ndarray] = []
    members: List[List[Tuple[str, int]]] = []
    for text in ordered:
        similarities = np.array([leader @ vectors[text] for leader in leaders])
        if leaders and similarities.max() >= GROUP_SIMILARITY:
            members[int(similarities.argmax())].append((text, texts[text]))
        else:
            leaders.append(vectors[text])
            members.append([(text, texts[text])])
    groups = [Group(group, fact_index.rank(group[0][0]).facts[0]) for group in members]
    return sorted(groups, key=lambda group: -group.messages)


def groups_table(groups: Sequence[Group], show_text: bool) -> Table:
    rows = [
        (
            number,
            group.messages,
            " | ".join(text for text, _ in group.texts[:EXAMPLES_SHOWN]) if show_text else HIDDEN,
            f"{group.closest.fact.id} ({group.closest.topic.title})",
            f"{group.closest.similarity:.2f}",
        )
        for number, group in enumerate(groups, start=1)
    ]
    columns = ("Group", "Messages", "Examples", "Closest fact", "Similarity")
    return Table("unanswered", "Questions the bot could not answer, grouped by meaning", columns, rows)


def suggested_questions(groups: Sequence[Group]) -> List[dict]:
    """The knowledge file's format (`- id:` / `questions:`): each group's texts under its
    closest fact, for an advisor to review and paste; not the groups too far from every
    known question to be about the career at all ("the weather in Boston tomorrow"), by the
    bot's own floor (`Tuning.floor_similarity`). The page lists those too."""
    by_fact: Dict[str, List[str]] = {}
    for group in groups:
        if group.closest.similarity < DEFAULT_TUNING.floor_similarity:
            continue
        by_fact.setdefault(group.closest.fact.id, []).extend(text for text, _ in group.texts)
    return [{"id": fact_id, "questions": questions} for fact_id, questions in by_fact.items()]
