"""Host memory, as the testbenches see it: the RTL host memory of the test tops, and a
Python one for cocotbext-axi's AXI4 slave.

:class:`RtlHostMemory` is a side's host memory in the two-adapter tops
(:mod:`hdl.testbench.host_memory`): the adapter's DMA master reaches it inside the
simulator, with no Python at all per beat; the host CPU (the driver and the OS model)
reads and writes its lines directly, taking no simulated time; the testbench sets its
SLVERR hole and random pauses and reads its counters.

:class:`HostRam` is host memory in Python, served on a raw AXI4 port of a design by
cocotbext-axi's AXI4 slave (:func:`reference_memory`, through the model's public
``target`` interface). The DMA mover's own tests run on it, and
``tb_host_memory.py`` holds the RTL memory to it transaction for transaction.
"""

from __future__ import annotations

import logging

from cocotb.handle import Immediate
from cocotb.triggers import ValueChange
from cocotb.utils import get_sim_time
from cocotbext.axi import AxiBus, AxiSlave

from cocotb_tests.axil_binding import pause_at_random
from cocotb_tests.clocks import strobe
from cocotb_tests.layout_values import pack, unpack
from hdl.testbench.host_memory import (HOST_MEMORY_BYTES, LINE_BYTES, HostMemoryControl,
                                       HostMemoryStatus)

__all__ = ["SLVERR_HOLE", "RtlHostMemory", "HostRam", "reference_memory",
           "set_reference_stall"]

#: Host addresses answered with SLVERR (reads and writes), for error tests.
SLVERR_HOLE = (0x0010_0000, 0x0010_1000)


def _check_range(address: int, length: int, size: int) -> None:
    if address < 0 or length < 0 or address + length > size:
        raise ValueError(f"host memory has {size:#x} bytes: no {length} bytes at "
                         f"{address:#x}")


class RtlHostMemory:
    """A side's host memory in a test top (``<side>__memory*`` ports, storage
    ``lines_<side>``).

    Parameters
    ----------
    dut :
    side : str
        ``"a"`` or ``"b"`` (the adapter pair), or ``""`` for a top with one memory.
    stall : float
        Probability per clock and channel that the memory pauses (0: never).
    seed : int
        For the pause pattern.
    hole : (int, int) or None
        ``[low, high)`` answers SLVERR (bus-word aligned).
    """

    size = HOST_MEMORY_BYTES

    def __init__(self, dut, side: str, stall: float = 0.0, seed: int = 0,
                 hole: tuple[int, int] | None = SLVERR_HOLE, clock=None):
        prefix = f"{side}__" if side else ""
        self.dut = dut
        self.clock = dut.clk if clock is None else clock   # the memory's clock
        self.lines = getattr(dut, f"lines_{side}" if side else "lines").storage.lines
        self._control_port = getattr(dut, f"{prefix}memory")
        self._reseed_port = getattr(dut, f"{prefix}memory_reseed")
        self._status_port = getattr(dut, f"{prefix}memory_status")
        self._settings = {name: 0 for name, _ in HostMemoryControl}
        self._reseed_port.value = 0
        self.set_error_hole(*(hole or (0, 0)))
        self.set_stall(stall, seed)

    # ---- the CPU's view ----

    def read(self, address: int, length: int) -> bytes:
        """The CPU reads (the error regions are for the bus only)."""
        _check_range(address, length, self.size)
        first, end = address // LINE_BYTES, -(-(address + length) // LINE_BYTES)
        data = b"".join(int(self.lines[line].value).to_bytes(LINE_BYTES, "little")
                        for line in range(first, end))
        start = address - first * LINE_BYTES
        return data[start:start + length]

    def write(self, address: int, data: bytes) -> None:
        """The CPU writes, at once (a read right after sees it)."""
        _check_range(address, len(data), self.size)
        if get_sim_time() == 0:
            raise RuntimeError("host memory is cleared at time 0: write it once the "
                               "simulation runs (after the first clock or reset)")
        offset = 0
        while offset < len(data):
            line, start = divmod(address + offset, LINE_BYTES)
            count = min(LINE_BYTES - start, len(data) - offset)
            if count == LINE_BYTES:
                value = data[offset:offset + count]
            else:
                old = bytearray(int(self.lines[line].value).to_bytes(LINE_BYTES, "little"))
                old[start:start + count] = data[offset:offset + count]
                value = bytes(old)
            self.lines[line].value = Immediate(int.from_bytes(value, "little"))
            offset += count

    # ---- settings and counters ----

    def _update(self, **settings) -> None:
        self._settings.update(settings)
        self._control_port.value = pack(HostMemoryControl, **self._settings)

    def set_error_hole(self, low: int, high: int) -> None:
        """Addresses ``[low, high)`` answer SLVERR from the next clock on (``low == high``:
        none; the memory registers its settings)."""
        self._update(slverr_low=low, slverr_high=high)

    def set_stall(self, stall: float, seed: int | None = None) -> None:
        """Pause with probability ``stall`` per clock and channel from the next clock on
        (0: never); ``seed`` takes effect at :meth:`reseed`."""
        if not 0 <= stall < 1:
            raise ValueError(f"stall is a probability in [0, 1), not {stall!r}")
        self._update(pause_threshold=round(stall * 2**16),
                     **({} if seed is None else {"seed": seed & 0xFFFFFFFF}))

    def watch(self, low: int, high: int) -> None:
        """Count the write bursts that write into ``[low, high)`` from the next clock on."""
        self._update(watch_low=low, watch_high=high)

    @property
    def counters_changed(self) -> ValueChange:
        """A trigger: a counter of :meth:`counters` moved (a watched write, say)."""
        return ValueChange(self._status_port)

    async def reseed(self) -> None:
        """Load the seed into the pause generators (after reset, which undoes it)."""
        await strobe(self._reseed_port, self.clock)

    def counters(self) -> dict:
        """``protocol_errors`` (must stay 0) and ``watched_writes``."""
        return unpack(HostMemoryStatus, int(self._status_port.value))


