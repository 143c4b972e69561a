"""Statistics counters of one link PHY."""

from amaranth import Module
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from .frame_format import STATUS_FLAGS
from .frame_interfaces import FrameRxSignature
from .phy_receiver import LineEvents

__all__ = ["PHY_COUNTERS", "PhyCounters", "TxEvents", "PhyStatistics"]

#: Every counter of :class:`PhyStatistics`: (name, what one count means).
PHY_COUNTERS = (
    ("tx_frames", "frame sent whole, ending with END"),
    ("tx_aborted", "frame cut short with ABORT (on request or payload underrun)"),
    ("tx_underruns", "payload source had no byte ready when one was due"),
    ("rx_frames_good", "frame received whole with a good CRC"),
    ("rx_frames_bad", "frame received and rejected (any reason below)"),
    *((f"rx_{flag}", f"rejected frame: {meaning}") for flag, meaning in STATUS_FLAGS),
    ("rx_orphans", "run of stray symbols outside any frame"),
    ("rx_code_violations", "code word valid at neither running disparity"),
    ("rx_disparity_errors", "code word valid only at the opposite running disparity"),
    ("rx_sync_acquired", "symbol synchronisation gained"),
    ("rx_sync_losses", "symbol synchronisation lost after repeated invalid symbols"),
)
if len({name for name, _ in PHY_COUNTERS}) != len(PHY_COUNTERS):
    raise ValueError("two PHY counters share a name")

#: The counter values, 32 bits each, wrapping.
PhyCounters = data.StructLayout({name: 32 for name, _ in PHY_COUNTERS})

#: The transmit events of a PHY's ``tx`` interface, as a monitor sees them.
TxEvents = wiring.Signature({"sent": Out(1), "aborted": Out(1), "underrun": Out(1)})


class PhyStatistics(wiring.Component):
    """Counts every event of a :class:`hdl.link_phy.LinkPhy`, 32-bit wrapping counters.

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
        rx, line = self.rx, self.line_events
        good = rx.end & ~rx.status.as_value().any()
        increments = {
            "tx_frames": self.tx.sent,
            "tx_aborted": self.tx.aborted,
            "tx_underruns": self.tx.underrun,
            "rx_frames_good": good,
            "rx_frames_bad": rx.end & rx.status.as_value().any(),
            **{f"rx_{flag}": rx.end & getattr(rx.status, flag) for flag, _ in STATUS_FLAGS},
            "rx_orphans": rx.orphan,
            "rx_code_violations": line.code_violation,
            "rx_disparity_errors": line.disparity_error,
            "rx_sync_acquired": line.sync_acquired,
            "rx_sync_losses": line.sync_lost,
        }
        assert set(increments) == {name for name, _ in PHY_COUNTERS}
        for name, event in increments.items():
            counter = getattr(self.counts, name)
            with m.If(self.clear):
                m.d.sync += counter.eq(0)
            with m.Elif(event):
                m.d.sync += counter.eq(counter + 1)
        return m
