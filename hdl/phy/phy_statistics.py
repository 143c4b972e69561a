"""Statistics counters of one link PHY."""

from amaranth import Module
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from msl_spec import PHY_COUNTERS, STATUS_FLAGS
from hdl.event_counters import EventCounters
from hdl.phy.frame_interfaces import FrameRxSignature
from hdl.phy.phy_receiver import LineEvents

__all__ = ["PhyCounters", "TxEvents", "PhyStatistics"]

#: The counter values, 32 bits each, wrapping.
PhyCounters = data.StructLayout({name: 32 for name, _ in PHY_COUNTERS})

#: The transmit events of a PHY's ``tx`` interface, as a monitor sees them.
TxEvents = wiring.Signature({"sent": Out(1), "aborted": Out(1), "underrun": Out(1)})


class PhyStatistics(wiring.Component):
    """Counts every event of a :class:`hdl.phy.link_phy.LinkPhy` (see :data:`PHY_COUNTERS`).

    Members
    -------
    tx : In(TxEvents)
        The transmit events of the PHY's ``tx`` interface.
    rx : In(FrameRxSignature)
        Monitor of the PHY's receive interface.
    line_events : In(LineEvents)
    clear : In(1)
        Zero every counter.
    counts : Out(PhyCounters)
    """

    tx: In(TxEvents)
    rx: In(FrameRxSignature)
    line_events: In(LineEvents)
    clear: In(1)
    counts: Out(PhyCounters)

    def elaborate(self, platform):
        m = Module()
        m.submodules.counters = counters = EventCounters(name for name, _ in PHY_COUNTERS)
        rx, line = self.rx, self.line_events
        rejected = rx.end & rx.status.as_value().any()
        events = counters.events
        m.d.comb += [
            events.tx_frames.eq(self.tx.sent),
            events.tx_aborted.eq(self.tx.aborted),
            events.tx_underruns.eq(self.tx.underrun),
            events.rx_frames_good.eq(rx.end & ~rx.status.as_value().any()),
            events.rx_frames_bad.eq(rejected),
            *(getattr(events, f"rx_{flag}").eq(rx.end & getattr(rx.status, flag))
              for flag, _ in STATUS_FLAGS),
            events.rx_orphans.eq(rx.orphan),
            events.rx_code_violations.eq(line.code_violation),
            events.rx_disparity_errors.eq(line.disparity_error),
            events.rx_sync_acquired.eq(line.sync_acquired),
            events.rx_sync_losses.eq(line.sync_lost),
            counters.clear.eq(self.clear),
            self.counts.eq(counters.counts),
        ]
        return m
