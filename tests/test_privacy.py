"""At the default log level no server writes what a student typed into its log: the
servers run for months, and the conversations are the school's to keep private."""
import json
import urllib.error
import urllib.request

import pytest

from tests.knowledge_files import FIGURE_QUESTION, FIGURE_TOPIC

MARKER = "zebra4711"
MESSAGES = [
    f"{FIGURE_QUESTION}, my name is {MARKER}",
    f"my name is {MARKER} and I like football",
    f"¿Cuánto gana un codificador, {MARKER}?",
    f"{MARKER} " * 300,
    f"/{FIGURE_TOPIC.intent}{{\"aspect\": \"{MARKER}\"}}",
]


def test_no_message_text_in_the_servers_logs(running_bot):
    for number, message in enumerate(MESSAGES):
        assert running_bot.bot.reply_text(f"privacy-{number}", message)
    malformed = json.dumps({"sender": "privacy", "message": {"text": MARKER}}).encode()
    request = urllib.request.Request(
        f"{running_bot.url}/webhooks/rest/webhook", data=malformed, headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400
    log = running_bot.log.read_text()
    assert "Rasa server is up and running" in log or "Starting Rasa server" in log  # the log is the servers'
    assert MARKER not in log
