"""Bringing an adapter up: identify it, quiet it, test it, tune it (DriverInitialize's
hardware steps).

Every failure raises :class:`HardwareFault` with the sentence the console shows; the
caller unwinds. Nothing here touches the OS: the driver passes in what it needs (a
scratch block of host memory, the platform's clock).
"""

from __future__ import annotations

from dataclasses import dataclass

from msl_spec import (ADAPTER_ID, MESSAGE_HEADER_BYTES, REGISTER_MAP, VERSION, Access, Loopback,
    MessageHeader)

from driver.bus import BusError
from driver.dma_rings import DmaLayout, ReceiveRings, TransmitRing, start_dma, stop_dma
from server_os.platform import HostMemory, Platform
from driver.registers import Registers

__all__ = ["HardwareFault", "AdapterInfo", "identify", "quiesce", "self_test",
           "apply_tuning", "TUNING_RECORD_BYTES", "tuning_record"]

#: Custom data is a tuning table of (register address, value) pairs, 32 bits each.
TUNING_RECORD_BYTES = 8
_ALL_CAUSES = (1 << len(REGISTER_MAP["INT_PENDING"].fields)) - 1


class HardwareFault(Exception):
    """The adapter is missing, is not ours, or failed a test (the message says which)."""


@dataclass(frozen=True)
class AdapterInfo:
    """What the ID, version and capability registers say about a build."""

    slot_size: int
    tx_slots: int
    rx_slots: int
    lane_width: int
    max_messages: int
    dma_bytes: int


async def identify(regs: Registers, port: int) -> AdapterInfo:
    """Read ID, VERSION and the capabilities; refuse anything but an MSL adapter of our
    register-map major version."""
    try:
        ident = await regs.read("ID")
    except BusError as error:
        raise HardwareFault(f"no adapter answers at port {port:#x} ({error})") from None
    if ident != ADAPTER_ID:
        raise HardwareFault(f"the card at port {port:#x} is not an MSL adapter "
                            f"(ID {ident:#010x}, expected {ADAPTER_ID:#010x})")
    version = await regs.fields("VERSION")
    if version["major"] != VERSION[0]:
        raise HardwareFault(f"adapter register map {version['major']}.{version['minor']} "
                            f"is not supported (this driver knows {VERSION[0]}.x)")
    caps = await regs.fields("CAPS")
    return AdapterInfo(await regs.read("SLOT_SIZE"), caps["tx_slots"], caps["rx_slots"],
                       caps["lane_width"], caps["max_messages"], caps["dma_bytes"])


async def quiesce(regs: Registers) -> None:
    """Adapter off: no interrupts, link layer and DMA stopped, sequence numbers
    restarted, stale causes cleared. Safe to call on an adapter in any state."""
    await regs.write("INT_ENABLE", 0)
    await regs.write("CONTROL", enable=0, loopback=Loopback.OFF)
    await stop_dma(regs)       # before the OS frees the rings the engine may be writing
    await regs.write("COMMAND", link_reset=1)
    await regs.write("INT_PENDING", _ALL_CAUSES)


async def _wait(platform: Platform, clocks: int, ready) -> bool:
    """Poll ``await ready()`` every 32 clocks; False after ``clocks`` clocks."""
    deadline = platform.clocks() + clocks
    while True:
        if await ready():
            return True
        if platform.clocks() >= deadline:
            return False
        await platform.pause(32)


async def self_test(regs: Registers, memory: HostMemory, platform: Platform,
                    layout: DmaLayout, scratch: int, mode: Loopback, clocks: int) -> None:
    """One packet round the loop ``mode`` through the whole adapter as the driver uses
    it (an image descriptor's gather, slot, link layer, PHY, receive slot, the packet
    announced whole into its packet area), compared byte for byte; the adapter is
    quiesced again afterwards. ``layout`` has packet areas; ``scratch``: 512 bytes of
    host memory."""
    where = {Loopback.INTERNAL: "internal loopback",
             Loopback.EXTERNAL: "external loopback (line card and cable)"}[mode]
    pattern = bytes((i * 7 + 3) & 0xFF for i in range(256))
    header = MessageHeader(0x5E1F, 0x7E57, len(pattern), 0, scratch, 0)
    memory.write(scratch, header.pack() + pattern)
    transmit, receive = TransmitRing(regs, memory, layout), ReceiveRings(regs, memory, layout)
    found: list = []

    async def link_up():
        return await regs.field("LINK_STATUS", "up")

    async def came_back():
        found.extend(receive.completions())
        return bool(found)

    await start_dma(regs, memory, layout)
    await regs.write("CONTROL", enable=1, loopback=mode)
    try:
        if not await _wait(platform, clocks, link_up):
            raise HardwareFault(f"self-test failed: {where}: the link did not come up")
        await transmit.send_image(scratch, MESSAGE_HEADER_BYTES + len(pattern), 1)
        if not await _wait(platform, clocks, came_back):
            raise HardwareFault(f"self-test failed: {where}: the test packet did not come back")
        got = receive.messages(found[0])
        if [h for h, _ in got] != [header]:
            raise HardwareFault(f"self-test failed: {where}: the header came back as "
                                f"{[h for h, _ in got]}")
        if memory.read(got[0][1], len(pattern)) != pattern:
            raise HardwareFault(f"self-test failed: {where}: the data came back damaged")
        await receive.finish(found[0])
    finally:
        await quiesce(regs)


def tuning_record(register: str, value: int) -> bytes:
    """One custom-data record: set ``register`` to ``value`` (for building a file)."""
    return (REGISTER_MAP[register].address.to_bytes(4, "little")
            + (value & 0xFFFF_FFFF).to_bytes(4, "little"))


_TUNABLE = {r.address: r for r in REGISTER_MAP
            if r.block != "DMA" and r.accesses() == {Access.RW}
            and r.name not in ("CONTROL", "INT_ENABLE")}


async def apply_tuning(regs: Registers, records: bytes) -> list[tuple[str, int]]:
    """Write each (address, value) record with one 32-bit write and read it back.
    Only plain settings may be tuned (not CONTROL, INT_ENABLE or the DMA block, which
    the driver owns). Returns what was set."""
    applied = []
    for start in range(0, len(records), TUNING_RECORD_BYTES):
        address = int.from_bytes(records[start:start + 4], "little")
        value = int.from_bytes(records[start + 4:start + 8], "little")
        register = _TUNABLE.get(address)
        if register is None:
            raise HardwareFault(f"custom data record {start // TUNING_RECORD_BYTES} names "
                                f"address {address:#x}, which is not a tunable register")
        await regs.bus.write32(address, value)
        readback = await regs.bus.read32(address)
        if readback != value:
            raise HardwareFault(f"custom data: {register.name} did not take {value:#x} "
                                f"(reads {readback:#x})")
        applied.append((register.name, value))
    return applied
