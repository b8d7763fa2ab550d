"""At the default log level no server writes what a student typed into its log: the
servers run for months, and the conversations are the school's to keep private."""
import json
import urllib.error
import urllib.request

MARKER = "zebra4711"
MESSAGES = [
    f"how much does it pay, my name is {MARKER}",
    f"my name is {MARKER} and I like football",
    f"¿Cuánto gana un codificador, {MARKER}?",
    f"{MARKER} " * 300,
    f"/ask_pay{{\"aspect\": \"{MARKER}\"}}",
]


def test_no_message_text_in_the_servers_logs(running_bot):
    for number, message in enumerate(MESSAGES):
        assert running_bot.bot.reply_text(f"privacy-{number}", message)
    malformed = json.dumps({"sender": "privacy", "message": {"text": MARKER}}).encode()
    request = urllib.request.Request(
        f"{running_bot.url}/webhooks/rest/webhook", data=malformed, headers={"Content-Type": "application/json"}
    )
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        assert error.code == 400
    log = running_bot.log.read_text()
    assert "Rasa server is up and running" in log or "Starting Rasa server" in log  # the log is the servers'
    assert MARKER not in log
