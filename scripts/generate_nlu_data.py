"""Generate the NLU data that depends on the knowledge file.

Example questions and the words students use for a detail ("max", "top", "highest")
are written once, in the knowledge file. This writes:
- one intent `ask_<topic>` per topic, with the questions of all its facts, the aspect
  words in them marked as `aspect` entities: Rasa's RegexEntityExtractor finds only the
  entities that training examples mark, so without them it would find none;
- the aspect words as a lookup table (found by RegexEntityExtractor) and as synonyms
  that map each word to its aspect id (EntitySynonymMapper),
so NLU and the knowledge file cannot drift apart. The facts' follow-ups ("and per hour?")
train no intent: as `follow_up` examples they taught the classifier to read whole topic
questions ("whats the most i could make") as follow-ups of whatever topic came before. The
fact index finds them by meaning, in a conversation about their topic only.

`make train` runs it; the output is git-ignored.

Usage: python scripts/generate_nlu_data.py KNOWLEDGE_FILE OUTPUT_FILE
"""
import re
import sys
from pathlib import Path

from actions.knowledge import PROJECT_ROOT, KnowledgeBase, KnowledgeFileError, load_knowledge

HEADER = "# Generated from {source} by scripts/generate_nlu_data.py: do not edit.\n"


def examples_block(items) -> list:
    return ["  examples: |"] + [f"    - {item}" for item in items]


def shown_path(path: Path) -> str:
    """The knowledge file's path as the header names it: relative to the project, wherever
    it was named from."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def aspect_marker(knowledge: KnowledgeBase):
    """A function that marks every aspect word of a question: "[how long](aspect) is it"."""
    words = sorted({word for aspect in knowledge.aspects.values() for word in aspect.words}, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b", re.I)
    return lambda question: pattern.sub(lambda found: f"[{found.group(0)}](aspect)", question)


def nlu_data_yaml(knowledge: KnowledgeBase, source: Path) -> str:
    lines = [HEADER.format(source=shown_path(source)), 'version: "3.1"', "nlu:"]
    marked = aspect_marker(knowledge)
    for topic in knowledge.topics.values():
        lines += [f"- intent: {topic.intent}"]
        lines += examples_block(marked(question) for fact in topic.facts for question in fact.questions)
    aspect_words = (word for aspect in knowledge.aspects.values() for word in aspect.words)
    lines += ["- lookup: aspect"] + examples_block(aspect_words)
    for aspect in knowledge.aspects.values():
        lines += [f"- synonym: {aspect.id}"] + examples_block(aspect.words)
    return "\n".join(lines) + "\n"


def main(knowledge_file: str, output_file: str) -> int:
    try:
        knowledge = load_knowledge(knowledge_file)
    except KnowledgeFileError as error:
        print(f"Knowledge file error: {error}", file=sys.stderr)
        return 1
    data, output = nlu_data_yaml(knowledge, Path(knowledge_file)), Path(output_file)
    if output.exists() and output.read_text(encoding="utf-8") == data:
        # An edit that changes no question or aspect word (a limit, a fact's text) needs no training.
        print(f"{output_file} is up to date")
        return 0
    output.write_text(data, encoding="utf-8")
    print(f"wrote {output_file}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
