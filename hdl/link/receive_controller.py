"""Receive controller: accepts DATA into receive slots, exactly once and in order, and
answers everything else the peer sends."""

from amaranth import Array, Const, Module, Mux, Signal
from amaranth.lib import data, enum, wiring
from amaranth.lib.wiring import In, Out

from msl_spec import MAX_SLOTS, FrameKind, HoldoffSource, NakReason
from hdl.phy.frame_layouts import FrameHeader
from hdl.phy.frame_interfaces import FrameRxSignature
from hdl.link.link_interfaces import (AckSignature, AnswersSignature, ArrivalSignature,
    EmergencySignature, HoldoffSignature, LinkFrameSignature, ReleaseSignature, SlotWriteSignature)
from hdl.link.sequence import distance, in_window

__all__ = ["ReceiveController", "KindEvents"]

#: One bit per frame kind (a one-clock event per frame of that kind).
KindEvents = data.StructLayout({kind.name.lower(): 1 for kind in FrameKind})


class _Action(enum.Enum, shape=3):
    """What to do with the frame being received, decided at its header."""

    CONTROL = 0
    NEW = 1           # the expected DATA, going into a free slot
    BUSY = 2          # the expected DATA, but no slot is free
    DUP_ACKED = 3     # DATA already acknowledged: resend our last ACK
    DUP_HELD = 4      # DATA received, not yet acknowledged: answer HOLDOFF
    OUT_OF_ORDER = 5  # DATA ahead of the expected one: NAK
    IGNORE = 6        # link layer disabled
    STALE = 7         # DATA, ACK, NAK or HOLDOFF sent before a link reset


