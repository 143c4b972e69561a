"""Two servers mirroring a key-value store over the MSL: the workload of ``make demo``,
``make soak`` and ``make bench``.

A :class:`MirroredServer` puts an SFT III workload on top of a
:class:`cocotb_tests.msl_system.Server`: it makes operations on its half of the store,
applies each to its own replica, writes it into host memory as a message and sends it
through its OS; its receive handler applies the peer's operations once the driver has
copied them (completion code 1, so the data is read back after the copy), and holds a
share of deliveries off. It keeps books per message: sent, handed to the driver,
completed, abandoned after a driver error.

:class:`MirrorRun` is one run: both servers up, traffic both ways at once, the drain,
the audit (:mod:`msl_apps.mirror.replica`) and a JSON summary.
"""

from __future__ import annotations

import dataclasses
import random
from collections import deque
from dataclasses import dataclass

import cocotb
from cocotb_tests.clocks import clock_cycles
from cocotb_tests.host_memory import SLVERR_HOLE
from msl_apps.mirror.replica import Operation, Replica, audit
from cocotb_tests.msl_system import SEND_REGION, DualLinkSystem, MslSystem, Server
from msl_spec import MessageHeader
from driver.msl_settings import DriverSettings
from driver.msl_driver import GET_STATISTICS
from driver.msl_statistics import MslStatistics, unpack_words
from server_os.sft3 import Answer, Code, DriverError
from msl_tools.tops import Variant, variants

__all__ = ["Workload", "MIRROR_SETTINGS", "MIRROR_BUILDS", "mirror_variant", "MirroredServer",
           "MirrorRun", "SCRATCH", "EAX_BASE"]

#: The builds the mirror runs on, by lane width: 10 bits a clock with 4 KiB slots and
#: four transmit slots against two receive slots (so a slow receiver refuses DATA for
#: real); a true serial line with 1 KiB slots.
MIRROR_BUILDS = {10: {"lane_width": 10, "slot_size": 4096, "tx_slots": 4, "rx_slots": 4},
                 1: {"lane_width": 1}}


def mirror_variant(lane_width: int = 10, transceiver_clocks: bool = False,
                   links: int = 1) -> Variant:
    """The mirror's build; with ``transceiver_clocks`` each server's adapter on clocks of
    its own (10-bit lane only), for runs with a clock offset; with ``links=2`` each
    server has two adapters, cross-wired pairwise (the dual-link top, 10-bit lane, one
    clock)."""
    if links not in (1, 2):
        raise ValueError(f"the mirror runs on 1 or 2 links, not {links}")
    if (transceiver_clocks or links == 2) and lane_width != 10:
        raise ValueError("runs on transceiver clocks (a clock offset) or two links need "
                         "the 10-bit lane")
    if links == 2:
        if transceiver_clocks:
            raise ValueError("the dual-link top runs on one clock (no clock offset)")
        return variants("dual_link", **MIRROR_BUILDS[lane_width])[0]
    return variants("adapter_pair", **MIRROR_BUILDS[lane_width],
                    transceiver_clocks=transceiver_clocks)[0]

#: Timers for long runs on a noisy line: the adapter replays up to 16 times (a NAK
#: replays at once, a lost frame after 5000 clocks) well inside the message timeout.
MIRROR_SETTINGS = DriverSettings(adapter_timeout_ticks=60, message_timeout_ticks=150,
                                 ack_timeout_clocks=5000,
                                 retry_limit=16, self_test_clocks=12000)

#: EAX of a server's n-th message: EAX_BASE[server] + n (tells the workload's messages
#: from the self-test's on the line).
EAX_BASE = {"a": 0xA0000000, "b": 0xB0000000}

#: Host memory outside everything the OS and the driver use: GetMSLStatistics' buffer.
SCRATCH = 0x001F_0000

#: Driver errors after which the driver has reset the link and forgotten every packet
#: it held: the OS knows those messages will never be acknowledged.
_RESETTING = (DriverError.HARDWARE_ERROR, DriverError.TIME_OUT_ERROR,
              DriverError.RECEIVE_ERROR)


#: The smallest message: room for an operation's encoding (msl_apps.mirror.replica).
MIN_MESSAGE = 16


