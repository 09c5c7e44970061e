"""The benchmark: how long each stage takes on synthetic logs of 10k, 100k and 1M events.

    python benchmarks/run.py [--sizes 10000 100000 1000000] [--repeat 3] [--agreements DIR]

For each size it generates the log when missing (benchmarks/generate.py, seeded) and measures, as the
median of ``--repeat`` runs:

* reading the log alone, the floor: pandas ``read_csv`` (plain, and with the date parsed), pyarrow and
  pandas reading the Parquet file;
* loading it into the engine's model (``load_events``) from CSV and from Parquet;
* the engine alone: ``evaluate`` over every shipped clause (terms and log already loaded, with the codes the
  loader made of the categorical columns, as ``compliance report`` hands them over), timed in turn with
  pandas ``read_csv`` (at least five runs each, parse, engine, parse, ...) so that the two stages the
  first target compares see the same load on the machine;
* the whole command line in a fresh process, CSV in: ``compliance report --format json`` and
  ``--format table``, with the peak resident memory of each run (``os.wait4``);
* the reference evaluator (benchmarks/reference.py) on a seeded sample, extrapolated to the size;

then checks on the sample that the engine and the reference give the same
``(event, clause, party, role, status)`` findings, checks that cost grows linearly with events and with
clauses (the shipped clauses replicated x1, x2, x4), prints the table and which targets are met, and
writes it all to benchmarks/results.md.

Each in-process measurement runs in a worker subprocess per size, so one size's memory does not
weigh on the next. A stage whose runs already took more than ``--budget`` seconds is not repeated
(the table says how many runs each median has); a command-line run is stopped after ``--timeout``.
Wall-clock times on a shared machine drift; CPU seconds are printed beside them.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import itertools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

TARGETS = {
    "engine_vs_csv": 2.0,  # engine alone at most 2x the pandas CSV parse
    "engine_vs_reference": 50.0,  # at least 50x faster than the reference evaluator
    "cli_json_seconds": 10.0,  # whole CLI, CSV in, JSON out
    "cli_peak_bytes": 2 * 2**30,  # peak memory of the CLI run
    "linear_exponent": 1.15,  # cost ~ n^k with k at most this between sizes (or clause counts)
}


# -- measuring ------------------------------------------------------------------------------------------


def alternately(fns: list, repeat: int, budget: float) -> list:
    """``measure`` for several functions run in turn (a, b, a, b, ...): the machine's load drifts over a
    run, and stages compared with each other should be timed under the same load."""
    walls: list[list[float]] = [[] for _ in fns]
    cpus: list[list[float]] = [[] for _ in fns]
    results: list = [None] * len(fns)
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            t, c = time.perf_counter(), time.process_time()
            results[k] = fn()
            walls[k].append(time.perf_counter() - t)
            cpus[k].append(time.process_time() - c)
        if sum(map(sum, walls)) > budget:
            break
    return [({"seconds": statistics.median(w), "cpu": statistics.median(c), "runs": len(w), "all": w}, r)
            for w, c, r in zip(walls, cpus, results, strict=True)]


def measure(fn, repeat: int, budget: float):
    """Run ``fn`` up to ``repeat`` times (fewer once the runs took ``budget`` s); medians of wall and CPU."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
        if sum(walls) > budget:
            break
    return {"seconds": statistics.median(walls), "cpu": statistics.median(cpus), "runs": len(walls),
            "all": walls}, result


def run_process(cmd: list[str], stdout: Path, cwd: Path, timeout: float) -> dict:
    """One subprocess: wall and CPU seconds, peak resident memory (bytes), exit code; killed at ``timeout``."""
    err = cwd / (stdout.name + ".err")
    with stdout.open("wb") as out, err.open("wb") as errf:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=errf, cwd=cwd)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.01)
        wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = {"seconds": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_bytes": usage.ru_maxrss * 1024,
              "code": proc.returncode, "timed_out": timed_out, "stderr": err.read_text(errors="replace")[-2000:],
              "output_bytes": stdout.stat().st_size}
    err.unlink()
    return result


