"""The boundary between the adapter's PHY and a transceiver (SERDES) that moves 10-bit
words at the line rate."""

from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["WORD_BITS", "TransceiverSignature"]

#: Bits per word on both sides of the boundary: one 8b/10b symbol (1:1 gearing).
WORD_BITS = 10

#: A transceiver, as it is seen from outside (the component implementing it has these
#: members with these flows).
#:
#: Clocks: the transceiver drives two clock domains of its own, ``tx`` (the word clock
#: its serializer takes ``tx_data`` on) and ``rx`` (the clock recovered from the line,
#: ``rx_data`` comes on it). Words are in the PHY's order: bit 9 is the first on the
#: line (``abcdeifghj``, as :data:`hdl.phy.lane.COMMA_WORDS`); an implementation whose
#: hardware sends bit 0 first reverses them.
#:
#: ``tx_data`` (on ``tx``): the word to send. ``rx_data`` (on ``rx``): the word received,
#: not aligned to symbol boundaries (the PHY's aligner finds them).
#: ``tx_reset``, ``rx_reset`` (in, asynchronous, from a reset sequencer): hold the
#: transmit / receive path in reset. ``tx_pll_locked``, ``rx_cdr_locked``,
#: ``rx_signal_lost`` (out, asynchronous: synchronize before use): the transmit PLL has
#: locked; the receiver's clock and data recovery has locked to the line; the receiver
#: sees no signal. ``loopback`` (in, asynchronous, static): loop the transmit path to
#: the receiver inside the transceiver, near the pins (the driver's self-test).
TransceiverSignature = wiring.Signature({
    "tx_data": In(WORD_BITS),
    "rx_data": Out(WORD_BITS),
    "tx_reset": In(1),
    "rx_reset": In(1),
    "tx_pll_locked": Out(1),
    "rx_cdr_locked": Out(1),
    "rx_signal_lost": Out(1),
    "loopback": In(1),
})
