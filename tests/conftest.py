"""Shared fixtures of the fast unit tests (amaranth.sim, no external simulator)."""

import os
import random

import pytest
from amaranth.sim import Simulator


@pytest.fixture
def rng(request):
    """A seeded random generator. The seed is ``COCOTB_RANDOM_SEED`` when set (the
    project's one seed knob), else fresh; it is printed, so a failure can be repeated."""
    seed = os.environ.get("COCOTB_RANDOM_SEED")
    seed = int(seed) if seed else random.getrandbits(32)
    print(f"{request.node.name}: random seed {seed} (repeat with COCOTB_RANDOM_SEED={seed})")
    return random.Random(seed)


def simulate(dut, testbench, *, clock: bool = True) -> None:
    """Run one async ``testbench(ctx)`` against ``dut`` with amaranth.sim."""
    sim = Simulator(dut)
    if clock:
        sim.add_clock(10e-9)
    sim.add_testbench(testbench)
    sim.run()
