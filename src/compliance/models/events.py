"""Events as people write them in YAML (contracts.md "Event files").

Large logs (CSV, imports) do not go through these models row by row: they are validated in bulk
into the engine's columns (see compliance.loading.events). These models are the reference shape,
the schema editors check against, and the route for hand-written YAML.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from compliance.models.common import Action, Attribution, Moment, Source, Strict, TargetType, Weapon

_LOCAL = ZoneInfo("Asia/Damascus")
EVENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"


class Target(Strict):
    type: TargetType | None = None
    party: str | None = Field(None, description="a party id or alias; null when it was nobody's")
    name: str | None = None


class Location(Strict):
    name: str | None = None
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    admin1: str | None = None
    admin2: str | None = None
    precision_km: float = Field(0, ge=0, description="how far the true place may lie from lat/lon")


class Casualties(Strict):
    killed: int | None = Field(None, ge=0)
    civilians_killed: int | None = Field(None, ge=0)
    wounded: int | None = Field(None, ge=0)


class Alternative(Strict):
    """Another source's reading of one field; the event's own field holds the reading used."""

    field: str
    value: Any
    sources: list[Source] = Field(default_factory=list)
    note: str | None = None


EventId = Annotated[str, Field(pattern=EVENT_ID_PATTERN, description="letters, digits and . _ : -")]


class Event(Strict):
    id: EventId
    date: Moment
    date_end: Moment | None = Field(None, description="inclusive end of a span")
    actor: str | None = Field(None, description="a party id or alias; null when unknown")
    action: Action
    weapons: list[Weapon] = Field(default_factory=list)
    target: Target = Field(default_factory=Target)
    location: Location
    casualties: Casualties = Field(default_factory=Casualties)
    attribution: Attribution = "unknown"
    attribution_note: str | None = None
    involved: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    alternatives: list[Alternative] = Field(default_factory=list)
    notes: str | None = None

    @model_validator(mode="after")
    def _span_is_ordered(self) -> Event:
        if self.date_end is not None and _closing(self.date_end) <= _opening(self.date):
            raise ValueError(f"date_end {self.date_end} is before date {self.date}")
        return self


def _opening(moment: dt.date | dt.datetime) -> dt.datetime:
    """When a date (the whole local day in Syria) or a moment begins, as an instant."""
    if isinstance(moment, dt.datetime):
        return moment
    return dt.datetime(moment.year, moment.month, moment.day, tzinfo=_LOCAL)


def _closing(moment: dt.date | dt.datetime) -> dt.datetime:
    """When a date or moment ends: a date's span closes at the next local midnight; an instant one second on."""
    if isinstance(moment, dt.datetime):
        return moment + dt.timedelta(seconds=1)
    return _opening(moment + dt.timedelta(days=1))


class EventLog(Strict):
    events: list[Event] = Field(default_factory=list)