def measure_cli(cmd: list[str], work: Path, repeat: int, budget: float, timeout: float, tag: str = "cli",
                discard: bool = False) -> dict:
    """Runs of a command, its output written to a new file (or to /dev/null with ``discard``).

    Before each run the disk caches are flushed (``os.sync``) and the previous run's output deleted: a
    JSON report of a million findings is a gigabyte, and otherwise each run would wait for the last
    one's gigabyte to reach the disk.
    """
    runs = []
    for i in range(repeat):
        out = Path(os.devnull) if discard else work / f"{tag}-{i}.out"
        os.sync()
        r = run_process(cmd, out, work, timeout)
        if not discard:
            out.unlink()
        runs.append(r)
        if r["timed_out"] or r["code"] != 0 or sum(x["seconds"] for x in runs) > budget:
            break
    ok = [r for r in runs if r["code"] == 0 and not r["timed_out"]]
    use = ok or runs
    return {"seconds": statistics.median(r["seconds"] for r in use), "cpu": statistics.median(r["cpu"] for r in use),
            "peak_bytes": max(r["peak_bytes"] for r in runs), "runs": len(use), "all": [r["seconds"] for r in runs],
            "ok": bool(ok), "timed_out": any(r["timed_out"] for r in runs), "code": runs[-1]["code"],
            "stderr": "" if ok else runs[-1]["stderr"], "output_bytes": runs[-1]["output_bytes"]}


# -- the worker: everything measured inside one Python process, for one size -----------------------------


def replicate(terms, k: int):
    """The terms with every agreement present ``k`` times (copies under new ids): k times the clauses."""
    agreements = {}
    for i in range(k):
        for aid, a in terms.agreements.items():
            new = aid if i == 0 else f"{aid}-copy{i}"
            agreements[new] = a.model_copy(update={"id": new})
    return dataclasses.replace(terms, agreements=agreements)


