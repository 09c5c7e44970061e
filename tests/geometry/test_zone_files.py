"""Behaviour of the shipped zone files in agreements/zones/ (built by tools/build_zones.py).

The rules decide membership from these geometries, so the tests check what a rule would see: that
known places fall inside or outside the right zones, that every feature says how it was drawn, and
that the build is reproducible.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

REPO = Path(__file__).resolve().parents[2]
ZONES = REPO / "agreements" / "zones"
BOUNDARIES = Path(__file__).resolve().parents[3] / "shared" / "data" / "boundaries"
FILES = ["astana.geojson", "observation-posts.geojson", "idlib.geojson", "northeast.geojson"]
OCHA = "UN OCHA / UNCS, Syria COD-AB v02 (2020-12-17), via HDX, CC BY 3.0 IGO"
AGREEMENTS = {"astana-2017", "sochi-2018", "idlib-ceasefire-2020-01", "moscow-2020", "sochi-2019"}
REQUIRED = {"id", "name", "kind", "agreements", "basis", "approximate", "precision_km", "sources"}
OPTIONAL = {"groups", "attribution", "established", "taken", "of", "distance_km"}
GEOMETRY_OF_KIND = {
    "area": {"Polygon", "MultiPolygon"},
    "corridor": {"Polygon", "MultiPolygon"},
    "radius": {"Polygon", "MultiPolygon"},
    "line": {"LineString", "MultiLineString"},
    "point": {"Point"},
}
# The posts of agreements.md §1.5 that have a sourced (or described) position; Salwa and al-Zaytunah
# have none and are left out, which the file's name says.
POSTS = [
    "op-qalaat-samaan",
    "op-sheikh-aqil",
    "op-tal-al-eis",
    "op-tal-tuqan",
    "op-surman",
    "op-jabal-anadan",
    "op-morek",
    "op-rashidin",
    "op-shir-mughar",
    "op-ishtabraq",
]
EXPECTED_IDS = {
    "astana-idlib",
    "astana-north-homs",
    "astana-eastern-ghouta",
    "astana-south",
    *POSTS,
    "contact-line-2018-09",
    "sochi-dmz",
    "m4-line",
    "m5-line",
    "m4-corridor",
    "m4-patrol-route",
    "contact-line-2020-03",
    "ne-peace-spring-area",
    "ne-30km-strip",
    "ne-10km-patrol-strip",
    "manbij",
    "tal-rifat",
}
GEOD = Geod(ellps="WGS84")
_TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True).transform

# Reference places (lat, lon). Sources: tools/places.yaml, and for the test-only ones the GeoNames-derived
# VannaDii/pub-dev syria_cities.dart (commit 2aba3e3a); Sarmin from agreements.md §5.2.
SARMIN = (35.90333, 36.72583)
IDLIB = (35.93062, 36.63393)
KHAN_SHAYKHUN = (35.44208, 36.65095)
DAMASCUS = (33.5102, 36.29128)
HOMS = (34.72682, 36.72339)
LATAKIA = (35.53168, 35.79011)
ARIHA = (35.81374, 36.60964)
ALEPPO = (36.20124, 37.16117)


def _load(name: str) -> dict:
    return json.loads((ZONES / name).read_text(encoding="utf-8"))


FEATURES = [(name, f) for name in FILES for f in _load(name)["features"]]
ZONE = {f["properties"]["id"]: shape(f["geometry"]) for _, f in FEATURES}
PROPS = {f["properties"]["id"]: f["properties"] for _, f in FEATURES}


def pt(place: tuple[float, float]) -> Point:
    return Point(place[1], place[0])


def to_m(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_M(xy[:, 0], xy[:, 1])))


def km_between(geom: BaseGeometry, place: tuple[float, float]) -> float:
    """Distance in km, on UTM 37N (good to well under 1% here)."""
    return to_m(geom).distance(to_m(pt(place))) / 1000.0


def moved(place: tuple[float, float], bearing_deg: float, km: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(place[1], place[0], bearing_deg, km * 1000.0)
    return (lat, lon)


# --- file and property shape ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_file_is_a_small_feature_collection(name: str) -> None:
    data = _load(name)
    assert data["type"] == "FeatureCollection"
    assert data["features"], f"{name} has no features"
    assert (ZONES / name).stat().st_size < 300_000, f"{name} is too large: simplify it within its precision"


def test_ids_are_unique_across_files_and_complete() -> None:
    ids = [f["properties"]["id"] for _, f in FEATURES]
    assert len(ids) == len(set(ids)), "duplicate zone ids across the zone files"
    assert set(ids) == EXPECTED_IDS


def test_left_out_posts_are_named_in_the_file() -> None:
    title = _load("observation-posts.geojson")["name"]
    assert "op-salwa" in title and "op-zaytunah" in title


@pytest.mark.parametrize(("name", "feature"), FEATURES, ids=[f["properties"]["id"] for _, f in FEATURES])
def test_feature_properties(name: str, feature: dict) -> None:
    props = feature["properties"]
    assert set(props) >= REQUIRED, f"missing {REQUIRED - set(props)}"
    assert set(props) <= REQUIRED | OPTIONAL, f"unknown {set(props) - REQUIRED - OPTIONAL}"
    assert props["kind"] in GEOMETRY_OF_KIND
    assert set(props["agreements"]) <= AGREEMENTS and props["agreements"]
    assert isinstance(props["basis"], str) and len(props["basis"]) > 20
    assert props["approximate"] is True
    assert isinstance(props["precision_km"], int | float) and props["precision_km"] > 0
    assert props["sources"] and all(isinstance(s, str) and s for s in props["sources"])
    if "attribution" in props:
        assert props["attribution"] == OCHA
    if props["kind"] in ("corridor", "radius"):
        assert props["of"] in PROPS and props["distance_km"] > 0
    else:
        assert "of" not in props and "distance_km" not in props
    for key in ("established", "taken"):
        if key in props:
            assert props[key]["sources"] and props[key]["note"]
            if "date" in props[key]:
                dt.date.fromisoformat(props[key]["date"])


@pytest.mark.parametrize(("name", "feature"), FEATURES, ids=[f["properties"]["id"] for _, f in FEATURES])
def test_geometry_is_valid_and_matches_kind(name: str, feature: dict) -> None:
    geom = shape(feature["geometry"])
    assert geom.is_valid, shapely.is_valid_reason(geom)
    assert not geom.is_empty
    assert geom.geom_type in GEOMETRY_OF_KIND[feature["properties"]["kind"]]
    west, south, east, north = geom.bounds
    assert west > 35.5 and east < 42.5 and south > 32.3 and north < 37.4, "outside Syria: lon/lat swapped?"
    coords = shapely.get_coordinates(geom)
    assert (abs(coords * 1e5 - (coords * 1e5).round()) < 1e-6).all(), "coordinates must have 5 decimals"


def test_ocha_derived_zones_carry_the_attribution() -> None:
    for zone in (
        "astana-idlib",
        "astana-north-homs",
        "astana-eastern-ghouta",
        "astana-south",
        "sochi-dmz",
        "ne-peace-spring-area",
        "ne-30km-strip",
        "ne-10km-patrol-strip",
        "manbij",
    ):
        assert PROPS[zone].get("attribution") == OCHA, zone


def test_groups() -> None:
    for zone in ("astana-idlib", "astana-north-homs", "astana-eastern-ghouta", "astana-south"):
        assert PROPS[zone]["groups"] == ["astana-deescalation-areas"]
    for post in POSTS:
        assert PROPS[post]["groups"] == ["turkish-observation-posts"]
        assert PROPS[post]["kind"] == "point"


def test_overrun_zones_have_taken_dates() -> None:
    assert PROPS["astana-eastern-ghouta"]["taken"]["date"].startswith("2018-04")
    assert PROPS["astana-north-homs"]["taken"]["date"].startswith("2018-05")
    assert PROPS["astana-south"]["taken"]["date"].startswith("2018-07")
    assert "taken" not in PROPS["astana-idlib"]


# --- known places ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "place", "inside"),
    [
        ("astana-idlib", SARMIN, True),
        ("astana-idlib", IDLIB, True),
        ("astana-idlib", KHAN_SHAYKHUN, True),
        ("astana-idlib", ARIHA, True),
        ("astana-idlib", DAMASCUS, False),
        ("astana-idlib", HOMS, False),
        ("astana-idlib", LATAKIA, False),
        ("astana-idlib", ALEPPO, False),
        ("astana-north-homs", (34.92667, 36.73241), True),  # Rastan
        ("astana-north-homs", (34.84072, 36.73092), True),  # Talbiseh
        ("astana-north-homs", HOMS, False),
        ("astana-eastern-ghouta", (33.57175, 36.4027), True),  # Douma
        ("astana-eastern-ghouta", (33.55869, 36.36515), True),  # Harasta
        ("astana-eastern-ghouta", (33.53719, 36.36635), True),  # Irbin
        ("astana-eastern-ghouta", HOMS, False),
        ("astana-south", (32.61889, 36.10213), True),  # Daraa
        ("astana-south", (33.12595, 35.82461), True),  # Quneitra
        ("astana-south", DAMASCUS, False),
        ("sochi-dmz", KHAN_SHAYKHUN, True),  # about 10 km behind the 2018 line
        ("sochi-dmz", IDLIB, False),  # well over 20 km from it
        ("m4-corridor", ARIHA, True),
        ("m4-corridor", moved(ARIHA, 180, 20), False),
        ("m4-corridor", moved(ARIHA, 0, 5), True),
        ("ne-peace-spring-area", (36.7, 39.5), True),  # between Tal Abyad and Ras al-Ayn, near the border
        ("ne-peace-spring-area", (36.89095, 38.35347), False),  # Kobani
        ("ne-30km-strip", (36.89095, 38.35347), True),  # Kobani, east of the Euphrates
        ("ne-30km-strip", (36.8175, 38.01111), False),  # Jarablus, west of the Euphrates
        ("ne-30km-strip", (36.7, 39.5), False),  # inside the Peace Spring area
        ("ne-10km-patrol-strip", (36.89095, 38.35347), True),  # Kobani
        ("ne-10km-patrol-strip", (37.05215, 41.23142), False),  # Qamishli city is excepted
        ("ne-10km-patrol-strip", (37.10417, 40.93), True),  # Amude, by the border west of Qamishli
        ("manbij", (36.52815, 37.95495), True),  # Manbij town
        ("tal-rifat", (36.47229, 37.09471), True),  # Tal Rifat town
        ("tal-rifat", ALEPPO, False),
    ],
)
def test_known_places(zone: str, place: tuple[float, float], inside: bool) -> None:
    assert ZONE[zone].contains(pt(place)) is inside


@pytest.mark.parametrize("post", POSTS)
def test_posts_lie_within_15_km_of_the_idlib_area(post: str) -> None:
    post_point = ZONE[post]
    assert km_between(ZONE["astana-idlib"], (post_point.y, post_point.x)) <= 15


def test_dmz_lies_inside_the_idlib_area_and_within_20_km_of_the_2018_line() -> None:
    dmz, area = ZONE["sochi-dmz"], ZONE["astana-idlib"]
    assert dmz.difference(area).area < 1e-4 * dmz.area
    far = [c for c in shapely.get_coordinates(dmz) if km_between(ZONE["contact-line-2018-09"], (c[1], c[0])) > 20.5]
    assert not far


def test_corridor_is_6_km_around_the_m4_line() -> None:
    assert PROPS["m4-corridor"]["of"] == "m4-line" and PROPS["m4-corridor"]["distance_km"] == 6
    edge = shapely.get_coordinates(ZONE["m4-corridor"].exterior)
    distances = [km_between(ZONE["m4-line"], (c[1], c[0])) for c in edge]
    assert min(distances) > 5.8 and max(distances) < 6.2


def test_patrol_route_runs_on_the_m4_from_trumba_westward() -> None:
    route, m4 = ZONE["m4-patrol-route"], ZONE["m4-line"]
    assert all(km_between(m4, (c[1], c[0])) < 0.05 for c in shapely.get_coordinates(route))
    start, end = route.coords[0], route.coords[-1]
    assert 1.5 < km_between(Point(36.80591, 35.86447), (start[1], start[0])) < 2.5  # 2 km west of Saraqib
    assert end[0] < start[0]


def test_peace_spring_area_and_strips_do_not_overlap() -> None:
    spring = ZONE["ne-peace-spring-area"]
    assert spring.intersection(ZONE["ne-30km-strip"]).area < 1e-6
    assert spring.intersection(ZONE["ne-10km-patrol-strip"]).area < 1e-6


# --- reproducibility -------------------------------------------------------------------------------------


def _build(out: Path) -> dict[str, bytes]:
    subprocess.run(
        [sys.executable, str(REPO / "tools" / "build_zones.py"), "--boundaries", str(BOUNDARIES), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.geojson"))}


@pytest.mark.skipif(not BOUNDARIES.is_dir(), reason=f"OCHA boundaries not found at {BOUNDARIES}")
def test_build_is_reproducible_and_matches_the_shipped_files(tmp_path: Path) -> None:
    first = _build(tmp_path / "first")
    second = _build(tmp_path / "second")
    assert sorted(first) == sorted(FILES)
    assert first == second, "two runs of tools/build_zones.py gave different bytes"
    stale = [name for name in FILES if (ZONES / name).read_bytes() != first[name]]
    assert not stale, f"rerun tools/build_zones.py: {stale} differ from what it builds"
