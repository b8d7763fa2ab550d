"""`make faults`: break what `make run` starts, under load, and measure what students see.

Each fault runs on the servers `make run` starts (scripts/serve.py: supervisord, two Rasa
servers behind HAProxy, Redis, the action server; PostgreSQL for the one fault that needs it)
while 8 conversations talk to them. Each conversation repeats a four-turn exchange whose second
and fourth turns need the turn before (context); a turn is right when its reply holds the
expected text. Writes results/faults.md: each fault, turns sent, failed (an error, no reply, or
"try again"), wrong (context lost), lost (answered but missing from the store, or stored twice),
and the time until answers came back.

tests/test_faults.py runs the two kills (a Rasa server, the action server) in `make test`.
"""
import argparse
import functools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

from actions.knowledge import PROJECT_ROOT
from channels.checks import UNAVAILABLE_REPLY
from scripts.serve import answers
from stores.conversation_store import DB_URL_VARIABLE
from tests.harness.bot_servers import Bot, running_servers
from tests.harness.database_servers import restartable_postgres_server
from tests.harness.stored_turns import stored_turns
from tests.knowledge_files import FIGURE_ANSWER, FIGURE_QUESTION, FIGURE_TOPIC, SERVED, asked_by

MODEL = PROJECT_ROOT / "models" / "career-assistant.tar.gz"
CONVERSATIONS = 8
# Turns sent within this many seconds of a fault are not held to the target: HAProxy's health
# check and the locks of a killed server's turns take that long to clear.
SETTLING_SECONDS = 5
MOST_FAILED_AFTER_SETTLING = 0.01

_OTHER = next(t for t in SERVED.topics.values()
              if t is not FIGURE_TOPIC and t.headline.questions and t.headline.source != FIGURE_TOPIC.headline.source)
#: (message, text its reply must hold); the second and fourth turns name the source of the
#: fact the turn before told, so they are right only if the conversation's context survived.
EXCHANGE = [
    (FIGURE_QUESTION, FIGURE_ANSWER),
    ("where does that come from?", f"That comes from: {FIGURE_TOPIC.headline.source.title}"),
    (asked_by(_OTHER.headline), _OTHER.headline.text),
    ("where does that come from?", f"That comes from: {_OTHER.headline.source.title}"),
]


@dataclass
class Turn:
    conversation: str
    message: str
    sent: float  # time.monotonic()
    seconds: float
    outcome: str  # "right", "wrong" (context lost), "failed" (error, no reply, "try again": sent again)
    reply: str = ""


@dataclass
class Load:
    """CONVERSATIONS conversations, each sending the EXCHANGE over and over, until stopped."""

    bot: Bot
    name: str
    turns: List[Turn] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    #: new conversations each time, however often a fault runs on the same servers
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def conversation_ids(self) -> List[str]:
        return [f"{self.name}-{self.run}-{number}" for number in range(CONVERSATIONS)]

    def _converse(self, conversation: str) -> None:
        turn = 0
        while not self.stopping.is_set():
            message, expected = EXCHANGE[turn % len(EXCHANGE)]
            sent, reply = time.monotonic(), ""
            try:
                reply = self.bot.reply_text(conversation, message)
                outcome = "right" if expected in reply else "failed" if reply == UNAVAILABLE_REPLY else "wrong"
            except (OSError, urllib.error.URLError, ValueError) as error:
                outcome, reply = "failed", str(error)
            self.turns.append(Turn(conversation, message, sent, time.monotonic() - sent, outcome, reply))
            if outcome == "failed":
                time.sleep(0.2)  # then sends it again, as a student would
            else:
                turn += 1

    @contextmanager
    def running(self) -> Iterator["Load"]:
        threads = [threading.Thread(target=self._converse, args=(c,), daemon=True) for c in self.conversation_ids()]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self.stopping.set()
            for thread in threads:
                thread.join(timeout=60)

    def after(self, moment: float) -> List[Turn]:
        return [turn for turn in self.turns if turn.sent >= moment]

    def first_right_after(self, moment: float) -> Optional[float]:
        """Seconds from `moment` to the first right reply to a turn sent after it."""
        rights = [t.sent + t.seconds for t in self.after(moment) if t.outcome == "right"]
        return min(rights) - moment if rights else None

    def recovered_after(self, moment: float) -> Optional[float]:
        """Seconds from `moment` to the end of the last turn that went wrong or failed (0 if
        none did); None if the last turn did."""
        turns = [t for t in self.turns if t.sent + t.seconds >= moment]
        bad = [t.sent + t.seconds for t in turns if t.outcome != "right"]
        if turns and turns[-1].outcome != "right":
            return None
        return max(bad) - moment if bad else 0.0


