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

MARGIN_KM = 0.5
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
    offsets = (offsets_km + [0.0, 0.0])[:n]
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


def _buffer(geom: BaseGeometry, km: float) -> BaseGeometry:
    if km == 0 and geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    return shapely.buffer(geom, km * 1000, quad_segs=_QUAD_SEGS)


def _empty() -> Polygon:
    return Polygon()


def _cache(zones: ZoneSet) -> dict:
    return zones.__dict__.setdefault("_testing_regions", {})


def _projected(zones: ZoneSet, ref: str) -> BaseGeometry:
    cache = _cache(zones)
    key = ("projected", ref)
    if key not in cache:
        cache[key] = shapely.union_all([to_metres(zones.zones[z].geometry) for z in zones.members(ref)])
    return cache[key]


def _distance_regions(origin: BaseGeometry, km: float, tol: float, state: str) -> BaseGeometry:
    """Where the exact distance to ``origin`` is, robustly, within / about / beyond ``km`` given ``tol``."""
    m = MARGIN_KM
    if state == IN:
        r = km - tol - m
        return _buffer(origin, r) if r > 0 else _empty()
    if state == EDGE:
        if tol <= m:
            return _empty()
        outer = _buffer(origin, km + tol - m)
        inner_r = km - tol + m
        return outer.difference(_buffer(origin, inner_r)) if inner_r > 0 else outer
    near = km + tol + m
    return _buffer(origin, near + BAND_KM).difference(_buffer(origin, near))


def zone_region(zones: ZoneSet, zone_id: str, state: str, tolerance_km: float) -> BaseGeometry:
    """Projected region where an event with precision ``tolerance_km`` has membership ``state`` in one zone.

    ``state`` is ``"in"``, ``"edge"`` or ``"out"`` (the engine's IN, EDGE, OUT), each with a margin of
    :data:`MARGIN_KM` from the thresholds. A line or a point has no inside: its ``"in"`` region is empty
    and its ``"edge"`` region is the band within the tolerance. ``"out"`` is a band of :data:`BAND_KM`
    just beyond the tolerance. An empty geometry means the membership cannot be constructed.
    """
    key = ("zone", zone_id, state, round(tolerance_km, 9))
    cache = _cache(zones)
    if key in cache:
        return cache[key]
    zone = zones.zones[zone_id]
    props = zone.props
    if props.kind in ("corridor", "radius"):
        assert props.of is not None and props.distance_km is not None
        tol = tolerance_km + max(props.precision_km, zones.precision_km(props.of))
        region = _distance_regions(_projected(zones, props.of), props.distance_km, tol, state)
    elif props.kind in ("line", "point"):
        tol = tolerance_km + props.precision_km
        region = _distance_regions(_projected(zones, zone_id), 1e-6, tol, state) if state != IN else _empty()
    else:
        tol = tolerance_km + props.precision_km
        poly = _projected(zones, zone_id)
        m = MARGIN_KM
        if state == IN:
            region = _buffer(poly, -(tol + m))
        elif state == EDGE:
            region = _buffer(poly, tol - m).difference(_buffer(poly, -(tol - m))) if tol > m else _empty()
        else:
            region = _buffer(poly, tol + m + BAND_KM).difference(_buffer(poly, tol + m))
    region = region.intersection(WORLD)
    cache[key] = region
    return region


def within_region(zones: ZoneSet, refs: Iterable[str], km: float, state: str, tolerance_km: float) -> BaseGeometry:
    """Projected region of a rule's ``within_km: {km, of: refs}`` in ``state`` (as for :func:`zone_region`)."""
    refs = tuple(refs)
    key = ("within", refs, km, state, round(tolerance_km, 9))
    cache = _cache(zones)
    if key not in cache:
        origin = shapely.union_all([_projected(zones, r) for r in refs])
        tol = tolerance_km + max((zones.precision_km(r) for r in refs), default=0.0)
        if state == OUT:
            # beyond the tolerance of every ref: anywhere in the world but near them
            near = _buffer(origin, km + tol + MARGIN_KM)
            region = WORLD.difference(near)
        else:
            region = _distance_regions(origin, km, tol, state)
        cache[key] = region.intersection(WORLD)
    return cache[key]


def union_region(zones: ZoneSet, refs: Iterable[str], state: str, tolerance_km: float) -> BaseGeometry:
    """Where the best membership over the members of ``refs`` is robustly ``state``.

    For ``"out"`` this is the whole world except the surroundings of every member (not a band).
    """
    members = [z for r in refs for z in zones.members(r)]
    if state == OUT:
        return not_near(zones, refs, tolerance_km)
    states = [zone_region(zones, z, s, tolerance_km) for z in members for s in ([IN] if state == IN else [EDGE])]
    region = shapely.union_all(states) if states else _empty()
    if state == EDGE:
        # the best membership must be EDGE: no member may hold it IN
        region = region.difference(_surroundings_in(zones, members, tolerance_km))
    return region


def _surroundings(zones: ZoneSet, zone_id: str, tolerance_km: float) -> BaseGeometry:
    """Everything not robustly OUT of one zone."""
    key = ("around", zone_id, round(tolerance_km, 9))
    cache = _cache(zones)
    if key not in cache:
        props = zones.zones[zone_id].props
        if props.kind in ("corridor", "radius"):
            tol = tolerance_km + max(props.precision_km, zones.precision_km(props.of or ""))
            cache[key] = _buffer(_projected(zones, props.of or ""), (props.distance_km or 0) + tol + MARGIN_KM)
        elif props.kind in ("line", "point"):
            cache[key] = _buffer(_projected(zones, zone_id), 1e-6 + tolerance_km + props.precision_km + MARGIN_KM)
        else:
            cache[key] = _buffer(_projected(zones, zone_id), tolerance_km + props.precision_km + MARGIN_KM)
    return cache[key]


def _surroundings_in(zones: ZoneSet, members: list[str], tolerance_km: float) -> BaseGeometry:
    """Everything that might be IN one of ``members`` (their IN regions grown by twice the margin)."""
    parts = []
    for z in members:
        region = zone_region(zones, z, IN, tolerance_km)
        if not region.is_empty:
            parts.append(_buffer(region, 2 * MARGIN_KM))
    return shapely.union_all(parts) if parts else _empty()


def not_near(zones: ZoneSet, refs: Iterable[str], tolerance_km: float, extra_km: float = 0.0) -> BaseGeometry:
    """The world minus everything within ``extra_km`` + tolerance + margin of the members of ``refs``."""
    blocked = [_buffer(_surroundings(zones, z, tolerance_km), extra_km) for r in refs for z in zones.members(r)]
    return WORLD.difference(shapely.union_all(blocked)) if blocked else WORLD


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
