"""Failures a school's deployment meets: the action server down or slow (the student is
told to try again, and the conversation goes on once it is back), a broken knowledge file
(the action server refuses to start, naming file, entry and problem), and a conversation
store that cannot be reached (the Rasa server stops, naming the store and why), and a
machine without the balancer `make run` needs (the start stops at once, saying what to do)."""
import re
import socket
import subprocess
import threading
import time
from contextlib import contextmanager

from actions.knowledge import PROJECT_ROOT
from channels.checks import UNAVAILABLE_REPLY
from scripts.ports import HOST, free_port
from stores.conversation_store import DB_URL_VARIABLE
from tests.harness.bot_servers import (
    LOOPBACK_ONLY,
    PYTHON,
    action_server,
    action_server_command,
    endpoints_with_action_server,
    rasa_server,
    rasa_server_command,
)
from tests.knowledge_files import FIGURE_ANSWER, FIGURE_QUESTION, FIGURE_TOPIC, MADE_UP_CAREER_FILE


@contextmanager
def silent_server(port: int):
    """Accepts connections on `port` and never answers: an action server that hangs."""
    listener = socket.create_server((HOST, port))
    connections = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connections.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        for connection in connections:
            connection.close()
        listener.close()


def test_without_the_action_server_the_student_is_told_to_try_again_and_the_conversation_goes_on(
    trained_model, tmp_path
):
    action_port = free_port()
    with rasa_server(trained_model, tmp_path, action_port) as bot:
        assert bot.reply_text("student", FIGURE_QUESTION) == UNAVAILABLE_REPLY
        with action_server(tmp_path, action_port):
            assert FIGURE_ANSWER in bot.reply_text("student", FIGURE_QUESTION)
            source = FIGURE_TOPIC.headline.source.title
            assert source in bot.reply_text("student", "where does that come from?")


def test_a_hanging_action_server_costs_the_student_the_timeout_not_five_minutes(trained_model, tmp_path):
    action_port = free_port()
    with (
        silent_server(action_port),
        rasa_server(trained_model, tmp_path, action_port, {"ACTION_SERVER_TIMEOUT": "2"}) as bot,
    ):
        start = time.monotonic()
        reply = bot.reply_text("student", FIGURE_QUESTION)
        print(f"reply after {time.monotonic() - start:.1f} s")
        assert reply == UNAVAILABLE_REPLY


def test_a_broken_knowledge_file_stops_the_action_server_naming_file_entry_and_problem(tmp_path):
    broken = tmp_path / "knowledge.yml"
    original = MADE_UP_CAREER_FILE.read_text()
    broken.write_text(original.replace("url: https://", "url: 42 # https://", 1))
    result = subprocess.run(
        action_server_command(free_port()), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        env={**LOOPBACK_ONLY, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "KNOWLEDGE_FILE": str(broken)},
    )
    assert result.returncode != 0
    assert f"{broken}: source" in result.stdout + result.stderr
    assert "url" in result.stdout + result.stderr


def test_an_unreachable_conversation_store_stops_the_rasa_server_naming_it(trained_model, tmp_path):
    endpoints = endpoints_with_action_server(f"http://{HOST}:1/webhook", tmp_path / "endpoints.yml")
    endpoints.write_text(endpoints.read_text().replace("connect_timeout: 10", "connect_timeout: 1"))
    result = subprocess.run(
        rasa_server_command(free_port(), endpoints, trained_model), cwd=PROJECT_ROOT, capture_output=True,
        text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), DB_URL_VARIABLE: "postgresql://rasa:pw@127.0.0.1:1/chat"},
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Cannot reach the conversation store postgresql://rasa:***@127.0.0.1:1/chat" in output
    assert "refused" in output and "pw@" not in output


def serve(environment: dict) -> subprocess.CompletedProcess:
    """scripts/serve.py starting the servers as `make run` does (on free ports)."""
    command = [str(PYTHON), "-m", "scripts.serve", str(free_port()), "--", "run", "-i", HOST,
               "-p", str(free_port()), "--model", "models/nothing-is-loaded.tar.gz"]
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), **environment})


def test_without_haproxy_make_run_stops_at_once_saying_what_to_do():
    started = time.monotonic()
    result = serve({"HAPROXY": "/nowhere/haproxy"})
    assert result.returncode != 0
    assert "haproxy is missing" in result.stderr and "RASA_SERVERS=1" in result.stderr
    assert time.monotonic() - started < 30  # before any Rasa server loads a model


def test_an_unsupported_number_of_rasa_servers_is_refused():
    result = serve({"RASA_SERVERS": "3"})
    assert result.returncode != 0
    assert "RASA_SERVERS=3 is not supported" in result.stderr


def test_a_start_up_failure_under_the_supervisor_stops_make_run_at_once_naming_it(tmp_path):
    """A broken knowledge file: the action server stops during start-up, and the start stops
    with it instead of restarting it again and again."""
    broken = tmp_path / "knowledge.yml"
    broken.write_text(MADE_UP_CAREER_FILE.read_text().replace("url: https://", "url: 42 # https://", 1))
    started = time.monotonic()
    result = serve({"KNOWLEDGE_FILE": str(broken), "SUPERVISOR_DIR": str(tmp_path / "supervisor"),
                    "CONVERSATIONS_DB_URL": f"sqlite:///{tmp_path / 'conversations.db'}"})
    assert result.returncode == 1
    assert f"{broken}: source" in result.stdout + result.stderr
    assert "The action server stopped during start-up" in result.stderr
    assert time.monotonic() - started < 60
    assert "entered FATAL" not in (tmp_path / "supervisor" / "supervisord.log").read_text()


def test_an_unreachable_database_under_the_supervisor_stops_make_run_at_once_naming_it(tmp_path):
    started = time.monotonic()
    unreachable = "postgresql://rasa:pw@127.0.0.1:1/chat"
    result = serve({"SUPERVISOR_DIR": str(tmp_path / "supervisor"), DB_URL_VARIABLE: unreachable})
    assert result.returncode == 1
    assert "Cannot reach the conversation store postgresql://rasa:***@127.0.0.1:1/chat" in result.stdout + result.stderr
    assert re.search(r"Rasa server [12] stopped during start-up", result.stderr)
    assert time.monotonic() - started < 60
