"""Comparing two JSON reports: which findings were added, removed or changed, and what the inputs differ in.

A finding is the same finding in both reports when it names the same event (or, for a missed deadline,
the same date), clause, party and role. Its other fields (confidence, status, exemptions, uncertainty,
date) may change between two profiles or two versions of the log or of the terms: that is a change,
not a removal and an addition.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from compliance.loading.problems import Problem

KEY = ("event_id", "clause", "party", "role")
COMPARED = ("date", "article", "confidence", "status", "exemptions", "uncertain")
SHOWN = ("event_id", "date", "clause", "party", "role", "confidence", "status")


def load(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A JSON report, or the problems that make it unusable (``path:line:col: message``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return None, [Problem(str(path), 0, 0, f"cannot read the report: {exc.strerror or exc}")]
    except UnicodeDecodeError:
        return None, [Problem(str(path), 0, 0, "not UTF-8 text; give a report written by 'compliance report -f json'")]
    except json.JSONDecodeError as exc:
        return None, [Problem(str(path), exc.lineno, exc.colno, f"not JSON: {exc.msg}; give a report written by "
                                                                "'compliance report -f json'")]
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        return None, [Problem(str(path), 1, 1, "not a compliance JSON report: no 'findings' list at the top level")]
    problems = []
    for i, f in enumerate(data["findings"]):
        missing = [k for k in KEY if not isinstance(f, dict) or k not in f]
        if missing:
            problems.append(Problem(str(path), 0, 0, f"findings[{i}] lacks {', '.join(missing)}"))
    return (None, problems) if problems else (data, [])


def _key(f: dict[str, Any]) -> tuple[str, ...]:
    event = f.get("event_id") or ""
    return (event, "" if event else str(f.get("date") or ""), *(str(f.get(k) or "") for k in KEY[1:]))


def _order(f: dict[str, Any]) -> tuple[str, ...]:
    return (str(f.get("date") or ""), str(f.get("event_id") or ""), *(str(f.get(k) or "") for k in KEY[1:]))


def _inputs(old: list[dict[str, str]], new: list[dict[str, str]]) -> dict[str, list[str]]:
    a = {i.get("path", ""): i.get("sha256", "") for i in old if isinstance(i, dict)}
    b = {i.get("path", ""): i.get("sha256", "") for i in new if isinstance(i, dict)}
    return {"added": sorted(set(b) - set(a)), "removed": sorted(set(a) - set(b)),
            "changed": sorted(p for p in set(a) & set(b) if a[p] != b[p])}


def _changed_settings(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key in sorted(set(old) | set(new)):
        if key in ("id", "description", "source"):
            continue
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) or isinstance(b, dict):
            a, b = a or {}, b or {}
            out += [{"setting": f"{key}.{k}", "old": a.get(k), "new": b.get(k)}
                    for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        elif a != b:
            out.append({"setting": key, "old": a, "new": b})
    return out


def compare(old: dict[str, Any], new: dict[str, Any], old_name: str = "old", new_name: str = "new") -> dict[str, Any]:
    """The difference between two reports, in a stable order."""
    before: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    after: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for f in sorted(old["findings"], key=_order):
        before[_key(f)].append(f)
    for f in sorted(new["findings"], key=_order):
        after[_key(f)].append(f)
    added, removed, changed, same = [], [], [], 0
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key, []), after.get(key, [])
        for fa, fb in zip(a, b, strict=False):
            fields = {k: {"old": fa.get(k), "new": fb.get(k)} for k in COMPARED if fa.get(k) != fb.get(k)}
            if fields:
                changed.append({**{k: fb.get(k) for k in SHOWN}, "changes": fields})
            else:
                same += 1
        removed += a[len(b):]
        added += b[len(a):]
    op, np_ = old.get("profile") or {}, new.get("profile") or {}
    ot, nt = old.get("tool") or {}, new.get("tool") or {}
    oe, ne = old.get("events") or {}, new.get("events") or {}
    return {
        "old": {"report": old_name, "profile": op.get("id"), "tool_version": ot.get("version"),
                "filters": old.get("filters") or {}, "findings": len(old["findings"]),
                "events_read": oe.get("read"), "events_evaluated": oe.get("evaluated")},
        "new": {"report": new_name, "profile": np_.get("id"), "tool_version": nt.get("version"),
                "filters": new.get("filters") or {}, "findings": len(new["findings"]),
                "events_read": ne.get("read"), "events_evaluated": ne.get("evaluated")},
        "profile_changes": _changed_settings(op, np_),
        "inputs": _inputs(old.get("inputs") or [], new.get("inputs") or []),
        "summary": {"added": len(added), "removed": len(removed), "changed": len(changed), "unchanged": same},
        "added": sorted(added, key=_order),
        "removed": sorted(removed, key=_order),
        "changed": sorted(changed, key=_order),
    }


def _line(f: dict[str, Any]) -> str:
    return (f"{f.get('date')}  {f.get('event_id') or '(deadline)'}  {f.get('clause')}  {f.get('party')} as "
            f"{f.get('role')} ({f.get('confidence')}, {f.get('status')})")


def _changes(c: dict[str, Any]) -> str:
    return "; ".join(f"{k} {v['old'] or '(none)'} → {v['new'] or '(none)'}" for k, v in c["changes"].items())


def _header(d: dict[str, Any]) -> list[str]:
    o, n, s, i = d["old"], d["new"], d["summary"], d["inputs"]
    lines = [f"Findings diff: {o['report']} → {n['report']}",
             f"Profile: {o['profile']} → {n['profile']}"
             + "".join(f"; {p['setting']} {p['old']} → {p['new']}" for p in d["profile_changes"]),
             f"Tool version: {o['tool_version']} → {n['tool_version']}",
             f"Inputs: {len(i['changed'])} changed, {len(i['added'])} added, {len(i['removed'])} removed"
             + "".join(f"; {k} {p}" for k in ("changed", "added", "removed") for p in i[k])]
    if o["filters"] != n["filters"]:
        lines.append(f"Filters: {json.dumps(o['filters'], sort_keys=True)} → "
                     f"{json.dumps(n['filters'], sort_keys=True)}")
    lines.append(f"Events read: {o['events_read']} → {n['events_read']}; evaluated: {o['events_evaluated']} → "
                 f"{n['events_evaluated']}")
    lines.append(f"Findings: {o['findings']} → {n['findings']}: {s['added']} added, {s['removed']} removed, "
                 f"{s['changed']} changed, {s['unchanged']} unchanged")
    return lines


def render_text(d: dict[str, Any]) -> str:
    lines = _header(d)
    for title, sign, key in (("Added", "+", "added"), ("Removed", "-", "removed")):
        if d[key]:
            lines += ["", f"{title} ({len(d[key])}):"] + [f"  {sign} {_line(f)}" for f in d[key]]
    if d["changed"]:
        lines += ["", f"Changed ({len(d['changed'])}):"]
        lines += [f"  ~ {_line(c)}: {_changes(c)}" for c in d["changed"]]
    return "\n".join(lines) + "\n"


def render_markdown(d: dict[str, Any]) -> str:
    from compliance.reports.markdown import md

    lines = ["# Findings diff", "", *(f"- {md(x)}" for x in _header(d)[1:]), ""]
    head = "| date | event | clause | party | role | confidence | status |"
    for title, key in (("Added", "added"), ("Removed", "removed"), ("Changed", "changed")):
        if not d[key]:
            continue
        lines += [f"## {title} ({len(d[key])})", "", head + (" changes |" if key == "changed" else ""),
                  "|" + " --- |" * (8 if key == "changed" else 7)]
        for f in d[key]:
            cells = [md(f.get(k) or ("(deadline)" if k == "event_id" else "")) for k in
                     ("date", "event_id", "clause", "party", "role", "confidence", "status")]
            if key == "changed":
                cells.append(md(_changes(f)))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def render(d: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(d, ensure_ascii=False, indent=2, default=str) + "\n"
    if fmt == "markdown":
        return render_markdown(d)
    return render_text(d)
