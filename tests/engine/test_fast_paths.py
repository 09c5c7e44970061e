"""The engine's shortcuts give exactly what the plain computation gives.

The engine decides categorical checks once per cell of alike events, sorts findings on one packed key,
writes the reasons for unresolved actors once per distinct name, and decides zone membership with a
grid of measured cells and with buffers wherever they leave no doubt. Each shortcut is compared here
with the plain way (every check on every event, ``np.lexsort``, one reason per event, the exact
distance for every point), on logs and points made at random (seeded) to cover the corners: unknown
actors, spans, imprecise places, points a hair either side of a tolerance.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import REPO

from compliance.engine.checks import HOLDS, _resolve, clause_checks, exemption_condition
from compliance.engine.compile import compile_clauses
from compliance.engine.evaluate import _answering, evaluate
from compliance.geometry import zones as zones_module
from compliance.geometry.zones import _SHELL_FROM, GRID_FROM, Zone, ZoneSet
from compliance.loading.events import events_frame
from compliance.models.events import Event
from compliance.models.profiles import Profile
from compliance.project import load_terms_dir
from compliance.vocabulary import ROLES

PROJECT = Path(__file__).parent / "project"
ACTORS = ["gov", "rebels", "militia", "sponsor", "patron", "jihadis", "Government Army 4th Division",
          "Nobody We Know", " nobody we know ", None]
ACTIONS = ["air-strike", "shelling", "ground-assault", "heavy-weapons-presence", "patrol", "road-opened"]
TARGETS = [None, "military-position", "school", "hospital", "infrastructure", "residential"]
PLACES = [(35.85, 36.65), (35.3, 36.65), (35.505, 36.7)]  # in the box, south of it, on the road


@pytest.fixture(scope="module")
def terms():
    terms, problems = load_terms_dir(PROJECT)
    assert not problems, [str(p) for p in problems]
    return terms


def random_events(seed: int, n: int) -> list[Event]:
    rnd = random.Random(seed)
    out = []
    for k in rnd.sample(range(10 * n), n):  # ids in no particular order
        lat, lon = rnd.choice(PLACES)
        day = f"2020-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}" if rnd.random() < 0.9 else "2019-12-31"
        # skewed, so that many events share all their categories and differ in one (as in real logs)
        data = {
            "id": f"e{k}", "date": day, "actor": rnd.choices(ACTORS, [8, 4, 2, 1, 1, 1, 1, 1, 1, 1])[0],
            "action": rnd.choices(ACTIONS, [4, 4, 1, 4, 1, 1])[0],
            "location": {"lat": lat + rnd.uniform(-0.3, 0.3), "lon": lon + rnd.uniform(-0.3, 0.3),
                         "precision_km": rnd.choice([0, 0, 0, 1, 5, 20])},
            "target": {"type": rnd.choices(TARGETS, [6, 2, 1, 1, 2, 1])[0],
                       "party": rnd.choices([None, "jihadis", "gov", "rebels"], [6, 2, 1, 1])[0]},
            "weapons": rnd.sample(["tank", "artillery", "drone", "small-arms"], rnd.randint(0, 2)),
            "attribution": rnd.choices(["confirmed", "probable", "alleged", "disputed", "unknown"], [6, 2, 2, 1, 1])[0],
            "attribution_note": rnd.choice([None, None, "claimed by two groups"]),
            "involved": rnd.choice([[], [], ["gov", "rebels"]]),
        }
        if rnd.random() < 0.1:  # a span of a few days
            data["date_end"] = (dt.date.fromisoformat(day) + dt.timedelta(days=rnd.randint(1, 9))).isoformat()
        out.append(Event.model_validate(data))
    return out


def plain_run(checks, idx):
    """Every check's tri-state, on ever fewer events: the engine before its shortcuts."""
    state = np.full(len(idx), HOLDS, dtype=np.int8)
    alive = idx
    for check in checks:
        if not len(alive):
            break
        result = check.test(alive)
        keep = result > 0
        alive, state = alive[keep], np.minimum(state[keep], result[keep])
    return alive, state


