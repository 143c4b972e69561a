# amaranth: UnusedElaboratable=no
# (the parameter checks build cards and transceivers that are never elaborated)
"""The board layer, fast: the card and the demonstration top elaborate and convert to
Verilog on the transceiver's clocks; the SPI host bridge writes and reads through
AXI4-Lite against a model of its protocol; the block-RAM AXI4 slave serves bursts;
the bitstream tool's LPF and clock checks."""

import random
import re

import pytest
from amaranth.back import verilog
from amaranth.sim import Simulator

from hdl.board import spi_protocol as protocol
from hdl.board.bram_axi4_slave import BlockRamAxi4Slave
from hdl.board.ecp5_5g_evn_top import CLOCKS, PINS, Ecp5EvnTop
from hdl.board.msl_link_card import MslLinkCard
from hdl.board.spi_axil_bridge import SpiAxiLiteBridge
from hdl.transceiver.ecp5_dcu import Ecp5Transceiver, dcu_pll_config
from msl_tools.bitstream import ClockError, check_clocks, clock_nets, frequency_lines


def _ports(text, module):
    header = re.search(rf"^module {module}\((.*?)\);", text, re.M | re.S).group(1)
    return {name.strip() for name in header.split(",")}


# ---- elaboration ----

def test_card_converts_on_the_transceiver_clocks():
    card = MslLinkCard(12e6)
    assert card.adapter.params["transceiver_clocks"]
    text = verilog.convert(card, name="card", emit_src=False)
    ports = _ports(text, "card")
    # the card makes sync, tx and rx itself (their clocks go out): only the sequencer's
    # clock comes in
    assert {"free_clk", "free_rst", "loopback", "tx_p", "rx_p", "refclk_p", "irq",
            "tx_clk", "rx_clk"} <= ports
    assert not ports & {"clk", "rst", "sync_clk", "tx_rst", "rx_rst"}
    assert re.search(r"^\s*output tx_clk;", text, re.M)
    assert text.count("DCUA #(") == 1 and text.count("EXTREFB #(") == 1
    assert '(* LOC = "DCU0" *)' in text and '(* LOC = "EXTREF0" *)' in text


def test_card_refuses_options_it_sets():
    with pytest.raises(ValueError, match="lane_width must be 10"):
        MslLinkCard(12e6, lane_width=1)
    with pytest.raises(ValueError, match="set by the card"):
        MslLinkCard(12e6, transceiver_clocks=True)


def test_board_top_converts_with_one_port_per_pin():
    text = verilog.convert(Ecp5EvnTop(), name="evn_top", emit_src=False)
    ports = _ports(text, "evn_top")
    pins = {name.split("[")[0] for name in PINS}
    assert ports == pins
    # the clock sources the LPF's constraints are found from are the design's
    assert re.search(r"DCUA #\(", text) and ".CH0_FF_TX_PCLK(" in text
    assert {source for source, _ in CLOCKS.values()} == {
        ("port", "clk12"), ("cell", "card.transceiver.dcu", "CH0_FF_TX_PCLK"),
        ("cell", "card.transceiver.dcu", "CH0_FF_RX_PCLK")}
    assert CLOCKS["sync"] == CLOCKS["tx"]


def test_transceiver_pll_arithmetic_and_channel_choice():
    assert (dcu_pll_config(125e6).m, dcu_pll_config(125e6).d) == (20, 2)
    assert (dcu_pll_config(156.25e6).m, dcu_pll_config(156.25e6).d) == (16, 2)
    # the board's 200 MHz oscillator (DCU1) only through x25 at the VCO's top
    assert (dcu_pll_config(200e6).m, dcu_pll_config(200e6).vco_frequency) == (25, 5e9)
    with pytest.raises(ValueError, match="130 MHz reference; reference clocks that can: .*125 MHz"):
        dcu_pll_config(130e6)
    text = verilog.convert(Ecp5Transceiver(dcu=1, channel=1), name="t", emit_src=False)
    assert ".CH1_FF_TX_D_0(" in text and '(* LOC = "DCU1" *)' in text
    assert '.CH1_PROTOCOL("10BSER")' in text and '(* LOC = "EXTREF1" *)' in text
    with pytest.raises(ValueError, match="channel must be 0 or 1"):
        Ecp5Transceiver(channel=2)


