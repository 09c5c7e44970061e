"""``compliance schema``: JSON Schemas generated from the models, never kept by hand."""

from __future__ import annotations

import json
from pathlib import Path

from compliance.cli.common import OK, write_atomic
from compliance.models.agreements import Agreement
from compliance.models.events import EventLog
from compliance.models.parties import PartyRegistry
from compliance.models.profiles import Profile
from compliance.models.ruletests import RuleTestFile
from compliance.models.zones import ZoneProperties

KINDS = {
    "agreement": (Agreement, "An agreement: its clauses, rules and exemptions (agreements/<id>.yaml)."),
    "parties": (PartyRegistry, "The party registry (agreements/parties.yaml)."),
    "events": (EventLog, "An event log (events/*.yaml)."),
    "profile": (Profile, "An interpretation profile (agreements/profiles/*.yaml)."),
    "ruletests": (RuleTestFile, "Rule tests beside the agreements (agreements/tests/*.tests.yaml)."),
    "zone-properties": (ZoneProperties, "The properties of one zone feature (agreements/zones/*.geojson)."),
}


def schemas() -> dict[str, dict]:
    out = {}
    for name, (model, description) in KINDS.items():
        schema = model.model_json_schema(by_alias=True, mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"{name}.schema.json"
        schema["description"] = description
        out[name] = schema
    return out


def dumps(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def run_schema(output: Path | None) -> int:
    generated = schemas()
    if output is None:
        print(json.dumps(generated, indent=2, sort_keys=True, ensure_ascii=False))
        return OK
    for name, schema in generated.items():
        write_atomic(output / f"{name}.schema.json", dumps(schema))
    print(f"wrote {len(generated)} schemas to {output}")
    return OK
