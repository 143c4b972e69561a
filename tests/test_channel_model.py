"""The channel model is test equipment the scoreboards trust: its delay, error rate,
bursts, cut and its attribution of damage to frames are checked here."""

import math

import pytest
from amaranth import ClockDomain, Module

from tests.simulation import simulate
from hdl.testbench.channel_model import ChannelLane

LATENCY_CLOCKS = 3  # documented fixed latency of ChannelLane


def run_lane(width, words, in_frame=None, control=None, actions=None, seed=1):
    """Send lane words through one direction; return (received words, frame events,
    final status). ``actions``: clock -> dict of control changes or {"burst_now": 1}."""
    dut = ChannelLane(width)
    received, events, status = [], [], {}
    control = dict(control or {})
    in_frame = in_frame or [0] * len(words)

    async def testbench(ctx):
        ctx.set(dut.seed, seed)
        ctx.set(dut.reseed, 1)
        await ctx.tick()
        ctx.set(dut.reseed, 0)
        for clock, (word, framed) in enumerate(zip(words, in_frame)):
            change = (actions or {}).get(clock, {})
            ctx.set(dut.burst_now, change.get("burst_now", 0))
            ctx.set(dut.kill_frame, change.get("kill_frame", 0))
            control.update({k: v for k, v in change.items()
                            if k not in ("burst_now", "kill_frame")})
            for name, value in control.items():
                ctx.set(getattr(dut.control, name), value)
            ctx.set(dut.tx, word)
            ctx.set(dut.tx_in_frame, framed)
            received.append(ctx.get(dut.rx))
            if ctx.get(dut.frame_done):
                events.append((bool(ctx.get(dut.frame_hit)), bool(ctx.get(dut.frame_near_hit))))
            await ctx.tick()
        for name, _ in dut.status.shape():
            status[name] = ctx.get(getattr(dut.status, name))

    simulate(dut, testbench)
    return received, events, status


def bits_of(words, width):
    return [w >> position & 1 for w in words for position in range(width - 1, -1, -1)]


@pytest.mark.parametrize("width,delay_words,delay_bits", [(1, 0, 0), (1, 37, 0), (2, 5, 1),
                                                           (5, 9, 3), (10, 0, 7), (10, 20, 9)])
def test_delay_is_exact(width, delay_words, delay_bits, rng):
    words = [rng.randrange(1 << width) for _ in range(400)]
    received, _, _ = run_lane(width, words, control={"delay_words": delay_words,
                                                     "delay_bits": delay_bits})
    lag = delay_words * width + delay_bits + LATENCY_CLOCKS * width
    sent, got = bits_of(words, width), bits_of(received, width)
    assert got[lag + 200:] == sent[200:len(got) - lag]


def test_a_reset_empties_the_line(rng):
    """Words on the line before a reset never come out after it: the line then carries
    zeros until the delay has filled, as after power-up (the cocotb tests that share a
    simulator run each start from a reset)."""
    width, delay_words = 10, 20
    dut = ChannelLane(width)
    top = Module()
    top.domains.sync = sync = ClockDomain()
    top.submodules.dut = dut
    before = [rng.randrange(1, 1 << width) for _ in range(100)]
    after = [rng.randrange(1, 1 << width) for _ in range(100)]
    received = []

    async def testbench(ctx):
        ctx.set(dut.control.delay_words, delay_words)
        for word in before:
            ctx.set(dut.tx, word)
            await ctx.tick()
        ctx.set(sync.rst, 1)
        ctx.set(dut.tx, 0)
        for _ in range(2):
            await ctx.tick()
        ctx.set(sync.rst, 0)
        for word in after:
            ctx.set(dut.tx, word)
            received.append(ctx.get(dut.rx))
            await ctx.tick()

    simulate(top, testbench)
    lag = delay_words + LATENCY_CLOCKS
    assert received[:lag] == [0] * lag
    assert received[lag:] == after[:len(after) - lag]


def test_error_rate_statistics():
    """p = 5e-3 per bit on a 10-bit lane: word errors are Binomial(n, 1-(1-p)^10), every
    one counted in bits_flipped, at positions spread over the word."""
    width, clocks, p = 10, 8000, 5e-3
    per_word = 1 - (1 - p) ** width
    words = [0] * clocks
    received, _, status = run_lane(width, words,
                                   control={"error_threshold": round(per_word * 2**32)})
    flipped = [w for w in received[LATENCY_CLOCKS:] if w]
    expected = per_word * (clocks - LATENCY_CLOCKS)
    sigma = math.sqrt(expected * (1 - per_word))
    assert abs(len(flipped) - expected) < 5 * sigma, (len(flipped), expected)
    assert all(bin(w).count("1") == 1 for w in flipped)  # one bit per word
    assert status["bits_flipped"] == sum(bin(w).count("1") for w in received)
    positions = [w.bit_length() - 1 for w in flipped]
    for position in range(width):  # each position about expected / 10
        share = positions.count(position)
        assert abs(share - len(flipped) / width) < 6 * math.sqrt(len(flipped) / width)


def test_burst_is_confined_and_counted():
    width = 5
    received, _, status = run_lane(width, [0] * 200, control={"burst_bits": 40},
                                   actions={100: {"burst_now": 1}})
    damaged = [clock for clock, w in enumerate(received) if w]
    # The strobe is registered (a clock) and the burst then lasts 40 bit times.
    assert damaged and min(damaged) > 101 and max(damaged) <= 102 + 40 // width
    assert status["bursts"] == 1
    assert status["bits_flipped"] == sum(bin(w).count("1") for w in received)
    assert 5 <= status["bits_flipped"] <= 35  # about half of 40 bits


def test_cut_sends_zeros_or_noise():
    width = 10
    ones = [(1 << width) - 1] * 300
    received, _, _ = run_lane(width, ones, actions={100: {"cut": 1}, 200: {"cut_noise": 1}})
    assert set(received[110:200]) == {0}
    assert len(set(received[210:300])) > 20  # noise


def test_damage_is_attributed_to_the_right_frame():
    """Frames of 40 words with 40-word gaps; bursts placed inside frame 1, far before
    frame 2 and just before frame 3 (within the guard of three symbols)."""
    width = 10
    period, frames = 80, 4
    in_frame = [int(clock % period >= 40) for clock in range(period * frames + 20)]
    starts = [clock for clock in range(1, len(in_frame)) if in_frame[clock] and not in_frame[clock - 1]]
    bursts = {starts[1] + 10: {"burst_now": 1},     # inside frame 1
              starts[2] - 30: {"burst_now": 1},     # long before frame 2
              starts[3] - 3: {"burst_now": 1}}      # just before frame 3
    _, events, status = run_lane(width, [0] * len(in_frame), in_frame=in_frame,
                                 control={"burst_bits": 10}, actions=bursts)
    assert events == [(False, False), (True, False), (False, False), (False, True)]
    assert status["frames"] == frames and status["frames_hit"] == 1


@pytest.mark.parametrize("width", [1, 10])
def test_kill_frame_damages_exactly_the_next_frame(width):
    period = 400 // width
    in_frame = [int(clock % period >= period // 2) for clock in range(period * 4)]
    in_frame += [0] * period  # idle after the last frame, so its end is seen
    starts = [c for c in range(1, len(in_frame)) if in_frame[c] and not in_frame[c - 1]]
    received, events, status = run_lane(width, [0] * len(in_frame), in_frame=in_frame,
                                        actions={starts[1] - 5: {"kill_frame": 1}})
    assert events == [(False, False), (True, False), (False, False), (False, False)]
    assert status["bits_flipped"] == 1 == sum(bin(w).count("1") for w in received)
