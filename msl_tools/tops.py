"""Every top the project generates Verilog for, and the generator itself.

Run ``python -m msl_tools.tops [--out DIR] [NAME ...]`` (``make rtl``) to write each variant's
Verilog and a JSON of the parameters it was built with. Testbenches read that JSON;
Amaranth's Verilog carries no parameters of its own.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from amaranth.back import verilog

from hdl.phy.lane import LANE_WIDTHS
from hdl.phy.link_phy import LinkPhy
from hdl.msl_adapter import MslAdapter
from hdl.testbench.adapter_pair_top import AdapterPairTop
from hdl.testbench.axi_passthrough_top import AxiPassthroughTop
from hdl.testbench.clock_only_top import ClockOnlyTop
from hdl.testbench.codec_top import CodecTop
from hdl.testbench.dma_top import DmaTop
from hdl.testbench.dual_link_top import DualLinkTop
from hdl.testbench.host_memory import HOST_MEMORY_VERILOG
from hdl.testbench.phy_pair_top import PhyPairTop
from msl_tools.clocked_processes import merge_clocked_processes

__all__ = ["Top", "TOPS", "Variant", "variants", "generate", "icarus_verilog"]

DEFAULT_RTL_DIR = Path("sim_build") / "rtl"


@dataclass(frozen=True)
class Top:
    """A design that is generated as Verilog, in one or more parameter variants."""

    factory: Callable
    description: str
    variants: tuple = ({},)
    #: Constructor arguments every variant gets (unless a variant overrides them).
    fixed: dict = field(default_factory=dict)
    #: Hand-written Verilog modules the design instantiates, appended to its file.
    verilog_files: tuple = ()


TOPS = {
    "link_phy": Top(
        LinkPhy, "the link PHY: framing, 8b/10b, alignment, serializer",
        variants=tuple({"lane_width": w} for w in LANE_WIDTHS),
        fixed={"max_payload": 4096}),
    "msl_adapter": Top(
        MslAdapter, "the MSL adapter: AXI4-Lite registers, AXI4 DMA, slot buffers, link "
        "layer, PHY",
        variants=(*({"lane_width": w} for w in LANE_WIDTHS), {"lane_width": 10, "dma_width": 64},
                  # on a transceiver's clocks (ports tx_clk/tx_rst, rx_clk/rx_rst)
                  {"lane_width": 10, "transceiver_clocks": True})),
    "codec": Top(CodecTop, "test top: 8b/10b encoder and decoder, CRC-32"),
    "phy_pair": Top(
        PhyPairTop, "test top: two PHYs cross-wired through the channel model",
        variants=tuple({"lane_width": w} for w in LANE_WIDTHS)),
    "dma": Top(DmaTop, "test top: the DMA mover with a local RAM",
               variants=({"data_width": 32}, {"data_width": 64})),
    "adapter_pair": Top(
        AdapterPairTop, "test top: two adapters cross-wired through the channel model, "
        "each with its host memory", verilog_files=(HOST_MEMORY_VERILOG,),
        variants=({"lane_width": 10}, {"lane_width": 1}, {"lane_width": 10, "dma_width": 64},
                  # more transmit slots than the peer has receive slots: flow control
                  {"lane_width": 10, "tx_slots": 4},
                  # 4 KiB slots hold the chapter's 128 messages a packet (the driver tests)
                  {"lane_width": 10, "slot_size": 4096},
                  # the mirrored servers: four packets in flight each way, enough to
                  # cover an ACK's round trip behind a full-slot frame both ways
                  {"lane_width": 10, "slot_size": 4096, "tx_slots": 4, "rx_slots": 4},
                  # the same, each side on its own clocks behind a transceiver model
                  {"lane_width": 10, "slot_size": 4096, "tx_slots": 4, "rx_slots": 4,
                   "transceiver_clocks": True})),
    "dual_link": Top(
        DualLinkTop, "test top: two servers joined by two links (four adapters, each "
        "server's two on its host memory): the driver's fail-over",
        verilog_files=(HOST_MEMORY_VERILOG,),
        # the mirror's build (msl_apps.mirror.servers.MIRROR_BUILDS) on two links
        variants=({"lane_width": 10, "slot_size": 4096, "tx_slots": 4, "rx_slots": 4},)),
    "clock_only": Top(ClockOnlyTop, "test top: a counter on the clock (simulator speed "
                      "yardstick for make bench)"),
    "axi_passthrough": Top(
        AxiPassthroughTop, "test top: the RTL host memory and a bus to a Python slave (the "
        "host memory's differential test)", variants=({"data_width": 32}, {"data_width": 64}),
        verilog_files=(HOST_MEMORY_VERILOG,)),
}


@dataclass(frozen=True)
class Variant:
    """One generated design: a top with concrete parameters."""

    top: str
    params: dict

    @property
    def name(self) -> str:
        """Verilog module and file name, e.g. ``phy_pair_w1``."""
        short = {"lane_width": "w", "data_width": "d", "dma_width": "d", "slot_size": "s",
                 "tx_slots": "t", "rx_slots": "r", "transceiver_clocks": "xcvr"}
        suffix = "".join(f"_{short.get(k, k)}" + ("" if v is True else str(v))
                         for k, v in sorted(self.params.items())
                         if k not in TOPS[self.top].fixed and v is not False)
        return self.top + suffix

    def all_params(self) -> dict:
        """Every constructor parameter, defaults included (what goes into the JSON)."""
        signature = inspect.signature(TOPS[self.top].factory)
        params = {name: p.default for name, p in signature.parameters.items()
                  if p.default is not inspect.Parameter.empty}
        params.update(TOPS[self.top].fixed)
        params.update(self.params)
        return params


def variants(top: str, **match) -> list[Variant]:
    """The variants of ``top`` whose parameters, defaults included, include ``match``.
    A build on transceiver clocks is chosen only when ``match`` asks for it (its tops
    have other clock ports: a test written for one clock does not run on it)."""
    if top not in TOPS:
        raise KeyError(f"no top named {top!r}; there are: {', '.join(TOPS)}")
    if "transceiver_clocks" in inspect.signature(TOPS[top].factory).parameters:
        match = {"transceiver_clocks": False, **match}
    found = [Variant(top, {**TOPS[top].fixed, **params}) for params in TOPS[top].variants]
    found = [v for v in found if all(v.all_params().get(k) == val for k, val in match.items())]
    if not found:
        raise KeyError(f"top {top!r} has no variant with {match}")
    return found


def _write_if_changed(path: Path, text: str) -> None:
    """Write atomically, and not at all when unchanged (keeps simulator builds fresh)."""
    if path.exists() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(handle, "w") as file:
        file.write(text)
    os.chmod(temporary, 0o644)  # mkstemp makes it private; generated files are not
    os.replace(temporary, path)


def icarus_verilog(verilog_path: Path) -> Path:
    """Where :func:`generate` writes Icarus's copy of ``verilog_path``: the same design,
    its flip-flops in one process per clock and module (:mod:`msl_tools.clocked_processes`)."""
    return verilog_path.parent / "icarus" / verilog_path.name


def generate(variant: Variant, out_dir: Path = DEFAULT_RTL_DIR) -> Path:
    """Write ``<name>.v``, its Icarus copy (:func:`icarus_verilog`) and ``<name>.json``
    into ``out_dir``; return the path of ``<name>.v``."""
    params = variant.all_params()
    design = TOPS[variant.top].factory(**params)
    text = verilog.convert(design, name=variant.name, emit_src=False)
    extras = "".join(f"\n// {Path(extra).name}, instantiated above\n" + Path(extra).read_text()
                     for extra in TOPS[variant.top].verilog_files)
    out_dir = Path(out_dir)
    verilog_path = out_dir / f"{variant.name}.v"
    _write_if_changed(verilog_path, text + extras)
    _write_if_changed(icarus_verilog(verilog_path), merge_clocked_processes(text) + extras)
    _write_if_changed(out_dir / f"{variant.name}.json",
                      json.dumps({"top": variant.top, "name": variant.name, **params},
                                 indent=2, sort_keys=True) + "\n")
    return verilog_path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_RTL_DIR,
                        help=f"output folder (default: {DEFAULT_RTL_DIR})")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"tops to generate (default: all of {', '.join(TOPS)})")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in TOPS]
    if unknown:
        parser.error(f"unknown top(s) {', '.join(unknown)}; choose from {', '.join(TOPS)}")
    for top in args.names or TOPS:
        for variant in variants(top):
            path = generate(variant, args.out)
            print(f"{path}  ({TOPS[top].description})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
