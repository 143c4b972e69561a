"""A word-level transceiver for simulation: what a SERDES does to the PHY's words, with
its lock and signal statuses, and none of its analogue."""

from amaranth import Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.transceiver.transceiver_interface import WORD_BITS, TransceiverSignature

__all__ = ["TransceiverModel"]


class TransceiverModel(wiring.Component):
    """One transceiver of the simulated link, on the clocks the testbench gives it.

    The ``tx`` domain is its word clock; the ``rx`` domain is the clock recovered from
    the line, which in simulation is the far end's word clock (a perfect clock and data
    recovery). Words go to the line (``line_tx``) on ``tx`` and come from it
    (``line_rx``) on ``rx``, one per clock.

    ``lsb_first`` models a SERDES that sends its parallel word's bit 0 first (as the ECP5
    DCU does) instead of bit 9: the model then holds what a board top needs for such a
    part, the word reversed into the hardware's order (``tx_raw``, ``rx_raw``, as the
    SERDES sees them), and a serializer that sends bit 0 first. The line words
    (``line_tx``, ``line_rx``: bits in the order they are on the line, first in bit 9,
    as the channel model expects) are the same either way, which is what the pair tests
    check.

    Statuses: ``tx_pll_locked`` while ``tx_reset`` is low; ``rx_signal_lost`` follows
    ``signal_lost`` (the testbench: the line is cut); ``rx_cdr_locked`` is low while
    ``rx_reset`` is high, while the signal is lost, or while the testbench makes the CDR
    drop its lock (``lock_lost``). While the CDR is not locked ``rx_data`` is all zeros,
    as a receiver's output is before lock. ``loopback`` sends ``tx_data`` back to
    ``rx_data`` (taken on ``tx``: the recovered clock of a looped line is the word clock,
    which the testbench must then give to ``rx``).

    Members
    -------
    (TransceiverSignature members)
    line_tx : Out(10)
    line_rx : In(10)
    tx_raw, rx_raw : Out(10)
        The words in the modelled SERDES' own bit order (for looking at).
    lock_lost, signal_lost : In(1)
        The testbench's faults.
    """

    def __init__(self, lsb_first: bool = False):
        self._lsb_first = lsb_first
        super().__init__({
            **TransceiverSignature.members,
            "line_tx": Out(WORD_BITS),
            "line_rx": In(WORD_BITS),
            "tx_raw": Out(WORD_BITS),
            "rx_raw": Out(WORD_BITS),
            "lock_lost": In(1),
            "signal_lost": In(1),
        })

    def _swap(self, word):
        """Between the PHY's order and the hardware's (the same both ways)."""
        return Cat(*reversed(list(word))) if self._lsb_first else word

    def elaborate(self, platform):
        m = Module()
        locked = Signal()
        m.d.comb += [
            self.tx_pll_locked.eq(~self.tx_reset),
            self.rx_signal_lost.eq(self.signal_lost),
            locked.eq(~self.rx_reset & ~self.signal_lost & ~self.lock_lost),
            self.rx_cdr_locked.eq(locked),
        ]
        # Board-top glue, then the SERDES: it sends tx_raw's bit 0 first when lsb_first.
        m.d.comb += self.tx_raw.eq(self._swap(self.tx_data))
        m.d.tx += self.line_tx.eq(self._swap(self.tx_raw))
        received = Mux(self.loopback, self.line_tx, self.line_rx)
        m.d.rx += self.rx_raw.eq(Mux(locked, self._swap(received), 0))
        m.d.comb += self.rx_data.eq(self._swap(self.rx_raw))
        return m
