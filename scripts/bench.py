"""`make bench`: this bot against the bot `rasa init` makes, measured side by side over REST.

Starts what `make run` starts (action server, Rasa server with the conversation store of
endpoints.yml, demo page), then trains the `rasa init` bot with Rasa's default config in a
temporary folder and starts it the same way. For each it measures, in this one run:
single-client median and p95 reply, throughput, p95 and failed turns with 8 and with 32
concurrent conversations, start to ready, resident memory of every process, and the
median reply around turn 8 and around turn 400 of one long conversation; for this bot
also how soon the widget greets a student in headless Chromium. Prints both,
the ratios and the targets, and writes results/bench.md. A benchmark, not a test: it
reports what it measured and fails only if a server does not start.
"""
import argparse
import asyncio
import datetime
import os
import platform
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

from scripts.bot_servers import (
    HOST,
    PROJECT_ROOT,
    RASA,
    free_port,
    processes_in_group,
    running_servers,
    started,
    wait_until_up,
)
from scripts.browser import launch_chromium

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

    def median_ms(self) -> float:
        return statistics.median(self.replies) * 1000 if self.replies else float("nan")

    def p95_ms(self) -> float:
        ordered = sorted(self.replies)
        return ordered[int(0.95 * (len(ordered) - 1))] * 1000 if ordered else float("nan")


async def say(session: aiohttp.ClientSession, url: str, sender: str, text: str, timings: Timings) -> None:
    """One turn; failed on an HTTP error or a timeout."""
    start = time.perf_counter()
    try:
        async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as response:
            answered = response.status == 200
            messages = await response.json() if answered else []
    except (aiohttp.ClientError, asyncio.TimeoutError):
        answered = False
    if answered:
        timings.replies.append(time.perf_counter() - start)
        timings.silent += not messages
    else:
        timings.failed += 1


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
      if (!window.__bench.click && e.target.closest && e.target.closest('.rw-launcher')) window.__bench.click = performance.now();
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


def memory_mb(process_group: int) -> dict[str, float]:
    """Resident memory of every process in the group, by command."""
    found: dict[str, float] = {}
    for proc in processes_in_group(process_group):
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


def measure(url: str, messages: list[str], started: float, process_group: int, seconds: float, turns: int) -> dict:
    asyncio.run(say_once(url, messages[0]))  # first reply: the server is ready
    figures: dict = {"start to ready (s)": time.monotonic() - started}
    asyncio.run(conversations(url, messages, 1, 3))  # warm up
    single, _ = asyncio.run(conversations(url, messages, 1, seconds))
    figures["single client: median reply (ms)"] = single.median_ms()
    figures["single client: p95 reply (ms)"] = single.p95_ms()
    for concurrency in (8, 32):
        timings, throughput = asyncio.run(conversations(url, messages, concurrency, seconds))
        figures[f"{concurrency} conversations: throughput (turns/s)"] = throughput
        figures[f"{concurrency} conversations: p95 reply (ms)"] = timings.p95_ms()
        figures[f"{concurrency} conversations: failed turns"] = timings.failed
        figures[f"{concurrency} conversations: turns without a reply"] = timings.silent
    per_turn = asyncio.run(long_conversation(url, messages, turns))
    figures["long conversation: median reply, turns 1-16 (ms)"] = statistics.median(per_turn[:16]) * 1000
    figures[f"long conversation: median reply, turns {turns - 15}-{turns} (ms)"] = statistics.median(per_turn[-16:]) * 1000
    processes = memory_mb(process_group)
    figures["memory, all processes (MB)"] = sum(processes.values())
    figures["processes"] = processes
    return figures


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
        f"{seconds:g} s over REST on 127.0.0.1, client on the same machine.",
        "",
        "| figure | this bot | `rasa init` bot | ratio | target |",
        "|---|---|---|---|---|",
    ]
    for figure, value in ours.items():
        if figure == "processes":
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
    lines += ["", "The widget on the demo page (this bot only; headless Chromium, 3 page loads):", ""]
    lines += [f"- {figure}: {value:.0f}" for figure, value in widget.items()]
    for name, figures in (("this bot", ours), ("`rasa init` bot", reference)):
        lines += ["", f"Resident memory of {name}'s processes:", ""]
        lines += [f"- {command}: {mb:.0f} MB" for command, mb in figures["processes"].items()]
    return "\n".join(lines) + "\n"


def git_revision() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="length of each load phase")
    parser.add_argument("--turns", type=int, default=400, help="length of the long conversation")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "bench.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        print("Starting this bot as `make run` does ...", flush=True)
        started = time.monotonic()
        with running_servers(MODEL, Path(workdir)) as servers:
            ours = measure(servers.url, CAREER_CONVERSATION, started, servers.process_group, args.seconds, args.turns)
            widget = widget_greeting(servers.web_url)
        reference_dir = Path(workdir) / "reference"
        reference_dir.mkdir()
        with reference_bot(reference_dir) as (url, started, process_group):
            reference = measure(url, REFERENCE_CONVERSATION, started, process_group, args.seconds, args.turns)

    text = report(ours, reference, args.seconds, args.turns, widget)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    print(f"Written to {args.out.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
