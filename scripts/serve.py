"""Start what `make run` (or `make shell`) needs under supervisord, which restarts a process
that dies while the others go on answering.

`make run` starts the action server, two Rasa servers on free loopback ports behind HAProxy
(scripts/haproxy.cfg) on the address RASA_ARGS' -i/-p name, a Redis on loopback for their
locks (unless LOCK_STORE_URL names one) and, with --web, the demo page. RASA_SERVERS=1
starts one Rasa server on that address instead, with no balancer and no Redis. `make shell`
starts the action server under supervisord and `rasa shell` in the foreground.

Start-up and running are told apart:
- During start-up, a process that stops (a broken knowledge file, an unreachable
  database) stops everything at once: its error is above, and a restart loop would hide it.
- Once everything has answered, supervisord restarts a process that dies, with back-off
  when it dies again at once; HAProxy sends a dead Rasa server's students to the other one
  meanwhile, and scripts/crash_reports.py says so on the console, at most once a minute.
Ctrl-C (or SIGTERM) stops everything; nothing is left running.

Each Rasa server is started by the launcher, `python -m patches RASA_ARGS...` (Rasa's command
line with this project's patches applied first, patches/__init__.py).

SUPERVISOR_DIR (default var/supervisor) keeps supervisord's configuration, socket and log, and
health_urls.json (where each program answers): `.venv/bin/supervisorctl -c
var/supervisor/supervisord.conf status` shows the processes.

Usage: python -m scripts.serve [--web WEB_PORT RASA_URL] ACTION_PORT -- RASA_ARGS...
"""
import http.client
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import xmlrpc.client
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from scripts.ports import HOST, free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")
RASA = [PYTHON, "-m", "patches"]
START_UP_SECONDS = 300
# Printed once start-up is over: from then on a process that dies is restarted, not the end of
# everything (the test harness waits for this line before it kills anything).
READY_MESSAGE = "Every server is up; Ctrl-C stops them all."
# Supervisord's back-off: a process that dies within STARTED_AFTER_SECONDS of its start waits
# 1, 2, 3, ... seconds before the next try; after RESTART_TRIES such tries in a row it is
# given up (FATAL), about 40 minutes on.
STARTED_AFTER_SECONDS = 3
RESTART_TRIES = 70
# Seconds a Rasa server has, after SIGTERM, to finish the turns it holds (Sanic's graceful
# shutdown) before supervisord kills it.
RASA_STOP_SECONDS = 20

# TensorFlow (DIET) on one thread: a Rasa server parses one message at a time, and the other
# core serves the action server; TensorFlow's own kernels, not oneDNN's (for DIET's small
# graph oneDNN's cost more than they save); numpy's OpenBLAS on one thread (its second
# thread spun between the action server's small products). docs/performance.md has the figures.
THREAD_SETTINGS = {
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "OPENBLAS_NUM_THREADS": "1",
}


class StartError(RuntimeError):
    """The servers cannot start; the message says why and what to do."""


@dataclass
class Program:
    """One process under supervisord, and how to tell it is up."""

    name: str
    label: str  # for the console: "the action server", "Rasa server 1"
    command: List[str]
    health_url: Optional[str] = None
    environment: Dict[str, str] = field(default_factory=dict)
    start_later: bool = False  # started by serve once Redis answers (the Rasa servers need it)
    stop_seconds: int = 10
    # supervisord starts lower numbers first and stops higher ones first: on Ctrl-C, HAProxy
    # takes no new turn, then the Rasa servers finish theirs while Redis still holds the locks
    priority: int = 200
    log_hint: str = "its error is above"

    def section(self) -> str:
        lines = [
            f"[program:{self.name}]",
            f"command={_escaped(shlex.join(self.command))}",
            f"directory={_escaped(str(ROOT))}",
            f"autostart={'false' if self.start_later else 'true'}",
            f"priority={self.priority}",
            "autorestart=true",
            f"startsecs={STARTED_AFTER_SECONDS}",
            f"startretries={RESTART_TRIES}",
            "stopsignal=TERM",
            f"stopwaitsecs={self.stop_seconds}",
            "stopasgroup=true",
            "killasgroup=true",
            # the processes' own output goes to the console, as if started without supervisord
            "stdout_logfile=/dev/stdout",
            "stdout_logfile_maxbytes=0",
            "stderr_logfile=/dev/stderr",
            "stderr_logfile_maxbytes=0",
        ]
        if self.environment:
            pairs = ",".join(f'{key}="{_escaped(value)}"' for key, value in self.environment.items())
            lines.append(f"environment={pairs}")
        return "\n".join(lines)


def _escaped(text: str) -> str:
    """`text` in supervisord's configuration, which expands %(name)s."""
    return text.replace("%", "%%")


@dataclass
class Plan:
    """What to start: the programs, and the Rasa command to run in the foreground (shell)."""

    programs: List[Program]
    foreground: Optional[List[str]] = None
    lock_store_port: Optional[int] = None


