"""Two link PHYs, each on its own clock, cross-wired (amaranth.sim): each receives on
the other's clock (its recovered clock) and frames on its own. Long frames back to
back, at -200, 0 and +200 ppm: every frame arrives intact and in order and the
compensation counters show no slip; at +2000 ppm, ten times the tolerance, slips are
counted and no damaged frame is reported good."""

import pytest
from amaranth import DomainRenamer, Module
from amaranth.lib import wiring
from amaranth.sim import Simulator

from tests.frame_monitor import FrameMonitor
from msl_spec import unpack_header
from hdl.phy.link_phy import LinkPhy
from hdl.phy.phy_statistics import PhyStatistics
from linkmodel.frames import Frame

PERIOD = 8e-9
SLOT = 2048
COUNTERS = ("rx_frames_good", "rx_idles_deleted", "rx_idles_inserted", "rx_elastic_overflows",
            "rx_elastic_underflows")


def pair():
    """PHY ``a`` on clock ``a``, receiving on ``b``; PHY ``b`` the other way round."""
    m = Module()
    phys = {}
    for side, other in (("a", "b"), ("b", "a")):
        rename = DomainRenamer({"sync": side, "tx": side, "rx": other})
        phys[side] = rename(LinkPhy(10, SLOT, transceiver_clocks=True))
        m.submodules[f"phy_{side}"] = phys[side]
    stats = DomainRenamer({"sync": "b", "rx": "a"})(PhyStatistics(line_domain="rx"))
    m.submodules.stats_b = stats
    a, b = phys["a"], phys["b"]
    wiring.connect(m, b.rx, stats.rx)
    m.d.comb += [b.lane_rx.eq(a.lane_tx), a.lane_rx.eq(b.lane_tx),
                 stats.line_events.eq(b.line_events), stats.compensation.eq(b.compensation)]
    return m, a, b, stats


def run(frames, ppm):
    """``a`` sends ``frames`` back to back; ``b``'s clock is ``ppm`` slower. Returns what
    ``b`` received and its PHY counters."""
    top, a, b, stats = pair()
    sim = Simulator(top)
    sim.add_clock(PERIOD, domain="a")
    sim.add_clock(PERIOD * (1 + ppm * 1e-6), domain="b", phase=PERIOD * 0.43)
    monitor = FrameMonitor(b.rx)
    counts = {}
    symbols = sum(len(f.payload) + 14 for f in frames) + 500

    async def sender(ctx):
        tx = a.tx
        queue = list(frames)
        payload = b""
        for clock in range(symbols):
            if queue and clock >= 100:   # an idle line first, for b to synchronise
                frame = queue[0]
                ctx.set(tx.header.valid, 1)
                for name in ("kind", "seq", "count", "aux"):
                    ctx.set(getattr(tx.header.payload, name), getattr(frame, name))
                ctx.set(tx.header.payload.length, len(frame.payload))
            else:
                ctx.set(tx.header.valid, 0)
            ctx.set(tx.payload.valid, bool(payload))
            ctx.set(tx.payload.payload, payload[0] if payload else 0)
            taken_header = queue and clock >= 100 and ctx.get(tx.header.ready)
            taken_byte = payload and ctx.get(tx.payload.ready)
            await ctx.tick("a")
            if taken_byte:
                payload = payload[1:]
            if taken_header:
                payload += queue.pop(0).payload
        for _ in range(20):   # counters read across clocks lag a few cycles
            await ctx.tick("a")
        counts.update({name: ctx.get(getattr(stats.counts, name)) for name in COUNTERS})

    async def receiver(ctx):
        while True:
            monitor.sample(ctx)
            await ctx.tick("b")

    sim.add_testbench(sender)
    sim.add_testbench(receiver, background=True)
    sim.run()
    return monitor, counts


def long_frames(rng, count):
    return [Frame(kind=1, seq=n, count=1, payload=rng.randbytes(SLOT)) for n in range(count)]


@pytest.mark.parametrize("ppm", [-200, 0, 200])
def test_long_frames_back_to_back_within_the_tolerance(ppm, rng):
    frames = long_frames(rng, 2)
    monitor, counts = run(frames, ppm)
    assert [(h, p, flags) for h, p, flags in monitor.frames] == \
        [(unpack_header(f.header()), f.payload, set()) for f in frames]
    assert counts["rx_frames_good"] == len(frames)
    assert counts["rx_elastic_overflows"] == counts["rx_elastic_underflows"] == 0, counts


def test_ten_times_the_tolerance_slips_are_counted_and_not_delivered(rng):
    frames = long_frames(rng, 4)
    monitor, counts = run(frames, 2000)
    assert counts["rx_elastic_overflows"] > 0, counts
    sent = [(unpack_header(f.header()), f.payload) for f in frames]
    good = [(h, p) for h, p, flags in monitor.frames if not flags]
    assert all(frame in sent for frame in good) and len(good) < len(frames)
