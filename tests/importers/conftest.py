"""Shared fixtures for the importer tests.

The files under ``fixtures/`` are synthetic: a few rows per column set written for these tests (ids
``TST...``/``9000..``, place ``Testville``), never rows of the real ACLED or UCDP files, whose terms
forbid redistribution. The real files are read in place by test_import_real_files.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
