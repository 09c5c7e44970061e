"""The controlled vocabulary of events and rules (contracts.md).

Kept in one place so that models, the JSON Schema, the engine's integer codes and the
Hypothesis strategies all agree on the same words in the same order.
"""

from __future__ import annotations

ACTIONS: tuple[str, ...] = (
    "air-strike", "drone-strike", "shelling", "missile-strike", "chemical-attack", "ground-assault",
    "armed-clash", "territory-captured", "siege", "attack", "explosive-device",
    "heavy-weapons-presence", "armed-group-presence", "troop-deployment", "withdrawal", "patrol",
    "observation-post-established", "humanitarian-obstruction", "road-opened", "road-closed",
    "looting", "property-destruction", "arrest", "protest", "ceasefire-declared",
)

WEAPONS: tuple[str, ...] = (
    "aircraft", "helicopter", "drone", "barrel-bomb", "cluster-munition", "chemical",
    "ballistic-missile", "cruise-missile", "rocket", "mlrs", "artillery", "mortar", "tank",
    "atgm", "small-arms", "ied",
)

TARGET_TYPES: tuple[str, ...] = (
    "civilians", "residential", "school", "hospital", "market", "idp-camp", "place-of-worship",
    "humanitarian", "infrastructure", "military-position", "military-convoy", "observation-post",
    "airbase", "armed-group", "patrol",
)

# Strongest first: the order is what "the least attribution level that counts" compares.
ATTRIBUTION: tuple[str, ...] = ("confirmed", "probable", "alleged", "disputed", "unknown")

# Confidence of a finding: attribution capped by precision ("possible" when the date or place
# leaves the breach uncertain). Strongest first.
CONFIDENCE: tuple[str, ...] = ("confirmed", "probable", "possible", "alleged", "disputed")

ROLES: tuple[str, ...] = ("actor", "guarantor", "obligor")

PARTY_KINDS: tuple[str, ...] = ("state", "militia", "opposition", "listed-group", "other")

ZONE_KINDS: tuple[str, ...] = ("area", "line", "point", "corridor", "radius")


def attribution_rank(level: str) -> int:
    """Higher is stronger; unknown is 0."""
    return len(ATTRIBUTION) - 1 - ATTRIBUTION.index(level)
