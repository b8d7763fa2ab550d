#!/usr/bin/env python3
"""Tiny static server for the career-chat demo page (standard library and the knowledge loader).

Usage:
    python web/serve.py --host 127.0.0.1 --port 8080 [--rasa-url http://127.0.0.1:5005]

It serves only the handful of files the page needs (an allow-list, never the
whole directory tree and never the rest of node_modules):

    /                       -> web/index.html ({{career_name}} filled in from the knowledge file)
    /config.json            -> web/config.json (socketUrl replaced by --rasa-url if given; the
                               widget's subtitle is the career's name from the knowledge file)
    /styles.css, /app.js    -> web/styles.css, web/app.js
    /vendor/rasa-webchat.js -> web/node_modules/rasa-webchat/lib/index.js

The rasa-webchat bundle injects a CSS ``@import`` of a Google Fonts stylesheet;
that import is stripped while serving so the page loads nothing from a CDN, and
a Content-Security-Policy header restricts the page to this server plus the Rasa
server it talks to.

``--port 0`` picks a free port.  The first line printed on stdout is
``Serving career chat demo at <URL>`` so scripts and tests can read the URL.
"""

from __future__ import annotations

import argparse
import errno
import json
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from actions.knowledge import KnowledgeFileError, configured_knowledge_file, load_knowledge

WEB_DIR = Path(__file__).resolve().parent
WEBCHAT_BUNDLE = WEB_DIR / "node_modules" / "rasa-webchat" / "lib" / "index.js"
CONFIG_FILE = WEB_DIR / "config.json"
PAGE = WEB_DIR / "index.html"
CAREER_NAME = "{{career_name}}"

# The only thing in the bundle that reaches the internet at run time.
FONT_IMPORT = b"@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);"

# url path -> (file, content type)
ROUTES: Dict[str, Tuple[Path, str]] = {
    "/": (PAGE, "text/html; charset=utf-8"),
    "/index.html": (PAGE, "text/html; charset=utf-8"),
    "/styles.css": (WEB_DIR / "styles.css", "text/css; charset=utf-8"),
    "/app.js": (WEB_DIR / "app.js", "text/javascript; charset=utf-8"),
    "/config.json": (CONFIG_FILE, "application/json; charset=utf-8"),
    "/vendor/rasa-webchat.js": (WEBCHAT_BUNDLE, "text/javascript; charset=utf-8"),
}


class SetupError(Exception):
    """A problem the user has to fix before the server can run."""


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SetupError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def career_name() -> str:
    """The career's name, shown on the page and in the widget, from the knowledge file."""
    try:
        return load_knowledge(configured_knowledge_file()).career_name
    except KnowledgeFileError as error:
        raise SetupError(str(error)) from None


def load_config(rasa_url: Optional[str]) -> dict:
    try:
        config = json.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SetupError(f"{CONFIG_FILE} is missing") from None
    except json.JSONDecodeError as exc:
        raise SetupError(f"{CONFIG_FILE} is not valid JSON: {exc}") from None
    if rasa_url:
        config["socketUrl"] = rasa_url.rstrip("/")
    origin_of(config.get("socketUrl", ""))  # validate early
    name = career_name()
    config["subtitle"] = name[:1].upper() + name[1:]
    return config


def content_security_policy(socket_url: str) -> str:
    http_origin = origin_of(socket_url)
    ws_origin = http_origin.replace("http", "ws", 1)  # http->ws, https->wss
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # the widget injects <style> elements and inline style attributes
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",  # the widget bundle inlines its icon fonts
            f"connect-src 'self' {http_origin} {ws_origin}",
            "frame-src 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )


def served_body(path: str, config_bytes: bytes, career: str) -> Optional[Tuple[bytes, str]]:
    """The body and content type served at `path` (the page with `career` filled in, the bundle
    without its font import), or None for anything off the allow-list or missing."""
    route = ROUTES.get(path)
    if route is None:
        return None
    file, ctype = route
    if file == CONFIG_FILE:
        return config_bytes, ctype
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        return None
    if file == WEBCHAT_BUNDLE:
        data = data.replace(FONT_IMPORT, b"")
    if file == PAGE:
        data = data.replace(CAREER_NAME.encode(), career.encode())
    return data, ctype


def response_headers(ctype: str, length: int, csp: str) -> List[Tuple[str, str]]:
    """The headers sent with a body of `length` bytes: the CSP on the page, CORS on the rest."""
    headers = [
        ("Content-Type", ctype),
        ("Content-Length", str(length)),
        ("Cache-Control", "no-cache"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]
    if ctype.startswith("text/html"):
        headers.append(("Content-Security-Policy", csp))
    else:  # the widget's files may be embedded in other sites' pages
        headers.append(("Access-Control-Allow-Origin", "*"))
    return headers


def build_handler(config: dict, quiet: bool) -> type:
    config_bytes = json.dumps(config, indent=2).encode("utf-8")
    csp = content_security_policy(config["socketUrl"])
    career = config["subtitle"].lower()

    class Handler(BaseHTTPRequestHandler):
        def version_string(self) -> str:
            return "careerchat-demo"

        def _send(self, head_only: bool) -> None:
            found = served_body(urlsplit(self.path).path, config_bytes, career)
            if found is None:
                body, ctype, status = b"Not found\n", "text/plain; charset=utf-8", HTTPStatus.NOT_FOUND
            else:
                (body, ctype), status = found, HTTPStatus.OK
            self.send_response(status)
            for name, value in response_headers(ctype, len(body), csp):
                self.send_header(name, value)
            self.end_headers()
            if not head_only:
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            self._send(head_only=False)

        def do_HEAD(self) -> None:  # noqa: N802
            self._send(head_only=True)

        def log_message(self, fmt: str, *args) -> None:
            if not quiet:
                super().log_message(fmt, *args)

    return Handler


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the career-chat demo page.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = any free port)")
    parser.add_argument(
        "--rasa-url",
        help="Rasa server URL for the widget's socket, overriding socketUrl in web/config.json "
        "(e.g. http://127.0.0.1:5005)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)

    try:
        if not WEBCHAT_BUNDLE.is_file():
            raise SetupError(
                f"{WEBCHAT_BUNDLE.relative_to(WEB_DIR.parent)} is missing: "
                "run `make web` (or `cd web && npm ci`) first"
            )
        config = load_config(args.rasa_url)
        handler = build_handler(config, args.quiet)
        try:
            httpd = ThreadingHTTPServer((args.host, args.port), handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise SetupError(
                    f"port {args.port} on {args.host} is already in use; "
                    "stop the other server or pick another port with --port"
                ) from None
            raise SetupError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    except SetupError as exc:
        print(f"serve.py: error: {exc}", file=sys.stderr)
        return 2

    httpd.daemon_threads = True
    host, port = httpd.server_address[:2]
    print(f"Serving career chat demo at http://{host}:{port}/ (Rasa socket: {config['socketUrl']})", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
