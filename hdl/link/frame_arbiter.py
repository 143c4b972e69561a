"""Frame arbiter: decides which frame goes on the line next."""

from amaranth import Module, Mux, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from msl_spec import FrameKind, HoldoffSource, LinkCommand, NakReason
from hdl.phy.frame_interfaces import FrameTxSignature
from hdl.link.receive_controller import KindEvents
from hdl.link.link_interfaces import (AnswersSignature, DataOfferSignature, EmergencySignature,
    PayloadReadSignature)

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

    Parameters
    ----------
    rx_slots : int
        Our receive slots, told the peer in every LINK frame's ``count`` (its
        transmitter never has more of our frames unacknowledged).

    Members
    -------
    enable : In(1)
    emergency : In(EmergencySignature)
    link : In(4)
        One bit per LinkCommand (HELLO, HELLO_ACK, RESET, RESET_ACK at bits 0..3).
    answers : In(AnswersSignature)
        ACK, HOLDOFF and NAK to send (from the receive controller).
    data : In(DataOfferSignature)
    tx : Out(FrameTxSignature)
        To the PHY; ``tx.payload`` is ``payload`` passed through.
    payload_read : Out(PayloadReadSignature)
        Start the transmit buffer reading a DATA frame's slot.
    payload : In(stream.Signature(8))
        That slot's bytes, from the transmit buffer.
    sent : Out(KindEvents)
        One-clock event per frame sent whole, by kind.
    aborted : Out(1)
    """

    def __init__(self, rx_slots: int = 0):
        self._rx_slots = rx_slots
        super().__init__({
            "enable": In(1),
            "emergency": In(EmergencySignature),
            "link": In(4),
            "answers": In(AnswersSignature),
            "data": In(DataOfferSignature),
            "tx": Out(FrameTxSignature),
            "payload_read": Out(PayloadReadSignature),
            "payload": In(stream.Signature(8)),
            "sent": Out(KindEvents), "aborted": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        tx = self.tx
        header = tx.header.payload

        emergency, emergency_reason = Signal(), Signal(8)
        link = Signal(4)
        ack, ack_seq, ack_count = Signal(), Signal(8), Signal(8)
        holdoff, holdoff_seq, holdoff_source = Signal(), Signal(8), Signal(HoldoffSource)
        nak, nak_seq, nak_busy, nak_ready = Signal(), Signal(8), Signal(), Signal()
        in_flight = Signal(FrameKind, init=FrameKind.LINK)  # kind of the frame on the line

        # Highest priority first; the first pending source offers its frame.
        offers = [
            (emergency, FrameKind.EMERGENCY, {"aux": emergency_reason}),
            *((link[command - 1], FrameKind.LINK, {"aux": command, "count": self._rx_slots})
              for command in LINK_ORDER),
            (ack, FrameKind.ACK, {"seq": ack_seq, "count": ack_count}),
            (holdoff, FrameKind.HOLDOFF, {"seq": holdoff_seq, "aux": holdoff_source}),
            (nak, FrameKind.NAK, {"seq": nak_seq, "aux": Mux(
                nak_busy, NakReason.BUSY, Mux(nak_ready, NakReason.READY, NakReason.ERROR))}),
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
                m.d.comb += [data.taken.eq(1), self.payload_read.start.eq(1),
                             self.payload_read.slot.eq(data.slot),
                             self.payload_read.length.eq(data.length)]
                m.d.sync += in_flight.eq(FrameKind.DATA)

        # Requests arrive after the clears above, so a request in the clock its kind is
        # sent stays pending: it goes out too.
        with m.If(self.emergency.valid):
            m.d.sync += [emergency.eq(1), emergency_reason.eq(self.emergency.reason)]
        for bit in range(4):
            with m.If(self.link[bit]):
                m.d.sync += link[bit].eq(1)
        asked = self.answers
        with m.If(asked.ack.valid):
            m.d.sync += [ack.eq(1), ack_seq.eq(asked.ack.seq), ack_count.eq(asked.ack.count)]
        with m.If(asked.holdoff.valid):
            # The latest request replaces a pending one, its source too (a driver
            # asks again every tick, so one replaced HOLDOFF costs its peer nothing).
            m.d.sync += [holdoff.eq(1), holdoff_seq.eq(asked.holdoff.seq),
                         holdoff_source.eq(Mux(asked.holdoff.driver, HoldoffSource.DRIVER,
                                               HoldoffSource.ADAPTER))]
        with m.If(asked.nak.valid):
            # A pending READY survives a later ERROR (both replay from the expected
            # number; READY also ends the peer's wait after a refusal); BUSY replaces it.
            m.d.sync += [nak.eq(1), nak_seq.eq(asked.nak.seq), nak_busy.eq(asked.nak.busy),
                         nak_ready.eq(asked.nak.ready
                                      | (nak & nak_ready & ~asked.nak.busy))]

        # The payload of the DATA frame on the line goes to the PHY as it comes.
        wiring.connect(m, wiring.flipped(self.payload), wiring.flipped(tx.payload))

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
