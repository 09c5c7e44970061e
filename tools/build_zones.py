"""Build the zone files in agreements/zones/ from the OCHA boundaries and tools/places.yaml.

None of the zones these agreements name was published as a map, so every geometry is an
approximation. Keeping the recipe (sourced places, OCHA units, distances) in tools/places.yaml and
the few operations here makes each choice reviewable and the output reproducible byte for byte.

    python tools/build_zones.py --boundaries ../shared/data/boundaries

Needs no network. Distances are computed in metres on UTM zone 37N, which spans the area studied
(36-42 E) with a scale error well under 0.5%.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import yaml
from pyproj import Geod, Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.ops import substring, unary_union

ROOT = Path(__file__).resolve().parents[1]
SIMPLIFY_DEG = 0.001  # about 100 m: far inside every zone's precision_km, and keeps the files small
GRID_DEG = 1e-5  # coordinates are written with 5 decimals (about 1 m)
BORDER_WEST_LON = 37.0  # the Syria-Turkey border is traced from the Iraqi tripoint west to here
GEOD = Geod(ellps="WGS84")
_TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True).transform
_TO_DEG = Transformer.from_crs("EPSG:32637", "EPSG:4326", always_xy=True).transform
# Recipe keys whose geometry comes (directly or through another zone) from the OCHA boundaries.
OCHA_KEYS = {"admin1", "admin2", "clip_admin1", "clip_within_km", "border_band", "along", "left_band"}


def _project(geom: BaseGeometry, transformer: Any) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.column_stack(transformer(xy[:, 0], xy[:, 1])))


def to_m(geom: BaseGeometry) -> BaseGeometry:
    return _project(geom, _TO_M)


def to_deg(geom: BaseGeometry) -> BaseGeometry:
    """Back to WGS84; densified first so that long straight edges stay true to the metric shape."""
    return _project(shapely.segmentize(geom, 500.0), _TO_DEG)


def buffer_km(geom: BaseGeometry, km: float, **kwargs: Any) -> BaseGeometry:
    return to_deg(to_m(geom).buffer(km * 1000.0, quad_segs=16, **kwargs))


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the areal parts (make_valid and set_precision may leave slivers of lower dimension)."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return unary_union(parts)


class Boundaries:
    """OCHA governorates (admin1) and districts (admin2), keyed by pcode."""

    def __init__(self, folder: Path) -> None:
        self.units: dict[str, BaseGeometry] = {}
        for level in (1, 2):
            data = json.loads((folder / f"syr_admin{level}.geojson").read_text(encoding="utf-8"))
            for feature in data["features"]:
                pcode = feature["properties"][f"adm{level}_pcode"]
                self.units[pcode] = polygonal(shapely.make_valid(shape(feature["geometry"])))
        self.syria = unary_union([g for pcode, g in self.units.items() if len(pcode) == 4])

    def union(self, pcodes: list[str]) -> BaseGeometry:
        return unary_union([self.units[p] for p in pcodes])

    def turkey_border(self) -> LineString:
        """The Syria-Turkey border: the outline traced from its easternmost point (on the Tigris, within
        a few km of the Iraqi tripoint) northwards and then west until BORDER_WEST_LON."""
        outline = max(shapely.get_parts(self.syria), key=lambda g: g.area).exterior
        coords = list(outline.coords)[:-1]
        i = max(range(len(coords)), key=lambda k: coords[k][0])
        step = -1 if coords[i - 1][1] > coords[(i + 1) % len(coords)][1] else 1
        traced = []
        while coords[i][0] >= BORDER_WEST_LON:
            traced.append(coords[i])
            i = (i + step) % len(coords)
        return LineString(traced)


def load_places(entries: list[dict[str, Any]]) -> dict[str, Point]:
    """Sourced coordinates, plus positions derived from a described bearing and distance."""
    places: dict[str, Point] = {}
    for entry in entries:
        if entry.get("found", True) is False:
            continue
        if "derive" in entry:
            rule = entry["derive"]
            base = places[rule["from"]]
            lon, lat, _ = GEOD.fwd(base.x, base.y, rule["bearing_deg"], rule["distance_km"] * 1000.0)
            places[entry["id"]] = Point(round(lon, 5), round(lat, 5))
        else:
            places[entry["id"]] = Point(entry["lon"], entry["lat"])
    return places


class Builder:
    """Turns each zone's `build` recipe into a geometry; zones may use zones built before them."""

    def __init__(self, bounds: Boundaries, places: dict[str, Point]) -> None:
        self.bounds = bounds
        self.places = places
        self.zones: dict[str, BaseGeometry] = {}

    def build(self, recipe: dict[str, Any]) -> BaseGeometry:
        if "line" in recipe:
            return LineString([self.places[p] for p in recipe["line"]])
        if "left_band" in recipe:
            # Positive single-sided buffers lie left of the line's direction: the lines are drawn so
            # that the opposition-held side is on their left.
            r = recipe["left_band"]
            band = buffer_km(self.zones[r["line"]], r["km"], single_sided=True)
            return band.intersection(self.zones[r["within"]])
        if "buffer" in recipe:
            return buffer_km(self.zones[recipe["buffer"]["line"]], recipe["buffer"]["km"])
        if "along" in recipe:
            return self._along(**recipe["along"])
        if "border_band" in recipe:
            return self._border_band(**recipe["border_band"])
        if "circle" in recipe:
            return buffer_km(self.places[recipe["circle"]["place"]], recipe["circle"]["km"])
        return self._areal(recipe)

    def _areal(self, recipe: dict[str, Any]) -> BaseGeometry:
        parts = [self.bounds.union(recipe.get("admin1", []) + recipe.get("admin2", []))]
        if "ring" in recipe:
            ring = Polygon([self.places[p] for p in recipe["ring"]])
            if not ring.is_valid:
                raise ValueError(f"ring {recipe['ring']} crosses itself: reorder it")
            parts.append(ring)
        geom = unary_union(parts)
        if "clip_admin1" in recipe:
            geom = geom.intersection(self.bounds.union(recipe["clip_admin1"]))
        if "clip_within_km" in recipe:
            clip = recipe["clip_within_km"]
            geom = geom.intersection(buffer_km(self.bounds.union(clip["admin2"]), clip["km"]))
        if "east_of" in recipe:
            geom = geom.intersection(box(self.places[recipe["east_of"]].x, -90.0, 180.0, 90.0))
        return geom

    def _along(self, line: str, start: str, to_admin1: str) -> BaseGeometry:
        """The part of a line from a place back to where the line last enters an OCHA unit."""
        line_m = to_m(self.zones[line])
        start_at = line_m.project(to_m(self.places[start]))
        crossings = line_m.intersection(to_m(self.bounds.units[to_admin1]).boundary)
        end_at = max(d for d in map(line_m.project, shapely.points(shapely.get_coordinates(crossings))) if d < start_at)
        return to_deg(substring(line_m, start_at, end_at))

    def _border_band(
        self,
        km: float,
        lon_between: list[str] | None = None,
        within_admin1: list[str] | None = None,
        within_admin2: list[str] | None = None,
        minus: list[str] | None = None,
        minus_circle: dict[str, Any] | None = None,
    ) -> BaseGeometry:
        band = buffer_km(self.bounds.turkey_border(), km).intersection(self.bounds.syria)
        if lon_between:
            west, east = sorted(self.places[p].x for p in lon_between)
            band = band.intersection(box(west, -90.0, east, 90.0))
        if within_admin1 or within_admin2:
            band = band.intersection(self.bounds.union((within_admin1 or []) + (within_admin2 or [])))
        for zone in minus or []:
            band = band.difference(self.zones[zone])
        if minus_circle:
            band = band.difference(buffer_km(self.places[minus_circle["place"]], minus_circle["km"]))
        return band