@dataclass
class FaultResult:
    fault: str
    sent: int
    failed: int
    wrong: int
    lost: int  # answered, but not in the store
    doubled: int  # in the store twice
    recovery_seconds: Optional[float]
    failed_after_settling: int = 0
    sent_after_settling: int = 0
    restarted_seconds: Optional[float] = None  # from the fault until supervisord had it answering again
    overlapping_pairs: Optional[int] = None  # simultaneous messages taken at once afterwards (locks)
    same_rasa_servers: Optional[bool] = None  # no Rasa server was restarted to recover
    errors: int = 0  # failed turns that got no reply at all (an HTTP error), not even "try again"
    going_on: int = 0  # conversations with a right reply received after the settling time
    slowest_seconds: float = 0.0  # the longest a turn answered after the fault waited
    notes: List[str] = field(default_factory=list)

    def failed_share_after_settling(self) -> float:
        return self.failed_after_settling / max(self.sent_after_settling, 1)


def lost_and_doubled(load: Load, database: str) -> Tuple[int, int]:
    """Turns a student saw answered whose message the store lacks, and messages stored (with a
    reply) more often than they were answered: a turn answered twice."""
    stored = stored_turns(database)
    lost = doubled = 0
    for conversation in load.conversation_ids():
        answered = [t.message for t in load.turns if t.conversation == conversation and t.outcome != "failed"]
        kept = [turn.message for turn in stored.get(conversation, []) if turn.replies]
        for message in set(answered) | set(kept):
            lost += max(answered.count(message) - kept.count(message), 0)
            doubled += max(kept.count(message) - answered.count(message), 0)
    return lost, doubled


def result_of(fault: str, load: Load, moment: float, database: str, recovered: Optional[float]) -> FaultResult:
    settled = load.after(moment + SETTLING_SECONDS)
    lost, doubled = lost_and_doubled(load, database)
    return FaultResult(
        fault=fault, sent=len(load.turns), failed=sum(t.outcome == "failed" for t in load.turns),
        wrong=sum(t.outcome == "wrong" for t in load.turns), lost=lost, doubled=doubled,
        recovery_seconds=recovered, failed_after_settling=sum(t.outcome != "right" for t in settled),
        sent_after_settling=len(settled),
        errors=sum(t.outcome == "failed" and t.reply != UNAVAILABLE_REPLY for t in load.turns),
        going_on=len({t.conversation for t in load.turns
                      if t.outcome == "right" and t.sent + t.seconds >= moment + SETTLING_SECONDS}),
        slowest_seconds=max((t.seconds for t in load.turns if t.sent + t.seconds >= moment), default=0.0),
        notes=[f"{t.reply} ({t.sent - moment:+.1f} s)" for t in load.turns
               if t.outcome == "failed" and t.reply != UNAVAILABLE_REPLY][:3],
    )


def pid_of(supervisor, program: str) -> int:
    return supervisor.getProcessInfo(program)["pid"]


def wait_until_running_again(supervisor, program: str, old_pid: int, health: Callable[[], bool], since: float,
                             timeout: float = 180) -> Optional[float]:
    """Seconds from `since` until supervisord has `program` running under a new pid and
    `health()` holds; None after `timeout` s."""
    while time.monotonic() - since < timeout:
        info = supervisor.getProcessInfo(program)
        if info["statename"] == "RUNNING" and info["pid"] not in (0, old_pid) and health():
            return time.monotonic() - since
        time.sleep(0.25)
    return None


