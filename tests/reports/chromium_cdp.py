"""A small DevTools-protocol client for headless Chromium over ``--remote-debugging-pipe`` (stdlib only).

Chromium reads protocol messages from file descriptor 3 and writes them to 4, each a JSON object ended
by a NUL byte: no port, no websocket library. The client opens a page, records every console message,
uncaught exception, log entry and network request, evaluates expressions in the page and takes
screenshots.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
         "--disable-default-apps", "--mute-audio", "--hide-scrollbars", "--remote-debugging-pipe"]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class CDPError(RuntimeError):
    pass


@dataclass
class Page:
    """What happened while a page was open."""

    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    def errors(self) -> list[str]:
        out = [f"console.{m['type']}: {' '.join(str(a.get('value', a.get('description', ''))) for a in m['args'])}"
               for m in self.console if m["type"] in ("error", "assert")]
        out += [f"exception: {x.get('exceptionDetails', {}).get('text')} "
                f"{x.get('exceptionDetails', {}).get('exception', {}).get('description', '')}" for x in self.exceptions]
        out += [f"log.{e['entry']['level']} ({e['entry'].get('source')}): {e['entry'].get('text')}"
                for e in self.log if e["entry"]["level"] == "error"]
        return out


class Chromium:
    """One headless browser; ``open(url)`` gives a page session."""

    def __init__(self, binary: str, profile_dir: Path, timeout: float = 60.0):
        self.timeout = timeout
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Chromium's ends, moved above 10 so that putting them at 3 and 4 in the child cannot clobber either.
        high_r, high_w = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10), \
            fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)

        def _fds() -> None:  # in the child, before exec: reads at fd 3, writes at fd 4 (both inheritable)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.stderr = open(profile_dir.parent / "chromium.stderr.txt", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile_dir}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr,
            preexec_fn=_fds, close_fds=False)
        os.close(high_r)
        os.close(high_w)
        self._buffer = b""
        self._next = 0
        self._events: list[dict[str, Any]] = []

    # -- the wire ---------------------------------------------------------------------------------------

    def _read_one(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("timed out waiting for Chromium")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise CDPError(f"Chromium closed the pipe (exit status {self.proc.poll()})")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._next += 1
        ident = self._next
        msg: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_one(deadline)
            if reply.get("id") == ident:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def pump(self, seconds: float) -> None:
        """Collect events for a while."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self._events.append(self._read_one(deadline))
        except CDPError as exc:
            if "timed out" not in str(exc):
                raise

    def wait_for(self, method: str, session: str) -> None:
        deadline = time.monotonic() + self.timeout
        while not any(e.get("method") == method and e.get("sessionId") == session for e in self._events):
            self._events.append(self._read_one(deadline))

    # -- pages ------------------------------------------------------------------------------------------

    def open(self, url: str, width: int = 1280, height: int = 900, settle: float = 0.5) -> PageSession:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
        start = len(self._events)
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)
        self.pump(settle)
        return PageSession(self, session, target, start)

    def close(self) -> None:
        with contextlib.suppress(CDPError, OSError):
            self.send("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.stderr.close()


class PageSession:
    def __init__(self, browser: Chromium, session: str, target: str, start: int):
        self.browser, self.session, self.target, self.start = browser, session, target, start

    def record(self) -> Page:
        page = Page()
        for e in self.browser._events[self.start:]:
            if e.get("sessionId") != self.session:
                continue
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled":
                page.console.append(params)
            elif method == "Runtime.exceptionThrown":
                page.exceptions.append(params)
            elif method == "Log.entryAdded":
                page.log.append(params)
            elif method == "Network.requestWillBeSent":
                page.requests.append(params["request"]["url"])
            elif method == "Network.loadingFailed":
                page.failed.append(params)
        return page

    def evaluate(self, expression: str) -> Any:
        result = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                                   session=self.session)
        if "exceptionDetails" in result:
            raise CDPError(f"{expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, selector: str | None = None) -> bytes:
        """A PNG of the whole page, or of the first element matching ``selector``."""
        if selector is None:
            box = self.evaluate("[0, 0, document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        else:
            box = self.evaluate(f"(function () {{ var r = document.querySelector({json.dumps(selector)})"
                                ".getBoundingClientRect(); return [r.x + window.scrollX, r.y + window.scrollY, "
                                "r.width, r.height]; })()")
        shot = self.browser.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": box[0], "y": box[1], "width": box[2], "height": min(box[3], 16000), "scale": 1}},
            session=self.session)
        data = base64.b64decode(shot["data"])
        path.write_bytes(data)
        return data
