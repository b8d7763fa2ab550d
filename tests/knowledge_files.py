"""The knowledge files the tests read.

Behaviour tests run on made-up careers, or on whichever file is served (`make test
KNOWLEDGE=...` sets KNOWLEDGE_FILE) and read what they expect from it; only the content
tests in tests/content/ know what the career guide says, and they are skipped when
another file is served.
"""
from pathlib import Path

from actions.knowledge import DEFAULT_KNOWLEDGE_FILE, Fact, KnowledgeBase, configured_knowledge_file, load_knowledge

TESTS = Path(__file__).resolve().parent
#: A small made-up career: two topics.
BAKERY_FILE = TESTS / "bakery.yml"
#: A whole made-up career, with the same topics as the guide's file (so a model trains on it).
MADE_UP_CAREER_FILE = TESTS / "wind_turbine_technician.yml"

SERVED_FILE = configured_knowledge_file()
SERVED: KnowledgeBase = load_knowledge(SERVED_FILE)


def serving_the_guide() -> bool:
    """Whether the servers answer from the project's own knowledge file."""
    return SERVED_FILE.resolve() == DEFAULT_KNOWLEDGE_FILE.resolve()


def asked_by(fact: Fact) -> str:
    """A question the knowledge file lists for the fact (a training example: its answer is
    the fact whatever the career)."""
    return fact.questions[0]


#: A topic whose headline gives a figure (with its year) that updates an older one, and lists
#: questions: what the server tests ask about.
FIGURE_TOPIC = next(
    topic for topic in SERVED.topics.values()
    if topic.headline.year and topic.headline.replaces and topic.headline.questions
)
#: A question for that headline, and the headline's text that answers it.
FIGURE_QUESTION, FIGURE_ANSWER = asked_by(FIGURE_TOPIC.headline), FIGURE_TOPIC.headline.text
