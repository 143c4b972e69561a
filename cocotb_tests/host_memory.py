"""Host memory for DMA tests: cocotbext-axi's AxiRam, with stalls and an error region."""

from __future__ import annotations

import logging
import random

from cocotbext.axi import AxiBus, AxiRam

from cocotb_tests.axil_binding import random_pauses

__all__ = ["host_memory", "set_stall", "no_host_memory", "share_memory", "SLVERR_HOLE"]

#: Host addresses answered with SLVERR (reads and writes), for error tests.
SLVERR_HOLE = (0x0010_0000, 0x0010_1000)


def host_memory(dut, prefix: str, size: int = 1 << 21, stall: float = 0.0, seed: int = 0,
                hole: tuple[int, int] | None = SLVERR_HOLE) -> AxiRam:
    """An AxiRam on the DUT's AXI4 master ``<prefix>__*``.

    ``stall``: probability per clock and channel that the memory pauses (not ready on
    AW/W/AR, no response on B/R). Accesses touching ``hole`` fail with SLVERR.
    """
    bus = AxiBus.from_prefix(dut, prefix, bus_separator="__")
    ram = AxiRam(bus, dut.clk, dut.rst, size=size)
    logging.getLogger(f"cocotb.{dut._name}.{prefix}").setLevel(logging.WARNING)
    set_stall(ram, stall, seed)
    if hole:
        low, high = hole
        write, read = ram.write_if._write, ram.read_if._read

        async def write_or_fail(address, data):
            if address < high and address + len(data) > low:
                raise ValueError(f"write into the error region at {address:#x}")
            await write(address, data)

        async def read_or_fail(address, length):
            if address < high and address + length > low:
                raise ValueError(f"read from the error region at {address:#x}")
            return await read(address, length)

        ram.write_if._write, ram.read_if._read = write_or_fail, read_or_fail
    return ram


def set_stall(ram: AxiRam, stall: float, seed: int = 0) -> None:
    """Make ``ram`` pause with probability ``stall`` per clock and channel (0: never)."""
    rng = random.Random(seed)
    for channel in (ram.write_if.aw_channel, ram.write_if.w_channel, ram.write_if.b_channel,
                    ram.read_if.ar_channel, ram.read_if.r_channel):
        if stall:
            channel.set_pause_generator(random_pauses(random.Random(rng.random()), stall))
        else:
            channel.clear_pause_generator()


def no_host_memory(dut, prefix: str) -> None:
    """Tie the AXI4 master ``<prefix>__*`` to a memory that never answers (for tests
    that leave DMA off; an undriven input would be X in Icarus)."""
    for name in ("awready", "wready", "bvalid", "arready", "rvalid"):
        getattr(dut, f"{prefix}__{name}").value = 0


def share_memory(ram: AxiRam, other: AxiRam) -> None:
    """Make ``ram`` answer from ``other``'s bytes: two adapters in one server, whose DMA
    masters reach the same host memory."""
    for holder in (ram, ram.write_if, ram.read_if):
        holder.mem = other.mem
