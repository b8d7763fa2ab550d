"""Read a message by meaning: which facts it asks for, and whether it is about the career.

The intent classifier only names a topic. People phrase things in ways no training
example did, tell their story before the question, or ask two things at once, so
the answering code also compares the message with every fact's example questions
(the `questions` of the knowledge file) by sentence embeddings, clause by clause.
The same similarity, together with the career's names, tells whether a message the
classifier called out of scope is really about this career.
"""
import hashlib
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from actions.knowledge import PROJECT_ROOT, Fact, KnowledgeBase, Topic
from nlu_components.minilm import MiniLMEncoder

#: Embeddings of the example questions, reused while the questions stay the same.
INDEX_CACHE = PROJECT_ROOT / "models" / "fact_index"

#: How a clause that asks something starts; a preamble ("I drove a truck for years")
#: is matched too, but never answered as a question of its own.
QUESTION_LEADS = (
    "what", "whats", "what's", "how", "hows", "how's", "where", "wheres", "where's", "who", "whos", "who's",
    "which", "when", "why", "is", "are", "am", "do", "does", "did", "can", "could", "will", "would", "should",
    "shall", "any", "tell", "explain", "wat", "wats", "r", "has", "have", "if",
)
_LEAD = r"(?:" + "|".join(re.escape(word) for word in QUESTION_LEADS) + r")\b"
#: Where a message breaks into clauses: sentence ends (and colons); "also"/"plus", after which the
#: rest is a question of its own ("...pay, and also the hours?"); and "and" or a comma
#: followed (perhaps after one filler word) by a question word ("..., and who hires them?").
CLAUSE_BREAK = re.compile(
    rf"(?P<end>[.?!;:\n]+)|(?P<more>,?\s+(?:and\s+also|also|plus|and\s+then)\s+)"
    rf"|(?P<ask>,?\s+and\s+(?:\w+\s+)??(?={_LEAD})|,\s+(?={_LEAD}))",
    re.I,
)
MIN_CLAUSE_WORDS = 3


@dataclass(frozen=True)
class FactMatch:
    """How closely a message matches a fact: the best cosine similarity between the
    message (or one of its clauses) and the fact's example questions."""

    topic: Topic
    fact: Fact
    similarity: float
    clause: int  # which clause matched best: 0 is the whole message


@dataclass(frozen=True)
class Clause:
    text: str
    asks: bool  # a question of its own, not a preamble


@dataclass(frozen=True)
class Ranking:
    """`facts`: every fact, best first, scored by its best clause. `questions`: when the
    message has several clauses, each asking clause's own ranking of the facts."""

    facts: List[FactMatch]
    questions: List[List[FactMatch]]


def clauses(text: str) -> List[Clause]:
    """The whole message first, then (if there are several) its clauses of at least three words."""
    parts: List[Clause] = []
    position, asks_by_break = 0, False
    for found in [*CLAUSE_BREAK.finditer(text), None]:
        words = text[position: found.start() if found else len(text)].split()
        ends_with_question_mark = bool(found and found.group("end") and "?" in found.group("end"))
        leads_with_question_word = bool(words) and words[0].lower() in QUESTION_LEADS
        if len(words) >= MIN_CLAUSE_WORDS:
            parts.append(Clause(" ".join(words), asks_by_break or ends_with_question_mark or leads_with_question_word))
        if found:
            position, asks_by_break = found.end(), not found.group("end")
    return [Clause(text, True)] + (parts if len(parts) > 1 else [])


@lru_cache(maxsize=1)
def shared_encoder() -> MiniLMEncoder:
    return MiniLMEncoder.load()


