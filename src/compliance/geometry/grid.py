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
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

UNDECIDED = np.int8(-1)
SLACK_KM = 1e-6
"""One millimetre kept between a cell and any threshold it decides: floating-point error on distances of
a few hundred kilometres is about a millionth of that."""


@dataclass(frozen=True)
class Grid:
    """Square cells over a box (projected metres), numbered row by row from the south-west corner."""

    x0: float
    y0: float
    size: float
    nx: int
    ny: int
    inside: np.ndarray
    """Whether each cell's centre lies inside the area."""
    edge_km: np.ndarray
    """Distance (km) from each cell's centre to the area's edge."""

    @property
    def reach_km(self) -> float:
        """The farthest a point of a cell lies from its centre (half the diagonal), in km."""
        return self.size * math.sqrt(2.0) / 2.0 / 1000.0

    @classmethod
    def over(cls, area: BaseGeometry, edge: BaseGeometry, box: tuple[float, float, float, float],
             cells: int) -> Grid:
        """About ``cells`` cells over ``box`` (xmin, ymin, xmax, ymax), centres measured against ``area``
        (prepared) and its boundary ``edge``."""
        xmin, ymin, xmax, ymax = box
        width, height = max(xmax - xmin, 1.0), max(ymax - ymin, 1.0)
        size = max(math.sqrt(width * height / max(cells, 1)), 1.0)
        nx, ny = max(math.ceil(width / size), 1), max(math.ceil(height / size), 1)
        cx = xmin + (np.arange(nx) + 0.5) * size
        cy = ymin + (np.arange(ny) + 0.5) * size
        x, y = np.tile(cx, ny), np.repeat(cy, nx)
        inside = shapely.contains_xy(area, x, y)
        edge_km = shapely.distance(edge, shapely.points(x, y)) / 1000.0
        return cls(float(xmin), float(ymin), float(size), nx, ny, inside, edge_km)

    def cells_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Each point's cell, or -1 for a point outside the grid (or without finite coordinates)."""
        i = (x - self.x0) / self.size
        j = (y - self.y0) / self.size
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
