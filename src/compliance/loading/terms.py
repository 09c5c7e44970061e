"""Loading the terms: the party registry, agreements, zones, profiles and rule tests, checked across files.

Every file is read and validated on its own first; then references between files are checked (ids
that refer to nothing, duplicates, naming both places). All problems are collected; nothing stops
at the first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from pydantic import BaseModel
from shapely.geometry import shape

from compliance.geometry.zones import Zone, ZoneSet
from compliance.loading.problems import Problem, Problems, did_you_mean
from compliance.loading.validate import validate
from compliance.loading.yamlpos import Located, YamlError, load_file, parse_text, read_text
from compliance.models.agreements import Agreement
from compliance.models.parties import Party, PartyRegistry
from compliance.models.profiles import Profile
from compliance.models.ruletests import RuleTestFile
from compliance.models.zones import ZoneProperties

_GEOMETRY_FOR_KIND = {
    "area": {"Polygon", "MultiPolygon"},
    "corridor": {"Polygon", "MultiPolygon"},
    "radius": {"Polygon", "MultiPolygon"},
    "line": {"LineString", "MultiLineString"},
    "point": {"Point", "MultiPoint"},
}


@dataclass
class Terms:
    """Everything the engine needs to know about the agreements, ready to evaluate."""

    root: Path | None = None
    parties: dict[str, Party] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    zones: ZoneSet = field(default_factory=ZoneSet)
    profiles: dict[str, Profile] = field(default_factory=dict)
    tests: list[tuple[str, RuleTestFile, Located]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    located: dict[str, Located] = field(default_factory=dict)

    @property
    def clause_count(self) -> int:
        return sum(len(a.clauses) for a in self.agreements.values())


def _display(path: Path, base: Path | None) -> str:
    try:
        return str(path.relative_to(base)) if base else str(path)
    except ValueError:
        return str(path)


def classify(path: Path, data: Any = None) -> str:
    """What kind of file this is, by place and content: registry, agreement, profile, tests, events, zones."""
    if path.suffix.lower() in (".geojson", ".json"):
        return "zones"
    if path.suffix.lower() in (".csv", ".parquet"):
        return "events"
    parent = path.parent.name
    if parent == "profiles":
        return "profile"
    if isinstance(data, dict):
        if "events" in data:
            return "events"
        if "parties" in data:
            return "parties"
        if "cases" in data:
            return "tests"
        if "clauses" in data:
            return "agreement"
    if parent == "tests" or path.name.endswith(".tests.yaml"):
        return "tests"
    if path.stem in ("parties", "registry"):
        return "parties"
    if parent == "events":
        return "events"
    return "agreement"


def term_files(root: Path) -> list[Path]:
    """The files under an agreements folder, in a stable order."""
    files = [p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in (".yaml", ".yml", ".geojson")]
    return sorted(files, key=lambda p: p.as_posix())


class _Collector:
    def __init__(self, base: Path | None):
        self.base = base
        self.problems = Problems()
        self.terms = Terms(root=base)
        self.first_seen: dict[tuple[str, str], tuple[str, int, int]] = {}
        self.profile_located: dict[str, Located] = {}
        self.party_located: dict[str, tuple[Located, int]] = {}
        self.agreement_located: dict[str, Located] = {}
        self.registry_failed = False  # then party references are not checked: they would all fail

    def problem(self, path: str, where: tuple[int, int], message: str) -> None:
        self.problems.add(path, where[0], where[1], message)

    def unique(self, kind: str, ident: str, path: str, where: tuple[int, int]) -> bool:
        """Record ``ident``; report a duplicate naming both places."""
        key = (kind, ident)
        if key in self.first_seen:
            first = self.first_seen[key]
            self.problem(path, where, f"duplicate {kind} id '{ident}': already defined at "
                         f"{first[0]}:{first[1]}:{first[2]}; ids must be unique")
            return False
        self.first_seen[key] = (path, *where)
        return True

    # -- file kinds ---------------------------------------------------------------------------------

    def load_yaml(self, path: Path) -> Located | None:
        shown = _display(path, self.base)
        try:
            located = load_file(path, shown)
        except YamlError as exc:
            self.problems.add(*_astuple(exc.problem))
            return None
        self.terms.located[shown] = located
        return located

    def add_file(self, path: Path, kind: str | None = None) -> None:
        self.terms.files.append(path)
        if path.suffix.lower() in (".geojson", ".json"):
            self.add_zones(path)
            return
        located = self.load_yaml(path)
        if located is None:
            return
        kind = kind or classify(path, located.data)
        if kind == "parties":
            self.add_parties(located)
        elif kind == "profile":
            self.add_profile(located, path)
        elif kind == "tests":
            self.add_tests(located)
        elif kind == "agreement":
            self.add_agreement(located, path)
        # event logs are loaded by compliance.loading.events

    def add_parties(self, located: Located) -> None:
        registry, problems = validate(PartyRegistry, located)
        self.problems.extend(problems)
        if registry is None:
            self.registry_failed = True
            return
        for i, party in enumerate(registry.parties):
            where = located.where(("parties", i, "id"))
            if self.unique("party", party.id, located.path, where):
                self.terms.parties[party.id] = party
                self.party_located[party.id] = (located, i)

    def add_profile(self, located: Located, path: Path) -> None:
        profile, problems = validate(Profile, located)
        self.problems.extend(problems)
        if profile is not None and self.unique("profile", profile.id, located.path, located.where(("id",))):
            self.terms.profiles[profile.id] = profile
            self.profile_located[profile.id] = located

    def add_tests(self, located: Located) -> None:
        tests, problems = validate(RuleTestFile, located)
        self.problems.extend(problems)
        if tests is not None:
            self.terms.tests.append((located.path, tests, located))

    def add_agreement(self, located: Located, path: Path) -> None:
        agreement, problems = validate(Agreement, located)
        self.problems.extend(problems)
        if agreement is None:
            return
        where = located.where(("id",))
        if agreement.id != path.stem:
            self.problem(located.path, where, f"the agreement id '{agreement.id}' differs from the file name "
                         f"'{path.stem}'; name the file {agreement.id}.yaml or change the id")
        if self.unique("agreement", agreement.id, located.path, where):
            self.terms.agreements[agreement.id] = agreement
            self.agreement_located[agreement.id] = located
        else:
            first = self.terms.agreements.get(agreement.id)
            first_located = self.agreement_located.get(agreement.id)
            if first is not None and first_located is not None:
                earlier = {c.id: i for i, c in enumerate(first.clauses)}
                for i, clause in enumerate(agreement.clauses):
                    if clause.id in earlier:
                        line, col = first_located.where(("clauses", earlier[clause.id], "id"))
                        self.problem(located.path, located.where(("clauses", i, "id")),
                                     f"duplicate clause id '{agreement.id}/{clause.id}': already defined at "
                                     f"{first_located.path}:{line}:{col}")

    def add_zones(self, path: Path) -> None:
        shown = _display(path, self.base)
        try:
            text = read_text(path, shown)
            data = json.loads(text)
        except YamlError as exc:
            self.problems.add(*_astuple(exc.problem))
            return
        except json.JSONDecodeError as exc:
            self.problem(shown, (exc.lineno, exc.colno), f"the GeoJSON cannot be read: {exc.msg}")
            return
        located: Located | None = None

        def where(loc: tuple[Any, ...], key: bool = False) -> tuple[int, int]:
            nonlocal located
            if located is None:  # positions are needed only for errors: parse again, with them
                try:
                    located = parse_text(text, shown)
                except YamlError:
                    located = Located(shown, data)
            return located.where(loc, key=key)

        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            self.problem(shown, where(()), "a zone file must be a GeoJSON FeatureCollection")
            return
        features = data.get("features")
        if not isinstance(features, list):
            self.problem(shown, where(("features",)), "'features' must be a list of GeoJSON features")
            return
        for i, feature in enumerate(features):
            self.add_feature(shown, i, feature, where, lambda: located)

    def add_feature(self, shown: str, i: int, feature: Any, where, located_holder) -> None:
        base = ("features", i)
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            self.problem(shown, where(base), "each feature needs 'properties' (a mapping) and a 'geometry'")
            return
        props, problems = validate(ZoneProperties, Located(shown, feature["properties"]))
        if problems:  # validate again with positions, which are read only when needed
            where(())
            assert located_holder() is not None
            _, problems = validate(ZoneProperties, located_holder().sub((*base, "properties")))
            self.problems.extend(problems)
        if props is None:
            return
        try:
            geometry = shape(feature.get("geometry") or {})
        except Exception as exc:  # shapely raises several types for malformed GeoJSON
            self.problem(shown, where((*base, "geometry")), f"zone '{props.id}': the geometry cannot be read ({exc})")
            return
        if geometry.geom_type not in _GEOMETRY_FOR_KIND[props.kind]:
            allowed = " or ".join(sorted(_GEOMETRY_FOR_KIND[props.kind]))
            self.problem(shown, where((*base, "geometry", "type")),
                         f"zone '{props.id}' is a {props.kind} but its geometry is a {geometry.geom_type}; "
                         f"use {allowed}")
            return
        if geometry.is_empty or not shapely.is_valid(geometry):
            reason = shapely.is_valid_reason(geometry)
            self.problem(shown, where((*base, "geometry")), f"zone '{props.id}': invalid geometry ({reason})")
            return
        if self.unique("zone", props.id, shown, where((*base, "properties", "id"))):
            self.terms.zones.zones[props.id] = Zone(props, geometry, shown)

    # -- across files ---------------------------------------------------------------------------------

    def check_references(self) -> None:
        terms = self.terms
        parties = terms.parties
        self._check_aliases()
        for party in terms.parties.values():
            located, i = self.party_located[party.id]
            for key in ("commands", "backed_by"):
                for j, ref in enumerate(getattr(party, key)):
                    self._ref("party", ref, parties, located, ("parties", i, key, j))
        for agreement in terms.agreements.values():
            located = self._located_of("agreement", agreement.id)
            if located is not None:
                self._check_agreement(agreement, located)
        for profile in terms.profiles.values():
            self._check_profile(profile, self.profile_located[profile.id])
        for path, tests, located in terms.tests:
            self._check_tests(path, tests, located)
        for zone in terms.zones.zones.values():
            if zone.props.of is not None and not terms.zones.known(zone.props.of):
                self.problems.add(zone.path, 1, 1, f"zone '{zone.id}' is measured from '{zone.props.of}', "
                                  f"which is no zone{did_you_mean(zone.props.of, terms.zones.all_ids())}")

    def _located_of(self, kind: str, ident: str) -> Located | None:
        first = self.first_seen.get((kind, ident))
        return self.terms.located.get(first[0]) if first else None

    def _ref(self, kind: str, ref: str, known, located: Located, loc: tuple[Any, ...]) -> bool:
        if kind == "party" and self.registry_failed:
            return True
        if isinstance(known, ZoneSet):
            if known.known(ref):
                return True
            names = known.all_ids()
        elif ref in known:
            return True
        else:
            names = list(known)
        self.problem(located.path, located.where(loc), f"unknown {kind} '{ref}'{did_you_mean(ref, names)}")
        return False

    def _check_aliases(self) -> None:
        owner: dict[str, str] = {}
        for party in self.terms.parties.values():
            for name in [party.id, party.name, *party.aliases]:
                key = name.strip().lower()
                if key in owner and owner[key] != party.id:
                    first = self.first_seen.get(("party", party.id))
                    path, line, col = first if first else ("parties.yaml", 1, 1)
                    self.problems.add(path, line, col, f"the name '{name}' is given to both '{owner[key]}' and "
                                      f"'{party.id}'; a name must resolve to one party")
                owner.setdefault(key, party.id)

    def _check_agreement(self, a: Agreement, located: Located) -> None:
        parties = self.terms.parties
        zones = self.terms.zones
        for i, s in enumerate(a.signatories):
            self._ref("party", s.party, parties, located, ("signatories", i, "party"))
        for i, z in enumerate(a.zones):
            self._ref("zone", z, zones, located, ("zones", i))
        for i, g in enumerate(a.guarantees):
            self._ref("party", g.guarantor, parties, located, ("guarantees", i, "guarantor"))
            for j, p in enumerate(g.parties):
                self._ref("party", p, parties, located, ("guarantees", i, "parties", j))
        local_ids: dict[str, tuple[int, int]] = {}
        for i, c in enumerate(a.clauses):
            where = located.where(("clauses", i, "id"))
            if c.id in local_ids:
                line, col = local_ids[c.id]
                self.problem(located.path, where, f"duplicate clause id '{a.id}/{c.id}': already defined at "
                             f"{located.path}:{line}:{col}; clause ids must be unique within an agreement")
            local_ids.setdefault(c.id, where)
        exemption_ids = {e.id for e in a.exemptions}
        for i, e in enumerate(a.exemptions):
            where = located.where(("exemptions", i, "id"))
            if e.id in local_ids:
                self.problem(located.path, where, f"exemption id '{e.id}' is also a clause id; use another id")
            for j, target in enumerate(e.overrides):
                if target not in local_ids and target not in exemption_ids:
                    self.problem(located.path, located.where(("exemptions", i, "overrides", j)),
                                 f"exemption '{e.id}' overrides '{target}', which is no clause or exemption of "
                                 f"{a.id}{did_you_mean(target, [*local_ids, *exemption_ids])}")
            self._check_condition_parties(e.if_, located, ("exemptions", i, "if"))
        for i, c in enumerate(a.clauses):
            for j, b in enumerate(c.binds):
                self._ref("party", b.party, parties, located, ("clauses", i, "binds", j, "party"))
            for j, ex in enumerate(c.exemptions):
                if ex not in exemption_ids:
                    self.problem(located.path, located.where(("clauses", i, "exemptions", j)),
                                 f"unknown exemption '{ex}'{did_you_mean(ex, exemption_ids)}; declare it under "
                                 "the agreement's exemptions")
            self._check_rule(c.rule, located, ("clauses", i, "rule"))

    def _check_condition_parties(self, cond, located: Located, loc: tuple[Any, ...]) -> None:
        for key in ("actors", "target_parties"):
            for j, p in enumerate(getattr(cond, key, [])):
                self._ref("party", p, self.terms.parties, located, (*loc, key, j))

    def _check_rule(self, rule, located: Located, loc: tuple[Any, ...]) -> None:
        parties, zones = self.terms.parties, self.terms.zones
        for key in ("conduct", "evidence", "fulfilled_by"):
            conduct = getattr(rule, key, None)
            if conduct is not None:
                for j, p in enumerate(conduct.target_parties):
                    self._ref("party", p, parties, located, (*loc, key, "target_parties", j))
        for j, p in enumerate(getattr(rule, "by", [])):
            self._ref("party", p, parties, located, (*loc, "by", j))
        where = getattr(rule, "where", None)
        if where is not None:
            for key in ("inside", "outside"):
                for j, z in enumerate(getattr(where, key)):
                    self._ref("zone", z, zones, located, (*loc, "where", key, j))
            if where.within_km is not None:
                for j, z in enumerate(where.within_km.of):
                    self._ref("zone", z, zones, located, (*loc, "where", "within_km", "of", j))

    def _check_profile(self, profile: Profile, located: Located) -> None:
        choices = reading_choices(self.terms)
        for key, value in profile.readings.items():
            if key not in choices:
                self.problem(located.path, located.where(("readings", key), key=True),
                             f"no reading '{key}' in the agreements{did_you_mean(key, choices)}")
            elif value not in choices[key]:
                self.problem(located.path, located.where(("readings", key)),
                             f"'{value}' is not a reading of {key}; use one of: {', '.join(choices[key])}")

    def _check_tests(self, path: str, tests: RuleTestFile, located: Located) -> None:
        agreement = self.terms.agreements.get(tests.agreement)
        if agreement is None:
            self.problem(path, located.where(("agreement",)), f"unknown agreement '{tests.agreement}'"
                         f"{did_you_mean(tests.agreement, self.terms.agreements)}")
            return
        clause_ids = [c.id for c in agreement.clauses]
        for i, case in enumerate(tests.cases):
            if case.clause not in clause_ids:
                self.problem(path, located.where(("cases", i, "clause")),
                             f"'{case.clause}' is no clause of {agreement.id}{did_you_mean(case.clause, clause_ids)}")
            for j, exp in enumerate(case.expect):
                self._ref("party", exp.party, self.terms.parties, located, ("cases", i, "expect", j, "party"))


def reading_choices(terms: Terms) -> dict[str, list[str]]:
    """Every contested reading a profile can choose, as ``<agreement>/<id>`` → option ids."""
    from compliance.models.common import Readings

    out: dict[str, list[str]] = {}

    def visit(agreement_id: str, value: Any) -> None:
        if isinstance(value, Readings):
            out[f"{agreement_id}/{value.id}"] = [r.id for r in value.readings]
        elif hasattr(value, "options") and hasattr(value, "use") and hasattr(value, "id"):
            out[f"{agreement_id}/{value.id}"] = [o.id for o in value.options]
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                visit(agreement_id, getattr(value, name))
        elif isinstance(value, list | tuple):
            for item in value:
                visit(agreement_id, item)

    for a in terms.agreements.values():
        visit(a.id, a)
    return out


def _astuple(p: Problem) -> tuple[str, int, int, str]:
    return (p.path, p.line, p.col, p.message)


def load_terms(paths: list[Path], base: Path | None = None) -> tuple[Terms, Problems]:
    """Load every terms file under ``paths`` (folders or files) and check references across them."""
    collector = _Collector(base)
    for path in paths:
        if path.is_dir():
            for f in term_files(path):
                if classify(f) != "events" and not (f.suffix in (".yaml", ".yml") and _is_event_log(f)):
                    collector.add_file(f)
        else:
            collector.add_file(path)
    collector.check_references()
    return collector.terms, collector.problems


def _is_event_log(path: Path) -> bool:
    return path.parent.name == "events"
