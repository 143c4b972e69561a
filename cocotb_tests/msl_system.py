"""Two mirrored servers on the adapter-pair top: each with its OS model, SFT III side
and MSL driver, on its own adapter, host memory (in RTL) and interrupt line.

This is the testbench topology of the design brief (section 6). A :class:`Server` is
what the tests drive: it makes messages in its host memory, sends them through its OS,
loads and unloads the driver as the console would, and shows the OS's books.
"""

from __future__ import annotations

import random

import cocotb

from cocotb_tests.adapter_env import AdapterPairEnv, AdapterSide
from cocotb_tests.clocks import clock_cycles, testbench_clock
from cocotb_tests.dual_link_env import DualLinkEnv
from cocotb_tests.driver_binding import CocotbPlatform, watch_interrupt_line
from cocotb_tests.harness import top_params
from msl_spec import MessageHeader
from hdl.testbench.dual_link_top import SIDES
from driver.msl_settings import DriverSettings
from driver.msl_driver import MslDriver
from server_os.netware import CustomData, ServerOs
from server_os.sft3 import Code, MirrorSide

__all__ = ["PORT", "PORT2", "LINE", "LOAD_LINE", "LOAD_LINE_2", "Server", "MslSystem",
           "DualLinkSystem", "wait_for", "TEST_SETTINGS",
           "same_messages"]

PORT, LINE = 0x1000, 5
LOAD_LINE = f"PORT={PORT:#x} INT={LINE}"
PORT2 = 0x2000                               # a server's second adapter (dual links)
LOAD_LINE_2 = f"PORT={PORT2:#x} INT={LINE}"
OS_POOL = (0x0001_0000, 0x0008_0000)       # AllocSemiPermMemory's memory
SEND_REGION = (0x000A_0000, 0x000F_F000)    # data of messages this server sends
RECEIVE_BUFFER = (0x0011_0000, 0x000E_0000)  # where its OS takes message data (base, size)

#: Short timers, so timeouts happen in a few ten thousand clocks (1 tick = 1000 clocks;
#: a full 4 KiB frame takes about 5000 clocks to gather and send at 10 bits a clock).
#: The adapter's replays (5 × 5000 clocks) get their chance before the message timeout.
TEST_SETTINGS = DriverSettings(adapter_timeout_ticks=12, message_timeout_ticks=30,
                               ack_timeout_clocks=5000, retry_limit=5,
                               self_test_clocks=12000)


def same_messages(got, sent, what):
    """``got`` (header, data) pairs are ``sent``, one for one, in order."""
    assert len(got) == len(sent), f"{what}: {len(got)} messages, {len(sent)} sent"
    for index, ((header, data), (want_header, want_data)) in enumerate(zip(got, sent)):
        assert header == want_header, f"{what}: message {index} header {header} != {want_header}"
        assert data == want_data, f"{what}: message {index} data differs"


