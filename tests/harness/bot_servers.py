"""Start the bot's real servers on free loopback ports, as `make run` does.

Shared by the test fixtures, `make evaluate` and `make bench`, so all talk to exactly what a
student talks to: the action server, the Rasa server (REST and socket.io) and,
optionally, the demo page.
"""
import json
import os
import signal
import subprocess
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Iterator, List, Optional

import yaml

from actions.knowledge import PROJECT_ROOT
from scripts.ports import HOST, free_port
from scripts.serve import READY_MESSAGE, SupervisorCalls, answers

PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
# This project's Rasa: Rasa's command line with the patches applied (patches/__main__.py).
PATCHED_RASA = [str(PYTHON), "-m", "patches"]
# Rasa's own, unpatched: for the `rasa init` bot that `make bench` compares with.
RASA = PROJECT_ROOT / ".venv" / "bin" / "rasa"
SOCKETIO_CHANNEL = "channels.socketio_origins.SocketIOWithAllowedOrigins"


class ServerStartError(RuntimeError):
    """The servers stopped or did not answer during start-up; carries the log's tail."""


class Bot:
    """A client of the REST channel of a running Rasa server."""

    def __init__(self, url: str) -> None:
        self.url = url

    def ask(self, sender: str, message: str) -> List[dict]:
        request = urllib.request.Request(
            f"{self.url}/webhooks/rest/webhook",
            data=json.dumps({"sender": sender, "message": message}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def reply_text(self, sender: str, message: str) -> str:
        return "\n".join(m.get("text", "") for m in self.ask(sender, message))


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    _wait_for(lambda: answers(url), f"{url} did not answer", process, log, timeout)


def wait_until_started_up(process: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    """Wait until scripts/serve.py says start-up is over. Before that, one server may answer
    while another still starts, and a process that dies then stops them all (serve.py)."""
    def started_up() -> bool:
        return READY_MESSAGE in log.read_text(errors="replace")

    _wait_for(started_up, "the servers did not finish starting", process, log, timeout)


def _wait_for(holds: Callable[[], bool], not_yet: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    """Poll `holds` until it does; ServerStartError with the log's tail if `process` stops
    first, or (`not_yet`) after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(f"the servers stopped during start-up:\n{log.read_text()[-3000:]}")
        if holds():
            return
        time.sleep(0.5)
    raise ServerStartError(f"{not_yet} within {timeout} s:\n{log.read_text()[-3000:]}")


def credentials_allowing(origin: str, target: Path) -> Path:
    """credentials.yml with the socket.io channel open to one web origin only."""
    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    credentials[SOCKETIO_CHANNEL]["allowed_origins"] = [origin]
    target.write_text(yaml.safe_dump(credentials))
    return target


def action_server_command(port: int) -> List[str]:
    """The action server as scripts/serve.py starts it (with LOOPBACK_ONLY in its environment)."""
    return [str(PYTHON), "-m", "actions", "--actions", "actions", "-p", str(port)]


LOOPBACK_ONLY = {"SANIC_HOST": HOST}


def rasa_server_arguments(port: int, endpoints: Path, model: Path, credentials: Path = None) -> List[str]:
    """Rasa's command line arguments of a Rasa server."""
    return ["run", "-i", HOST, "-p", str(port), "--endpoints", str(endpoints),
            "--credentials", str(credentials or PROJECT_ROOT / "credentials.yml"), "--model", str(model)]


def rasa_server_command(port: int, endpoints: Path, model: Path, credentials: Path = None) -> List[str]:
    return [*PATCHED_RASA, *rasa_server_arguments(port, endpoints, model, credentials)]


def endpoints_with_action_server(action_url: str, target: Path) -> Path:
    """endpoints.yml (its conversation and lock stores) with another action server."""
    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    endpoints["action_endpoint"]["url"] = action_url
    target.write_text(yaml.safe_dump(endpoints))
    return target


@contextmanager
def running_servers(
    model: Path, workdir: Path, with_web_page: bool = True, environment: Optional[dict] = None
) -> Iterator[SimpleNamespace]:
    """Yield `bot` (a REST client), `url`, `web_url` (None without the page), `log`,
    `serve_pid` (of scripts/serve.py, whose descendants are every server process) and
    `supervisor` (supervisord's XML-RPC interface), `health_urls` (each program's);
    the socket.io channel allows the page's origin only; conversations are kept in a
    SQLite file in `workdir` unless `environment` sets CONVERSATIONS_DB_URL. Everything
    stops afterwards."""
    action_port, rasa_port = free_port(), free_port()
    web_port: Optional[int] = free_port() if with_web_page else None
    url = f"http://{HOST}:{rasa_port}"
    web_url = f"http://{HOST}:{web_port}/" if web_port else None
    endpoints = endpoints_with_action_server(f"http://{HOST}:{action_port}/webhook", workdir / "endpoints.yml")
    credentials = credentials_allowing((web_url or f"http://{HOST}:1").rstrip("/"), workdir / "credentials.yml")
    web_args = ["--web", str(web_port), url] if web_port else []
    log = workdir / "servers.log"
    rasa_arguments = rasa_server_arguments(rasa_port, endpoints, model, credentials)
    command = [str(PYTHON), "-m", "scripts.serve", *web_args, str(action_port), "--", *rasa_arguments]
    environment = {"SUPERVISOR_DIR": str(workdir / "supervisor"), **with_conversation_store(workdir, environment)}
    with started(command, log, environment) as process:
        wait_until_started_up(process, log)
        wait_until_up(url, process, log)
        supervisor_dir = workdir / "supervisor"
        yield SimpleNamespace(bot=Bot(url), url=url, web_url=web_url, log=log, serve_pid=process.pid,
                              supervisor=SupervisorCalls(supervisor_dir),
                              health_urls=json.loads((supervisor_dir / "health_urls.json").read_text()))


@contextmanager
def rasa_server(model: Path, workdir: Path, action_port: int, environment: Optional[dict] = None) -> Iterator[Bot]:
    """One Rasa server, started alone (no action server), whose action endpoint is
    `action_port`; conversations in a SQLite file in `workdir` unless `environment` says."""
    port = free_port()
    log = workdir / f"rasa-{port}.log"
    endpoints = endpoints_with_action_server(f"http://{HOST}:{action_port}/webhook", workdir / "endpoints.yml")
    environment = with_conversation_store(workdir, environment)
    with started(rasa_server_command(port, endpoints, model), log, environment) as process:
        wait_until_up(f"http://{HOST}:{port}", process, log)
        yield Bot(f"http://{HOST}:{port}")


@contextmanager
def action_server(workdir: Path, port: int) -> Iterator[None]:
    """The action server alone, on `port` of 127.0.0.1."""
    log = workdir / f"actions-{port}.log"
    with started(action_server_command(port), log, LOOPBACK_ONLY) as process:
        wait_until_up(f"http://{HOST}:{port}/health", process, log)
        yield


def with_conversation_store(workdir: Path, environment: Optional[dict]) -> dict:
    """`environment`, with conversations kept in a SQLite file in `workdir` unless it sets
    CONVERSATIONS_DB_URL itself."""
    return {"CONVERSATIONS_DB_URL": f"sqlite:///{workdir / 'conversations.db'}", **(environment or {})}


@contextmanager
def started(command: List[str], log: Path, environment: Optional[dict] = None) -> Iterator[subprocess.Popen]:
    """Run `command` from the project root in its own process group, output to `log`;
    the whole group is stopped afterwards."""
    log.unlink(missing_ok=True)
    # appended to: the servers under supervisord open the same file again (scripts/serve.py)
    with log.open("a") as log_file:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **(environment or {})},
        )
    try:
        yield process
    finally:
        stop_group(process)


def process_tree(pid: int) -> List[Path]:
    """The /proc folder of `pid` and of every running descendant of it (one may end while it
    is read: its files then raise OSError)."""
    children: dict = {}
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit():
                parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(proc)
        except OSError:  # ended since the listing
            continue
    tree, waiting = [], [Path(f"/proc/{pid}")]
    while waiting:
        proc = waiting.pop()
        tree.append(proc)
        waiting.extend(children.get(int(proc.name), []))
    return tree


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM the process group (supervisord then stops its programs, each in its own group,
    a Rasa server within 20 s), SIGKILL it and every process it had started if anything is
    still there after 45 s."""
    started_processes = {proc: _command_line(proc) for proc in process_tree(process.pid)[1:]}
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=45)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    for proc, command_line in started_processes.items():
        if command_line and _command_line(proc) == command_line:  # left behind (there should be none)
            with suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGKILL)


def _command_line(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:  # it has ended
        return b""
