"""Test top: two link PHYs cross-wired through the channel model."""

from amaranth import Module
from amaranth.lib import enum, stream, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from hdl.phy.frame_layouts import FrameHeader
from hdl.phy.lane import check_lane_width
from hdl.phy.link_phy import LinkPhy
from hdl.phy.phy_statistics import PhyCounters, PhyStatistics
from hdl.testbench.channel_model import ChannelModel, ChannelPort
from hdl.testbench.sampled_inputs import clock_and_reset, define_with_sampled_reset

__all__ = ["PhyPairTop", "RxEventKind"]


class RxEventKind(enum.Enum, shape=2):
    """What a receive event of :class:`PhyPairTop` reports."""

    HEADER = 0  #: ``rx_event_data`` = the header value
    BYTE = 1    #: ``rx_event_data`` = a payload byte
    END = 2     #: ``rx_event_data`` = the frame status (0 = good)
    ORPHAN = 3  #: a run of stray symbols began


def _side_signature(lane_width: int, fifo_depth: int) -> wiring.Signature:
    return wiring.Signature({
        # The side's lanes: what it sends into the channel and what reaches it.
        "lane_tx": Out(lane_width),
        "lane_rx": Out(lane_width),
        # Frames to send, buffered so the test can write a whole frame ahead of time:
        # the payload first, then the header that releases it.
        "tx_header": In(stream.Signature(FrameHeader)),
        "tx_payload": In(stream.Signature(8)),
        "tx_payload_free": Out(range(fifo_depth + 1)),
        "tx_abort": In(1),
        "tx_idle": Out(1),
        # Received frames as a sequence of events. ``rx_events`` counts them, so a test
        # waits for it to change rather than sampling every clock.
        "rx_events": Out(32),
        "rx_event_kind": Out(RxEventKind),
        "rx_event_data": Out(FrameHeader.size),
        "in_sync": Out(1),
        "loopback": In(1),
        "counts": Out(PhyCounters),
        "clear_counts": In(1),
    })


class PhyPairTop(wiring.Component):
    """Two :class:`hdl.phy.link_phy.LinkPhy` joined by a :class:`ChannelModel`.

    Parameters
    ----------
    lane_width : int
    max_payload : int
        Receivers' payload limit; also the depth of each transmit payload FIFO.
    max_delay_words : int
        Depth of the channel's delay line.

    Members
    -------
    a, b : Out(side signature)
        Per side: its lanes, transmit FIFOs, receive events, sync, loopback, counters.
    channel : ChannelModel ports ``a_to_b`` and ``b_to_a``
    clk, rst : In(1)
        The one clock; the reset is sampled at it (:mod:`hdl.testbench.sampled_inputs`).
    """

    def __init__(self, lane_width: int, max_payload: int = 1024, max_delay_words: int = 64):
        self._width = check_lane_width(lane_width)
        self._max_payload = max_payload
        self._max_delay_words = max_delay_words
        super().__init__({
            "a": Out(_side_signature(lane_width, max_payload)),
            "b": Out(_side_signature(lane_width, max_payload)),
            "a_to_b": In(ChannelPort),
            "b_to_a": In(ChannelPort),
            **clock_and_reset(),
        })

    def elaborate(self, platform):
        m = Module()
        define_with_sampled_reset(m, self)
        m.submodules.channel = channel = ChannelModel(self._width, self._max_delay_words)
        wiring.connect(m, wiring.flipped(self.a_to_b), channel.a_to_b)
        wiring.connect(m, wiring.flipped(self.b_to_a), channel.b_to_a)

        for name in ("a", "b"):
            side = getattr(self, name)
            phy = LinkPhy(self._width, self._max_payload)
            stats = PhyStatistics()
            headers = SyncFIFOBuffered(width=FrameHeader.size, depth=4)
            payload = SyncFIFOBuffered(width=8, depth=self._max_payload)
            m.submodules[f"phy_{name}"] = phy
            m.submodules[f"stats_{name}"] = stats
            m.submodules[f"headers_{name}"] = headers
            m.submodules[f"payload_{name}"] = payload

            m.d.comb += [
                headers.w_data.eq(side.tx_header.payload),
                headers.w_en.eq(side.tx_header.valid),
                side.tx_header.ready.eq(headers.w_rdy),
                phy.tx.header.payload.eq(headers.r_data),
                phy.tx.header.valid.eq(headers.r_rdy),
                headers.r_en.eq(phy.tx.header.ready),

                payload.w_data.eq(side.tx_payload.payload),
                payload.w_en.eq(side.tx_payload.valid),
                side.tx_payload.ready.eq(payload.w_rdy),
                side.tx_payload_free.eq(self._max_payload - payload.w_level),
                phy.tx.payload.payload.eq(payload.r_data),
                phy.tx.payload.valid.eq(payload.r_rdy),
                payload.r_en.eq(phy.tx.payload.ready),

                phy.tx.abort.eq(side.tx_abort),
                side.tx_idle.eq(~headers.r_rdy & ~payload.r_rdy & ~phy.tx.busy),
                phy.loopback.eq(side.loopback),
                side.in_sync.eq(phy.in_sync),

                stats.tx.sent.eq(phy.tx.sent),
                stats.tx.aborted.eq(phy.tx.aborted),
                stats.tx.underrun.eq(phy.tx.underrun),
                stats.line_events.eq(phy.line_events),
                stats.clear.eq(side.clear_counts),
                side.counts.eq(stats.counts),
            ]

            wiring.connect(m, phy.rx, stats.rx)

            # At most one receive event per clock: each comes with its own symbol.
            rx = phy.rx
            with m.If(rx.header_valid):
                m.d.sync += [side.rx_event_kind.eq(RxEventKind.HEADER),
                             side.rx_event_data.eq(rx.header)]
            with m.Elif(rx.payload_valid):
                m.d.sync += [side.rx_event_kind.eq(RxEventKind.BYTE),
                             side.rx_event_data.eq(rx.payload)]
            with m.Elif(rx.end):
                m.d.sync += [side.rx_event_kind.eq(RxEventKind.END),
                             side.rx_event_data.eq(rx.status)]
            with m.Elif(rx.orphan):
                m.d.sync += [side.rx_event_kind.eq(RxEventKind.ORPHAN),
                             side.rx_event_data.eq(0)]
            with m.If(rx.header_valid | rx.payload_valid | rx.end | rx.orphan):
                m.d.sync += side.rx_events.eq(side.rx_events + 1)

        # Cross-wire the lanes through the channel.
        phy_a, phy_b = m.submodules.phy_a, m.submodules.phy_b
        m.d.comb += [
            channel.a_tx.eq(phy_a.lane_tx),
            channel.a_tx_in_frame.eq(phy_a.lane_tx_in_frame),
            phy_a.lane_rx.eq(channel.a_rx),
            channel.b_tx.eq(phy_b.lane_tx),
            channel.b_tx_in_frame.eq(phy_b.lane_tx_in_frame),
            phy_b.lane_rx.eq(channel.b_rx),
            self.a.lane_tx.eq(phy_a.lane_tx),
            self.a.lane_rx.eq(channel.a_rx),
            self.b.lane_tx.eq(phy_b.lane_tx),
            self.b.lane_rx.eq(channel.b_rx),
        ]
        return m
