"""Writing generated (or any) models as the files users write: YAML, CSV and GeoJSON.

Properties about loading need the same terms and logs as files: an agreement written to YAML and read back
must equal itself, a log written as YAML and as CSV must give the same findings. These helpers write
exactly what docs/authoring.md describes, through the models' own serialisation.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from shapely.geometry import mapping

from compliance.loading.terms import Terms
from compliance.models.events import Event

CSV_HEADER: tuple[str, ...] = (
    "id", "date", "date_end", "actor", "action", "weapons", "target_type", "target_party", "location", "lat", "lon",
    "admin1", "admin2", "killed", "civilians_killed", "attribution", "sources", "notes", "precision_km",
    "target_name", "involved", "attribution_note",
)
"""The CSV columns of docs/authoring.md (the documented header, then the optional columns)."""


def plain(model: BaseModel) -> Any:
    """A model as the plain data a file holds (aliases such as ``from``/``as``/``if``, no nulls)."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def to_yaml(data: Any) -> str:
    if isinstance(data, BaseModel):
        data = plain(data)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_events_yaml(events: Iterable[Event], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_yaml({"events": [plain(e) for e in events]}), encoding="utf-8")
    return path


def _moment(value: Any) -> str:
    return "" if value is None else value.isoformat()


def _number(value: Any) -> str:
    return "" if value is None else repr(value)


def event_csv_row(e: Event) -> dict[str, str]:
    """One event as a CSV row (weapons, sources and involved parties separated by ``;``)."""
    return {
        "id": e.id, "date": _moment(e.date), "date_end": _moment(e.date_end), "actor": e.actor or "",
        "action": e.action, "weapons": ";".join(e.weapons), "target_type": e.target.type or "",
        "target_party": e.target.party or "", "location": e.location.name or "", "lat": repr(e.location.lat),
        "lon": repr(e.location.lon), "admin1": e.location.admin1 or "", "admin2": e.location.admin2 or "",
        "killed": _number(e.casualties.killed), "civilians_killed": _number(e.casualties.civilians_killed),
        "attribution": e.attribution, "sources": "; ".join(s.name for s in e.sources), "notes": e.notes or "",
        "precision_km": repr(e.location.precision_km), "target_name": e.target.name or "",
        "involved": ";".join(e.involved), "attribution_note": e.attribution_note or "",
    }


def write_events_csv(events: Iterable[Event], path: Path) -> Path:
    """The CSV form of a log. What CSV cannot hold (alternatives, source details, wounded) is left out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(CSV_HEADER))
        writer.writeheader()
        for e in events:
            writer.writerow(event_csv_row(e))
    return path


def zone_collection(terms: Terms) -> dict[str, Any]:
    """The zones of ``terms`` as one GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": plain(z.props), "geometry": mapping(z.geometry)}
        for z in terms.zones.zones.values()]}


def write_terms(terms: Terms, root: Path) -> Path:
    """An ``agreements/`` folder for ``terms``: parties.yaml, one file per agreement, zones, profiles."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "parties.yaml").write_text(to_yaml({"parties": [plain(p) for p in terms.parties.values()]}),
                                       encoding="utf-8")
    for agreement in terms.agreements.values():
        (root / f"{agreement.id}.yaml").write_text(to_yaml(agreement), encoding="utf-8")
    if terms.zones.zones:
        (root / "zones").mkdir(exist_ok=True)
        (root / "zones" / "generated.geojson").write_text(json.dumps(zone_collection(terms)), encoding="utf-8")
    if terms.profiles:
        (root / "profiles").mkdir(exist_ok=True)
        for profile in terms.profiles.values():
            (root / "profiles" / f"{profile.id}.yaml").write_text(to_yaml(profile), encoding="utf-8")
    return root


__all__ = ["CSV_HEADER", "event_csv_row", "plain", "to_yaml", "write_events_csv", "write_events_yaml", "write_terms",
           "zone_collection"]
