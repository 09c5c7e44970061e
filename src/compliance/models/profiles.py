"""Interpretation profiles: the choices between contested readings, named in every report."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from compliance.models.common import Attribution, Id, Strict


class Profile(Strict):
    id: Id
    description: str = ""
    min_attribution: Attribution = Field("alleged", description="the least attribution level that counts")
    guarantors_answer: bool = Field(True, description="whether guarantors answer for the parties they guarantee")
    overrun_zones: Literal["protected", "lapsed"] = Field(
        "protected", description="whether a clause still protects a zone after the zone was overrun")
    readings: dict[str, Id] = Field(default_factory=dict, description="<agreement>/<reading id>: <option id>")