def test_transceiver_reverses_words_both_ways():
    """The DCU's bit 0 is first on the line, the PHY's bit 9: tx_data reaches FF_TX_D
    reversed a clock later, FF_RX_D reaches rx_data reversed a clock later."""
    text = verilog.convert(Ecp5Transceiver(), name="t", emit_src=False)
    # Verilog's {a, b} puts a on top: bit 9 of the word the DCU gets is tx_data[0]
    reversed_tx = "{ " + ", ".join(f"tx_data[{n}]" for n in range(10)) + " }"
    assert reversed_tx in text
    assert "assign rx_data = { " + ", ".join(f"rx_word[{n}]" for n in range(10)) + " }" in text


# ---- the SPI host bridge against a model of its protocol ----

class AxiLiteRegisters:
    """The far side of the bridge: AXI4-Lite registers in a dict, answering with a
    random delay (so the bridge sees waits)."""

    def __init__(self, rng):
        self.values, self.rng, self.log = {}, rng, []
        self.read_delay = 0    # further clocks before a read's answer

    async def serve(self, ctx, axil):
        ctx.set(axil.awready, 0)
        ctx.set(axil.wready, 0)
        ctx.set(axil.arready, 0)
        while True:
            await ctx.tick()
            if ctx.get(axil.awvalid) and ctx.get(axil.wvalid):
                for _ in range(self.rng.randrange(3)):
                    await ctx.tick()
                address, data = ctx.get(axil.awaddr), ctx.get(axil.wdata)
                assert ctx.get(axil.wstrb) == 0xF
                ctx.set(axil.awready, 1)
                ctx.set(axil.wready, 1)
                await ctx.tick()
                ctx.set(axil.awready, 0)
                ctx.set(axil.wready, 0)
                self.values[address] = data
                self.log.append(("write", address, data))
                ctx.set(axil.bresp, 0)
                ctx.set(axil.bvalid, 1)
                await ctx.tick().until(axil.bready)
                ctx.set(axil.bvalid, 0)
            elif ctx.get(axil.arvalid):
                address = ctx.get(axil.araddr)
                ctx.set(axil.arready, 1)
                await ctx.tick()
                ctx.set(axil.arready, 0)
                for _ in range(self.rng.randrange(4) + self.read_delay):
                    await ctx.tick()
                known = address in self.values
                ctx.set(axil.rdata, self.values.get(address, 0))
                ctx.set(axil.rresp, 0 if known else 3)
                ctx.set(axil.rvalid, 1)
                self.log.append(("read", address))
                await ctx.tick().until(axil.rready)
                ctx.set(axil.rvalid, 0)


async def spi_transfer(ctx, bridge, sent: bytes, half_period: int) -> bytes:
    """A mode-0 SPI master: one frame, ``half_period`` bridge clocks per SPI half clock;
    returns the bytes read on MISO."""
    received = []
    ctx.set(bridge.cs_n, 0)
    await ctx.tick().repeat(half_period)
    for value in sent:
        byte = 0
        for bit in range(7, -1, -1):
            ctx.set(bridge.mosi, (value >> bit) & 1)
            await ctx.tick().repeat(half_period)
            ctx.set(bridge.sck, 1)             # both sides sample on the rising edge
            byte = (byte << 1) | ctx.get(bridge.miso)
            await ctx.tick().repeat(half_period)
            ctx.set(bridge.sck, 0)
        received.append(byte)
    await ctx.tick().repeat(half_period)
    ctx.set(bridge.cs_n, 1)
    await ctx.tick().repeat(2 * half_period)
    return bytes(received)


