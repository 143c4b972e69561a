"""Bus-functional models for the PHY pair test top (:mod:`hdl.testbench.phy_pair_top`).

Field positions of every packed port come from the layouts declared in ``hdl/``
(:func:`~cocotb_tests.layout_values.pack` / ``unpack``); nothing here repeats a bit offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cocotb
from cocotb.triggers import ReadOnly, RisingEdge, ValueChange
from cocotb.utils import get_sim_time

from cocotb_tests.clocks import strobe
from cocotb_tests.layout_values import pack, unpack
from msl_spec import STATUS_FLAGS
from hdl.phy.frame_layouts import FrameHeader, FrameStatus
from hdl.phy.phy_statistics import PhyCounters
from hdl.testbench.phy_pair_top import RxEventKind
from linkmodel.frames import Frame

__all__ = ["FrameSender", "RxMonitor", "Received", "port"]


def port(dut, side: str, name: str):
    return getattr(dut, f"{side}__{name}")


class FrameSender:
    """Writes frames into one side's transmit FIFOs (payload first, then the header)."""

    def __init__(self, dut, side: str):
        self.dut, self.side = dut, side
        self.header = {m: port(dut, side, f"tx_header__{m}") for m in ("payload", "valid", "ready")}
        self.payload = {m: port(dut, side, f"tx_payload__{m}") for m in ("payload", "valid", "ready")}
        self.free = port(dut, side, "tx_payload_free")
        self.idle = port(dut, side, "tx_idle")
        self.abort_port = port(dut, side, "tx_abort")
        self.header["valid"].value = 0
        self.payload["valid"].value = 0
        self.abort_port.value = 0
        self.sent: list[Frame] = []

    async def _write(self, stream, value) -> None:
        stream["payload"].value = value
        stream["valid"].value = 1
        await RisingEdge(self.dut.clk)
        while not stream["ready"].value:  # sampled before the edge: the FIFO took it
            # Sleep until the FIFO has room instead of waking every clock (a full header
            # FIFO holds the sender for a whole frame).
            await RisingEdge(stream["ready"])
            await RisingEdge(self.dut.clk)
        stream["valid"].value = 0

    async def send(self, frame: Frame) -> None:
        """Queue one frame; returns once the FIFOs hold it."""
        while int(self.free.value) < len(frame.payload):
            await ValueChange(self.free)
        for byte in frame.payload:
            await self._write(self.payload, byte)
        await self._write(self.header, pack(FrameHeader, kind=frame.kind, seq=frame.seq,
                                            count=frame.count, aux=frame.aux,
                                            length=len(frame.payload)))
        self.sent.append(frame)

    async def abort(self) -> None:
        """Pulse the abort input for one clock."""
        await strobe(self.abort_port, self.dut.clk)

    async def wait_idle(self) -> None:
        """Wait until every queued frame has left the transmitter."""
        await RisingEdge(self.dut.clk)
        while not self.idle.value:
            await RisingEdge(self.dut.clk)


@dataclass
class Received:
    """One receive event: a finished frame (good or bad) or the start of an orphan run."""

    kind: str                     # "frame" or "orphan"
    time_ns: float
    header: dict | None = None    # None if the frame ended before its header did
    payload: bytes = b""
    status: dict = field(default_factory=dict)
    sync_losses: int = 0          # the receiver's sync-loss count at this event

    @property
    def good(self) -> bool:
        return self.kind == "frame" and not any(self.status.values())

    def frame(self) -> Frame:
        h = self.header
        return Frame(h["kind"], h["seq"], h["count"], h["aux"], self.payload)

    def reasons(self) -> list[str]:
        return [flag for flag, _ in STATUS_FLAGS if self.status.get(flag)]


class RxMonitor:
    """Collects one side's receive events, in order, into :attr:`events`."""

    def __init__(self, dut, side: str):
        self.dut, self.side = dut, side
        self.count = port(dut, side, "rx_events")
        self.kind = port(dut, side, "rx_event_kind")
        self.data = port(dut, side, "rx_event_data")
        self.counts = port(dut, side, "counts")
        sync_lost = dict(PhyCounters)["rx_sync_losses"]
        self._sync_lost_field = (sync_lost.offset, (1 << sync_lost.width) - 1)
        self.events: list[Received] = []
        self._header = None
        self._payload = bytearray()
        self._task = cocotb.start_soon(self._run())

    @property
    def frames(self) -> list[Received]:
        return [e for e in self.events if e.kind == "frame"]

    @property
    def good_frames(self) -> list[Frame]:
        return [e.frame() for e in self.frames if e.good]

    async def _run(self) -> None:
        seen = int(self.count.value)
        while True:
            await ValueChange(self.count)
            await ReadOnly()
            count = int(self.count.value)
            assert count == (seen + 1) & 0xFFFFFFFF, f"side {self.side}: receive events lost"
            seen = count
            kind = RxEventKind(int(self.kind.value))
            data = int(self.data.value)
            now = get_sim_time("ns")
            if kind == RxEventKind.HEADER:
                self._header = unpack(FrameHeader, data)
                self._payload = bytearray()
            elif kind == RxEventKind.BYTE:
                assert self._header is not None, "payload byte before any header"
                self._payload.append(data)
            elif kind == RxEventKind.END:
                self.events.append(Received("frame", now, self._header, bytes(self._payload),
                                            unpack(FrameStatus, data), self._sync_losses()))
                self._header = None
                self._payload = bytearray()
            else:
                self.events.append(Received("orphan", now, sync_losses=self._sync_losses()))

    def _sync_losses(self) -> int:
        offset, mask = self._sync_lost_field
        return int(self.counts.value) >> offset & mask

    def counters(self) -> dict:
        return unpack(PhyCounters, int(self.counts.value))
