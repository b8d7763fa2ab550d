"""Out-of-scope benchmark on CLINC150's held-out splits (never trained on).

Parses every line of `oos_test` (1,000 out-of-scope questions) and of `test` for the
intents this bot does not handle (banking, travel, ...: all out of scope here) with
the trained model, and prints how many were declined (out_of_scope or a low-confidence
rephrase request) and how many would have been answered with a career fact.

Usage: PYTHONPATH=. .venv/bin/python scripts/benchmark_oos.py PATH/TO/data_full.json [MODEL]
"""
import asyncio
import json
import logging
import sys
from collections import Counter

from rasa.core.agent import Agent

from scripts.import_clinc150 import HANDLED_BY_BOT

DECLINED = {"out_of_scope", "nlu_fallback"}


async def predicted_intents(agent: Agent, lines):
    return [(await agent.parse_message(line))["intent"]["name"] for line in lines]


def summarise(name: str, intents) -> None:
    counts = Counter(intents)
    declined = sum(counts[i] for i in DECLINED)
    answered = Counter({i: n for i, n in counts.items() if i.startswith("ask_") or i == "follow_up"})
    total = len(intents)
    print(
        f"{name}: {total} lines, declined {declined / total:.1%} "
        f"(out_of_scope {counts['out_of_scope']}, rephrase {counts['nlu_fallback']}), "
        f"answered as a career topic {sum(answered.values()) / total:.1%} {dict(answered.most_common(4))}"
    )


def main(data_file: str, model: str = "models/career-assistant.tar.gz") -> None:
    logging.disable(logging.WARNING)
    with open(data_file, encoding="utf-8") as file:
        data = json.load(file)
    agent = Agent.load(model)
    oos = [text for text, _ in data["oos_test"]]
    other_domains = [text for text, intent in data["test"] if intent not in HANDLED_BY_BOT]
    summarise("CLINC150 oos_test", asyncio.run(predicted_intents(agent, oos)))
    summarise("CLINC150 test, other domains", asyncio.run(predicted_intents(agent, other_domains)))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(*sys.argv[1:])
