"""The MSL driver module: DriverInitialize, DriverControl, DriverRemove, DriverTimeout
and the four entry points it registers with the OS.

A LOAD command runs :meth:`MslDriver.initialize` once per adapter (the LOAD line's
``PORT=`` chooses which); the first adapter loaded carries the mirrored-server link and
is registered with RegisterServerCommDriver, later ones (up to
``DriverSettings.max_adapters``) are brought up and tested as standby links, to which
the traffic moves when the carrying link fails (:mod:`driver.link_group`).
:meth:`MslDriver.remove` unloads every adapter at once. The per-adapter run time (send
path, ISR, holdoff, timeouts) is :class:`MslLink`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from msl_spec import MessageHeader

from driver.bus import BusError, RegisterBus
from driver.msl_hardware import (
    TUNING_RECORD_BYTES, HardwareFault, apply_tuning, identify, quiesce, self_test,
)
from driver.dma_rings import ring_layout
from driver.link_group import LinkGroup
from driver.msl_link import MslLink
from driver.outgoing import SendBuffers
from driver.msl_settings import DriverSettings, LinkContext, ResourceTags
from driver.msl_statistics import MslConfiguration, MslStatistics
from driver.registers import Registers
from server_os.netware import (
    AesEvent, CustomData, IoConfiguration, Needs, OsError, ResourceKind,
    ServerOs,
)
from server_os.sft3 import MirrorSide

__all__ = ["MslDriver", "DriverSettings", "ResourceTags", "BAD_COMMAND", "GET_CONFIGURATION",
           "GET_STATISTICS"]

GET_CONFIGURATION = 0   #: DriverControl function numbers
GET_STATISTICS = 1
BAD_COMMAND = 0xFFFF_FF81   #: DriverControl's answer to any other function
_SCRATCH_BYTES = 512        #: the self-test's packet; later, the resync's


class _Refusal(Exception):
    """DriverInitialize cannot go on (the message is for the console)."""


@dataclass
class _Taken:
    """What one DriverInitialize has taken so far: given back on failure in the
    chapter's error order (see :meth:`MslDriver._give_back`)."""

    config: IoConfiguration | None = None   # hardware options registered
    link: MslLink | None = None             # its interrupt handler hooked
    block: int = 0                          # ring memory allocated
    adapter: bool = False                   # the adapter was written to
    registered: bool = False                # RegisterServerCommDriver done