@contextmanager
def killed_under_load(servers, program: str, before: float) -> Iterator[Tuple[Load, int, float]]:
    """The conversations talking; after `before` s, `program` killed with SIGKILL, as the
    out-of-memory killer would. Yields (the load, the program's pid, the moment of the kill)."""
    with Load(servers.bot, f"{program}-killed").running() as load:
        time.sleep(before)
        old_pid, moment = pid_of(servers.supervisor, program), time.monotonic()
        os.kill(old_pid, signal.SIGKILL)
        yield load, old_pid, moment


def rasa_server_killed(servers, database: str, before: float = 5, after: float = 15) -> FaultResult:
    """SIGKILL Rasa server 1 (as the out-of-memory killer would) under load."""
    supervisor = servers.supervisor
    with killed_under_load(servers, "rasa-1", before) as (load, old_pid, moment):
        time.sleep(after)
    server_url = servers.health_urls["rasa-1"]
    restarted = wait_until_running_again(supervisor, "rasa-1", old_pid, lambda: answers(server_url), moment)
    result = result_of("A Rasa server killed (SIGKILL) under load", load, moment, database,
                       load.recovered_after(moment))
    result.restarted_seconds = restarted
    result.notes.append(f"supervisord had it answering again {restarted:.0f} s after the kill" if restarted
                        else "supervisord did not have it answering again within 180 s")
    return result


def action_server_killed(servers, database: str, before: float = 3, after: float = 40) -> FaultResult:
    """SIGKILL the action server under load: "try again" replies until supervisord restarts it."""
    with killed_under_load(servers, "actions", before) as (load, _, moment):
        deadline = moment + after
        while time.monotonic() < deadline and load.first_right_after(moment + 1) is None:
            time.sleep(0.5)
        time.sleep(SETTLING_SECONDS + 5)
    result = result_of("The action server killed (SIGKILL) under load", load, moment, database,
                       load.recovered_after(moment))
    told = sum(1 for t in load.after(moment) if t.reply == UNAVAILABLE_REPLY)
    result.notes.append(f"{told} turns meanwhile got \"{UNAVAILABLE_REPLY}\"; supervisord restarted it")
    return result


def redis_killed(servers, database: str, before: float = 3, after: float = 60) -> FaultResult:
    """SIGKILL Redis (the Rasa servers' locks) under load; supervisord starts a new, empty one."""
    with killed_under_load(servers, "redis", before) as (load, old_pid, moment):
        restarted = wait_until_running_again(servers.supervisor, "redis", old_pid, lambda: True, moment, after)
        time.sleep(SETTLING_SECONDS + 5)
    result = result_of("Redis (the locks) killed (SIGKILL) under load", load, moment, database,
                       load.recovered_after(moment))
    result.restarted_seconds = restarted
    overlapping = overlapping_pairs(servers, database, f"redis-killed-locks-{load.run}")
    result.notes.append(f"afterwards, {overlapping} of {len(SIMULTANEOUS)} pairs of simultaneous messages of one "
                        "conversation (one to each Rasa server) were taken at once: 0 means the locks work again")
    result.overlapping_pairs = overlapping
    return result


#: Pairs of messages of one conversation sent at the same moment, one to each Rasa server.
SIMULTANEOUS = [("hi", "thanks")] * 8


def overlapping_pairs(servers, database: str, name: str) -> int:
    """How many SIMULTANEOUS pairs the store shows taken at once (the second message started
    before the first was answered): 0 when the locks work."""
    from concurrent.futures import ThreadPoolExecutor

    bots = [Bot(servers.health_urls[f"rasa-{number}"].rstrip("/")) for number in (1, 2)]
    with ThreadPoolExecutor(max_workers=2 * len(SIMULTANEOUS)) as pool:
        futures = [pool.submit(bots[server].ask, f"{name}-{number}", message)
                   for number, pair in enumerate(SIMULTANEOUS) for server, message in enumerate(pair)]
        for future in futures:
            future.result()
    stored = stored_turns(database)
    overlapping = 0
    for number in range(len(SIMULTANEOUS)):
        first, second = sorted(stored[f"{name}-{number}"], key=lambda turn: turn.received)[:2]
        overlapping += second.received < first.finished
    return overlapping


