"""Rule tests that live beside the agreements: events that must breach a clause, and near misses."""

from __future__ import annotations

from pydantic import Field

from compliance.models.common import Confidence, Id, Role, Strict
from compliance.models.events import Event


class Expected(Strict):
    party: Id
    role: Role
    confidence: Confidence | None = None


class Case(Strict):
    name: str
    clause: Id
    expect: list[Expected] = Field(description="the findings this clause must give; [] for a near miss")
    events: list[Event] = Field(min_length=1)
    profile: dict[str, object] | None = Field(None, description="profile settings to change for this case")


class RuleTestFile(Strict):
    agreement: Id
    cases: list[Case] = Field(min_length=1)