class MslDriver:
    """The MSL driver module of one server.

    Parameters
    ----------
    os : ServerOs
    mirror : MirrorSide
        The SFT III side it delivers to and takes messages from.
    io_space : mapping of int to RegisterBus
        The machine's adapters by port address (what ``PORT=`` selects).
    settings : DriverSettings
    module : str
        Module name (owner of its resource tags).

    Attributes
    ----------
    links : list of MslLink
        Loaded adapters, in load order (one of them carries: :attr:`active`).
    stats : MslStatistics
    """

    def __init__(self, os: ServerOs, mirror: MirrorSide, io_space: Mapping[int, RegisterBus],
                 settings: DriverSettings = DriverSettings(), module: str = "MSL"):
        self.os, self.mirror, self.io_space = os, mirror, io_space
        self.settings, self.module = settings, module
        self.tags = ResourceTags()
        self.stats = MslStatistics()
        self.group = LinkGroup(os, mirror, self.stats)
        self.link_context = LinkContext(os, mirror, self.stats, settings, self.tags,
                                        self.group)
        self.links = self.group.links
        self.timeout_event: AesEvent | None = None
        self._loaded = False

    # ---- DriverInitialize ----

    async def initialize(self, command_line: str, custom: CustomData | None = None) -> int:
        """DriverInitialize for one adapter. Returns 0, or -1 with the reason on the
        console and everything this call took given back (whatever the bus does)."""
        taken = _Taken()
        try:
            self._allocate_tags()
            if len(self.links) >= self.settings.max_adapters:
                raise _Refusal(f"{len(self.links)} adapter(s) already loaded; this driver "
                               f"supports {self.settings.max_adapters}")
            config = IoConfiguration(io_tag=self.tags.io, share_interrupt=True)
            try:
                self.os.parse_driver_parameters(config, self.settings.options,
                                                Needs.PORT | Needs.INTERRUPT, command_line)
                self.os.register_hardware_options(config)
            except OsError as error:
                raise _Refusal(str(error)) from None
            taken.config = config
            bus = self.io_space.get(config.port)
            link = MslLink(self.link_context, Registers(bus) if bus is not None else None,
                           config)
            try:
                self.os.set_hardware_interrupt(config.interrupt, link.isr, self.tags.interrupt,
                                               shared=config.share_interrupt)
            except OsError as error:
                raise _Refusal(str(error)) from None
            taken.link = link
            await self._bring_up(link, custom, taken)
            if not self.links:
                try:
                    self.os.register_server_comm_driver(self, self.tags.msl)
                except OsError as error:
                    raise _Refusal(f"cannot register with the OS: {error}") from None
                taken.registered = True
            await link.start(active=not self.links)
            if link.active:
                self.mirror.max_comm_driver_data_length = link.max_data
            if self.timeout_event is None:
                self.timeout_event = AesEvent(self.driver_timeout, 1, self.tags.aes)
                self.os.schedule_aes_event(self.timeout_event)
            self.links.append(link)
            return 0
        except (_Refusal, HardwareFault, BusError) as failure:
            self.os.output_to_screen(f"MSL: {failure}; driver not loaded")
            await self._give_back(taken)
            if not self.links:
                self._loaded = False   # the OS unloads the module and takes its tags back
            return -1

    async def _give_back(self, taken: _Taken) -> None:
        """DriverInitialize's error steps in the chapter's order -- callbacks cancelled
        and the adapter stopped, the comm driver deregistered, then
        ClearHardwareInterrupt, DeRegisterHardwareOptions, FreeSemiPermMemory -- each
        whatever the ones before it met."""
        if taken.adapter:
            why = await taken.link.stop()
            if why:
                self.os.output_to_screen(f"MSL: the adapter at port {taken.config.port:#x} "
                                         f"did not stop ({why})")
        if taken.registered:
            self.os.deregister_server_comm_driver(self.tags.msl)
            self.mirror.packet_size_driver_can_now_handle = -1
        if taken.link is not None:
            self.os.clear_hardware_interrupt(taken.config.interrupt, taken.link.isr)
        if taken.config is not None:
            self.os.deregister_hardware_options(taken.config)
        if taken.block:
            self.os.free_semi_perm_memory(taken.block)

    def _allocate_tags(self) -> None:
        if self._loaded:
            return
        wanted = (("msl", ResourceKind.MSL_DRIVER), ("io", ResourceKind.IO_REGISTRATION),
                  ("interrupt", ResourceKind.INTERRUPT), ("timer", ResourceKind.TIMER),
                  ("aes", ResourceKind.AES_PROCESS), ("memory", ResourceKind.MEMORY))
        for name, kind in wanted:
            tag = self.os.allocate_resource_tag(self.module, f"MSL {kind.value}", kind)
            if not tag:
                raise _Refusal(f"could not get a {kind.value} resource tag")
            setattr(self.tags, name, tag)
        self._loaded = True

    async def _bring_up(self, link: MslLink, custom: CustomData | None,
                        taken: _Taken) -> None:
        """Memory, identity, reset, self-tests, tuning: the adapter ready to start."""
        if link.regs is None:
            raise HardwareFault(f"no adapter answers at port {link.config.port:#x}")
        info = await identify(link.regs, link.config.port)
        rings = ring_layout(0, info.tx_slots, info.rx_slots, info.slot_size).end + 64 \
            + _SCRATCH_BYTES
        size = rings + 64 + SendBuffers.bytes_for(info.tx_slots, info.slot_size)
        block = self.os.alloc_semi_perm_memory(size, self.tags.memory)
        if not block:
            raise _Refusal(f"not enough memory for the adapter's rings and send buffers "
                           f"({size} bytes)")
        taken.block = block
        link.block, link.info = block, info
        link.layout = ring_layout(block, info.tx_slots, info.rx_slots, info.slot_size)
        # After the rings and the self-test's scratch (which starts at layout.end).
        link.buffers = SendBuffers((link.layout.end + _SCRATCH_BYTES + 63) & ~63,
                                   info.tx_slots, info.slot_size)
        taken.adapter = True
        await quiesce(link.regs)
        for mode in self.settings.self_test_modes:
            await self_test(link.regs, self.os.memory, self.os.platform, link.layout,
                            link.layout.end, mode, self.settings.self_test_clocks)
        await link.regs.write("ACK_TIMEOUT", clocks=self.settings.ack_timeout_clocks)
        await link.regs.write("RETRY_LIMIT", count=self.settings.retry_limit)
        if custom is not None:
            await self._load_custom_data(link, custom)
        link.tuned = (await link.regs.read("ACK_TIMEOUT"),
                      await link.regs.field("RETRY_LIMIT", "count"))

    async def _load_custom_data(self, link: MslLink, custom: CustomData) -> None:
        """The custom data file is a tuning table: ReadRoutine moves each record into
        driver memory (byte moves), the adapter takes it with 32-bit moves only, and
        every value is read back."""
        record = bytearray(TUNING_RECORD_BYTES)
        size = len(custom.data)
        for offset in range(0, size, TUNING_RECORD_BYTES):
            if self.os.read_routine(custom, offset, record, TUNING_RECORD_BYTES):
                raise HardwareFault(f"custom data: record {offset // TUNING_RECORD_BYTES} "
                                    f"runs past the end of the file ({size} bytes; records "
                                    f"are {TUNING_RECORD_BYTES})")
            await apply_tuning(link.regs, bytes(record))

    # ---- the entry points registered with the OS (called with interrupts disabled) ----

    @property
    def active(self) -> MslLink:
        """The adapter that carries the traffic."""
        return self.group.carrying

    async def driver_send(self, header: MessageHeader) -> int:
        """DriverSend."""
        return await self.active.send(header)

    async def driver_build_send(self, header: MessageHeader) -> int:
        """DriverBuildSend."""
        return await self.active.build_send(header)

    async def driver_emergency_send(self, reason: int = 1) -> None:
        """DriverEmergencySend: always returns."""
        if self.links:
            await self.active.emergency_send(reason)

    async def driver_control(self, function: int, buffer: int = 0) -> int:
        """DriverControl: GetMSLConfiguration (0) or GetMSLStatistics (1) into host
        memory at ``buffer``, or the table's size when ``buffer`` is 0; BAD_COMMAND for
        any other function."""
        async with self.os.cpu.interrupts_disabled():
            tables = {GET_CONFIGURATION: self.configuration, GET_STATISTICS: self._statistics}
            if function not in tables:
                return BAD_COMMAND
            data = await tables[function]()
            if buffer == 0:
                return len(data)
            self.os.memory.write(buffer, data)
            return 0

    async def _statistics(self) -> bytes:
        return self.stats.pack()

    async def configuration(self) -> bytes:
        """GetMSLConfiguration's table (reads each adapter's link state)."""
        table = MslConfiguration(adapters=len(self.links))
        for index, link in enumerate(self.links):
            try:
                table.links_up |= await link.regs.field("LINK_STATUS", "up") << index
            except BusError:
                pass          # an adapter that does not answer has no link up
            if not link.active and not table.standby_port:
                table.standby_port = link.config.port
                table.standby_interrupt = link.config.interrupt
        if self.links:
            link = self.active
            info, config = link.info, link.config
            table.port, table.port_length = config.port, config.port_length
            table.interrupt, table.shared_interrupt = config.interrupt, int(config.share_interrupt)
            table.slot_size, table.tx_slots, table.rx_slots = (info.slot_size, info.tx_slots,
                                                               info.rx_slots)
            table.lane_width, table.max_messages = info.lane_width, link.max_messages
            table.max_data_length = link.max_data
            table.adapter_timeout_ticks = self.settings.adapter_timeout_ticks
            table.message_timeout_ticks = self.settings.message_timeout_ticks
            table.ack_timeout_clocks, table.retry_limit = link.tuned
        return table.pack()

    # ---- DriverTimeout ----

    async def driver_timeout(self) -> None:
        """DriverTimeout, a NoSleep AES event every tick: each adapter's timers, then
        schedule itself again."""
        async with self.os.cpu.interrupts_disabled():
            if self.timeout_event is None:     # removed meanwhile
                return
            self.stats.timeout_ticks += 1
            for link in self.links:
                if link.active:
                    await link.check_timeouts()
            self.os.schedule_aes_event(self.timeout_event)

    # ---- DriverRemove ----

    async def remove(self) -> None:
        """DriverRemove: every adapter this module loaded, and everything it took --
        given back whatever the adapters answer (an alert names one that did not)."""
        for link in self.links:
            why = await link.mask_interrupts()
            if why:
                self._alert_not_stopped(link, why)
        # Held messages were received and must still reach the OS (and be acknowledged,
        # so the peer's OS learns it); the redelivery callbacks keep running meanwhile.
        deadline = self.os.ticks + self.settings.remove_hold_ticks
        while any(link.holding for link in self.links):
            if self.os.ticks >= deadline:
                self.os.queue_system_alert("MSL: held messages were not taken; removed anyway")
                break
            await self.os.reschedule_last()
        async with self.os.cpu.interrupts_disabled():
            for link in self.links:
                why = await link.stop()    # its callbacks cancelled, its packets forgotten
                if why:
                    self._alert_not_stopped(link, why)
            if self.timeout_event is not None:
                self.os.cancel_aes_event(self.timeout_event)
                self.timeout_event = None
            if self.links:
                self.os.deregister_server_comm_driver(self.tags.msl)
                self.mirror.packet_size_driver_can_now_handle = -1
                self.mirror.max_comm_driver_data_length = -1
            for link in self.links:
                self.os.clear_hardware_interrupt(link.config.interrupt, link.isr)
                self.os.deregister_hardware_options(link.config)
                self.os.free_semi_perm_memory(link.block)
            self.links.clear()

    def _alert_not_stopped(self, link: MslLink, why: str) -> None:
        self.os.queue_system_alert(f"MSL: the adapter at port {link.config.port:#x} did "
                                   f"not stop ({why}); its resources are given back")
