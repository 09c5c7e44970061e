"""Zones as geometry, and vectorized membership of events in them.

Distances are decided exactly on a projection suited to Syria (UTM zone 37N, scale error under
0.2% across the country), never with ``buffer`` (which GEOS simplifies). Membership has three
states, because an event's place and a zone's edge are both known only to a stated precision:

* ``IN`` (2): inside, farther from the edge than the two precisions together;
* ``EDGE`` (1): within that tolerance of the edge, on either side: a possible breach, not a certain one;
* ``OUT`` (0): outside, farther than the tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from compliance.geometry.grid import UNDECIDED, Grid
from compliance.models.zones import ZoneProperties

OUT, EDGE, IN = np.int8(0), np.int8(1), np.int8(2)
_SHELL_FROM = 4096  # fewer points than this are measured directly: four buffers would cost more
GRID_FROM = 1 << 14
"""An area is laid with a grid (see ``geometry.grid``) the first time this many points are placed in it
(``ZoneSet.place``)."""
GRID_CELLS = 1 << 12
"""About this many cells. Each centre is measured (about 3 microseconds against the largest shipped area),
and points in cells that straddle a threshold are measured themselves: 4096 cells cost the least on a
million events around Idlib (measured when the cells were laid in metres: 2048, 8192 and 16384 all cost
more)."""


def _margin_km(km: float) -> float:
    """How far beyond ``km`` a GEOS buffer may reach: it approximates arcs and simplifies its input by about
    1% of the distance, so 5% and 100 m bound the error with room to spare."""
    return km * 1.05 + 0.1


def band_state(distance_km: np.ndarray, km: float, tolerance_km: np.ndarray) -> np.ndarray:
    """"Within ``km``" as IN, EDGE or OUT, when distances are known only to ``tolerance_km``."""
    return np.where(distance_km <= km - tolerance_km, IN,
                    np.where(distance_km <= km + tolerance_km, EDGE, OUT)).astype(np.int8)


@lru_cache(maxsize=1)
def _to_metres():
    from pyproj import Transformer  # imported on first use: most commands never measure a distance

    return Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)


@lru_cache(maxsize=1)
def _to_degrees():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:32637", "EPSG:4326", always_xy=True)


def project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 degrees to UTM 37N metres, vectorized."""
    x, y = _to_metres().transform(np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64"))
    return np.asarray(x), np.asarray(y)


@dataclass(frozen=True)
class Zone:
    """One zone: its declared properties and its geometry (WGS84 as drawn, and projected)."""

    props: ZoneProperties
    geometry: BaseGeometry
    path: str

    @property
    def id(self) -> str:
        return self.props.id

    @cached_property
    def projected(self) -> BaseGeometry:
        geom = shapely.transform(self.geometry, lambda xy: np.column_stack(project(xy[:, 0], xy[:, 1])))
        shapely.prepare(geom)
        return geom

    @cached_property
    def projected_boundary(self) -> BaseGeometry:
        boundary = shapely.boundary(self.projected)
        shapely.prepare(boundary)
        return boundary

    @cached_property
    def _buffers(self) -> dict[float, BaseGeometry]:
        return {}

    def _buffer(self, metres: float) -> BaseGeometry:
        key = round(metres, -1)
        if key not in self._buffers:
            geom = shapely.buffer(self.projected, key)
            shapely.prepare(geom)
            self._buffers[key] = geom
        return self._buffers[key]

    def near(self, x: np.ndarray, y: np.ndarray, km: float) -> np.ndarray:
        """Points that may lie within ``km`` of the zone: a superset, for a cheap first pass.

        GEOS approximates buffers (by about 1% of the distance), so the buffer is widened by 5% and
        100 m; the exact distance then decides every point this lets through.
        """
        return shapely.contains_xy(self._buffer(_margin_km(km) * 1000.0), x, y)

    def core(self, x: np.ndarray, y: np.ndarray, km: float) -> np.ndarray:
        """Points inside an area and surely farther than ``km`` from its edge (a subset, by the same margin)."""
        return shapely.contains_xy(self._buffer(-_margin_km(km) * 1000.0), x, y)

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        xmin, ymin, xmax, ymax = shapely.bounds(self.projected)
        return float(xmin), float(ymin), float(xmax), float(ymax)

    @cached_property
    def _grids(self) -> list[tuple[Grid, float]]:
        return []

    def grid(self, margin_km: float) -> tuple[Grid, float]:
        """The area's grid in degrees, over its bounding box widened by at least ``margin_km`` on the ground
        (the first time it is asked for), and how far (km) a point outside the box surely lies from the area.

        The box is that of the projected outline, in degrees: a side is straight once projected, and a long
        one bows beyond the degrees of its corners (some 5 km over 6 degrees of longitude), so the outline
        is cut into pieces of at most a kilometre (each bows by millimetres) before it is taken back to
        degrees. The box is then widened generously: a degree of latitude is at least 110.5 km, a degree of
        longitude at least cos(latitude) of 111.3 km, the projection shrinks no distance by more than its
        scale factor (0.9996); so a point outside the box lies farther than ``margin_km`` from the area."""
        if not self._grids:
            outline = shapely.get_coordinates(shapely.segmentize(shapely.boundary(self.projected), 1000.0))
            lon, lat = _to_degrees().transform(outline[:, 0], outline[:, 1])
            corners = shapely.bounds(self.geometry)  # (the box of the vertices, should the outline be empty)
            lonmin, latmin = float(np.min(lon, initial=corners[0])), float(np.min(lat, initial=corners[1]))
            lonmax, latmax = float(np.max(lon, initial=corners[2])), float(np.max(lat, initial=corners[3]))
            km = (margin_km + 1.0) * 1.1  # a km for what is left of the bow and for rounding, and a tenth more
            dlat = km / 110.5
            top = min(max(abs(latmin), abs(latmax)) + dlat, 89.0)
            dlon = km / (111.3 * math.cos(math.radians(top)))
            box = (lonmin - dlon, latmin - dlat, lonmax + dlon, latmax + dlat)
            grid = Grid.over(self.projected, self.projected_boundary, box, GRID_CELLS, project)
            self._grids.append((grid, margin_km))
        return self._grids[0]

    def around(self, x: np.ndarray, y: np.ndarray, km: float) -> np.ndarray:
        """Indices of the points within ``km`` of the zone's bounding box: a superset of those within ``km``
        of the zone, found by comparing coordinates (no geometry per point)."""
        xmin, ymin, xmax, ymax = self.bounds
        m = km * 1000.0
        return np.flatnonzero((x >= xmin - m) & (x <= xmax + m) & (y >= ymin - m) & (y <= ymax + m))

    def near_edge(self, x: np.ndarray, y: np.ndarray, inside: np.ndarray, km: float) -> np.ndarray:
        """Points at most ``km`` from the area's edge, exactly as the GEOS distance decides it.

        The distance is costly and a log holds many points near a large zone, so buffers sort out the
        points that are surely near (well within ``km``) or surely not (beyond ``km`` and the buffers'
        margin); only the thin shell between is measured. ``inside`` says which points the area
        contains: those are compared with buffers shrunk into it, the others with buffers grown out of it.
        """
        out = np.zeros(len(x), dtype=bool)
        outer = np.flatnonzero(~inside)
        inner = np.flatnonzero(inside)
        reach = _margin_km(km) * 1000.0
        if len(x) >= _SHELL_FROM:
            outer = outer[shapely.contains_xy(self._buffer(reach), x[outer], y[outer])]
            inner = inner[~shapely.contains_xy(self._buffer(-reach), x[inner], y[inner])]
            # the same margin taken inward (and 20 m more for the 10 m rounding of buffer distances)
            sure = (km * 0.95 - 0.12) * 1000.0
            if sure > 0:
                hit = shapely.contains_xy(self._buffer(sure), x[outer], y[outer])
                out[outer[hit]] = True
                outer = outer[~hit]
                hit = ~shapely.contains_xy(self._buffer(-sure), x[inner], y[inner])
                out[inner[hit]] = True
                inner = inner[~hit]
        todo = np.concatenate([outer, inner])
        if len(todo):
            # measured, not "within distance": GEOS's dwithin first compares the distance to the bounding box,
            # which can exceed the measured distance by a rounding step beside an edge parallel to an axis
            d = shapely.distance(self.projected_boundary, shapely.points(x[todo], y[todo])) / 1000.0
            out[todo] = d <= km
        return out


@dataclass
class ZoneSet:
    """Every zone of a project, by id, with groups expanded to their members."""

    zones: dict[str, Zone] = field(default_factory=dict)

    @cached_property
    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for zone in self.zones.values():
            for group in zone.props.groups:
                out.setdefault(group, []).append(zone.id)
        return {g: sorted(ids) for g, ids in out.items()}

    def known(self, ref: str) -> bool:
        return ref in self.zones or ref in self.groups

    def members(self, ref: str) -> list[str]:
        """The concrete zone ids a reference stands for (a zone itself, or a group's members)."""
        if ref in self.zones:
            return [ref]
        return list(self.groups.get(ref, []))

    def all_ids(self) -> list[str]:
        return sorted(set(self.zones) | set(self.groups))

    def precision_km(self, ref: str) -> float:
        return max((self.zones[z].props.precision_km for z in self.members(ref)), default=0.0)

    # -- measurements -------------------------------------------------------------------------

    def distance_km(self, refs: list[str], x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Least exact distance (km) from projected points to any of the referenced geometries."""
        best = np.full(len(x), np.inf)
        if len(x) == 0:
            return best
        points = shapely.points(x, y)
        for ref in refs:
            for zid in self.members(ref):
                zone = self.zones[zid]
                geom = zone.projected
                if zone.props.kind == "area":
                    d = np.where(shapely.contains_xy(geom, x, y), 0.0, shapely.distance(geom, points))
                else:
                    d = shapely.distance(geom, points)
                best = np.minimum(best, d / 1000.0)
        return best

    def within(self, refs: list[str], km: float, x: np.ndarray, y: np.ndarray,
               tolerance_km: np.ndarray, zone_precision_km: float | None = None) -> np.ndarray:
        """Membership in "within ``km`` of ``refs``", with the tolerance band as EDGE.

        The tolerance is the event's own precision plus each geometry's own ``precision_km`` (or
        ``zone_precision_km`` where given): a post placed to 3 km is not blurred by another placed to 10.
        """
        out = np.full(len(x), OUT, dtype=np.int8)
        if not len(x):
            return out
        for ref in refs:
            for zid in self.members(ref):
                precision = self.zones[zid].props.precision_km if zone_precision_km is None else zone_precision_km
                tol = tolerance_km + precision
                candidates = np.flatnonzero(self.zones[zid].near(x, y, km + float(tol.max())))
                d = self.distance_km([zid], x[candidates], y[candidates])
                out[candidates] = np.maximum(out[candidates], band_state(d, km, tol[candidates]))
        return out

    def membership(self, zid: str, x: np.ndarray, y: np.ndarray, tolerance_km: np.ndarray) -> np.ndarray:
        """Membership of projected points in one concrete zone (IN, EDGE or OUT)."""
        zone = self.zones[zid]
        props = zone.props
        if props.kind in ("corridor", "radius"):
            assert props.of is not None and props.distance_km is not None
            precision = max(props.precision_km, self.precision_km(props.of))
            return self.within([props.of], props.distance_km, x, y, tolerance_km, precision)
        if props.kind != "area":
            # A line or a point has no inside; "inside" it means "on it", within the tolerance.
            return self.within([zid], 1e-6, x, y, tolerance_km)
        tol = tolerance_km + props.precision_km
        widest = float(np.nanmax(tol)) if np.isfinite(tol).any() else 0.0  # a point without one has no band
        margin = _margin_km(widest) if widest > 0 else 0.0
        # a point farther from the area's bounding box than any tolerance (and the buffers' margin) is OUT
        # for certain: a comparison of coordinates spares the geometry most of a large log
        cand = zone.around(x, y, margin)
        out = np.full(len(x), OUT, dtype=np.int8)
        out[cand] = _area_membership(zone, x[cand], y[cand], tol[cand])
        return out

    def place(self, zid: str, lon: np.ndarray, lat: np.ndarray, tolerance_km: np.ndarray,
              xy: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """Membership (as ``membership``) of points given in degrees; ``xy(rows)`` projects the points at ``rows``.

        Many points in an area are placed by the cell of its grid (in degrees) they fall in, before any is
        projected: only the points of cells that straddle a threshold are projected and measured. Fewer
        points, and other zones, are projected and measured.
        """
        zone = self.zones[zid]
        if zone.props.kind != "area" or len(lon) < GRID_FROM:
            return self.membership(zid, *xy(np.arange(len(lon))), tolerance_km)
        tol = tolerance_km + zone.props.precision_km
        widest = float(np.nanmax(tol)) if np.isfinite(tol).any() else 0.0
        grid, beyond_km = zone.grid(_margin_km(widest) if widest > 0 else 0.0)
        group, values = pd.factorize(tol, sort=False, use_na_sentinel=False)
        table = np.stack([grid.states(float(t), IN, EDGE, OUT) for t in values])
        cell = grid.cells_of(lon, lat)
        state = table[group, np.maximum(cell, 0)]
        # outside the box: OUT where the box's margin exceeds the point's tolerance, else measured
        state[cell < 0] = np.where(tol[cell < 0] < beyond_km, OUT, UNDECIDED)
        state[~(np.isfinite(lon) & np.isfinite(lat))] = UNDECIDED  # no place: measured, as ever
        todo = np.flatnonzero(state == UNDECIDED)
        if len(todo):
            state[todo] = self.membership(zid, *xy(todo), tolerance_km[todo])
        return state.astype(np.int8, copy=False)


def _area_membership(zone: Zone, x: np.ndarray, y: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Membership in an area, each point measured: IN inside, EDGE within ``tol`` (km, where above 0) of
    the edge on either side, OUT otherwise."""
    out = np.full(len(x), OUT, dtype=np.int8)
    if len(x) == 0:
        return out
    widest = float(np.nanmax(tol)) if np.isfinite(tol).any() else 0.0
    cand = zone.around(x, y, _margin_km(widest) if widest > 0 else 0.0)
    xc, yc = x[cand], y[cand]
    inside = shapely.contains_xy(zone.projected, xc, yc)
    out[cand[inside]] = IN
    if widest > 0:
        # points near the edge, one distinct tolerance at a time (a log states a handful of precisions)
        tolc = tol[cand]
        group, values = pd.factorize(tolc, sort=False)
        for k, t in enumerate(values):
            if not t > 0:
                continue
            sel = np.flatnonzero(group == k)
            out[cand[sel[zone.near_edge(xc[sel], yc[sel], inside[sel], float(t))]]] = EDGE
    return out
