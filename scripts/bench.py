"""`make bench`: this bot against the bot `rasa init` makes, measured side by side over REST.

Trains the `rasa init` bot with Rasa's default config in a temporary folder and starts it,
then starts what `make run` starts (action servers, Rasa servers with the conversation
store of endpoints.yml, demo page). With both up, each load phase runs for one bot, then
the other, so that the machine's drift in speed falls on both. For each it measures:
single-client median and p95 reply, throughput, p95 and failed turns with 8 and with 32
concurrent conversations, start to ready, resident memory of every process, and the
median reply around turn 8 and around turn 400 of one long conversation; for this bot
also how soon the widget greets a student in headless Chromium. Prints both,
the ratios and the targets, and writes results/bench.md. A benchmark, not a test: it
reports what it measured and fails only if a server does not start.

With --soak-minutes N (`make bench SOAK_MINUTES=N`) it runs a soak instead: 8 conversations
for N minutes, written to results/soak.md (the servers' output to results/soak_servers.log).
"""
import argparse
import asyncio
import collections
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp

from tests.harness.bot_servers import (
    HOST,
    PROJECT_ROOT,
    RASA,
    free_port,
    process_tree,
    running_servers,
    started,
    wait_until_up,
)
from tests.harness.browser import launch_chromium

MODEL = PROJECT_ROOT / "models" / "career-assistant.tar.gz"

# One conversation of each bot, as its users would have it; repeated for longer ones.
CAREER_CONVERSATION = [
    "hi",
    "what does a medical billing and coding specialist do all day?",
    "how much does it pay",
    "and the highest?",
    "where does that come from?",
    "do i need a certification",
    "how long does it take?",
    "thanks",
]
REFERENCE_CONVERSATION = ["hello", "i am sad", "yes", "great", "are you a bot?", "good morning", "no", "bye"]


class Timings:
    """Reply times (s) of the turns the server answered (HTTP 200), the number of those
    with no bot message (the `rasa init` bot has no reply for some turns), and of failed ones."""

    def __init__(self) -> None:
        self.replies: list[float] = []
        self.silent = 0
        self.failed = 0
        self.failures: collections.Counter = collections.Counter()  # why: "HTTP 503", "ServerDisconnectedError"

    def median_ms(self) -> float:
        return statistics.median(self.replies) * 1000 if self.replies else float("nan")

    def p95_ms(self) -> float:
        ordered = sorted(self.replies)
        return ordered[int(0.95 * (len(ordered) - 1))] * 1000 if ordered else float("nan")

    @classmethod
    def merged(cls, parts: list["Timings"]) -> "Timings":
        whole = cls()
        for part in parts:
            whole.replies += part.replies
            whole.silent += part.silent
            whole.failed += part.failed
            whole.failures += part.failures
        return whole


async def say(session: aiohttp.ClientSession, url: str, sender: str, text: str, timings: Timings) -> None:
    """One turn; failed on an HTTP error or a timeout."""
    start = time.perf_counter()
    try:
        async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as response:
            answered = response.status == 200
            messages = await response.json() if answered else []
            failure = f"HTTP {response.status}"
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        answered, failure = False, type(error).__name__
    if answered:
        timings.replies.append(time.perf_counter() - start)
        timings.silent += not messages
    else:
        timings.failed += 1
        timings.failures[failure] += 1


