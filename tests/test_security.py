"""Security defaults: Rasa's HTTP API is off unless a token is set, and then needs it; every
server listens on loopback only; settings come from the environment, none committed."""
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from actions.knowledge import PROJECT_ROOT
from tests.harness.bot_servers import ServerStartError, process_tree, running_servers

API_TOKEN = "a-long-random-test-token"


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def listening_sockets() -> dict:
    """{socket inode: (local address, port)} of every listening TCP socket (/proc/net/tcp, tcp6)."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] == "0A":  # LISTEN
                found[fields[9]] = (address, int(port_hex, 16))
    return found


def socket_inodes_of_tree(pid: int) -> set:
    """Inodes of the sockets open in `pid` and every process it started."""
    inodes = set()
    for proc in process_tree(pid):
        try:
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:["):-1])
        except OSError:
            continue
    return inodes


def test_the_http_api_is_off_by_default(running_bot):
    assert status(f"{running_bot.url}/status") == 404
    assert status(f"{running_bot.url}/conversations/anyone/tracker") == 404


def test_with_a_token_the_http_api_is_on_and_needs_it(trained_model, tmp_path):
    """Each Rasa server checks the token itself: one of them (RASA_SERVERS=1) shows it."""
    try:
        environment = {"RASA_API_TOKEN": API_TOKEN, "RASA_SERVERS": "1"}
        with running_servers(trained_model, tmp_path, False, environment) as servers:
            assert status(f"{servers.url}/status") == 401
            assert status(f"{servers.url}/status?token=wrong") == 401
            assert status(f"{servers.url}/status?token={API_TOKEN}") == 200
    except ServerStartError as error:
        pytest.fail(str(error))


def test_every_server_listens_on_loopback_only(running_bot):
    """Every listening socket of every server process (action server, both Rasa servers,
    HAProxy, Redis, demo page) is on 127.0.0.1."""
    action_url = yaml.safe_load((running_bot.log.parent / "endpoints.yml").read_text())["action_endpoint"]["url"]
    known_ports = {int(action_url.split(":")[2].split("/")[0]), int(running_bot.url.rsplit(":", 1)[1]),
                   int(running_bot.web_url.rstrip("/").rsplit(":", 1)[1])}
    inodes = socket_inodes_of_tree(running_bot.serve_pid)
    listening = [address for inode, address in listening_sockets().items() if inode in inodes]
    assert known_ports <= {port for _, port in listening}
    # with two Rasa servers (RASA_SERVERS, default 2) also HAProxy's servers and Redis
    assert len(listening) >= (3 if os.environ.get("RASA_SERVERS") == "1" else 6), listening
    for address, port in listening:
        assert address == "0100007F", f"port {port} listens on {address}"  # 127.0.0.1


def test_no_settings_file_is_committed():
    tracked = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout.split()
    assert ".env.example" in tracked and ".env" not in tracked
