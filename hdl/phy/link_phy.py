"""The link PHY: transmit and receive paths with framing, and an internal loopback."""

from amaranth import Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_spec import TOLERANCE_PPM, idle_gap
from hdl.phy.frame_interfaces import FrameRxSignature, FrameTxSignature
from hdl.phy.lane import check_lane_width
from hdl.phy.phy_receiver import CompensationEvents, LineEvents, PhyReceiver
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
    recovered_clock : bool
        ``lane_rx`` comes on its own clock, domain ``rx`` (see
        :class:`hdl.phy.phy_receiver.PhyReceiver`). The internal loopback is then left
        to the transceiver, which loops the line where the clocks are (``loopback`` is
        ignored here).
    tolerance_ppm : float
        The clock difference the sender's gaps and the receiver's buffer are sized for.

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
        On the lane's clock.
    compensation : Out(CompensationEvents)
    """

    def __init__(self, lane_width: int, max_payload: int, recovered_clock: bool = False,
                 tolerance_ppm: float = TOLERANCE_PPM):
        self._width = check_lane_width(lane_width)
        self._max_payload = max_payload
        self._recovered, self._tolerance = recovered_clock, tolerance_ppm
        super().__init__({
            "tx": In(FrameTxSignature),
            "rx": Out(FrameRxSignature),
            "lane_tx": Out(self._width),
            "lane_tx_in_frame": Out(1),
            "lane_rx": In(self._width),
            "loopback": In(1),
            "in_sync": Out(1),
            "line_events": Out(LineEvents),
            "compensation": Out(CompensationEvents),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.transmitter = transmitter = PhyTransmitter(
            self._width, idle_gap(self._max_payload, self._tolerance))
        m.submodules.receiver = receiver = PhyReceiver(
            self._width, self._max_payload, self._recovered, self._tolerance)
        # On a recovered clock the transceiver loops the line (see recovered_clock).
        looped = 0 if self._recovered else self.loopback

        wiring.connect(m, wiring.flipped(self.tx), transmitter.frames)
        wiring.connect(m, receiver.frames, wiring.flipped(self.rx))
        m.d.comb += [
            self.lane_tx.eq(transmitter.lane),
            self.lane_tx_in_frame.eq(transmitter.lane_in_frame),
            receiver.lane.eq(Mux(looped, transmitter.lane, self.lane_rx)),
            self.in_sync.eq(receiver.in_sync),
            self.line_events.eq(receiver.events),
            self.compensation.eq(receiver.compensation),
        ]
        return m