class ReceiveController(wiring.Component):
    """The receive side of the link layer.

    DATA with the expected sequence number goes into the lowest free slot as it arrives
    and is committed (slot FULL, ``packet`` pulses) only if the frame ends good. Every
    other case is answered, never dropped silently: no free slot when the frame began →
    NAK BUSY, or NAK READY when one has come free by its end (the sender replays later,
    at once on NAK READY, which the next RX_RELEASE after a BUSY sends); a duplicate
    already acknowledged → our last ACK again; a duplicate received but not yet
    acknowledged → HOLDOFF; DATA ahead of the expected one, or a damaged frame → NAK
    ERROR with the expected sequence number.

    The driver acknowledges with SEND_ACK (only after its OS accepted every message,
    so the adapter never acknowledges on its own), may answer HOLDOFF for a packet it
    holds, and gives slots back with RX_RELEASE. Requests naming a sequence number not
    awaiting acknowledgement, or a slot not FULL, are refused (``command_refused``).

    While the link is being reset (``quiet``) only LINK and EMERGENCY frames are acted
    on: a DATA frame or an answer still on the line from before the reset would carry a
    sequence number of the old link, which the restarted numbering would misread.

    Parameters
    ----------
    slots, slot_size : int

    Members
    -------
    rx : In(FrameRxSignature)
        Frames from the PHY.
    enable, reset, quiet : In(1)
    slot_write : Out(SlotWriteSignature)
        Into the receive buffer.
    send_ack : In(AckSignature)
    send_holdoff : In(HoldoffSignature)
    release : In(ReleaseSignature)
        Driver commands (SEND_ACK, SEND_HOLDOFF, RX_RELEASE).
    answers_to_send : Out(AnswersSignature)
        Frames to send (one-clock requests; the frame arbiter keeps them pending).
    answers_received : Out(AnswersSignature)
    link_frame : Out(LinkFrameSignature)
    emergency : Out(EmergencySignature)
        Control frames from the peer, with their fields.
    arrival : Out(ArrivalSignature)
        A DATA frame committed: where it landed and what its header said.
    ready, info_*, head_*, expected, ack_next : Out
        Status for the registers (``head_*``, the oldest packet waiting, a clock behind
        the slots).
    error, command_refused, busy_refusal, duplicate, out_of_order, while_disabled,
    stale : Out(1)
        One-clock events. ``received`` has one per good frame, by kind.
    """

    def __init__(self, slots: int, slot_size: int):
        self._slots, self._slot_size = slots, slot_size
        super().__init__({
            "rx": In(FrameRxSignature),
            "enable": In(1), "reset": In(1), "quiet": In(1),
            "slot_write": Out(SlotWriteSignature),
            "send_ack": In(AckSignature), "send_holdoff": In(HoldoffSignature),
            "release": In(ReleaseSignature),
            "answers_to_send": Out(AnswersSignature),
            "answers_received": Out(AnswersSignature),
            "link_frame": Out(LinkFrameSignature),
            "emergency": Out(EmergencySignature),
            "ready": Out(MAX_SLOTS),
            "info_length": Out(16 * MAX_SLOTS), "info_seq": Out(8 * MAX_SLOTS),
            "info_count": Out(8 * MAX_SLOTS),
            "head_valid": Out(1), "head_slot": Out(range(MAX_SLOTS)), "head_seq": Out(8),
            "head_count": Out(8),
            "expected": Out(8), "ack_next": Out(8),
            "arrival": Out(ArrivalSignature),
            "error": Out(1), "command_refused": Out(1),
            "busy_refusal": Out(1), "duplicate": Out(1), "out_of_order": Out(1),
            "while_disabled": Out(1), "stale": Out(1), "received": Out(KindEvents),
        })

    def elaborate(self, platform):
        m = Module()
        slots, rx = self._slots, self.rx
        expected, ack_next = self.expected, self.ack_next
        to_send, received = self.answers_to_send, self.answers_received
        send_ack, send_holdoff, release = self.send_ack, self.send_holdoff, self.release

        full = Signal(slots)
        length = Array(Signal(16, name=f"slot{s}_length") for s in range(slots))
        seq = Array(Signal(8, name=f"slot{s}_seq") for s in range(slots))
        count = Array(Signal(8, name=f"slot{s}_count") for s in range(slots))
        have_last_ack = Signal()
        refused = Signal()   # a DATA frame was refused BUSY since the last release
        last_ack_seq, last_ack_count = Signal(8), Signal(8)

        # The frame being received.
        action = Signal(_Action)
        header = Signal(FrameHeader)
        filling = Signal()
        fill_slot = Signal(range(slots))
        index = Signal(16)

        free_slot = Signal(range(slots))
        for s in reversed(range(slots)):  # the lowest free slot
            with m.If(~full[s]):
                m.d.comb += free_slot.eq(s)
        any_free = ~full.all()

        with m.If(rx.header_valid):
            h = rx.header
            m.d.sync += [header.eq(h), index.eq(0)]
            ahead = distance(h.seq, expected)
            with m.If(~self.enable):
                m.d.sync += action.eq(_Action.IGNORE)
            with m.Elif(self.quiet & (h.kind != FrameKind.LINK) & (h.kind != FrameKind.EMERGENCY)):
                m.d.sync += action.eq(_Action.STALE)
            with m.Elif(h.kind != FrameKind.DATA):
                m.d.sync += action.eq(_Action.CONTROL)
            with m.Elif(ahead == 0):
                with m.If(any_free):
                    m.d.sync += [action.eq(_Action.NEW), filling.eq(1), fill_slot.eq(free_slot)]
                with m.Else():
                    m.d.sync += action.eq(_Action.BUSY)
            with m.Elif(ahead >= 128):  # behind: received before
                m.d.sync += action.eq(Mux(in_window(h.seq, ack_next, expected),
                                          _Action.DUP_HELD, _Action.DUP_ACKED))
            with m.Else():
                m.d.sync += action.eq(_Action.OUT_OF_ORDER)

        with m.If(rx.payload_valid & filling):
            m.d.comb += [self.slot_write.valid.eq(1), self.slot_write.slot.eq(fill_slot),
                         self.slot_write.index.eq(index), self.slot_write.byte.eq(rx.payload)]
            m.d.sync += index.eq(index + 1)

        good = rx.end & ~rx.status.as_value().any()
        with m.If(rx.end):
            m.d.sync += filling.eq(0)
        with m.If(rx.end & ~good):
            m.d.comb += self.error.eq(1)
            with m.If(self.enable & ~self.quiet):
                m.d.comb += [to_send.nak.valid.eq(1), to_send.nak.seq.eq(expected)]
        with m.If(good):
            for kind in FrameKind:
                with m.If(header.kind == kind):
                    m.d.comb += getattr(self.received, kind.name.lower()).eq(1)
            with m.Switch(action):
                with m.Case(_Action.NEW):
                    m.d.sync += [full.bit_select(fill_slot, 1).eq(1),
                                 length[fill_slot].eq(header.length),
                                 seq[fill_slot].eq(header.seq),
                                 count[fill_slot].eq(header.count),
                                 expected.eq(expected + 1)]
                    m.d.comb += self.arrival.valid.eq(1)
                with m.Case(_Action.BUSY):
                    m.d.comb += [self.busy_refusal.eq(1), to_send.nak.valid.eq(1),
                                 to_send.nak.seq.eq(expected)]
                    with m.If(any_free):
                        # A slot came free while the refused frame was arriving: the
                        # sender may replay at once.
                        m.d.comb += to_send.nak.ready.eq(1)
                    with m.Else():
                        m.d.comb += to_send.nak.busy.eq(1)
                        m.d.sync += refused.eq(1)
                with m.Case(_Action.DUP_ACKED):
                    m.d.comb += [self.duplicate.eq(1), to_send.ack.valid.eq(have_last_ack),
                                 to_send.ack.seq.eq(last_ack_seq),
                                 to_send.ack.count.eq(last_ack_count)]
                with m.Case(_Action.DUP_HELD):
                    m.d.comb += [self.duplicate.eq(1), to_send.holdoff.valid.eq(1),
                                 to_send.holdoff.seq.eq(header.seq)]
                with m.Case(_Action.OUT_OF_ORDER):
                    m.d.comb += [self.out_of_order.eq(1), to_send.nak.valid.eq(1),
                                 to_send.nak.seq.eq(expected)]
                with m.Case(_Action.IGNORE):
                    m.d.comb += self.while_disabled.eq(1)
                with m.Case(_Action.STALE):
                    m.d.comb += self.stale.eq(1)
                with m.Case(_Action.CONTROL):
                    m.d.comb += [
                        received.ack.valid.eq(header.kind == FrameKind.ACK),
                        received.nak.valid.eq(header.kind == FrameKind.NAK),
                        received.holdoff.valid.eq(header.kind == FrameKind.HOLDOFF),
                        self.emergency.valid.eq(header.kind == FrameKind.EMERGENCY),
                        self.link_frame.valid.eq(header.kind == FrameKind.LINK),
                    ]
        m.d.comb += [
            self.arrival.slot.eq(fill_slot), self.arrival.seq.eq(header.seq),
            self.arrival.count.eq(header.count), self.arrival.length.eq(header.length),
            received.ack.seq.eq(header.seq), received.ack.count.eq(header.count),
            received.nak.seq.eq(header.seq), received.nak.busy.eq(header.aux == NakReason.BUSY),
            received.nak.ready.eq(header.aux == NakReason.READY),
            received.holdoff.seq.eq(header.seq),
            received.holdoff.driver.eq(header.aux == HoldoffSource.DRIVER),
            self.emergency.reason.eq(header.aux),
            self.link_frame.command.eq(header.aux),
            self.link_frame.slots.eq(header.count),
        ]

        # Driver commands.
        with m.If(send_ack.valid):
            with m.If(in_window(send_ack.seq, ack_next, expected)):
                m.d.sync += [ack_next.eq(send_ack.seq + 1), have_last_ack.eq(1),
                             last_ack_seq.eq(send_ack.seq), last_ack_count.eq(send_ack.count)]
                m.d.comb += [to_send.ack.valid.eq(1), to_send.ack.seq.eq(send_ack.seq),
                             to_send.ack.count.eq(send_ack.count)]
            with m.Else():
                m.d.comb += self.command_refused.eq(1)
        with m.If(send_holdoff.valid):
            with m.If(in_window(send_holdoff.seq, ack_next, expected)):
                m.d.comb += [to_send.holdoff.valid.eq(1), to_send.holdoff.seq.eq(send_holdoff.seq),
                             to_send.holdoff.driver.eq(1)]
            with m.Else():
                m.d.comb += self.command_refused.eq(1)
        with m.If(release.valid):
            with m.If((release.slot < slots) & full.bit_select(release.slot, 1)):
                m.d.sync += full.bit_select(release.slot, 1).eq(0)
                with m.If(refused & self.enable & ~self.quiet):
                    # The refused sender waits for its ACK timer (frames long): tell it
                    # now. After the frame answers above, so it wins their clock.
                    m.d.sync += refused.eq(0)
                    m.d.comb += [to_send.nak.valid.eq(1), to_send.nak.seq.eq(expected),
                                 to_send.nak.busy.eq(0), to_send.nak.ready.eq(1)]
            with m.Else():
                m.d.comb += self.command_refused.eq(1)

        # Status: every slot, and the oldest packet waiting (the one longest before
        # `expected`; the FULL slots hold consecutive sequence numbers).
        valid, best_age, best_slot = Const(0, 1), Const(0, 8), Const(0, range(MAX_SLOTS))
        for s in range(slots):
            m.d.comb += [
                self.ready[s].eq(full[s]),
                self.info_length[16 * s:16 * s + 16].eq(length[s]),
                self.info_seq[8 * s:8 * s + 8].eq(seq[s]),
                self.info_count[8 * s:8 * s + 8].eq(count[s]),
            ]
            age = distance(expected, seq[s])
            older = full[s] & (~valid | (age > best_age))
            next_valid = Signal(name=f"head_valid_upto{s}")
            next_age = Signal(8, name=f"head_age_upto{s}")
            next_slot = Signal(range(MAX_SLOTS), name=f"head_slot_upto{s}")
            m.d.comb += [next_valid.eq(valid | full[s]),
                         next_age.eq(Mux(older, age, best_age)),
                         next_slot.eq(Mux(older, s, best_slot))]
            valid, best_age, best_slot = next_valid, next_age, next_slot
        # Registered: the search's compare chain ran on into the register file's read
        # path. Software cannot see the clock: a register read takes several.
        m.d.sync += [self.head_valid.eq(valid), self.head_slot.eq(best_slot),
                     self.head_seq.eq(seq[best_slot]), self.head_count.eq(count[best_slot])]

        # A link reset empties every slot and restarts at seq 0; a frame arriving across
        # it belongs to the old link and is not committed when it ends.
        with m.If(self.reset):
            m.d.sync += [full.eq(0), filling.eq(0), expected.eq(0), ack_next.eq(0),
                         have_last_ack.eq(0), refused.eq(0), action.eq(_Action.STALE)]
        return m
