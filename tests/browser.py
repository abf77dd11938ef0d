"""Headless Chromium (Debian's) driven by playwright, with every request the page makes recorded."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
WATCH_ANSWER = """() => {
  window.__answers = [];
  const seen = () => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    const last = bots[bots.length - 1];
    const text = last ? last.innerText : '';
    if (text && window.__answers[window.__answers.length - 1] !== text) window.__answers.push(text);
  };
  new MutationObserver(seen).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}"""


WATCH_STATUS = """(before) => {
  window.__statusMoved = false;
  const status = document.querySelector('#status');
  new MutationObserver(() => {
    if (status.innerText.trim() !== before.trim()) window.__statusMoved = true;
  }).observe(status, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def wait_for(url: str, process: subprocess.Popen[Any], seconds: float = 90) -> None:
    """Until `url` answers; an error if `process` (the server) exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer in {seconds} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(demo: Any) -> Iterator[str]:
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                quiet=True, share=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@contextmanager
def page_at(url: str, requests: list[str]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM):
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda request: requests.append(request.url))
        page.goto(url)
        try:
            yield page
        finally:
            browser.close()


def ask_in_page(page: Any, question: str, timeout_ms: int = 120_000) -> list[str]:
    """Type a question, send it with the keyboard, wait for its reply and a final status; the
    answer's successive texts as they streamed.

    Two replies in a row can leave the same status ("Listened: complete in 0.0 s." twice), so the
    wait is for a new bot message and for the status to have been something else (Gradio's
    running timer) since the send, or to read differently now."""
    page.evaluate(WATCH_ANSWER)
    before = page.locator("#status").inner_text()
    replies = page.locator('#chat [data-testid="bot"]').count()
    page.evaluate(WATCH_STATUS, before)
    box = page.locator("#message textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        """([before, replies]) => {
            const now = document.querySelector('#status').innerText.trim();
            const bots = document.querySelectorAll('#chat [data-testid="bot"]').length;
            const moved = window.__statusMoved || now !== before.trim();
            return bots > replies && moved && /^(Answered|Listened|Shared|Cared|Guided)/.test(now);
        }""", arg=[before, replies], timeout=timeout_ms)
    return list(page.evaluate("window.__answers"))
