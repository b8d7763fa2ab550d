"""Content tests: what the career guide says, and how the bot answers its questions.
They read data/knowledge/medical_billing_coding.yml and are skipped when another
knowledge file is served (`make test KNOWLEDGE=...`)."""
import pytest

from tests.knowledge_files import SERVED_FILE, serving_the_guide


@pytest.fixture(autouse=True)
def only_with_the_guide():
    if not serving_the_guide():
        pytest.skip(f"content test of the career guide's file; the servers answer from {SERVED_FILE}")
