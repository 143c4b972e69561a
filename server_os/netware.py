"""The NetWare server the MSL driver runs in: the OS services it calls, kept on books.

:class:`ServerOs` models the services of the MSL chapter (resource tags, LOAD-line
parsing, hardware options, interrupts, AES and interrupt-time callbacks, semi-permanent
memory, the console) and keeps a book of everything handed out, so a test can check that
a driver gave all of it back (:meth:`ServerOs.outstanding`). The SFT III side (message
queues, the receive handler, completions, errors and the three globals) is
:class:`server_os.sft3.MirrorSide`.

Time is counted in OS ticks; one tick is ``clocks_per_tick`` bus clocks of the
simulation (NetWare's tick is about 55 ms; a simulation scales it down so that timeouts
happen in a few thousand clocks). :meth:`ServerOs.run` is the OS's timer: every tick it
runs the interrupt-time callbacks (at interrupt level, interrupts disabled) and the AES
events that fell due (each as a process of its own).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from server_os.cpu import Cpu
from server_os.platform import Platform

__all__ = [
    "ServerOs", "OsError", "Needs", "AdapterOptions", "IoConfiguration", "AesEvent",
    "TimerEvent", "CustomData", "ResourceKind",
]


class OsError(Exception):
    """A service refused a request (the message says why)."""


class ResourceKind(enum.Enum):
    """What a resource tag is for (NetWare's tag signatures)."""

    MSL_DRIVER = "MSL driver"
    IO_REGISTRATION = "I/O registration"
    INTERRUPT = "interrupt"
    TIMER = "interrupt-time callback"
    AES_PROCESS = "AES process"
    MEMORY = "semi-permanent memory"


class Needs(enum.IntFlag):
    """ParseDriverParameters' needs bitmap: options that must be given."""

    PORT = 1
    INTERRUPT = 2


@dataclass(frozen=True)
class AdapterOptions:
    """Valid values of each option (NetWare's AdapterOptionStructure)."""

    ports: tuple[int, ...]
    interrupts: tuple[int, ...]


@dataclass
class IoConfiguration:
    """An adapter's hardware options (NetWare's IOConfigurationStructure)."""

    port: int | None = None
    port_length: int = 0x1000
    interrupt: int | None = None
    share_interrupt: bool = False
    io_tag: int = 0

    def port_range(self) -> range:
        return range(self.port, self.port + self.port_length) if self.port is not None \
            else range(0)


@dataclass(eq=False)
class AesEvent:
    """An AES process event: ``callback`` runs ``ticks`` ticks after it is scheduled
    (at process level, as its own flow; a sleep event may wait with CRescheduleLast);
    with ``ticks=0`` as soon as the server runs process-level code again, before the
    next tick."""

    callback: Callable[[], Awaitable[None]]
    ticks: int = 1
    tag: int = 0
    due: int = field(default=0, init=False)


@dataclass(eq=False)
class TimerEvent:
    """An interrupt-time callback: ``callback`` runs once at the next tick, at
    interrupt level."""

    callback: Callable[[], Awaitable[None]]
    tag: int = 0


@dataclass
class CustomData:
    """A module's custom data file (what LOAD appends to the driver)."""

    data: bytes
    handle: int = 1


@dataclass
class _Interrupt:
    shared: bool
    handlers: list = field(default_factory=list)  # (isr, tag)


class ServerOs:
    """One server's operating system, as far as an MSL driver sees it.

    Parameters
    ----------
    platform : Platform
        Host memory, clock and flows.
    memory_base, memory_size : int
        The host memory AllocSemiPermMemory hands out.
    clocks_per_tick : int
        Bus clocks per OS tick.
    name : str
        For console lines and logs.

    Attributes
    ----------
    cpu : Cpu
        This server's interrupt flag.
    console : list of str
        What OutputToScreen wrote.
    alerts : list of str
        What QueueSystemAlert queued.
    ticks : int
        OS time.
    """

    def __init__(self, platform: Platform, memory_base: int, memory_size: int,
                 clocks_per_tick: int = 2000, name: str = "server"):
        if clocks_per_tick < 1:
            raise ValueError(f"clocks_per_tick must be positive, not {clocks_per_tick!r}")
        self.platform = platform
        self.memory = platform.memory
        self.cpu = Cpu(platform)
        self.name = name
        self.clocks_per_tick = clocks_per_tick
        self.ticks = 0
        self.console: list[str] = []
        self.alerts: list[str] = []
        self.refuse_tags: set[ResourceKind] = set()   # tests: make a tag allocation fail
        self.memory_limit = memory_size               # tests: shrink to make allocs fail
        self.aes_paused = False                       # tests: a server too busy for AES
        self._memory_base, self._memory_size = memory_base, memory_size
        self._next_tag = 0x5100
        self._tags: dict[int, tuple[str, ResourceKind]] = {}
        self._options: list[IoConfiguration] = []
        self._interrupts: dict[int, _Interrupt] = {}
        self._aes: set[AesEvent] = set()
        self._timers: set[TimerEvent] = set()
        self._blocks: dict[int, int] = {}             # address -> size
        self._comm_driver = None
        self.spurious_interrupts = 0

    # ---- books ----

    def outstanding(self) -> dict[str, list]:
        """Everything handed out and not returned (resource tags excepted: the OS takes
        those back itself when the module unloads, see :meth:`unload`)."""
        books = {
            "hardware options": list(self._options),
            "interrupts": [(line, isr) for line, entry in self._interrupts.items()
                           for isr, _ in entry.handlers],
            "AES events": list(self._aes),
            "interrupt-time callbacks": list(self._timers),
            "memory blocks": sorted(self._blocks.items()),
            "comm driver": [self._comm_driver] if self._comm_driver else [],
        }
        return {kind: items for kind, items in books.items() if items}

    def tags_of(self, module: str) -> list[tuple[int, ResourceKind]]:
        return [(tag, kind) for tag, (owner, kind) in self._tags.items() if owner == module]

    def unload(self, module: str) -> None:
        """The module is gone: its resource tags return to the OS."""
        for tag, _ in self.tags_of(module):
            del self._tags[tag]

    def _check_tag(self, tag: int, kind: ResourceKind) -> None:
        if tag not in self._tags or self._tags[tag][1] is not kind:
            raise OsError(f"resource tag {tag:#x} is not a valid {kind.value} tag")

    # ---- services ----

    def allocate_resource_tag(self, module: str, description: str, kind: ResourceKind) -> int:
        """AllocateResourceTag: a tag for ``kind`` resources, or 0 when refused."""
        if kind in self.refuse_tags:
            return 0
        self._next_tag += 1
        self._tags[self._next_tag] = (module, kind)
        return self._next_tag

    def parse_driver_parameters(self, config: IoConfiguration, options: AdapterOptions,
                                needs: Needs, command_line: str) -> None:
        """ParseDriverParameters: fill ``config`` from a LOAD line such as
        ``PORT=0x1000 INT=5``. Raises :class:`OsError` naming the option that is
        malformed, out of range or (when ``needs`` asks for it) missing; nothing is
        filled in then. (There is no operator to ask for a missing option.)"""
        given: dict[str, int] = {}
        for word in command_line.split():
            match = re.fullmatch(r"(?i)(PORT|INT)=(0x[0-9a-f]+|[0-9]+)", word)
            if not match:
                raise OsError(f"LOAD option {word!r} is not understood "
                              "(expected PORT=<address> INT=<line>)")
            name = match.group(1).upper()
            if name in given:
                raise OsError(f"LOAD option {name} is given twice")
            given[name] = int(match.group(2), 0)
        checks = (("PORT", Needs.PORT, options.ports, hex),
                  ("INT", Needs.INTERRUPT, options.interrupts, str))
        for name, need, valid, show in checks:
            if name not in given:
                if need in needs:
                    raise OsError(f"LOAD option {name} is required (valid: "
                                  f"{', '.join(map(show, valid))})")
            elif given[name] not in valid:
                raise OsError(f"LOAD option {name}={show(given[name])} is not valid for this "
                              f"adapter (valid: {', '.join(map(show, valid))})")
        config.port = given.get("PORT", config.port)
        config.interrupt = given.get("INT", config.interrupt)

    def register_hardware_options(self, config: IoConfiguration) -> None:
        """RegisterHardwareOptions: reserve the port range and interrupt; raises
        :class:`OsError` on a conflict with options already registered (an interrupt is
        shared only when both say so)."""
        self._check_tag(config.io_tag, ResourceKind.IO_REGISTRATION)
        ports = config.port_range()
        for other in self._options:
            theirs = other.port_range()
            if ports and theirs and ports.start < theirs.stop and theirs.start < ports.stop:
                raise OsError(f"port {config.port:#x} conflicts with an adapter at "
                              f"{other.port:#x}")
            if (config.interrupt is not None and config.interrupt == other.interrupt
                    and not (config.share_interrupt and other.share_interrupt)):
                raise OsError(f"interrupt {config.interrupt} is already in use")
        self._options.append(config)

    def deregister_hardware_options(self, config: IoConfiguration) -> None:
        """DeRegisterHardwareOptions."""
        if config not in self._options:
            raise OsError("these hardware options are not registered")
        self._options.remove(config)

    def set_hardware_interrupt(self, line: int, isr: Callable[[], Awaitable[bool]],
                               tag: int, shared: bool) -> None:
        """SetHardwareInterrupt: ``isr()`` returns True when the interrupt was its
        adapter's. A line is shared only when every handler on it says so."""
        self._check_tag(tag, ResourceKind.INTERRUPT)
        entry = self._interrupts.get(line)
        if entry is None:
            self._interrupts[line] = _Interrupt(shared, [(isr, tag)])
            return
        if not (shared and entry.shared):
            raise OsError(f"interrupt {line} is already hooked and not shareable")
        entry.handlers.append((isr, tag))

    def clear_hardware_interrupt(self, line: int, isr) -> None:
        """ClearHardwareInterrupt."""
        entry = self._interrupts.get(line)
        handlers = [h for h in entry.handlers if h[0] == isr] if entry else []
        if not handlers:
            raise OsError(f"no such handler on interrupt {line}")
        entry.handlers.remove(handlers[0])
        if not entry.handlers:
            del self._interrupts[line]

    async def interrupt(self, line: int) -> None:
        """The interrupt line ``line`` is asserted: once interrupts are enabled, call
        every handler on it with interrupts disabled (a shared line calls them all)."""
        async with self.cpu.interrupts_disabled():
            entry = self._interrupts.get(line)
            claimed = False
            for isr, _ in list(entry.handlers) if entry else []:
                claimed |= bool(await isr())
            if not claimed:
                self.spurious_interrupts += 1

    def schedule_aes_event(self, event: AesEvent) -> None:
        """ScheduleNoSleepAESProcessEvent / ScheduleSleepAESProcessEvent."""
        self._check_tag(event.tag, ResourceKind.AES_PROCESS)
        event.due = self.ticks + max(0, event.ticks)
        if event.ticks <= 0 and not self.aes_paused:
            # Its flow waits for the CPU: it runs once the caller enables interrupts.
            self.platform.start(event.callback())
            return
        self._aes.add(event)

    def cancel_aes_event(self, event: AesEvent) -> None:
        """CancelNoSleepAESProcessEvent / CancelSleepAESProcessEvent (no error when it
        is not scheduled, as in NetWare)."""
        self._aes.discard(event)

    def schedule_interrupt_time_callback(self, event: TimerEvent) -> None:
        """ScheduleInterruptTimeCallBack: ``event`` runs once at the next tick."""
        self._check_tag(event.tag, ResourceKind.TIMER)
        self._timers.add(event)

    def cancel_interrupt_time_callback(self, event: TimerEvent) -> None:
        """CancelInterruptTimeCallBack."""
        self._timers.discard(event)

    async def reschedule_last(self) -> None:
        """CRescheduleLast: let the rest of the server run (a tenth of a tick)."""
        await self.platform.pause(max(1, self.clocks_per_tick // 10))

    def alloc_semi_perm_memory(self, size: int, tag: int) -> int:
        """AllocSemiPermMemory: the host address of ``size`` bytes (4-byte aligned), or
        0 when there is no room."""
        self._check_tag(tag, ResourceKind.MEMORY)
        if size <= 0:
            raise OsError(f"cannot allocate {size} bytes")
        size = (size + 3) & ~3
        address = self._memory_base
        for start, length in sorted(self._blocks.items()):
            if start - address >= size:
                break
            address = start + length
        if address + size > self._memory_base + min(self.memory_limit, self._memory_size):
            return 0
        self._blocks[address] = size
        return address

    def free_semi_perm_memory(self, address: int) -> None:
        """FreeSemiPermMemory."""
        if address not in self._blocks:
            raise OsError(f"{address:#x} is not an allocated block")
        del self._blocks[address]

    def output_to_screen(self, text: str) -> None:
        """OutputToScreen (the screen handle given at load time)."""
        self.console.append(text)

    def queue_system_alert(self, text: str) -> None:
        """QueueSystemAlert: usable from any level, interrupts included."""
        self.alerts.append(text)

    @staticmethod
    def read_routine(custom: CustomData, offset: int, destination: bytearray,
                     size: int) -> int:
        """ReadRoutine: byte moves of ``size`` bytes from ``offset`` of the custom data
        into ``destination`` (driver memory). Returns 0, or -1 past the end."""
        if offset < 0 or size < 0 or offset + size > len(custom.data):
            return -1
        destination[:size] = custom.data[offset:offset + size]
        return 0

    def register_server_comm_driver(self, driver, tag: int) -> None:
        """RegisterServerCommDriver: ``driver`` offers DriverSend, DriverBuildSend,
        DriverEmergencySend and DriverControl."""
        self._check_tag(tag, ResourceKind.MSL_DRIVER)
        if self._comm_driver is not None:
            raise OsError("an MSL driver is already registered")
        self._comm_driver = driver

    def deregister_server_comm_driver(self, tag: int) -> None:
        """DeRegisterServerCommDriver."""
        self._check_tag(tag, ResourceKind.MSL_DRIVER)
        if self._comm_driver is None:
            raise OsError("no MSL driver is registered")
        self._comm_driver = None

    @property
    def comm_driver(self):
        return self._comm_driver

    # ---- the timer ----

    async def tick(self) -> None:
        """One OS tick: interrupt-time callbacks (interrupt level), then the AES events
        that are due (each started as its own process-level flow)."""
        self.ticks += 1
        timers, self._timers = self._timers, set()
        for event in timers:
            async with self.cpu.interrupts_disabled():
                await event.callback()
        if self.aes_paused:
            return      # AES processes wait (their events stay scheduled)
        due = [event for event in self._aes if event.due <= self.ticks]
        for event in due:
            self._aes.discard(event)
            self.platform.start(event.callback())

    async def run(self) -> None:
        """The OS timer: a tick every ``clocks_per_tick`` clocks, forever."""
        while True:
            await self.platform.pause(self.clocks_per_tick)
            await self.tick()
