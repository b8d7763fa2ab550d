"""Everything that depends on the knowledge file (the one served: KNOWLEDGE) is checked
against it: topic intents, rules, aspect annotations and the generated NLU data; the NLU
fallback threshold that `Tuning` relies on; and the held-out examples (tests/nlu/,
tests/heldout/, tests/dev/) are never trained on."""
import re
from pathlib import Path

import pytest
import yaml

from actions.answering import DEFAULT_TUNING
from actions.career_fit import load_answer_words
from actions.knowledge import load_knowledge
from actions.language import written_in_english
from scripts.generate_nlu_data import nlu_data_yaml
from tests.knowledge_files import BAKERY_FILE, SERVED, SERVED_FILE

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = SERVED
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")
MIN_EXAMPLES_PER_TOPIC = 20


def nlu_examples(folder: str):
    """(intent, plain text, [(entity text, annotation)]) for every example under a folder."""
    for path in sorted((ROOT / folder).rglob("*.yml")):
        for block in yaml.safe_load(path.read_text()).get("nlu", []):
            if "intent" not in block:
                continue
            for line in block["examples"].splitlines():
                if line.startswith("- "):
                    text = line[2:].strip()
                    yield block["intent"], ANNOTATION.sub(r"\1", text).lower(), ANNOTATION.findall(text)


TRAINING = list(nlu_examples("data/nlu"))
#: The knowledge file's other examples, found by meaning: facts' follow-ups, limits' examples
#: and follow-ups, and the situations of the career-fit conversation.
KNOWLEDGE_EXAMPLES = [
    *(text for topic in KNOWLEDGE.topics.values() for fact in topic.facts for text in fact.follow_ups),
    *(text for limit in KNOWLEDGE.limits.values() for text in (*limit.examples, *limit.follow_ups)),
    *(text for statement in (KNOWLEDGE.fit.statements if KNOWLEDGE.fit else ()) for text in statement.situations),
    # ... and the career-fit conversation's example answers
    *(text for texts in load_answer_words().examples.values() for text in texts),
]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
RULES = yaml.safe_load((ROOT / "data/rules/rules.yml").read_text())["rules"]


def test_every_topic_has_an_intent_and_every_topic_intent_has_a_topic():
    topic_intents = {topic.intent for topic in KNOWLEDGE.topics.values()}
    domain_topic_intents = {intent for intent in DOMAIN["intents"] if intent.startswith("ask_")}
    assert domain_topic_intents == topic_intents


@pytest.mark.parametrize("topic", KNOWLEDGE.topics.values(), ids=lambda topic: topic.id)
def test_every_topic_intent_has_enough_examples_and_a_rule(topic):
    examples = [text for intent, text, _ in TRAINING if intent == topic.intent]
    assert len(examples) >= MIN_EXAMPLES_PER_TOPIC
    assert any(
        rule["steps"] == [{"intent": topic.intent}, {"action": "action_answer"}] for rule in RULES
    ), f"no rule sends {topic.intent} to action_answer"


def test_aspect_annotations_use_words_of_the_knowledge_file():
    words = {word for aspect in KNOWLEDGE.aspects.values() for word in aspect.words}
    for _intent, text, entities in TRAINING:
        for entity_text, _ in entities:
            assert entity_text.lower() in words, f"{entity_text!r} in {text!r} is not an aspect word"


def test_generated_nlu_data_matches_the_knowledge_file():
    generated = ROOT / "data/nlu/from_knowledge.yml"
    assert generated.exists(), "run make (it generates data/nlu/from_knowledge.yml)"
    assert generated.read_text() == nlu_data_yaml(KNOWLEDGE, SERVED_FILE)


def test_follow_ups_train_no_intent():
    generated = yaml.safe_load(nlu_data_yaml(load_knowledge(BAKERY_FILE), BAKERY_FILE))["nlu"]
    examples = [block["examples"] for block in generated if "intent" in block]
    assert examples and not any("before sunrise" in block for block in examples)


def test_the_fallback_threshold_tuning_relies_on_is_the_one_nlu_uses():
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    fallback = next(component for component in pipeline if component["name"] == "FallbackClassifier")
    assert fallback["threshold"] == DEFAULT_TUNING.nlu_fallback_threshold


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def held_out_lines(folder: str):
    """Questions, dialogue turns and out-of-scope lines of the evaluation or development sets."""
    for path in sorted((ROOT / folder).rglob("*.yml")):
        document = yaml.safe_load(path.read_text())
        yield from (question["text"] for question in document.get("questions", []))
        yield from (turn["text"] for dialogue in document.get("dialogues", []) for turn in dialogue["turns"])
        yield from (line if isinstance(line, str) else line["text"] for line in document.get("out_of_scope", []))
        for group in ("source_followups", "advisor_requests", "local_questions", "not_advisor_requests"):
            yield from document.get(group, [])
        # the career-fit quiz's typed answers and stated situations (tests/heldout/career_fit/)
        yield from (line["text"] for line in document.get("answers", []) + document.get("situations", []))


#: Lines of tests/heldout/ (and one of tests/dev/conversations_2026_12_03/) that their
#: writers, who never saw the training data, happened to word exactly as a training example
#: or a knowledge file's follow-up written before them (tests/heldout/README.md).
WRITTEN_ALIKE_BEFORE = {
    "thank you so much", "how long does it take", "whats the pay like", "how much do medical billers make",
    "are there other certs besides cmrs", "are u a bot", "whats the weather tomorrow", "how long would that take her",
}


def test_held_out_examples_are_not_in_the_training_data():
    """Short turns ("yes", "thanks") are common to any data set; longer lines must not leak.
    The development set (tuning) is kept out of training too."""
    trained = {normalised(text) for _, text, _ in TRAINING} | {normalised(text) for text in KNOWLEDGE_EXAMPLES}
    held_out = [text for _, text, _ in nlu_examples("tests/nlu")]
    held_out += [
        text for folder in ("tests/heldout", "tests/dev")
        for text in held_out_lines(folder) if len(text.split()) > 3
    ]
    leaked = {normalised(text) for text in held_out if normalised(text) in trained}
    assert leaked <= WRITTEN_ALIKE_BEFORE, "held-out lines copied into the training data"


def test_no_fact_is_written_into_domain_responses():
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            assert not re.search(r"\$\d|\d%|\d{2}", variant["text"]), name


def test_no_english_example_is_taken_for_another_language():
    """The language check (actions/language.py) must never turn away an English question:
    none of the training lines or development questions may look foreign to it."""
    english = [text for _, text, _ in TRAINING] + list(held_out_lines("tests/dev"))
    assert [text for text in english if not written_in_english(text)] == []
    for foreign in ["¿Cuánto gana un codificador médico?", "Quanto ganha um codificador médico?",
                    "Wie viel verdient ein medizinischer Kodierer?", "医疗编码员的工资是多少"]:
        assert not written_in_english(foreign)
