"""msl_tools.clocked_processes: the simulation Verilog's flip-flops merged into one process
per clock and module, with the same behaviour as Amaranth's own output.

The reference is Amaranth's Verilog itself: a design with two clock domains, a memory,
registers reset and enabled and an asynchronous reset, simulated by Icarus from both
texts (as the harness builds them, ``-g2005``), must print the same trace.
"""

import re
import shutil
import subprocess

import pytest
from amaranth import Module, Signal
from amaranth.back import verilog
from amaranth.lib import wiring
from amaranth.lib.cdc import AsyncFFSynchronizer
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from cocotb_tests.harness import build, generated_verilog
from msl_tools.clocked_processes import merge_clocked_processes
from msl_tools.tops import TOPS, generate, icarus_verilog, variants


class _TwoDomains(wiring.Component):
    """A counter and a shift register on ``sync``, a memory written on ``sync`` and read
    on ``other``, an accumulator on ``other``, and a flip-flop pair reset asynchronously
    (Yosys writes those with their reset: they must be left alone)."""

    def __init__(self):
        super().__init__({"i": In(8), "enable": In(1), "o": Out(8), "acc": Out(16),
                          "read": Out(8), "flag": Out(1)})

    def elaborate(self, platform):
        m = Module()
        count, shift = Signal(8, init=3), Signal(24)
        m.submodules.ram = ram = Memory(shape=8, depth=16, init=[])
        write = ram.write_port()
        read = ram.read_port(domain="other")
        with m.If(self.enable):
            m.d.sync += count.eq(count + 1)
        m.d.sync += shift.eq((shift << 8) | self.i)
        m.d.comb += [write.addr.eq(count), write.data.eq(self.i ^ count),
                     write.en.eq(self.enable), read.addr.eq(count - 1),
                     self.o.eq(shift[16:24] ^ count), self.read.eq(read.data)]
        m.d.other += self.acc.eq(self.acc + self.o)
        m.submodules.flag = AsyncFFSynchronizer(self.i[7], self.flag, o_domain="other")
        return m


TESTBENCH = """`timescale 1ns/1ps
module tb;
  reg clk = 0, rst = 1, other_clk = 0, other_rst = 1, enable = 0; reg [7:0] i = 0;
  wire [7:0] o, read; wire [15:0] acc; wire flag;
  always #5 clk = ~clk;
  always #7 other_clk = ~other_clk;
  top dut(.clk(clk), .rst(rst), .other_clk(other_clk), .other_rst(other_rst), .i(i),
          .enable(enable), .o(o), .acc(acc), .read(read), .flag(flag));
  always @(negedge clk) begin i <= i * 5 + 1; enable <= ~enable | i[2]; end
  always @(posedge clk) $display("%0t %h %h %h %b", $time, o, acc, read, flag);
  initial begin #23 rst = 0; #31 other_rst = 0; #3000 $finish; end
endmodule
"""


@pytest.fixture(scope="module")
def amaranth_verilog():
    return verilog.convert(_TwoDomains(), name="top", emit_src=False)


def _clocked(text):
    return len(re.findall(r"always @\(posedge", text))


def test_one_process_per_clock_and_module_besides_the_memory_ports(amaranth_verilog):
    merged = merge_clocked_processes(amaranth_verilog)
    # the RAM's ports are processes of several statements (begin ... end): left alone
    memory_ports = len(re.findall(r"always @\(posedge [^)]+\) begin", amaranth_verilog))
    assert memory_ports == 2
    # the synchronizer's two flip-flops, each with its asynchronous reset: left alone
    asynchronous = len(re.findall(r"always @\(posedge [^)]+, posedge", amaranth_verilog))
    assert asynchronous == 2
    assert _clocked(amaranth_verilog) - memory_ports - asynchronous == 3   # count, shift, acc
    assert _clocked(merged) == memory_ports + asynchronous + 2   # one for sync, one for other
    # each flip-flop keeps its name, as a wire driven by bits of its clock's one register
    assert "  reg [23:0] shift = 24'h000000;" in amaranth_verilog
    assert "  wire [23:0] shift;" in merged and "reg [23:0] shift" not in merged
    assert re.search(r"^  assign shift = \\flip_flops\$clk \[\d+:\d+\];$", merged, re.M)
    assert merge_clocked_processes(merged) == merged


def _simulate(tmp_path, text, tag):
    if shutil.which("iverilog") is None:
        pytest.fail("iverilog is not on PATH")
    source, image = tmp_path / f"{tag}.v", tmp_path / f"{tag}.vvp"
    source.write_text(TESTBENCH + text)
    subprocess.run(["iverilog", "-g2005", "-s", "tb", "-o", str(image), str(source)],
                   check=True, capture_output=True)
    return subprocess.run(["vvp", "-n", str(image)], check=True, capture_output=True,
                          text=True).stdout


def test_the_merged_verilog_simulates_as_amaranths_own(tmp_path, amaranth_verilog):
    want = _simulate(tmp_path, amaranth_verilog, "amaranth")
    got = _simulate(tmp_path, merge_clocked_processes(amaranth_verilog), "merged")
    assert len(want.splitlines()) > 250 and "x" not in want.split("\n", 30)[-1]
    assert got == want


def test_only_icarus_gets_the_merged_copy(tmp_path):
    """Verilator builds Amaranth's own text (the merged one costs it speed); Icarus its
    copy, with the extra Verilog files the top instantiates appended to both."""
    variant = variants("axi_passthrough")[0]
    plain = generate(variant, tmp_path)
    icarus = icarus_verilog(plain)
    plain_text, icarus_text = plain.read_text(), icarus.read_text()
    assert "flip_flops$" not in plain_text and "flip_flops$" in icarus_text
    tail = plain_text[plain_text.index("\n// "):]
    assert TOPS[variant.top].verilog_files and icarus_text.endswith(tail)
    assert merge_clocked_processes(plain_text[:-len(tail)]) + tail == icarus_text


def test_the_harness_builds_icarus_from_the_copy_and_verilator_from_amaranths_text():
    """What each simulator compiled, as its own build records it: the source files
    ``vvp`` names, and Verilator's dependency list."""
    variant = variants("axi_passthrough")[0]
    plain = generated_verilog(variant).resolve()
    icarus_dir, _ = build("icarus", variant)
    image = (icarus_dir / "sim.vvp").read_text()
    assert str(icarus_verilog(plain)) in image and f'"{plain}"' not in image
    verilator_dir, _ = build("verilator", variant)
    sources = (verilator_dir / "Vtop__ver.d").read_text()
    assert str(plain) in sources and str(icarus_verilog(plain)) not in sources
