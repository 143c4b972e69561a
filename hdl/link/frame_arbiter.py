"""Frame arbiter: decides which frame goes on the line next."""

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_spec import FrameKind, LinkCommand, NakReason
from hdl.phy.frame_interfaces import FrameTxSignature
from hdl.link.receive_controller import KindEvents
from hdl.link.transmit_controller import DataOfferSignature

__all__ = ["FrameArbiter"]

#: LINK sub-commands the link controller may request, in the order they are sent.
LINK_ORDER = (LinkCommand.RESET_ACK, LinkCommand.HELLO_ACK, LinkCommand.RESET, LinkCommand.HELLO)


class FrameArbiter(wiring.Component):
    """Picks the next frame: EMERGENCY, then LINK, ACK, HOLDOFF, NAK, then DATA.

    Control-frame requests are one-clock pulses; each kind is kept pending (the latest
    request of a kind replaces an earlier one: ACKs are cumulative) until its frame
    starts. A pending EMERGENCY cuts a DATA frame on the line short with ABORT; the DATA
    frame is offered again afterwards and goes out whole. Nothing is sent while
    ``enable`` is low.

    Members
    -------
    enable : In(1)
    emergency, emergency_reason : In
    link : In(4)
        One bit per LinkCommand (HELLO, HELLO_ACK, RESET, RESET_ACK at bits 0..3).
    ack, ack_seq, ack_count, holdoff, holdoff_seq, nak, nak_seq, nak_busy : In
    data : In(DataOfferSignature)
    tx : Out(FrameTxSignature)
        To the PHY (``tx.payload`` is wired from the transmit buffer, not here).
    read_start, read_slot, read_length : Out
        Start the transmit buffer reading a DATA frame's slot.
    sent : Out(KindEvents)
        One-clock event per frame sent whole, by kind.
    aborted : Out(1)
    """

    def __init__(self, max_slots: int = 8):
        super().__init__({
            "enable": In(1),
            "emergency": In(1), "emergency_reason": In(8),
            "link": In(4),
            "ack": In(1), "ack_seq": In(8), "ack_count": In(8),
            "holdoff": In(1), "holdoff_seq": In(8),
            "nak": In(1), "nak_seq": In(8), "nak_busy": In(1),
            "data": In(DataOfferSignature),
            "tx": Out(FrameTxSignature),
            "read_start": Out(1), "read_slot": Out(range(max_slots)), "read_length": Out(16),
            "sent": Out(KindEvents), "aborted": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        tx = self.tx
        header = tx.header.payload

        emergency, emergency_reason = Signal(), Signal(8)
        link = Signal(4)
        ack, ack_seq, ack_count = Signal(), Signal(8), Signal(8)
        holdoff, holdoff_seq = Signal(), Signal(8)
        nak, nak_seq, nak_busy = Signal(), Signal(8), Signal()
        in_flight = Signal(FrameKind, init=FrameKind.LINK)  # kind of the frame on the line

        # Highest priority first; the first pending source offers its frame.
        offers = [
            (emergency, FrameKind.EMERGENCY, {"aux": emergency_reason}),
            *((link[command - 1], FrameKind.LINK, {"aux": command}) for command in LINK_ORDER),
            (ack, FrameKind.ACK, {"seq": ack_seq, "count": ack_count}),
            (holdoff, FrameKind.HOLDOFF, {"seq": holdoff_seq}),
            (nak, FrameKind.NAK, {"seq": nak_seq,
                                  "aux": Mux(nak_busy, NakReason.BUSY, NakReason.ERROR)}),
        ]
        taken = tx.header.valid & tx.header.ready
        data = self.data
        for index, (pending, kind, fields) in enumerate(offers):
            with (m.If if index == 0 else m.Elif)(pending):
                m.d.comb += [tx.header.valid.eq(self.enable), header.kind.eq(kind)]
                for name, value in fields.items():
                    m.d.comb += getattr(header, name).eq(value)
                with m.If(taken):
                    m.d.sync += [pending.eq(0), in_flight.eq(kind)]
        with m.Elif(data.valid):
            m.d.comb += [tx.header.valid.eq(self.enable), header.kind.eq(FrameKind.DATA),
                         header.seq.eq(data.seq), header.count.eq(data.count),
                         header.length.eq(data.length)]
            with m.If(taken):
                m.d.comb += [data.taken.eq(1), self.read_start.eq(1),
                             self.read_slot.eq(data.slot), self.read_length.eq(data.length)]
                m.d.sync += in_flight.eq(FrameKind.DATA)

        # Requests arrive after the clears above, so a request in the clock its kind is
        # sent stays pending: it goes out too.
        with m.If(self.emergency):
            m.d.sync += [emergency.eq(1), emergency_reason.eq(self.emergency_reason)]
        for bit in range(4):
            with m.If(self.link[bit]):
                m.d.sync += link[bit].eq(1)
        with m.If(self.ack):
            m.d.sync += [ack.eq(1), ack_seq.eq(self.ack_seq), ack_count.eq(self.ack_count)]
        with m.If(self.holdoff):
            m.d.sync += [holdoff.eq(1), holdoff_seq.eq(self.holdoff_seq)]
        with m.If(self.nak):
            m.d.sync += [nak.eq(1), nak_seq.eq(self.nak_seq), nak_busy.eq(self.nak_busy)]

        # EMERGENCY pre-empts a DATA frame on the line.
        data_on_line = tx.busy & (in_flight == FrameKind.DATA)
        m.d.comb += tx.abort.eq(emergency & data_on_line)

        with m.If(tx.sent):
            for kind in FrameKind:
                with m.If(in_flight == kind):
                    m.d.comb += getattr(self.sent, kind.name.lower()).eq(1)
            m.d.comb += data.sent.eq(in_flight == FrameKind.DATA)
        with m.If(tx.aborted):
            m.d.comb += [self.aborted.eq(1), data.aborted.eq(in_flight == FrameKind.DATA)]
        return m
