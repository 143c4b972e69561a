"""Framer: turns a header and a payload stream into the line's symbol sequence."""

from amaranth import Array, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_spec import CRC_BYTES, HEADER_BYTES, ControlSymbol
from hdl.phy.crc32 import Crc32
from hdl.phy.frame_layouts import FrameHeader, Symbol
from hdl.phy.frame_interfaces import FrameTxSignature

__all__ = ["Framer"]


class Framer(wiring.Component):
    """Frame sender, one symbol per symbol period.

    Idle periods send ``COMMA``. A frame is ``START``, the header, ``length`` payload
    bytes, the CRC-32 of header and payload, ``END``; at least ``idle_gap`` commas
    follow every frame (the receiver's clock compensation removes or repeats all but
    one of them: :func:`msl_spec.idle_gap`). The symbol for the current period is ``symbol``; the framer moves on at
    ``tick``.

    The payload source must have each byte ready when the framer takes it (a buffer
    read ahead of time, not a producer that may stall): a line cannot pause inside a
    frame. If ``payload.valid`` is low when a byte is due, the frame is cut short with
    ``ABORT`` and ``underrun`` pulses. ``abort`` likewise cuts the frame in flight
    (EMERGENCY pre-emption). In both cases the rest of the frame's payload is then
    taken from the source and dropped, so the source is left at the start of its next
    frame; the framer starts nothing new until it has all of it.

    Parameters
    ----------
    idle_gap : int
        Commas after each frame (ended or cut short), at least 1.

    Members
    -------
    tick : In(1)
    frames : In(FrameTxSignature)
        ``header``: the frame to send, taken at a tick while idle. ``payload``: its
        bytes. ``abort``: cut the frame in flight (remembered until the next tick;
        ignored when idle). ``busy``: a frame was taken and is not finished (drain
        included). One-clock events: ``sent`` (ended with ``END``), ``aborted`` (ended
        with ``ABORT``, on ``abort`` or underrun), ``underrun`` (the source ran dry).
    symbol : Out(Symbol)
    in_frame : Out(1)
        ``symbol`` belongs to a frame (``START`` to ``END`` or ``ABORT``).
    """

    tick: In(1)
    frames: In(FrameTxSignature)
    symbol: Out(Symbol)
    in_frame: Out(1)

    def __init__(self, idle_gap: int = 1):
        if not isinstance(idle_gap, int) or idle_gap < 1:
            raise ValueError(f"idle_gap must be a positive integer, not {idle_gap!r}")
        self._idle_gap = idle_gap
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        m.submodules.crc = crc = Crc32()
        frames = self.frames

        current = Signal(FrameHeader)
        header_bytes = Array(current.as_value()[8 * i:8 * i + 8] for i in range(HEADER_BYTES))
        crc_bytes = Array(crc.value[8 * i:8 * i + 8] for i in range(CRC_BYTES))
        index = Signal(range(max(HEADER_BYTES, CRC_BYTES)))
        remaining = Signal.like(current.length)  # payload bytes still to take
        abort_pending = Signal()
        gap_left = Signal(range(self._idle_gap))  # commas still owed before the next START

        def send(value, k=0):
            m.d.comb += [self.symbol.data.eq(value), self.symbol.k.eq(k)]

        def cut_short():
            """At this tick send ABORT instead, then drain the payload."""
            send(ControlSymbol.ABORT, k=1)
            m.d.comb += frames.aborted.eq(1)
            m.d.sync += abort_pending.eq(0)
            m.next = "DRAIN"

        with m.If(frames.abort):
            m.d.sync += abort_pending.eq(1)
        abort_due = Signal()  # cut the frame at this tick
        m.d.comb += abort_due.eq(self.tick & (abort_pending | frames.abort))

        with m.FSM(name="framer"):
            with m.State("IDLE"):
                send(ControlSymbol.COMMA, k=1)
                m.d.sync += abort_pending.eq(0)
                with m.If(self.tick & (gap_left != 0)):
                    m.d.sync += gap_left.eq(gap_left - 1)
                m.d.comb += frames.header.ready.eq(self.tick & (gap_left == 0))
                with m.If(frames.header.ready & frames.header.valid):
                    m.d.sync += [current.eq(frames.header.payload),
                                 remaining.eq(frames.header.payload.length)]
                    m.next = "START"
            with m.State("START"):
                m.d.comb += [frames.busy.eq(1), self.in_frame.eq(1)]
                send(ControlSymbol.START, k=1)
                m.d.comb += crc.start.eq(1)
                with m.If(self.tick):
                    m.d.sync += index.eq(0)
                    m.next = "HEADER"
            with m.State("HEADER"):
                m.d.comb += [frames.busy.eq(1), self.in_frame.eq(1)]
                with m.If(abort_due):
                    cut_short()
                with m.Else():
                    send(header_bytes[index])
                    m.d.comb += [crc.data.eq(header_bytes[index]), crc.enable.eq(self.tick)]
                    with m.If(self.tick):
                        m.d.sync += index.eq(index + 1)
                        with m.If(index == HEADER_BYTES - 1):
                            m.d.sync += index.eq(0)
                            with m.If(remaining == 0):
                                m.next = "CRC"
                            with m.Else():
                                m.next = "PAYLOAD"
            with m.State("PAYLOAD"):
                m.d.comb += [frames.busy.eq(1), self.in_frame.eq(1)]
                with m.If(abort_due | (self.tick & ~frames.payload.valid)):
                    m.d.comb += frames.underrun.eq(~abort_due)
                    cut_short()
                with m.Else():
                    send(frames.payload.payload)
                    m.d.comb += [crc.data.eq(frames.payload.payload), crc.enable.eq(self.tick),
                                 frames.payload.ready.eq(self.tick)]
                    with m.If(self.tick):
                        m.d.sync += remaining.eq(remaining - 1)
                        with m.If(remaining == 1):
                            m.next = "CRC"
            with m.State("CRC"):
                m.d.comb += [frames.busy.eq(1), self.in_frame.eq(1)]
                with m.If(abort_due):
                    cut_short()
                with m.Else():
                    send(crc_bytes[index])
                    with m.If(self.tick):
                        m.d.sync += index.eq(index + 1)
                        with m.If(index == CRC_BYTES - 1):
                            m.next = "END"
            with m.State("END"):
                m.d.comb += [frames.busy.eq(1), self.in_frame.eq(1)]
                send(ControlSymbol.END, k=1)
                with m.If(self.tick):
                    m.d.comb += frames.sent.eq(1)
                    m.d.sync += gap_left.eq(self._idle_gap - 1)
                    m.next = "IDLE"
            with m.State("DRAIN"):
                # The source still holds the rest of this frame's payload: take it.
                m.d.comb += frames.busy.eq(1)
                send(ControlSymbol.COMMA, k=1)
                m.d.comb += frames.payload.ready.eq(remaining != 0)
                with m.If(remaining == 0):
                    m.d.sync += gap_left.eq(self._idle_gap - 1)
                    m.next = "IDLE"
                with m.Elif(frames.payload.valid):
                    m.d.sync += remaining.eq(remaining - 1)
        return m