async def wait_for(clock, condition, clocks: int, what: str, step: int = 100) -> None:
    """Poll ``condition()`` every ``step`` clocks; fail naming ``what`` after ``clocks``."""
    for _ in range(max(1, clocks // step)):
        if condition():
            return
        await clock_cycles(clock, step)
    assert condition(), f"timed out after {clocks} clocks waiting for {what}"


class Server:
    """One simulated server: OS, SFT III side and MSL driver on adapter ``side``.

    Parameters
    ----------
    side : AdapterSide
    settings : DriverSettings
    clocks_per_tick : int
    io_space : dict, optional
        Port → register bus; by default its own adapter at :data:`PORT`.
    irqs : list, optional
        Interrupt signals wired to the server's line :data:`LINE` (default: its adapter's).
    """

    def __init__(self, dut, side: AdapterSide, settings: DriverSettings,
                 clocks_per_tick: int, io_space: dict | None = None, seed: int = 0,
                 irqs: list | None = None):
        self.dut, self.side, self.name = dut, side, side.name
        platform = CocotbPlatform(testbench_clock(side.clk), side.memory)
        self.os = ServerOs(platform, OS_POOL[0], OS_POOL[1], clocks_per_tick, name=side.name)
        self.mirror = MirrorSide(self.os, *RECEIVE_BUFFER)
        self.io_space = io_space if io_space is not None else {PORT: side.bus}
        self.driver = MslDriver(self.os, self.mirror, self.io_space, settings)
        self.memory = side.memory
        self.rng = random.Random(seed)
        self._next = SEND_REGION[0]
        self.sent: list[tuple[MessageHeader, bytes]] = []
        cocotb.start_soon(self.os.run())
        for irq in irqs or [side.irq]:
            cocotb.start_soon(watch_interrupt_line(irq, side.clk, self.os, LINE))

    # ---- console ----

    async def load(self, line: str = LOAD_LINE, custom: CustomData | None = None) -> int:
        """LOAD: DriverInitialize; when it fails on a first load the module is unloaded
        (its resource tags go back to the OS)."""
        code = await self.driver.initialize(line, custom)
        if code and not self.driver.links:
            self.os.unload(self.driver.module)
        return code

    async def unload(self) -> None:
        """UNLOAD: DriverRemove, then the module's tags go back."""
        await self.driver.remove()
        self.os.unload(self.driver.module)

    def assert_books_empty(self) -> None:
        assert not self.os.outstanding(), f"{self.name}: left over: {self.os.outstanding()}"
        assert not self.os.tags_of(self.driver.module), \
            f"{self.name}: tags left: {self.os.tags_of(self.driver.module)}"

    # ---- messages ----

    def message(self, length: int, **fields) -> MessageHeader:
        """A message with ``length`` random data bytes placed in host memory; ``fields``
        set header values of its own (``ebx=...``)."""
        data = self.rng.randbytes(length)
        address = self._next
        if address + length > SEND_REGION[1]:
            raise AssertionError(f"{self.name}: send region exhausted")
        self._next = (address + length + 4) & ~3
        self.memory.write(address, data)
        number = len(self.sent)
        header = MessageHeader(0xA0000000 + number, self.rng.getrandbits(32), length,
                               self.rng.getrandbits(32), address,
                               self.rng.getrandbits(32))._replace(**fields)
        self.sent.append((header, data))
        return header

    def recycle_send_region(self) -> None:
        """Every message sent so far is completed: their data memory may be reused."""
        self._next = SEND_REGION[0]

    async def send(self, *lengths: int) -> list[MessageHeader]:
        """The OS sends a message per length (to the driver now, or onto its queue).
        When the send region is used up, it waits for every message sent to be
        acknowledged and starts from the region's beginning again."""
        headers = []
        for length in lengths:
            if self._next + length > SEND_REGION[1]:
                await wait_for(self.side.clk, lambda: self.acknowledged() >= len(self.sent),
                               10**7, f"{self.name}'s messages acknowledged (send region "
                               "used up)")
                self.recycle_send_region()
            headers.append(self.message(length))
            await self.mirror.send(headers[-1])
        return headers

    def taken(self) -> list[tuple[MessageHeader, bytes]]:
        """Messages this server's OS accepted (codes 0 and 1), with the data copied."""
        return [(d.header, self.mirror.data_of(d)) for d in self.mirror.accepted()
                if d.answer.code in (Code.OK, Code.OK_CALLBACK)]

    def acknowledged(self) -> int:
        """Messages the driver reported completed (ServerCommCompleted counts)."""
        return sum(self.mirror.completed)

    def stats(self) -> dict:
        return self.driver.stats.snapshot()


class MslSystem:
    """Clock, reset, both adapters, both servers; :meth:`up` loads both drivers."""

    def __init__(self, dut, settings: DriverSettings = TEST_SETTINGS,
                 clocks_per_tick: int = 1000, stall: float = 0.1, seed: int | None = None,
                 ppm: int = 0):
        self.dut = dut
        self.seed = random.getrandbits(32) if seed is None else seed
        dut._log.info("MslSystem seed %d", self.seed)
        self.env = self._environment(stall, ppm)
        self.settings, self.clocks_per_tick = settings, clocks_per_tick
        self.a: Server | None = None
        self.b: Server | None = None

    #: The LOAD lines each server's console gives, in order.
    load_lines = (LOAD_LINE,)

    def _environment(self, stall: float, ppm: int):
        return AdapterPairEnv(self.dut, top_params(), stall=stall, seed=self.seed,
                              memory_stall=0.0, ppm=ppm)

    def _server(self, name: str, seed: int) -> Server:
        return Server(self.dut, self.env.side[name], self.settings, self.clocks_per_tick,
                      seed=seed)

    def adapters_of(self, name: str) -> list:
        """Server ``name``'s adapters (AdapterSide), in load order."""
        return [self.env.side[name]]

    async def start(self) -> None:
        """Clock, reset and the two servers (drivers not loaded)."""
        await self.env.start(self.seed)
        self.a, self.b = self._server("a", self.seed), self._server("b", self.seed + 1)

    async def up(self) -> None:
        """Start, load both drivers, wait until every link between them is up."""
        await self.start()
        for server in (self.a, self.b):
            for line in self.load_lines:
                assert await server.load(line) == 0, f"{server.name}: {server.os.console}"
        for side in self.env.side.values():
            await side.wait_link_up(40000)

    async def clocks(self, count: int) -> None:
        await clock_cycles(self.dut.clk, count)

    async def until(self, condition, clocks: int, what: str) -> None:
        try:
            await wait_for(self.dut.clk, condition, clocks, what)
        except AssertionError:
            await self.describe()
            raise

    async def describe(self) -> None:
        """Log both servers' state (for a failing test)."""
        for server in (self.a, self.b):
            if server is None:
                continue
            log = self.dut._log
            stats = {k: v for k, v in server.stats().items() if v}
            log.info("%s: driver %s", server.name, stats)
            log.info("%s: console %s alerts %s errors %s", server.name, server.os.console,
                     server.os.alerts, server.mirror.errors)
            log.info("%s: deliveries %s, completed %s, queue %d, results %s", server.name,
                     [tuple(d.header)[:3] for d in server.mirror.deliveries], server.mirror.completed,
                     len(server.mirror.queue), server.mirror.send_results)
            hardware = {k: v for k, v in (await server.side.stats()).items() if v}
            log.info("%s: hardware %s", server.name, hardware)
            for side in self.adapters_of(server.name):
                log.info("%s: adapter %s link %s tx %s", server.name, side.name,
                         await side.regs.fields("LINK_STATUS"),
                         await side.regs.fields("TX_STATE"))
            for link in server.driver.links:
                log.info("%s: port %#x active %s posted %s queued %s received %s holding "
                         "%s timers %s", server.name, link.config.port, link.active,
                         [len(p) for p in link.posted], [len(p) for p in link.queued],
                         list(link.received), link.holding, link.timers)

    async def down(self) -> None:
        """Unload both drivers and check every book is balanced."""
        for server in (self.a, self.b):
            await server.unload()
            server.assert_books_empty()


class DualLinkSystem(MslSystem):
    """The two servers on the dual-link top (:mod:`cocotb_tests.dual_link_env`): each
    loads the driver on both its adapters (ports :data:`PORT` and :data:`PORT2`, one
    shared interrupt line); the first carries, the second stands by."""

    load_lines = (LOAD_LINE, LOAD_LINE_2)

    def _environment(self, stall: float, ppm: int):
        if ppm:
            raise ValueError("the dual-link top runs on one clock")
        return DualLinkEnv(self.dut, top_params(), stall=stall, seed=self.seed)

    def adapters_of(self, name: str) -> list:
        return [self.env.side[n] for n in SIDES[name]]

    def _server(self, name: str, seed: int) -> Server:
        first, second = (self.env.side[n] for n in SIDES[name])
        return Server(self.dut, first, self.settings, self.clocks_per_tick,
                      io_space={PORT: first.bus, PORT2: second.bus}, seed=seed,
                      irqs=[first.irq, second.irq])
