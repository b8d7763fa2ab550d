"""PostgreSQL and Redis servers started on loopback in a temporary folder, for the tests
(several servers, the stores, purge); each stops (and its data goes) afterwards.

Debian's packages provide them (`make test` installs them where missing). PostgreSQL
refuses to run as root, so as root it runs as the `postgres` user Debian's package creates.
"""
import glob
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, List, Tuple

import redis

from scripts.ports import HOST, free_port


class MissingServer(RuntimeError):
    """A database server's program is not installed."""


def _postgres_bin(program: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"))
    if not found:
        raise MissingServer(f"PostgreSQL's {program} is missing: run `make test` (installs Debian's postgresql)")
    return found[-1]


def _as_postgres_user(command: List[str]) -> List[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new PostgreSQL database on a free loopback port."""
    with restartable_postgres_server() as (url, _):
        yield url


@contextmanager
def restartable_postgres_server() -> Iterator[Tuple[str, Callable[[], None]]]:
    """Yield the URL of a new PostgreSQL database and a function that restarts its server
    (fast shutdown: open connections are cut, as in a database's restart for an upgrade)."""
    with tempfile.TemporaryDirectory(prefix="postgres-") as folder:
        workdir = Path(folder)
        if os.geteuid() == 0:
            shutil.chown(workdir, "postgres")
        data, log = workdir / "data", workdir / "postgres.log"
        port = free_port()
        pg_ctl = [_postgres_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60"]
        options = ["-o", f"-h {HOST} -p {port} -k {workdir} -F"]

        def run(*command: str) -> None:
            subprocess.run(_as_postgres_user(list(command)), check=True, capture_output=True, text=True)

        run(_postgres_bin("initdb"), "-D", str(data), "-U", "rasa", "--auth=trust", "-E", "UTF8")
        run(*pg_ctl, "start", *options)
        try:
            run(_postgres_bin("createdb"), "-h", HOST, "-p", str(port), "-U", "rasa", "conversations")
            url = f"postgresql://rasa@{HOST}:{port}/conversations"
            yield url, lambda: run(*pg_ctl, "-m", "fast", "restart", *options)
        finally:
            run(_postgres_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")


@contextmanager
def redis_server() -> Iterator[str]:
    """Yield the redis:// URL of a new Redis server on a free loopback port (no persistence)."""
    program = shutil.which("redis-server")
    if not program:
        raise MissingServer("redis-server is missing: run `make test` (installs Debian's redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [program, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    try:
        client = redis.Redis(host=HOST, port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        yield f"redis://{HOST}:{port}/1"
    finally:
        process.terminate()
        process.wait(timeout=10)
