"""Frame orders crossing from the link layer's clock to the transceiver's word clock
(amaranth.sim, two clocks, each way faster): every frame goes on the line whole and in
order, its outcome comes back once on the link side, and an abort meant for a DATA
frame never cuts the frame that follows it."""

import pytest
from amaranth import DomainRenamer, Module
from amaranth.lib import wiring
from amaranth.sim import Simulator

from msl_spec import FrameKind
from hdl.link.tx_clock_crossing import TxClockCrossing
from hdl.phy.link_phy import LinkPhy
from linkmodel.frames import Frame
from tests.frame_monitor import FrameMonitor

MAX_PAYLOAD = 256


def line():
    """The crossing (``sync`` -> ``tx``), a PHY sending on ``tx`` and one receiving it."""
    m = Module()
    m.submodules.crossing = crossing = TxClockCrossing()
    m.submodules.sender = sender = DomainRenamer("tx")(LinkPhy(10, MAX_PAYLOAD))
    m.submodules.receiver = receiver = DomainRenamer("tx")(LinkPhy(10, MAX_PAYLOAD))
    wiring.connect(m, crossing.line, sender.tx)
    m.d.comb += receiver.lane_rx.eq(sender.lane_tx)
    return m, crossing, receiver


def run(orders, sync_period, tx_period, abort_after=None, abort_hold=0):
    """Hand ``orders`` (``(Frame, slot or None)``; a slot means DATA read from it) to the
    crossing one after another. With ``abort_after``: raise ``abort`` that many sync
    clocks after the first frame was taken, until its outcome plus ``abort_hold``
    clocks. Returns the frames received and the outcomes seen on ``sync``."""
    top, crossing, receiver = line()
    sim = Simulator(top)
    sim.add_clock(sync_period, domain="sync")
    sim.add_clock(tx_period, domain="tx", phase=tx_period * 0.37)
    monitor = FrameMonitor(receiver.rx)
    outcomes = []
    slots = {slot: frame.payload for frame, slot in orders if slot is not None}
    clocks = 200 + sum(len(f.payload) + 40 for f, _ in orders) * 2

    async def link_side(ctx):
        orders_port, read = crossing.orders, crossing.read
        queue = list(orders)
        taken_at, hold = None, None
        for clock in range(clocks):
            if queue and clock >= 60:   # an idle line first, for the receiver to lock
                frame, slot = queue[0]
                ctx.set(orders_port.header.valid, 1)
                for name in ("kind", "seq", "count", "aux"):
                    ctx.set(getattr(orders_port.header.payload, name), getattr(frame, name))
                ctx.set(orders_port.header.payload.length, len(frame.payload))
                taken = ctx.get(orders_port.header.ready)
                ctx.set(read.start, taken and slot is not None)
                ctx.set(read.slot, slot or 0)
            else:
                taken = False
                ctx.set(orders_port.header.valid, 0)
                ctx.set(read.start, 0)
            if abort_after is not None and taken_at is not None:
                aborting = clock >= taken_at + abort_after and (hold is None or hold > 0)
                ctx.set(orders_port.abort, aborting)
                if hold is not None:
                    hold -= 1
            for name in ("sent", "aborted", "underrun"):
                if ctx.get(getattr(orders_port, name)):
                    outcomes.append(name)
                    if hold is None and name == "aborted":
                        hold = abort_hold
            await ctx.tick("sync")
            if taken:
                queue.pop(0)
                taken_at = clock if taken_at is None else taken_at

    async def payload_source(ctx):
        payload = b""
        while True:
            ctx.set(crossing.orders.payload.valid, bool(payload))
            ctx.set(crossing.orders.payload.payload, payload[0] if payload else 0)
            start, slot = ctx.get(crossing.line_read.start), ctx.get(crossing.line_read.slot)
            took = payload and ctx.get(crossing.orders.payload.ready)
            monitor.sample(ctx)
            await ctx.tick("tx")
            if took:
                payload = payload[1:]
            if start:
                payload = slots[slot]

    sim.add_testbench(link_side)
    sim.add_testbench(payload_source, background=True)
    sim.run()
    return monitor, outcomes


def traffic(rng):
    orders = []
    for n in range(8):
        if rng.random() < 0.6:
            orders.append((Frame(FrameKind.DATA, seq=n, count=1,
                                 payload=rng.randbytes(rng.randrange(1, MAX_PAYLOAD))), n))
        else:
            orders.append((Frame(FrameKind.ACK, seq=n, count=n), None))
    return orders


@pytest.mark.parametrize("sync_period, tx_period", [(10e-9, 8e-9), (8e-9, 10e-9)],
                         ids=["tx faster", "sync faster"])
def test_every_frame_goes_out_whole_in_order_and_reports_once(sync_period, tx_period, rng):
    orders = traffic(rng)
    monitor, outcomes = run(orders, sync_period, tx_period)
    received = [(h["kind"], h["seq"], payload, flags) for h, payload, flags in monitor.frames]
    assert received == [(f.kind, f.seq, f.payload, set()) for f, _ in orders]
    assert outcomes == ["sent"] * len(orders)


def test_an_abort_cuts_the_data_frame_and_not_the_frame_after_it(rng):
    data = Frame(FrameKind.DATA, seq=1, count=1, payload=rng.randbytes(MAX_PAYLOAD - 1))
    emergency = Frame(FrameKind.EMERGENCY, seq=0, aux=7)
    # The arbiter's abort level drops only once the outcome has crossed back, and the
    # drop crosses again: held here well past the DATA frame's end (the worst case, an
    # abort in the CRC leaves little to drain), the EMERGENCY frame taken meanwhile
    # still goes out whole.
    monitor, outcomes = run([(data, 2), (emergency, None)], 10e-9, 8e-9,
                            abort_after=40, abort_hold=400)
    (first, _, first_flags), (second, second_payload, second_flags) = monitor.frames
    assert first["kind"] == FrameKind.DATA and "aborted" in first_flags
    assert (second["kind"], second_payload, second_flags) == (FrameKind.EMERGENCY, b"", set())
    assert outcomes == ["aborted", "sent"]