class HostRam:
    """Host memory in Python, with its error regions.

    Parameters
    ----------
    size : int
        Bytes; accesses past them answer DECERR (:meth:`response`).
    slverr : (int, int) or None
        ``[low, high)`` addresses that answer SLVERR.
    """

    def __init__(self, size: int = HOST_MEMORY_BYTES,
                 slverr: tuple[int, int] | None = SLVERR_HOLE):
        self.size = size
        self.slverr = slverr
        self.data = bytearray(size)

    def response(self, address: int, length: int) -> str:
        """What a bus would answer to ``length`` bytes from ``address``."""
        if address < 0 or address + length > self.size:
            return "DECERR"
        if self.slverr and address < self.slverr[1] and address + length > self.slverr[0]:
            return "SLVERR"
        return "OKAY"

    def read(self, address: int, length: int) -> bytes:
        _check_range(address, length, self.size)
        return bytes(self.data[address:address + length])

    def write(self, address: int, data: bytes) -> None:
        _check_range(address, len(data), self.size)
        self.data[address:address + len(data)] = data


class _ErrorRaisingTarget:
    """:class:`HostRam` as cocotbext-axi's slave ``target``: its model answers SLVERR
    when an access raises."""

    def __init__(self, ram: HostRam):
        self.ram = ram

    async def read(self, address: int, length: int) -> bytes:
        if self.ram.response(address, length) != "OKAY":
            raise ValueError(f"read from an error region at {address:#x}")
        return self.ram.read(address, length)

    async def write(self, address: int, data: bytes) -> None:
        if self.ram.response(address, len(data)) != "OKAY":
            raise ValueError(f"write into an error region at {address:#x}")
        self.ram.write(address, data)


def reference_memory(dut, prefix: str, clock, reset, ram: HostRam, stall: float = 0.0,
                     seed: int = 0) -> AxiSlave:
    """cocotbext-axi's AXI4 slave serving ``ram`` on ``<prefix>__*``, pausing with
    probability ``stall`` per clock and channel. Every error region answers SLVERR (the
    model has no DECERR)."""
    slave = AxiSlave(AxiBus.from_prefix(dut, prefix, bus_separator="__"), clock, reset,
                     target=_ErrorRaisingTarget(ram))
    # It logs every burst at INFO.
    for interface in (slave.write_if, slave.read_if):
        interface.log.setLevel(logging.WARNING)
    set_reference_stall(slave, stall, seed)
    return slave


def set_reference_stall(slave: AxiSlave, stall: float, seed: int = 0) -> None:
    """Make a :func:`reference_memory` pause with probability ``stall`` (0: never)."""
    pause_at_random((slave.write_if.aw_channel, slave.write_if.w_channel,
                     slave.write_if.b_channel, slave.read_if.ar_channel,
                     slave.read_if.r_channel), stall, seed)
