"""``make formal``: prove the gateware's property sets (docs/formal.md).

    python -m msl_tools.formal [--list] [-k NAME ...] [--no-mutations]
                               [--solver yices|z3|boolector] [--out sim_build/formal]

For each property set: its proof (k-induction, or BMC to a stated depth), its covers
(each must be reached: the properties are not vacuous) and each of its deliberate
mutations (each must give a counterexample: the properties can fail). Prints progress
per set and a table (property set, check, mode, depth, result, seconds); writes
``formal.json`` into ``--out``. One solver process at a time. Exit status 1 if a proof
or a cover did not pass or a mutation was not caught; 2 if a tool is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from msl_tools.formal.catalogue import PROPERTY_SETS, by_name
from msl_tools.formal.runner import run_property_set
from msl_tools.formal.sby import SOLVERS, ToolMissing, find_toolchain


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m msl_tools.formal",
                                     description="Formal property sets of the gateware.")
    parser.add_argument("--list", action="store_true", help="list the property sets")
    parser.add_argument("-k", "--only", action="append", metavar="NAME",
                        help="run only this property set (repeatable)")
    parser.add_argument("--no-mutations", action="store_true",
                        help="skip the mutation checks (proofs and covers only)")
    parser.add_argument("--solver", choices=list(SOLVERS),
                        help="SMT solver for smtbmc (default: the first found of "
                             f"{', '.join(SOLVERS)})")
    parser.add_argument("--out", type=Path, default=Path("sim_build/formal"),
                        help="work folder (default: sim_build/formal)")
    return parser.parse_args(argv)


def _table(checks) -> str:
    rows = [("property set", "check", "mode", "depth", "result", "seconds")]
    for check in checks:
        result = check.outcome.result
        if check.wanted == "FAIL":
            result = "caught" if check.ok else f"NOT CAUGHT ({result})"
        rows.append((check.property_set, check.check, check.outcome.mode,
                     str(check.outcome.depth), result, f"{check.outcome.seconds:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv=None) -> int:
    args = _arguments(argv)
    if args.list:
        for property_set in PROPERTY_SETS:
            print(f"{property_set.name:15} {property_set.mode:5} {property_set.depth:<3} "
                  f"{property_set.summary}")
        return 0
    try:
        chosen = [by_name(name) for name in args.only] if args.only else list(PROPERTY_SETS)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 2
    try:
        toolchain = find_toolchain(args.solver)
    except ToolMissing as error:
        print(error, file=sys.stderr)
        return 2
    print(f"formal: {len(chosen)} property set(s) with {toolchain.describe()}, "
          f"work folder {args.out}", flush=True)
    started = time.monotonic()
    checks = []
    for property_set in chosen:
        checks += run_property_set(property_set, toolchain, args.out,
                                   mutations=not args.no_mutations,
                                   progress=lambda line: print(line, flush=True))
    seconds = round(time.monotonic() - started, 1)
    print()
    print(_table(checks))
    failed = [check for check in checks if not check.ok]
    print(f"\n{len(checks) - len(failed)} of {len(checks)} checks as wanted in {seconds} s"
          + (f"; not as wanted: {', '.join(f'{c.property_set} {c.check}' for c in failed)}"
             if failed else ""))
    args.out.mkdir(parents=True, exist_ok=True)
    report = {"solver": toolchain.solver, "seconds": seconds,
              "checks": [check.as_dict() for check in checks]}
    (args.out / "formal.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"report: {args.out / 'formal.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