class FactIndex:
    """Every fact's example questions (and its own text), embedded once."""

    def __init__(self, knowledge: KnowledgeBase, encoder: MiniLMEncoder, cache_dir: Path = None) -> None:
        self.encoder = encoder
        self.entries: List[Tuple[Topic, Fact]] = []
        texts: List[str] = []
        for topic in knowledge.topics.values():
            for fact in topic.facts:
                for text in (*fact.questions, fact.text):
                    self.entries.append((topic, fact))
                    texts.append(text)
        self.vectors = self._embed(texts, cache_dir)
        self.facts: List[Tuple[Topic, Fact]] = list(dict.fromkeys(self.entries))
        position = {id(fact): number for number, (_, fact) in enumerate(self.facts)}
        self.fact_of_entry = np.array([position[id(fact)] for _, fact in self.entries])

    @classmethod
    def cached(cls, knowledge: KnowledgeBase, encoder: MiniLMEncoder) -> "FactIndex":
        """The index, with its embeddings kept under models/ between starts."""
        return cls(knowledge, encoder, INDEX_CACHE)

    def _embed(self, texts: List[str], cache_dir: Path = None) -> np.ndarray:
        if cache_dir is None:
            return self.encoder.encode(texts)
        digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
        path = cache_dir / f"{digest}.npy"
        if path.exists():
            return np.load(path)
        vectors = self.encoder.encode(texts)
        cache_dir.mkdir(parents=True, exist_ok=True)
        for stale in cache_dir.glob("*.npy"):
            stale.unlink()
        np.save(path, vectors)
        return vectors

    def rank(self, text: str, embedding: Optional[np.ndarray] = None) -> Ranking:
        """`embedding`: the whole message's, when the NLU pipeline computed it already."""
        parts = clauses(text)
        texts = [part.text for part in parts]
        if embedding is None:
            vectors = self.encoder.encode(texts)
        else:  # clause 0 is the whole message
            vectors = np.vstack([embedding[None, :], self.encoder.encode(texts[1:])])
        similarities = vectors @ self.vectors.T  # (clauses, entries)
        best = np.full((len(parts), len(self.facts)), -1.0)
        for clause in range(len(parts)):
            np.maximum.at(best[clause], self.fact_of_entry, similarities[clause])
        clause_of = best.argmax(axis=0)
        scores = best.max(axis=0)
        facts = [self._match(i, scores[i], clause_of[i]) for i in np.argsort(-scores)]
        questions = [
            [self._match(i, best[clause][i], clause) for i in np.argsort(-best[clause])]
            for clause in range(1, len(parts))
            if parts[clause].asks
        ]
        return Ranking(facts, questions)

    def _match(self, fact_number: int, similarity: float, clause: int) -> FactMatch:
        topic, fact = self.facts[fact_number]
        return FactMatch(topic, fact, float(similarity), int(clause))


class AspectWords:
    """How far each aspect word can be trusted to name its detail, learnt from the
    knowledge file: the share of the example questions using the word that ask for a
    fact with that aspect. "today" (recent) always does; "most" (highest) mostly appears
    in "what do most coders make", so it must not hijack the question."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        questions = [(fact, question.lower()) for t in knowledge.topics.values() for fact in t.facts for question in fact.questions]
        self.words = {
            aspect.id: [(re.compile(rf"\b{re.escape(word)}\b", re.I), word) for word in aspect.words]
            for aspect in knowledge.aspects.values()
        }
        self.reliability: Dict[str, float] = {}
        for aspect_id, words in self.words.items():
            for pattern, word in words:
                uses = [fact for fact, question in questions if pattern.search(question)]
                own = sum(aspect_id in fact.aspects for fact in uses)
                self.reliability[word] = (own + 1) / (len(uses) + 2)  # Laplace-smoothed share

    def weights(self, text: str, aspect_ids: Sequence[str]) -> Dict[str, float]:
        """Per aspect named in the message, the reliability of its most reliable word
        there; 1.0 when no word of it is in the text (a button's payload names it)."""
        weights = {}
        for aspect_id in aspect_ids:
            found = [self.reliability[word] for pattern, word in self.words.get(aspect_id, []) if pattern.search(text)]
            weights[aspect_id] = max(found) if found else 1.0
        return weights


class Relevance:
    """Whether a message talks about this career, from the knowledge file alone."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        names = sorted(knowledge.career_names + (knowledge.career_name.lower(),), key=len, reverse=True)
        self.career_name = re.compile(r"\b(?:" + "|".join(re.escape(name) for name in names) + r")s?\b", re.I)

    def names_the_career(self, text: str) -> bool:
        return bool(self.career_name.search(text))


def main(argv: List[str]) -> int:
    """Embed the example questions of a knowledge file into the cache, so the action
    server starts without that work (`make` runs this after training)."""
    from actions.knowledge import DEFAULT_KNOWLEDGE_FILE, KnowledgeFileError, load_knowledge

    try:
        knowledge = load_knowledge(argv[1] if len(argv) > 1 else DEFAULT_KNOWLEDGE_FILE)
    except KnowledgeFileError as error:
        print(f"Knowledge file error: {error}", file=sys.stderr)
        return 1
    index = FactIndex.cached(knowledge, shared_encoder())
    print(f"{len(index.entries)} example questions and facts embedded, cached under {INDEX_CACHE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
