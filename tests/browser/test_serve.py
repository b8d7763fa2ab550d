"""web/serve.py without a browser: allow-list, CSP, config override and its error messages."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from actions.knowledge import PROJECT_ROOT
from tests.knowledge_files import SERVED

SERVE_PY = PROJECT_ROOT / "web" / "serve.py"
# The page server imports the knowledge loader from the project, as `make run` starts it.
WITH_THE_PROJECT = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}


def load_serve_module():
    spec = importlib.util.spec_from_file_location("web_serve", SERVE_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_node_modules_is_explained(monkeypatch, tmp_path, capsys):
    serve = load_serve_module()
    monkeypatch.setattr(serve, "WEBCHAT_BUNDLE", tmp_path / "node_modules" / "rasa-webchat" / "lib" / "index.js")
    monkeypatch.setattr(serve, "WEB_DIR", tmp_path)
    assert serve.main(["--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "missing" in err and "make web" in err and "npm ci" in err


def test_busy_port_is_explained():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, str(SERVE_PY), "--port", str(port)], capture_output=True, text=True, timeout=30,
            env=WITH_THE_PROJECT,
        )
    if "is missing" in result.stderr:
        pytest.skip("web/node_modules not installed (run `make web`)")
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr


def test_serves_only_the_allow_list_with_override_and_csp():
    proc = subprocess.Popen(
        [sys.executable, str(SERVE_PY), "--port", "0", "--rasa-url", "http://127.0.0.1:5999", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=WITH_THE_PROJECT,
    )
    try:
        line = proc.stdout.readline()
        if proc.poll() is not None:
            err = proc.stderr.read()
            if "is missing" in err:
                pytest.skip("web/node_modules not installed (run `make web`)")
            pytest.fail(err)
        base = line.split(" at ", 1)[1].split()[0]
        with urllib.request.urlopen(base) as r:
            csp = r.headers["Content-Security-Policy"]
            page = r.read().decode()
        # The career's name comes from the knowledge file, on the page and in the widget.
        assert f"<title>Explore careers: {SERVED.career_name.lower()}</title>" in page
        assert "{{" not in page
        assert "connect-src 'self' http://127.0.0.1:5999 ws://127.0.0.1:5999" in csp
        with urllib.request.urlopen(base + "config.json") as r:
            config = json.load(r)
        assert config["socketUrl"] == "http://127.0.0.1:5999"
        assert config["subtitle"] == SERVED.career_name[:1].upper() + SERVED.career_name[1:]
        with urllib.request.urlopen(base + "vendor/rasa-webchat.js") as r:
            assert b"fonts.googleapis.com" not in r.read()  # nothing fetched from a CDN at run time
        for path in ("node_modules/rasa-webchat/package.json", "serve.py", "../README.md", "package.json"):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(base + path)
            assert err.value.code == 404, path
    finally:
        proc.terminate()
        proc.wait(timeout=10)
