"""Importers that turn ACLED and UCDP GED files into the canonical event log.

    result = import_acled("acled_syria.csv")           # or import_ucdp("ged_syria.csv")
    write_event_csv(result.events, "events/acled.csv")
    result.rows_read == len(result.events) + len(result.set_aside)

Neither dataset may be redistributed as raw data (ACLED's terms) or needs its attribution kept
(UCDP, CC BY 4.0): the importers read files the user obtained and nothing of theirs ships with the tool.
The mapping files under ``mappings/`` say how actor strings and event types become party ids and
actions; users extend or override them with their own files (``mapping_paths``).
"""

from .acled import import_acled
from .common import (
    EVENT_COLUMNS,
    ImportFormatError,
    ImportResult,
    MappingError,
    SetAside,
    load_mapping,
    write_event_csv,
)
from .ucdp import import_ucdp

__all__ = [
    "EVENT_COLUMNS",
    "ImportFormatError",
    "ImportResult",
    "MappingError",
    "SetAside",
    "import_acled",
    "import_ucdp",
    "load_mapping",
    "write_event_csv",
]
