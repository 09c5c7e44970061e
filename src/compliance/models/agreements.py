"""Agreements, their clauses, rules and exemptions, as experts write them in agreements/<id>.yaml.

Each kind of rule is its own small model with its own schema (in the spirit of Cloud Custodian's
per-filter schemas), joined by the ``kind`` key so that a mistake in one kind's keys is reported
against that kind alone.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from compliance.models.common import (
    Action,
    Dated,
    Id,
    Moment,
    Source,
    Strict,
    TargetType,
    Weapon,
)


class Conduct(Strict):
    """What an event must be to match: every key given must hold; each list means "any of"."""

    actions: list[Action] = Field(default_factory=list)
    weapons: list[Weapon] = Field(default_factory=list)
    targets: list[TargetType] = Field(default_factory=list)
    target_parties: list[Id] = Field(default_factory=list)


class WithinKm(Strict):
    km: float = Field(gt=0)
    of: list[Id] = Field(min_length=1)


class Where(Strict):
    """Where an event must be: inside any of ``inside``, within ``within_km``, inside none of ``outside``."""

    inside: list[Id] = Field(default_factory=list)
    within_km: WithinKm | None = None
    outside: list[Id] = Field(default_factory=list)


class When(Strict):
    from_: Dated | None = Field(None, alias="from", description="defaults to the agreement's in_force")
    until: Dated | None = Field(None, description="inclusive; defaults to the agreement's until")


class Prohibition(Strict):
    """Conduct the parties bound as actor must not commit."""

    kind: Literal["prohibition"]
    conduct: Conduct
    where: Where = Field(default_factory=Where)
    when: When = Field(default_factory=When)


class Deadline(Strict):
    """Something to withdraw or remove by a deadline: evidence after it that it is still there breaches."""

    kind: Literal["deadline"]
    deadline: Dated = Field(description="the last day to comply; evidence from the next day on breaches")
    evidence: Conduct
    by: list[Id] = Field(default_factory=list, description="whose presence counts (default: anyone)")
    where: Where = Field(default_factory=Where)
    until: Dated | None = None


class Result(Strict):
    """A duty of result: without a fulfilling event by the deadline, the obligors answer."""

    kind: Literal["result"]
    deadline: Dated
    fulfilled_by: Conduct
    by: list[Id] = Field(default_factory=list, description="whose conduct fulfils it (default: anyone)")
    where: Where = Field(default_factory=Where)
    from_: Dated | None = Field(None, alias="from", description="defaults to the agreement's in_force")


class Prevent(Strict):
    """A duty to prevent others' conduct: the obligors answer for each matching event."""

    kind: Literal["prevent"]
    conduct: Conduct
    by: list[Id] = Field(min_length=1, description="the parties whose conduct the obligors must prevent")
    where: Where = Field(default_factory=Where)
    when: When = Field(default_factory=When)


class NoRule(Strict):
    """The point creates no duty that events can show broken."""

    kind: Literal["none"]


Rule = Annotated[Prohibition | Deadline | Result | Prevent | NoRule, Field(discriminator="kind")]


class Binding(Strict):
    party: Id
    as_: Literal["actor", "guarantor", "obligor"] = Field(alias="as")
    note: str | None = None


class Condition(Strict):
    """When an exemption applies: every key given must hold; each list means "any of"."""

    actors: list[Id] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    weapons: list[Weapon] = Field(default_factory=list)
    target_types: list[TargetType] = Field(default_factory=list)
    target_parties: list[Id] = Field(default_factory=list)


class ScopeOption(Strict):
    id: Id
    if_: Condition = Field(alias="if")
    note: str | None = None


class ScopeReadings(Strict):
    """Contested readings of an exemption's scope; a profile picks one by ``<agreement>/<id>``."""

    id: Id
    use: Id
    options: list[ScopeOption] = Field(min_length=2)
    note: str | None = None


class Exemption(Strict):
    id: Id
    article: str | None = None
    text: str
    sources: list[Source] = Field(default_factory=list)
    overrides: list[Id] = Field(min_length=1, description="clause or exemption ids of this agreement")
    effect: Literal["exempt", "breach"] = "exempt"
    if_: Condition = Field(alias="if")
    readings: ScopeReadings | None = None
    note: str | None = None


class Clause(Strict):
    id: Id
    article: str = Field(min_length=1)
    title: str | None = None
    text: str = Field(min_length=1, description="a paraphrase in our own words")
    sources: list[Source] = Field(min_length=1)
    checkable: bool = True
    binds: list[Binding] = Field(default_factory=list)
    rule: Rule
    exemptions: list[Id] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _checkable_matches_rule(self) -> Clause:
        if self.checkable and self.rule.kind == "none":
            raise ValueError("a clause with rule kind 'none' must say checkable: false")
        if not self.checkable and self.rule.kind != "none":
            raise ValueError("a clause marked checkable: false must have rule: {kind: none}")
        return self


class Signatory(Strict):
    party: Id
    role: Literal["guarantor", "party", "mediator", "witness"]
    signed_by: str | None = None
    note: str | None = None


class Signed(Strict):
    date: Moment
    place: str | None = None
    sources: list[Source] = Field(default_factory=list)
    note: str | None = None


class Guarantee(Strict):
    guarantor: Id
    parties: list[Id] = Field(min_length=1)
    sources: list[Source] = Field(default_factory=list)
    note: str | None = None


class Agreement(Strict):
    id: Id
    title: str
    short_title: str | None = None
    signed: Signed
    in_force: Dated
    until: Dated | None = None
    duration: str | None = Field(None, description="validity and renewal, as the text gives them")
    signatories: list[Signatory] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    zones: list[Id] = Field(default_factory=list)
    guarantees: list[Guarantee] = Field(default_factory=list)
    exemptions: list[Exemption] = Field(default_factory=list)
    clauses: list[Clause] = Field(min_length=1)
    note: str | None = None


__all__ = [
    "Agreement", "Binding", "Clause", "Condition", "Conduct", "Deadline", "Exemption", "Guarantee",
    "Moment", "NoRule", "Prevent", "Prohibition", "Result", "Rule", "ScopeOption", "ScopeReadings",
    "Signatory", "Signed", "When", "Where", "WithinKm",
]
