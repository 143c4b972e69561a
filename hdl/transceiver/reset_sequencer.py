"""Brings a transceiver out of reset in the order its PLLs need, and back into it when
they lose lock."""

import math

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

__all__ = ["DCU_TIMES", "TransceiverResetSequencer"]

#: The ECP5 DCU's waits, in seconds, from Lattice's reset sequence logic for it (RSL,
#: ``rsl_core.v``, which counts them on a 125-156 MHz reference clock; TN1261):
#:
#: ``pll_timeout``: a TX PLL not locked this long after its reset is reset again (5 ms).
#: ``tx_settle``: the PLL locked this long, without a break, before the transmit lane
#: leaves reset (the RSL's tx-ready wait, 3000 reference clocks).
#: ``cdr_timeout``: a CDR that sees a signal but has not locked this long after its
#: reset is reset again (band and DAC calibration: 256 x 64 + 16384 x 10 clocks).
#: ``rx_settle``: CDR locked and signal present this long, without a break, before the
#: receive lane leaves reset (DAC recalibration and word alignment, 16384 x 3 + 1024).
#: ``reset_pulse``: how long a PLL or CDR reset is pulsed (the RSL's 4 clocks).
DCU_TIMES = {
    "pll_timeout": 5e-3,
    "tx_settle": 3000 / 125e6,
    "cdr_timeout": (256 * 64 + 16384 * 10) / 125e6,
    "rx_settle": (16384 * 3 + 1024) / 125e6,
    "reset_pulse": 4 / 125e6,
}


