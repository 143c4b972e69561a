"""The link controller's reset rules (docs/link-protocol.md, "Reset" and "The peer's
reset"), driven frame by frame: who resets, who is held, who answers what."""

from tests.simulation import simulate
from msl_spec import LinkCommand
from hdl.link.link_controller import LinkController

INTERVAL = 16


class Link:
    """Steps a LinkController and records the LINK frames it asks to send."""

    def __init__(self, ctx, dut):
        self.ctx, self.dut = ctx, dut
        self.requested: list[LinkCommand] = []
        self.local_resets = self.peer_resets = 0

    async def step(self, received: LinkCommand | None = None, reset_command: bool = False):
        """One clock with a frame or the driver's command; a frame takes a second clock,
        in which the controller acts on it (it takes LINK frames a clock late)."""
        ctx, dut = self.ctx, self.dut
        ctx.set(dut.received.valid, received is not None)
        ctx.set(dut.received.command, received or 0)
        ctx.set(dut.reset_command, reset_command)
        await self._clock()
        ctx.set(dut.received.valid, 0)
        ctx.set(dut.reset_command, 0)
        if received is not None:
            await self._clock()

    async def _clock(self):
        ctx, dut = self.ctx, self.dut
        bits = ctx.get(dut.request)
        self.requested += [c for c in LinkCommand if bits >> (c - 1) & 1]
        self.local_resets += ctx.get(dut.local_reset)
        self.peer_resets += ctx.get(dut.peer_reset)
        await ctx.tick()

    async def idle(self, clocks: int = 2 * INTERVAL):
        for _ in range(clocks):
            await self.step()

    def state(self) -> dict:
        return {name: self.ctx.get(getattr(self.dut, name))
                for name in ("up", "resetting", "held", "quiet")}

    def take(self) -> list[LinkCommand]:
        requested, self.requested = self.requested, []
        return requested


def run(scenario):
    dut = LinkController(INTERVAL)

    async def testbench(ctx):
        ctx.set(dut.enable, 1)
        ctx.set(dut.in_sync, 1)
        await scenario(Link(ctx, dut))

    simulate(dut, testbench)


async def bring_up(link: Link) -> None:
    await link.idle()
    assert LinkCommand.HELLO in link.take()
    await link.step(LinkCommand.HELLO_ACK)
    assert link.state()["up"]
    link.take()


def test_reset_of_a_link_that_carried_traffic_holds_until_the_driver_acknowledges():
    async def scenario(link):
        await bring_up(link)
        await link.step(LinkCommand.RESET)
        assert link.local_resets == 1 and link.peer_resets == 1
        assert link.state() == {"up": 0, "resetting": 0, "held": 1, "quiet": 1}
        await link.idle()
        assert link.take() == [LinkCommand.RESET_ACK], "held: no HELLO sent"
        await link.step(LinkCommand.HELLO)
        await link.step(LinkCommand.RESET)          # a repeat of the peer's RESET
        await link.idle(4)
        assert link.take() == [LinkCommand.RESET_ACK], "held: HELLO answered"
        assert link.local_resets == 1 and link.peer_resets == 1
        await link.step(reset_command=True)          # the driver acknowledges
        assert link.local_resets == 2
        assert link.state() == {"up": 0, "resetting": 0, "held": 0, "quiet": 0}
        await link.idle()
        requested = link.take()
        assert LinkCommand.HELLO in requested and LinkCommand.RESET not in requested
        await link.step(LinkCommand.HELLO_ACK)
        assert link.state()["up"]
    run(scenario)


def test_repeated_reset_before_the_link_comes_up_again_is_only_answered():
    async def scenario(link):
        await bring_up(link)
        await link.step(LinkCommand.RESET)
        await link.step(reset_command=True)
        await link.step(LinkCommand.RESET)           # sent before our RESET_ACK arrived
        assert link.peer_resets == 1 and link.local_resets == 2
        assert not link.state()["held"]
        await link.step(LinkCommand.HELLO_ACK)
        assert link.state()["up"]
        await link.step(LinkCommand.RESET)           # up since: a new reset
        assert link.peer_resets == 2 and link.state()["held"]
    run(scenario)


def test_own_reset_waits_for_the_answer_and_a_crossing_reset_is_not_a_second_one():
    async def scenario(link):
        await bring_up(link)
        await link.step(reset_command=True)
        assert link.state() == {"up": 0, "resetting": 1, "held": 0, "quiet": 1}
        await link.idle()
        requested = link.take()
        assert LinkCommand.RESET in requested and LinkCommand.HELLO not in requested
        await link.step(LinkCommand.HELLO)
        await link.step(LinkCommand.HELLO_ACK)
        assert LinkCommand.HELLO_ACK not in link.take(), "HELLO answered while resetting"
        assert not link.state()["up"], "up while resetting"
        await link.step(LinkCommand.RESET)           # the peer reset at the same time
        assert link.local_resets == 1 and link.peer_resets == 0
        assert link.state() == {"up": 0, "resetting": 0, "held": 0, "quiet": 0}
        await link.idle()
        assert link.take()[:2] == [LinkCommand.RESET_ACK, LinkCommand.HELLO]
        await link.step(LinkCommand.HELLO_ACK)
        assert link.state()["up"]
    run(scenario)


def test_reset_ack_ends_a_reset_through_the_hello_exchange():
    async def scenario(link):
        await bring_up(link)
        await link.step(reset_command=True)
        await link.step(LinkCommand.RESET_ACK)
        assert link.state() == {"up": 0, "resetting": 0, "held": 0, "quiet": 0}
        await link.idle()
        assert LinkCommand.HELLO in link.take()
        await link.step(LinkCommand.HELLO_ACK)
        assert link.state()["up"] and link.local_resets == 1 and link.peer_resets == 0
    run(scenario)
