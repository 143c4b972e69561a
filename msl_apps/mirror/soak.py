"""``make soak``: seeded fault campaigns on the two mirrored servers.

    python -m msl_apps.mirror.soak [--sim verilator|icarus] [--seeds N] [--first-seed N]
                                [--kinds k1,k2] [--messages N] [--jobs N] [--out DIR]

Runs every fault kind of :mod:`msl_apps.mirror.faults` once per seed, each run its own
simulation (``--jobs`` at a time), printing each run as it ends. Then a table per kind:
runs, messages sent, delivered, lost, duplicated, reordered, corrupted, dropped after a
reported error, the errors reported, and the seeds of any failed run (repeat one with
``--kinds KIND --first-seed SEED --seeds 1``). Writes ``soak.json`` into ``--out``
(default ``sim_build/soak``). Exits non-zero when a run failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from cocotb_tests.harness import SIM_BUILD, SIMULATORS, CocotbCase, build, run_case
from msl_apps.mirror.servers import mirror_variant
from msl_apps.mirror.faults import FAULTS

MODULE, TEST = "msl_apps.mirror.simulation", "soak_run"
COLUMNS = ("sent", "delivered", "lost", "duplicated", "reordered", "corrupted", "dropped")


def parse_args(argv):
    # Defaults shown in --help: a user picks seeds and counts by them.
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--sim", choices=SIMULATORS,
                        default=os.environ.get("SIM") or "verilator", help="simulator")
    parser.add_argument("--seeds", type=int, default=5, help="runs per fault kind")
    parser.add_argument("--first-seed", type=int, default=1,
                        help="seed of each kind's first run (the next runs: +1, +2, ...)")
    parser.add_argument("--kinds", default=",".join(FAULTS),
                        help=f"comma-separated, of: {', '.join(FAULTS)} (default: all)"
                             "%(default).0s")
    parser.add_argument("--messages", type=int, default=120, help="messages each server sends")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="runs at once (one simulator each)")
    parser.add_argument("--out", type=Path, default=SIM_BUILD / "soak",
                        help="folder of soak.json")
    args = parser.parse_args(argv)
    args.kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in args.kinds if k not in FAULTS]
    if unknown:
        parser.error(f"unknown fault kind(s) {', '.join(unknown)}; choose from {', '.join(FAULTS)}")
    if args.seeds < 1 or args.messages < 1 or args.jobs < 1:
        parser.error("--seeds, --messages and --jobs must be at least 1")
    return args


def run_setup(kind: str, seed: int, messages: int) -> tuple:
    """The build a campaign run needs (its own clocks per server for a clock offset,
    two links for fail-over) and its ``MIRROR_CONFIG``."""
    fault = FAULTS[kind]
    ppm = fault.ppm(seed)
    config = {"kind": kind, "seed": seed, "workload": {"messages": messages}, "ppm": ppm,
              "links": fault.links}
    return mirror_variant(transceiver_clocks=bool(ppm), links=fault.links), config


def run_one(sim: str, kind: str, seed: int, messages: int) -> dict:
    """One campaign run; its record (``problems`` empty when it passed)."""
    variant, config = run_setup(kind, seed, messages)
    name = f"soak-{kind}-{seed}"
    case = CocotbCase(sim, variant, MODULE, TEST)
    started = time.monotonic()
    try:
        folder = run_case(case, extra_env={"MIRROR_CONFIG": json.dumps(config)}, waves=False,
                          seed=seed, run_name=name)
    except AssertionError:
        folder = SIM_BUILD / sim / case.variant.name / name
        result = folder / "soak_result.json"
        record = (json.loads(result.read_text()) if result.exists() else
                  {"kind": kind, "seed": seed, "problems": [f"the run crashed: see "
                                                            f"{folder / 'sim.log'}"]})
    else:
        record = json.loads((folder / "soak_result.json").read_text())
    record["wall_seconds"] = round(time.monotonic() - started, 1)
    record["log"] = str(folder / "sim.log")
    return record


def table(records: list[dict]) -> list[dict]:
    """One row per fault kind."""
    rows = []
    for kind in dict.fromkeys(r["kind"] for r in records):
        runs = [r for r in records if r["kind"] == kind]
        row = {"kind": kind, "runs": len(runs), **{c: 0 for c in COLUMNS}}
        errors = Counter()
        for r in runs:
            for direction in r.get("summary", {}).get("directions", {}).values():
                for column in COLUMNS:
                    row[column] += direction[column]
            for side, server in r.get("summary", {}).get("servers", {}).items():
                errors.update(f"{side}:{code}" for code in server["errors"])
        row["errors"] = dict(sorted(errors.items()))
        row["failed_seeds"] = [r["seed"] for r in runs if r["problems"]]
        rows.append(row)
    return rows


def report(rows: list[dict]) -> None:
    header = (f"{'fault kind':20} {'runs':>4} {'messages':>8} {'delivered':>9} {'lost':>5} "
              f"{'dup':>4} {'reord':>5} {'corrupt':>7} {'dropped':>7}  errors reported; "
              f"failed seeds")
    print(header)
    print("-" * len(header))
    for r in rows:
        errors = ", ".join(f"{k} {v}" for k, v in r["errors"].items()) or "-"
        failed = f"; FAILED {r['failed_seeds']}" if r["failed_seeds"] else ""
        print(f"{r['kind']:20} {r['runs']:>4} {r['sent']:>8} {r['delivered']:>9} "
              f"{r['lost']:>5} {r['duplicated']:>4} {r['reordered']:>5} {r['corrupted']:>7} "
              f"{r['dropped']:>7}  {errors}{failed}")
    print("messages: sent by both servers; dropped: neither delivered nor acknowledged, "
          "after an error was reported to the sender (by design).")


def main(argv=None) -> int:
    args = parse_args(argv)
    jobs = [(kind, args.first_seed + n) for kind in args.kinds for n in range(args.seeds)]
    for variant in {run_setup(kind, seed, 1)[0].name: run_setup(kind, seed, 1)[0]
                    for kind, seed in jobs}.values():
        print(f"building {variant.name} for {args.sim} ...", flush=True)
        build(args.sim, variant)
    print(f"{len(jobs)} runs ({len(args.kinds)} fault kinds x {args.seeds} seeds), "
          f"{args.messages} messages each way, {args.jobs} at a time", flush=True)
    records, started = [], time.monotonic()
    with ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(run_one, args.sim, kind, seed, args.messages): (kind, seed)
                   for kind, seed in jobs}
        for done, future in enumerate(as_completed(futures), 1):
            record = future.result()
            records.append(record)
            verdict = "ok" if not record["problems"] else f"FAILED: {record['problems']}"
            details = ", ".join(f"{k}={v}" for k, v in record.get("details", {}).items()
                                if not isinstance(v, list))
            print(f"[{done:>3}/{len(jobs)}] {record['kind']:20} seed {record['seed']:<6} "
                  f"{record['wall_seconds']:>6.1f} s  {verdict}  {details}", flush=True)
    records.sort(key=lambda r: (list(FAULTS).index(r["kind"]), r["seed"]))
    rows = table(records)
    print()
    print(f"Fault campaigns on {args.sim}: {len(jobs)} runs in "
          f"{time.monotonic() - started:.0f} s")
    report(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / "soak.json"
    out.write_text(json.dumps({"sim": args.sim, "messages": args.messages, "table": rows,
                               "runs": records}, indent=2, default=str) + "\n")
    print(f"\nWrote {out}.")
    failed = [r for r in records if r["problems"]]
    for r in failed:
        print(f"failed: {r['kind']} seed {r['seed']}: {r['problems']} (log {r['log']})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
