"""The link PHY: transmit and receive paths with framing, and an internal loopback."""

from amaranth import Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_spec import idle_gap
from hdl.phy.frame_interfaces import FrameRxSignature, FrameTxSignature
from hdl.phy.lane import check_lane_width
from hdl.phy.phy_receiver import LineEvents, PhyReceiver
from hdl.phy.phy_transmitter import PhyTransmitter

__all__ = ["LinkPhy"]


class LinkPhy(wiring.Component):
    """Frames to line bits and back, over one lane each way.

    Parameters
    ----------
    lane_width : int
        Bits per clock, one of :data:`hdl.phy.lane.LANE_WIDTHS`.
    max_payload : int
        Largest frame payload accepted by the receiver (and sent: every frame is
        followed by :func:`msl_spec.idle_gap` of it, for the peer's clock compensation).

    Members
    -------
    tx : In(FrameTxSignature)
        Frames to send (see :class:`hdl.phy.framer.Framer`).
    rx : Out(FrameRxSignature)
        Frames received and judged (see :class:`hdl.phy.deframer.Deframer`).
    lane_tx : Out(lane_width)
    lane_tx_in_frame : Out(1)
        Test-equipment sideband marking frame bits on ``lane_tx``.
    lane_rx : In(lane_width)
    loopback : In(1)
        Receive our own ``lane_tx`` instead of ``lane_rx`` (the driver's self-test);
        ``lane_tx`` keeps sending.
    in_sync : Out(1)
    line_events : Out(LineEvents)
    """

    def __init__(self, lane_width: int, max_payload: int):
        self._width = check_lane_width(lane_width)
        self._max_payload = max_payload
        super().__init__({
            "tx": In(FrameTxSignature),
            "rx": Out(FrameRxSignature),
            "lane_tx": Out(self._width),
            "lane_tx_in_frame": Out(1),
            "lane_rx": In(self._width),
            "loopback": In(1),
            "in_sync": Out(1),
            "line_events": Out(LineEvents),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.transmitter = transmitter = PhyTransmitter(
            self._width, idle_gap(self._max_payload))
        m.submodules.receiver = receiver = PhyReceiver(self._width, self._max_payload)

        wiring.connect(m, wiring.flipped(self.tx), transmitter.frames)
        wiring.connect(m, receiver.frames, wiring.flipped(self.rx))
        m.d.comb += [
            self.lane_tx.eq(transmitter.lane),
            self.lane_tx_in_frame.eq(transmitter.lane_in_frame),
            receiver.lane.eq(Mux(self.loopback, transmitter.lane, self.lane_rx)),
            self.in_sync.eq(receiver.in_sync),
            self.line_events.eq(receiver.events),
        ]
        return m
