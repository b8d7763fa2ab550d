"""The socket.io channel answers only the web origins of credentials.yml
(channels/socketio_origins.py); the REST channel keeps working for other clients."""
import urllib.error
import urllib.request

import pytest

from tests.knowledge_files import FIGURE_ANSWER, FIGURE_QUESTION

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def handshake(url: str, origin: str):
    request = urllib.request.Request(url + HANDSHAKE, headers={"Origin": origin})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_the_demo_page_origin_may_open_a_socket(running_bot):
    page_origin = running_bot.web_url.rstrip("/")
    status, headers, body = handshake(running_bot.url, page_origin)
    assert status == 200 and body.startswith("0{")
    assert headers["Access-Control-Allow-Origin"] == page_origin
    assert len(headers.get_all("Access-Control-Allow-Origin")) == 1


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:1"])
def test_other_origins_are_refused(running_bot, origin):
    status, headers, body = handshake(running_bot.url, origin)
    assert status == 400 and "not an accepted origin" in body
    assert "Access-Control-Allow-Origin" not in headers


def test_rest_channel_still_serves_clients_without_an_origin(running_bot):
    assert FIGURE_ANSWER in running_bot.bot.reply_text("origins-test", FIGURE_QUESTION)


def test_allowed_origins_must_be_configured():
    from channels.socketio_origins import SocketIOWithAllowedOrigins

    with pytest.raises(ValueError, match="allowed_origins"):
        SocketIOWithAllowedOrigins.from_credentials({"user_message_evt": "user_uttered"})
    channel = SocketIOWithAllowedOrigins.from_credentials({"allowed_origins": ["https://advising.example.edu/"]})
    assert channel.allowed_origins == ["https://advising.example.edu"]
