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

#: Counters of events on the lane's clock: with a recovered clock they count there.
_LINE_COUNTERS = {"rx_code_violations": "code_violation", "rx_disparity_errors": "disparity_error",
                  "rx_sync_acquired": "sync_acquired", "rx_sync_losses": "sync_lost",
                  "rx_idles_deleted": "deleted", "rx_elastic_overflows": "overflow"}


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
        local = [name for name, _ in PHY_COUNTERS
                 if self._line_domain == "sync" or name not in _LINE_COUNTERS]
        m.submodules.counters = counters = EventCounters(local)
        rx, line, compensation = self.rx, self.line_events, self.compensation
        rejected = rx.end & rx.status.as_value().any()
        sources = {**{name: getattr(line, field) for name, field in _LINE_COUNTERS.items()
                      if field in LineEvents.members},
                   "rx_idles_deleted": compensation.deleted,
                   "rx_elastic_overflows": compensation.overflow}
        if self._line_domain != "sync":
            m.submodules.line_counters = line_counters = CrossDomainCounters(
                _LINE_COUNTERS, source_domain=self._line_domain)
            for name in _LINE_COUNTERS:
                m.d.comb += [getattr(line_counters.events, name).eq(sources[name]),
                             getattr(self.counts, name).eq(getattr(line_counters.counts, name))]
            m.d.comb += line_counters.clear.eq(self.clear)
        for name in local:
            m.d.comb += getattr(self.counts, name).eq(getattr(counters.counts, name))
        events = counters.events
        for name in set(_LINE_COUNTERS) & set(local):
            m.d.comb += getattr(events, name).eq(sources[name])
        m.d.comb += [
            events.tx_frames.eq(self.tx.sent),
            events.tx_aborted.eq(self.tx.aborted),
            events.tx_underruns.eq(self.tx.underrun),
            events.rx_frames_good.eq(rx.end & ~rx.status.as_value().any()),
            events.rx_frames_bad.eq(rejected),
            *(getattr(events, f"rx_{flag}").eq(rx.end & getattr(rx.status, flag))
              for flag, _ in STATUS_FLAGS),
            events.rx_orphans.eq(rx.orphan),
            events.rx_idles_inserted.eq(compensation.inserted),
            events.rx_elastic_underflows.eq(compensation.underflow),
            counters.clear.eq(self.clear),
        ]
        return m