def rolling_restart(servers, database: str, before: float = 3) -> FaultResult:
    """A deploy: each Rasa server in turn stopped (SIGTERM: it finishes the turns it holds)
    and started again, under load."""
    supervisor = servers.supervisor
    with Load(servers.bot, "rolling-restart").running() as load:
        time.sleep(before)
        moment = time.monotonic()
        for program in ("rasa-1", "rasa-2"):
            old_pid = pid_of(supervisor, program)
            supervisor.stopProcess(program, True)
            supervisor.startProcess(program, False)
            health = functools.partial(answers, servers.health_urls[program])
            if wait_until_running_again(supervisor, program, old_pid, health, time.monotonic()) is None:
                raise RuntimeError(f"{program} did not answer again within 180 s of its restart")
        took = time.monotonic() - moment
        time.sleep(SETTLING_SECONDS)
    result = result_of("A rolling restart of both Rasa servers (SIGTERM, then start) under load", load, moment,
                       database, load.recovered_after(moment))
    result.notes.append(f"both servers restarted one after the other in {took:.0f} s")
    return result


def postgres_restarted(servers, database: str, restart: Callable[[], None], before: float = 3) -> FaultResult:
    """PostgreSQL (the conversation store of several servers) restarted under load."""
    pids = {program: pid_of(servers.supervisor, program) for program in ("rasa-1", "rasa-2")}
    with Load(servers.bot, "postgres-restarted").running() as load:
        time.sleep(before)
        moment = time.monotonic()
        restart()
        took = time.monotonic() - moment
        time.sleep(SETTLING_SECONDS + 5)
    result = result_of("PostgreSQL restarted under load (two Rasa servers sharing it)", load, moment, database,
                       load.recovered_after(moment))
    same = all(pid_of(servers.supervisor, program) == pid for program, pid in pids.items())
    result.notes.append(f"the restart took {took:.1f} s; the Rasa servers "
                        f"{'reconnected by themselves, without a restart' if same else 'were restarted'}")
    result.same_rasa_servers = same
    return result


#: The faults on the servers `make run` starts (the SQLite store of `make run`).
FAULTS = [rasa_server_killed, action_server_killed, redis_killed, rolling_restart]


def markdown(results: List[FaultResult], revision: str) -> str:
    lines = [
        "# Faults: what students see when a part of `make run` fails",
        "",
        f"`make faults` at {revision}, on this machine; {CONVERSATIONS} conversations of "
        f"{len(EXCHANGE)}-turn exchanges, two of the four turns needing the one before.",
        "",
        f"| fault | turns sent | failed | not right after {SETTLING_SECONDS} s | wrong (context lost) | lost "
        f"| doubled | conversations going on (of {CONVERSATIONS}) | every answer right again after "
        "| slowest reply after the fault |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        back = f"{r.recovery_seconds:.1f} s" if r.recovery_seconds is not None else "never"
        share = f"{r.failed_after_settling}/{r.sent_after_settling} ({100 * r.failed_share_after_settling():.1f}%)"
        lines.append(f"| {r.fault} | {r.sent} | {r.failed} | {share} | {r.wrong} | {r.lost} | {r.doubled} "
                     f"| {r.going_on} | {back} | {r.slowest_seconds:.1f} s |")
    lines.append("")
    for r in results:
        for note in r.notes:
            lines.append(f"- {r.fault}: {note}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "faults.md")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="faults-") as folder:
        workdir = Path(folder)
        for store in ("sqlite", "postgres"):
            (workdir / store).mkdir()
        with running_servers(MODEL, workdir / "sqlite", with_web_page=False) as servers:
            database = f"sqlite:///{workdir / 'sqlite' / 'conversations.db'}"
            for fault in FAULTS:
                print(f"{fault.__doc__.splitlines()[0]} ...", flush=True)
                results.append(fault(servers, database))
        print(f"{postgres_restarted.__doc__.splitlines()[0]} ...", flush=True)
        with restartable_postgres_server() as (database, restart), running_servers(
            MODEL, workdir / "postgres", with_web_page=False, environment={DB_URL_VARIABLE: database}
        ) as servers:
            results.append(postgres_restarted(servers, database, restart))
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                              text=True).stdout.strip()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(results, revision))
    print(args.out.read_text())


if __name__ == "__main__":
    sys.exit(main())
