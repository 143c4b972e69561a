"""Receive controller: accepts DATA into receive slots, exactly once and in order, and
answers everything else the peer sends."""

from amaranth import Array, Const, Module, Mux, Signal
from amaranth.lib import data, enum, wiring
from amaranth.lib.wiring import In, Out

from msl_spec import MAX_SLOTS, FrameKind, NakReason
from hdl.phy.frame_layouts import FrameHeader
from hdl.phy.frame_interfaces import FrameRxSignature
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
    other case is answered, never dropped silently: no free slot → NAK BUSY (the sender
    replays later); a duplicate already acknowledged → our last ACK again; a duplicate
    received but not yet acknowledged → HOLDOFF; DATA ahead of the expected one, or a
    damaged frame → NAK ERROR with the expected sequence number.

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
    write, write_slot, write_index, write_byte : Out
        Into the receive buffer.
    send_ack, send_ack_seq, send_ack_count, send_holdoff, send_holdoff_seq,
    release, release_slot : In
        Driver commands.
    ack_request, ..., nak_request, ... : Out
        Frames to send (one-clock requests; the frame arbiter keeps them pending).
    ack_received, nak_received, holdoff_received, emergency_received, link_received : Out
        Control frames from the peer, with their fields.
    ready, info_*, head_*, expected, ack_next : Out
        Status for the registers.
    packet, error, command_refused, busy_refusal, duplicate, out_of_order,
    while_disabled, stale : Out(1)
        One-clock events. ``received`` has one per good frame, by kind.
    packet_slot, packet_seq, packet_count, packet_length : Out
        With ``packet``: where the packet landed and what its header said.
    """

    def __init__(self, slots: int, slot_size: int):
        self._slots, self._slot_size = slots, slot_size
        super().__init__({
            "rx": In(FrameRxSignature),
            "enable": In(1), "reset": In(1), "quiet": In(1),
            "write": Out(1), "write_slot": Out(range(slots)), "write_index": Out(16),
            "write_byte": Out(8),
            "send_ack": In(1), "send_ack_seq": In(8), "send_ack_count": In(8),
            "send_holdoff": In(1), "send_holdoff_seq": In(8),
            "release": In(1), "release_slot": In(4),
            "ack_request": Out(1), "ack_request_seq": Out(8), "ack_request_count": Out(8),
            "holdoff_request": Out(1), "holdoff_request_seq": Out(8),
            "nak_request": Out(1), "nak_request_seq": Out(8), "nak_request_busy": Out(1),
            "ack_received": Out(1), "ack_seq": Out(8), "ack_count": Out(8),
            "nak_received": Out(1), "nak_seq": Out(8), "nak_busy": Out(1),
            "holdoff_received": Out(1), "holdoff_seq": Out(8),
            "emergency_received": Out(1), "emergency_reason": Out(8),
            "link_received": Out(1), "link_command": Out(8),
            "ready": Out(MAX_SLOTS),
            "info_length": Out(16 * MAX_SLOTS), "info_seq": Out(8 * MAX_SLOTS),
            "info_count": Out(8 * MAX_SLOTS),
            "head_valid": Out(1), "head_slot": Out(range(MAX_SLOTS)), "head_seq": Out(8),
            "head_count": Out(8),
            "expected": Out(8), "ack_next": Out(8),
            "packet": Out(1), "packet_slot": Out(range(MAX_SLOTS)), "packet_seq": Out(8),
            "packet_count": Out(8), "packet_length": Out(16),
            "error": Out(1), "command_refused": Out(1),
            "busy_refusal": Out(1), "duplicate": Out(1), "out_of_order": Out(1),
            "while_disabled": Out(1), "stale": Out(1), "received": Out(KindEvents),
        })

    def elaborate(self, platform):
        m = Module()
        slots, rx = self._slots, self.rx
        expected, ack_next = self.expected, self.ack_next

        full = Signal(slots)
        length = Array(Signal(16, name=f"slot{s}_length") for s in range(slots))
        seq = Array(Signal(8, name=f"slot{s}_seq") for s in range(slots))
        count = Array(Signal(8, name=f"slot{s}_count") for s in range(slots))
        have_last_ack = Signal()
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
            m.d.comb += [self.write.eq(1), self.write_slot.eq(fill_slot),
                         self.write_index.eq(index), self.write_byte.eq(rx.payload)]
            m.d.sync += index.eq(index + 1)

        good = rx.end & ~rx.status.as_value().any()
        with m.If(rx.end):
            m.d.sync += filling.eq(0)
        with m.If(rx.end & ~good):
            m.d.comb += self.error.eq(1)
            with m.If(self.enable & ~self.quiet):
                m.d.comb += [self.nak_request.eq(1), self.nak_request_seq.eq(expected)]
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
                    m.d.comb += self.packet.eq(1)
                with m.Case(_Action.BUSY):
                    m.d.comb += [self.busy_refusal.eq(1), self.nak_request.eq(1),
                                 self.nak_request_seq.eq(expected),
                                 self.nak_request_busy.eq(1)]
                with m.Case(_Action.DUP_ACKED):
                    m.d.comb += [self.duplicate.eq(1), self.ack_request.eq(have_last_ack),
                                 self.ack_request_seq.eq(last_ack_seq),
                                 self.ack_request_count.eq(last_ack_count)]
                with m.Case(_Action.DUP_HELD):
                    m.d.comb += [self.duplicate.eq(1), self.holdoff_request.eq(1),
                                 self.holdoff_request_seq.eq(header.seq)]
                with m.Case(_Action.OUT_OF_ORDER):
                    m.d.comb += [self.out_of_order.eq(1), self.nak_request.eq(1),
                                 self.nak_request_seq.eq(expected)]
                with m.Case(_Action.IGNORE):
                    m.d.comb += self.while_disabled.eq(1)
                with m.Case(_Action.STALE):
                    m.d.comb += self.stale.eq(1)
                with m.Case(_Action.CONTROL):
                    m.d.comb += [
                        self.ack_received.eq(header.kind == FrameKind.ACK),
                        self.nak_received.eq(header.kind == FrameKind.NAK),
                        self.holdoff_received.eq(header.kind == FrameKind.HOLDOFF),
                        self.emergency_received.eq(header.kind == FrameKind.EMERGENCY),
                        self.link_received.eq(header.kind == FrameKind.LINK),
                    ]
        m.d.comb += [
            self.packet_slot.eq(fill_slot), self.packet_seq.eq(header.seq),
            self.packet_count.eq(header.count), self.packet_length.eq(header.length),
            self.ack_seq.eq(header.seq), self.ack_count.eq(header.count),
            self.nak_seq.eq(header.seq), self.nak_busy.eq(header.aux == NakReason.BUSY),
            self.holdoff_seq.eq(header.seq), self.emergency_reason.eq(header.aux),
            self.link_command.eq(header.aux),
        ]

        # Driver commands.
        with m.If(self.send_ack):
            with m.If(in_window(self.send_ack_seq, ack_next, expected)):
                m.d.sync += [ack_next.eq(self.send_ack_seq + 1), have_last_ack.eq(1),
                             last_ack_seq.eq(self.send_ack_seq),
                             last_ack_count.eq(self.send_ack_count)]
                m.d.comb += [self.ack_request.eq(1), self.ack_request_seq.eq(self.send_ack_seq),
                             self.ack_request_count.eq(self.send_ack_count)]
            with m.Else():
                m.d.comb += self.command_refused.eq(1)
        with m.If(self.send_holdoff):
            with m.If(in_window(self.send_holdoff_seq, ack_next, expected)):
                m.d.comb += [self.holdoff_request.eq(1),
                             self.holdoff_request_seq.eq(self.send_holdoff_seq)]
            with m.Else():
                m.d.comb += self.command_refused.eq(1)
        with m.If(self.release):
            with m.If((self.release_slot < slots) & full.bit_select(self.release_slot, 1)):
                m.d.sync += full.bit_select(self.release_slot, 1).eq(0)
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
        m.d.comb += [self.head_valid.eq(valid), self.head_slot.eq(best_slot),
                     self.head_seq.eq(seq[best_slot]), self.head_count.eq(count[best_slot])]

        # A link reset empties every slot and restarts at seq 0; a frame arriving across
        # it belongs to the old link and is not committed when it ends.
        with m.If(self.reset):
            m.d.sync += [full.eq(0), filling.eq(0), expected.eq(0), ack_next.eq(0),
                         have_last_ack.eq(0), action.eq(_Action.STALE)]
        return m