def test_spi_bridge_writes_and_reads_registers():
    bridge = SpiAxiLiteBridge()
    registers = AxiLiteRegisters(random.Random(5))
    results = {}

    async def host(ctx):
        ctx.set(bridge.cs_n, 1)
        await ctx.tick().repeat(4)
        status = await spi_transfer(ctx, bridge, protocol.write_frame(0x1234, 0xDEADBEEF), 8)
        results["write_status"] = protocol.parse_status(status[-1])
        await spi_transfer(ctx, bridge, protocol.write_frame(0x0040, 0x00C0FFEE), 8)
        received = await spi_transfer(ctx, bridge, protocol.read_frame(0x1234), 8)
        results["read"] = protocol.parse_read(received)
        received = await spi_transfer(ctx, bridge, protocol.read_frame(0x0040), 8)
        results["read2"] = protocol.parse_read(received)
        received = await spi_transfer(ctx, bridge, protocol.read_frame(0x0100), 8)
        results["unmapped"] = protocol.parse_read(received)
        # a bus slower than the turnaround byte (8 SPI clocks, 128 bridge clocks here):
        # the status says the data came too late
        registers.read_delay = 300
        received = await spi_transfer(ctx, bridge, protocol.read_frame(0x1234), 8)
        results["too_slow"] = received

    sim = Simulator(bridge)
    sim.add_clock(8e-9)
    sim.add_testbench(host)
    async def far_side(ctx):
        await registers.serve(ctx, bridge.axil)

    sim.add_testbench(far_side, background=True)
    sim.run()
    assert results["write_status"] == 0
    assert registers.values == {0x1234: 0xDEADBEEF, 0x0040: 0x00C0FFEE}
    assert results["read"] == (0xDEADBEEF, 0)
    assert results["read2"] == (0x00C0FFEE, 0)
    assert results["unmapped"] == (0, 3)                     # DECERR passed on
    assert registers.log[:2] == [("write", 0x1234, 0xDEADBEEF), ("write", 0x0040, 0x00C0FFEE)]
    assert not results["too_slow"][-1] & protocol.DONE
    with pytest.raises(ValueError, match="not finished"):
        protocol.parse_read(results["too_slow"])


def test_spi_protocol_model_refuses_bad_frames():
    with pytest.raises(ValueError, match="aligned"):
        protocol.write_frame(0x1233, 0)
    with pytest.raises(ValueError, match="fit 32 bits"):
        protocol.write_frame(0x10, 1 << 32)
    with pytest.raises(ValueError, match="9 bytes"):
        protocol.parse_read(b"\0" * 8)
    assert protocol.write_frame(0x0104, 0x01020304) == bytes(
        [protocol.WRITE, 0x01, 0x04, 1, 2, 3, 4, 0])


# ---- the block-RAM AXI4 slave ----

def test_block_ram_serves_write_and_read_bursts_with_stalls():
    ram = BlockRamAxi4Slave(data_width=32, depth=256)
    axi = ram.axi
    rng = random.Random(7)
    burst = [rng.getrandbits(32) for _ in range(16)]
    got = {}

    async def master(ctx):
        # a 16-beat INCR write at byte 0x40, with gaps in wvalid
        ctx.set(axi.awaddr, 0x40)
        ctx.set(axi.awlen, 15)
        ctx.set(axi.awsize, 2)
        ctx.set(axi.awburst, 1)
        ctx.set(axi.awvalid, 1)
        await ctx.tick().until(axi.awready)
        ctx.set(axi.awvalid, 0)
        for n, word in enumerate(burst):
            while rng.random() < 0.3:
                ctx.set(axi.wvalid, 0)
                await ctx.tick()
            ctx.set(axi.wdata, word)
            ctx.set(axi.wstrb, 0xF if n != 3 else 0b0101)    # a partial word
            ctx.set(axi.wlast, n == 15)
            ctx.set(axi.wvalid, 1)
            await ctx.tick().until(axi.wready)
        ctx.set(axi.wvalid, 0)
        ctx.set(axi.bready, 1)
        await ctx.tick().until(axi.bvalid)
        got["bresp"] = ctx.get(axi.bresp)
        ctx.set(axi.bready, 0)
        # two read bursts back to back (as the DMA issues them), with rready stalls
        beats = []
        for address, length in ((0x40, 10), (0x68, 6)):
            ctx.set(axi.araddr, address)
            ctx.set(axi.arlen, length - 1)
            ctx.set(axi.arvalid, 1)
            await ctx.tick().until(axi.arready)
            ctx.set(axi.arvalid, 0)
            while True:
                ready = rng.random() < 0.6
                ctx.set(axi.rready, ready)
                await ctx.tick()
                if ready and ctx.get(axi.rvalid):
                    beats.append((ctx.get(axi.rdata), ctx.get(axi.rlast), ctx.get(axi.rresp)))
                    if ctx.get(axi.rlast):
                        break
        ctx.set(axi.rready, 0)
        got["beats"] = beats

    sim = Simulator(ram)
    sim.add_clock(8e-9)
    sim.add_testbench(master)
    sim.run()
    assert got["bresp"] == 0
    expected = list(burst)
    expected[3] = (burst[3] & 0x00FF00FF)   # untouched bytes of a new RAM read as 0
    data = [beat[0] for beat in got["beats"]]
    assert data == expected
    assert [beat[1] for beat in got["beats"]] == [0] * 9 + [1] + [0] * 5 + [1]
    assert all(beat[2] == 0 for beat in got["beats"])