def plain_exemptions(cc, ctx, idx):
    """Each exemption's conditions on every event, resolved per distinct set of applicable exemptions."""
    effect = np.full(len(idx), "breach", dtype=object)
    names = np.full(len(idx), "", dtype=object)
    if not cc.exemptions or not len(idx):
        return effect, names
    masks = np.zeros(len(idx), dtype=np.int64)
    for bit, ex in enumerate(cc.exemptions):
        state = np.full(len(idx), HOLDS, dtype=np.int8)
        for check in exemption_condition(ex, ctx):
            state = np.minimum(state, check.test(idx))
        masks |= np.where(state == HOLDS, np.int64(1) << bit, 0)
    for value in np.unique(masks):
        active = [ex for bit, ex in enumerate(cc.exemptions) if value & (np.int64(1) << bit)]
        e, decided = _resolve(cc.clause.id, active)
        effect[masks == value], names[masks == value] = e, ", ".join(decided)
    return effect, names


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("readings", [{}, {"test-accord/ct-scope": "broad"}])
def test_the_engine_finds_what_the_plain_computation_finds(terms, seed, readings):
    profile = Profile(id="test", readings=readings)
    outcome = evaluate(terms, events_frame(random_events(seed, 3000)), profile)
    ctx = outcome.context
    everyone = np.arange(ctx.n)
    got = {}
    for p in outcome.parts:
        if p.clause.kind != "result":
            got.setdefault(p.clause.key, set()).update(
                (int(r), p.party, p.role, int(s), st, ex)
                for r, s, st, ex in zip(p.rows, p.state, p.status, p.exemptions, strict=True))
    for cc in compile_clauses(terms, profile):
        if cc.kind == "result":
            continue
        alive, state = plain_run(clause_checks(cc, ctx, profile), everyone)
        effect, decided = plain_exemptions(cc, ctx, alive)
        want = set()
        for r, s, e, d in zip(alive, state, effect, decided, strict=True):
            if e == "exempt":
                continue
            status = "contested" if e == "conflict" else "breach" if s == HOLDS else "possible"
            # who answers, by the engine's own rule (tested on its own in test_rules.py)
            answering = _answering(cc, ctx, profile, ctx.actor[r])
            want.update((int(r), party, role, int(s), status, d) for party, role in answering)
        assert got.get(cc.key, set()) == want, cc.key