@dataclass
class Workload:
    """What each server sends and how its OS answers (the same for both).

    Attributes
    ----------
    messages : int
        Operations (messages) each server sends.
    min_size, max_size : int
        Message data length, uniform in this range (bytes; at least 11 for an operation).
    burst : int
        Messages the OS sends back to back; the driver packs what queues meanwhile into
        multi-message packets.
    pause_clocks : int
        Up to this many clocks (uniform) between bursts.
    window : int
        Messages a server may have unacknowledged (handed to the driver or queued).
    keys : int
        Keys per server: few keys, so later operations overwrite earlier ones.
    holdoff : float
        Probability that the OS answers a delivery with HOLDOFF (each attempt).
    """

    messages: int = 300
    min_size: int = 16
    max_size: int = 1024
    burst: int = 6
    pause_clocks: int = 3000
    window: int = 512
    keys: int = 32
    holdoff: float = 0.03

    def check(self, max_data: int) -> None:
        if self.messages < 1:
            raise ValueError("messages must be at least 1")
        if not MIN_MESSAGE <= self.min_size <= self.max_size <= max_data:
            raise ValueError(f"message sizes must satisfy {MIN_MESSAGE} <= min <= max <= "
                             f"{max_data} (the slot's room), not "
                             f"{self.min_size}..{self.max_size}")
        if not 0 <= self.holdoff < 1:
            raise ValueError(f"holdoff is a probability in [0, 1), not {self.holdoff}")
        if self.burst < 1 or self.window < 1:
            raise ValueError("burst and window must be at least 1")


class SendArea:
    """The host memory a server's messages live in until they are acknowledged: a ring,
    released oldest first (completions come in send order, and abandoned messages are
    released with them)."""

    def __init__(self, base: int, end: int):
        self.base, self.end = base, end
        self.head = base
        self.live: deque = deque()    # (address, length), oldest first

    def allocate(self, length: int) -> int | None:
        """An address for ``length`` bytes, or None while the ring is full."""
        if not self.live:
            self.head = self.base
        tail = self.live[0][0] if self.live else None
        if tail is None or self.head > tail:        # free: [head, end) and [base, tail)
            if self.head + length <= self.end:
                address = self.head
            elif self.base + length <= (self.end if tail is None else tail):
                address = self.base
            else:
                return None
        elif self.head + length <= tail:            # wrapped: free is [head, tail)
            address = self.head
        else:
            return None
        self.head = (address + length + 3) & ~3
        self.live.append((address, length))
        return address

    def release_oldest(self, count: int) -> None:
        for _ in range(count):
            self.live.popleft()


