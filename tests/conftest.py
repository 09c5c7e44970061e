"""Shared test helpers: where the repository and the shared data are, and running the CLI as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m compliance`` in a subprocess, as a user would, capturing text output."""
    return subprocess.run([sys.executable, "-m", "compliance", *args], cwd=cwd or REPO, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def cli():
    return run_cli


def needs_shared_data(*parts: str) -> Path:
    """The path of a file under ../shared/data, or skip the test saying why."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the real ACLED/UCDP/OCHA files live in ../shared/data beside the project")
    return path
