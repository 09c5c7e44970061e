"""The ``compliance`` command (contracts.md): validate, report, diff, explain, test, schema, import.

Each command's work lives in its own module; this one only declares the options, so that
``compliance --help`` reads as the manual.
"""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from compliance import __version__

app = typer.Typer(
    name="compliance",
    help="Ceasefire agreements as checkable rules: which party breached which clause, and why.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"
    csv = "csv"
    html = "html"


class Source(StrEnum):
    acled = "acled"
    ucdp = "ucdp"


AgreementsOpt = Annotated[Path | None, typer.Option(
    "--agreements", help="Folder of agreements (default: ./agreements, else the ones shipped with the tool).")]
EventsOpt = Annotated[list[Path] | None, typer.Option(
    "--events", help="Event log file or folder; repeat for several (default: ./events).")]
ProfileOpt = Annotated[str | None, typer.Option(
    "--profile", help="Interpretation profile: an id under agreements/profiles, or a YAML file (default: default).")]


def _version(value: bool) -> None:
    if value:
        print(f"compliance {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Print the version and exit.")] = False) -> None:
    """Ceasefire agreements as checkable rules: which party breached which clause, and why."""


@app.command()
def validate(paths: Annotated[list[Path] | None, typer.Argument(
        help="Files or folders to check (default: agreements/ and events/).")] = None) -> None:
    """Check agreements, the party registry, zones, profiles, rule tests and event logs; print every problem."""
    from compliance.cli.validate import run_validate

    raise typer.Exit(run_validate(paths or []))


@app.command()
def report(
    agreements: AgreementsOpt = None,
    events: EventsOpt = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")] = None,
    party: Annotated[list[str] | None, typer.Option("--party", help="Only findings naming this party.")] = None,
    agreement: Annotated[list[str] | None, typer.Option("--agreement", help="Only this agreement.")] = None,
    clause: Annotated[list[str] | None, typer.Option("--clause", help="Only this clause (id or agreement/id).")] = None,
    zone: Annotated[list[str] | None, typer.Option("--zone", help="Only events inside this zone.")] = None,
    since: Annotated[dt.datetime | None, typer.Option("--since", formats=["%Y-%m-%d"], help="From this date.")] = None,
    until: Annotated[dt.datetime | None, typer.Option("--until", formats=["%Y-%m-%d"], help="Until this date.")] = None,
    profile: ProfileOpt = None,
) -> None:
    """Evaluate every clause over the event log and report the breaches."""
    from compliance.cli.report import run_report
    from compliance.reports.model import Filters

    filters = Filters(tuple(party or ()), tuple(agreement or ()), tuple(clause or ()), tuple(zone or ()),
                      since.date() if since else None, until.date() if until else None)
    raise typer.Exit(run_report(agreements, events, format.value, output, filters, profile))


class DiffFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier JSON report (compliance report -f json).")],
    new: Annotated[Path, typer.Argument(help="The later JSON report.")],
    format: Annotated[DiffFormat, typer.Option("--format", "-f", help="Output format.")] = DiffFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")] = None,
) -> None:
    """Findings added, removed and changed between two JSON reports (two profiles, logs or versions of the terms)."""
    from compliance.cli.diff import run_diff

    raise typer.Exit(run_diff(old, new, format.value, output))


@app.command()
def explain(
    event_id: Annotated[str, typer.Argument(help="The id of the event to explain.")],
    agreements: AgreementsOpt = None,
    events: EventsOpt = None,
    profile: ProfileOpt = None,
) -> None:
    """Say, for every clause, why it applies to an event or which condition fails, with expected and actual values."""
    from compliance.cli.explain import run_explain

    raise typer.Exit(run_explain(event_id, agreements, events, profile))


@app.command("test")
def test_rules(
    paths: Annotated[list[Path] | None, typer.Argument(help="Agreements folder or rule-test files.")] = None,
    agreements: AgreementsOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Run the rule tests beside the agreements; every case, a table per clause; exit 1 if any fails."""
    from compliance.cli.ruletest import run_rule_tests

    raise typer.Exit(run_rule_tests(paths or [], agreements, as_json))


@app.command()
def schema(output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Folder to write one JSON Schema per file kind (default: print all).")] = None) -> None:
    """JSON Schemas for every YAML file kind, generated from the models."""
    from compliance.cli.schema import run_schema

    raise typer.Exit(run_schema(output))


@app.command("import")
def import_(
    source: Annotated[Source, typer.Argument(help="acled or ucdp")],
    file: Annotated[Path, typer.Argument(help="The ACLED or UCDP GED export (CSV).")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Event log to write (CSV or Parquet).")] = None,
    mapping: Annotated[list[Path] | None, typer.Option(
        "--mapping", help="Extra mapping YAML extending the shipped one; repeatable.")] = None,
) -> None:
    """Import an ACLED or UCDP GED export as an event log; every row becomes an event or is listed with why."""
    from compliance.cli.importing import run_import

    raise typer.Exit(run_import(source.value, file, output, mapping or []))


def run() -> None:
    """Entry point: user mistakes exit 1 or 2 with a message; nothing else escapes as a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
