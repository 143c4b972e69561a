"""``make bench``: DMA throughput and register accesses per packet.

    python -m msl_apps.bench.dma [--sim icarus|verilator] [--packets N] [--seed N]
                                     [--out DIR]

1. Throughput of the DMA mover (the adapter's AXI4 master) for large transfers, read
   and write, aligned and misaligned, 32- and 64-bit bus, with host memory pausing at
   random on every channel with probability 0, 0.25 and 0.5 per clock: as a fraction of
   the bus bound (the fewest beats the bytes need, one per clock).
2. Register accesses per packet sent and per packet received on the cross-wired pair,
   packets both ways through the DMA rings, counted by the register bus binding.

Prints tables and writes ``dma.json`` and ``dma.png`` into ``--out``
(default ``sim_build/bench``). Numbers are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from msl_apps.bench.cli import common_options, print_header, run, settle_seed
from cocotb_tests.harness import CocotbCase, run_case
from msl_tools.tops import variants

MODULE = "msl_apps.bench.dma_simulation"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common_options(parser, "dma", "simulator (default verilator)")
    parser.add_argument("--packets", type=int, default=100,
                        help="packets each way for the register counts (default 100)")
    args = parser.parse_args(argv)
    if args.packets < 1:
        parser.error("--packets must be at least 1")
    settle_seed(args)
    return args


def measure(args) -> dict:
    """Run the measurement tests; return everything they wrote."""
    throughput = []
    for variant in variants("dma"):
        print(f"measuring mover throughput on {variant.name} ({args.sim}) ...", flush=True)
        folder = run_case(CocotbCase(args.sim, variant, MODULE, "mover_throughput"),
                          waves=False, seed=args.seed)
        throughput += json.loads((folder / "mover_throughput.json").read_text())
    variant = variants("adapter_pair", lane_width=10, dma_width=32, slot_size=1024,
                       tx_slots=2)[0]
    print(f"counting register accesses on {variant.name}, {args.packets} packets each way "
          f"({args.sim}) ...", flush=True)
    folder = run_case(CocotbCase(args.sim, variant, MODULE, "register_accesses_per_packet"),
                      extra_env={"MSL_BENCH_PACKETS": str(args.packets)}, waves=False,
                      seed=args.seed)
    registers = json.loads((folder / "register_accesses.json").read_text())
    params = {v.name: v.all_params() for v in [*variants("dma"), variant]}
    return {"sim": args.sim, "seed": args.seed, "params": params,
            "mover_throughput": throughput, "register_accesses": registers}


def report(results: dict) -> None:
    print()
    print(f"DMA mover throughput ({results['sim']}, seed {results['seed']}): fraction of the "
          f"bus bound (bytes / (bytes per beat x clocks))")
    header = f"{'bus':>4} {'direction':9} {'alignment':10} " + " ".join(
        f"{'stall ' + format(s, 'g'):>10}" for s in sorted({r['stall'] for r in
                                                             results['mover_throughput']}))
    print_header(header)
    rows = {}
    for r in results["mover_throughput"]:
        key = (r["data_width"], r["direction"], "aligned" if r["aligned"] else "misaligned")
        rows.setdefault(key, []).append(r["fraction_of_bound"])
    for (width, direction, alignment), fractions in rows.items():
        print(f"{width:>4} {direction:9} {alignment:10} "
              + " ".join(f"{f:>10.3f}" for f in fractions))
    print()
    print("Register accesses per packet (DMA rings; counted by the AXI4-Lite binding)")
    header = (f"{'side':4} {'sent':>5} {'recv':>5} {'send reads':>11} {'send writes':>12} "
              f"{'recv reads':>11} {'recv writes':>12}")
    print_header(header)
    for r in results["register_accesses"]:
        print(f"{r['side']:4} {r['packets_sent']:>5} {r['packets_received']:>5} "
              f"{r['send_reads_per_packet']:>11.2f} {r['send_writes_per_packet']:>12.2f} "
              f"{r['receive_reads_per_packet']:>11.2f} {r['receive_writes_per_packet']:>12.2f}")
    print("Budget: sending, 0 reads and at most 2 writes; receiving, at most 1 read.")


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot

    data = results["mover_throughput"]
    stalls = sorted({r["stall"] for r in data})
    groups = sorted({(r["data_width"], r["direction"], r["aligned"]) for r in data},
                    key=lambda g: (g[0], g[1], not g[2]))
    figure, axes = pyplot.subplots(figsize=(10, 4.5))
    width = 0.8 / len(stalls)
    for index, stall in enumerate(stalls):
        values = [next(r["fraction_of_bound"] for r in data if r["stall"] == stall and
                       (r["data_width"], r["direction"], r["aligned"]) == g) for g in groups]
        axes.bar([i + index * width for i in range(len(groups))], values, width,
                 label=f"memory pauses {stall:g}")
    axes.set_xticks([i + width * (len(stalls) - 1) / 2 for i in range(len(groups))])
    axes.set_xticklabels([f"{w}-bit {d}\n{'aligned' if a else 'misaligned'}"
                          for w, d, a in groups], fontsize=8)
    axes.set_ylabel("fraction of the bus bound")
    axes.set_ylim(0, 1.2)
    axes.set_title(f"DMA mover throughput, large transfers ({results['sim']})")
    axes.legend(loc="upper center", ncol=len(stalls), fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    pyplot.close(figure)


def main(argv=None) -> int:
    return run(parse_args(argv), "dma", measure, report, plot)


if __name__ == "__main__":
    sys.exit(main())
