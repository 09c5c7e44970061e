"""The map: the zones, lines and posts of our geometry and the events of the findings, as inline SVG.

An equirectangular projection fitted to the data (longitudes shortened by the cosine of the middle
latitude), a graticule and a scale bar; no tiles, fonts or scripts. Approximate geometry is drawn
dashed and said to be approximate in its tooltip and in the legend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from compliance.geometry.zones import Zone

W = 960
PAD = 0.04
AGREEMENT_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f")
STATUS_COLOURS = {"breach": "#c62828", "possible": "#ef8f00", "contested": "#7b3294"}
STATUS_RANK = {"contested": 0, "possible": 1, "breach": 2}
KIND_ORDER = {"area": 0, "corridor": 1, "radius": 1, "line": 2, "point": 3}


@dataclass(frozen=True)
class Projection:
    lon0: float
    lat1: float
    kx: float
    ky: float
    height: int

    @classmethod
    def fit(cls, bounds: tuple[float, float, float, float]) -> Projection:
        minx, miny, maxx, maxy = bounds
        dx, dy = max(maxx - minx, 0.05), max(maxy - miny, 0.05)
        minx, maxx, miny, maxy = minx - dx * PAD, maxx + dx * PAD, miny - dy * PAD, maxy + dy * PAD
        shrink = math.cos(math.radians((miny + maxy) / 2))
        k = W / ((maxx - minx) * shrink)
        return cls(minx, maxy, k * shrink, k, max(round((maxy - miny) * k), 120))

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (self.lat1 - lat) * self.ky

    def path(self, coords: Any) -> str:
        pts = [self.xy(x, y) for x, y, *_ in coords]
        return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts)


def _parts(geom: BaseGeometry) -> list[BaseGeometry]:
    return list(getattr(geom, "geoms", [geom]))


def _shape(zone: Zone, geom: BaseGeometry, proj: Projection, colour: str) -> str:
    dash = ' stroke-dasharray="6 4"' if zone.props.approximate else ""
    kind = geom.geom_type
    if kind in ("Polygon", "MultiPolygon"):
        d = "".join(proj.path(ring.coords) + "Z" for poly in _parts(geom)
                    for ring in (poly.exterior, *poly.interiors))
        return (f'<path d="{d}" fill="{colour}" fill-opacity="0.12" fill-rule="evenodd" stroke="{colour}" '
                f'stroke-width="1.5"{dash}>')
    if kind in ("LineString", "MultiLineString"):
        d = "".join(proj.path(line.coords) for line in _parts(geom))
        return f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}>'
    marks, rings = [], []
    radius = zone.props.precision_km / 111.32 * proj.ky
    for pt in _parts(geom):
        x, y = proj.xy(pt.x, pt.y)
        marks.append(f"M{x:.1f},{y - 7:.1f}L{x + 6:.1f},{y + 4.5:.1f}L{x - 6:.1f},{y + 4.5:.1f}Z")
        if zone.props.approximate and radius >= 8:
            rings.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="none" stroke="{colour}" '
                         f'stroke-width="1" stroke-dasharray="3 3"/>')
    return "".join(rings) + f'<path d="{"".join(marks)}" fill="#fff" stroke="{colour}" stroke-width="2">'


def describe(zone: Zone) -> str:
    p = zone.props
    approx = f"approximate (±{p.precision_km:g} km)" if p.approximate else f"exact (±{p.precision_km:g} km)"
    agreements = ", ".join(p.agreements) or "no agreement"
    return f"{p.name} [{p.id}] — {p.kind}, {approx}; {agreements}. Drawn from: {p.basis}"


def zone_colours(zones: list[Zone]) -> dict[str, str]:
    agreements = sorted({z.props.agreements[0] for z in zones if z.props.agreements})
    by_agreement = {a: AGREEMENT_COLOURS[i % len(AGREEMENT_COLOURS)] for i, a in enumerate(agreements)}
    return {z.id: by_agreement.get(z.props.agreements[0], "#555") if z.props.agreements else "#555" for z in zones}


def bounds_of(zones: list[Zone], events: list[dict[str, Any]]) -> tuple[float, float, float, float] | None:
    boxes = [z.geometry.bounds for z in zones] + [(e["lon"], e["lat"], e["lon"], e["lat"]) for e in events]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def svg(zones: list[Zone], events: list[dict[str, Any]], *, focus: tuple[float, float, float, float] | None = None,
        title: str = "Zones, lines and posts, and the events of the findings") -> str:
    """``events``: dicts with lat, lon, status, label (the tooltip) and anchor (an in-page link, or "").

    ``focus`` fits the map to these bounds instead of to everything; geometry far outside is cut away
    (well beyond the frame, so that no cut edge can be seen).
    """
    bounds = focus or bounds_of(zones, events)
    if bounds is None:
        return ""
    proj = Projection.fit(bounds)
    colour = zone_colours(zones)
    shapes = [(z, z.geometry) for z in zones]
    if focus:
        west, north = proj.lon0, proj.lat1
        east, south = west + W / proj.kx, north - proj.height / proj.ky
        dx, dy = east - west, north - south
        shapes = [(z, shapely.clip_by_rect(g, west - dx, south - dy, east + dx, north + dy)) for z, g in shapes]
        shapes = [(z, g) for z, g in shapes if not g.is_empty]
    shapes.sort(key=lambda zg: (KIND_ORDER.get(zg[0].props.kind, 9), -zg[1].area, zg[0].id))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {proj.height}" width="{W}" '
           f'height="{proj.height}" role="img" class="map" font-family="sans-serif" font-size="11">',
           f"<title>{escape(title)}</title>", f'<rect width="{W}" height="{proj.height}" fill="#f7f9fb"/>']
    out += _graticule(proj)
    for z, g in shapes:
        out.append(f'{_shape(z, g, proj, colour[z.id])}<title>{escape(describe(z))}</title></path>')
    for z, g in shapes:
        if z.props.kind in ("area", "corridor", "radius"):
            pt = g.representative_point()
            x, y = proj.xy(pt.x, pt.y)
            out.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="{colour[z.id]}" '
                       f'font-size="10">{escape(z.id)}</text>')
    for e in sorted(events, key=lambda e: (STATUS_RANK.get(e["status"], 0), e["lat"], e["lon"], e["label"])):
        x, y = proj.xy(e["lon"], e["lat"])
        dot = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{STATUS_COLOURS.get(e["status"], "#333")}" '
               f'stroke="#fff" stroke-width="1.2"><title>{escape(e["label"])}</title></circle>')
        out.append(f'<a href="#{escape(e["anchor"])}">{dot}</a>' if e["anchor"] else dot)
    out += _scale_bar(proj)
    out.append("</svg>")
    return "\n".join(out)


def _graticule(proj: Projection) -> list[str]:
    out = []
    west, east = proj.lon0, proj.lon0 + W / proj.kx
    south, north = proj.lat1 - proj.height / proj.ky, proj.lat1
    for lon in range(math.ceil(west), math.floor(east) + 1):
        x, _ = proj.xy(lon, 0)
        out.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{proj.height}" stroke="#dde3ea"/>'
                   f'<text x="{x + 3:.1f}" y="{proj.height - 4}" fill="#8a96a3">{lon}°E</text>')
    for lat in range(math.ceil(south), math.floor(north) + 1):
        _, y = proj.xy(0, lat)
        out.append(f'<line x1="0" y1="{y:.1f}" x2="{W}" y2="{y:.1f}" stroke="#dde3ea"/>'
                   f'<text x="3" y="{y - 3:.1f}" fill="#8a96a3">{lat}°N</text>')
    return out


def _scale_bar(proj: Projection) -> list[str]:
    km_per_px = 111.32 / proj.ky
    km = next((k for k in (5, 10, 20, 25, 50, 100, 200, 500) if k / km_per_px >= 80), 1000)
    length = km / km_per_px
    x0, y0 = W - length - 20, proj.height - 20
    return [f'<rect x="{x0 - 6:.1f}" y="{y0 - 16}" width="{length + 12:.1f}" height="24" fill="#fff" '
            f'fill-opacity="0.8"/>',
            f'<path d="M{x0:.1f},{y0 - 4}V{y0}H{x0 + length:.1f}V{y0 - 4}" fill="none" stroke="#222" '
            f'stroke-width="1.5"/>',
            f'<text x="{x0 + length / 2:.1f}" y="{y0 - 5}" text-anchor="middle" fill="#222">{km} km</text>']
