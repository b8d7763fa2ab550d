"""Measure per-turn reply time of a running bot over the REST channel.

Start the bot first (`make run`), then: `make benchmark` or
PYTHONPATH=. .venv/bin/python scripts/benchmark_replies.py [--url http://127.0.0.1:5005] [--rounds 3]

Each round asks every question of the end-to-end test (tests/test_e2e_rest.py), one
conversation per question, and the follow-up conversations; it prints what it measured.
"""
import argparse
import statistics
import sys
import time
import uuid

from scripts.bot_servers import Bot
from tests.test_e2e_rest import FOLLOW_UPS, SINGLE_QUESTIONS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bot = Bot(args.url)
    conversations = [[question] for question, _ in SINGLE_QUESTIONS] + [questions for questions, _ in FOLLOW_UPS]
    timings = []
    try:
        for _ in range(args.rounds):
            for questions in conversations:
                sender = uuid.uuid4().hex
                for question in questions:
                    start = time.perf_counter()
                    bot.ask(sender, question)
                    timings.append(time.perf_counter() - start)
    except OSError as error:
        sys.exit(f"cannot reach the bot at {args.url} ({error}); start it with `make run`")
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"{len(timings)} turns: median {statistics.median(timings) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {timings[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
