"""Statistics counters of one link PHY."""

from amaranth import Module
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from msl_spec import PHY_COUNTERS, STATUS_FLAGS
from hdl.event_counters import CrossDomainCounters, EventCounters
from hdl.phy.frame_interfaces import FrameRxSignature
from hdl.phy.phy_receiver import CompensationEvents, LineEvents

__all__ = ["PhyCounters", "TxEvents", "PhyStatistics"]

#: The counter values, 32 bits each, wrapping.
PhyCounters = data.StructLayout({name: 32 for name, _ in PHY_COUNTERS})

#: The transmit events of a PHY's ``tx`` interface, as a monitor sees them.
TxEvents = wiring.Signature({"sent": Out(1), "aborted": Out(1), "underrun": Out(1)})



class PhyStatistics(wiring.Component):
    """Counts every event of a :class:`hdl.phy.link_phy.LinkPhy` (see :data:`PHY_COUNTERS`).

    Parameters
    ----------
    line_domain : str
        The clock domain of ``line_events`` and of the write side of ``compensation``
        (``rx`` for a receiver on a recovered clock): their counters count there and
        are read here through :class:`~hdl.event_counters.CrossDomainCounters`.

    Members
    -------
    tx : In(TxEvents)
        The transmit events of the PHY's ``tx`` interface.
    rx : In(FrameRxSignature)
        Monitor of the PHY's receive interface.
    line_events : In(LineEvents)
    compensation : In(CompensationEvents)
    clear : In(1)
        Zero every counter.
    counts : Out(PhyCounters)
    """

    tx: In(TxEvents)
    rx: In(FrameRxSignature)
    line_events: In(LineEvents)
    compensation: In(CompensationEvents)
    clear: In(1)
    counts: Out(PhyCounters)

    def __init__(self, line_domain: str = "sync"):
        self._line_domain = line_domain
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        rx, line, compensation = self.rx, self.line_events, self.compensation
        rejected = rx.end & rx.status.as_value().any()
        # Events on the lane's clock (with a recovered clock, counted there).
        on_line = {
            "rx_code_violations": line.code_violation,
            "rx_disparity_errors": line.disparity_error,
            "rx_sync_acquired": line.sync_acquired,
            "rx_sync_losses": line.sync_lost,
            "rx_idles_deleted": compensation.deleted,
            "rx_elastic_overflows": compensation.overflow,
        }
        here = {
            "tx_frames": self.tx.sent,
            "tx_aborted": self.tx.aborted,
            "tx_underruns": self.tx.underrun,
            "rx_frames_good": rx.end & ~rx.status.as_value().any(),
            "rx_frames_bad": rejected,
            **{f"rx_{flag}": rx.end & getattr(rx.status, flag) for flag, _ in STATUS_FLAGS},
            "rx_orphans": rx.orphan,
            "rx_idles_inserted": compensation.inserted,
            "rx_elastic_underflows": compensation.underflow,
        }
        assert set(here) | set(on_line) == {name for name, _ in PHY_COUNTERS}
        if self._line_domain == "sync":
            here.update(on_line)
        m.submodules.counters = counters = EventCounters(here)
        banks = [(counters, here)]
        if self._line_domain != "sync":
            m.submodules.line_counters = line_counters = CrossDomainCounters(
                on_line, source_domain=self._line_domain)
            banks.append((line_counters, on_line))
        for counters, events in banks:
            m.d.comb += counters.clear.eq(self.clear)
            for name, event in events.items():
                m.d.comb += [getattr(counters.events, name).eq(event),
                             getattr(self.counts, name).eq(getattr(counters.counts, name))]
        return m
