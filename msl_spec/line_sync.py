"""When a receiver trusts a symbol alignment, and when it gives it up.

The gateware (:class:`hdl.phy.symbol_sync.SymbolSync`, :class:`hdl.phy.phy_receiver.PhyReceiver`)
and the reference receiver (:mod:`msl_tools.waves.vcd_lanes`) both follow these numbers.
"""

__all__ = ["ACQUIRE_COMMAS", "ERROR_LIMIT", "GOOD_RUN", "RELOCK_BLIND_WORDS"]

#: Commas in a row at one alignment, with no invalid symbol between, that give sync.
ACQUIRE_COMMAS = 2
#: Unreturned invalid symbols (code or disparity errors) that lose sync.
ERROR_LIMIT = 4
#: Valid symbols in a row that win one invalid symbol's credit back.
GOOD_RUN = 16

#: Lane words after the one that ends a symbol costing synchronisation that pass by
#: before the aligner searches again: the aligner cuts the symbol, the decoder's verdict
#: is registered, and only then does the relock reach the aligner. A comma ending in
#: those words is not seen; reference receivers model this to agree frame for frame.
RELOCK_BLIND_WORDS = 2
