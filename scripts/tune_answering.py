"""Choose the weights and thresholds of actions/answering.py (`Tuning`) on the
development set, never on the held-out evaluation set.

Parses every line of tests/dev/ and CLINC150's `val` lines of domains this bot does not
cover (never trained on, and not the `test` lines `make evaluate` scores) with the
trained NLU model, ranks the facts by meaning once, then tries each combination of
settings in the grid below and prints the best ones.

Usage: python scripts/tune_answering.py [MODEL] [CLINC150 data_full.json]
"""
import asyncio
import itertools
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import List, Tuple

import yaml
from rasa.core.agent import Agent

from actions.actions import read_message
from actions.answering import DEFAULT_TUNING, Context, Tuning, choose_answer
from actions.assistant import Assistant, configured_assistant
from scripts.evaluate import resolve
from scripts.import_clinc150 import HANDLED_BY_BOT
from tests.harness.bot_servers import PROJECT_ROOT

GRID = {
    "intent_weight": [0.3, 0.5],
    "floor_similarity": [0.5, 0.55],
    "answer_probability": [0.4, 0.5],
    "answer_similarity": [0.7, 0.75],
    "second_part_probability": [0.4, 0.5],
    "second_part_similarity": [0.5, 0.55],
    "joined_probability": [0.2, 0.25, 0.35],
}


async def parse_all(agent: Agent, lines: List[str]) -> List[dict]:
    return [await agent.parse_message(line) for line in lines]


def score(assistant: Assistant, tuning: Tuning, questions, oos) -> Tuple[float, dict]:
    counts = dict(right=0, extra_facts=0, clarified_right=0, clarified=0, declined=0, wrong=0, oos_answered=0)
    for message, ranking, expected in questions:
        answer = choose_answer(assistant.knowledge, message, Context(), ranking, tuning)
        told = [fact for _, fact in answer.told]
        if told and all(fact in told for fact in expected):
            counts["right"] += 1
            counts["extra_facts"] += len(told) - len(expected)
        elif answer.options:
            options = [fact for _, fact in answer.options]
            counts["clarified_right" if any(f in options for f in expected) else "clarified"] += 1
        elif answer.out_of_scope:
            counts["declined"] += 1
        else:
            counts["wrong"] += 1
    for message, ranking in oos:
        if choose_answer(assistant.knowledge, message, Context(), ranking, tuning).told:
            counts["oos_answered"] += 1
    n, m = len(questions), len(oos)
    # A clarifying question that offers the right fact costs the student one click:
    # worth half a right answer; a fact nobody asked for makes the reply longer.
    # Answering an out-of-scope line with a fact is the worst.
    objective = (
        counts["right"] + 0.5 * counts["clarified_right"] - 0.25 * counts["extra_facts"] - 2 * counts["declined"]
    ) / n
    objective -= 3 * counts["oos_answered"] / m
    return objective, counts


def main(
    model: str = "models/career-assistant.tar.gz", clinc: str = "../shared/datasets/clinc150/data_full.json"
) -> None:
    logging.disable(logging.WARNING)
    dev = [yaml.safe_load(path.read_text()) for path in sorted((PROJECT_ROOT / "tests" / "dev").glob("*.yml"))]
    questions = [q for document in dev for q in document.get("questions", [])]
    oos_lines = [line for document in dev for line in document.get("out_of_scope", [])]
    data = json.loads(Path(clinc).read_text())
    oos_lines += [text for text, intent in data["val"] if intent not in HANDLED_BY_BOT][::5]
    agent = Agent.load(model)
    parsed_q = asyncio.run(parse_all(agent, [q["text"] for q in questions]))
    parsed_o = asyncio.run(parse_all(agent, oos_lines))
    assistant = configured_assistant()
    knowledge, index = assistant.knowledge, assistant.fact_index
    prepared_q = [
        (read_message(p, assistant), index.rank(q["text"]), [resolve(knowledge, label) for label in q["expect"]])
        for p, q in zip(parsed_q, questions, strict=True)
    ]
    prepared_o = [(read_message(p, assistant), index.rank(line)) for p, line in zip(parsed_o, oos_lines, strict=True)]
    print(f"{len(questions)} dev questions, {len(oos_lines)} out-of-scope lines")
    print("current:", score(assistant, DEFAULT_TUNING, prepared_q, prepared_o))
    results = []
    for values in itertools.product(*GRID.values()):
        tuning = replace(DEFAULT_TUNING, **dict(zip(GRID, values, strict=True)))
        results.append((*score(assistant, tuning, prepared_q, prepared_o), tuning))
    results.sort(key=lambda r: -r[0])
    for objective, counts, tuning in results[:8]:
        print(f"{objective:.3f} {counts} {tuning}")


if __name__ == "__main__":
    main(*sys.argv[1:])
