"""The simulation transceiver (amaranth.sim): words reach the line in the PHY's order
whatever the modelled SERDES' bit order (which its raw words show), the receiver outputs
zeros while not locked, and the loopback returns the transmitted words."""

import pytest
from amaranth.sim import Simulator

from hdl.testbench.transceiver_model import TransceiverModel


def reversed_word(word: int) -> int:
    return int(f"{word:010b}"[::-1], 2)


def run(lsb_first: bool, steps):
    """``steps``: (inputs dict, check(outputs dict)) per clock, tx and rx on one clock."""
    dut = TransceiverModel(lsb_first)
    sim = Simulator(dut)
    sim.add_clock(8e-9, domain="tx")
    sim.add_clock(8e-9, domain="rx")
    seen = []

    async def bench(ctx):
        for inputs in steps:
            for name, value in inputs.items():
                ctx.set(getattr(dut, name), value)
            await ctx.tick("tx")
            seen.append({name: ctx.get(getattr(dut, name)) for name in
                         ("line_tx", "rx_data", "tx_raw", "rx_raw", "rx_cdr_locked",
                          "tx_pll_locked", "rx_signal_lost")})
    sim.add_testbench(bench)
    sim.run()
    return seen


@pytest.mark.parametrize("lsb_first", [False, True])
def test_the_line_carries_the_phys_order_and_raw_words_the_serdes_order(lsb_first, rng):
    words = [rng.getrandbits(10) for _ in range(20)]
    seen = run(lsb_first, [{"tx_data": w, "line_rx": w} for w in words])
    for word, out in zip(words, seen):
        assert out["line_tx"] == word                # the line: bit 9 first, always
        assert out["rx_data"] == word
        assert out["tx_raw"] == (reversed_word(word) if lsb_first else word)
        assert out["rx_raw"] == (reversed_word(word) if lsb_first else word)


def test_unlocked_receiver_outputs_zeros_and_reports_it(rng):
    words = [rng.getrandbits(9) | 1 for _ in range(6)]   # never zero
    steps = ([{"line_rx": w} for w in words[:2]]
             + [{"line_rx": w, "lock_lost": 1} for w in words[2:4]]
             + [{"line_rx": w, "lock_lost": 0, "signal_lost": 1} for w in words[4:5]]
             + [{"line_rx": w, "signal_lost": 0, "rx_reset": 1} for w in words[5:]])
    seen = run(False, steps)
    assert [out["rx_data"] == w for w, out in zip(words, seen)] == [True, True] + [False] * 4
    assert [out["rx_data"] for out in seen[2:]] == [0] * 4
    assert [out["rx_cdr_locked"] for out in seen] == [1, 1, 0, 0, 0, 0]
    assert [out["rx_signal_lost"] for out in seen] == [0, 0, 0, 0, 1, 0]


def test_loopback_returns_the_transmitted_words(rng):
    words = [rng.getrandbits(10) for _ in range(8)]
    seen = run(True, [{"tx_data": w, "line_rx": 0, "loopback": 1} for w in words])
    # rx_data takes line_tx (registered on tx) on the next rx clock: one word behind
    assert [out["rx_data"] for out in seen[1:]] == words[:-1]
