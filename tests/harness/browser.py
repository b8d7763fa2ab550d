"""Debian's Chromium driven by Playwright, as the browser tests and `make bench` use it.

`make test` installs Chromium where missing; CHROMIUM_PATH names another binary.
Playwright cannot download its own browsers here, and without the background-networking
flag Chromium keeps trying hosts this machine cannot reach.
"""
import os
from pathlib import Path

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def launch_chromium(playwright):
    """A headless Chromium browser, or AssertionError saying how to get one."""
    if not Path(CHROMIUM_PATH).exists():
        raise AssertionError(
            f"{CHROMIUM_PATH} not found: run `make test` (installs Debian's chromium) or set CHROMIUM_PATH"
        )
    return playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