def finish(geom: BaseGeometry) -> BaseGeometry:
    """Simplify within the stated precision, snap to the 5-decimal grid, keep valid, orient for RFC 7946."""
    if geom.geom_type == "Point":
        return shapely.set_precision(geom, GRID_DEG)
    geom = shapely.set_precision(geom.simplify(SIMPLIFY_DEG, preserve_topology=True), GRID_DEG)
    if geom.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection"):
        parts = [orient(p, 1.0) for p in shapely.get_parts(polygonal(geom))]
        geom = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return geom


def plain(value: Any) -> Any:
    """YAML dates become ISO strings; coordinates are rounded to 5 decimals."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, float) for v in value):
            return [round(v, 5) for v in value]
        return [plain(v) for v in value]
    return value


def expand(text: str, abbreviations: dict[str, str]) -> str:
    """Write the short names of tools/places.yaml out in full: the zone files stand on their own."""
    for short, full in abbreviations.items():
        text = re.sub(rf"\b{re.escape(short)}\b", full, text)
    return text


def post_properties(zone: dict[str, Any], place: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """An observation post sits at its host village: the posts' own coordinates were never published."""
    basis = (
        f"Position of the host village, {place['name']} (tools/places.yaml); "
        "the post's own coordinates were never published."
    )
    if "derive" in place:
        basis += f" {place['note']}"
    sources = defaults["sources"] + zone["established"]["sources"] + [f"{place['name']}: {place['source']}"]
    props = {**defaults, **{k: v for k, v in zone.items() if k != "place"}}
    return {**props, "basis": basis, "sources": sources}


def build_all(boundaries: Path, places_file: Path) -> dict[str, str]:
    """Every output file name with its text."""
    spec = yaml.safe_load(places_file.read_text(encoding="utf-8"))
    place_entries = {p["id"]: p for p in spec["places"]}
    builder = Builder(Boundaries(boundaries), load_places(spec["places"]))
    outputs: dict[str, str] = {}
    for out in spec["files"]:
        features = []
        for zone in out["zones"]:
            if zone["id"] in builder.zones:
                raise ValueError(f"duplicate zone id {zone['id']}")
            if "place" in zone:
                geom = builder.places[zone["place"]]
                props = post_properties(zone, place_entries[zone["place"]], out.get("defaults", {}))
            else:
                geom = builder.build(zone["build"])
                props = {k: v for k, v in zone.items() if k != "build"}
                if OCHA_KEYS & set(zone["build"]):
                    props["attribution"] = spec["attribution"]
            builder.zones[zone["id"]] = geom
            props["sources"] = [expand(text, spec["abbreviations"]) for text in props["sources"]]
            geometry = plain(mapping(finish(geom)))
            features.append({"type": "Feature", "properties": plain(props), "geometry": geometry})
        outputs[out["file"]] = dump(out, features)
    return outputs


def dump(out: dict[str, Any], features: list[dict[str, Any]]) -> str:
    """One feature a line, keys sorted: stable bytes and readable diffs."""
    head = {"type": "FeatureCollection", "name": out["name"], "description": out["description"]}
    lines = [json.dumps(f, ensure_ascii=False, sort_keys=True, separators=(",", ":")) for f in features]
    opening = json.dumps(head, ensure_ascii=False, sort_keys=True)[:-1]
    return opening + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--boundaries",
        type=Path,
        default=ROOT.parent / "shared" / "data" / "boundaries",
        help="folder with syr_admin1.geojson and syr_admin2.geojson",
    )
    parser.add_argument("--places", type=Path, default=ROOT / "tools" / "places.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "agreements" / "zones")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in build_all(args.boundaries, args.places).items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"{args.out / name}: {len(text.encode('utf-8')) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
