"""Resolving the names in an event log to parties, and who answers for whom.

Resolution works on the distinct names of a column (a log of a million events names a few
hundred actors), so it costs nothing per event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from compliance.models.parties import Party


@dataclass
class Registry:
    """Names to party ids, and the command relation closed transitively."""

    parties: dict[str, Party]
    exact: dict[str, str] = field(default_factory=dict)
    prefixes: list[tuple[str, str]] = field(default_factory=list)
    commanders: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, parties: dict[str, Party]) -> Registry:
        reg = cls(parties)
        for party in parties.values():
            for name in (party.id, party.name, *party.aliases):
                key = " ".join(name.strip().lower().split())
                if key.endswith("*"):
                    reg.prefixes.append((key[:-1].rstrip(), party.id))
                else:
                    reg.exact.setdefault(key, party.id)
        reg.prefixes.sort(key=lambda p: -len(p[0]))  # the longest prefix wins
        commands = {p.id: set(p.commands) for p in parties.values()}
        for pid in parties:
            seen: set[str] = set()
            frontier = [c for c, subs in commands.items() if pid in subs]
            while frontier:
                c = frontier.pop()
                if c not in seen:
                    seen.add(c)
                    frontier.extend(k for k, subs in commands.items() if c in subs)
            reg.commanders[pid] = seen
        return reg

    def resolve(self, name: str) -> str | None:
        key = " ".join(str(name).strip().lower().split())
        if not key:
            return None
        if key in self.exact:
            return self.exact[key]
        for prefix, pid in self.prefixes:
            if key.startswith(prefix):
                return pid
        return None

    def resolve_column(self, names: pd.Series) -> tuple[np.ndarray, dict[str, str]]:
        """Party ids for a column of names ('' where empty or unknown) and the names that matched nothing."""
        inverse, uniques = pd.factorize(names.astype("string").fillna(""), sort=False)
        uniques = [str(u) for u in uniques]
        resolved = np.array([self.resolve(u) or "" for u in uniques] or [""], dtype=object)
        unknown = {u: u for u, r in zip(uniques, resolved, strict=False) if u and not r}
        return resolved[inverse] if len(inverse) else np.zeros(0, dtype=object), unknown

    def answering(self, actor: str, bound: set[str]) -> str | None:
        """Which bound party answers for ``actor``'s conduct: itself, or a party commanding it."""
        if actor in bound:
            return actor
        for commander in sorted(self.commanders.get(actor, ())):
            if commander in bound:
                return commander
        return None

    def name(self, pid: str) -> str:
        party = self.parties.get(pid)
        return party.name if party else pid
