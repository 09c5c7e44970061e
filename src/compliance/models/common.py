"""Pieces shared by every file kind: sources, dates and times, and readings where sources disagree."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    WithJsonSchema,
)

from compliance import vocabulary as v

ID_PATTERN = r"^[a-z0-9][a-z0-9.-]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, description="a lower-case id: letters, digits, '-' and '.'")]

Action = Literal[v.ACTIONS]  # type: ignore[valid-type]
Weapon = Literal[v.WEAPONS]  # type: ignore[valid-type]
TargetType = Literal[v.TARGET_TYPES]  # type: ignore[valid-type]
Attribution = Literal[v.ATTRIBUTION]  # type: ignore[valid-type]
Role = Literal[v.ROLES]  # type: ignore[valid-type]
Confidence = Literal[v.CONFIDENCE]  # type: ignore[valid-type]


class Strict(BaseModel):
    """Base of every model read from a user's file: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_moment(value: Any) -> dt.date | dt.datetime:
    """A real date (``2018-10-10``) or a moment with its UTC offset (``2020-01-09T14:00+03:00``).

    A time without an offset is refused: the agreements' start times differ by time zone, and
    guessing the zone is exactly the mistake this tool must not make.
    """
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("a time needs its UTC offset, e.g. 2020-03-06T00:01+03:00")
        return value
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date like 2018-10-10, got {value!r}")
    text = value.strip()
    if _DATE_RE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"'{text}' is not a real date ({exc}); write YYYY-MM-DD") from None
    if _TIME_RE.match(text):
        try:
            moment = dt.datetime.fromisoformat(text.replace(" ", "T"))
        except ValueError as exc:
            raise ValueError(f"'{text}' is not a real date and time ({exc})") from None
        if moment.tzinfo is None:
            raise ValueError(f"'{text}' has a time but no UTC offset; add it, e.g. {text}+03:00")
        return moment
    raise ValueError(f"'{text}' is not a date; write YYYY-MM-DD, or YYYY-MM-DDTHH:MM+03:00 with a time")


def _iso(value: dt.date | dt.datetime) -> str:
    return value.isoformat()


Moment = Annotated[
    dt.date | dt.datetime,
    BeforeValidator(parse_moment),
    PlainSerializer(_iso, return_type=str),
    WithJsonSchema({
        "type": "string",
        "description": "a date YYYY-MM-DD, or a moment YYYY-MM-DDTHH:MM+HH:MM with its UTC offset",
        "pattern": r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$",
    }),
]


class Source(Strict):
    """Where a fact comes from. Only the name is required."""

    name: str = Field(min_length=1)
    url: str | None = None
    ref: str | None = Field(None, description="a document symbol such as S/2018/852, or a file")
    date: Moment | None = None
    note: str | None = None


class Reading(Strict):
    """One source's version of a date that sources disagree on."""

    id: Id
    at: Moment
    sources: list[Source] = Field(default_factory=list)
    note: str | None = None


class Readings(Strict):
    """A date on which sources disagree: every reading, and the one the rules use unless a profile picks."""

    id: Id = Field(description="names the disagreement so a profile can choose: <agreement>/<id>")
    use: Id
    readings: list[Reading] = Field(min_length=2)
    note: str | None = None

    def pick(self, choice: str | None) -> Reading:
        wanted = choice or self.use
        for reading in self.readings:
            if reading.id == wanted:
                return reading
        raise KeyError(wanted)


def _dated_kind(value: Any) -> str:
    return "readings" if isinstance(value, dict | Readings) else "moment"


Dated = Annotated[
    Annotated[Moment, Tag("moment")] | Annotated[Readings, Tag("readings")],
    Discriminator(_dated_kind),
]
"""A date or moment, or several readings of it where sources disagree."""


class DatedNote(Strict):
    """A dated fact with its sources (when a post was set up, when a zone was overrun)."""

    date: Moment | None = None
    sources: list[str | Source] = Field(default_factory=list)
    note: str | None = None