class MirroredServer:
    """A server of the mirror: its replica, its sending, its receive handler, its books.

    Parameters
    ----------
    server : Server
        The server (OS, SFT III side, driver) it runs on.
    workload : Workload
    seed : int
    """

    def __init__(self, server: Server, workload: Workload, seed: int):
        self.server, self.mirror, self.name = server, server.mirror, server.name
        self.workload = workload
        self.rng = random.Random(seed)
        self.replica = Replica()
        self.sent: list[tuple[MessageHeader, bytes]] = []
        self.received: list[tuple[MessageHeader, bytes]] = []
        self.outstanding: deque[int] = deque()   # indices not completed nor abandoned
        self.completed: set[int] = set()
        self.errors: list[DriverError] = []
        self.stopped = False                     # the OS stopped sending (crash, failure)
        self.halted = False                      # the server stopped altogether
        self.stop_on_error = False               # stop sending once an error is reported
        self.bad_copy: set[int] = set()          # EAX values whose data goes to a bad address
        self.first_send_clock: int | None = None
        self.last_receive_clock = 0
        self.area = SendArea(*SEND_REGION)
        self.mirror.answer = self._answer
        self._os_completed = self.mirror.server_comm_completed
        self._os_error = self.mirror.server_comm_driver_error
        self.mirror.server_comm_completed = self._completed
        self.mirror.server_comm_driver_error = self._error

    def _clock(self) -> int:
        return self.server.os.platform.clocks()

    # ---- the OS's side of the driver's calls ----

    def _answer(self, header: MessageHeader, attempt: int) -> Answer:
        if self.rng.random() < self.workload.holdoff:
            return Answer(Code.HOLDOFF)
        esi = None
        if header.eax in self.bad_copy:
            self.bad_copy.discard(header.eax)
            esi = SLVERR_HOLE[0]

        async def apply(copied: MessageHeader) -> None:
            data = self.server.memory.read(copied.esi, copied.ecx)
            self.received.append((header, data))
            self.last_receive_clock = self._clock()
            try:
                self.replica.apply(Operation.decode(data))
            except ValueError:
                pass      # the audit counts it as corrupted
        return Answer(Code.OK_CALLBACK, esi=esi, callback=apply)

    def _handed(self) -> int:
        """Outstanding messages the driver has (the rest wait in the OS's queue)."""
        return len(self.outstanding) - len(self.mirror.queue)

    async def _completed(self, count: int) -> None:
        handed = self._handed()
        if count > handed:
            raise AssertionError(f"{self.name}: ServerCommCompleted({count}) with only "
                                 f"{handed} messages handed to the driver")
        for _ in range(count):
            index = self.outstanding.popleft()
            self.completed.add(index)
        self.area.release_oldest(count)
        await self._os_completed(count)

    async def _error(self, code: DriverError) -> None:
        self.errors.append(DriverError(code))
        if self.stop_on_error and code != DriverError.EMERGENCY:
            self.stopped = True
        if code in _RESETTING:
            # Everything handed to the driver is forgotten (never to be completed);
            # what is queued stays queued.
            handed = self._handed()
            for _ in range(handed):
                self.outstanding.popleft()
            self.area.release_oldest(handed)
        await self._os_error(code)

    # ---- sending ----

    def _header(self, number: int, data: bytes, address: int) -> MessageHeader:
        rng = self.rng
        return MessageHeader(EAX_BASE[self.name] + number,
                             rng.getrandbits(32), len(data), rng.getrandbits(32), address,
                             rng.getrandbits(32))

    async def send_all(self, clock) -> None:
        """Make and send the workload's operations, in bursts, within the window."""
        w = self.workload
        for number in range(w.messages):
            operation = Operation.generate(self.rng, self.name, number,
                                         self.rng.randint(w.min_size, w.max_size), w.keys)
            data = operation.encode()
            while True:
                if self.stopped:
                    return
                address = (self.area.allocate(len(data))
                           if len(self.outstanding) < w.window else None)
                if address is not None:
                    break
                await clock_cycles(clock, 50)
            self.server.memory.write(address, data)
            header = self._header(number, data, address)
            self.replica.apply(operation)
            self.sent.append((header, data))
            if self.first_send_clock is None:
                self.first_send_clock = self._clock()
            # Books and hand-over in one step: a driver error reported while this flow
            # waits for the CPU must not count this message as the driver's.
            async with self.server.os.cpu.interrupts_disabled():
                self.outstanding.append(number)
                await self.mirror.send(header)
            if number % w.burst == w.burst - 1 and w.pause_clocks:
                await clock_cycles(clock, self.rng.randint(0, w.pause_clocks))

    def settled(self) -> bool:
        """Nothing of this server's is waiting: every message completed or abandoned."""
        return self.halted or not self.outstanding

    async def statistics(self) -> dict:
        """GetMSLStatistics through DriverControl, as a console utility would call it."""
        driver = self.server.driver
        size = await driver.driver_control(GET_STATISTICS, 0)
        assert await driver.driver_control(GET_STATISTICS, SCRATCH) == 0
        table = unpack_words(MslStatistics, self.server.memory.read(SCRATCH, size))
        return dataclasses.asdict(table)