def _supervisor_dir() -> Path:
    return Path(os.environ.get("SUPERVISOR_DIR") or ROOT / "var" / "supervisor")


def _rasa_address(rasa_args: List[str]) -> Tuple[str, int, List[str]]:
    """The -i/-p of `rasa run RASA_ARGS` (Rasa's defaults otherwise) and the other arguments."""
    host, port, rest = "0.0.0.0", 5005, []
    arguments = iter(rasa_args)
    for argument in arguments:
        if argument in ("-i", "--interface"):
            host = next(arguments)
        elif argument in ("-p", "--port"):
            port = int(next(arguments))
        else:
            rest.append(argument)
    return host, port, rest


def plan(action_port: int, rasa_args: List[str], web: Optional[Tuple[int, str]]) -> Plan:
    """The programs for `rasa_args` (`run ...` or `shell ...`), from the environment's settings."""
    programs = [Program(
        "actions", "the action server", [PYTHON, "-m", "actions", "--actions", "actions", "-p", str(action_port)],
        health_url=f"http://{HOST}:{action_port}/health", environment={"SANIC_HOST": HOST},
    )]
    if web:
        web_port, rasa_url = web
        programs.append(Program(
            "web", "the demo page",
            [PYTHON, str(ROOT / "web" / "serve.py"), "--host", HOST, "--port", str(web_port), "--rasa-url", rasa_url,
             "--quiet"],
            health_url=f"http://{HOST}:{web_port}/",
        ))
    if not rasa_args or rasa_args[0] != "run":
        return Plan(programs, foreground=[*RASA, *rasa_args])

    # Rasa's HTTP API (conversations, model, ...) stays off unless RASA_API_TOKEN is set;
    # then it is on and every API call must carry that token.
    token = os.environ.get("RASA_API_TOKEN")
    api = ["--enable-api", "--auth-token", token] if token else []
    servers = os.environ.get("RASA_SERVERS", "2")
    if servers == "1":
        host, port, _ = _rasa_address(rasa_args)
        health_host = HOST if host in ("0.0.0.0", "") else host
        programs.append(Program("rasa", "the Rasa server", [*RASA, *rasa_args, *api],
                                health_url=f"http://{health_host}:{port}/", stop_seconds=RASA_STOP_SECONDS,
                                priority=300))
        return Plan(programs)
    if servers != "2":
        raise StartError(f"RASA_SERVERS={servers} is not supported: 2 (the default: two Rasa servers behind "
                         "HAProxy) or 1.")

    haproxy = os.environ.get("HAPROXY") or shutil.which("haproxy") or "/usr/sbin/haproxy"
    redis = shutil.which("redis-server") or "redis-server"
    for program in (haproxy, redis):
        if not shutil.which(program):
            raise StartError(f"{Path(program).name} is missing: `make run` installs Debian's haproxy and "
                             "redis-server; or set RASA_SERVERS=1 for one Rasa server without a balancer.")
    host, port, rest = _rasa_address(rasa_args)
    server_ports = [free_port(), free_port()]
    lock_store_port = None
    if not os.environ.get("LOCK_STORE_URL"):
        lock_store_port = free_port()
        programs.append(Program("redis", "Redis (the Rasa servers' locks)",
                                [redis, "--bind", HOST, "--port", str(lock_store_port), "--save", "",
                                 "--appendonly", "no", "--logfile", str(_supervisor_dir() / "redis.log")],
                                priority=100, log_hint=f"its log is {_supervisor_dir() / 'redis.log'}"))
    programs.append(Program(
        "haproxy", "HAProxy", [haproxy, "-db", "-q", "-f", str(ROOT / "scripts" / "haproxy.cfg")], priority=400,
        environment={"BALANCER_ADDRESS": f"{host}:{port}", "RASA_SERVER_1": f"{HOST}:{server_ports[0]}",
                     "RASA_SERVER_2": f"{HOST}:{server_ports[1]}"},
    ))
    for number, server_port in enumerate(server_ports, start=1):
        programs.append(Program(
            f"rasa-{number}", f"Rasa server {number}", [*RASA, *rest, "-i", HOST, "-p", str(server_port), *api],
            health_url=f"http://{HOST}:{server_port}/", start_later=True, stop_seconds=RASA_STOP_SECONDS,
            priority=300,
        ))
    return Plan(programs, lock_store_port=lock_store_port)


def configuration(programs: List[Program], folder: Path) -> str:
    """supervisord.conf: the programs, the crash reporter, and a socket for supervisorctl."""
    reporter = shlex.join([PYTHON, "-m", "scripts.crash_reports",
                           *(f"{program.name}={program.label}" for program in programs)])
    return "\n\n".join([
        f"[supervisord]\nnodaemon=true\nsilent=true\nlogfile={_escaped(str(folder / 'supervisord.log'))}\n"
        f"pidfile={_escaped(str(folder / 'supervisord.pid'))}\nloglevel=info\nchildlogdir={_escaped(str(folder))}",
        f"[unix_http_server]\nfile={_escaped(str(folder / 'supervisor.sock'))}\nchmod=0700",
        "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        f"[supervisorctl]\nserverurl=unix://{_escaped(str(folder / 'supervisor.sock'))}",
        *(program.section() for program in programs),
        f"[eventlistener:crash_reports]\ncommand={_escaped(reporter)}\ndirectory={_escaped(str(ROOT))}\n"
        "events=PROCESS_STATE,TICK_60\nstderr_logfile=/dev/stderr\nstderr_logfile_maxbytes=0\nautorestart=true",
    ]) + "\n"


