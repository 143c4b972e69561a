"""Bus-functional view of the dual-link test top (:mod:`hdl.testbench.dual_link_top`):
four adapters -- server A's ``a`` and ``a2``, server B's ``b`` and ``b2`` -- and a
cable per link, each of which a test may cut."""

from __future__ import annotations

import random

from cocotb_tests.adapter_env import AdapterSide
from cocotb_tests.channel_bfm import ChannelHandle, seed_channels
from cocotb_tests.clocks import start_side_clocks
from hdl.testbench.dual_link_top import LINKS, SIDES

__all__ = ["DualLinkEnv"]


class DualLinkEnv:
    """Clock, reset, the four adapters (each server's second one on its first one's
    host memory) and the four channel directions (``a_to_b``, ``b_to_a``,
    ``a2_to_b2``, ``b2_to_a2``)."""

    def __init__(self, dut, params: dict, stall: float = 0.1, seed: int = 0):
        self.dut, self.params = dut, params
        self.side: dict[str, AdapterSide] = {}
        for index, name in enumerate(name for names in zip(*SIDES.values()) for name in names):
            first = SIDES[name[0]][0]
            shared = self.side[first].memory if name != first else None
            self.side[name] = AdapterSide(dut, name, params, stall, seed + index,
                                          memory=shared)
            if shared is not None:     # settings taken from the server's first port
                getattr(dut, f"{name}__memory").value = 0
                getattr(dut, f"{name}__memory_reseed").value = 0
        self.channel = {direction: ChannelHandle(dut, direction, params["lane_width"])
                        for near, far in LINKS
                        for direction in (f"{near}_to_{far}", f"{far}_to_{near}")}
        self._seed = seed

    async def start(self, seed: int | None = None) -> None:
        await start_side_clocks(self.dut, self.params, 0, random.Random(self._seed))
        await seed_channels(self.channel.values(), self._seed if seed is None else seed)
        for first, _ in SIDES.values():
            await self.side[first].memory.reseed()

    def cut(self, link: int, cut: bool = True) -> None:
        """Cut (or mend) both directions of link ``link`` (0: ``a``--``b``, 1:
        ``a2``--``b2``)."""
        near, far = LINKS[link]
        for direction in (f"{near}_to_{far}", f"{far}_to_{near}"):
            self.channel[direction].set(cut=int(cut))

    async def link_up(self, link: int, clocks: int) -> None:
        """Wait until both adapters of link ``link`` report it up."""
        for name in LINKS[link]:
            await self.side[name].wait_link_up(clocks)

    def frames_hit(self, link: int) -> int:
        """Frames the link's cable damaged (or cut short), both directions."""
        near, far = LINKS[link]
        return sum(self.channel[d].counters()["frames_hit"]
                   for d in (f"{near}_to_{far}", f"{far}_to_{near}"))
