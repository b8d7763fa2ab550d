"""Security defaults: Rasa's HTTP API is off unless a token is set, and then needs it; every
server listens on loopback only; settings come from the environment, none committed."""
import subprocess
import urllib.error
import urllib.request

import pytest
import yaml

from scripts.bot_servers import ServerStartError, running_servers
from tests.servers import PROJECT_ROOT

API_TOKEN = "a-long-random-test-token"


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def listening_addresses(port: int) -> set:
    """Local addresses of the TCP sockets listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_the_http_api_is_off_by_default(running_bot):
    assert status(f"{running_bot.url}/status") == 404
    assert status(f"{running_bot.url}/conversations/anyone/tracker") == 404


def test_with_a_token_the_http_api_is_on_and_needs_it(trained_model, tmp_path):
    try:
        with running_servers(trained_model, tmp_path, False, {"RASA_API_TOKEN": API_TOKEN}) as servers:
            assert status(f"{servers.url}/status") == 401
            assert status(f"{servers.url}/status?token=wrong") == 401
            assert status(f"{servers.url}/status?token={API_TOKEN}") == 200
    except ServerStartError as error:
        pytest.fail(str(error))


def test_every_server_listens_on_loopback_only(running_bot):
    action_url = yaml.safe_load((running_bot.log.parent / "endpoints.yml").read_text())["action_endpoint"]["url"]
    ports = [int(action_url.split(":")[2].split("/")[0]), int(running_bot.url.rsplit(":", 1)[1]),
             int(running_bot.web_url.rstrip("/").rsplit(":", 1)[1])]
    for port in ports:
        assert listening_addresses(port) == {"0100007F"}, f"port {port}"  # 127.0.0.1


def test_no_settings_file_is_committed():
    tracked = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout.split()
    assert ".env.example" in tracked and ".env" not in tracked
