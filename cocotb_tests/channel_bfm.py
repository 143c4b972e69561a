"""The channel model's testbench handle.

Shared by every test top that contains a :class:`hdl.testbench.channel_model.ChannelModel`
(ports ``a_to_b__*`` and ``b_to_a__*``).
"""

from __future__ import annotations

import cocotb
from cocotb.triggers import ReadOnly, RisingEdge

from cocotb_tests.clocks import strobe
from cocotb_tests.layout_values import pack, unpack
from hdl.testbench.channel_model import ChannelControl, ChannelStatus

__all__ = ["ChannelHandle", "seed_channels"]


async def seed_channels(channels, seed: int) -> None:
    """Give each channel direction its own random stream (after reset, which would
    otherwise undo it)."""
    for index, channel in enumerate(channels):
        await channel.reseed(seed + index)


class ChannelHandle:
    """Settings, counters and frame-hit log of one channel direction (``a_to_b``...)."""

    def __init__(self, dut, direction: str, lane_width: int, clock=None):
        self.dut, self.direction, self.lane_width = dut, direction, lane_width
        self.clock = dut.clk if clock is None else clock   # the direction's own clock
        port = lambda name: getattr(dut, f"{direction}__{name}")  # noqa: E731
        self.control_port, self.status_port = port("control"), port("status")
        self.seed_port, self.reseed_port = port("seed"), port("reseed")
        self.burst_now_port = port("burst_now")
        self.kill_port = port("kill_frame")
        self.done_port, self.hit_port = port("frame_done"), port("frame_hit")
        self.near_hit_port = port("frame_near_hit")
        self.settings = {name: 0 for name, _ in ChannelControl}
        self.control_port.value = 0
        self.burst_now_port.value = 0
        self.kill_port.value = 0
        self.reseed_port.value = 0
        # Per frame, in the order frames crossed: (bits of it damaged, line damaged just
        # before it); see hdl.testbench.channel_model.ChannelLane.
        self.hits: list[tuple[bool, bool]] = []
        self._task = cocotb.start_soon(self._watch_frames())

    async def _watch_frames(self) -> None:
        while True:
            await RisingEdge(self.done_port)
            await ReadOnly()
            self.hits.append((bool(self.hit_port.value), bool(self.near_hit_port.value)))

    def set(self, **settings) -> None:
        """Change settings (names of :data:`ChannelControl`); the rest keep their values.
        The channel registers them: they take effect a clock later."""
        unknown = set(settings) - set(self.settings)
        if unknown:
            raise ValueError(f"unknown channel setting(s): {', '.join(sorted(unknown))}")
        self.settings.update(settings)
        self.control_port.value = pack(ChannelControl, **self.settings)

    def set_delay(self, bits: int) -> None:
        """Line delay in bit times (plus the channel's fixed latency)."""
        self.set(delay_words=bits // self.lane_width, delay_bits=bits % self.lane_width)

    def set_error_rate(self, per_bit: float) -> None:
        """Bit error rate: the channel draws one error chance per lane word, so a word
        gets an error with the probability that any of its bits would."""
        if not 0 <= per_bit < 1:
            raise ValueError(f"a bit error rate is a probability in [0, 1), not {per_bit}")
        per_word = 1 - (1 - per_bit) ** self.lane_width
        self.set(error_threshold=min(round(per_word * 2**32), 2**32 - 1))

    async def reseed(self, seed: int) -> None:
        self.seed_port.value = seed & 0xFFFFFFFF
        await strobe(self.reseed_port, self.clock)

    async def burst(self) -> None:
        await strobe(self.burst_now_port, self.clock)

    async def kill_next_frame(self) -> None:
        """Damage the next frame that starts (one bit; see ChannelLane.kill_frame)."""
        await strobe(self.kill_port, self.clock)

    def counters(self) -> dict:
        return unpack(ChannelStatus, int(self.status_port.value))


