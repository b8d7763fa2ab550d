"""What the custom actions answer from: the knowledge file, the school's settings and
what is built from them, made once and handed to each action.

rasa-sdk's knowledge-base actions take their knowledge base as an argument; ours do the
same (`ActionAnswer(assistant)`), so a test hands an action a made-up career and no
module holds the real one as a global. The action server builds its actions with no
argument: they then share `configured_assistant()`, built on first use from the files
that KNOWLEDGE_FILE and SCHOOL_FILE name. Both files are checked then, so a broken one
stops the action server's start-up (rasa-sdk builds every action when it starts) with
the loader's message instead of producing wrong answers.
"""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional, Union

from actions.career_fit import ANSWER_CACHE, AnswerReader
from actions.knowledge import KnowledgeBase, configured_knowledge_file, load_knowledge
from actions.school import DEFAULT_SCHOOL_FILE, AdvisingContact, configured_school_file, load_advising_contact
from actions.understanding import AspectWords, FactIndex, Relevance, shared_encoder
from nlu_components.minilm import MiniLMEncoder


@dataclass(frozen=True)
class Assistant:
    """One career's knowledge, the school's advising contact, and the readers built from
    the knowledge (the fact classifier, the career's names, the trust in aspect words, the
    career-fit conversation's answers)."""

    knowledge: KnowledgeBase
    advising: AdvisingContact
    fact_index: FactIndex
    relevance: Relevance
    aspect_words: AspectWords
    #: Reads typed answers in the career-fit conversation; None when the file has none.
    answer_reader: Optional[AnswerReader] = None

    @classmethod
    def build(
        cls,
        knowledge: KnowledgeBase,
        advising: AdvisingContact,
        encoder: Optional[MiniLMEncoder] = None,
        cache_index: bool = False,
    ) -> "Assistant":
        """The assistant for a loaded knowledge base; `cache_index` keeps the fact index's
        embeddings under models/ (the served file's, made by `make train`)."""
        encoder = encoder or shared_encoder()
        index = FactIndex.cached(knowledge, encoder) if cache_index else FactIndex(knowledge, encoder)
        reader = AnswerReader.from_file(encoder, cache_dir=ANSWER_CACHE) if knowledge.fit else None
        return cls(knowledge, advising, index, Relevance(knowledge), AspectWords(knowledge), reader)

    @classmethod
    def from_files(
        cls, knowledge_file: Union[str, Path], school_file: Union[str, Path] = DEFAULT_SCHOOL_FILE
    ) -> "Assistant":
        """Load and check both files (KnowledgeFileError names the file, entry and problem)."""
        return cls.build(load_knowledge(knowledge_file), load_advising_contact(school_file))


@lru_cache(maxsize=1)
def configured_assistant() -> Assistant:
    """The assistant of KNOWLEDGE_FILE and SCHOOL_FILE, built once per process."""
    knowledge = load_knowledge(configured_knowledge_file())
    advising = load_advising_contact(configured_school_file())
    return Assistant.build(knowledge, advising, cache_index=True)
