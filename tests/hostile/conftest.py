"""The ``slow`` marker: the several-hundred-MB log is generated and checked only when asked for.

Run it with ``python -m pytest tests/hostile -m slow`` (or ``HOSTILE_SLOW=1``); the always-run variant in
``test_hostile_big.py`` shows on a smaller file that the loader streams.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "slow: generates and loads a several-hundred-MB event log (-m slow to run)")


def pytest_collection_modifyitems(config, items) -> None:
    if "slow" in (config.getoption("markexpr") or "") or os.environ.get("HOSTILE_SLOW"):
        return
    skip = pytest.mark.skip(reason="several hundred MB: run with -m slow or HOSTILE_SLOW=1")
    here = Path(__file__).parent
    for item in items:
        if item.get_closest_marker("slow") and here in Path(str(item.path)).parents:
            item.add_marker(skip)