class SupervisorCalls:
    """supervisord's XML-RPC methods (`supervisor.getProcessInfo`, ...) over its socket in
    `folder`, each call on a connection of its own: supervisord may close one left idle."""

    def __init__(self, folder: Path) -> None:
        self.url = f"unix://{folder / 'supervisor.sock'}"

    def __getattr__(self, method: str):
        from supervisor.xmlrpc import SupervisorTransport

        def call(*arguments):
            transport = SupervisorTransport(None, None, self.url)
            try:
                proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)
                return getattr(proxy.supervisor, method)(*arguments)
            finally:
                transport.close()

        return call


def answers(url: str) -> bool:
    """Whether `url` answers (any HTTP status below 400) within 2 s."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Supervisor:
    """supervisord running `plan`'s programs, started and stopped from here."""

    def __init__(self, plan: Plan, folder: Path) -> None:
        self.plan, self.folder = plan, folder
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "supervisord.conf"
        config.write_text(configuration(plan.programs, folder))
        # where each program answers, for the fault tests and operators' checks
        (folder / "health_urls.json").write_text(json.dumps(
            {program.name: program.health_url for program in plan.programs if program.health_url}, indent=1))
        self.process = subprocess.Popen([str(BIN / "supervisord"), "-c", str(config)], cwd=ROOT)
        self.supervisor = SupervisorCalls(folder)

    def wait_until_started(self) -> None:
        """Return once every program answers; StartError as soon as one stops."""
        deadline = time.monotonic() + START_UP_SECONDS
        first_pids: Dict[str, int] = {}
        later = [program for program in self.plan.programs if program.start_later]
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StartError(f"supervisord stopped (exit status {self.process.returncode}); its error is above.")
            states = self._states()
            if states is not None:
                for program in self.plan.programs:
                    state = states.get(program.name)
                    if not state or (program.start_later and state["statename"] == "STOPPED"):
                        continue
                    if state["pid"]:
                        first_pids.setdefault(program.name, state["pid"])
                    if state["statename"] in ("BACKOFF", "EXITED", "FATAL") or (
                        state["pid"] and state["pid"] != first_pids[program.name]
                    ):
                        raise StartError(
                            f"{program.label[0].upper()}{program.label[1:]} stopped during start-up "
                            f"({state['description'] or state['statename']}); {program.log_hint}."
                        )
                if later and (self.plan.lock_store_port is None or _redis_answers(self.plan.lock_store_port)):
                    for program in later:
                        self.supervisor.startProcess(program.name, False)
                    later = []
                if not later and all(
                    states.get(program.name, {}).get("statename") == "RUNNING"
                    and (not program.health_url or answers(program.health_url))
                    for program in self.plan.programs
                ):
                    return
            time.sleep(0.5)
        raise StartError(f"The servers did not answer within {START_UP_SECONDS} s; their output is above.")

    def _states(self) -> Optional[Dict[str, dict]]:
        try:
            return {info["name"]: info for info in self.supervisor.getAllProcessInfo()}
        except (OSError, http.client.HTTPException, xmlrpc.client.Error):
            return None  # its socket is not open yet

    def stop(self) -> int:
        """Stop every program (each gets its stop time), then supervisord; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        while True:
            try:
                return self.process.wait()
            except KeyboardInterrupt:  # a second Ctrl-C: supervisord is stopping them already
                continue


def _stop_on_sigterm(*_) -> None:
    raise KeyboardInterrupt


def main(argv: List[str]) -> int:
    web = None
    if argv[:1] == ["--web"]:
        web, argv = (int(argv[1]), argv[2]), argv[3:]
    if not argv or "--" not in argv[:2]:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    action_port, rasa_args = int(argv[0]), argv[argv.index("--") + 1:]
    for variable, value in THREAD_SETTINGS.items():
        os.environ.setdefault(variable, value)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    try:
        planned = plan(action_port, rasa_args, web)
    except StartError as error:
        print(error, file=sys.stderr)
        return 1
    if planned.lock_store_port:
        os.environ["LOCK_STORE_URL"] = f"redis://{HOST}:{planned.lock_store_port}/1"
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    supervisor = Supervisor(planned, _supervisor_dir())
    try:
        supervisor.wait_until_started()
        if planned.foreground:
            return subprocess.run(planned.foreground, cwd=ROOT).returncode
        print(READY_MESSAGE, file=sys.stderr, flush=True)
        return supervisor.process.wait()
    except StartError as error:
        print(error, file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        supervisor.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
