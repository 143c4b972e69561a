"""Deframer: recognises frames in the decoded symbol stream and judges each one."""

from amaranth import Module, Mux, Signal
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from msl_spec import CRC_BYTES, HEADER_BYTES, ControlSymbol, FrameKind
from hdl.phy.crc32 import Crc32
from hdl.phy.frame_layouts import FrameHeader, FrameStatus, Symbol
from hdl.phy.frame_interfaces import FrameRxSignature

__all__ = ["Deframer"]


class Deframer(wiring.Component):
    """Frame receiver.

    Every frame that starts (a ``START`` symbol) ends with exactly one ``end`` pulse;
    ``status`` then says what was wrong with it, all zero for a good frame. A frame is
    judged bad as soon as something is wrong, and the rest of it is skipped up to the
    next control symbol; a bad frame is never reported good. Payload bytes are handed
    out as they arrive (``payload_valid``), so the consumer writes them to a buffer and
    commits only on a good ``end``. They are handed out only after a header with an
    acceptable length was seen, and never more than that length.

    Symbols outside frames other than commas are *orphans* (typically the body of a
    frame whose ``START`` was hit by a line error); ``orphan`` pulses once per run.

    Parameters
    ----------
    max_payload : int
        Largest payload accepted; a longer header ``length`` is a bad header.

    Members
    -------
    valid : In(1)
        A symbol arrived.
    symbol : In(Symbol)
    invalid : In(1)
        The symbol's code word had a code or disparity error.
    in_sync : In(1)
        The receiver trusts its alignment; when it drops inside a frame, the frame ends
        with ``sync_lost``.
    frames : Out(FrameRxSignature)
        ``header``: the current frame's header, from ``header_valid`` until the next
        frame starts (so also with ``end``). ``header_valid``: one-clock pulse when the
        header is complete and acceptable. ``payload`` / ``payload_valid``: payload bytes.
        ``end``: one-clock pulse, the frame is finished, good or bad; ``status`` says
        which. ``orphan``: one-clock pulse at the start of a run of stray symbols outside
        any frame. ``header_valid``, ``payload_valid`` and ``end`` never coincide: each
        comes with its own symbol.
    """

    def __init__(self, max_payload: int):
        if not isinstance(max_payload, int) or not 0 < max_payload < 1 << 16:
            raise ValueError(f"max_payload must be an integer in 1..65535, not {max_payload!r}")
        self._max_payload = max_payload
        super().__init__({
            "valid": In(1),
            "symbol": In(Symbol),
            "invalid": In(1),
            "in_sync": In(1),
            "frames": Out(FrameRxSignature),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.crc = crc = Crc32()
        frames = self.frames

        header_raw = Signal(8 * HEADER_BYTES)
        index = Signal(range(max(HEADER_BYTES, CRC_BYTES)))
        remaining = Signal(16)
        in_orphan_run = Signal()
        status = Signal(FrameStatus)  # flags of the frame being finished this clock

        sym = self.symbol
        control = self.valid & ~self.invalid & sym.k
        is_data = self.valid & ~self.invalid & ~sym.k
        bad_code = self.valid & self.invalid
        start = control & (sym.data == ControlSymbol.START)
        end_mark = control & (sym.data == ControlSymbol.END)
        abort_mark = control & (sym.data == ControlSymbol.ABORT)
        comma = control & (sym.data == ControlSymbol.COMMA)

        new_header = data.View(FrameHeader, Signal(8 * HEADER_BYTES))
        m.d.comb += new_header.as_value().eq(
            (header_raw >> 8) | (sym.data << (8 * HEADER_BYTES - 8)))
        header_ok = (new_header.length <= self._max_payload) & \
            new_header.kind.matches(*[kind.value for kind in FrameKind])

        m.d.comb += [
            crc.data.eq(sym.data),
            # The header is readable in the clock header_valid pulses, and after.
            frames.header.eq(Mux(frames.header_valid, new_header.as_value(), header_raw)),
            frames.payload.eq(sym.data),
            frames.status.eq(status),
        ]

        def finish(**flags):
            """End the frame this clock with these status flags."""
            m.d.comb += frames.end.eq(1)
            for name, value in flags.items():
                m.d.comb += getattr(status, name).eq(value)

        def begin():
            m.d.comb += crc.start.eq(1)
            m.d.sync += index.eq(0)
            m.next = "HEADER"

        def lost_or_invalid():
            """What ends any frame state first: lost sync, then an invalid code word.
            Opens an If chain the caller continues with Elif."""
            with m.If(~self.in_sync):
                finish(sync_lost=1)
                m.next = "IDLE"
            with m.Elif(bad_code):
                finish(code_error=1)
                m.next = "SKIP"

        def cut_short():
            """Continues ``lost_or_invalid``'s chain: a control symbol where frame data
            was due (ABORT: aborted; START: truncated, and the new frame opens)."""
            with m.Elif(abort_mark):
                finish(aborted=1)
                m.next = "IDLE"
            with m.Elif(start):
                finish(truncated=1)
                begin()
            with m.Elif(control):
                finish(truncated=1)
                m.next = "IDLE"

        with m.If(~self.in_sync):
            m.d.sync += in_orphan_run.eq(0)  # stray symbols after a resync: a new run

        with m.FSM(name="deframer"):
            with m.State("IDLE"):
                with m.If(start):
                    m.d.sync += in_orphan_run.eq(0)
                    begin()
                with m.Elif(comma):
                    m.d.sync += in_orphan_run.eq(0)
                with m.Elif(self.valid & ~bad_code):
                    # Data or an unexpected control symbol with no frame open.
                    m.d.comb += frames.orphan.eq(~in_orphan_run)
                    m.d.sync += in_orphan_run.eq(1)

            with m.State("HEADER"):
                lost_or_invalid()
                cut_short()
                with m.Elif(is_data):
                    m.d.comb += crc.enable.eq(1)
                    m.d.sync += [header_raw.eq(new_header.as_value()), index.eq(index + 1)]
                    with m.If(index == HEADER_BYTES - 1):
                        m.d.sync += [index.eq(0), remaining.eq(new_header.length)]
                        with m.If(~header_ok):
                            finish(bad_header=1)
                            m.next = "SKIP"
                        with m.Else():
                            m.d.comb += frames.header_valid.eq(1)
                            with m.If(new_header.length == 0):
                                m.next = "CRC"
                            with m.Else():
                                m.next = "PAYLOAD"

            with m.State("PAYLOAD"):
                lost_or_invalid()
                cut_short()
                with m.Elif(is_data):
                    m.d.comb += [crc.enable.eq(1), frames.payload_valid.eq(1)]
                    m.d.sync += remaining.eq(remaining - 1)
                    with m.If(remaining == 1):
                        m.next = "CRC"

            with m.State("CRC"):
                lost_or_invalid()
                cut_short()
                with m.Elif(is_data):
                    m.d.comb += crc.enable.eq(1)
                    m.d.sync += index.eq(index + 1)
                    with m.If(index == CRC_BYTES - 1):
                        m.next = "EXPECT_END"

            with m.State("EXPECT_END"):
                lost_or_invalid()
                with m.Elif(end_mark):
                    finish(crc_error=~crc.residue_ok)
                    m.next = "IDLE"
                with m.Elif(abort_mark):
                    finish(aborted=1)
                    m.next = "IDLE"
                with m.Elif(start):
                    finish(bad_delimiter=1)
                    begin()
                with m.Elif(control):
                    finish(bad_delimiter=1)
                    m.next = "IDLE"
                with m.Elif(is_data):
                    finish(overlong=1)
                    m.next = "SKIP"

            with m.State("SKIP"):
                # The frame has been reported bad; drop symbols up to the next control
                # symbol (a new START opens the next frame at once).
                with m.If(~self.in_sync):
                    m.next = "IDLE"
                with m.Elif(start):
                    begin()
                with m.Elif(control):
                    m.next = "IDLE"
        return m
