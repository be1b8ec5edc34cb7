"""Headless Chromium driven over the DevTools protocol on a pipe, for tests of the report.

No browser-driver package is needed: Chromium's ``--remote-debugging-pipe`` reads
commands on file descriptor 3 and writes replies and events on 4, as NUL-terminated JSON.
:func:`open_page` loads a page and returns what a person would want to know of it: the
console errors, every network request it made, whether its images decoded, its text and
a screenshot.  ``find_chromium()`` is None where no browser is installed; tests skip then.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--remote-debugging-pipe",
]
NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]


def find_chromium() -> str | None:
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    """What loading a page showed."""

    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""
    screenshot: bytes = b""
    text_boxes: int = 0  # visible text boxes measured
    overlaps: list[tuple[str, ...]] = field(default_factory=list)  # pairs of overlapping text


class _Pipe:
    def __init__(self, exe: str, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        command = " ".join(
            [
                f"exec '{exe}'",
                *FLAGS,
                f"--user-data-dir='{profile}'",
                "about:blank",
                f"3<&{to_chrome_r}",  # Chromium reads commands on fd 3
                f"4>&{from_chrome_w}",  # and writes replies on fd 4
            ]
        )
        self.proc = subprocess.Popen(
            ["bash", "-c", command],
            pass_fds=(to_chrome_r, from_chrome_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self._next = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buf = b""
        while True:
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                self.messages.put(None)
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                self.messages.put(json.loads(raw))

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 60.0,
    ) -> dict[str, Any]:
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self.messages.get(timeout=max(0.1, deadline - time.monotonic()))
            if reply is None:
                raise RuntimeError("chromium closed the pipe")
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60.0) -> None:
        if any(e.get("method") == method for e in self.events):
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.messages.get(timeout=0.2)
            except queue.Empty:
                continue
            if msg is None:
                raise RuntimeError("chromium closed the pipe")
            self.events.append(msg)
            if msg.get("method") == method:
                return
        raise TimeoutError(f"no {method} within {timeout} s")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close", timeout=10)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)


IMAGES_JS = """JSON.stringify(Array.from(document.images).map(i => ({
  src: i.src.slice(0, 30), complete: i.complete, width: i.naturalWidth,
  height: i.naturalHeight, chart: i.dataset.chart || ''})))"""


# Pairs of visible text boxes that overlap by more than a pixel each way (first 20).
OVERLAPS_JS = """(() => {
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    const hidden = 'style,script,title,details:not([open]) > :not(summary)';
    if (!text || !el || el.closest(hidden)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const b of range.getClientRects()) {
      if (b.width > 0 && b.height > 0)
        boxes.push([b.left, b.top + scrollY, b.right, b.bottom + scrollY, text.slice(0, 40)]);
    }
  }
  boxes.sort((a, b) => a[1] - b[1]);
  const out = [];
  for (let i = 0; i < boxes.length && out.length < 20; i++) {
    for (let j = i + 1; j < boxes.length && boxes[j][1] < boxes[i][3]; j++) {
      const a = boxes[i], b = boxes[j];
      const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
      const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
      if (w > 1 && h > 1) out.push([a[4], b[4]]);
    }
  }
  return JSON.stringify({count: boxes.length, overlaps: out});
})()"""


def open_page(exe: str, url: str, width: int = 1280, settle_s: float = 0.5) -> PageReport:
    """Load ``url`` in a fresh headless Chromium profile and report what happened."""
    with tempfile.TemporaryDirectory(prefix="capplan-chromium-") as profile:
        pipe = _Pipe(exe, Path(profile))
        try:
            target = pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
                "sessionId"
            ]
            for domain in ("Page", "Runtime", "Log", "Network"):
                pipe.call(f"{domain}.enable", session=session)
            pipe.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                session=session,
            )
            pipe.events.clear()
            pipe.call("Page.navigate", {"url": url}, session=session)
            pipe.wait_for("Page.loadEventFired")
            time.sleep(settle_s)
            images = pipe.call(
                "Runtime.evaluate",
                {"expression": IMAGES_JS, "returnByValue": True},
                session=session,
            )["result"]["value"]
            text = pipe.call(
                "Runtime.evaluate",
                {"expression": "document.body.innerText", "returnByValue": True},
                session=session,
            )["result"]["value"]
            boxes = json.loads(
                pipe.call(
                    "Runtime.evaluate",
                    {"expression": OVERLAPS_JS, "returnByValue": True},
                    session=session,
                )["result"]["value"]
            )
            shot = pipe.call(
                "Page.captureScreenshot",
                {"format": "png", "captureBeyondViewport": True},
                session=session,
            )["data"]
            report = PageReport(
                images=json.loads(images),
                text=str(text),
                screenshot=base64.b64decode(shot),
                text_boxes=int(boxes["count"]),
                overlaps=[tuple(pair) for pair in boxes["overlaps"]],
            )
            for event in pipe.events:
                method, params = event.get("method"), event.get("params", {})
                if method == "Network.requestWillBeSent":
                    report.requests.append(params["request"]["url"])
                elif method == "Runtime.exceptionThrown":
                    report.console_errors.append(json.dumps(params.get("exceptionDetails")))
                elif method == "Runtime.consoleAPICalled" and params.get("type") in (
                    "error",
                    "assert",
                ):
                    report.console_errors.append(json.dumps(params.get("args")))
                elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                    report.console_errors.append(params["entry"].get("text", ""))
            return report
        finally:
            pipe.close()