async def conversations(url: str, messages: list[str], concurrency: int, seconds: float) -> tuple[Timings, float]:
    """`concurrency` clients, each holding one conversation after another, for `seconds`."""
    timings = Timings()
    deadline = time.monotonic() + seconds

    async def client(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline:
            sender = uuid.uuid4().hex
            for text in messages:
                await say(session, url, sender, text, timings)

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.monotonic()
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
        elapsed = time.monotonic() - start
    return timings, len(timings.replies) / elapsed


async def long_conversation(url: str, messages: list[str], turns: int) -> list[float]:
    """Reply time of each turn of one conversation of `turns` turns."""
    sender = uuid.uuid4().hex
    per_turn: list[float] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        for number in range(turns):
            timings = Timings()
            await say(session, url, sender, messages[number % len(messages)], timings)
            per_turn.append(timings.replies[0] if timings.replies else float("nan"))
    return per_turn


# Timestamps taken inside the page (performance.now(): ms since navigation started) by a
# MutationObserver installed before any page script runs.
GREETING_RECORDER = """
    window.__bench = {};
    new MutationObserver(() => {
      const b = window.__bench;
      const launcher = document.querySelector('#rasaWebchatPro .rw-launcher');
      if (!b.launcher && launcher && launcher.getClientRects().length) b.launcher = performance.now();
      if (!b.greeting && document.querySelector('#rasaWebchatPro .rw-response')) b.greeting = performance.now();
    }).observe(document, {childList: true, subtree: true, attributes: true});
    document.addEventListener('click', (e) => {
      if (!window.__bench.click && e.target.closest && e.target.closest('.rw-launcher'))
        window.__bench.click = performance.now();
    }, true);
"""


def widget_greeting(web_url: str, runs: int = 3) -> dict[str, float]:
    """Median ms from page load, and from the launcher's click (as soon as it shows), to the greeting."""
    from playwright.sync_api import sync_playwright

    def poll(page, expression: str) -> float:
        # not page.wait_for_function: it evaluates its predicate, which the page's CSP forbids
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            value = page.evaluate(expression)
            if value:
                return value
            page.wait_for_timeout(20)
        raise TimeoutError(f"{expression} in {web_url}")

    loads, clicks = [], []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.add_init_script(GREETING_RECORDER)
            page.goto(web_url)
            poll(page, "window.__bench && window.__bench.launcher")
            page.locator("#rasaWebchatPro .rw-launcher").first.click(force=True)  # no wait for its animation
            greeting = poll(page, "window.__bench.greeting")
            loads.append(greeting)
            clicks.append(greeting - page.evaluate("window.__bench.click"))
            context.close()
        browser.close()
    return {
        "widget: page load to greeting, median (ms)": statistics.median(loads),
        "widget: launcher click to greeting, median (ms)": statistics.median(clicks),
    }


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory of `pid` and every process it started, by command."""
    found: dict[str, float] = {}
    for proc in process_tree(pid):
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            status = (proc / "status").read_text()
        except OSError:
            continue
        rss_kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        if rss_kb:
            name = " ".join(part.decode() for part in command[:4] if part).replace(str(PROJECT_ROOT) + "/", "")
            found[f"{name} (pid {proc.name})"] = rss_kb / 1024
    return found


# Figures kept beside the table's: each process's memory, each round's throughput.
PROCESSES = "processes"
ROUNDS_OF_8 = "8 conversations: throughput of each round (turns/s)"


def measure(bots: dict[str, tuple[str, list[str]]], seconds: float, turns: int, rounds: int) -> dict[str, dict]:
    """Every load phase for each bot in turn, both servers up, so that the machine's drift
    in speed falls on both alike; the 8-conversation load `rounds` times, alternating, its
    throughput the median of the rounds (each round is reported too)."""
    figures: dict[str, dict] = {name: {} for name in bots}
    for url, messages in bots.values():
        asyncio.run(conversations(url, messages, 1, 3))  # warm up
    for name, (url, messages) in bots.items():
        single, _ = asyncio.run(conversations(url, messages, 1, seconds))
        figures[name]["single client: median reply (ms)"] = single.median_ms()
        figures[name]["single client: p95 reply (ms)"] = single.p95_ms()
    rounds_of_8: dict[str, list[tuple[Timings, float]]] = {name: [] for name in bots}
    for _ in range(rounds):
        for name, (url, messages) in bots.items():
            rounds_of_8[name].append(asyncio.run(conversations(url, messages, 8, seconds)))
    for name in bots:
        merged = Timings.merged([timings for timings, _ in rounds_of_8[name]])
        throughputs = [throughput for _, throughput in rounds_of_8[name]]
        figures[name].update(concurrent_figures(8, merged, statistics.median(throughputs)))
        figures[name][ROUNDS_OF_8] = throughputs
    for name, (url, messages) in bots.items():
        figures[name].update(concurrent_figures(32, *asyncio.run(conversations(url, messages, 32, seconds))))
    for name, (url, messages) in bots.items():
        per_turn = asyncio.run(long_conversation(url, messages, turns))
        figures[name]["long conversation: median reply, turns 1-16 (ms)"] = statistics.median(per_turn[:16]) * 1000
        figures[name][f"long conversation: median reply, turns {turns - 15}-{turns} (ms)"] = (
            statistics.median(per_turn[-16:]) * 1000)
    return figures


def concurrent_figures(concurrency: int, timings: Timings, throughput: float) -> dict:
    return {
        f"{concurrency} conversations: throughput (turns/s)": throughput,
        f"{concurrency} conversations: p95 reply (ms)": timings.p95_ms(),
        f"{concurrency} conversations: failed turns": timings.failed,
        f"{concurrency} conversations: turns without a reply": timings.silent,
    }


def memory_figures(pid: int) -> dict:
    processes = memory_mb(pid)
    return {"memory, all processes (MB)": sum(processes.values()), PROCESSES: processes}


def ready_after(url: str, first_message: str, started_at: float) -> dict:
    """Seconds from `started_at` to the first reply."""
    asyncio.run(say_once(url, first_message))
    return {"start to ready (s)": time.monotonic() - started_at}


async def say_once(url: str, text: str) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        timings = Timings()
        await say(session, url, uuid.uuid4().hex, text, timings)
        if timings.failed:
            sys.exit(f"{url} did not answer {text!r}")


@contextmanager
def reference_bot(workdir: Path) -> Iterator[tuple[str, float, int]]:
    """The `rasa init` bot, trained in `workdir`, served over REST on a free port."""
    print("Training the `rasa init` bot (Rasa's default config) ...", flush=True)
    subprocess.run([str(RASA), "init", "--no-prompt", "--init-dir", str(workdir)], cwd=workdir,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = free_port()
    log = workdir / "server.log"
    started_at = time.monotonic()
    command = [str(RASA), "run", "-i", HOST, "-p", str(port), "--credentials", str(workdir / "credentials.yml"),
               "--endpoints", str(workdir / "endpoints.yml"), "--model", str(workdir / "models")]
    with started(command, log) as process:
        url = f"http://{HOST}:{port}"
        wait_until_up(url, process, log)
        yield url, started_at, process.pid


TARGETS = {
    "8 conversations: throughput (turns/s)": ("at least 3x the reference", lambda ours, ref: ours >= 3 * ref),
    "single client: median reply (ms)": ("under 40 ms", lambda ours, ref: ours < 40),
    "32 conversations: failed turns": ("none", lambda ours, ref: ours == 0),
    "start to ready (s)": ("under half the reference", lambda ours, ref: ours < ref / 2),
}


def report(ours: dict, reference: dict, seconds: float, turns: int, widget: dict[str, float]) -> str:
    long_first = "long conversation: median reply, turns 1-16 (ms)"
    long_last = f"long conversation: median reply, turns {turns - 15}-{turns} (ms)"
    lines = [
        "# `make bench`: this bot against the `rasa init` bot",
        "",
        f"Measured {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores "
        f"({platform.processor() or platform.machine()}), commit {git_revision()}; each load phase "
        f"{seconds:g} s over REST on 127.0.0.1, client on the same machine. Both bots are up "
        f"together and take each load phase in turn; the 8-conversation load runs "
        f"{len(ours[ROUNDS_OF_8])} times, alternating, and its throughput is the median of the rounds.",
        "",
        "| figure | this bot | `rasa init` bot | ratio | target |",
        "|---|---|---|---|---|",
    ]
    for figure, value in ours.items():
        if figure in (PROCESSES, ROUNDS_OF_8):
            continue
        ref = reference[figure]
        ratio = f"{value / ref:.2f}" if ref else "-"
        target = ""
        if figure in TARGETS:
            wanted, met = TARGETS[figure]
            target = f"{wanted}: {'met' if met(value, ref) else 'NOT met'}"
        if figure == long_last:
            growth = value / ours[long_first]
            target = f"within 1.5x of turns 1-16: {growth:.2f}x, {'met' if growth <= 1.5 else 'NOT met'}"
        lines.append(f"| {figure} | {value:.1f} | {ref:.1f} | {ratio} | {target} |")
    rounds = zip(ours[ROUNDS_OF_8], reference[ROUNDS_OF_8], strict=True)
    lines += ["", "8 conversations, each round (this bot / `rasa init` bot, turns/s): " + ", ".join(
        f"{mine:.1f} / {theirs:.1f} ({mine / theirs:.2f}x)" for mine, theirs in rounds) + "."]
    lines += ["", "The widget on the demo page (this bot only; headless Chromium, 3 page loads):", ""]
    lines += [f"- {figure}: {value:.0f}" for figure, value in widget.items()]
    for name, figures in (("this bot", ours), ("`rasa init` bot", reference)):
        lines += ["", f"Resident memory of {name}'s processes:", ""]
        lines += [f"- {command}: {mb:.0f} MB" for command, mb in figures[PROCESSES].items()]
    return "\n".join(lines) + "\n"


def git_revision() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def soak(minutes: int, out: Path) -> str:
    """8 conversations for `minutes` minutes on what `make run` starts: each process's memory
    at the start and the end, and the replies of the first and the last minute (either growing
    is a leak). Returns the report, also written to `out`."""
    with tempfile.TemporaryDirectory(prefix="soak-") as folder, running_servers(MODEL, Path(folder), False) as servers:
        asyncio.run(conversations(servers.url, CAREER_CONVERSATION, 1, 3))  # warm up
        memory_at_start = memory_mb(servers.serve_pid)
        minutes_measured = []
        for minute in range(minutes):
            minutes_measured.append(asyncio.run(conversations(servers.url, CAREER_CONVERSATION, 8, 60)))
            timings, throughput = minutes_measured[-1]
            print(f"minute {minute + 1}: {throughput:.1f} turns/s, median {timings.median_ms():.1f} ms, "
                  f"{timings.failed} failed {dict(timings.failures)}", flush=True)
        memory_at_end = memory_mb(servers.serve_pid)
        # the servers' own output, to find why a turn failed (it holds no message text)
        shutil.copy(servers.log, out.with_name("soak_servers.log"))
    lines = [
        f"# Soak: 8 conversations for {minutes} minutes",
        "",
        f"`make bench SOAK_MINUTES={minutes}` at {git_revision()} on {datetime.date.today()}, "
        f"{os.cpu_count()} cores; what `make run` starts, over REST.",
        "",
        "| minute | turns/s | median reply (ms) | p95 reply (ms) | failed turns |",
        "|---|---|---|---|---|",
    ]
    for label, (timings, throughput) in (("first", minutes_measured[0]), ("last", minutes_measured[-1])):
        lines.append(f"| {label} | {throughput:.1f} | {timings.median_ms():.1f} | {timings.p95_ms():.1f} "
                     f"| {timings.failed} |")
    total = Timings.merged([timings for timings, _ in minutes_measured])
    failed_minutes = [
        f"minute {number}: {timings.failed} ({', '.join(f'{why} x{count}' for why, count in timings.failures.items())})"
        for number, (timings, _) in enumerate(minutes_measured, start=1) if timings.failed
    ]
    lines += [
        "",
        f"All {minutes} minutes: {len(total.replies)} turns answered, {total.failed} failed"
        f"{' (' + '; '.join(failed_minutes) + ')' if failed_minutes else ''}, {total.silent} without a reply.",
        "",
        "| process | memory at the start (MB) | at the end (MB) | growth (MB) |",
        "|---|---|---|---|",
    ]
    by_pid = {name.rsplit("(pid ", 1)[1]: name for name in memory_at_end}
    for name, start_mb in memory_at_start.items():
        end_name = by_pid.get(name.rsplit("(pid ", 1)[1])
        end_mb = memory_at_end.get(end_name) if end_name else None
        end_text = f"{end_mb:.0f} | {end_mb - start_mb:+.0f}" if end_mb is not None else "ended | "
        lines.append(f"| {name} | {start_mb:.0f} | {end_text} |")
    text = "\n".join(lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="length of each load phase")
    parser.add_argument("--turns", type=int, default=400, help="length of the long conversation")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the 8-conversation load, alternating")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "bench.md")
    parser.add_argument("--soak-minutes", type=int, default=0,
                        help="instead: 8 conversations for this many minutes, memory and replies at the start "
                             "and the end (results/soak.md)")
    args = parser.parse_args()
    if args.soak_minutes:
        print(soak(args.soak_minutes, PROJECT_ROOT / "results" / "soak.md"))
        return

    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        reference_dir = Path(workdir) / "reference"
        reference_dir.mkdir()
        with reference_bot(reference_dir) as (reference_url, reference_started, reference_pid):
            reference = ready_after(reference_url, REFERENCE_CONVERSATION[0], reference_started)
            print("Starting this bot as `make run` does ...", flush=True)
            started = time.monotonic()
            with running_servers(MODEL, Path(workdir)) as servers:
                ours = ready_after(servers.url, CAREER_CONVERSATION[0], started)
                bots = {
                    "ours": (servers.url, CAREER_CONVERSATION),
                    "reference": (reference_url, REFERENCE_CONVERSATION),
                }
                measured = measure(bots, args.seconds, args.turns, args.rounds)
                ours.update(measured["ours"], **memory_figures(servers.serve_pid))
                reference.update(measured["reference"], **memory_figures(reference_pid))
                widget = widget_greeting(servers.web_url)

    text = report(ours, reference, args.seconds, args.turns, widget)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    print(f"Written to {args.out}")


if __name__ == "__main__":
    main()
