"""``make bench``: what the link delivers, and how fast the simulators run it.

    python -m msl_apps.bench.link [--sim icarus|verilator] [--lanes 10,1]
                                      [--bytes N] [--clocks N] [--seed N] [--out DIR]

1. Goodput against message size, 16 bytes up to a full slot, one direction and both at
   once, per lane width, through the whole stack (OS, driver, DMA rings, adapters), next
   to the bound 0.8 L / (L + 24) (8b/10b, and each message's 24-byte header).
2. Latency of one 64-byte message on an idle link, DriverSend to the peer's
   ReceiveServerComm, next to the time its frame needs on the line.
3. Register reads and writes per DriverSend, per received packet and per ACK, and per
   packet under load.
4. Simulated clocks per wall-second of the two-adapter system under load (built the
   project's way), on Icarus and on Verilator, each as a fraction of a fixed yardstick
   timed in the same run: a design that is only a clock, built the way cocotb builds by
   default, under cocotb's clock, with Python woken on every edge (``ClockCycles``: the
   rate of cocotb's bare clock). The same design's rate in a ``Timer`` window (no
   Python: the simulator's own rate) is given beside it.

Prints tables and writes ``link.json`` and ``link.png`` into ``--out`` (default
``sim_build/bench``). Numbers are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from msl_apps.bench.cli import common_options, print_header, run, settle_seed
from cocotb_tests.harness import CLOCK_NS, SIMULATORS, CocotbCase, run_case
from msl_apps.mirror.servers import MIRROR_BUILDS, mirror_variant
from msl_tools.tops import variants

MODULE = "msl_apps.bench.link_simulation"
SIZES = (16, 64, 256, 1024, 4096)
CLOCK_MHZ = 1000 // CLOCK_NS


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_options(parser, "link",
                   "simulator of the goodput and latency runs (default verilator)")
    parser.add_argument("--lanes", default="10,1",
                        help=f"lane widths to measure, of {sorted(MIRROR_BUILDS)} "
                             "(default 10,1)")
    parser.add_argument("--bytes", type=int, default=None,
                        help="message data per direction and point (default 256 KiB on a "
                             "10-bit lane, 16 KiB on a 1-bit lane)")
    parser.add_argument("--clocks", type=int, default=None,
                        help="clocks timed for the two adapters' rate (default 100000 on "
                             "Verilator, 20000 on Icarus; ten times as many for the "
                             "yardstick)")
    args = parser.parse_args(argv)
    try:
        args.lanes = [int(v) for v in args.lanes.split(",") if v]
    except ValueError:
        parser.error(f"--lanes takes comma-separated integers, not {args.lanes!r}")
    unknown = [lane for lane in args.lanes if lane not in MIRROR_BUILDS]
    if unknown or not args.lanes:
        parser.error(f"--lanes: no build for lane width {unknown}; there are "
                     f"{sorted(MIRROR_BUILDS)}")
    for name in ("bytes", "clocks"):
        value = getattr(args, name)
        if value is not None and value < 1000:
            parser.error(f"--{name} must be at least 1000")
    settle_seed(args)
    return args


def _run(args, sim, variant, test, env=None, cocotb_defaults=False) -> dict:
    built = ", cocotb's default build" if cocotb_defaults else ""
    print(f"  {test} on {variant.name} ({sim}{built}) ...", flush=True)
    folder = run_case(CocotbCase(sim, variant, MODULE, test), extra_env=env, waves=False,
                      seed=args.seed, cocotb_defaults=cocotb_defaults)
    return json.loads((folder / f"{test}.json").read_text())


def measure(args) -> dict:
    """Run the measurement tests; return everything they wrote."""
    results = {"sim": args.sim, "seed": args.seed, "clock_mhz": CLOCK_MHZ, "goodput": [],
               "latency": [], "rates": [], "params": {}}
    for lane in args.lanes:
        variant = mirror_variant(lane)
        slot = variant.all_params()["slot_size"]
        # Enough that the start of a point -- the first packets go out with one message
        # each while transmit slots are free -- is not a measurable share of it (at
        # 64 KiB it cost 256-byte messages 1.5 % of the line).
        data = args.bytes or (262144 if lane >= 10 else 16384)
        sizes = ",".join(str(s) for s in SIZES if s < slot) + f",{slot}"
        results["params"][variant.name] = variant.all_params()
        print(f"lane width {lane}: goodput ({data} bytes a point), latency", flush=True)
        results["goodput"] += _run(args, args.sim, variant, "link_goodput",
                                   {"MSL_BENCH_SIZES": sizes, "MSL_BENCH_BYTES": str(data)})
        results["latency"].append(_run(args, args.sim, variant, "idle_latency"))
    loaded, bare = mirror_variant(10), variants("clock_only")[0]
    print("simulator rates", flush=True)
    for sim in SIMULATORS:
        if sim == "icarus" and not shutil.which("iverilog"):
            print("  icarus: iverilog not found, skipped", flush=True)
            continue
        clocks = args.clocks or (100000 if sim == "verilator" else 20000)
        pair = _run(args, sim, loaded, "load_rate", {"MSL_BENCH_CLOCKS": str(clocks)})
        yardstick = _run(args, sim, bare, "clock_rate",
                         {"MSL_BENCH_CLOCKS": str(clocks * 10)}, cocotb_defaults=True)
        results["rates"].append({
            "sim": sim, "design": loaded.name, "clocks": pair["clocks"],
            "clocks_per_second": pair["clocks_per_second"],
            "yardstick_clocks_per_second": yardstick["clock_cycles_clocks_per_second"],
            "simulator_clocks_per_second": yardstick["timer_clocks_per_second"],
            "fraction_of_yardstick": pair["clocks_per_second"]
            / yardstick["clock_cycles_clocks_per_second"]})
    return results


def report(results: dict) -> None:
    mhz = results["clock_mhz"]
    print()
    print(f"Goodput ({results['sim']}, seed {results['seed']}): fraction of the line's bit "
          f"rate. steady: first to last ACK (both directions at once: the first ACK may wait "
          f"behind a DATA frame of the peer's, the last does not, which flatters it by up to "
          f"a frame in ~47); total: first DriverSend to last ACK. MB/s (steady) at {mhz} MHz")
    header = (f"{'lane':>4} {'mode':8} {'dir':5} {'size':>5} {'msg/pkt':>8} {'steady':>7} "
              f"{'total':>6} {'bound':>6} {'of bound':>8} {'MB/s':>7} {'replays':>7}")
    print_header(header)
    for r in results["goodput"]:
        mbs = r["goodput_steady"] * r["lane_width"] * mhz / 8
        print(f"{r['lane_width']:>4} {r['mode']:8} {r['direction']:5} {r['size']:>5} "
              f"{r['messages_per_packet']:>8.1f} {r['goodput_steady']:>7.3f} "
              f"{r['goodput_total']:>6.3f} {r['bound']:>6.3f} "
              f"{r['goodput_steady'] / r['bound']:>8.2f} {mbs:>7.1f} {r['replays']:>7}")
    print()
    print("Latency of a 64-byte message on an idle link, DriverSend to the peer's "
          "ReceiveServerComm (clocks)")
    header = f"{'lane':>4} {'min':>7} {'median':>7} {'max':>7} {'line bound':>10} {'ratio':>6}"
    print_header(header)
    for r in results["latency"]:
        print(f"{r['lane_width']:>4} {r['min_clocks']:>7} {r['median_clocks']:>7.0f} "
              f"{r['max_clocks']:>7} {r['serialization_bound_clocks']:>10.0f} "
              f"{r['median_clocks'] / r['serialization_bound_clocks']:>6.2f}")
    print()
    print("Register accesses (reads/writes): idle link, one 64-byte message at a time")
    header = f"{'lane':>4} {'DriverSend':>11} {'received packet':>16} {'ACK at sender':>14}"
    print_header(header)
    for r in results["latency"]:
        s = r["samples"][-1]
        print(f"{r['lane_width']:>4} {s['send_reads']:>5}/{s['send_writes']:<5} "
              f"{s['receive_reads']:>10}/{s['receive_writes']:<5} "
              f"{s['ack_reads']:>8}/{s['ack_writes']:<5}")
    print("Under load, one way (all accesses per packet, multi-message packets):")
    for r in results["goodput"]:
        if r["mode"] == "one-way":
            print(f"  lane {r['lane_width']:>2}, {r['size']:>4} B: sender "
                  f"{r['sender_accesses_per_packet']:.2f}, receiver "
                  f"{r['receiver_accesses_per_packet']:.2f} "
                  f"({r['messages_per_packet']:.1f} messages a packet)")
    print()
    print("Simulator speed: simulated clocks per wall-second. pair: the two adapters under "
          "full-duplex load (the project's build); yardstick: the clock-only design, "
          "cocotb's default build and clock, Python woken every clock; simulator: the "
          "same in a Timer window (no Python)")
    header = (f"{'simulator':10} {'design':28} {'clocks':>8} {'pair/s':>9} "
              f"{'yardstick/s':>12} {'of yardstick':>12} {'simulator/s':>12}")
    print_header(header)
    for r in results["rates"]:
        print(f"{r['sim']:10} {r['design']:28} {r['clocks']:>8} "
              f"{r['clocks_per_second']:>9.0f} {r['yardstick_clocks_per_second']:>12.0f} "
              f"{r['fraction_of_yardstick']:>12.1%} {r['simulator_clocks_per_second']:>12.0f}")


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot

    lanes = sorted({r["lane_width"] for r in results["goodput"]}, reverse=True)
    figure, axes = pyplot.subplots(1, len(lanes) + 1, figsize=(5 * (len(lanes) + 1), 4.2))
    for axis, lane in zip(axes, lanes):
        rows = [r for r in results["goodput"] if r["lane_width"] == lane]
        sizes = sorted({r["size"] for r in rows})
        fine = [sizes[0] * (sizes[-1] / sizes[0]) ** (i / 100) for i in range(101)]
        axis.plot(fine, [0.8 * L / (L + 24) for L in fine], "k--", label="bound 0.8 L/(L+24)")
        for mode, direction, style in (("one-way", "a->b", "o-"), ("duplex", "a->b", "s-"),
                                       ("duplex", "b->a", "^:")):
            points = sorted((r["size"], r["goodput_steady"]) for r in rows
                            if r["mode"] == mode and r["direction"] == direction)
            axis.plot([p[0] for p in points], [p[1] for p in points], style,
                      label=f"{mode} {direction}")
        axis.set_xscale("log", base=2)
        axis.set_xlabel("message size (bytes)")
        axis.set_ylabel("goodput (fraction of the line)")
        axis.set_ylim(0, 0.85)
        axis.set_title(f"lane width {lane}")
        axis.legend(fontsize=8, loc="lower right")
    axis = axes[-1]
    bars = [(f"{r['sim']}\n{label}", r[key], color) for r in results["rates"]
            for label, key, color in (("2 adapters", "clocks_per_second", "tab:blue"),
                                      ("yardstick", "yardstick_clocks_per_second", "tab:gray"),
                                      ("simulator", "simulator_clocks_per_second",
                                       "lightgray"))]
    axis.bar(range(len(bars)), [b[1] for b in bars], color=[b[2] for b in bars])
    axis.set_xticks(range(len(bars)))
    axis.set_xticklabels([b[0] for b in bars], fontsize=7)
    axis.set_yscale("log")
    axis.set_ylabel("simulated clocks per second")
    axis.set_title("simulator speed")
    figure.suptitle(f"MSL link ({results['sim']}, seed {results['seed']})")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    pyplot.close(figure)


def main(argv=None) -> int:
    return run(parse_args(argv), "link", measure, report, plot)


if __name__ == "__main__":
    sys.exit(main())