def worker(args) -> dict:
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq
    from reference import Reference, compare, read_events

    from compliance.engine.evaluate import evaluate
    from compliance.engine.findings import LIGHT_COLUMNS, materialize
    from compliance.loading import codes as coding
    from compliance.loading.events import load_events
    from compliance.project import load_terms_dir, pick_profile

    n, repeat, budget = args.size, args.repeat, args.budget
    csv_path, parquet_path = generate.ensure(n)
    out: dict = {"size": n, "stages": {}}
    stages = out["stages"]

    def log(msg: str) -> None:
        print(f"[{n:,}] {msg}", file=sys.stderr, flush=True)

    t = time.perf_counter()
    terms, problems = load_terms_dir(args.agreements)
    profile, _, more = pick_profile(terms, args.profile)
    if problems or more or profile is None:
        out["error"] = "the agreements do not load:\n" + "\n".join(str(p) for p in [*problems, *more][:30])
        return out
    out["terms_seconds"] = time.perf_counter() - t

    log("reading: pandas CSV")
    stages["read CSV (pandas)"] = {}  # timed below, in turn with the engine: the target compares the two
    stages["read CSV + dates (pandas)"], _ = measure(
        lambda: pd.to_datetime(pd.read_csv(csv_path)["date"].str.slice(0, 10), format="%Y-%m-%d"), repeat, budget)
    log("reading: Parquet")
    stages["read Parquet (pyarrow)"], _ = measure(lambda: pq.read_table(parquet_path), repeat, budget)
    stages["read Parquet (pandas)"], _ = measure(lambda: pd.read_parquet(parquet_path), repeat, budget)
    log("load_events: CSV")
    stages["load_events CSV"], table = measure(lambda: load_events([csv_path]), repeat, budget)
    log("load_events: Parquet")
    stages["load_events Parquet"], _ = measure(lambda: load_events([parquet_path]), repeat, budget)
    frame = table.frame
    out["loaded"] = {"read": table.read, "rows": len(frame), "set_aside": len(table.set_aside)}

    log("engine: evaluate every shipped clause")
    (stages["read CSV (pandas)"], _), (stages["engine (evaluate)"], outcome) = alternately(
        [lambda: pd.read_csv(csv_path), lambda: evaluate(terms, frame, profile, codes=table.codes)], max(repeat, 5),
        budget)
    # the generated log is in id order, as exports often are; a log in any other order has its ids sorted
    # (coded as the loader would code the shuffled log)
    log("engine: the same log, its rows shuffled")
    shuffle = np.random.default_rng([args.seed, n, 1]).permutation(len(frame))
    shuffled = frame.iloc[shuffle].reset_index(drop=True)
    shuffled_codes = coding.of_frame(shuffled)
    stages["engine (evaluate), rows shuffled"], _ = measure(
        lambda f=shuffled, c=shuffled_codes: evaluate(terms, f, profile, codes=c), min(repeat, 3), budget)
    findings = materialize(outcome, columns=LIGHT_COLUMNS)  # who, which clause, the status: no text needed here
    kinds = {cc.key: cc.kind for cc in outcome.clauses}
    out["clauses"] = {k: sum(1 for v in kinds.values() if v == k) for k in sorted(set(kinds.values()))}
    out["findings"] = {"total": len(findings), "by_status": findings["status"].value_counts().to_dict()}

    # -- the reference on a seeded sample, and agreement with the engine
    rng = np.random.default_rng([args.seed, n])
    sample_rows = np.sort(rng.choice(len(frame), size=min(args.sample, len(frame)), replace=False))
    ids = frame["id"].to_numpy(dtype=object)
    event_findings = findings[findings["clause"].map(kinds) != "result"]
    doubtful = event_findings.loc[event_findings["status"] != "breach", "event_id"].unique()
    extra_ids = {str(x) for x in rng.permutation(doubtful)[: args.sample // 5]}
    log(f"reference: {len(sample_rows):,} sampled events (+ up to {len(extra_ids)} with possible/contested findings)")
    ref = Reference(terms, profile)
    random_ids = set(ids[sample_rows].tolist())
    events = read_events(csv_path, random_ids | extra_ids)
    sampled = [e for e in events if e.id in random_ids]
    reps, cpus = [], []
    for _ in range(max(1, min(repeat, 3))):
        t, c = time.perf_counter(), time.process_time()
        ref_sampled = ref.evaluate(sampled)
        reps.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
        if sum(reps) > budget:
            break
    scale = n / max(1, len(sampled))
    stages["reference (extrapolated)"] = {"seconds": statistics.median(reps) * scale,
                                          "cpu": statistics.median(cpus) * scale, "runs": len(reps),
                                          "measured_on": len(sampled), "measured_seconds": statistics.median(reps)}
    ref_all = set(ref_sampled) | set(ref.evaluate([e for e in events if e.id not in random_ids]))
    event_ids = {e.id for e in events}
    engine_set = {t for t in zip(event_findings["event_id"], event_findings["clause"], event_findings["party"],
                                 event_findings["role"], event_findings["status"], strict=True) if t[0] in event_ids}
    cmp = compare(engine_set, ref_all)
    out["agreement"] = {"events": len(events), "random": len(sampled), "doubtful_added": len(events) - len(sampled),
                        "engine_findings": len(engine_set), "reference_findings": len(ref_all),
                        "agree": cmp["agree"], "common": cmp["common"],
                        "only_engine": [list(x) for x in cmp["only_engine"][:20]],
                        "only_reference": [list(x) for x in cmp["only_reference"][:20]],
                        "only_engine_count": len(cmp["only_engine"]),
                        "only_reference_count": len(cmp["only_reference"]),
                        "statuses": _count(t[4] for t in ref_all)}

    # -- linear in clauses: the same log under k copies of the clauses
    if args.clause_scaling:
        out["clause_scaling"] = []
        for k in (1, 2, 4):
            more_terms = replicate(terms, k)
            log(f"clause scaling: x{k}")
            m, o = measure(lambda t=more_terms: evaluate(t, frame, profile, codes=table.codes), min(repeat, 3), budget)
            out["clause_scaling"].append({"factor": k, "clauses": len(o.clauses), "seconds": m["seconds"],
                                          "cpu": m["cpu"], "runs": m["runs"], "findings": len(o.core)})
    out["worker_peak_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return out


def _count(values) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


# -- the parent: workers, command-line runs, the table -------------------------------------------------------


def run_size(n: int, args, work: Path) -> dict:
    csv_path, _ = generate.ensure(n)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--size", str(n), "--repeat", str(args.repeat),
           "--budget", str(args.budget), "--agreements", str(args.agreements), "--sample", str(args.sample),
           "--seed", str(args.seed)]
    if args.profile:
        cmd += ["--profile", args.profile]
    if n == args.clause_scaling_size:
        cmd += ["--clause-scaling"]
    print(f"== {n:,} events", file=sys.stderr, flush=True)
    out_json = work / f"worker-{n}.json"
    with out_json.open("wb") as fh:
        t = time.perf_counter()
        proc = subprocess.run(cmd, stdout=fh, cwd=work, timeout=args.timeout * 4)
        worker_seconds = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"the worker for {n:,} events failed (exit {proc.returncode})")
    result = json.loads(out_json.read_text())
    result["worker_seconds"] = worker_seconds
    if "error" in result:
        return result
    # the installed entry point beside this Python (not a version manager's shim, which adds its own start-up)
    beside = Path(sys.executable).parent / "compliance"
    compliance = str(beside) if beside.exists() else shutil.which("compliance") or "compliance"
    for fmt in args.formats:
        print(f"[{n:,}] CLI: compliance report --format {fmt}", file=sys.stderr, flush=True)
        cli = [compliance, "report", "--agreements", str(args.agreements), "--events", str(csv_path), "--format", fmt]
        if args.profile:
            cli += ["--profile", args.profile]
        result["stages"][f"CLI report --format {fmt}"] = measure_cli(cli, work, args.repeat, args.budget, args.timeout,
                                                                          f"cli-{n}-{fmt}")
        if fmt == "json":  # the same, its output thrown away: what the disk adds
            print(f"[{n:,}] CLI: compliance report --format json > /dev/null", file=sys.stderr, flush=True)
            result["stages"]["CLI report --format json > /dev/null"] = measure_cli(
                cli, work, args.repeat, args.budget, args.timeout, f"cli-{n}-null", discard=True)
    return result


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "-"
    if s >= 100:
        return f"{s:,.0f}"
    if s >= 10:
        return f"{s:.1f}"
    if s >= 0.1:
        return f"{s:.2f}"
    return f"{s:.3f}"


def fmt_rate(n: int, s: float) -> str:
    r = n / s if s else float("inf")
    return f"{r / 1e6:.2f} M" if r >= 1e6 else f"{r / 1e3:.0f} k" if r >= 1e3 else f"{r:.0f}"


def fmt_bytes(b: float | None) -> str:
    return "-" if not b else f"{b / 2**20:,.0f} MiB"


def exponent(n1: float, t1: float, n2: float, t2: float) -> float:
    import math

    return math.log(t2 / t1) / math.log(n2 / n1)


def build_report(results: list[dict], args, started: str, load: tuple[float, ...], elapsed: float) -> tuple[str, list]:
    import numpy
    import pandas
    import pyarrow
    import shapely

    lines = ["# Benchmark results", ""]
    lines.append(f"Run {started} on {platform.node() or 'this machine'}: {os.cpu_count()} cores, Python "
                 f"{platform.python_version()}, numpy {numpy.__version__}, pandas {pandas.__version__}, pyarrow "
                 f"{pyarrow.__version__}, shapely {shapely.__version__}; commit {_commit()}. Load average at the "
                 f"start {load[0]:.1f} (other work on the machine slows wall-clock times; CPU seconds are shown "
                 f"beside them). Agreements: `{_shown(args.agreements)}`; profile: {args.profile or 'default'}. "
                 f"Whole run: {elapsed / 60:.1f} min.")
    lines.append("")
    lines.append("`×CSV` is the stage's time over pandas parsing the same CSV (`read_csv`, no date parsing). "
                 "`runs` is how many runs the median is of (a stage slower than the budget "
                 f"of {args.budget:g} s runs once). pandas `read_csv` and the engine are timed in turn (parse, "
                 "engine, parse, ...), so that the two stages the first target compares share the machine's load. "
                 "The engine is given the log as `load_events` leaves it, with the codes it made of the categorical "
                 "columns (as `compliance report` does); making those codes is part of `load_events`' time. "
                 "The reference evaluator is timed on a sample and extrapolated. "
                 "Each command-line run starts after `sync`, writes its report to a new file (or, in the "
                 "`> /dev/null` row, throws it away), and the file is deleted after it.")
    lines.append("")
    lines.append("| events | stage | median s | CPU s | runs | ×CSV | events/s | peak RSS |")
    lines.append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        n = r["size"]
        if "error" in r:
            lines.append(f"| {n:,} | error | {r['error'].splitlines()[0]} | | | | | |")
            continue
        base = r["stages"]["read CSV (pandas)"]["seconds"]
        for name, s in r["stages"].items():
            sec = s["seconds"]
            note = ""
            if name.startswith("CLI") and not s.get("ok", True):
                note = " (timed out)" if s.get("timed_out") else f" (exit {s.get('code')})"
            if name.startswith("reference"):
                note = f" ({s['measured_on']:,} events: {fmt_seconds(s['measured_seconds'])} s)"
            if name.startswith("CLI") and s.get("output_bytes"):
                note += f" ({fmt_bytes(s['output_bytes'])} written)"
            lines.append(f"| {n:,} | {name}{note} | {('>' if s.get('timed_out') else '') + fmt_seconds(sec)} | "
                         f"{fmt_seconds(s.get('cpu'))} | {s['runs']} | {sec / base:,.1f} | {fmt_rate(n, sec)} | "
                         f"{fmt_bytes(s.get('peak_bytes'))} |")
    lines.append("")
    # -- agreement
    lines.append("## Engine and reference on a sample")
    lines.append("")
    for r in results:
        a = r.get("agreement")
        if not a:
            continue
        verdict = "agree" if a["agree"] else "DISAGREE"
        lines.append(f"- {r['size']:,} events: {verdict} on {a['events']:,} events ({a['random']:,} sampled at random "
                     f"+ {a['doubtful_added']} with possible or contested findings): {a['common']:,} findings in "
                     f"common, {a['only_engine_count']} only from the engine, {a['only_reference_count']} only from "
                     f"the reference; reference statuses {a['statuses']}.")
        for side in ("only_engine", "only_reference"):
            for t in a[side][:10]:
                lines.append(f"  - {side.replace('_', ' ')}: `{' | '.join(t)}`")
    lines.append("")
    # -- scaling
    lines.append("## Scaling")
    lines.append("")
    ok_results = [r for r in results if "error" not in r]
    scaling_rows = []
    for a, b in itertools.pairwise(ok_results):
        for stage in ("engine (evaluate)", "load_events CSV", "CLI report --format json"):
            if stage in a["stages"] and stage in b["stages"]:
                k = exponent(a["size"], a["stages"][stage]["seconds"], b["size"], b["stages"][stage]["seconds"])
                scaling_rows.append((stage, a["size"], b["size"], k))
                lines.append(f"- {stage}: {a['size']:,} → {b['size']:,} events: time × "
                             f"{b['stages'][stage]['seconds'] / a['stages'][stage]['seconds']:.1f} for events × "
                             f"{b['size'] / a['size']:g} (cost ∝ n^{k:.2f})")
    clause_rows = []
    for r in ok_results:
        cs = r.get("clause_scaling")
        if not cs:
            continue
        first = cs[0]
        for c in cs:
            k = exponent(first["clauses"], first["seconds"], c["clauses"], c["seconds"]) if c is not first else 1.0
            clause_rows.append((c["clauses"], k))
            lines.append(f"- clauses at {r['size']:,} events: ×{c['factor']} ({c['clauses']} clauses): "
                         f"{fmt_seconds(c['seconds'])} s (CPU {fmt_seconds(c['cpu'])} s, {c['runs']} runs, "
                         f"{c['findings']:,} findings)" + (f"; cost ∝ clauses^{k:.2f}" if c is not first else ""))
    lines.append("")
    # -- targets
    lines.append("## Targets")
    lines.append("")
    checks = targets(ok_results, scaling_rows, clause_rows)
    for name, met, detail in checks:
        lines.append(f"- [{'x' if met else ' '}] {name}: {detail}")
    lines.append("")
    return "\n".join(lines), checks


def targets(results: list[dict], scaling_rows, clause_rows) -> list[tuple[str, bool | None, str]]:
    out: list[tuple[str, bool | None, str]] = []
    if not results:
        return out
    big = results[-1]
    n, st = big["size"], big["stages"]
    csv = st["read CSV (pandas)"]["seconds"]
    eng = st["engine (evaluate)"]["seconds"]
    ref = st["reference (extrapolated)"]["seconds"]
    at = f"at {n:,} events"
    out.append((f"engine alone ≤ {TARGETS['engine_vs_csv']:g}× the pandas CSV parse",
                eng <= TARGETS["engine_vs_csv"] * csv,
                f"{fmt_seconds(eng)} s vs {fmt_seconds(csv)} s = {eng / csv:,.1f}× {at} (CPU: "
                f"{fmt_seconds(st['engine (evaluate)']['cpu'])} s vs {fmt_seconds(st['read CSV (pandas)']['cpu'])} s = "
                f"{st['engine (evaluate)']['cpu'] / st['read CSV (pandas)']['cpu']:,.1f}×)"))
    shuffled = st.get("engine (evaluate), rows shuffled")
    if shuffled:
        out.append((f"the same, the log's rows shuffled (its ids then sorted): ≤ {TARGETS['engine_vs_csv']:g}×",
                    shuffled["seconds"] <= TARGETS["engine_vs_csv"] * csv,
                    f"{fmt_seconds(shuffled['seconds'])} s vs {fmt_seconds(csv)} s = {shuffled['seconds'] / csv:,.1f}× "
                    f"{at}"))
    out.append((f"engine ≥ {TARGETS['engine_vs_reference']:g}× faster than the reference",
                ref / eng >= TARGETS["engine_vs_reference"],
                f"reference {fmt_seconds(ref)} s (extrapolated) / engine {fmt_seconds(eng)} s = {ref / eng:,.1f}× {at} "
                f"(CPU: {st['reference (extrapolated)']['cpu'] / st['engine (evaluate)']['cpu']:,.1f}×)"))
    cli = st.get("CLI report --format json")
    if cli:
        out.append((f"whole CLI, CSV in, JSON out < {TARGETS['cli_json_seconds']:g} s",
                    cli["ok"] and cli["seconds"] < TARGETS["cli_json_seconds"],
                    f"{'>' if cli['timed_out'] else ''}{fmt_seconds(cli['seconds'])} s {at}"
                    + ("" if cli["ok"] else " (did not finish)")))
        peaks = [s["peak_bytes"] for k, s in st.items() if k.startswith("CLI")]
        out.append(("peak memory of the CLI < 2 GiB", max(peaks) < TARGETS["cli_peak_bytes"],
                    f"{fmt_bytes(max(peaks))} {at} (largest of the CLI runs)"))
    ev = [k for stage, a, b, k in scaling_rows if stage == "engine (evaluate)"]
    if ev:
        out.append(("cost linear in events (engine)", ev[-1] <= TARGETS["linear_exponent"],
                    f"∝ n^{ev[-1]:.2f} between the two largest sizes"))
    if clause_rows:
        k = clause_rows[-1][1]
        out.append(("cost linear in clauses (engine)", k <= TARGETS["linear_exponent"],
                    f"∝ clauses^{k:.2f} from ×1 to ×{clause_rows[-1][0] // clause_rows[0][0]}"))
    agree = [r["agreement"]["agree"] for r in results if "agreement" in r]
    out.append(("engine and reference agree on the sample", all(agree), f"{sum(agree)} of {len(agree)} sizes"))
    return out


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=REPO, capture_output=True,
                               text=True).stdout.strip()
        return head + (" with uncommitted changes under src/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--agreements", type=Path, default=REPO / "agreements")
    ap.add_argument("--profile", default=None, help="profile id or file (default: default)")
    ap.add_argument("--sample", type=int, default=20_000,
                    help="events the reference evaluates (default 20000: smaller samples time too noisily)")
    ap.add_argument("--seed", type=int, default=generate.SEED)
    ap.add_argument("--budget", type=float, default=120.0,
                    help="do not repeat a stage whose runs already took this many seconds (default 120)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="stop a CLI run after this many seconds")
    ap.add_argument("--formats", nargs="+", default=["json", "table"])
    ap.add_argument("--clause-scaling-size", type=int, default=100_000,
                    help="size at which to replicate the clauses x1, x2, x4 (0: skip)")
    ap.add_argument("--output", type=Path, default=HERE / "results.md")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--clause-scaling", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.agreements = args.agreements.resolve()
    if args.worker:
        json.dump(worker(args), sys.stdout, default=str)
        return 0
    started = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    load = os.getloadavg()
    t0 = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="compliance-bench-") as tmp:
        for n in sorted(set(args.sizes)):
            results.append(run_size(n, args, Path(tmp)))
    text, checks = build_report(results, args, started, load, time.perf_counter() - t0)
    print(text)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {_shown(args.output)}", file=sys.stderr)
    return 0 if all(met for _, met, _ in checks) else 3


if __name__ == "__main__":
    raise SystemExit(main())
