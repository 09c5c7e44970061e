"""Where the terms and the log are, and loading them for a command: the edge between files and the engine."""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from compliance.loading.events import EventTable, load_events
from compliance.loading.problems import Problem, Problems, did_you_mean
from compliance.loading.terms import Terms, _Collector, classify, term_files
from compliance.loading.validate import validate
from compliance.loading.yamlpos import YamlError, load_file
from compliance.models.profiles import Profile

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_agreements() -> Path:
    """The agreements that travel inside the package (or, in a source checkout, the repository's)."""
    inside = PACKAGE_DIR / "shipped" / "agreements"
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parents[1] / "agreements"


def default_agreements() -> Path:
    local = Path("agreements")
    return local if local.is_dir() else shipped_agreements()


def default_events() -> list[Path]:
    return [Path("events")]


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Inputs:
    """What a report was made from, for auditing and reproducing it."""

    terms: Terms
    events: EventTable
    profile: Profile
    profile_source: str
    files: list[Path] = field(default_factory=list)
    hashes: dict[Path, Future[str]] = field(default_factory=dict, repr=False)

    def hash_in_background(self) -> None:
        """Start hashing the input files on a second thread: a large log takes a good part of a second,
        done while the engine runs (its threads leave a core part idle); the hash then describes the
        files as just read."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hash")
        self.hashes = {path: pool.submit(file_hash, path) for path in sorted(set(self.files)) if path.is_file()}
        pool.shutdown(wait=False)

    def manifest(self) -> list[dict[str, str]]:
        base = Path.cwd()
        out = []
        for path in sorted(set(self.files), key=lambda p: p.as_posix()):
            try:
                shown = str(path.resolve().relative_to(base))
            except ValueError:
                shown = str(path)
            if path.is_file():
                hashed = self.hashes.get(path)
                out.append({"path": shown, "sha256": hashed.result() if hashed is not None else file_hash(path)})
        return out


def load_terms_dir(agreements: Path) -> tuple[Terms, Problems]:
    collector = _Collector(None)
    if not agreements.exists():
        collector.problems.add(str(agreements), 0, 0, "no such folder of agreements")
        return collector.terms, collector.problems
    for f in term_files(agreements):
        collector.add_file(f)
    collector.check_references()
    return collector.terms, collector.problems


def pick_profile(terms: Terms, choice: str | None) -> tuple[Profile | None, str, list[Problem]]:
    """The profile named (by id among the agreements' profiles, or as a file), else ``default``."""
    wanted = choice or "default"
    if choice and (choice.endswith((".yaml", ".yml")) or "/" in choice):
        path = Path(choice)
        try:
            located = load_file(path)
        except (YamlError, OSError) as exc:
            problem = exc.problem if isinstance(exc, YamlError) else Problem(str(path), 0, 0, str(exc))
            return None, str(path), [problem]
        profile, problems = validate(Profile, located)
        return profile, str(path), problems
    if wanted in terms.profiles:
        return terms.profiles[wanted], f"profiles/{wanted}", []
    if wanted == "default":
        return Profile(id="default", description="built-in defaults"), "built-in", []
    return None, wanted, [Problem(wanted, 0, 0, f"no profile '{wanted}'{did_you_mean(wanted, terms.profiles)}; "
                                  f"known: {', '.join(sorted(terms.profiles)) or '(none)'}")]


def load_inputs(agreements: Path | None, events: list[Path] | None, profile: str | None,
                ) -> tuple[Inputs | None, Problems]:
    agreements = agreements or default_agreements()
    # the terms (YAML, the models, the zones) are read on a second thread while the log loads
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="terms") as pool:
        reading = pool.submit(load_terms_dir, agreements)
        table = load_events(events or default_events(), base=Path.cwd())
        terms, problems = reading.result()
    chosen, source, profile_problems = pick_profile(terms, profile)
    problems.extend(profile_problems)
    # problems of single events set those events aside (with their reason) and the run goes on
    problems.extend(p for p in table.problems if p not in table.row_problems)
    if problems or chosen is None:
        return None, problems
    files = [*terms.files, *table.files]
    inputs = Inputs(terms, table, chosen, source, files)
    inputs.hash_in_background()
    return inputs, problems


def split_paths(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Which of the given paths are terms files and which are event logs."""
    terms: list[Path] = []
    events: list[Path] = []
    for path in paths:
        files = term_files(path) + sorted(path.rglob("*.csv")) + sorted(path.rglob("*.parquet")) \
            if path.is_dir() else [path]
        for f in files:
            kind = classify(f, _peek(f))
            (events if kind == "events" else terms).append(f)
    return terms, events


def _peek(path: Path) -> dict[str, None] | None:
    """The first top-level key of a YAML file, read from its head only (event logs can be large)."""
    if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
        return None
    with path.open("rb") as fh:
        head = fh.read(1 << 16).decode("utf-8", errors="replace")
    for line in head.splitlines():
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line.lstrip("\ufeff"))
        if match:
            return {match.group(1): None}
    return None
