"""The event log prepared for evaluation: integer codes, resolved parties, spans, projected places.

Everything here is computed once per run and shared by every clause: names resolved on distinct
values, categories as small integers, weapons as a bitmask, and zone membership computed lazily,
once per zone, only for the events that reached the geometry test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from compliance import vocabulary as v
from compliance.engine.parties import Registry
from compliance.geometry.zones import ZoneSet, project

ACTION_CODE = {a: i for i, a in enumerate(v.ACTIONS)}
TARGET_CODE = {t: i for i, t in enumerate(v.TARGET_TYPES)}
WEAPON_BIT = {w: np.int64(1) << i for i, w in enumerate(v.WEAPONS)}
ATTRIBUTION_RANK = {a: v.attribution_rank(a) for a in v.ATTRIBUTION}


def distinct(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes and distinct values of a text column, by hashing (a million rows name a few hundred values)."""
    codes_, uniques = pd.factorize(column.astype("string").fillna(""), sort=False)
    return codes_.astype(np.int32), [str(u) for u in uniques]


def each_distinct(values: np.ndarray, words: Callable[[Any], Any], missing: Any = None) -> list[Any]:
    """``words(value)`` for every value, called once per distinct value (a log's columns repeat a few
    values); missing values (None, NaN) give ``missing``. numpy scalars reach ``words`` as Python values."""
    codes_, uniques = pd.factorize(values, sort=False, use_na_sentinel=True)
    table = [words(u.item() if isinstance(u, np.generic) else u) for u in uniques] + [missing]
    return [table[c] for c in codes_.tolist()]  # code -1 (missing) picks the last entry


