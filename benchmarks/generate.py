"""A reproducible synthetic event log for the benchmark: N events over Syria, in CSV and Parquet.

    python benchmarks/generate.py 100000 [--seed 2017] [--out benchmarks/data]

Writes ``events-<N>.csv`` (the contracts header plus ``precision_km``) and ``events-<N>.parquet``
(the same rows; text columns as strings, coordinates as doubles). The same N and seed give the same
bytes. Everything is drawn with numpy in bulk, so a million events take a few seconds.

The mix is meant to look like an ACLED/UCDP import of the conflict, not like uniform noise:

* places: about 80% around real towns of Idlib, Aleppo and Hama governorates (jittered by a few km,
  so some fall just inside or outside the zones and near the observation posts), 17% around towns
  elsewhere (Homs, Damascus countryside, Daraa, the east and northeast), 3% anywhere in a rough
  outline of Syria;
* actors: party ids, aliases, ACLED names with unit suffixes (``Military Forces of Syria (2000-)
  4th Armored Division``), UCDP names, and names that match no party (``Unidentified Armed Group
  (Syria)``, ``Allied Syrian and/or Russian Forces``, empty); the mix differs between the northwest
  and the east;
* actions, weapons and targets drawn together (an air strike uses aircraft or helicopters, shelling
  artillery, mortars or rockets ...), target parties on military targets, Turkish posts as targets;
* attribution from confirmed to unknown; dates 2017-2021 weighted towards the Idlib offensives;
  about 3% spans (``date_end``), 1% moments with a UTC offset, 5% with ``precision_km``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SEED = 2017

HEADER = ["id", "date", "date_end", "actor", "action", "weapons", "target_type", "target_party", "location",
          "lat", "lon", "admin1", "admin2", "killed", "civilians_killed", "attribution", "sources", "notes",
          "precision_km"]

# (name, lat, lon, admin1, admin2, weight): real places; the weights shape where the events are.
NORTHWEST = [
    ("Idlib", 35.9306, 36.6339, "Idleb", "Idleb", 8),
    ("Saraqib", 35.8647, 36.8006, "Idleb", "Idleb", 7),
    ("Sarmin", 35.9033, 36.7258, "Idleb", "Idleb", 4),
    ("Binnish", 35.9578, 36.7136, "Idleb", "Idleb", 3),
    ("Taftanaz", 35.9978, 36.7839, "Idleb", "Idleb", 3),
    ("Maarat Misrin", 36.0114, 36.6733, "Idleb", "Idleb", 2),
    ("Abu al-Duhur", 35.7367, 37.0500, "Idleb", "Idleb", 2),
    ("Tal Mardikh", 35.7617, 36.8108, "Idleb", "Idleb", 2),
    ("Ariha", 35.8131, 36.6072, "Idleb", "Ariha", 5),
    ("Kansafra", 35.7089, 36.5475, "Idleb", "Ariha", 4),
    ("Maarat al-Numan", 35.6436, 36.6719, "Idleb", "Maarrat An Nu'man", 8),
    ("Khan Shaykhun", 35.4419, 36.6511, "Idleb", "Maarrat An Nu'man", 6),
    ("Kafr Nabl", 35.6136, 36.5614, "Idleb", "Maarrat An Nu'man", 4),
    ("Hish", 35.5483, 36.6431, "Idleb", "Maarrat An Nu'man", 2),
    ("Jisr al-Shughur", 35.8125, 36.3181, "Idleb", "Jisr-Ash-Shugur", 4),
    ("Darkush", 35.9953, 36.3936, "Idleb", "Jisr-Ash-Shugur", 1),
    ("Harem", 36.2075, 36.5192, "Idleb", "Harim", 2),
    ("Sarmada", 36.1781, 36.7244, "Idleb", "Harim", 2),
    ("Dana", 36.2147, 36.7703, "Idleb", "Harim", 2),
    ("Aleppo", 36.2021, 37.1343, "Aleppo", "Jebel Saman", 7),
    ("Atarib", 36.1386, 36.8297, "Aleppo", "Jebel Saman", 4),
    ("Darat Izza", 36.2844, 36.8503, "Aleppo", "Jebel Saman", 3),
    ("Anadan", 36.2928, 37.0439, "Aleppo", "Jebel Saman", 2),
    ("Khan Tuman", 36.1158, 37.0158, "Aleppo", "Jebel Saman", 2),
    ("al-Eis", 36.0667, 37.0250, "Aleppo", "Jebel Saman", 2),
    ("Qalaat Samaan", 36.3347, 36.8442, "Aleppo", "Jebel Saman", 1),
    ("Azaz", 36.5864, 37.0469, "Aleppo", "Azaz", 2),
    ("Tal Rifaat", 36.4733, 37.0972, "Aleppo", "Azaz", 2),
    ("Afrin", 36.5119, 36.8692, "Aleppo", "Afrin", 3),
    ("al-Bab", 36.3708, 37.5156, "Aleppo", "Al Bab", 2),
    ("Manbij", 36.5281, 37.9553, "Aleppo", "Menbij", 2),
    ("Jarabulus", 36.8175, 38.0111, "Aleppo", "Jarablus", 1),
    ("Morek", 35.3811, 36.6875, "Hama", "Hama", 4),
    ("Hama", 35.1318, 36.7578, "Hama", "Hama", 2),
    ("Kafr Zita", 35.3736, 36.6022, "Hama", "Muhradah", 3),
    ("Latamneh", 35.3219, 36.6283, "Hama", "Muhradah", 3),
    ("Mahardah", 35.2486, 36.5722, "Hama", "Muhradah", 2),
    ("Kafr Nabudah", 35.4328, 36.5519, "Hama", "As-Suqaylabiyah", 2),
    ("Qalaat al-Madiq", 35.4106, 36.3903, "Hama", "As-Suqaylabiyah", 2),
    ("Suqaylabiyah", 35.3686, 36.3883, "Hama", "As-Suqaylabiyah", 1),
    ("Shir Mughar", 35.5567, 36.3753, "Hama", "As-Suqaylabiyah", 1),
    ("Kabani", 35.7700, 36.2450, "Lattakia", "Al-Haffa", 2),
]
ELSEWHERE = [
    ("Homs", 34.7324, 36.7137, "Homs", "Homs", 3),
    ("Rastan", 34.9267, 36.7325, "Homs", "Ar-Rastan", 2),
    ("Talbiseh", 34.8403, 36.7300, "Homs", "Ar-Rastan", 1),
    ("Palmyra", 34.5503, 38.2691, "Homs", "Tadmor", 2),
    ("Latakia", 35.5317, 35.7900, "Lattakia", "Lattakia", 1),
    ("Douma", 33.5711, 36.4028, "Rural Damascus", "Duma", 3),
    ("Harasta", 33.5586, 36.3650, "Rural Damascus", "Duma", 1),
    ("Damascus", 33.5138, 36.2765, "Damascus", "Damascus", 1),
    ("Daraa", 32.6189, 36.1021, "Dar'a", "Dar'a", 3),
    ("Nawa", 32.8906, 36.0431, "Dar'a", "Izra'", 1),
    ("Busra al-Sham", 32.5183, 36.4822, "Dar'a", "Dar'a", 1),
    ("Quneitra", 33.1254, 35.8243, "Quneitra", "Quneitra", 1),
    ("As-Suwayda", 32.7089, 36.5695, "As-Sweida", "As-Sweida", 1),
    ("Deir ez-Zor", 35.3359, 40.1408, "Deir-ez-Zor", "Deir-ez-Zor", 3),
    ("Al-Mayadin", 35.0194, 40.4522, "Deir-ez-Zor", "Al Mayadin", 2),
    ("Hajin", 34.6958, 40.8311, "Deir-ez-Zor", "Abu Kamal", 2),
    ("Al-Bukamal", 34.4531, 40.9364, "Deir-ez-Zor", "Abu Kamal", 2),
    ("Raqqa", 35.9500, 39.0167, "Ar-Raqqa", "Ar-Raqqa", 3),
    ("Ain Issa", 36.3856, 38.8594, "Ar-Raqqa", "Tell Abiad", 2),
    ("Tal Abyad", 36.6975, 38.9567, "Ar-Raqqa", "Tell Abiad", 2),
    ("Ras al-Ayn", 36.8503, 40.0706, "Al-Hasakeh", "Ras Al Ain", 2),
    ("Tal Tamr", 36.6481, 40.3700, "Al-Hasakeh", "Al-Hasakeh", 1),
    ("Hasakah", 36.5024, 40.7477, "Al-Hasakeh", "Al-Hasakeh", 2),
    ("Qamishli", 37.0522, 41.2317, "Al-Hasakeh", "Quamishli", 2),
]
EAST_ADMIN1 = {"Deir-ez-Zor", "Ar-Raqqa", "Al-Hasakeh"}

# A rough outline of Syria (lon, lat) for the events "anywhere".
SYRIA_OUTLINE = [
    (35.95, 35.95), (36.20, 35.98), (36.63, 36.23), (36.58, 36.62), (36.68, 36.83), (37.50, 36.65),
    (38.02, 36.84), (38.90, 36.70), (40.00, 36.85), (41.20, 37.07), (42.36, 37.11), (41.80, 36.40),
    (41.30, 35.60), (40.95, 34.45), (38.79, 33.37), (36.85, 32.31), (35.78, 32.72), (35.90, 33.30),
    (36.05, 33.85), (36.60, 34.20), (36.35, 34.65), (35.97, 34.64), (35.87, 35.20), (35.78, 35.60),
]

# Actor names with weights: ids, aliases, ACLED unit suffixes, UCDP names, and names of no party.
ACTORS_NORTHWEST = [
    ("Military Forces of Syria (2000-)", 20), ("Military Forces of Syria (2000-) 4th Armored Division", 3),
    ("Military Forces of Syria (2000-) 25th Special Mission Forces Division", 3), ("syria-gov", 3),
    ("Government of Syria", 3), ("SAA", 1), ("NDF (Syria)", 1), ("QDW: National Defense Forces", 1),
    ("Military Forces of Russia (2000-)", 10), ("Military Forces of Russia (2000-) Air Force", 2), ("russia", 2),
    ("Military Forces of Turkey (2016-)", 4), ("turkey", 1),
    ("HTS: Hayat Tahrir al Sham", 10), ("hts", 1), ("Jabhat al-Nusra", 1),
    ("National Front for Liberation", 5), ("Opposition Rebels (Syria)", 5), ("armed-opposition", 1),
    ("Ahrar al-Sham", 1), ("JaS: Levant Front", 1), ("Hurras al-Din", 1),
    ("Hezbollah", 1), ("Militia (Pro-Iran)", 1), ("Military Forces of Iran (1989-)", 1),
    ("Unidentified Armed Group (Syria)", 5), ("Allied Syrian and/or Russian Forces", 4),
    ("Unidentified Military Forces", 1), ("Islamist Militia (Syria)", 1), ("", 4),
]
ACTORS_EAST = [
    ("QSD: Syrian Democratic Forces", 12), ("sdf", 2), ("YPG: Peoples Protection Units Women's Protection Units", 1),
    ("Islamic State (Syria)", 10), ("Military Forces of Turkey (2016-)", 8), ("JWS: Syrian National Army", 6),
    ("Hamza Division", 1), ("Operation Peace Spring", 2), ("Military Forces of Syria (2000-)", 8),
    ("Military Forces of Russia (2000-)", 4), ("Military Forces of Russia (2000-) Military Police", 1),
    ("Military Forces of Iran (1989-)", 1), ("Militia (Pro-Iran)", 2),
    ("Unidentified Armed Group (Syria)", 5), ("Military Forces of the United States", 2), ("", 3),
]

# action, weight, weapon choices (each with a weight; "" = none), how many weapons at most, target mix.
CIV = [("civilians", 4), ("residential", 6), ("school", 1), ("hospital", 1), ("market", 1), ("idp-camp", 1),
       ("place-of-worship", 1), ("infrastructure", 2)]
MIL = [("military-position", 8), ("armed-group", 4), ("military-convoy", 1), ("observation-post", 1),
       ("airbase", 1)]
STRIKE_TARGETS = CIV + MIL + [("", 3)]
ACTIONS = [
    ("shelling", 25, [("artillery", 5), ("mortar", 3), ("rocket", 3), ("mlrs", 1), ("tank", 1), ("", 2)], 2,
     STRIKE_TARGETS),
    ("air-strike", 18, [("aircraft", 8), ("helicopter", 2), ("barrel-bomb", 1), ("cluster-munition", 1),
                        ("", 1)], 2, STRIKE_TARGETS),
    ("armed-clash", 12, [("small-arms", 5), ("atgm", 1), ("tank", 1), ("", 3)], 2,
     [("military-position", 5), ("armed-group", 5), ("", 2)]),
    ("attack", 6, [("small-arms", 3), ("", 2)], 1, STRIKE_TARGETS),
    ("drone-strike", 4, [("drone", 1)], 1, STRIKE_TARGETS),
    ("missile-strike", 3, [("ballistic-missile", 1), ("cruise-missile", 1), ("cluster-munition", 1)], 2,
     STRIKE_TARGETS),
    ("ground-assault", 4, [("tank", 2), ("artillery", 1), ("small-arms", 3), ("", 1)], 2,
     [("military-position", 5), ("armed-group", 2), ("residential", 1), ("", 1)]),
    ("explosive-device", 4, [("ied", 1)], 1, [*CIV, ("military-convoy", 2), ("patrol", 1), ("", 2)]),
    ("territory-captured", 2, [("", 3), ("tank", 1)], 1, [("", 1)]),
    ("siege", 0.5, [("", 1), ("artillery", 1)], 1, [("residential", 2), ("observation-post", 1), ("", 1)]),
    ("chemical-attack", 0.1, [("chemical", 3), ("barrel-bomb", 1), ("rocket", 1)], 2, CIV),
    ("heavy-weapons-presence", 3, [("tank", 3), ("artillery", 3), ("mlrs", 1), ("mortar", 2), ("", 1)], 3,
     [("", 1)]),
    ("armed-group-presence", 3, [("", 3), ("small-arms", 1)], 1, [("", 1)]),
    ("troop-deployment", 2, [("", 3), ("tank", 1), ("artillery", 1)], 2, [("", 1)]),
    ("withdrawal", 1, [("", 1)], 1, [("", 1)]),
    ("patrol", 2, [("", 1)], 1, [("", 1)]),
    ("observation-post-established", 0.2, [("", 1)], 1, [("", 1)]),
    ("humanitarian-obstruction", 1, [("", 1)], 1, [("humanitarian", 3), ("civilians", 1)]),
    ("road-opened", 0.3, [("", 1)], 1, [("infrastructure", 1), ("", 1)]),
    ("road-closed", 0.5, [("", 1)], 1, [("infrastructure", 1), ("", 1)]),
    ("looting", 1, [("", 1)], 1, [("residential", 2), ("market", 1)]),
    ("property-destruction", 1, [("", 2), ("ied", 1)], 1, [("residential", 2), ("infrastructure", 1)]),
    ("arrest", 2, [("", 1)], 1, [("civilians", 1)]),
    ("protest", 3, [("", 1)], 1, [("", 1)]),
    ("ceasefire-declared", 0.1, [("", 1)], 1, [("", 1)]),
]
TARGET_PARTIES_MIL = [("hts", 2), ("HTS: Hayat Tahrir al Sham", 3), ("armed-opposition", 1),
                      ("National Front for Liberation", 2), ("syria-gov", 1), ("Military Forces of Syria (2000-)", 2),
                      ("isis", 1), ("Islamic State (Syria)", 1), ("sdf", 1), ("Hurras al-Din", 1), ("", 6)]
TARGET_PARTIES_POST = [("turkey", 3), ("Military Forces of Turkey (2016-)", 2), ("russia", 1), ("", 1)]
ATTRIBUTION = [("confirmed", 40), ("probable", 25), ("alleged", 20), ("disputed", 5), ("unknown", 5), ("", 5)]
SOURCES = [("ACLED", 6), ("SOHR; ACLED", 2), ("UCDP GED", 2), ("Syrian Network for Human Rights", 1),
           ("Airwars; ACLED", 1)]
NOTES = [("", 20), ("casualties unclear", 1), ("reported by local activists, not confirmed", 1),
         ("several villages, one report", 1)]


def _pick(rng: np.random.Generator, items: list[tuple], n: int) -> np.ndarray:
    """Indices into ``items`` drawn with the weights in their second field."""
    weights = np.array([it[1] for it in items], dtype=float)
    return rng.choice(len(items), size=n, p=weights / weights.sum())


def _names(items: list[tuple], idx: np.ndarray) -> np.ndarray:
    return np.array([it[0] for it in items], dtype=object)[idx]


def _month_weights() -> tuple[np.ndarray, np.ndarray]:
    """First day of each month 2017-2021 and a weight: heavier in the 2019-2020 Idlib offensives."""
    months = pd.date_range("2017-01-01", "2021-12-01", freq="MS")
    w = np.ones(len(months))
    for lo, hi, k in (("2017-01", "2017-05", 2.0), ("2018-01", "2018-07", 1.5), ("2019-04", "2020-03", 3.0),
                      ("2020-02", "2020-03", 4.0), ("2021-06", "2021-09", 1.3)):
        w[(months >= lo) & (months <= pd.Timestamp(hi) + pd.offsets.MonthEnd(0))] *= k
    return months.to_numpy(dtype="datetime64[D]"), w / w.sum()


def _in_outline(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    import shapely

    poly = shapely.Polygon(SYRIA_OUTLINE)
    return shapely.contains_xy(poly, lon, lat)


def generate(n: int, seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng([seed, n])
    # -- places
    towns = [*NORTHWEST, *ELSEWHERE]
    region = rng.choice(3, size=n, p=[0.80, 0.17, 0.03])  # 0 northwest, 1 elsewhere, 2 anywhere
    town = np.where(region == 0, _pick(rng, NORTHWEST, n), len(NORTHWEST) + _pick(rng, ELSEWHERE, n))
    lat0 = np.array([t[1] for t in towns])[town]
    lon0 = np.array([t[2] for t in towns])[town]
    # jitter: most within a few km of the town, a tail out to 20-30 km (villages around it)
    km = np.where(rng.random(n) < 0.8, rng.gamma(2.0, 1.5, n), rng.gamma(2.0, 6.0, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    lat = lat0 + km * np.sin(angle) / 111.0
    lon = lon0 + km * np.cos(angle) / (111.0 * np.cos(np.radians(lat0)))
    anywhere = np.flatnonzero(region == 2)
    if len(anywhere):
        lo_min, la_min = np.min(SYRIA_OUTLINE, axis=0)
        lo_max, la_max = np.max(SYRIA_OUTLINE, axis=0)
        todo = anywhere
        while len(todo):
            x = rng.uniform(lo_min, lo_max, len(todo))
            y = rng.uniform(la_min, la_max, len(todo))
            ok = _in_outline(x, y)
            lon[todo[ok]], lat[todo[ok]] = x[ok], y[ok]
            todo = todo[~ok]
    name = np.array([t[0] for t in towns], dtype=object)[town]
    admin1 = np.array([t[3] for t in towns], dtype=object)[town]
    admin2 = np.array([t[4] for t in towns], dtype=object)[town]
    name[anywhere] = ""
    admin1[anywhere] = ""
    admin2[anywhere] = ""
    east = np.isin(admin1, list(EAST_ADMIN1)) | ((region == 2) & (lon > 38.5))
    # -- actors
    actor = np.where(east, _names(ACTORS_EAST, _pick(rng, ACTORS_EAST, n)),
                     _names(ACTORS_NORTHWEST, _pick(rng, ACTORS_NORTHWEST, n)))
    # -- actions, weapons, targets
    act = _pick(rng, ACTIONS, n)
    action = _names(ACTIONS, act)
    weapons = np.full(n, "", dtype=object)
    target = np.full(n, "", dtype=object)
    for k, (_, _, wchoices, most, tchoices) in enumerate(ACTIONS):
        rows = np.flatnonzero(act == k)
        if not len(rows):
            continue
        first = _names(wchoices, _pick(rng, wchoices, len(rows)))
        if most > 1:
            second = _names(wchoices, _pick(rng, wchoices, len(rows)))
            two = (rng.random(len(rows)) < 0.25) & (second != first) & (second != "") & (first != "")
            first = np.where(two, first + ";" + second, first)
        weapons[rows] = first
        target[rows] = _names(tchoices, _pick(rng, tchoices, len(rows)))
    target_party = np.full(n, "", dtype=object)
    mil = np.isin(target, ["military-position", "armed-group", "military-convoy", "airbase"])
    target_party[mil] = _names(TARGET_PARTIES_MIL, _pick(rng, TARGET_PARTIES_MIL, int(mil.sum())))
    post = target == "observation-post"
    target_party[post] = _names(TARGET_PARTIES_POST, _pick(rng, TARGET_PARTIES_POST, int(post.sum())))
    attribution = _names(ATTRIBUTION, _pick(rng, ATTRIBUTION, n))
    # -- dates
    months, mweights = _month_weights()
    first_day = months[rng.choice(len(months), size=n, p=mweights)]
    day = first_day + rng.integers(0, 28, n).astype("timedelta64[D]")
    date = np.datetime_as_string(day, unit="D").astype(object)
    date_end = np.full(n, "", dtype=object)
    span = rng.random(n) < 0.03
    date_end[span] = np.datetime_as_string(day[span] + rng.integers(1, 11, int(span.sum())).astype("timedelta64[D]"),
                                           unit="D")
    moment = ~span & (rng.random(n) < 0.01)
    hours = rng.integers(0, 24, int(moment.sum()))
    minutes = rng.integers(0, 60, int(moment.sum()))
    date[moment] = [f"{d}T{h:02d}:{m:02d}+03:00" for d, h, m in zip(date[moment], hours, minutes, strict=True)]
    # -- the rest
    precision = np.full(n, np.nan)
    given = rng.random(n) < 0.05
    precision[given] = rng.choice([1.0, 2.0, 5.0, 10.0, 25.0], size=int(given.sum()), p=[0.3, 0.3, 0.2, 0.15, 0.05])
    killed = rng.poisson(0.8, n).astype("float64")
    civilians = np.minimum(killed, rng.poisson(0.4, n))
    no_count = rng.random(n) < 0.3
    killed[no_count] = np.nan
    civilians[no_count] = np.nan
    width = max(7, len(str(n)))
    ids = np.char.add(f"syn{n}-", np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)
    return pd.DataFrame({
        "id": ids, "date": date, "date_end": date_end, "actor": actor, "action": action, "weapons": weapons,
        "target_type": target, "target_party": target_party, "location": name,
        "lat": np.round(lat, 5), "lon": np.round(lon, 5), "admin1": admin1, "admin2": admin2,
        "killed": pd.array(killed, dtype="Float64").astype("Int64"),
        "civilians_killed": pd.array(civilians, dtype="Float64").astype("Int64"),
        "attribution": attribution, "sources": _names(SOURCES, _pick(rng, SOURCES, n)),
        "notes": _names(NOTES, _pick(rng, NOTES, n)), "precision_km": precision,
    }, columns=HEADER)


def paths_for(n: int, out: Path = DATA) -> tuple[Path, Path]:
    return out / f"events-{n}.csv", out / f"events-{n}.parquet"


def write(n: int, seed: int = SEED, out: Path = DATA) -> tuple[Path, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    frame = generate(n, seed)
    csv_path, parquet_path = paths_for(n, out)
    tmp = csv_path.with_suffix(".csv.tmp")
    frame.to_csv(tmp, index=False, lineterminator="\n")
    tmp.replace(csv_path)
    text = {c: pa.string() for c in HEADER if c not in ("lat", "lon", "killed", "civilians_killed", "precision_km")}
    schema = pa.schema([(c, text.get(c, pa.int64() if c in ("killed", "civilians_killed") else pa.float64()))
                        for c in HEADER])
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    tmp = parquet_path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(parquet_path)
    return csv_path, parquet_path


def ensure(n: int, seed: int = SEED, out: Path = DATA) -> tuple[Path, Path]:
    """The log of ``n`` events, generated when missing."""
    csv_path, parquet_path = paths_for(n, out)
    if not (csv_path.exists() and parquet_path.exists()):
        write(n, seed, out)
    return csv_path, parquet_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", type=Path, default=DATA)
    args = ap.parse_args(argv)
    for n in args.sizes:
        t = time.perf_counter()
        csv_path, parquet_path = write(n, args.seed, args.out)
        print(f"{n:>9,} events -> {csv_path} ({csv_path.stat().st_size / 2**20:.1f} MiB), {parquet_path} "
              f"({parquet_path.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
