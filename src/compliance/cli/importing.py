"""``compliance import acled|ucdp FILE``: an event log from a public dataset, with every row accounted for."""

from __future__ import annotations

import sys
from pathlib import Path

from compliance.cli.common import OK, fail
from compliance.loading.problems import Problem


def run_import(source: str, file: Path, output: Path | None, mappings: list[Path]) -> int:
    if not file.is_file():
        raise fail([Problem(str(file), 0, 0, "no such file")])
    from rich.progress import Progress

    from compliance import importers

    importer = importers.import_acled if source == "acled" else importers.import_ucdp
    with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task(f"importing {file.name}", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = importer(file, mapping_paths=tuple(mappings), progress=tick)
        except (importers.ImportFormatError, importers.MappingError, UnicodeDecodeError, ValueError) as exc:
            raise fail([Problem(str(file), 1, 1, f"cannot import this file as {source.upper()}: {exc}")]) from None
    target = output or Path(f"{file.stem}.events.csv")
    importers.write_event_csv(result.events, target)
    print(f"rows read: {result.rows_read}; events written: {len(result.events)} to {target}; "
          f"rows set aside: {len(result.set_aside)}", file=sys.stderr)
    reasons: dict[str, int] = {}
    for s in result.set_aside:
        reasons[s.reason] = reasons.get(s.reason, 0) + 1
    for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  set aside {n}: {reason}", file=sys.stderr)
    if result.unmapped:
        print("names that map to no party or vocabulary word (counted, not dropped):", file=sys.stderr)
        for name, n in sorted(result.unmapped.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {n:6d}  {name}", file=sys.stderr)
    return OK
