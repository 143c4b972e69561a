"""Shared fixtures of the fast unit tests (amaranth.sim, no external simulator)."""

import os
import random

import pytest


@pytest.fixture
def rng(request):
    """A seeded random generator. The seed is ``COCOTB_RANDOM_SEED`` when set (the
    project's one seed knob), else fresh; it is printed, so a failure can be repeated."""
    seed = os.environ.get("COCOTB_RANDOM_SEED")
    seed = int(seed) if seed else random.getrandbits(32)
    print(f"{request.node.name}: random seed {seed} (repeat with COCOTB_RANDOM_SEED={seed})")
    return random.Random(seed)
