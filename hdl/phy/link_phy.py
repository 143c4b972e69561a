"""The link PHY: transmit and receive paths with framing, and an internal loopback."""

from amaranth import DomainRenamer, Module, Mux
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
    transceiver_clocks : bool
        The PHY runs on a transceiver's clocks: the transmit path (``tx``, ``lane_tx``)
        on its word clock, domain ``tx``; ``lane_rx`` on the clock recovered from the
        line, domain ``rx`` (see :class:`hdl.phy.phy_receiver.PhyReceiver`; ``rx``
        and ``in_sync`` stay on ``sync``, which must run at the line's word rate). The
        internal loopback is then left to the transceiver, which loops the line where
        the clocks are (``loopback`` is ignored here). Off: everything on ``sync``.
    tolerance_ppm : float
        The clock difference the sender's gaps and the receiver's buffer are sized for.

    Members
    -------
    tx : In(FrameTxSignature)
        Frames to send (see :class:`hdl.phy.framer.Framer`); on ``tx`` with
        ``transceiver_clocks``.
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

    def __init__(self, lane_width: int, max_payload: int, transceiver_clocks: bool = False,
                 tolerance_ppm: float = TOLERANCE_PPM):
        self._width = check_lane_width(lane_width)
        self._max_payload = max_payload
        self._transceiver, self._tolerance = transceiver_clocks, tolerance_ppm
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
        transmitter = PhyTransmitter(self._width, idle_gap(self._max_payload, self._tolerance))
        if self._transceiver:
            transmitter = DomainRenamer("tx")(transmitter)
        m.submodules.transmitter = transmitter
        m.submodules.receiver = receiver = PhyReceiver(
            self._width, self._max_payload, self._transceiver, self._tolerance)
        # On a transceiver's clocks the transceiver loops the line (see transceiver_clocks).
        looped = 0 if self._transceiver else self.loopback

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
