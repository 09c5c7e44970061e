"""The JSON Schemas come from the models, are kept in schemas/ as generated, and accept every shipped file."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from tests.conftest import REPO

from compliance.cli.schema import dumps, schemas

GENERATED = schemas()


def _yaml(path):
    # the YAML files are read as JSON would see them: dates stay text, as the schemas expect
    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {k: [(t, r) for t, r in v if not t.endswith("timestamp")]
                                      for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)


def _kind(path) -> str:
    if path.parent.name == "profiles":
        return "profile"
    if path.parent.name == "tests":
        return "ruletests"
    if path.name == "parties.yaml":
        return "parties"
    if path.parent.name == "events":
        return "events"
    return "agreement"


SHIPPED = sorted([*(REPO / "agreements").rglob("*.yaml"), *(REPO / "events").glob("*.yaml")])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_every_shipped_file_validates_against_its_schema(path):
    schema = GENERATED[_kind(path)]
    jsonschema.validate(_yaml(path), schema)
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema="), "editors need the schema line first"
    target = (path.parent / first.split("=", 1)[1]).resolve()
    assert target == (REPO / "schemas" / f"{_kind(path)}.schema.json").resolve()


@pytest.mark.parametrize("path", sorted((REPO / "agreements" / "zones").glob("*.geojson")), ids=lambda p: p.name)
def test_zone_properties_validate_against_their_schema(path):
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        jsonschema.validate(feature["properties"], GENERATED["zone-properties"])


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_schemas_folder_is_what_compliance_schema_generates(name):
    kept = (REPO / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    assert kept == dumps(GENERATED[name]), "run `compliance schema --output schemas` and commit the result"


def test_a_schema_rejects_a_misspelt_key():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"parties": [{"id": "x", "name": "X", "kind": "state", "alias": []}]},
                            GENERATED["parties"])
