"""Which events lie inside given zones: for the report's --zone filter, with the engine's own geometry."""

from __future__ import annotations

import numpy as np
import pandas as pd

from compliance.engine.context import Prepared
from compliance.engine.parties import Registry
from compliance.geometry.zones import OUT
from compliance.loading.terms import Terms


def events_in_zones(terms: Terms, frame: pd.DataFrame, refs: tuple[str, ...]) -> dict[str, set[str]]:
    ctx = Prepared.build(frame, Registry.build(terms.parties), terms.zones)
    idx = np.arange(ctx.n)
    out: dict[str, set[str]] = {}
    for ref in refs:
        state = np.zeros(ctx.n, dtype=np.int8)
        for zid in terms.zones.members(ref):
            state = np.maximum(state, ctx.membership(zid, idx))
        out[ref] = set(frame["id"].to_numpy(dtype=object)[state > OUT].tolist())
    return out
