"""Reports built once per session: from a small hand-made fixture, and from the shipped agreements and events.

The fixture (tests/reports/fixtures) is one made-up agreement with a prohibition, a duty of result and a
point with no rule, three zones (an approximate area, an exact line, an approximate post) and four events;
one of them carries spreadsheet formulas and HTML/script in its notes, place name and sources.

Set COMPLIANCE_TEST_AGREEMENTS to a folder to build the "shipped" reports from other agreements (while
the shipped ones are being edited, for instance).
"""

from __future__ import annotations

import pytest
from report_helpers import EVENTS, REPO, TERMS, build, shipped_agreements

from compliance.reports.model import Report


@pytest.fixture(scope="session")
def small() -> Report:
    return build(TERMS, [EVENTS])


@pytest.fixture(scope="session")
def shipped() -> Report:
    return build(shipped_agreements(), [REPO / "events"])