class TransceiverResetSequencer(wiring.Component):
    """The reset sequence of a transceiver with a transmit PLL and a receive CDR.

    Runs on a free-running clock (domain ``sync``; rename it with
    :class:`amaranth.hdl.DomainRenamer`), never on a clock of the transceiver it resets.
    The transceiver's statuses arrive asynchronous and are synchronized here with
    :class:`amaranth.lib.cdc.FFSynchronizer`. The rules, in order:

    1. Start (and restart): pulse ``tx_pll_reset`` for ``reset_pulse`` clocks, with
       ``tx_reset``, ``rx_cdr_reset`` and ``rx_reset`` held.
    2. ``tx_reset`` is held until the TX PLL has been locked for ``tx_settle`` clocks
       without a break; the CDR and the receive lane stay in reset meanwhile (the CDR
       locks to the PLL's clock first). If the PLL has not locked ``pll_timeout``
       clocks after its reset, go to 1.
    3. Then ``tx_ready``: pulse ``rx_cdr_reset`` for ``reset_pulse`` clocks, and hold
       ``rx_reset`` until the CDR has been locked with a signal present for
       ``rx_settle`` clocks without a break. If the CDR has not locked ``cdr_timeout``
       clocks (counted while there is a signal) after its reset, repeat 3. With no
       signal it waits, as long as it takes.
    4. Then ``rx_ready``. A loss of CDR lock or of signal goes back to 3 (``rx_ready``
       falls, ``rx_reset`` rises at once); a loss of TX PLL lock, at any time after
       step 2, goes back to 1 (``tx_ready`` too).

    ``tx_ready`` and ``rx_ready`` are on this clock; ``tx_reset`` and ``rx_reset`` fall
    on it and are to be used as asynchronous resets (the transceiver's, and through
    :class:`amaranth.lib.cdc.ResetSynchronizer` the logic on its clocks).

    Parameters
    ----------
    pll_timeout, tx_settle, cdr_timeout, rx_settle, reset_pulse : int
        In clocks of the sequencer's domain (see :data:`DCU_TIMES`); the defaults are
        the DCU's times at 125 MHz. :meth:`for_clock` makes them for another clock.
    stages : int
        Synchronizer stages for the statuses.

    Members
    -------
    tx_pll_locked, rx_cdr_locked, rx_signal_lost : In(1)
        The transceiver's statuses (asynchronous).
    tx_pll_reset, rx_cdr_reset : Out(1)
        Pulses that restart the TX PLL and the CDR.
    tx_reset, rx_reset : Out(1)
        Hold the transceiver's transmit and receive lanes in reset.
    tx_ready, rx_ready : Out(1)
        The transmit path, and the receive path, are out of reset and locked.

    Raises
    ------
    ValueError
        A time below 1 clock, or timeouts no longer than the settle times they contain.
    """

    tx_pll_locked: In(1)
    rx_cdr_locked: In(1)
    rx_signal_lost: In(1)
    tx_pll_reset: Out(1)
    rx_cdr_reset: Out(1)
    tx_reset: Out(1)
    rx_reset: Out(1)
    tx_ready: Out(1)
    rx_ready: Out(1)

    def __init__(self, pll_timeout: int = 625_000, tx_settle: int = 3000,
                 cdr_timeout: int = 180_224, rx_settle: int = 50_176, reset_pulse: int = 4,
                 stages: int = 2):
        times = {"pll_timeout": pll_timeout, "tx_settle": tx_settle,
                 "cdr_timeout": cdr_timeout, "rx_settle": rx_settle,
                 "reset_pulse": reset_pulse}
        for name, value in times.items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of clocks >= 1, "
                                 f"not {value!r}")
        if pll_timeout <= tx_settle:
            raise ValueError(f"pll_timeout ({pll_timeout}) must be longer than tx_settle "
                             f"({tx_settle}): the PLL would never get to settle")
        if cdr_timeout <= rx_settle:
            raise ValueError(f"cdr_timeout ({cdr_timeout}) must be longer than rx_settle "
                             f"({rx_settle}): the CDR would never get to settle")
        self.times, self._stages = times, stages
        super().__init__()

    @classmethod
    def for_clock(cls, frequency: float, **overrides):
        """A sequencer whose times are :data:`DCU_TIMES` on a ``frequency`` Hz clock
        (rounded up; the reset pulse at least 4 clocks)."""
        times = {name: math.ceil(seconds * frequency) for name, seconds in DCU_TIMES.items()}
        times["reset_pulse"] = max(times["reset_pulse"], 4)
        times.update(overrides)
        return cls(**times)

    def elaborate(self, platform):
        m = Module()
        t = self.times

        pll_locked, cdr_locked, signal_lost = Signal(), Signal(), Signal(init=1)
        for name, status, synced in (("pll_locked", self.tx_pll_locked, pll_locked),
                                     ("cdr_locked", self.rx_cdr_locked, cdr_locked),
                                     ("signal_lost", self.rx_signal_lost, signal_lost)):
            m.submodules[f"sync_{name}"] = FFSynchronizer(
                status, synced, init=synced.init, stages=self._stages)
        rx_good = cdr_locked & ~signal_lost

        # One counter for every wait: each state starts it from zero.
        timer = Signal(range(max(t.values()) + 1))
        restart_timer = Signal()
        m.d.sync += timer.eq(timer + 1)
        with m.If(restart_timer):
            m.d.sync += timer.eq(0)
        # The settle counter counts an unbroken good spell; a break starts it again.
        settled = Signal(range(max(t["tx_settle"], t["rx_settle"]) + 1))

        def on_pll_loss():
            """After step 2: a loss of PLL lock starts again, and the outputs fall in
            the clock it is seen (these statements come last, so they win)."""
            with m.If(~pll_locked):
                m.d.comb += [self.tx_ready.eq(0), self.rx_ready.eq(0), self.tx_reset.eq(1),
                             self.rx_reset.eq(1), restart_timer.eq(1)]
                m.next = "PLL_RESET"

        with m.FSM(init="PLL_RESET"):
            with m.State("PLL_RESET"):
                m.d.comb += [self.tx_pll_reset.eq(1), self.tx_reset.eq(1),
                             self.rx_cdr_reset.eq(1), self.rx_reset.eq(1)]
                with m.If(timer == t["reset_pulse"] - 1):
                    m.d.comb += restart_timer.eq(1)
                    m.d.sync += settled.eq(0)
                    m.next = "WAIT_PLL"
            with m.State("WAIT_PLL"):
                m.d.comb += [self.tx_reset.eq(1), self.rx_cdr_reset.eq(1),
                             self.rx_reset.eq(1)]
                m.d.sync += settled.eq(Mux(pll_locked, settled + 1, 0))
                with m.If(pll_locked & (settled == t["tx_settle"] - 1)):
                    m.d.comb += restart_timer.eq(1)
                    m.next = "CDR_RESET"
                with m.Elif(timer == t["pll_timeout"] - 1):
                    m.d.comb += restart_timer.eq(1)
                    m.next = "PLL_RESET"
            with m.State("CDR_RESET"):
                m.d.comb += [self.tx_ready.eq(1), self.rx_cdr_reset.eq(1),
                             self.rx_reset.eq(1)]
                with m.If(timer == t["reset_pulse"] - 1):
                    m.d.comb += restart_timer.eq(1)
                    m.d.sync += settled.eq(0)
                    m.next = "WAIT_CDR"
                on_pll_loss()
            with m.State("WAIT_CDR"):
                m.d.comb += [self.tx_ready.eq(1), self.rx_reset.eq(1)]
                m.d.sync += settled.eq(Mux(rx_good, settled + 1, 0))
                with m.If(signal_lost):   # the CDR's timeout counts only with a signal
                    m.d.comb += restart_timer.eq(1)
                with m.If(rx_good & (settled == t["rx_settle"] - 1)):
                    m.d.comb += restart_timer.eq(1)
                    m.next = "READY"
                with m.Elif(timer == t["cdr_timeout"] - 1):
                    m.d.comb += restart_timer.eq(1)
                    m.next = "CDR_RESET"
                on_pll_loss()
            with m.State("READY"):
                m.d.comb += [self.tx_ready.eq(1), self.rx_ready.eq(1)]
                with m.If(~rx_good):
                    m.d.comb += [self.rx_ready.eq(0), self.rx_reset.eq(1),
                                 restart_timer.eq(1)]
                    m.next = "CDR_RESET"
                on_pll_loss()

        return m