@pytest.mark.parametrize("seed", [4, 5])
@pytest.mark.parametrize("in_id_order", [False, True], ids=["ids shuffled", "ids in order"])
def test_findings_come_in_the_order_of_a_sort_on_every_key(terms, seed, in_id_order):
    events = random_events(seed, 1500)
    if in_id_order:  # a log already in id order is not sorted again
        events.sort(key=lambda e: e.id)
    outcome = evaluate(terms, events_frame(events), Profile(id="test"))
    parts, ctx = outcome.parts, outcome.context
    assert len(parts) > 3
    sizes = np.array([len(p.rows) for p in parts])
    rows = np.concatenate([p.rows for p in parts])
    ids = ctx.frame["id"].to_numpy(dtype=object, na_value="")
    id_rank = np.argsort(np.argsort(np.array([str(i) for i in ids]), kind="stable"), kind="stable")
    when = np.where(rows >= 0, ctx.start[np.maximum(rows, 0)],
                    np.repeat([(p.clause.deadline.seconds - 1) if p.clause.deadline else 0 for p in parts], sizes))
    keys = [sorted({p.clause.key for p in parts}), list(ROLES), sorted({p.party for p in parts})]
    clause = np.repeat([keys[0].index(p.clause.key) for p in parts], sizes)
    role = np.repeat([keys[1].index(p.role) for p in parts], sizes)
    party = np.repeat([keys[2].index(p.party) for p in parts], sizes)
    order = np.lexsort((party, role, clause, np.where(rows >= 0, id_rank[np.maximum(rows, 0)], -1), when))
    part = np.repeat(np.arange(len(parts)), sizes)
    position = np.arange(len(rows)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    assert outcome.core["row"].tolist() == rows[order].tolist()
    assert outcome.core["part"].tolist() == part[order].tolist()
    assert outcome.core["position"].tolist() == position[order].tolist()


def test_unresolved_actors_each_have_their_reason_in_id_order(terms):
    events = random_events(6, 1500)
    outcome = evaluate(terms, events_frame(events), Profile(id="test"))
    want = []
    frame = outcome.context.frame
    for ident, name, note, inv, party in zip(frame["id"], frame["actor"], frame["attribution_note"],
                                             frame["involved"], outcome.context.actor, strict=True):
        if party:
            continue
        name, note, inv = str(name).strip(), str(note).strip(), str(inv).strip()
        reason = (f"actor '{name}' matches no party or alias in the registry" if name
                  else "actor unknown" + (f": {note}" if note else ""))
        if inv:
            reason += f" (involved: {inv.replace(';', ', ')})"
        want.append((str(ident), reason))
    assert len(want) > 100
    assert [(u.event_id, u.reason) for u in outcome.unresolved] == sorted(want, key=lambda u: u[0])


def test_unresolved_ids_that_are_missing_or_hold_nul_are_listed_as_text_in_text_order(terms):
    """Ids Arrow cannot order as their text (missing, or with a NUL) take the slow road: as ``str`` reads
    them, sorted as text."""
    frame = events_frame(random_events(9, 800))
    unknown = np.flatnonzero(evaluate(terms, frame, Profile(id="test")).context.actor == "")
    assert len(unknown) > 20
    ids = frame["id"].to_numpy(dtype=object, na_value=None).copy()
    ids[unknown[0]], ids[unknown[1]] = None, "e\x00nul"
    frame["id"] = pd.array(ids, dtype="string[pyarrow]")
    outcome = evaluate(terms, frame, Profile(id="test"))
    got = [u.event_id for u in outcome.unresolved]
    want = sorted("<NA>" if ids[r] is None else ids[r] for r in unknown)
    assert got == want and "<NA>" in got and "e\x00nul" in got


def test_unresolved_events_read_as_a_list(terms):
    outcome = evaluate(terms, events_frame(random_events(10, 600)), Profile(id="test"))
    unresolved = outcome.unresolved
    records = list(unresolved)
    assert len(records) == len(unresolved) > 5
    assert unresolved[0] == records[0] and unresolved[-1] == records[-1]
    assert unresolved[2:5] == records[2:5] and unresolved[:] == records
    assert unresolved == records and bool(unresolved)
    with pytest.raises(IndexError):
        unresolved[len(records)]
    assert len(unresolved.reasons) < len(records)  # each (actor, note, involved) written once


# -- zones ------------------------------------------------------------------------------------------------


def shipped_areas() -> list[Zone]:
    terms, problems = load_terms_dir(REPO / "agreements")
    assert not problems
    return [z for z in terms.zones.zones.values() if z.props.kind == "area"]


AREAS = shipped_areas()


@pytest.mark.parametrize("precise", [False, True], ids=["stated precision", "precision 0"])
@pytest.mark.parametrize("zone", AREAS, ids=[z.id for z in AREAS])
def test_area_membership_is_the_exact_distance_to_the_edge(zone, precise):
    """Many points at about each tolerance from the edge (in, out, and a hair either side): the buffers
    that spare most points the distance must never decide one differently from it."""
    if precise:
        zone = Zone(zone.props.model_copy(update={"precision_km": 0.0}), zone.geometry, zone.path)
    zones = ZoneSet({zone.id: zone})
    rng = np.random.default_rng(zlib.crc32(zone.id.encode()))
    precisions = np.array([0.0, 0.05, 0.3, 2.0, 10.0])
    n = _SHELL_FROM * len(precisions) * 2  # enough that every tolerance takes the buffers' path
    precision = rng.choice(precisions, n)
    tolerance = precision + zone.props.precision_km
    on_edge = shapely.line_interpolate_point(zone.projected_boundary, rng.uniform(0, 1, n), normalized=True)
    reach = tolerance * 1000 * rng.uniform(0.8, 1.2, n) + rng.uniform(-20, 20, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    x = shapely.get_x(on_edge) + reach * np.cos(angle)
    y = shapely.get_y(on_edge) + reach * np.sin(angle)
    got = zones.membership(zone.id, x, y, precision)

    distance = shapely.distance(zone.projected_boundary, shapely.points(x, y)) / 1000.0
    want = np.where(shapely.contains_xy(zone.projected, x, y), 2, 0)
    want[(tolerance > 0) & (distance <= tolerance)] = 1
    assert (want == 1).sum() > 1000 and (want != 1).sum() > 1000  # both sides of the tolerances
    wrong = np.flatnonzero(got != want)
    assert not len(wrong), list(zip(distance[wrong][:5], tolerance[wrong][:5], got[wrong][:5], strict=True))


@pytest.mark.parametrize("zone", AREAS, ids=[z.id for z in AREAS])
def test_area_membership_by_grid_is_the_exact_distance_to_the_edge(zone, monkeypatch):
    """Points spread over an area and well beyond it, enough that the area is laid with its grid (in
    degrees): the cells, and the box around them, must place every point as measuring it would, and must
    spare most points both the projection and the measuring."""
    zone = Zone(zone.props, zone.geometry, zone.path)  # a grid of its own, made by this log
    zones = ZoneSet({zone.id: zone})
    rng = np.random.default_rng(zlib.crc32(zone.id.encode()) + 1)
    n = GRID_FROM * 4
    precision = rng.choice(np.array([0.0, 0.0, 0.0, 1.0, 2.0, 5.0, 25.0]), n)
    lonmin, latmin, lonmax, latmax = shapely.bounds(zone.geometry)
    pad = 0.8  # degrees: some 70-90 km, beyond the grid's box
    lon = rng.uniform(lonmin - pad, lonmax + pad, n)
    lat = rng.uniform(latmin - pad, latmax + pad, n)
    lon[:7], lat[:7] = np.nan, np.nan  # no place: never inside
    x, y = zones_module.project(lon, lat)
    measured: list[int] = []
    projected: list[int] = []
    exact = zones_module._area_membership

    def counted(z, xs, ys, tol):
        measured.append(len(xs))
        return exact(z, xs, ys, tol)

    def xy(rows):
        projected.append(len(rows))
        return x[rows], y[rows]

    monkeypatch.setattr(zones_module, "_area_membership", counted)
    got = zones.place(zone.id, lon, lat, precision, xy)

    tolerance = precision + zone.props.precision_km
    with np.errstate(invalid="ignore"):  # the points without a place
        distance = shapely.distance(zone.projected_boundary, shapely.points(x, y)) / 1000.0
    want = np.where(shapely.contains_xy(zone.projected, x, y), 2, 0)
    want[(tolerance > 0) & (distance <= tolerance)] = 1
    assert {0, 1} <= set(want.tolist())  # (a small area can lie wholly within its tolerance of its edge)
    wrong = np.flatnonzero(got != want)
    assert not len(wrong), list(zip(distance[wrong][:5], tolerance[wrong][:5], got[wrong][:5], strict=True))
    assert measured and sum(projected) < n / 2  # the cells and the box decided most points unprojected


def test_a_long_straight_side_bowing_past_its_corners_is_placed_exactly():
    """A side is straight once projected: a long east-west one bows north of its corners' latitude (about
    5 km over 6.4 degrees of longitude). Points between that latitude and the bow lie inside the area or
    near its edge; the grid's box must reach them, not leave them outside it (and OUT)."""
    from shapely.geometry import Polygon

    from compliance.models.zones import ZoneProperties

    props = ZoneProperties(id="coarse", name="coarse", kind="area", basis="drawn for the test", approximate=False,
                           precision_km=0.0)
    zone = Zone(props, Polygon([(35.8, 35.05), (42.2, 35.05), (42.2, 37.0), (35.8, 37.0)]), "test")
    zones = ZoneSet({zone.id: zone})
    rng = np.random.default_rng(12)
    n = GRID_FROM * 2
    lon, lat = rng.uniform(38.5, 39.5, n), rng.uniform(36.95, 37.06, n)
    precision = rng.choice(np.array([0.0, 1.0]), n)  # a narrow box: the bow reaches beyond the corners' one
    x, y = zones_module.project(lon, lat)
    got = zones.place(zone.id, lon, lat, precision, lambda rows: (x[rows], y[rows]))
    distance = shapely.distance(zone.projected_boundary, shapely.points(x, y)) / 1000.0
    want = np.where(shapely.contains_xy(zone.projected, x, y), 2, 0)
    want[(precision > 0) & (distance <= precision)] = 1
    assert ((lat > 37.02) & (want == 2)).any()  # inside, beyond the latitude of the corners
    assert (got == want).all()


@pytest.mark.parametrize("zone", AREAS, ids=[z.id for z in AREAS])
def test_a_point_of_a_cell_in_degrees_lies_within_its_reach_of_the_centre(zone):
    """A grid in degrees decides a cell by the distance from its projected centre: every point of the
    cell, projected, must lie within the cell's reach of that centre (corners, sides and inside)."""
    grid, _ = Zone(zone.props, zone.geometry, zone.path).grid(5.0)
    rng = np.random.default_rng(zlib.crc32(zone.id.encode()) + 2)
    cell = rng.integers(0, grid.nx * grid.ny, 50_000)
    i, j = cell % grid.nx, cell // grid.nx
    u, v = rng.uniform(0, 1, len(cell)), rng.uniform(0, 1, len(cell))
    u[:4000], v[:4000] = rng.integers(0, 2, 4000), rng.integers(0, 2, 4000)  # corners
    u[4000:8000] = rng.integers(0, 2, 4000)  # sides
    lon, lat = grid.x0 + (i + u) * grid.size_x, grid.y0 + (j + v) * grid.size_y
    cx, cy = zones_module.project(grid.x0 + (i + 0.5) * grid.size_x, grid.y0 + (j + 0.5) * grid.size_y)
    x, y = zones_module.project(lon, lat)
    away = np.hypot(x - cx, y - cy) / 1000.0
    assert (away <= grid.reach_km[cell]).all()
    assert (away[:4000] >= grid.reach_km[cell[:4000]] * 0.99 - 0.002).any()  # and the reach is not loose


def test_grid_cells_decide_only_what_every_point_of_them_shares():
    """A cell decides its points only when all of them, wherever they lie in it, get that state."""
    from compliance.geometry.grid import UNDECIDED, Grid

    square = shapely.box(0, 0, 10_000, 10_000)
    shapely.prepare(square)
    edge = shapely.boundary(square)
    grid = Grid.over(square, edge, (-5_000, -5_000, 15_000, 15_000), 1024)
    rng = np.random.default_rng(3)
    for tolerance in (0.0, 0.5, 2.0, 4.0):
        states = grid.states(tolerance, np.int8(2), np.int8(1), np.int8(0))
        assert (states == UNDECIDED).any() and (states != UNDECIDED).any()
        x, y = rng.uniform(-5_000, 15_000, 50_000), rng.uniform(-5_000, 15_000, 50_000)
        cell = grid.cells_of(x, y)
        assert (cell >= 0).all()
        d = shapely.distance(edge, shapely.points(x, y)) / 1000.0
        want = np.where(shapely.contains_xy(square, x, y), 2, 0)
        if tolerance > 0:
            want[d <= tolerance] = 1
        decided = states[cell] != UNDECIDED
        assert decided.mean() > 0.5
        assert (states[cell][decided] == want[decided]).all()
    assert (grid.cells_of(np.array([-5_001.0, np.nan, 15_001.0]), np.zeros(3)) == -1).all()


@pytest.mark.parametrize("seed", [6, 7])
def test_threads_change_nothing(terms, seed, monkeypatch):
    """Clauses run on two threads: one thread must give the same findings, in the same order, and the
    same accounting."""
    from compliance.engine import evaluate as evaluate_module

    frame = events_frame(random_events(seed, 3000))
    profile = Profile(id="test")
    threaded = evaluate(terms, frame, profile)
    monkeypatch.setattr(evaluate_module, "THREADS", 1)
    plain = evaluate(terms, frame, profile)
    assert threaded.core.equals(plain.core) and len(threaded.core)
    assert threaded.findings.equals(plain.findings)
    assert [(u.event_id, u.reason) for u in threaded.unresolved] == [(u.event_id, u.reason) for u in plain.unresolved]
    assert threaded.conflicts == plain.conflicts and threaded.notes == plain.notes


@pytest.mark.parametrize("seed", [9, 10])
def test_the_loaders_codes_change_nothing(terms, seed, tmp_path):
    """The codes the loader makes of the categorical columns spare the engine hashing them: the findings,
    their order and the accounting are the same as when the engine hashes the columns itself."""
    from compliance.loading.events import CSV_COLUMNS, load_events

    path = tmp_path / "log.csv"
    events_frame(random_events(seed, 3000))[list(CSV_COLUMNS)].to_csv(path, index=False)
    table = load_events([path])
    assert table.codes is not None and len(table.frame) == 3000
    profile = Profile(id="test")
    given = evaluate(terms, table.frame, profile, codes=table.codes)
    hashed = evaluate(terms, table.frame, profile)
    assert given.context.coded("action")[0] is table.codes["action"][0]  # taken, not made again
    assert given.core.equals(hashed.core) and len(given.core)
    assert given.findings.equals(hashed.findings)
    assert [(u.event_id, u.reason) for u in given.unresolved] == [(u.event_id, u.reason) for u in hashed.unresolved]
    assert given.conflicts == hashed.conflicts and given.notes == hashed.notes


def test_clauses_start_with_neighbours_on_different_zones(terms):
    """Clauses are started in an order where neighbours read different zones where they can; every
    clause is started once."""
    from compliance.engine.evaluate import _interleaved

    outcome = evaluate(terms, events_frame(random_events(8, 50)), Profile(id="test"))
    clauses, ctx = outcome.clauses, outcome.context

    def zones(k: int) -> frozenset[str]:
        w = clauses[k].where
        refs = [*w.inside, *w.outside, *(w.within_km.of if w.within_km else [])]
        return frozenset(z for ref in refs for z in ctx.zones.members(ref))

    order = _interleaved(clauses, ctx)
    assert sorted(order) == list(range(len(clauses)))
    distinct = len({zones(k) for k in range(len(clauses))})
    assert distinct >= 2
    assert zones(order[0]) != zones(order[1])
    first = order[:distinct]  # one round: one clause of each set of zones
    assert len({zones(k) for k in first}) == distinct


ID_TEXT = st.text(alphabet="0123456789abcXYZ._:-", max_size=9)


@settings(max_examples=200, deadline=None)
@given(st.lists(ID_TEXT, min_size=2, max_size=60), st.sampled_from(["", "ACLED-SYR", "x"]),
       st.booleans(), st.integers(0, 3))
def test_ids_packed_as_integers_sort_as_arrow_sorts_them(suffixes, prefix, large, cut):
    """Short ids past a shared beginning are sorted as integers: the order must be Arrow's stable sort of
    the texts, whatever the lengths (one id beginning another), repeats, empty ids, and slices of arrays."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from compliance.engine.context import id_order

    texts = [prefix + s for s in suffixes]
    ids = pa.array(["pad"] * cut + texts, pa.large_string() if large else pa.string()).slice(cut)
    got = id_order(ids)
    if got is not None:
        assert got.tolist() == pc.sort_indices(ids).to_numpy().tolist()
    else:  # nine characters of twenty kinds fit in one integer: only a log of empty ids is left to Arrow
        assert all(t == "" for t in texts)


def test_ids_that_do_not_pack_are_left_to_arrow():
    import pyarrow as pa

    from compliance.engine.context import id_order

    assert id_order(pa.array(["ab", "a\u00e9"])) is None  # beyond ASCII
    assert id_order(pa.array(["ab", "a\x00b"])) is None  # a NUL inside an id
    assert id_order(pa.array(["b" + "y" * 40, "a" + "z" * 40])) is None  # too long past their shared beginning
    assert id_order(pa.array([f"e{i:030d}" for i in range(5)][::-1])).tolist() == [4, 3, 2, 1, 0]  # long, shared
    assert id_order(pa.array(["e3", "e1", "e2"])).tolist() == [1, 2, 0]
