"""The driver's :class:`driver.bus.RegisterBus`, bound to cocotbext-axi's AXI4-Lite master.

Every channel can be paused at random (the master idles on AW, W and AR and
back-pressures B and R), so every register access exercises the adapter's handshakes.
Accesses are counted, for register-access budgets.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import random

from cocotbext.axi import AxiLiteBus, AxiLiteMaster
from cocotbext.axi.constants import AxiResp

from driver.bus import BusError

__all__ = ["AxiLiteRegisterBus", "CountedBus", "random_pauses", "pause_at_random"]


def random_pauses(rng: random.Random, busy: float):
    """A pause generator for cocotbext-axi: True (pause) with probability ``busy``."""
    while True:
        yield rng.random() < busy


def pause_at_random(channels, busy: float, seed: int) -> None:
    """Give each of cocotbext-axi's ``channels`` its own random pause pattern (pausing
    with probability ``busy`` per clock), or none when ``busy`` is 0. A pause generator
    wakes Python on every clock: tests that measure throughput leave it off."""
    rng = random.Random(seed)
    for channel in channels:
        if busy:
            channel.set_pause_generator(random_pauses(random.Random(rng.random()), busy))
        else:
            channel.clear_pause_generator()


class AxiLiteRegisterBus:
    """A :class:`driver.bus.RegisterBus` on an AXI4-Lite slave port of the DUT.

    Parameters
    ----------
    dut, prefix :
        The port's signals are ``<prefix>__awaddr`` and so on (Amaranth's names).
    clock, reset :
    stall : float
        Probability, per clock and channel, that the master pauses (0: never). The
        pause generators run only while an access is under way: a pause generator wakes
        Python on every clock, and between accesses there is nothing to pause.
    seed : int
        For the pause pattern.
    """

    def __init__(self, dut, prefix: str, clock, reset, stall: float = 0.0, seed: int = 0):
        bus = AxiLiteBus.from_prefix(dut, prefix, bus_separator="__")
        self.master = AxiLiteMaster(bus, clock, reset)
        # cocotbext-axi logs every access (and each channel's reset) at INFO.
        logging.getLogger(f"cocotb.{dut._name}.{prefix}").setLevel(logging.WARNING)
        for interface in (self.master.write_if, self.master.read_if):
            interface.log.setLevel(logging.WARNING)
        self._channels = (self.master.write_if.aw_channel, self.master.write_if.w_channel,
                          self.master.write_if.b_channel, self.master.read_if.ar_channel,
                          self.master.read_if.r_channel)
        self._stall, self._rng, self._under_way = stall, random.Random(seed), 0
        self.reads = 0
        self.writes = 0

    @contextlib.asynccontextmanager
    async def _access(self):
        """An access under way (several may be, from different flows): the pauses run."""
        if self._stall and not self._under_way:
            pause_at_random(self._channels, self._stall, self._rng.getrandbits(32))
        self._under_way += 1
        try:
            yield
        finally:
            self._under_way -= 1
            if self._stall and not self._under_way:
                pause_at_random(self._channels, 0, 0)

    async def read_with_response(self, address: int) -> tuple[int, AxiResp]:
        async with self._access():
            result = await self.master.read(address, 4)
        self.reads += 1
        return int.from_bytes(result.data, "little"), AxiResp(result.resp)

    async def read32(self, address: int) -> int:
        value, response = await self.read_with_response(address)
        if response != AxiResp.OKAY:
            raise BusError(f"read at {address:#06x} answered {response.name}")
        return value

    async def write_with_response(self, address: int, value: int,
                                  byte_enable: int = 0xF) -> AxiResp:
        """Write the enabled bytes (one AXI write per run of adjacent enabled lanes)."""
        data = value.to_bytes(4, "little")
        worst = AxiResp.OKAY
        lanes = [lane for lane in range(4) if byte_enable >> lane & 1]
        for _, run in itertools.groupby(enumerate(lanes), lambda item: item[1] - item[0]):
            run = [lane for _, lane in run]
            async with self._access():
                result = await self.master.write(address + run[0], data[run[0]:run[-1] + 1])
            self.writes += 1
            worst = max(worst, AxiResp(result.resp))
        return worst

    async def write32(self, address: int, value: int, byte_enable: int = 0xF) -> None:
        response = await self.write_with_response(address, value, byte_enable)
        if response != AxiResp.OKAY:
            raise BusError(f"write at {address:#06x} answered {response.name}")


class CountedBus:
    """A :class:`driver.bus.RegisterBus` that forwards to another and counts the register
    accesses made through it, so that several users of one adapter (a sender, an
    interrupt handler) each get their own count."""

    def __init__(self, bus):
        self.bus = bus
        self.reads = 0
        self.writes = 0

    async def read32(self, address: int) -> int:
        self.reads += 1
        return await self.bus.read32(address)

    async def write32(self, address: int, value: int, byte_enable: int = 0xF) -> None:
        self.writes += 1
        await self.bus.write32(address, value, byte_enable)
