"""Transmit controller: slot states, sequence numbers, ACKs and replay (go-back-N)."""

from amaranth import Array, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_spec import MAX_MESSAGES, MAX_SLOTS, TxSlotState
from hdl.link.sequence import in_window

__all__ = ["TransmitController", "DataOfferSignature"]

#: A DATA frame the controller wants sent, as the frame arbiter sees it.
DataOfferSignature = wiring.Signature({
    "valid": Out(1),
    "slot": Out(range(MAX_SLOTS)),
    "seq": Out(8),
    "length": Out(16),
    "count": Out(8),
    "taken": In(1),    # the framer started it
    "sent": In(1),     # it went out whole
    "aborted": In(1),  # it was cut short (it will be offered again)
})


class TransmitController(wiring.Component):
    """Keeps each posted slot until the peer acknowledges it, and sends it again when
    needed.

    * TX_POST gives a FREE slot the next sequence number; slots go out in seq order.
    * ACK ``s`` acknowledges every frame up to ``s`` (cumulative): those slots become
      FREE and their message counts are added to ``acked_messages``.
    * NAK ``e`` (ERROR) replays from ``e`` at once. NAK BUSY means the peer had no free
      slot: replay waits for the ACK timer and does not count as a retry.
    * HOLDOFF restarts the ACK timer (the peer holds our packet for its OS).
    * The ACK timer (``ack_timeout`` clocks, restarted by any progress) replays from the
      oldest unacknowledged frame; after ``retry_limit`` replays without progress the
      transmitter halts, the outstanding slots become FAILED and ``error`` pulses. A link
      reset (``reset``) frees every slot and restarts at seq 0.

    Parameters
    ----------
    slots, slot_size : int

    Members
    -------
    post, post_slot, post_length, post_count : In
        TX_POST. ``post_refused`` pulses for a slot that is not FREE or a length or
        count out of range.
    ack_timeout, retry_limit : In
    can_send : In(1)
        Link up and enabled.
    reset : In(1)
    ack, ack_seq, ack_count, nak, nak_seq, nak_busy, holdoff, holdoff_seq : In
        Control frames received from the peer.
    data : Out(DataOfferSignature)
    free, slot_state, next_seq, base_seq, send_seq, retries, acked_messages,
    last_ack_seq, last_ack_count, halted : Out
        Status for the registers (``slot_state``: 3 bits per slot, TxSlotState).
    acked, sent, error, post_refused, replayed, timed_out : Out(1)
        One-clock events.
    """

    def __init__(self, slots: int, slot_size: int):
        self._slots, self._slot_size = slots, slot_size
        super().__init__({
            "post": In(1), "post_slot": In(4), "post_length": In(16), "post_count": In(8),
            "ack_timeout": In(32), "retry_limit": In(8),
            "can_send": In(1), "reset": In(1),
            "ack": In(1), "ack_seq": In(8), "ack_count": In(8),
            "nak": In(1), "nak_seq": In(8), "nak_busy": In(1),
            "holdoff": In(1), "holdoff_seq": In(8),
            "data": Out(DataOfferSignature),
            "free": Out(MAX_SLOTS), "slot_state": Out(3 * MAX_SLOTS),
            "next_seq": Out(8), "base_seq": Out(8), "send_seq": Out(8), "retries": Out(8),
            "acked_messages": Out(32), "last_ack_seq": Out(8), "last_ack_count": Out(8),
            "halted": Out(1),
            "acked": Out(1), "sent": Out(1), "error": Out(1), "post_refused": Out(1),
            "replayed": Out(1), "timed_out": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        slots = self._slots
        data = self.data

        busy = Signal(slots)    # not FREE
        failed = Signal(slots)
        slot_seq = Array(Signal(8, name=f"slot{s}_seq") for s in range(slots))
        slot_length = Array(Signal(16, name=f"slot{s}_length") for s in range(slots))
        slot_count = Array(Signal(8, name=f"slot{s}_count") for s in range(slots))
        ring = Array(Signal(range(slots), name=f"ring{i}") for i in range(MAX_SLOTS))  # slot of seq

        next_seq, base, send = self.next_seq, self.base_seq, self.send_seq
        high = Signal(8)  # one past the highest seq ever sent
        in_flight = Signal()
        in_flight_seq = Signal(8)
        rewind = Signal()         # go back to rewind_to once nothing is in flight
        rewind_to = Signal(8)
        acking = Signal()         # freeing slots base..ack_upto-1, one per clock
        ack_upto = Signal(8)
        timer = Signal(32)
        timer_on = Signal()
        restart_timer = Signal()
        peer_busy = Signal()

        def slot_of(seq):
            return ring[seq[:3]]

        # Posting.
        length_ok = (self.post_length >= 1) & (self.post_length <= self._slot_size)
        count_ok = (self.post_count >= 1) & (self.post_count <= MAX_MESSAGES)
        slot_ok = (self.post_slot < slots) & ~busy.bit_select(self.post_slot, 1)
        with m.If(self.post & length_ok & count_ok & slot_ok):
            m.d.sync += [
                busy.bit_select(self.post_slot, 1).eq(1),
                failed.bit_select(self.post_slot, 1).eq(0),
                slot_seq[self.post_slot].eq(next_seq),
                slot_length[self.post_slot].eq(self.post_length),
                slot_count[self.post_slot].eq(self.post_count),
                ring[next_seq[:3]].eq(self.post_slot),
                next_seq.eq(next_seq + 1),
            ]
        with m.Elif(self.post):
            m.d.comb += self.post_refused.eq(1)

        # Offering the next DATA frame to the arbiter.
        offer_slot = slot_of(send)
        m.d.comb += [
            data.valid.eq(self.can_send & ~self.halted & ~in_flight & ~rewind & ~acking
                          & (send != next_seq)),
            data.slot.eq(offer_slot),
            data.seq.eq(send),
            data.length.eq(slot_length[offer_slot]),
            data.count.eq(slot_count[offer_slot]),
        ]
        with m.If(data.valid & data.taken):
            m.d.sync += [in_flight.eq(1), in_flight_seq.eq(send)]
        # (Only a frame started since the last reset counts: in_flight guards it.)
        with m.If(data.aborted & in_flight):
            m.d.sync += in_flight.eq(0)
        with m.If(data.sent & in_flight):
            m.d.sync += in_flight.eq(0)
            m.d.comb += self.sent.eq(1)
            with m.If(in_flight_seq == send):
                m.d.sync += send.eq(send + 1)
            with m.If(in_window(in_flight_seq, base, high)):
                m.d.comb += self.replayed.eq(1)
            with m.Else():
                m.d.sync += high.eq(in_flight_seq + 1)
            with m.If(~timer_on):
                m.d.comb += restart_timer.eq(1)
        with m.If(rewind & ~in_flight):
            # Never back before the oldest unacknowledged frame.
            m.d.sync += [send.eq(Mux(in_window(rewind_to, base, next_seq, inclusive=True),
                                     rewind_to, base)),
                         rewind.eq(0)]

        # ACKs: cumulative, so free every slot up to the acknowledged seq.
        with m.If(self.ack & ~self.halted & in_window(self.ack_seq, base, high)):
            with m.If(~acking | in_window(self.ack_seq, ack_upto, high)):
                m.d.sync += [acking.eq(1), ack_upto.eq(self.ack_seq + 1),
                             self.last_ack_seq.eq(self.ack_seq),
                             self.last_ack_count.eq(self.ack_count)]
        with m.If(acking):
            base_slot = slot_of(base)
            with m.If(base == ack_upto):
                m.d.sync += [acking.eq(0), self.retries.eq(0), peer_busy.eq(0)]
                m.d.comb += [self.acked.eq(1), restart_timer.eq(1)]
                with m.If(~in_window(send, base, next_seq, inclusive=True)):
                    m.d.sync += [rewind.eq(1), rewind_to.eq(base)]  # skip acknowledged ones
            with m.Elif(~(in_flight & (in_flight_seq == base))):  # never free a slot on the line
                m.d.sync += [
                    busy.bit_select(base_slot, 1).eq(0),
                    self.acked_messages.eq(self.acked_messages + slot_count[base_slot]),
                    base.eq(base + 1),
                ]

        # NAK and HOLDOFF.
        with m.If(self.nak & ~self.halted & in_window(self.nak_seq, base, high, inclusive=True)):
            with m.If(self.nak_busy):
                m.d.sync += peer_busy.eq(1)
                m.d.comb += restart_timer.eq(1)
            with m.Elif(~peer_busy):
                m.d.sync += [rewind.eq(1), rewind_to.eq(self.nak_seq)]
        with m.If(self.holdoff & ~self.halted & in_window(self.holdoff_seq, base, high)):
            m.d.sync += self.retries.eq(0)
            m.d.comb += restart_timer.eq(1)

        # The ACK timer runs while frames are sent and unacknowledged. (A restart wins:
        # `high` moves up in the same clock as the first frame's completion.)
        with m.If(restart_timer):
            m.d.sync += [timer.eq(self.ack_timeout), timer_on.eq(1)]
        with m.Elif(base == high):
            m.d.sync += timer_on.eq(0)
        with m.Elif(timer_on & ~self.halted):
            m.d.sync += timer.eq(timer - 1)
            with m.If(timer == 0):
                m.d.comb += self.timed_out.eq(1)
                m.d.sync += [timer.eq(self.ack_timeout), rewind.eq(1), rewind_to.eq(base)]
                with m.If(peer_busy):
                    m.d.sync += peer_busy.eq(0)  # a refusal is not a failure: no retry
                with m.Elif(self.retries >= self.retry_limit):
                    m.d.comb += self.error.eq(1)
                    m.d.sync += [self.halted.eq(1), timer_on.eq(0), rewind.eq(0)]
                    for s in range(slots):
                        with m.If(busy[s] & in_window(slot_seq[s], base, next_seq)):
                            m.d.sync += failed[s].eq(1)
                with m.Else():
                    m.d.sync += self.retries.eq(self.retries + 1)

        # Status.
        for s in range(slots):
            state = Mux(~busy[s], TxSlotState.FREE,
                    Mux(failed[s], TxSlotState.FAILED,
                    Mux(in_flight & (slot_seq[s] == in_flight_seq), TxSlotState.SENDING,
                    Mux(in_window(slot_seq[s], base, high), TxSlotState.WAIT_ACK,
                        TxSlotState.POSTED))))
            m.d.comb += [self.slot_state[3 * s:3 * s + 3].eq(state), self.free[s].eq(~busy[s])]

        # A link reset forgets everything (counters of acknowledged messages stay).
        with m.If(self.reset):
            m.d.sync += [busy.eq(0), failed.eq(0), next_seq.eq(0), base.eq(0), send.eq(0),
                         high.eq(0), in_flight.eq(0), rewind.eq(0), acking.eq(0),
                         timer_on.eq(0), self.retries.eq(0), peer_busy.eq(0),
                         self.halted.eq(0)]
        return m