class MirrorRun:
    """One run of the mirror on the adapter-pair top (or, with ``links=2``, the
    dual-link top).

    Parameters
    ----------
    dut :
    workload : Workload
    seed : int
    settings : DriverSettings
    ppm : int
        Server b's clock offset (on the build with a clock per server).
    links : int
        1, or 2: each server loads the driver on two adapters (the dual-link build).
    """

    def __init__(self, dut, workload: Workload, seed: int,
                 settings: DriverSettings = MIRROR_SETTINGS, ppm: int = 0, links: int = 1):
        self.dut, self.workload, self.seed = dut, workload, seed
        system = DualLinkSystem if links == 2 else MslSystem
        self.system = system(dut, settings=settings, stall=0.05, seed=seed, ppm=ppm)
        self.servers: dict[str, MirroredServer] = {}
        self.log = dut._log
        self.started_clock = 0
        self.cut_record: dict | None = None   # a cable cut by the run, if any

    @property
    def channel(self) -> dict:
        return self.system.env.channel

    async def up(self) -> None:
        """Both servers loaded and the link up; the mirror's handlers installed."""
        await self.system.up()
        self.workload.check(self.system.a.driver.links[0].max_data)
        for index, server in enumerate((self.system.a, self.system.b)):
            self.servers[server.name] = MirroredServer(server, self.workload,
                                                       self.seed * 2 + index)
        self._clock = self.system.a.os.platform.clocks
        self.started_clock = self._clock()

    async def traffic(self, deadline_clocks: int, progress: bool = True) -> bool:
        """Both servers send their workload at once; returns once every message is
        completed or abandoned, False if ``deadline_clocks`` passed first."""
        clock = self.dut.clk
        senders = [cocotb.start_soon(s.send_all(clock)) for s in self.servers.values()]
        total = self.workload.messages * len(self.servers)
        reported, start = 0, self._clock()
        while self._clock() - start < deadline_clocks:
            done = all(task.done() for task in senders) and all(
                s.settled() for s in self.servers.values())
            applied = self.applied()
            if progress and (applied * 10 // total > reported or done):
                reported = applied * 10 // total
                self.log.info("progress: %d of %d messages applied (%d%%), %d clocks",
                              applied, total, 100 * applied // total, self._clock() - start)
            if done:
                return True
            await clock_cycles(clock, 200)
        for task in senders:
            task.cancel()
        self.log.warning("traffic did not settle in %d clocks", deadline_clocks)
        return False

    def audits(self) -> dict:
        """Each direction judged by :func:`msl_apps.mirror.replica.audit`."""
        result = {}
        for sender, receiver in (("a", "b"), ("b", "a")):
            s, r = self.servers[sender], self.servers[receiver]
            result[f"{sender}_to_{receiver}"] = audit(
                s.sent, r.received, s.completed,
                s.halted or any(code in _RESETTING for code in s.errors))
        return result

    def replicas_equal(self) -> bool:
        a, b = self.servers["a"].replica, self.servers["b"].replica
        return a.store == b.store

    def logs_equal(self) -> bool:
        """Each server's log of the peer's operations is the peer's own, in order."""
        return all(self.servers[o].replica.applied_from(p) ==
                   self.servers[p].replica.applied_from(p)
                   for o, p in (("a", "b"), ("b", "a")))

    def elapsed(self) -> int:
        """Clocks since both servers were up."""
        return self._clock() - self.started_clock

    def applied(self) -> int:
        """Messages applied to the replicas so far, both ways."""
        return sum(len(s.received) for s in self.servers.values())

    async def until_applied(self, fraction: float) -> None:
        """Wait until ``fraction`` of every message of the workload is applied."""
        while self.applied() < fraction * self.workload.messages * len(self.servers):
            await clock_cycles(self.dut.clk, 200)

    async def summary(self) -> dict:
        """Everything a report needs, JSON-ready."""
        directions = {}
        for name, result in self.audits().items():
            sender = self.servers[name[0]]
            data_bytes = sum(len(d) for h, d in sender.sent)
            receiver = self.servers[name[-1]]
            span = (receiver.last_receive_clock - (sender.first_send_clock or 0)) or 1
            directions[name] = {**dataclasses.asdict(result), "data_bytes": data_bytes,
                                "clocks": span,
                                "goodput_bits_per_clock": 8 * data_bytes / span}
        servers = {}
        for name, s in self.servers.items():
            servers[name] = {
                "errors": [code.name for code in s.errors],
                "statistics": await s.statistics() if not s.halted else None,
                "hardware": await self._hardware(name),
                "store_keys": len(s.replica.store),
            }
        return {"seed": self.seed, "workload": dataclasses.asdict(self.workload),
                "lane_width": self.system.env.params["lane_width"],
                "clocks": self.elapsed(),
                "directions": directions, "servers": servers,
                "channel": {d: c.counters() for d, c in self.channel.items()},
                "replicas_equal": self.replicas_equal(), "logs_equal": self.logs_equal()}

    async def _hardware(self, name: str) -> dict:
        """Server ``name``'s adapter counters (with two links, both adapters' summed)."""
        counts = [await side.stats() for side in self.system.adapters_of(name)]
        return {counter: sum(c[counter] for c in counts) for counter in counts[0]}

    async def down(self) -> None:
        """Unload the drivers of the servers still running; check their books."""
        for s in self.servers.values():
            if not s.halted:
                await s.server.unload()
                s.server.assert_books_empty()
