"""``make demo``: two link PHYs cross-wired through an erroring channel.

    python -m msl_apps.phy_demo.demo [--sim icarus|verilator] [--lane-width 1|2|5|10]
                                    [--frames N] [--ber RATE] [--seed N] [--no-waves]

Streams the simulation's log (progress and the scoreboard's verdicts), then prints what
was sent, received and flagged each way, the receivers' counters, where the waveform is and
the first frames read back out of it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from cocotb_tests.harness import (SIMULATORS, CocotbCase, environment_seed, run_case,
                                  waves_enabled, waves_path)
from hdl.phy.lane import LANE_WIDTHS
from msl_tools.tops import variants
from msl_tools.waves.vcd_lanes import decode_lane

MODULE = "msl_apps.phy_demo.simulation"
TEST = "phy_link_demo"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sim", choices=SIMULATORS,
                        default=os.environ.get("SIM") or "icarus",
                        help="simulator (default: SIM, else icarus)")
    parser.add_argument("--lane-width", type=int, choices=LANE_WIDTHS, default=10,
                        help="bits per clock on the line (default 10)")
    parser.add_argument("--frames", type=int, default=200,
                        help="frames each way (at least 1; default 200)")
    parser.add_argument("--ber", type=float, default=2e-4,
                        help="bit error rate of the line (0 to <0.01; default 2e-4)")
    parser.add_argument("--seed", type=int,
                        help="random seed (default: COCOTB_RANDOM_SEED, else a new one)")
    parser.add_argument("--no-waves", action="store_true",
                        help="do not write a waveform (also WAVES=0)")
    args = parser.parse_args(argv)
    try:
        if args.seed is None:
            args.seed = environment_seed()
        args.waves = waves_enabled(default=True) and not args.no_waves
    except ValueError as error:
        parser.error(str(error))
    if args.frames < 1:
        parser.error("--frames must be at least 1")
    if not 0 <= args.ber < 0.01:
        parser.error("--ber must be in [0, 0.01): a noisier line never synchronises")
    if args.seed is None:  # a short seed is easier to pass back than cocotb's own
        args.seed = int.from_bytes(os.urandom(4), "little")
    return args


def run(args) -> tuple[dict, str | None]:
    """Run the demo's cocotb test (log streamed); return its summary and waveform path."""
    case = CocotbCase(args.sim, variants("phy_pair", lane_width=args.lane_width)[0],
                      MODULE, TEST)
    waves = args.waves
    try:
        test_dir = run_case(case, extra_env={"DEMO_FRAMES": str(args.frames),
                                             "DEMO_BER": str(args.ber)},
                            waves=waves, seed=args.seed, stream=True)
    except AssertionError as failure:
        raise SystemExit(f"The demo failed: {failure}") from None
    summary = json.loads((test_dir / "demo_summary.json").read_text())
    summary["seed"] = args.seed
    return summary, str(waves_path(case)) if waves else None


def report(summary: dict, vcd: str | None, sim: str) -> None:
    print()
    print(f"PHY link demo: {sim}, lane width {summary['lane_width']} bit(s) per clock, "
          f"{summary['frames_per_direction']} frames each way, bit error rate "
          f"{summary['bit_error_rate']:g}, seed {summary['seed']} "
          f"(repeat with --seed {summary['seed']})")
    print()
    header = (f"{'direction':10} {'sent':>6} {'good':>6} {'flagged':>8} {'missing':>8} "
              f"{'hit':>5} {'flipped':>8}  flagged because")
    print(header)
    print("-" * len(header))
    for d in summary["directions"]:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(d["bad_by_reason"].items())) or "-"
        name = d["name"].replace("_to_", " -> ").upper()
        print(f"{name:10} {d['sent']:>6} {d['good']:>6} {d['bad']:>8} {d['lost']:>8} "
              f"{d['hit']:>5} {d['channel']['bits_flipped']:>8}  {reasons}")
    print()
    print("hit = frames the channel damaged; flipped = line bits it inverted (incl. bursts).")
    for d in summary["directions"]:
        counters = d["receiver"]
        side = d["name"][-1].upper()
        shown = {k: v for k, v in counters.items() if k.startswith("rx_") and v}
        print(f"receiver {side} counters: " + ", ".join(f"{k}={v}" for k, v in shown.items()))
    print()
    print("Verdict: every frame reported good was intact and in order, no damaged frame was "
          "reported good, and every missing frame was reported.")
    if vcd:
        print()
        print(f"Waveform: {vcd}")
        print(f"  view it:   gtkwave {vcd}")
        python = os.path.relpath(sys.executable)
        print(f"  decode it: {python} -m msl_tools.waves.vcd_lanes {vcd}")
        decoded = decode_lane(vcd, "b__lane_rx")
        print("First frames on B's receive lane, read back from the waveform:")
        for frame in decoded.frames[:8]:
            h = frame.header
            what = (f"kind {h['kind']} seq {h['seq']} length {h['length']}" if h
                    else "header incomplete")
            verdict = "good" if frame.good else ", ".join(frame.errors)
            print(f"  t={frame.start:>10.0f} ns  {what:32} {verdict}")


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        summary, vcd = run(args)
        report(summary, vcd, args.sim)
    except KeyboardInterrupt:
        print("\nphy demo: interrupted (the next run starts afresh)", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
