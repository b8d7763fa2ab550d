"""The trained model finds the knowledge file's aspect words in a message ("and the
highest?") as `aspect` entities with the aspect's id, for every word of every aspect of the
file served. Rasa's RegexEntityExtractor finds only entities that some training example
marks (scripts/generate_nlu_data.py marks them in the file's questions)."""
import asyncio

from tests.knowledge_files import SERVED

WORDS = [(aspect.id, word) for aspect in SERVED.aspects.values() for word in aspect.words]


def test_every_aspect_word_is_found_with_its_aspect(trained_agent):
    async def found(text):
        parsed = await trained_agent.parse_message(text)
        return [(entity["entity"], entity["value"]) for entity in parsed["entities"]]

    async def all_found():
        return [await found(f"and what about {word}?") for _, word in WORDS]

    missed = [
        (word, entities) for (aspect_id, word), entities in zip(WORDS, asyncio.run(all_found()), strict=True)
        if ("aspect", aspect_id) not in entities
    ]
    assert not missed
