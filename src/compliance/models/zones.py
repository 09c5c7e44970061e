"""What a zone is: the properties of one GeoJSON feature under agreements/zones/."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from compliance import vocabulary as v
from compliance.models.common import DatedNote, Id, Strict


class ZoneProperties(Strict):
    id: Id
    name: str
    kind: Literal[v.ZONE_KINDS]  # type: ignore[valid-type]
    groups: list[Id] = Field(default_factory=list)
    agreements: list[Id] = Field(default_factory=list)
    basis: str = Field(min_length=1, description="how the geometry was made")
    approximate: bool
    precision_km: float = Field(ge=0, description="how far the true edge or position may lie from the drawn one")
    sources: list[str] = Field(default_factory=list)
    attribution: str | None = None
    established: DatedNote | None = None
    taken: DatedNote | None = None
    of: Id | None = Field(None, description="corridor/radius: the line or points measured from")
    distance_km: float | None = Field(None, gt=0)
    note: str | None = None

    @model_validator(mode="after")
    def _derived_needs_origin(self) -> ZoneProperties:
        if self.kind in ("corridor", "radius") and (self.of is None or self.distance_km is None):
            raise ValueError(f"a {self.kind} zone needs 'of' (the line or points) and 'distance_km'")
        return self
