"""The HTML report: one self-contained file that works offline.

Summary tables, a chart of findings per month by party, a map of the zones with the events on it,
and every finding with its explanation, clause text and sources. Every value from the input goes
through ``html.escape``; no input value is put inside the one small script (which filters the
findings table and reads only the page). A Content-Security-Policy allows nothing but that script
and the style sheet, by hash, so the page can load nothing from the network.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape
from typing import Any

from compliance import __version__
from compliance.reports import chart, svgmap, views
from compliance.reports.model import Report

URL = re.compile(r"https?://[^\s<>\"'`]+")

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;
padding:0 20px 40px;color:#1d232a}
h1{font-size:24px;margin:24px 0 8px}h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #ccd}
h3{font-size:15px;margin:0 0 6px}
table{border-collapse:collapse;margin:8px 0 12px}th,td{border:1px solid #d5d9de;padding:3px 7px;text-align:left;
vertical-align:top}th{background:#eef1f4}td.n{text-align:right}td.d{white-space:nowrap}td.c{text-align:center}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}dl.meta dt{font-weight:600}
dl.meta dd{margin:0}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;color:#fff;background:#555}
.breach{background:#c62828}.possible{background:#ef8f00}.contested{background:#7b3294}
article.finding{border:1px solid #d5d9de;border-radius:6px;padding:10px 14px;margin:10px 0}
li.f:target,article.finding:target{outline:3px solid #0072b2}
ol.findings li{margin:6px 0}
.small{font-size:12px;color:#555}.legend{list-style:none;padding:0;columns:2}.legend li{margin:2px 0}
svg.map,svg.chart{max-width:100%;height:auto;border:1px solid #d5d9de;background:#fff}
input[type=search]{font:inherit;padding:4px 8px;width:24em}code{font-size:12px}
@media print{input[type=search],nav{display:none}article.finding{break-inside:avoid}}
"""

SCRIPT = """
(function () {
  var box = document.getElementById("filter");
  var rows = document.querySelectorAll("#findings-table tbody tr");
  var count = document.getElementById("filter-count");
  box.addEventListener("input", function () {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.textContent.toLowerCase();
      var hide = words.some(function (w) { return text.indexOf(w) < 0; });
      row.hidden = hide;
      var detail = document.getElementById(row.getAttribute("data-detail"));
      if (detail) { detail.hidden = hide; }
      if (!hide) { shown += 1; }
    });
    document.querySelectorAll("article.event").forEach(function (art) {
      art.hidden = art.querySelector("li.f:not([hidden])") === null;
    });
    count.textContent = shown + " of " + rows.length + " shown";
  });
})();
"""


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


CSP = (f"default-src 'none'; script-src '{_hash(SCRIPT)}'; style-src '{_hash(STYLE)}'; img-src data:; "
       "base-uri 'none'; form-action 'none'")


def e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def linked(text: object) -> str:
    """Escaped text whose http(s) addresses become links (nothing else does: no javascript: or data:)."""
    raw, out, at = "" if text is None else str(text), [], 0
    for m in URL.finditer(raw):
        url = m.group(0).rstrip(".,;:)")
        out.append(e(raw[at:m.start()]))
        out.append(f'<a href="{e(url)}" rel="noopener noreferrer">{e(url)}</a>')
        at = m.start() + len(url)
    out.append(e(raw[at:]))
    return "".join(out)


def _status(value: str) -> str:
    cls = value if value in views.STATUSES else ""
    return f'<span class="badge {cls}">{e(value)}</span>'