# ---- the bitstream tool's checks ----

def _report(**clocks):
    return {"fmax": {f"$glbnet${net}": {"achieved": achieved, "constraint": constraint}
                     for net, (achieved, constraint) in clocks.items()}}


BITS = {"clk12": (1,), "card.adapter.clk": (2,), "rx_clk_alias": (3,), "other": (4,)}
NETS = {"free": ("clk12", 12.0), "sync": ("card.adapter.clk", 125.0),
        "tx": ("card.adapter.clk", 125.0), "rx": ("rx_clk_alias", 125.0)}
LOG = "\n".join(f"Info: constraining clock net '{net}' to {mhz:.2f} MHz"
                for net, mhz in dict(NETS.values()).items())


def test_clock_nets_come_from_the_sources_in_the_synthesized_netlist():
    netlist = {"modules": {"top": {
        "ports": {"clk12": {"bits": [1]}},
        "cells": {"card.transceiver.dcu": {"connections": {
            "CH0_FF_TX_PCLK": [2], "CH0_FF_RX_PCLK": [3]}}},
        "netnames": {"clk12": {"bits": [1]}, "card.adapter.clk": {"bits": [2]},
                     "card.adapter.phy.clk": {"bits": [2]},
                     "$auto$x": {"bits": [3], "hide_name": 1},
                     "rx_clk_alias": {"bits": [3]}}}}}
    assert clock_nets(CLOCKS, netlist, "top") == NETS
    assert frequency_lines(NETS) == ['FREQUENCY NET "card.adapter.clk" 125 MHz;',
                                     'FREQUENCY NET "clk12" 12 MHz;',
                                     'FREQUENCY NET "rx_clk_alias" 125 MHz;']
    del netlist["modules"]["top"]["cells"]["card.transceiver.dcu"]
    with pytest.raises(ClockError, match="domain 'sync'.*not in the synthesized netlist"):
        clock_nets(CLOCKS, netlist, "top")


def test_clock_check_maps_every_domain_and_names_a_bad_clock():
    # (nextpnr names the oscillator's net after its input buffer)
    good = _report(**{"clk12$TRELLIS_IO_IN": (200.0, 12.00004),
                      "card.adapter.clk": (80.0, 125)}, rx_clk_alias=(150.0, 125))
    timing = check_clocks(NETS, LOG, good, BITS)
    assert timing["sync"]["clock"] == timing["tx"]["clock"] == "$glbnet$card.adapter.clk"
    assert timing["rx"]["achieved"] == 150.0 and timing["free"]["achieved"] == 200.0
    unconstrained = {"fmax": {**good["fmax"],
                              "$glbnet$other": {"achieved": 300.0, "constraint": 1}}}
    with pytest.raises(ClockError, match="'\\$glbnet\\$other', which is no domain's"):
        check_clocks(NETS, LOG, unconstrained, BITS)
    defaulted = {"fmax": {**good["fmax"],
                          "$glbnet$rx_clk_alias": {"achieved": 150.0, "constraint": 1}}}
    with pytest.raises(ClockError, match="domain 'rx'.*timed at 1 MHz, not its 125 MHz"):
        check_clocks(NETS, LOG, defaulted, BITS)
    dropped = LOG.replace("Info: constraining clock net 'rx_clk_alias' to 125.00 MHz",
                          "Warning: net 'rx_clk_alias' does not exist in design, ignoring "
                          "clock constraint")
    with pytest.raises(ClockError, match="domain 'rx'"):
        check_clocks(NETS, dropped, good, BITS)
    with pytest.raises(ClockError, match="not in the synthesized netlist"):
        check_clocks(NETS, LOG, good, {"clk12": (1,), "rx_clk_alias": (3,)})
