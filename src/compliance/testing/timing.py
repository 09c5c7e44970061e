"""Clause windows and event dates placed before, inside or after them, by construction.

Written independently of the engine (plain ``zoneinfo``) from the rules in docs/authoring.md: a date
with no time is the whole local day in Syria; a clause's window opens at ``from`` (or the agreement's
``in_force``) and closes at the end of ``until`` (or of the agreement's ``until``); a deadline rule's
window opens the day after the deadline; a result rule's window closes at the end of the deadline day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from compliance.models.agreements import Agreement, Clause
from compliance.models.common import Readings
from compliance.models.profiles import Profile

LOCAL = ZoneInfo("Asia/Damascus")
UTC = dt.UTC
SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)


def local_midnight(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in Syria, in UTC (a midnight skipped by daylight saving is the jump)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=LOCAL).astimezone(UTC)


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL).date()


def instant(value, agreement_id: str, profile: Profile | None, *, closing: bool) -> dt.datetime | None:
    """A date, moment or readings as a UTC instant; ``closing`` makes a date mean the end of that day."""
    if value is None:
        return None
    if isinstance(value, Readings):
        choice = (profile.readings if profile else {}).get(f"{agreement_id}/{value.id}")
        value = value.pick(choice).at
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC)
    return local_midnight(value + DAY if closing else value)


@dataclass(frozen=True)
class Window:
    """Where a clause applies in time: ``[start, end)``; ``None`` is open."""

    start: dt.datetime | None
    end: dt.datetime | None

    def first_full_day(self) -> dt.date | None:
        if self.start is None:
            return None
        day = local_day(self.start)
        return day if local_midnight(day) >= self.start else day + DAY

    def last_full_day(self) -> dt.date | None:
        return None if self.end is None else local_day(self.end) - DAY


def clause_window(agreement: Agreement, clause: Clause, profile: Profile | None = None) -> Window:
    """The window of a clause: when its conduct counts (for a result rule: when fulfilment counts)."""
    rule = clause.rule
    a = agreement.id
    in_force = instant(agreement.in_force, a, profile, closing=False)
    lapses = instant(agreement.until, a, profile, closing=True)
    if rule.kind == "deadline":
        until = instant(rule.until, a, profile, closing=True) if rule.until is not None else lapses
        return Window(instant(rule.deadline, a, profile, closing=True), until)
    if rule.kind == "result":
        start = instant(rule.from_, a, profile, closing=False) if rule.from_ is not None else in_force
        return Window(start, instant(rule.deadline, a, profile, closing=True))
    when = getattr(rule, "when", None)
    start = instant(when.from_, a, profile, closing=False) if when is not None and when.from_ is not None else in_force
    end = instant(when.until, a, profile, closing=True) if when is not None and when.until is not None else lapses
    return Window(start, end)


def event_span(date: dt.date | dt.datetime, date_end: dt.date | dt.datetime | None) -> tuple[int, int]:
    """An event's span ``[start, end)`` in epoch seconds: a date is its whole local day, a moment one second."""

    def opening(v):
        return int(v.timestamp()) if isinstance(v, dt.datetime) else int(local_midnight(v).timestamp())

    def closing(v):
        return int(v.timestamp()) + 1 if isinstance(v, dt.datetime) else int(local_midnight(v + DAY).timestamp())

    return opening(date), closing(date_end if date_end is not None else date)


DST_DAYS: tuple[dt.date, ...] = tuple(
    d for d in (dt.date(2015, 1, 1) + dt.timedelta(days=i) for i in range(365 * 10))
    if local_midnight(d + DAY) - local_midnight(d) != dt.timedelta(hours=24)
)
"""Days on which Syria's clocks changed (2015-2024): the local days that are not 24 hours long."""
