"""Constructive geometry for generated zones and places, in the engine's own metric (UTM 37N metres).

Generated zones are drawn in metres on a grid of cells across Syria, one zone family per cell, then
converted to WGS84 as the zone files hold them. A place with a wanted membership (inside, near the edge,
outside) is never found by trial and error: the region where that membership holds, shrunk by a margin
(:data:`MARGIN_KM`) larger than any rounding, is computed with shapely and a point is drawn inside it
by construction (a triangle of the region, then barycentric coordinates). The same functions work on
any user zone, not only generated ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from compliance.geometry.zones import ZoneSet

MARGIN_KM = 0.1
"""Every constructed place is at least this far from any boundary its membership depends on."""

BAND_KM = 5.0
"""Width of the band just outside a zone where "outside" places are drawn (so they stay nearby)."""

CELL_KM = 80.0
GRID_ORIGIN = (240_000.0, 3_680_000.0)  # UTM 37N metres: about 33.2N 36.2E
GRID_COLS, GRID_ROWS = 6, 5
CELLS = GRID_COLS * GRID_ROWS

_TO_WGS84 = Transformer.from_crs("EPSG:32637", "EPSG:4326", always_xy=True)
_TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)
_QUAD_SEGS = 32

# All generated places lie inside this box (metres): the grid and half a cell around it, well inside
# the loader's Syria box.
WORLD = box(GRID_ORIGIN[0] - CELL_KM * 500, GRID_ORIGIN[1] - CELL_KM * 500,
            GRID_ORIGIN[0] + (GRID_COLS + 0.5) * CELL_KM * 1000, GRID_ORIGIN[1] + (GRID_ROWS + 0.5) * CELL_KM * 1000)

IN, EDGE, OUT = "in", "edge", "out"


def cell_centre(cell: int) -> tuple[float, float]:
    """Projected centre (metres) of grid cell ``cell`` (0 .. CELLS-1)."""
    row, col = divmod(cell, GRID_COLS)
    return (GRID_ORIGIN[0] + (col + 0.5) * CELL_KM * 1000, GRID_ORIGIN[1] + (row + 0.5) * CELL_KM * 1000)


def to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    """A projected geometry (metres) in WGS84 degrees, as zone files hold it."""
    return shapely.transform(geom, lambda xy: _stack(*_TO_WGS84.transform(xy[:, 0], xy[:, 1])))


def to_metres(geom: BaseGeometry) -> BaseGeometry:
    """A WGS84 geometry projected like the engine projects it."""
    return shapely.transform(geom, lambda xy: _stack(*_TO_UTM.transform(xy[:, 0], xy[:, 1])))


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_WGS84.transform(x, y)
    return float(lon), float(lat)


def _stack(x, y):
    import numpy as np

    return np.column_stack([x, y])


# -- shapes drawn in a cell (metres) -------------------------------------------------------------------


def rectangle(cx: float, cy: float, half_a_km: float, half_b_km: float, angle: float) -> Polygon:
    """A rectangle centred on (cx, cy), rotated by ``angle`` radians."""
    c, s = math.cos(angle), math.sin(angle)
    corners = [(-half_a_km, -half_b_km), (half_a_km, -half_b_km), (half_a_km, half_b_km), (-half_a_km, half_b_km)]
    return Polygon([(cx + 1000 * (u * c - v * s), cy + 1000 * (u * s + v * c)) for u, v in corners])


def star(cx: float, cy: float, radii_km: list[float], turn: float = 0.0) -> Polygon:
    """A star-shaped (possibly concave) polygon: one vertex per radius, at evenly spaced angles."""
    n = len(radii_km)
    return Polygon([(cx + 1000 * r * math.cos(turn + 2 * math.pi * i / n),
                     cy + 1000 * r * math.sin(turn + 2 * math.pi * i / n)) for i, r in enumerate(radii_km)])


def polyline(cx: float, cy: float, half_length_km: float, offsets_km: list[float], angle: float) -> LineString:
    """A line across the cell: vertices evenly spaced along ``angle``, each offset sideways."""
    n = max(len(offsets_km), 2)
    offsets = [*offsets_km, 0.0, 0.0][:n]
    c, s = math.cos(angle), math.sin(angle)
    pts = []
    for i in range(n):
        u = -half_length_km + 2 * half_length_km * i / (n - 1)
        v = offsets[i]
        pts.append((cx + 1000 * (u * c - v * s), cy + 1000 * (u * s + v * c)))
    return LineString(pts)


def points(cx: float, cy: float, offsets_km: list[tuple[float, float]]) -> Point | MultiPoint:
    pts = [(cx + 1000 * dx, cy + 1000 * dy) for dx, dy in offsets_km] or [(cx, cy)]
    return Point(pts[0]) if len(pts) == 1 else MultiPoint(pts)


# -- regions of a membership (metres) ------------------------------------------------------------------
#
# The engine decides "within km of a zone" member by member: IN if the exact distance d <= km - tol, EDGE
# if d <= km + tol, with tol the event's precision plus the member's; inside an area d is exactly 0. A
# line or a point is "inside" only within 1e-6 km, a corridor or radius within its distance of the zone
# it is measured from, an area by containment with an EDGE band of tol on both sides of its boundary.
# Each region below keeps MARGIN_KM away from every threshold it depends on.


def _buffer(geom: BaseGeometry, km: float) -> BaseGeometry:
    if km == 0 and geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    return shapely.buffer(geom, km * 1000, quad_segs=_QUAD_SEGS)


def _empty() -> Polygon:
    return Polygon()


def _cache(zones: ZoneSet) -> dict:
    return zones.__dict__.setdefault("_testing_regions", {})


def _metres(zones: ZoneSet, zid: str) -> BaseGeometry:
    cache = _cache(zones)
    key = ("metres", zid)
    if key not in cache:
        cache[key] = to_metres(zones.zones[zid].geometry)
    return cache[key]


def _union(parts: list[BaseGeometry]) -> BaseGeometry:
    parts = [p for p in parts if not p.is_empty]
    return shapely.union_all(parts) if parts else _empty()


def _near_member(zones: ZoneSet, zid: str, km: float, tol: float, state: str) -> BaseGeometry:
    """Where the distance to one zone is, robustly, <= km - tol (IN), in the band (EDGE) or beyond (OUT)."""
    origin = _metres(zones, zid)
    # any drawn polygon (an area, and a corridor or radius as drawn): a place inside it is 0 km from it
    area = origin.geom_type in ("Polygon", "MultiPolygon")
    m = MARGIN_KM
    if state == IN:
        if km - tol - m > 0:
            return _buffer(origin, km - tol - m)
        return _buffer(origin, -m) if area and km - tol >= 0 else _empty()
    if state == OUT:
        return _buffer(origin, km + tol + m + BAND_KM).difference(_buffer(origin, km + tol + m))
    outer = _buffer(origin, km + tol - m) if km + tol - m > 0 else _empty()
    if km - tol + m > 0:
        return outer.difference(_buffer(origin, km - tol + m))
    # every distance down to 0 is above km - tol: the whole neighbourhood is EDGE, an area's inside too
    return outer if area or km - tol < 0 else _empty()


def _near(zones: ZoneSet, members: list[tuple[str, float]], km: float, tolerance_km: float,
          state: str) -> BaseGeometry:
    """The best membership over ``members`` (zone id, its precision) is robustly ``state``."""
    if state == OUT:
        blocked = _union([_buffer(_metres(zones, z), km + tolerance_km + p + MARGIN_KM) for z, p in members])
        return WORLD.difference(blocked)
    ins = [_near_member(zones, z, km, tolerance_km + p, IN) for z, p in members]
    if state == IN:
        return _union(ins)
    edges = _union([_near_member(zones, z, km, tolerance_km + p, EDGE) for z, p in members])
    return edges.difference(_union([_buffer(r, 2 * MARGIN_KM) for r in ins if not r.is_empty]))


def _area(zones: ZoneSet, zid: str, tolerance_km: float, state: str) -> BaseGeometry:
    poly = _metres(zones, zid)
    tol = tolerance_km + zones.zones[zid].props.precision_km
    m = MARGIN_KM
    if state == IN:
        return _buffer(poly, -(tol + m))
    if state == EDGE:
        return _buffer(poly, tol - m).difference(_buffer(poly, -(tol - m))) if tol > m else _empty()
    return WORLD.difference(_buffer(poly, tol + m))


def zone_region(zones: ZoneSet, zone_id: str, state: str, tolerance_km: float, *, band: bool = True) -> BaseGeometry:
    """Projected region where an event with precision ``tolerance_km`` has membership ``state`` in one zone.

    ``state`` is ``"in"``, ``"edge"`` or ``"out"`` (the engine's IN, EDGE, OUT), each with a margin of
    :data:`MARGIN_KM` from the thresholds. A line or a point has no inside: its ``"in"`` region is empty
    and its ``"edge"`` region is the band within the tolerance. ``"out"`` is, with ``band``, a strip of
    :data:`BAND_KM` just beyond the tolerance (places near the zone), else everything beyond it. An empty
    geometry means the membership cannot be constructed.
    """
    key = ("zone", zone_id, state, round(tolerance_km, 9), band)
    cache = _cache(zones)
    if key in cache:
        return cache[key]
    props = zones.zones[zone_id].props
    if props.kind in ("corridor", "radius"):
        assert props.of is not None and props.distance_km is not None
        precision = max(props.precision_km, zones.precision_km(props.of))
        members = [(z, precision) for z in zones.members(props.of)]
        region = _near(zones, members, props.distance_km, tolerance_km, state)
        reach = props.distance_km + tolerance_km + precision + MARGIN_KM
        near = _union([_buffer(_metres(zones, z), reach + BAND_KM) for z, _ in members])
    elif props.kind in ("line", "point"):
        region = _near(zones, [(zone_id, props.precision_km)], 1e-6, tolerance_km, state)
        near = _buffer(_metres(zones, zone_id), tolerance_km + props.precision_km + MARGIN_KM + BAND_KM)
    else:
        region = _area(zones, zone_id, tolerance_km, state)
        near = _buffer(_metres(zones, zone_id), tolerance_km + props.precision_km + MARGIN_KM + BAND_KM)
    if state == OUT and band:
        region = region.intersection(near)
    region = region.intersection(WORLD)
    cache[key] = region
    return region


def within_region(zones: ZoneSet, refs: Iterable[str], km: float, state: str, tolerance_km: float) -> BaseGeometry:
    """Projected region of a rule's ``within_km: {km, of: refs}`` in ``state`` (as for :func:`zone_region`;
    ``"out"`` is everything beyond the reach of every member)."""
    refs = tuple(refs)
    key = ("within", refs, km, state, round(tolerance_km, 9))
    cache = _cache(zones)
    if key not in cache:
        members = [(z, zones.zones[z].props.precision_km) for r in refs for z in zones.members(r)]
        cache[key] = _near(zones, members, km, tolerance_km, state).intersection(WORLD)
    return cache[key]


def union_region(zones: ZoneSet, refs: Iterable[str], state: str, tolerance_km: float) -> BaseGeometry:
    """Where the best membership over the members of ``refs`` (a rule's ``inside``) is robustly ``state``.

    For ``"out"`` this is the whole world except the surroundings of every member.
    """
    members = [z for r in refs for z in zones.members(r)]
    if state == OUT:
        parts = [zone_region(zones, z, OUT, tolerance_km, band=False) for z in members]
        region = WORLD
        for p in parts:
            region = region.intersection(p)
        return region
    ins = [zone_region(zones, z, IN, tolerance_km) for z in members]
    if state == IN:
        return _union(ins)
    edges = _union([zone_region(zones, z, EDGE, tolerance_km) for z in members])
    return edges.difference(_union([_buffer(r, 2 * MARGIN_KM) for r in ins if not r.is_empty]))


def not_near(zones: ZoneSet, refs: Iterable[str], tolerance_km: float) -> BaseGeometry:
    """Everywhere robustly OUT of every member of ``refs``."""
    return union_region(zones, refs, OUT, tolerance_km)


def triangles(region: BaseGeometry) -> list[Polygon]:
    """The region cut into triangles (cached on nothing: callers cache the region)."""
    if region.is_empty:
        return []
    polys = [g for g in getattr(region, "geoms", [region]) if g.geom_type == "Polygon" and g.area > 1.0]
    out: list[Polygon] = []
    for p in polys:
        tri = shapely.constrained_delaunay_triangles(p)
        out.extend(t for t in tri.geoms if t.area > 1.0)
    return out


def point_in_triangle(tri: Polygon, u: float, v: float) -> tuple[float, float]:
    """A point of a triangle from two numbers in [0, 1] (folded so every point is reachable once)."""
    (ax, ay), (bx, by), (cx, cy) = list(tri.exterior.coords)[:3]
    if u + v > 1:
        u, v = 1 - u, 1 - v
    return (ax + u * (bx - ax) + v * (cx - ax), ay + u * (by - ay) + v * (cy - ay))


__all__ = [
    "BAND_KM", "CELLS", "CELL_KM", "EDGE", "IN", "MARGIN_KM", "OUT", "WORLD", "cell_centre", "lonlat", "not_near",
    "point_in_triangle", "points", "polyline", "rectangle", "star", "to_metres", "to_wgs84", "triangles",
    "union_region", "within_region", "zone_region",
]
