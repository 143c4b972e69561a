"""Statistics counters: the PHY's and the link layer's, in the order of the STAT block."""

from .frame_format import STATUS_FLAGS, FrameKind

__all__ = ["PHY_COUNTERS", "LINK_COUNTERS"]

#: Every counter of the PHY's statistics block (:class:`hdl.phy.phy_statistics.PhyStatistics`):
#: (name, what one count means).
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
    # Clock compensation (docs/link-phy.md); zero in a single-clock build.
    ("rx_idles_deleted", "comma between frames dropped: the peer's clock runs faster"),
    ("rx_idles_inserted", "comma between frames repeated: the peer's clock runs slower"),
    ("rx_elastic_overflows", "symbol lost: the elastic buffer was full (clocks too far apart)"),
    ("rx_elastic_underflows", "symbol missing: the elastic buffer was empty (clocks too far "
                              "apart); the frame it fell in is rejected"),
)
if len({name for name, _ in PHY_COUNTERS}) != len(PHY_COUNTERS):
    raise ValueError("two PHY counters share a name")

#: Link-layer statistics counters: (name, what one count means). The PHY's own counters
#: (:data:`PHY_COUNTERS`) come first in the STAT block.
LINK_COUNTERS = (
    *((f"tx_{k.name.lower()}", f"{k.name} frame sent whole") for k in FrameKind),
    *((f"rx_{k.name.lower()}", f"good {k.name} frame received") for k in FrameKind),
    ("tx_replays", "DATA frame sent again (after NAK or ACK timeout)"),
    ("tx_ack_timeouts", "ACK timer expired with DATA unacknowledged"),
    ("rx_busy_refusals", "DATA refused for want of a free receive slot (NAK BUSY sent)"),
    ("rx_duplicates", "DATA received again after it was accepted (answered, not delivered)"),
    ("rx_out_of_order", "DATA ahead of the expected sequence number (discarded, NAK sent)"),
    ("rx_while_disabled", "frame received while CONTROL.enable was 0 (ignored)"),
    ("rx_stale", "DATA, ACK, NAK or HOLDOFF received while the link was being reset "
                 "(sent on the old link; ignored)"),
    ("dma_errors", "DMA job ended by an error response or a bad descriptor"),
)


