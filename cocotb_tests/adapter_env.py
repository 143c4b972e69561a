"""Bus-functional view of the two-adapter test top (:mod:`hdl.testbench.adapter_pair_top`).

Each side is driven the way a driver would drive it: registers through AXI4-Lite (with
random stalls on every channel), packet slots through the buffer windows or its DMA
rings in host memory (the top's RTL host memory on its DMA master), its interrupt line. The helpers
here are a test's "link user" (post a packet, take one, acknowledge), not the MSL
driver, which arrives in step 4.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from cocotb.triggers import RisingEdge, select

from cocotb_tests.axil_binding import AxiLiteRegisterBus
from cocotb_tests.clocks import clock_cycles, start_side_clocks
from cocotb_tests.channel_bfm import ChannelHandle, seed_channels
from cocotb_tests.host_memory import RtlHostMemory
from driver.registers import Registers
from msl_spec import INTERRUPT_CAUSES, REGISTER_MAP, Loopback

__all__ = ["Packet", "AdapterSide", "AdapterPairEnv", "ALL_CAUSES", "cause_bit"]

ALL_CAUSES = (1 << len(INTERRUPT_CAUSES)) - 1


def cause_bit(name: str) -> int:
    """INT_* bit of an interrupt cause (e.g. ``"RX_PACKET"``)."""
    return 1 << REGISTER_MAP["INT_RAW"].field(name.lower()).offset


@dataclass(frozen=True)
class Packet:
    """A packet as it sits in a receive slot."""

    slot: int
    seq: int
    count: int
    payload: bytes


class AdapterSide:
    """One adapter, through its registers, buffer windows, host memory and interrupt line.

    ``stall``: probability per clock and channel that the register bus pauses;
    ``memory_stall``: that the host memory (``memory``) pauses. ``clk``, ``rst``: the
    side's own clock and reset (its ``sync`` domain); in a single-clock top ``dut.clk``.
    ``memory``: the host memory of another side this one's DMA shares (one server with
    two adapters), instead of its own.
    """

    def __init__(self, dut, name: str, params: dict, stall: float = 0.2, seed: int = 0,
                 memory_stall: float = 0.0, memory: RtlHostMemory | None = None):
        self.dut, self.name, self.params = dut, name, params
        self.clk, self.rst = side_clock_and_reset(dut, name, params)
        self.slot_size = params["slot_size"]
        self.bus = AxiLiteRegisterBus(dut, f"{name}__axil", self.clk, self.rst, stall, seed)
        self.regs = Registers(self.bus)
        self.irq = getattr(dut, f"{name}__irq")
        self.memory = memory or RtlHostMemory(dut, name, stall=memory_stall, seed=seed,
                                              clock=self.clk)

    async def start(self, ack_timeout: int = 20000, retry_limit: int = 8,
                    interrupts: int = 0, loopback: Loopback = Loopback.OFF) -> None:
        """Program the timers and interrupt enables, then enable the link layer."""
        await self.regs.write("ACK_TIMEOUT", clocks=ack_timeout)
        await self.regs.write("RETRY_LIMIT", count=retry_limit)
        await self.regs.write("INT_ENABLE", interrupts)
        await self.regs.write("CONTROL", enable=1, loopback=loopback)

    async def wait_until(self, register: str, field: str, value: int, clocks: int) -> bool:
        """Poll a field until it reads ``value``; False after ``clocks`` clocks."""
        for _ in range(max(1, clocks // 50)):
            if await self.regs.field(register, field) == value:
                return True
            await clock_cycles(self.clk, 50)
        return await self.regs.field(register, field) == value

    async def wait_link_up(self, clocks: int = 20000) -> None:
        assert await self.wait_until("LINK_STATUS", "up", 1, clocks), \
            f"side {self.name}: link not up after {clocks} clocks"

    async def free_slot(self, clocks: int = 10**7) -> int:
        """Wait for a free transmit slot; return the lowest."""
        for _ in range(max(1, clocks // 50)):
            free = await self.regs.field("TX_FREE", "mask")
            if free:
                return (free & -free).bit_length() - 1
            await clock_cycles(self.clk, 50)
        raise AssertionError(f"side {self.name}: no transmit slot freed in {clocks} clocks")

    async def fill(self, slot: int, payload: bytes) -> None:
        await self.regs.write_window("TX_BUFFER", slot * self.slot_size, payload)

    async def post(self, payload: bytes, count: int, slot: int | None = None) -> int:
        """Fill a slot (the lowest free one unless given) and post it; return the slot."""
        if slot is None:
            slot = await self.free_slot()
        await self.fill(slot, payload)
        await self.regs.write("TX_POST", slot=slot, length=len(payload), count=count)
        return slot

    async def take(self) -> Packet | None:
        """The oldest received packet, read out of its slot (None if there is none)."""
        head = await self.regs.fields("RX_HEAD")
        if not head["valid"]:
            return None
        info = await self.regs.fields(f"RX_INFO{head['slot']}")
        payload = await self.regs.read_window("RX_BUFFER", head["slot"] * self.slot_size,
                                              info["length"])
        return Packet(head["slot"], info["seq"], info["count"], payload)

    async def acknowledge(self, packet: Packet) -> None:
        await self.regs.write("SEND_ACK", seq=packet.seq, count=packet.count)

    async def release(self, packet: Packet) -> None:
        await self.regs.write("RX_RELEASE", slot=packet.slot)

    async def receive_in_order(self, expected: list, got: list, clocks: int) -> None:
        """Take packets as RX_PACKET interrupts announce them (the interrupt enabled),
        acknowledge and release each, until ``got`` holds as many as ``expected``
        (``(payload, count)`` pairs the peer sent, in order): each must be the next one,
        with the next sequence number. Fail if no interrupt comes for ``clocks``."""
        while len(got) < len(expected):
            assert await self.wait_irq(clocks), \
                f"side {self.name}: stuck after {len(got)} packets"
            await self.regs.write("INT_PENDING", await self.regs.read("INT_PENDING"))
            while (packet := await self.take()) is not None:
                index = len(got)
                assert packet.seq == index % 256, \
                    f"side {self.name}: packet {index} has seq {packet.seq}"
                assert (packet.payload, packet.count) == expected[index], \
                    f"side {self.name}: packet {index} is not what the peer sent"
                got.append(packet)
                await self.acknowledge(packet)
                await self.release(packet)

    async def wait_irq(self, clocks: int) -> bool:
        """Wait for the interrupt line; False after ``clocks`` clocks."""
        if self.irq.value:
            return True
        await select(RisingEdge(self.irq), clock_cycles(self.clk, clocks))
        return bool(self.irq.value)

    async def stats(self) -> dict:
        """Every STAT register, by counter name (``STAT_`` dropped, lower case)."""
        return {r.name[5:].lower(): await self.regs.read(r.name)
                for r in REGISTER_MAP if r.name.startswith("STAT_")}


def side_clock_and_reset(dut, side: str, params: dict):
    """Handles of a side's ``sync`` clock and reset: ``clk``/``rst`` for side A (and
    for both in a single-clock top), ``b_sync_clk``/``b_sync_rst`` for side B on a top
    with ``transceiver_clocks``."""
    if side == "b" and params.get("transceiver_clocks"):
        return dut.b_sync_clk, dut.b_sync_rst
    return dut.clk, dut.rst


class AdapterPairEnv:
    """Clocks, reset, both adapters and both channel directions.

    ``ppm``: on a top with ``transceiver_clocks``, side B's clocks run that many parts
    per million slower than side A's (negative: faster), each clock at a random phase
    (see :func:`cocotb_tests.clocks.start_side_clocks`).
    """

    def __init__(self, dut, params: dict, stall: float = 0.2, seed: int = 0,
                 memory_stall: float = 0.0, ppm: int = 0):
        self.dut, self.params, self.ppm = dut, params, ppm
        if ppm and not params.get("transceiver_clocks"):
            raise ValueError(f"a clock offset ({ppm} ppm) needs a top built with "
                             "transceiver_clocks (one clock drives both sides here)")
        self.side = {name: AdapterSide(dut, name, params, stall, seed + index, memory_stall)
                     for index, name in enumerate("ab")}
        self.a, self.b = self.side["a"], self.side["b"]
        # Each direction on its sender's word clock.
        clocks = ({"a_to_b": dut.a_tx_clk, "b_to_a": dut.b_tx_clk}
                  if params.get("transceiver_clocks") else {})
        self.channel = {d: ChannelHandle(dut, d, params["lane_width"], clocks.get(d, dut.clk))
                        for d in ("a_to_b", "b_to_a")}
        dut.share_host_memory.value = 0
        self._seed = seed

    async def start(self, seed: int | None = None) -> None:
        await start_side_clocks(self.dut, self.params, self.ppm, random.Random(self._seed))
        await seed_channels(self.channel.values(), random.getrandbits(32) if seed is None else seed)
        for side in self.side.values():
            await side.memory.reseed()

    def share_host_memory(self) -> None:
        """Side B's DMA master reaches side A's host memory from now on (one server
        with both adapters)."""
        self.dut.share_host_memory.value = 1
        self.b.memory = self.a.memory

    async def link_up(self, **settings) -> None:
        """Enable both sides (``settings`` as for :meth:`AdapterSide.start`), wait for the link."""
        for side in self.side.values():
            await side.start(**settings)
        for side in self.side.values():
            await side.wait_link_up()
