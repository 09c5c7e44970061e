"""A lattice of cells over an area, each cell's centre measured once, so that most points of a large log
are placed in or out of the area by arithmetic on their coordinates rather than by geometry.

A point lies at most ``reach`` from the centre of its cell, and a distance to a set changes by no more
than the points move (it is 1-Lipschitz). So where a centre lies farther than ``reach`` beyond a
threshold, every point of its cell lies beyond it too, on the same side of the edge: such cells decide
their points exactly as the measured distance would. Only cells that straddle a threshold leave their
points to be measured one by one. Nothing is approximated: a cell either decides for certain or defers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

Projection = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

UNDECIDED = np.int8(-1)
SLACK_KM = 1e-6
"""One millimetre kept between a cell and any threshold it decides: floating-point error on distances of
a few hundred kilometres is about a millionth of that."""
CURVE, CURVE_KM = 1e-3, 1e-3
"""Kept beyond a degree cell's farthest corner: a thousandth of the reach, and a metre."""


@dataclass(frozen=True)
class Grid:
    """Cells over a box, numbered row by row from the south-west corner.

    The box is in the plane of the area (metres), or, with ``project``, in degrees of longitude and
    latitude: then a point is placed in its cell before it is projected, and only the points of cells
    that cannot decide are projected at all. Each cell's centre is projected and measured.
    """

    x0: float
    y0: float
    size_x: float
    size_y: float
    nx: int
    ny: int
    inside: np.ndarray
    """Whether each cell's centre lies inside the area."""
    edge_km: np.ndarray
    """Distance (km) from each cell's centre to the area's edge."""
    reach_km: np.ndarray
    """For each cell, the farthest (km, in the area's plane) any point of it lies from its centre."""

    @classmethod
    def over(cls, area: BaseGeometry, edge: BaseGeometry, box: tuple[float, float, float, float],
             cells: int, project: Projection | None = None) -> Grid:
        """About ``cells`` cells over ``box`` (xmin, ymin, xmax, ymax), centres measured against ``area``
        (prepared) and its boundary ``edge``. With ``project`` (degrees to the area's metres), the box is in
        degrees and its cells about square on the ground."""
        xmin, ymin, xmax, ymax = box
        # a degree of longitude spans cos(latitude) of a degree of latitude
        squash = math.cos(math.radians(min(max(abs(ymin), abs(ymax)), 89.0))) if project else 1.0
        floor = 1e-5 if project else 1.0  # cells never smaller than a metre or so
        width, height = max((xmax - xmin) * squash, floor), max(ymax - ymin, floor)
        size_y = max(math.sqrt(width * height / max(cells, 1)), floor)
        size_x = size_y / squash
        nx, ny = max(math.ceil((xmax - xmin) / size_x), 1), max(math.ceil((ymax - ymin) / size_y), 1)
        cx = np.tile(xmin + (np.arange(nx) + 0.5) * size_x, ny)  # centres
        cy = np.repeat(ymin + (np.arange(ny) + 0.5) * size_y, nx)
        gx = np.tile(xmin + np.arange(nx + 1) * size_x, ny + 1)  # corners
        gy = np.repeat(ymin + np.arange(ny + 1) * size_y, nx + 1)
        if project is not None:
            (cx, cy), (gx, gy) = project(cx, cy), project(gx, gy)
        # a cell's corners, as indices into the lattice of corners
        sw = (np.repeat(np.arange(ny), nx) * (nx + 1) + np.tile(np.arange(nx), ny))
        corners = [sw, sw + 1, sw + nx + 1, sw + nx + 2]
        reach = np.max([np.hypot(gx[c] - cx, gy[c] - cy) for c in corners], axis=0) / 1000.0
        if project is not None:
            # a cell in degrees is, projected, a quadrilateral with very slightly curved sides (their sag over a
            # few km is well under a metre): its farthest point from the centre is a corner, give or take that
            reach = reach * (1.0 + CURVE) + CURVE_KM
        inside = shapely.contains_xy(area, cx, cy)
        edge_km = shapely.distance(edge, shapely.points(cx, cy)) / 1000.0
        return cls(float(xmin), float(ymin), float(size_x), float(size_y), nx, ny, inside, edge_km, reach)

    def cells_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Each point's cell, or -1 for a point outside the grid (or without finite coordinates)."""
        i = (x - self.x0) / self.size_x
        j = (y - self.y0) / self.size_y
        ok = (i >= 0) & (i < self.nx) & (j >= 0) & (j < self.ny)  # false for NaN
        out = np.full(len(x), -1, dtype=np.int64)
        # truncation is the floor here: only coordinates at or above the corner are kept
        out[ok] = j[ok].astype(np.int64) * self.nx + i[ok].astype(np.int64)
        return out

    def states(self, tolerance_km: float, in_: np.int8, edge: np.int8, out: np.int8) -> np.ndarray:
        """Each cell's state for points known to ``tolerance_km``: ``edge`` within the tolerance of the
        area's edge (when it is above 0), else ``in_`` or ``out`` by side; ``UNDECIDED`` where the cell
        straddles a threshold. The same rule as measuring each point (see ``ZoneSet.membership``)."""
        reach = self.reach_km + SLACK_KM
        far = self.edge_km - reach  # no point of the cell is nearer the edge than this
        near = self.edge_km + reach  # nor farther
        side = np.where(self.inside, in_, out).astype(np.int8)
        if tolerance_km > 0:
            return np.where(near < tolerance_km, edge, np.where(far > tolerance_km, side, UNDECIDED)).astype(np.int8)
        return np.where(far > 0, side, UNDECIDED).astype(np.int8)