def combinations(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The combination of codes (non-negative integers) of each row, numbered densely in order of first
    appearance, and one row of each combination: words that depend on a few columns are then written
    once per combination that occurs (any row of a combination reads the same)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    span = 1  # the key's values lie in [0, span)
    for values in columns:
        width = int(values.max()) + 1 if len(values) else 1
        if span * width >= 2**62:  # numbered densely again before the key could overflow
            key = pd.factorize(key)[0].astype(np.int64)
            span = int(key.max()) + 1 if len(key) else 1
        key = key * width + values.astype(np.int64)
        span *= width
    combo = pd.factorize(key)[0].astype(np.int64)
    first = np.zeros(int(combo.max()) + 1 if len(combo) else 0, dtype=np.int64)
    first[combo] = np.arange(len(combo))
    return combo, first


Coded = tuple[np.ndarray, list[str]]  # codes per event, and the distinct values they number


def codes(column: pd.Series, mapping: dict[str, int], given: Coded | None = None) -> np.ndarray:
    """Integer codes of a text column in the vocabulary's order (-1 for empty or unknown). ``given``: the
    column's ``distinct`` codes, where the loader made them."""
    inverse, uniques = given or distinct(column)
    table = np.array([mapping.get(u, -1) for u in uniques] or [-1], dtype=np.int16)
    return table[inverse] if len(inverse) else np.zeros(0, dtype=np.int16)


def weapon_bits(column: pd.Series, given: Coded | None = None) -> np.ndarray:
    inverse, uniques = given or distinct(column)
    table = np.array([sum((WEAPON_BIT.get(w.strip(), 0) for w in u.split(";") if w.strip()), np.int64(0))
                      for u in uniques] or [0], dtype=np.int64)
    return table[inverse] if len(inverse) else np.zeros(0, dtype=np.int64)


def parties_of(registry: Registry, column: pd.Series, given: Coded | None = None
               ) -> tuple[np.ndarray, dict[str, str], Coded]:
    """The party of each event (as ``Registry.resolve_column`` gives it), the names that matched none,
    and the parties as codes into their distinct values.

    The registry resolves the column's distinct names, and events take theirs by code: one pass over
    the column instead of two, and the party codes come from a few hundred names, not a million rows.
    Codes number parties in order of first appearance, as factorizing the resolved column would.
    """
    inverse, names = given or distinct(column)
    resolved, unknown = registry.resolve_column(pd.Series(names, dtype="string"))
    party_codes, parties = pd.factorize(resolved, sort=False)
    if not len(inverse):
        return np.zeros(0, dtype=object), unknown, (np.zeros(0, dtype=np.int32), [str(p) for p in parties])
    return resolved[inverse], unknown, (party_codes.astype(np.int32)[inverse], [str(p) for p in parties])


@dataclass(frozen=True)
class Ordering:
    """The orders findings are put in: by event id, and by (start, id)."""

    id_rank: np.ndarray
    """Each event's position in the order of ids."""
    order: np.ndarray
    """The events by start, then id."""
    rank: np.ndarray
    """Each event's position in ``order`` (32-bit where it fits: it is read at random)."""


def order_events(frame: pd.DataFrame) -> Ordering:
    """Sort the log by id, then by start keeping id order among equals.

    Needs only the ids and the starts, so ``evaluate`` sorts while the rest of the log is coded; the
    findings are then put in order by counting (see ``evaluate._core``), not by sorting them.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(frame)
    column = frame["id"]
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        # Arrow text sorts where it lies (empty for missing, as ``Prepared.column_at`` reads it): no Python strings
        ids = pc.fill_null(pa.array(column.array), "")
    else:
        texts = column.to_numpy(dtype=object, na_value="") if hasattr(column, "str") else column.astype(str)
        ids = pa.array(list(texts), type=pa.string())
    if n > 1 and pc.all(pc.less_equal(ids[:-1], ids[1:])).as_py():
        # a log already in id order (as exports and generated logs often are): one comparison, not a sort.
        # The sort is stable, so this is the order it would give
        by_id = np.arange(n, dtype=np.int64)
    else:
        packed = id_order(ids)
        by_id = packed if packed is not None else pc.sort_indices(ids).to_numpy().astype(np.int64)
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[by_id] = np.arange(n)
    start = frame["start"].to_numpy(dtype=np.int64)
    day, days = pd.factorize(start[by_id], sort=True)
    if len(days) <= 2**16:
        # then by start, keeping id order among equals: a stable sort of 16-bit codes is a radix sort (a log
        # spans a few thousand distinct starts; rarely more than 65,536)
        order = by_id[np.argsort((day - 2**15).astype(np.int16), kind="stable")]
    else:
        order = by_id[np.argsort(day, kind="stable")]
    rank = np.empty(n, dtype=np.int32 if n < 2**31 else np.int64)
    rank[order] = np.arange(n, dtype=rank.dtype)
    return Ordering(id_rank, order, rank)


def id_order(ids) -> np.ndarray | None:
    """The stable order of ``ids`` (Arrow text, no nulls) as Arrow sorts them (by their bytes), found by
    sorting integers; None where the ids do not fit in one (then Arrow sorts them).

    A million shuffled ids take Arrow about half a second to sort as text. Ids mostly share a long
    beginning (``ACLED-SYR``, ``ucdp-``), and what follows is a few characters from a small set (often
    digits). Each character is numbered by its rank among the bytes the ids use (0 is kept for "no
    character": no id holds a NUL byte), and an id's characters past the shared beginning are packed,
    left-aligned, into one integer: the integers are in the order of the texts, a shorter id before any
    longer one it begins. They are sorted by stable passes of 16 bits (each a radix sort).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    if ids.type not in (pa.string(), pa.large_string()) or ids.null_count or len(ids) < 2:
        return None
    n = len(ids)
    least, greatest = (v.as_py().encode("utf-8") for v in pc.min_max(ids).values())
    # the beginning the least and the greatest share, which every id between them shares too
    shared = next((i for i, (a, b) in enumerate(zip(least, greatest, strict=False)) if a != b),
                  min(len(least), len(greatest)))
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int64 if ids.type == pa.large_string() else np.int32)
    offsets = offsets[ids.offset:ids.offset + n + 1].astype(np.int64)
    if ids.buffers()[2] is None or offsets[-1] == offsets[0]:
        return None  # every id empty
    data = np.frombuffer(ids.buffers()[2], dtype=np.uint8)
    begin = offsets[:-1] + shared
    length = offsets[1:] - begin
    width = int(length.max())
    if width > 63:  # (at least a bit a character)
        return None
    # the characters past the shared beginning, one row per position (0 past an id's end)
    chars = np.zeros((width, n), dtype=np.uint8)
    at = np.empty(n, dtype=np.int64)  # (made once: a million-row array a character would be slow to make)
    last = len(data) - 1
    for j in range(width):
        np.minimum(np.add(begin, j, out=at), last, out=at)
        row = chars[j]
        np.take(data, at, out=row)
        inside = length > j
        if (row[inside] == 0).any():
            return None  # a NUL inside an id: left to Arrow
        row[~inside] = 0
    used = np.zeros(256, dtype=bool)
    used[chars.ravel()] = True
    if used[128:].any():
        return None  # text beyond ASCII: left to Arrow
    used[0] = True  # "no character", before every other
    rank = np.cumsum(used, dtype=np.int64).astype(np.uint64) - np.uint64(1)
    bits = max(int(used.sum() - 1).bit_length(), 1)
    if width * bits > 63:
        return None
    key = np.zeros(n, dtype=np.uint64)
    for j in range(width):
        key <<= np.uint64(bits)
        key |= rank[chars[j]]
    order: np.ndarray | None = None
    for shift in range(0, width * bits, 16):
        digits = key if order is None else key[order]
        digit = ((digits >> np.uint64(shift)) & np.uint64(0xFFFF)).astype(np.uint16)
        step = np.argsort(digit, kind="stable")
        order = step if order is None else order[step]
    return order.astype(np.int64, copy=False) if order is not None else np.arange(n, dtype=np.int64)


def _factorize(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of a large integer array, its two halves hashed side by side (the hashing runs
    outside the interpreter's lock), then their few distinct values numbered together. The numbering
    differs from one factorize's, which nothing here depends on: codes only group equal values."""
    if len(key) < 1 << 18:
        return pd.factorize(key)
    half = len(key) // 2
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="factorize") as pool:
        (low, low_values), (high, high_values) = pool.map(pd.factorize, [key[:half], key[half:]])
    joint, values = pd.factorize(np.concatenate([low_values, high_values]))
    return np.concatenate([joint[:len(low_values)][low], joint[len(low_values):][high]]), values


def mask_of(words, mapping) -> np.int64:
    return np.int64(sum((mapping[w] for w in words), np.int64(0)))


@dataclass
class Prepared:
    frame: pd.DataFrame
    registry: Registry
    zones: ZoneSet
    actor: np.ndarray
    target_party: np.ndarray
    action: np.ndarray
    target: np.ndarray
    weapons: np.ndarray
    attribution: np.ndarray
    start: np.ndarray
    end: np.ndarray
    precision: np.ndarray
    unknown_actor_names: dict[str, str]
    _xy: tuple[np.ndarray, np.ndarray] | None = None
    _xy_some: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # done, x, y: places projected so far
    _actor_codes: tuple[np.ndarray, list[str]] | None = None
    _target_codes: tuple[np.ndarray, list[str]] | None = None
    sorting: Future[Ordering] | None = None
    """The log's orders being sorted (by ``evaluate``, while the log is coded), if they are."""
    _ordering: Ordering | None = None
    _cells: tuple[np.ndarray, np.ndarray] | None = None
    _membership: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _distance: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _coded: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    @property
    def n(self) -> int:
        return len(self.frame)

    def lock(self, name: str) -> threading.Lock:
        """The lock of one lazily filled cache (places; a zone's membership and distances): clauses may be
        evaluated on several threads, and each event's entry must be computed and marked done as one.
        A zone's geometry is only ever used by one thread at a time: GEOS fills caches inside a geometry
        (its buffers, its prepared index) on first use, which two threads must not do at once."""
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())

    @classmethod
    def build(cls, frame: pd.DataFrame, registry: Registry, zones: ZoneSet,
              given: dict[str, Coded] | None = None) -> Prepared:
        """``given``: the ``distinct`` codes of columns, where the loader made them (see ``loading.codes``);
        the others are hashed here."""
        given = {c: v for c, v in (given or {}).items() if len(v[0]) == len(frame)}
        # the columns the loader did not code are hashed side by side: Arrow hashes outside the interpreter's lock
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="prepare") as pool:
            actors = pool.submit(parties_of, registry, frame["actor"], given.get("actor"))
            targeted = pool.submit(parties_of, registry, frame["target_party"], given.get("target_party"))
            attribution = pool.submit(codes, frame["attribution"], ATTRIBUTION_RANK, given.get("attribution"))
            action = pool.submit(codes, frame["action"], ACTION_CODE, given.get("action"))
            target = pool.submit(codes, frame["target_type"], TARGET_CODE, given.get("target_type"))
            weapons = pool.submit(weapon_bits, frame["weapons"], given.get("weapons"))
            actor, unknown, actor_codes = actors.result()
            target_party, _, target_codes = targeted.result()
            return cls(
                frame=frame, registry=registry, zones=zones, actor=actor, target_party=target_party,
                action=action.result(), target=target.result(), weapons=weapons.result(),
                attribution=attribution.result().astype(np.int8),
                start=frame["start"].to_numpy(dtype=np.int64), end=frame["end"].to_numpy(dtype=np.int64),
                precision=frame["precision_km"].to_numpy(dtype=np.float64), unknown_actor_names=unknown,
                _actor_codes=actor_codes, _target_codes=target_codes, _coded=dict(given),
            )

    def actor_codes(self) -> tuple[np.ndarray, list[str]]:
        """Resolved actors as codes into their distinct party ids, for table lookups in the checks."""
        if self._actor_codes is None:
            inverse, uniques = pd.factorize(self.actor, sort=False)
            self._actor_codes = (inverse.astype(np.int32), [str(u) for u in uniques])
        return self._actor_codes

    def target_party_codes(self) -> tuple[np.ndarray, list[str]]:
        if self._target_codes is None:
            inverse, uniques = pd.factorize(self.target_party, sort=False)
            self._target_codes = (inverse.astype(np.int32), [str(u) for u in uniques])
        return self._target_codes

    def cells(self) -> tuple[np.ndarray, np.ndarray]:
        """Events grouped by all that the categorical checks read (parties, action, target, attribution,
        weapons): the cell of each event, and one event of each cell.

        A million events fall in a few thousand cells, so a run of such checks is decided once per cell
        and read back per event with one lookup, instead of each check gathering its own columns.
        """
        if self._cells is None:
            (actors, actor_names), (targeted, target_names) = self.actor_codes(), self.target_party_codes()
            columns = [
                (actors, len(actor_names)), (targeted, len(target_names)),
                (self.action + 1, len(ACTION_CODE) + 1), (self.target + 1, len(TARGET_CODE) + 1),
                (self.attribution + 1, len(ATTRIBUTION_RANK) + 1), (self.weapons, 1 << len(WEAPON_BIT)),
            ]
            key, span = np.zeros(self.n, dtype=np.int64), 1
            for values, size in columns:
                if span * size >= 2**62:  # numbered densely again before the key could overflow
                    key = pd.factorize(key)[0].astype(np.int64)
                    span = int(key.max()) + 1 if self.n else 1
                key *= size  # in place: no new million-row arrays per column
                key += values
                span *= size
            cell, uniques = _factorize(key)
            first = np.zeros(len(uniques), dtype=np.int64)
            first[cell] = np.arange(self.n)  # any event of a cell stands for it: they read the same
            # half the bytes to read back per event (every clause does), where the cells allow it
            self._cells = (cell.astype(np.int32) if len(uniques) < 2**31 else cell), first
        return self._cells

    def id_rank(self) -> np.ndarray:
        """Each event's position in the order of ids (for a stable order of findings)."""
        return self.ordering().id_rank

    def event_order(self) -> tuple[np.ndarray, np.ndarray]:
        """The events in the order findings come in (start, then id), and each event's place in it."""
        ordering = self.ordering()
        return ordering.order, ordering.rank

    def ordering(self) -> Ordering:
        """The log's orders (see ``order_events``): as sorted beforehand (``sorting``), or sorted now."""
        with self.lock("ordering"):
            if self._ordering is None:
                self._ordering = self.sorting.result() if self.sorting is not None else order_events(self.frame)
            return self._ordering

    @cached_property
    def lon(self) -> np.ndarray:
        return self.frame["lon"].to_numpy(dtype=np.float64)

    @cached_property
    def lat(self) -> np.ndarray:
        return self.frame["lat"].to_numpy(dtype=np.float64)

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Every event's place, projected."""
        if self._xy is None:
            self.xy_at(np.arange(self.n))
            assert self._xy_some is not None
            self._xy = self._xy_some[1], self._xy_some[2]
        return self._xy

    def xy_at(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The projected places of events ``idx``: each projected once, and only if some check asks for it
        (most events fail a cheaper condition first, and projection costs more than all of those)."""
        if self._xy is not None:
            return self._xy[0][idx], self._xy[1][idx]
        with self.lock("xy"):
            if self._xy_some is None:
                self._xy_some = np.zeros(self.n, dtype=bool), np.zeros(self.n), np.zeros(self.n)
            done, x, y = self._xy_some
            todo = idx[~done[idx]]
        if len(todo):
            # projected outside the lock (pyproj's transformer is safe across threads): a clause that needs a
            # few places does not wait for another projecting hundreds of thousands. Two threads may project
            # the same place; both write the same value.
            px, py = project(self.lon[todo], self.lat[todo])
            with self.lock("xy"):
                x[todo], y[todo] = px, py
                done[todo] = True
        with self.lock("xy"):
            return x[idx], y[idx]

    def membership(self, zid: str, idx: np.ndarray) -> np.ndarray:
        """Membership (IN/EDGE/OUT) of events ``idx`` in one zone, computed once per event and zone."""
        props = self.zones.zones[zid].props
        # a corridor or radius is measured on the geometry it is drawn around: that zone is held too
        uses = self.zones.members(props.of) if props.kind in ("corridor", "radius") and props.of else []
        return self._per_zone(self._membership, zid, idx, np.int8, lambda todo: self.zones.place(
            zid, self.lon[todo], self.lat[todo], self.precision[todo], lambda rows: self.xy_at(todo[rows])), also=uses)

    def distance_km(self, refs: list[str], idx: np.ndarray) -> np.ndarray:
        """Least distance (km) from events ``idx`` to the referenced zones, each computed once per event."""
        best = np.full(len(idx), np.inf)
        for ref in refs:
            for zid in self.zones.members(ref):
                best = np.minimum(best, self.zone_distance(zid, idx))
        return best

    def zone_distance(self, zid: str, idx: np.ndarray) -> np.ndarray:
        return self._per_zone(self._distance, zid, idx, np.float64,
                              lambda todo: self.zones.distance_km([zid], *self.xy_at(todo)))

    def _per_zone(self, cache: dict[str, tuple[np.ndarray, np.ndarray]], zid: str, idx: np.ndarray, dtype,
                  compute: Callable[[np.ndarray], np.ndarray], also: list[str] | None = None) -> np.ndarray:
        """Values of events ``idx`` for one zone from ``cache``, computing (under the zone's lock, and the
        locks of the zones in ``also`` whose geometry the computation uses) those of events not met before.
        Locks are taken in the order of their names: no two threads can each hold one the other waits for."""
        with ExitStack() as held:
            for name in sorted({zid, *(also or [])}):
                held.enter_context(self.lock("zone " + name))
            done, values = cache.get(zid, (None, None))
            if done is None or values is None:
                done, values = np.zeros(self.n, dtype=bool), np.zeros(self.n, dtype=dtype)
                cache[zid] = (done, values)
            todo = idx[~done[idx]]
            if len(todo):
                values[todo] = compute(todo)
                done[todo] = True
            return values[idx]

    def coded(self, name: str) -> tuple[np.ndarray, list[str]]:
        """A text column of the log as codes and its distinct values (missing read as ""), made once a run."""
        if name not in self._coded:
            self._coded[name] = distinct(self.frame[name])
        return self._coded[name]

    def known_codes(self, name: str) -> tuple[np.ndarray, list[str]] | None:
        """The codes of a text column as ``coded`` gives them, if they are made already (the loader's), else
        None: for a caller that needs few rows of a column and would rather not hash all of it."""
        return self._coded.get(name)

    def column_at(self, name: str, idx: np.ndarray) -> np.ndarray:
        """The text of column ``name`` at rows ``idx`` (missing read as ""), converting only those rows (a
        few rows of a million need not make a million strings)."""
        if not len(idx):  # (a take from a column read in many chunks costs milliseconds, even of nothing)
            return np.zeros(0, dtype=object)
        textual = hasattr(self.frame[name], "str")  # decided on the whole column, not on the rows taken
        column = self.frame[name].iloc[idx]
        return column.to_numpy(dtype=object, na_value="") if textual else column.astype(str).to_numpy(dtype=object)
