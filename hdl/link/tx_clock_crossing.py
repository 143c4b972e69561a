"""The frame orders of the link layer (``sync``) crossed to the transceiver's word
clock (``tx``), where the framer puts them on the line."""

from amaranth import Cat, Module, Signal
from amaranth.lib import data, wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.fifo import AsyncFIFO
from amaranth.lib.wiring import In, Out

from hdl.link.link_interfaces import PayloadReadSignature
from hdl.phy.frame_interfaces import FrameTxSignature
from hdl.phy.frame_layouts import FrameHeader

__all__ = ["TxClockCrossing"]

#: One frame order as it crosses: the header, and the slot its payload is read from.
_Order = data.StructLayout({"header": FrameHeader, "slot": PayloadReadSignature.members["slot"].shape,
                            "reads_slot": 1})
#: What the framer reports back about a frame.
_Outcome = data.StructLayout({"sent": 1, "aborted": 1, "underrun": 1})


class TxClockCrossing(wiring.Component):
    """Frame orders from the link layer on ``sync`` to the framer on ``tx``.

    On the ``sync`` side it behaves as a framer does (:class:`hdl.phy.framer.Framer`):
    it takes one frame at a time (``orders.header.ready`` while no frame is
    outstanding), ``orders.busy`` until the framer has reported the frame sent or
    aborted, and ``sent``/``aborted``/``underrun`` come back as one-clock events, all on
    ``sync``. The order crosses in an :class:`~amaranth.lib.fifo.AsyncFIFO` and the
    outcomes in another, so none is lost whatever the two clocks' ratio.

    The payload is never on ``sync``: the transmit buffer's link port reads the slot on
    ``tx`` (``line_read`` starts it when the framer takes a DATA frame, as the frame
    arbiter's ``payload_read`` does in a single-clock build), and ``orders.payload``
    passes through to ``line.payload`` as wires: it is on ``tx`` end to end.

    Members
    -------
    orders : In(FrameTxSignature)
        From the frame arbiter (``sync``; ``payload`` on ``tx``, see above).
    read : In(PayloadReadSignature)
        The arbiter's slot read for the frame it hands over (``sync``).
    line : Out(FrameTxSignature)
        To the PHY's framer (``tx``).
    line_read : Out(PayloadReadSignature)
        To the transmit buffer's link port (``tx``).
    """

    orders: In(FrameTxSignature)
    read: In(PayloadReadSignature)
    line: Out(FrameTxSignature)
    line_read: Out(PayloadReadSignature)

    def elaborate(self, platform):
        m = Module()
        orders, line = self.orders, self.line
        m.submodules.order_fifo = order_fifo = AsyncFIFO(
            width=_Order.size, depth=2, w_domain="sync", r_domain="tx")
        m.submodules.outcome_fifo = outcome_fifo = AsyncFIFO(
            width=_Outcome.size, depth=4, w_domain="tx", r_domain="sync")

        # sync: one frame outstanding at a time, as the framer takes them.
        outstanding = Signal()
        order_in = Signal(_Order)
        m.d.comb += [
            orders.header.ready.eq(~outstanding & order_fifo.w_rdy),
            order_in.header.eq(orders.header.payload),
            order_in.slot.eq(self.read.slot),
            order_in.reads_slot.eq(self.read.start),
            order_fifo.w_data.eq(order_in),
            order_fifo.w_en.eq(orders.header.valid & orders.header.ready),
            orders.busy.eq(outstanding),
        ]
        outcome_out = Signal(_Outcome)
        m.d.comb += [outcome_out.eq(outcome_fifo.r_data), outcome_fifo.r_en.eq(1)]
        with m.If(outcome_fifo.r_rdy):
            m.d.comb += [orders.sent.eq(outcome_out.sent), orders.aborted.eq(outcome_out.aborted),
                         orders.underrun.eq(outcome_out.underrun)]
        with m.If(order_fifo.w_en):
            m.d.sync += outstanding.eq(1)
        # A tx-side reset empties the outcome FIFO (r_rst): no outcome will come then.
        with m.If((outcome_fifo.r_rdy & (outcome_out.sent | outcome_out.aborted))
                  | outcome_fifo.r_rst):
            m.d.sync += outstanding.eq(0)

        # tx: the framer takes the order when it is ready for a frame.
        order_out = Signal(_Order)
        taken = line.header.valid & line.header.ready
        m.d.comb += [
            order_out.eq(order_fifo.r_data),
            line.header.valid.eq(order_fifo.r_rdy),
            line.header.payload.eq(order_out.header),
            order_fifo.r_en.eq(line.header.ready),
            self.line_read.start.eq(taken & order_out.reads_slot),
            self.line_read.slot.eq(order_out.slot),
            self.line_read.length.eq(order_out.header.length),
        ]
        outcome_in = Signal(_Outcome)
        m.d.comb += [
            outcome_in.eq(Cat(line.sent, line.aborted, line.underrun)),
            outcome_fifo.w_data.eq(outcome_in),
            outcome_fifo.w_en.eq(outcome_in.as_value().any()),
        ]

        # abort: a level on sync (EMERGENCY pending while a DATA frame is outstanding),
        # resynchronized. It may still be high a few tx clocks after the DATA frame has
        # gone and the EMERGENCY frame has been taken: it only cuts a frame that reads a
        # slot (DATA), never the EMERGENCY frame it makes way for.
        abort = Signal()
        data_on_line = Signal()
        m.submodules.abort = FFSynchronizer(orders.abort, abort, o_domain="tx")
        with m.If(taken):
            m.d.tx += data_on_line.eq(order_out.reads_slot)
        m.d.comb += line.abort.eq(abort & data_on_line)

        # The payload is on tx throughout (see the class docstring).
        wiring.connect(m, wiring.flipped(orders.payload), wiring.flipped(line.payload))
        return m