def _table(head: list[str], rows: list[list[str]], attrs: str = "") -> str:
    """``rows`` hold cells already made safe (escaped)."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "\n".join("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in r) + "</tr>"
                     for r in rows)
    return f"<table{attrs}><thead><tr>{th}</tr></thead><tbody>\n{body}\n</tbody></table>"


def render(report: Report) -> str:
    title = f"Compliance report — profile {report.profile.id}"
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>", f"<h1>{e(title)}</h1>",
        _header(report),
        '<nav><a href="#summary">Summary</a> · <a href="#months">Per month</a> · <a href="#map">Map</a> · '
        '<a href="#findings">Findings</a> · <a href="#accounting">Not counted or not checked</a> · '
        '<a href="#inputs">Inputs</a></nav>',
    ]
    if report.count:
        parts += [_summary(report), _months(report)]
    parts += [_map(report), _findings(report), _accounting(report), _inputs(report),
              f"<script>{SCRIPT}</script>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _header(report: Report) -> str:
    choices = "; ".join(f"{e(k)} = {e(v)}" for k, v in views.profile_choices(report))
    items = [
        ("Findings", e(views.findings_line(report))), ("Events", e(views.accounting_line(report))),
        ("Filters", e(views.describe_filters(report))),
        ("Profile", f"{e(report.profile.id)} ({e(report.inputs.profile_source)}): {e(report.profile.description)}"),
        ("Profile choices", choices), ("Tool", f"compliance {e(__version__)}"),
    ]
    return '<dl class="meta">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def _summary(report: Report) -> str:
    agreements, parties, cells = views.matrix(report)
    names = views.party_names(report)
    head = ["agreement", *(f'<abbr title="{e(names.get(p, p))}">{e(p)}</abbr>' for p in parties)]
    rows = [[e(a), *(f'<td class="c">{e(views.cell_text(cells.get((a, p))))}</td>' for p in parties)]
            for a in agreements]
    info = views.clauses(report)
    clause_rows = []
    for rec in views.counts(report)["by_clause"]:
        c = info.get(rec["clause"])
        clause_rows.append([e(rec["clause"]), e(c.article if c else ""), e(c.text if c else ""),
                            f'<td class="n">{rec["count"]}</td>'])
    return "\n".join([
        '<section id="summary"><h2>Findings by agreement and party</h2>',
        '<p class="small">Each cell counts findings as actor / guarantor / obligor (· for none).</p>',
        _table(head, rows),
        "<p class=\"small\">" + "; ".join(f"{e(p)}: {e(names.get(p, p))}" for p in parties) + "</p>",
        "<h2>Clauses most breached</h2>",
        _table(["clause", "art.", "what it says (our paraphrase)", "findings"], clause_rows), "</section>",
    ])


def _months(report: Report) -> str:
    series, parties, got = views.months(report)
    rows = [[e(m), *(f'<td class="n">{got.get((m, p), "")}</td>' for p in parties),
             f'<td class="n">{sum(got.get((m, p), 0) for p in parties)}</td>'] for m in series]
    return "\n".join([
        '<section id="months"><h2>Findings per month by party</h2>', chart.svg(series, parties, got),
        "<details><summary>The numbers</summary>", _table(["month", *(e(p) for p in parties), "all"], rows),
        "</details></section>",
    ])


def _map(report: Report) -> str:
    terms = report.inputs.terms
    zones = list(terms.zones.zones.values())
    if report.filters.agreements:
        wanted = set(report.filters.agreements)
        zones = [z for z in zones if wanted & set(z.props.agreements)]
    events: dict[str, dict[str, Any]] = {}
    for i, rec in enumerate(report.finding_records(), 1):
        if rec["event_id"] is None or rec["lat"] is None or rec["lon"] is None:
            continue
        ev = events.setdefault(rec["event_id"], {"lat": rec["lat"], "lon": rec["lon"], "status": rec["status"],
                                                 "anchor": f"f-{i}", "lines": []})
        if svgmap.STATUS_RANK.get(rec["status"], 0) > svgmap.STATUS_RANK.get(ev["status"], 0):
            ev["status"] = rec["status"]
        ev["lines"].append(f"{rec['clause']}: {rec['party']} as {rec['role']} ({rec['confidence']}, {rec['status']})")
        ev["head"] = f"{rec['event_id']}, {rec['date']}, {views.place(rec)}"
    dots = [{**ev, "label": "\n".join([ev["head"], *ev["lines"]])} for ev in events.values()]
    drawing = svgmap.svg(zones, dots)
    detail = ""
    whole, located = svgmap.bounds_of(zones, dots), svgmap.bounds_of([], dots)
    if whole and located and _area(located) < 0.25 * _area(whole):
        detail = ("<h3>Where the events are</h3>" +
                  svgmap.svg(zones, dots, focus=located, title="The events of the findings, closer"))
    if not drawing:
        return '<section id="map"><h2>Map</h2><p>No zones and no located events.</p></section>'
    colour = svgmap.zone_colours(zones)
    legend = []
    for status, c in svgmap.STATUS_COLOURS.items():
        legend.append(f'<li><svg width="14" height="14"><circle cx="7" cy="7" r="5" fill="{c}"/></svg> '
                      f"event with a finding: {e(status)}</li>")
    for z in sorted(zones, key=lambda z: (svgmap.KIND_ORDER.get(z.props.kind, 9), z.id)):
        dash = ' stroke-dasharray="4 3"' if z.props.approximate else ""
        fill = colour[z.id] if z.props.kind in ("area", "corridor", "radius") else "none"
        approx = f", approximate (±{z.props.precision_km:g} km)" if z.props.approximate else ""
        legend.append(f'<li title="{e(svgmap.describe(z))}"><svg width="22" height="14"><rect x="2" y="2" '
                      f'width="18" height="10" fill="{fill}" fill-opacity="0.25" stroke="{colour[z.id]}" '
                      f'stroke-width="2"{dash}/></svg> {e(z.props.name)} <span class="small">({e(z.id)}, '
                      f"{e(z.props.kind)}{e(approx)})</span></li>")
    return "\n".join([
        '<section id="map"><h2>Map</h2>',
        '<p class="small">Drawn from the project\'s own geometry. Dashed outlines and lines are approximate; a dashed '
        "circle around a post shows how far its true position may lie. Hover a shape "
        "or a dot for details; a dot links to the event's first finding. "
        f"{len(dots)} located events with findings.</p>",
        drawing, detail, '<ul class="legend">', *legend, "</ul></section>",
    ])


def _area(b: tuple[float, float, float, float]) -> float:
    return max(b[2] - b[0], 0.05) * max(b[3] - b[1], 0.05)


def _findings(report: Report) -> str:
    records = report.finding_records()
    if not records:
        return '<section id="findings"><h2>Findings</h2><p>No findings.</p></section>'
    clauses, events, names = views.clauses(report), views.events(report), views.party_names(report)
    cited = {key: n for n, key in enumerate(sorted({r["clause"] for r in records}), 1)}
    rows, details, group = [], [], []
    for i, r in enumerate(records, 1):
        rows.append(f'<tr data-detail="f-{i}"><td class="n"><a href="#f-{i}">{i}</a></td>'
                    f'<td class="d">{e(r["date"])}</td>'
                    f'<td>{e(r["event_id"] or "(deadline)")}</td><td>{e(views.place(r))}</td>'
                    f'<td>{e(r["clause"])}</td><td>{e(r["party"])}</td><td>{e(r["role"])}</td>'
                    f'<td>{e(r["confidence"])}</td><td>{_status(r["status"])}</td></tr>')
        group.append((i, r))
        if i == len(records) or (records[i]["event_id"], records[i]["date"]) != (r["event_id"], r["date"]):
            details.append(_event(group, clauses, cited, events, names))
            group = []
    head = "".join(f"<th>{h}</th>" for h in ("#", "date", "event", "place", "clause", "party", "role",
                                              "confidence", "status"))
    return "\n".join([
        '<section id="findings"><h2>Findings</h2>',
        '<p><label for="filter">Filter: </label><input type="search" id="filter" '
        'placeholder="e.g. russia guarantor breach"> <span id="filter-count" class="small"></span></p>',
        f'<table id="findings-table"><thead><tr>{head}</tr></thead><tbody>', *rows, "</tbody></table>",
        "<h2>Why each finding holds, event by event</h2>", *details,
        "<h2>Clauses cited</h2>", *(_clause(n, clauses.get(key), key) for key, n in cited.items()), "</section>",
    ])


def _event(group: list[tuple[int, dict[str, Any]]], clauses: dict[str, views.ClauseInfo], cited: dict[str, int],
           events: dict[str, dict[str, Any]], names: dict[str, str]) -> str:
    """One event (or one missed deadline), then each finding it gives: clause, party, role, why."""
    r = group[0][1]
    ev = events.get(r["event_id"] or "", {})
    items: list[tuple[str, str]] = []
    if r["event_id"]:
        items.append(("Event", f"{e(r['actor'] or 'unknown actor')} · {e(r['action'])}"
                               f"{' · target ' + e(r['target_type']) if r['target_type'] else ''}"
                               f"{' (' + e(ev.get('target_name')) + ')' if ev.get('target_name') else ''}"
                               f" · attribution {e(ev.get('attribution', ''))}"))
    for label, value in (("Sources", linked(r["event_sources"])), ("Notes", e(ev.get("notes"))),
                         ("Attribution note", e(ev.get("attribution_note"))), ("Recorded in", e(ev.get("origin")))):
        if value:
            items.append((label, value))
    findings = []
    for i, f in group:
        c = clauses.get(f["clause"])
        lines = [f'<b>{e(f["clause"])}</b> (art. {e(f["article"])}): {e(f["party"])} '
                 f'<span class="small">({e(names.get(f["party"], f["party"]))})</span> as <b>{e(f["role"])}</b>, '
                 f'{e(f["confidence"])} {_status(f["status"])}']
        if c:
            lines.append(f'Clause: {e(c.text)} <span class="small">(our paraphrase; '
                         f'<a href="#clause-{cited[f["clause"]]}">text and sources</a>)</span>')
        lines.append(f"Why: {e(f['explanation'])}")
        for label, key in (("Uncertain", "uncertain"), ("Exemptions", "exemptions"), ("Readings", "readings")):
            if f[key]:
                lines.append(f"{label}: {e(f[key])}")
        findings.append(f'<li class="f" id="f-{i}">' + "<br>".join(lines) + "</li>")
    what = r["event_id"] or "deadline of a duty of result"
    place = views.place(r)
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items)
    return (f'<article class="finding event"><h3>{e(r["date"])} — {e(what)}{" — " + e(place) if place else ""}</h3>'
            f'<dl class="meta">{body}</dl><ol class="findings" start="{group[0][0]}">{"".join(findings)}</ol>'
            "</article>")


def _clause(n: int, c: views.ClauseInfo | None, key: str) -> str:
    if c is None:
        return f'<article class="finding" id="clause-{n}"><h3>{e(key)}</h3></article>'
    title = f" — {e(c.title)}" if c.title else ""
    sources = "".join(f"<li>{linked(s)}</li>" for s in c.sources)
    return (f'<article class="finding" id="clause-{n}"><h3>{e(c.key)}, art. {e(c.article)}{title}</h3>'
            f"<p><i>{e(c.agreement_title)}</i></p><p>{e(c.text)} <span class=\"small\">(our paraphrase)</span></p>"
            f'<ul class="small">{sources}</ul></article>')


def _accounting(report: Report) -> str:
    o = report.outcome
    parts = ['<section id="accounting"><h2>Events not counted, clauses not checked, conflicts</h2>',
             f"<p>{e(views.accounting_line(report))}.</p>"]
    if views.not_checked(report):
        parts += ["<h3>Not checked</h3><ul>", *(f"<li>{e(n)}</li>" for n in views.not_checked(report)), "</ul>"]
    if o.unresolved:
        parts += ["<h3>Events whose actor names no party</h3>",
                  _table(["event", "reason"], [[e(u.event_id), e(u.reason)] for u in o.unresolved])]
    if o.set_aside:
        parts += ["<h3>Events set aside</h3>",
                  _table(["event", "where", "reason"],
                         [[e(s.event_id), e(s.origin), e(s.reason)] for s in o.set_aside])]
    if o.conflicts:
        parts += ["<h3>Exemption conflicts</h3>",
                  _table(["event", "clause", "exemptions"],
                         [[e(c["event_id"]), e(c["clause"]), e(c["exemptions"])] for c in o.conflicts])]
    return "\n".join([*parts, "</section>"])


def _inputs(report: Report) -> str:
    rows = [[e(f["path"]), f"<code>{e(f['sha256'])}</code>"] for f in report.inputs.manifest()]
    return "\n".join(['<section id="inputs"><h2>Inputs</h2>',
                      '<p class="small">Every file the report was made from, with its SHA-256, so that it can be '
                      "audited and reproduced.</p>", _table(["file", "sha256"], rows), "</section>"])
