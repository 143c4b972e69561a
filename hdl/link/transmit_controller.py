"""Transmit controller: slot states, sequence numbers, ACKs and replay (go-back-N)."""

from amaranth import Array, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_spec import MAX_MESSAGES, MAX_SLOTS, TxSlotState
from hdl.link.link_interfaces import (AnswersSignature, DataOfferSignature, PostSignature,
    TxProgressSignature)
from hdl.link.sequence import in_window

__all__ = ["TransmitController"]

class TransmitController(wiring.Component):
    """Keeps each posted slot until the peer acknowledges it, and sends it again when
    needed.

    * TX_POST gives a FREE slot the next sequence number; slots go out in seq order.
    * ACK ``s`` acknowledges every frame up to ``s`` (cumulative): those slots become
      FREE and their message counts are added to ``acked_messages``.
    * NAK ``e`` (ERROR) replays from ``e`` at once. NAK BUSY means the peer had no free
      slot: no frame goes out until the ACK timer runs out or NAK READY ``e`` comes (a
      slot came free), then it replays from ``e``; a refusal does not count as a retry.
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
    post : In(PostSignature)
        A packet posted (TX_POST or the DMA engine). ``post_refused`` pulses for a slot
        that is not FREE or a length or count out of range.
    ack_timeout, retry_limit : In
    can_send : In(1)
        Link up and enabled.
    peer_slots : In(8)
        The peer's receive slots: at most this many frames are sent and not yet
        acknowledged, so a peer whose driver acknowledges and releases together never
        has to refuse one (0: the peer did not say, no limit).
    reset : In(1)
    answers : In(AnswersSignature)
        ACK, NAK and HOLDOFF received from the peer, acted on a clock later.
    data : Out(DataOfferSignature)
    progress : Out(TxProgressSignature)
        FREE slots and messages acknowledged (for the DMA engine and the registers).
    slot_state, next_seq, base_seq, send_seq, retries, last_ack_seq, last_ack_count,
    halted : Out
        Status for the registers (``slot_state``: 3 bits per slot, TxSlotState).
    acked, sent, error, post_refused, replayed, timed_out : Out(1)
        One-clock events.
    """

    def __init__(self, slots: int, slot_size: int):
        self._slots, self._slot_size = slots, slot_size
        super().__init__({
            "post": In(PostSignature),
            "ack_timeout": In(32), "retry_limit": In(8),
            "can_send": In(1), "reset": In(1), "peer_slots": In(8),
            "answers": In(AnswersSignature),
            "data": Out(DataOfferSignature),
            "progress": Out(TxProgressSignature), "slot_state": Out(3 * MAX_SLOTS),
            "next_seq": Out(8), "base_seq": Out(8), "send_seq": Out(8), "retries": Out(8),
            "last_ack_seq": Out(8), "last_ack_count": Out(8),
            "halted": Out(1),
            "acked": Out(1), "sent": Out(1), "error": Out(1), "post_refused": Out(1),
            "replayed": Out(1), "timed_out": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        slots = self._slots
        data, post, acked_messages = self.data, self.post, self.progress.acked_messages
        # The answers are acted on a clock after the receive controller gives them, and
        # their window checks are made as they come, against the state of that clock:
        # the receive controller's frame-end decision, the checks (two subtracts and a
        # compare each) and the choice of rewind and timer were one path. The state a
        # check reads can move before the answer is acted on only in ways that keep it
        # right: `base` moves up only while acking (and an ACK is then judged against
        # `ack_upto`, which does not move), `high` only grows, a NAK's rewind is clamped
        # to `base` anyway, and a link reset drops the answers (they belong to the old
        # link). `ack_upto` moves only when an ACK is taken, so an ACK in the clock right
        # behind another is dropped; one answer comes per frame, frames many clocks
        # apart, and ACKs are cumulative.
        given = self.answers
        answers = AnswersSignature.create(path=("answer",))
        for (*_, port), (*_, taken) in zip(given.signature.flatten(given),
                                           AnswersSignature.flatten(answers)):
            m.d.sync += taken.eq(port)
        ack, nak, holdoff = answers.ack, answers.nak, answers.holdoff
        m.d.sync += ack.valid.eq(given.ack.valid & ~ack.valid)
        ack_in_window, ack_beyond = Signal(), Signal()   # in [base, high), [ack_upto, high)
        nak_in_window, holdoff_in_window = Signal(), Signal()

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

        m.d.sync += [ack_in_window.eq(in_window(given.ack.seq, base, high)),
                     ack_beyond.eq(in_window(given.ack.seq, ack_upto, high)),
                     nak_in_window.eq(in_window(given.nak.seq, base, high, inclusive=True)),
                     holdoff_in_window.eq(in_window(given.holdoff.seq, base, high))]

        def slot_of(seq):
            return ring[seq[:3]]

        # Posting.
        length_ok = (post.length >= 1) & (post.length <= self._slot_size)
        count_ok = (post.count >= 1) & (post.count <= MAX_MESSAGES)
        slot_ok = (post.slot < slots) & ~busy.bit_select(post.slot, 1)
        with m.If(post.valid & length_ok & count_ok & slot_ok):
            m.d.sync += [
                busy.bit_select(post.slot, 1).eq(1),
                failed.bit_select(post.slot, 1).eq(0),
                slot_seq[post.slot].eq(next_seq),
                slot_length[post.slot].eq(post.length),
                slot_count[post.slot].eq(post.count),
                ring[next_seq[:3]].eq(post.slot),
                next_seq.eq(next_seq + 1),
            ]
        with m.Elif(post.valid):
            m.d.comb += self.post_refused.eq(1)

        # Offering the next DATA frame to the arbiter.
        unacknowledged = Signal(8)
        m.d.comb += unacknowledged.eq(send - base)
        room_at_peer = (self.peer_slots == 0) | (unacknowledged < self.peer_slots)
        offer_slot = slot_of(send)
        m.d.comb += [
            # Refused for want of a slot, the peer would refuse the later frames too
            # (out of order): send nothing until it is ready or the ACK timer runs out.
            data.valid.eq(self.can_send & ~self.halted & ~in_flight & ~rewind & ~acking
                          & ~peer_busy & (send != next_seq) & room_at_peer),
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
        with m.If(ack.valid & ~self.halted & ack_in_window):
            with m.If(~acking | ack_beyond):
                m.d.sync += [acking.eq(1), ack_upto.eq(ack.seq + 1),
                             self.last_ack_seq.eq(ack.seq),
                             self.last_ack_count.eq(ack.count)]
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
                    acked_messages.eq(acked_messages + slot_count[base_slot]),
                    base.eq(base + 1),
                ]

        # NAK and HOLDOFF.
        with m.If(nak.valid & ~self.halted & nak_in_window):
            with m.If(nak.busy):
                m.d.sync += [peer_busy.eq(1), rewind.eq(1), rewind_to.eq(nak.seq)]
                m.d.comb += restart_timer.eq(1)
            with m.Elif(nak.ready):
                m.d.sync += [peer_busy.eq(0), rewind.eq(1), rewind_to.eq(nak.seq)]
                m.d.comb += restart_timer.eq(1)
            with m.Elif(~peer_busy):
                m.d.sync += [rewind.eq(1), rewind_to.eq(nak.seq)]
        with m.If(holdoff.valid & ~self.halted & holdoff_in_window):
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
            m.d.comb += [self.slot_state[3 * s:3 * s + 3].eq(state),
                         self.progress.free[s].eq(~busy[s])]

        # A link reset forgets everything (counters of acknowledged messages stay).
        with m.If(self.reset):
            m.d.sync += [ack.valid.eq(0), nak.valid.eq(0), holdoff.valid.eq(0),
                         busy.eq(0), failed.eq(0), next_seq.eq(0), base.eq(0), send.eq(0),
                         high.eq(0), in_flight.eq(0), rewind.eq(0), acking.eq(0),
                         timer_on.eq(0), self.retries.eq(0), peer_busy.eq(0),
                         self.halted.eq(0)]
        return m
