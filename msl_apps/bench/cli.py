"""What the benchmark scripts (:mod:`msl_apps.bench.link`, :mod:`msl_apps.bench.dma`)
share: their common options, and measure, print, write JSON and plot."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Callable

from cocotb_tests.harness import SIM_BUILD, SIMULATORS

__all__ = ["common_options", "settle_seed", "run", "print_header"]


def common_options(parser: argparse.ArgumentParser, stem: str, sim_help: str) -> None:
    """``--sim``, ``--seed`` and ``--out`` (where ``<stem>.json`` and ``.png`` go)."""
    parser.add_argument("--sim", choices=SIMULATORS,
                        default=os.environ.get("SIM") or "verilator", help=sim_help)
    parser.add_argument("--seed", type=int,
                        default=int(os.environ["COCOTB_RANDOM_SEED"])
                        if os.environ.get("COCOTB_RANDOM_SEED") else None,
                        help="random seed (default: COCOTB_RANDOM_SEED, else a new one)")
    parser.add_argument("--out", type=Path, default=SIM_BUILD / "bench",
                        help=f"folder for {stem}.json and {stem}.png")


def settle_seed(args: argparse.Namespace) -> None:
    """A new seed when none was given (printed with the results, so a run repeats)."""
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "little")


def print_header(header: str) -> None:
    """A table's column titles, underlined."""
    print(header)
    print("-" * len(header))


def run(args: argparse.Namespace, stem: str, measure: Callable, report: Callable,
        plot: Callable) -> int:
    """Measure, print the tables, write ``<stem>.json`` and ``<stem>.png``."""
    try:
        results = measure(args)
    except AssertionError as failure:
        raise SystemExit(f"A measurement run failed: {failure}") from None
    report(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, args.out / f"{stem}.png")
    print()
    print(f"Wrote {args.out / (stem + '.json')} and {args.out / (stem + '.png')} "
          f"(repeat with --seed {args.seed}).")
    return 0
