"""The party registry: who is who, under which names, who commands and who backs whom."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from compliance import vocabulary as v
from compliance.models.common import Id, Source, Strict


class Party(Strict):
    id: Id
    name: str
    kind: Literal[v.PARTY_KINDS]  # type: ignore[valid-type]
    aliases: list[str] = Field(default_factory=list, description="other names; a trailing * matches any suffix")
    commands: list[Id] = Field(default_factory=list, description="parties whose forces act under this one's command")
    backed_by: list[Id] = Field(default_factory=list)
    listed: bool = Field(False, description="outside the ceasefire regime (ISIS, Nusra/HTS, al-Qaeda-linked)")
    sources: list[Source] = Field(default_factory=list)
    note: str | None = None


class PartyRegistry(Strict):
    parties: list[Party] = Field(min_length=1)
