"""One loaded adapter at run time: the send path, the ISR, holdoff redelivery and the
timeouts (docs/driver.md has the behaviours and their tests).

Transmit. The adapter has ``tx_slots`` packet slots; the driver keeps up to that many
packets *posted* (handed to the adapter, awaiting their ACK) and one more *pending*
(built in host memory, posted when an ACK frees a slot) -- the chapter's dual transmit
buffer. ``PacketSizeDriverCanNowHandle`` is kept equal to what the driver can take now:
the largest message data while a new packet can still be started, the room left
(minus a header) while GetNextPacket builds one, and -1 when nothing fits.

Receive. Packets are delivered in order, message by message, each through
ReceiveServerComm; a message held off (codes 2 and 3) stops delivery at that message
until DriverHoldOff (quick AES retries with back-off) or DriverIntHoldOff (every tick)
gets it accepted. A packet is acknowledged only when every message in it was accepted.
While held, errors are recorded and reported only when the hold is over.

Every method that runs here is called with the CPU's interrupts disabled (by the OS's
dispatch, the OS's timer, the OS's send path, or the driver's own callbacks).

A register access that fails (``BusError``) never escapes to the OS: each entry point
reports it as HARDWARE_ERROR and resets the link, and DriverSend returns non-zero.

Fail-over. With two links that have come up (:class:`~driver.link_group.LinkGroup`),
a failure of the carrying link that would reset it (a timeout, a hardware, DMA or bus
error, the peer's reset) or its link going down moves the traffic to a standby link
that is up, and the OS hears nothing of it; a packet arriving on a standby link means
the peer has moved, and this side follows. Every start of a carrying link then begins
with the resync of :mod:`driver.fail_over`. Only with no link left is the OS told.
"""

from __future__ import annotations

from collections import deque
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator, Callable

from msl_spec import (MESSAGE_HEADER_BYTES, REGISTER_MAP, DmaErrorKind, MessageHeader,
    TxSlotState)

from driver.bus import BusError
from driver.dma_rings import (Completion, DmaLayout, ReceiveRings, TransmitRing, read_status,
    start_dma, stop_dma)
from driver.fail_over import ahead, parse_resync, resync_header
from driver.msl_hardware import AdapterInfo, quiesce
from driver.msl_settings import LinkContext
from driver.outgoing import OutgoingPacket, SendBuffers
from driver.registers import Registers
from server_os.netware import AesEvent, IoConfiguration, TimerEvent
from server_os.sft3 import Code, DriverError


__all__ = ["MslLink", "RUN_CAUSES", "STANDBY_CAUSES"]

_MASK32 = 0xFFFF_FFFF
_CAUSES = REGISTER_MAP["INT_PENDING"]


def _causes(*names: str) -> int:
    return _CAUSES.pack(**{name: 1 for name in names})


#: Causes a carrying link enables (DMA_DONE is not: copies are watched in the status
#: block, which costs no register read).
RUN_CAUSES = _causes("rx_packet", "ack_received", "holdoff_received", "emergency_received",
                     "rx_error", "tx_complete", "tx_error", "dma_error", "link_up",
                     "link_down", "peer_reset")
#: A standby adapter reports its link state (and acknowledges the peer's resets,
#: without which its link stays down), and a packet: the peer moved its traffic to it.
STANDBY_CAUSES = _causes("link_up", "link_down", "peer_reset", "rx_packet")
#: What a failed link reports, and a move to another link makes untrue.
_LINK_FAILURES = (DriverError.TIME_OUT_ERROR, DriverError.HARDWARE_ERROR,
                  DriverError.RECEIVE_ERROR)

#: Hardware counters behind each receive-error statistic (read on RX_ERROR only).
_RX_ERROR_COUNTERS = {
    "rx_crc_errors": ("STAT_RX_CRC_ERROR",),
    "rx_code_errors": ("STAT_RX_CODE_ERROR",),
    "rx_framing_errors": ("STAT_RX_TRUNCATED", "STAT_RX_OVERLONG", "STAT_RX_BAD_DELIMITER",
                          "STAT_RX_BAD_HEADER"),
    "rx_aborted_frames": ("STAT_RX_ABORTED",),
    "rx_sync_lost": ("STAT_RX_SYNC_LOST",),
}


@dataclass
class Timers:
    """DriverTimeout's countdowns, in ticks; 0 = not running."""

    adapter: int = 0   # a posted packet has not gone out on the line yet
    message: int = 0   # a posted packet has not been acknowledged yet


class MslLink:
    """One adapter the driver loaded, and the link it carries.

    Parameters
    ----------
    context : LinkContext
        The module: OS, SFT III side, settings, statistics and resource tags.
    regs : Registers
        The adapter's registers (at the PORT it was loaded with).
    config : IoConfiguration
        Its registered options.
    block : int
        Host memory the driver allocated for it (rings and scratch).
    """

    def __init__(self, context: LinkContext, regs: Registers, config: IoConfiguration,
                 block: int = 0):
        self.regs, self.config, self.block = regs, config, block
        self.os, self.mirror, self.stats = context.os, context.mirror, context.stats
        self.settings, self.group = context.settings, context.group
        self.counts = context.group.counts
        self.info: AdapterInfo | None = None
        self.layout: DmaLayout | None = None
        self.active = False          # carries the traffic (registered with the OS)
        self.came_up = False         # its link has been up (the peer loaded its adapter)
        self.tuned = (0, 0)          # ACK_TIMEOUT and RETRY_LIMIT as loaded
        # 0 ticks: the quick retry runs as soon as the OS runs process-level code,
        # before the next tick's DriverIntHoldOff.
        self.hold_event = AesEvent(self.driver_hold_off, 0, context.tags.aes)
        self.int_hold_event = TimerEvent(self.driver_int_hold_off, context.tags.timer)
        self._hold_process = False
        self.buffers: SendBuffers | None = None   # set by the bring-up, with ``layout``
        self.acked_seen = 0          # TX_ACKED when last looked (based by _start_rings)
        #: A reset failed (the adapter did not answer): every entry point tries it
        #: again before anything else, and news of the old link is ignored meanwhile.
        self.needs_reset = False
        self.resets = 0              # link resets so far: news read before one is stale
        self._forget_state()
        self._counter_base: dict[str, int] = {}
        #: Observers of each received packet the OS accepted whole and the adapter was
        #: told to acknowledge: called with its :class:`~driver.dma_rings.Completion`.
        self.packet_acknowledged: list[Callable[[Completion], None]] = []

    def _forget_state(self) -> None:
        """Transmit, receive and indicator variables to their idle values (the
        statistics are the driver's and stay)."""
        self.posted: deque[OutgoingPacket] = deque()   # handed to the adapter
        self.posted_total = 0                       # packets posted since the rings started
        self.first_sent = 0                         # ... of which went on the line (once)
        # The chapter's pending packet; after a move, every packet to send again.
        self.queued: deque[OutgoingPacket] = deque()
        self.awaiting_resync = False                # nothing but our resync posted yet
        self.building: OutgoingPacket | None = None
        if self.buffers is not None:
            self.buffers.forget()
        self.received: deque[Completion] = deque()  # announced, not yet fully delivered
        #: received[0]'s messages, each header with the address of its data
        self.messages: list[tuple[MessageHeader, int]] | None = None
        self.next_message = 0                       # index in received[0] to deliver next
        self.holding = False
        self.pending_errors: list[DriverError] = []
        self.reset_pending = False
        self.timers = Timers()

    # ---- start and stop ----

    async def start(self, active: bool) -> None:
        """Rings programmed (``info`` and ``layout`` set by the bring-up), receive-error
        counters noted, link layer on, interrupts enabled."""
        self.active = active
        await self._start_rings()
        await self._note_counter_base()
        await self.regs.write("CONTROL", enable=1)
        await self.regs.write("INT_ENABLE", RUN_CAUSES if active else STANDBY_CAUSES)
        self._publish()

    async def _start_rings(self) -> None:
        await start_dma(self.regs, self.os.memory, self.layout)
        self.transmit = TransmitRing(self.regs, self.os.memory, self.layout)
        self.receive = ReceiveRings(self.regs, self.os.memory, self.layout)
        # The status block starts cleared; the adapter's counts may not be 0 (the
        # self-test's ACK, an earlier link, earlier DMA errors): take them from the
        # registers once.
        self.acked_seen = await self.regs.read("TX_ACKED_MESSAGES")
        self.dma_errors_seen = await self.regs.read("STAT_DMA_ERRORS")
        self.first_sent_base = await self._first_transmissions()

    async def _first_transmissions(self) -> int:
        """DATA frames the adapter has put on the line for the first time: frames sent
        whole minus replays (the adapter counts both on the same clock)."""
        sent = await self.regs.read("STAT_TX_DATA")
        return (sent - await self.regs.read("STAT_TX_REPLAYS")) & _MASK32

    async def reset_link(self) -> None:
        """After a timeout or a fatal error: forget every packet both ways, restart the
        adapter's sequence numbers (the peer's adapter follows) and the rings, so a new
        link can come up. Statistics are kept."""
        self._cancel_hold_callbacks()
        self.counts.done(self.waiting_messages())   # given up: the OS hears of it
        self._forget_state()
        await stop_dma(self.regs)   # no more reads of the forgotten messages' data
        await self.regs.write("COMMAND", link_reset=1)
        await self._start_rings()
        await self.regs.write("INT_PENDING", RUN_CAUSES)   # news of the old link is stale
        self.needs_reset = False
        self.resets += 1
        self.stats.link_resets += 1

    # ---- fail-over (driver.link_group moves the traffic) ----

    def waiting_messages(self) -> int:
        """The OS's messages posted or queued here and not yet acknowledged."""
        return sum(len(p) for p in (*self.posted, *self.queued) if not p.resync)

    def give_up_traffic(self) -> tuple[list[OutgoingPacket], list[DriverError]]:
        """For a move: the OS's unacknowledged packets, oldest first (their data stays
        in this link's send buffers until it sends again), and the errors a hold was
        keeping from the OS that are not this link's failure. Forgets both."""
        packets = [p for p in (*self.posted, *self.queued) if not p.resync]
        errors = [e for e in self.pending_errors if e not in _LINK_FAILURES]
        self.posted.clear()
        self.queued.clear()
        self.pending_errors = []
        return packets, errors

    async def stand_by(self) -> None:
        """No longer carrying: what it was receiving or holding is dropped (the peer
        sends it again on the next link), the link is reset and reports only its
        state. An adapter that cannot be reset is left as it is (it cannot come up)."""
        self.active = False
        try:
            await self.regs.write("INT_ENABLE", STANDBY_CAUSES)
            await self.reset_link()
        except BusError as error:
            self.os.queue_system_alert(f"MSL: the adapter at port {self.config.port:#x} "
                                       f"cannot be reset: {error}")
            self._cancel_hold_callbacks()
            self._forget_state()
            self.needs_reset = True

    async def take_over(self, packets: list[OutgoingPacket]) -> None:
        """Start carrying: ``packets`` (another link's) copied into this link's send
        buffers to be sent again, then the resync; nothing else is posted until the
        peer's resync has come."""
        self.active = True
        await self.regs.write("INT_ENABLE", RUN_CAUSES)
        for packet in packets:
            copy = self.buffers.new_packet()
            for header, address in zip(packet.headers, packet.data):
                copy.add(self.os.memory, header, source=address)
            self.buffers.sent()
            self.queued.append(copy)
        await self._start_resync()
        self._publish()

    async def _start_resync(self) -> None:
        """Post this side's counts and wait for the peer's before sending anything."""
        self.awaiting_resync = True
        # Laid out in the scratch after the rings (the self-test's, at load time): a
        # link posts one resync at a time, and forgets it before it posts another.
        resync = OutgoingPacket(self.layout.end, resync=True)
        resync.add(self.os.memory, resync_header(self.counts))
        await self._post(resync)
        self.stats.resyncs_sent += 1

    def drop_waiting(self, count: int) -> None:
        """The first ``count`` queued messages reached the peer's OS already."""
        while count:
            packet = self.queued[0]
            if len(packet) > count:
                packet.drop_first(count)
                return
            count -= len(self.queued.popleft())

    # ---- what the OS may send now ----

    @property
    def max_data(self) -> int:
        """MaxCommDriverDataLength: one message with its header fills a slot."""
        return self.info.slot_size - MESSAGE_HEADER_BYTES

    @property
    def max_messages(self) -> int:
        return min(self.settings.max_messages, self.info.max_messages)

    def can_now_handle(self) -> int:
        """PacketSizeDriverCanNowHandle: data bytes of the largest message the driver
        would take now, 0 for a header only, -1 for none."""
        if self.building is not None:
            room = self.info.slot_size - self.building.length()
            if len(self.building) >= self.max_messages or room < MESSAGE_HEADER_BYTES:
                return -1
            return room - MESSAGE_HEADER_BYTES
        return -1 if self.queued or self.awaiting_resync else self.max_data

    def _publish(self) -> None:
        if self.active:
            self.mirror.packet_size_driver_can_now_handle = self.can_now_handle()

    # ---- DriverSend, DriverBuildSend ----

    async def send(self, header: MessageHeader) -> int:
        """DriverSend: one message as a packet of its own; posted at once when a slot
        is free, else pending until an ACK frees one."""
        if self.building is not None:
            return await self._refuse("DriverSend while a packet is being built")
        problem = self._check(header)
        if problem:
            return await self._refuse(problem)
        packet = self.buffers.new_packet()
        problem = self._copy_in(packet, header)
        if problem:
            return await self._refuse(problem)
        async with self._adapter_access("DriverSend"):
            await self._reset_if_needed()
            await self._transmit(packet)
            self.stats.transmit_msg_count += 1
            self._publish()
            return 0
        return 1      # reported (HARDWARE_ERROR) by the access guard

    async def build_send(self, header: MessageHeader) -> int:
        """DriverBuildSend: add a message to the packet GetNextPacket is building."""
        if self.building is None:
            return await self._refuse("DriverBuildSend outside GetNextPacket")
        problem = self._check(header) or self._copy_in(self.building, header)
        if problem:
            return await self._refuse(problem)
        self.stats.transmit_msg_count += 1
        self._publish()
        return 0

    def _check(self, header: MessageHeader) -> str | None:
        if any(not 0 <= value <= _MASK32 for value in header):
            return f"header values must be 32-bit: {header}"
        if header.ecx > self.max_data:
            return (f"message of {header.ecx} data bytes is longer than "
                    f"MaxCommDriverDataLength ({self.max_data})")
        if header.ecx > self.can_now_handle():
            return (f"message of {header.ecx} data bytes does not fit now "
                    f"(PacketSizeDriverCanNowHandle is {self.can_now_handle()})")
        return None

    def _copy_in(self, packet: OutgoingPacket, header: MessageHeader) -> str | None:
        """The chapter's copy at DriverSend / DriverBuildSend: the message's data into
        the packet's send buffer now, so the OS may reuse its own at once."""
        try:
            packet.add(self.os.memory, header)
        except ValueError as error:
            return f"the message's data is not in host memory ({error})"
        return None

    async def _refuse(self, why: str) -> int:
        """A request the driver cannot carry: non-zero to the caller, and the chapter's
        ServerCommDriverError."""
        self.stats.invalid_requests += 1
        self.os.queue_system_alert(f"MSL: request refused: {why}")
        await self._report(DriverError.INVALID_REQUEST)
        return 1

    async def _transmit(self, packet: OutgoingPacket) -> None:
        self.buffers.sent()
        if self._may_post():
            await self._post(packet)
        else:
            self.queued.append(packet)     # MessageTransmitPending

    def _may_post(self) -> bool:
        return (not self.queued and not self.awaiting_resync
                and len(self.posted) < self.info.tx_slots)

    async def _post(self, packet: OutgoingPacket) -> None:
        await self.transmit.send_image(packet.buffer, packet.length(), len(packet))
        self.posted.append(packet)
        self.stats.transmit_packet_count += 1
        self.posted_total += 1
        if not self.timers.adapter:
            self.timers.adapter = self.settings.adapter_timeout_ticks
        if not self.timers.message:
            self.timers.message = self.settings.message_timeout_ticks

    async def send_more(self) -> None:
        """A slot came free: post the pending packet(s), then let GetNextPacket build
        packets out of what the OS queued while there is room for one."""
        while (self.queued and not self.awaiting_resync
               and len(self.posted) < self.info.tx_slots):
            await self._post(self.queued.popleft())
        while (not self.queued and not self.awaiting_resync
               and self.mirror.packet_size_now_available >= 0):
            self.building = self.buffers.new_packet()
            self._publish()
            try:
                await self.mirror.get_next_packet()
            finally:
                packet, self.building = self.building, None
            if not packet:
                break
            await self._transmit(packet)
        self._publish()

    # ---- DriverEmergencySend ----

    async def emergency_send(self, reason: int) -> None:
        """Tell the peer this server is failing: at once when no frame is on the line,
        else after a bounded wait, and then regardless -- the adapter cuts the frame on
        the line short and replays it afterwards, so forcing is safe. Never raises."""
        slots = [f"slot{n}" for n in range(self.info.tx_slots)]
        try:
            for _ in range(self.settings.emergency_wait_polls):
                state = await self.regs.fields("TX_STATE")
                if all(state[s] != TxSlotState.SENDING for s in slots):
                    break
                await self.os.platform.pause(self.settings.emergency_poll_clocks)
            else:
                self.stats.emergencies_forced += 1
            await self.regs.write("SEND_EMERGENCY", reason=reason & 0xFF)
            self.stats.emergencies_sent += 1
        except BusError as error:
            self.os.queue_system_alert(f"MSL: emergency notification not sent: {error}")

    # ---- DriverISR ----

    async def isr(self) -> bool:
        """DriverISR: claim and clear this adapter's causes (False when none: the
        interrupt on a shared line was another card's), then serve each. An adapter
        that stops answering is claimed (its line cannot be told apart from ours)."""
        async with self._adapter_access("DriverISR"):
            return await self._serve_interrupt()
        return True

    async def _serve_interrupt(self) -> bool:
        pending = await self.regs.read("INT_PENDING")
        if not pending:
            self.stats.not_our_interrupts += 1
            return False
        await self.regs.write("INT_PENDING", pending)
        if self.needs_reset:      # what it says is news of the old link
            await self._reset_if_needed()
            return True
        cause = _CAUSES.unpack(pending)
        if cause["link_up"]:
            self.stats.link_up_count += 1
            self.came_up = True
        if cause["link_down"]:
            self.stats.link_down_count += 1
        if cause["peer_reset"]:
            # Every other cause read with it is news of the old link.
            await self._peer_reset()
            return True
        if not self.active:
            if not (cause["rx_packet"] and self.group.fail_over):
                return True
            # The peer moved its traffic here (its resync is on the way): follow.
            await self.group.move(self.group.carrying, self, "the peer moved its traffic")
        elif cause["link_down"] and await self._moved_away([], "the link went down"):
            return True
        if cause["rx_error"]:
            await self._count_receive_errors()
        resets = self.resets
        if cause["dma_error"]:
            self.stats.dma_error_count += 1
            await self._dma_failed()
        if self.resets != resets:
            # The DMA error reset the link: the other causes read with it are news of
            # the old link (an ACK count read now would be the cleared status block's),
            # but for the peer's EMERGENCY, which is news of the peer server.
            if cause["emergency_received"]:
                await self._emergency_received()
            return True
        if cause["tx_complete"]:
            self.stats.transmit_complete_count += 1
            await self._watch_transmissions()
        if cause["holdoff_received"]:
            # The peer's driver holds a packet of ours for its OS: it is alive, so wait
            # as long as it takes. (A dead peer's adapter answers our replays with
            # HOLDOFF too, but those raise no interrupt: the message timer runs out.)
            self.stats.holdoffs_received += 1
            if self.posted:
                self.timers.message = self.settings.message_timeout_ticks
        if cause["ack_received"]:
            await self._acknowledged()
        if cause["rx_packet"]:
            self.received.extend(self.receive.completions())
            if not self.holding:
                await self._deliver()
        if cause["emergency_received"]:
            await self._emergency_received()
        if cause["tx_error"]:
            self.stats.tx_error_count += 1
            await self._report(DriverError.HARDWARE_ERROR, reset=True)
        return True

    async def _emergency_received(self) -> None:
        self.stats.emergencies_received += 1
        await self._report(DriverError.EMERGENCY)

    async def _watch_transmissions(self) -> None:
        """The adapter watchdog: restarted when a posted packet went on the line for
        the first time, off once every posted packet has. A replay is no progress (it
        leaves the watchdog running for a packet that never went out), and several
        frames sent before one interrupt count as several."""
        first = (await self._first_transmissions() - self.first_sent_base) & _MASK32
        if first == self.first_sent:
            return
        self.first_sent = first
        waiting = self.posted_total - first
        self.timers.adapter = self.settings.adapter_timeout_ticks if waiting > 0 else 0

    def _new_dma_errors(self, status: dict) -> bool:
        """Has the adapter counted DMA errors since we last looked? (A block not yet
        rewritten since the rings started reads 0: that is not news.)"""
        if ahead(status["DMA_ERRORS"], self.dma_errors_seen) <= 0:
            return False
        self.dma_errors_seen = status["DMA_ERRORS"]
        return True

    async def _dma_failed(self) -> None:
        """A DMA job failed. A failed write is a received packet the adapter could not
        announce (the driver asks for no receive copies): it can be
        neither delivered nor received again, so the link is reported broken and reset.
        A failed read drops a packet being gathered, which the adapter watchdog reports."""
        status = await self._settled_status()
        if not (self._new_dma_errors(status)
                and status["LAST_ERROR"]["kind"] == DmaErrorKind.HOST_WRITE):
            return
        if self.holding:
            # What was announced before is intact in its slots: deliver it first.
            self.stats.rx_fatal_errors += 1
            self.os.queue_system_alert("MSL: a received packet could not be announced; "
                                       "the link is reset after the held messages")
            await self._report(DriverError.RECEIVE_ERROR, reset=True)
        else:
            await self._fatal_receive_error("a received packet could not be announced")

    async def _count_receive_errors(self) -> None:
        self.stats.rx_error_count += 1
        for statistic, counters in _RX_ERROR_COUNTERS.items():
            for counter in counters:
                value = await self.regs.read(counter)
                delta = (value - self._counter_base.get(counter, 0)) & _MASK32
                self._counter_base[counter] = value
                setattr(self.stats, statistic, getattr(self.stats, statistic) + delta)

    async def _note_counter_base(self) -> None:
        """Remember the hardware's error counters, so statistics count from load time
        (not the self-tests' or the link's start-up)."""
        for counters in _RX_ERROR_COUNTERS.values():
            for counter in counters:
                self._counter_base[counter] = await self.regs.read(counter)

    async def _acknowledged(self) -> None:
        """ACK received: ServerCommCompleted with the messages acknowledged, then send
        what waits (the chapter's GetNextPacket step)."""
        total = read_status(self.os.memory, self.layout)["TX_ACKED"]
        count = ahead(total, self.acked_seen)
        if count <= 0:
            return   # nothing new (a block not yet rewritten since the rings started)
        self.acked_seen = total
        self.stats.acks_received += 1
        left, theirs = count, 0
        while self.posted and left >= len(self.posted[0]):
            packet = self.posted.popleft()
            left -= len(packet)
            theirs += 0 if packet.resync else len(packet)
        self.timers.message = self.settings.message_timeout_ticks if self.posted else 0
        if not self.posted:
            self.timers.adapter = 0
        if theirs:
            self.stats.messages_acknowledged += theirs
            self.counts.done(theirs)
            await self.mirror.server_comm_completed(theirs)
        await self.send_more()

    # ---- delivering received packets ----

    async def _deliver(self) -> bool:
        """Hand the OS every announced message from where delivery stopped, in order,
        copying the data it accepts out of the packet's area to where it asks.
        Returns False when a message is held off (or delivery failed)."""
        while self.received:
            completion = self.received[0]
            if self.messages is None:
                self.messages = self.receive.messages(completion)
                peer = parse_resync([header for header, _ in self.messages])
                if peer is not None:
                    await self.receive.finish(completion)
                    self.received.popleft()
                    self.messages = None
                    await self.group.resync_received(self, peer)
                    continue
                if self.awaiting_resync:
                    # A peer that does not take part in fail-over sends none: what
                    # waits here goes now.
                    self.awaiting_resync = False
                    await self.send_more()
            while self.next_message < len(self.messages):
                header, data = self.messages[self.next_message]
                answer = await self.mirror.receive_server_comm(header)
                if answer.code in (Code.HOLDOFF, Code.HOLDOFF_TOO):
                    await self._hold(completion)
                    return False
                if answer.code in (Code.OK, Code.OK_CALLBACK) and answer.ecx:
                    # The OS may ask for less than the message has, never for more.
                    if not await self._copy_out(data, answer.esi, min(answer.ecx, header.ecx)):
                        return False
                if answer.code == Code.OK_CALLBACK:
                    self.stats.callback_count += 1
                    await answer.callback(header._replace(ecx=answer.ecx, esi=answer.esi))
                elif answer.code == Code.IGNORE:
                    self.stats.ignored_msg_count += 1
                self.next_message += 1
                self.counts.consumed()
                self.stats.receive_msg_count += 1
            await self.receive.finish(completion)   # the ACK: every message accepted
            self.stats.receive_packet_count += 1
            for observer in self.packet_acknowledged:
                observer(completion)
            self.received.popleft()
            self.messages, self.next_message = None, 0
        if self.holding:
            await self._end_hold()
        return True

    async def _copy_out(self, source: int, destination: int, length: int) -> bool:
        """The CPU copies a message's data to the buffer its OS gave. A buffer that is
        not in host memory is a fatal receive error (the data cannot be delivered)."""
        try:
            self.os.memory.write(destination, self.os.memory.read(source, length))
        except ValueError as error:
            await self._fatal_receive_error(f"the OS's receive buffer is not in host "
                                            f"memory ({error})")
            return False
        return True

    async def _settled_status(self) -> dict:
        """The status block, read until two reads 16 clocks apart agree: the adapter
        writes it in one burst (COPY_HEAD before DMA_ERRORS), so a half-written block
        is not trusted."""
        status = read_status(self.os.memory, self.layout)
        while True:
            await self.os.platform.pause(16)
            again = read_status(self.os.memory, self.layout)
            if again == status:
                return status
            status = again

    async def _fatal_receive_error(self, why: str) -> None:
        """Never deliver what may be wrong: report the link broken instead (after any
        errors noted during a hold) and reset it; the peer times out its packet."""
        self.stats.rx_fatal_errors += 1
        self.os.queue_system_alert(f"MSL: {why}; the link is reset")
        self.holding = False
        self._cancel_hold_callbacks()
        errors, self.pending_errors = self.pending_errors, []
        await self._tell(errors + [DriverError.RECEIVE_ERROR], reset=True)

    # ---- holdoff (DriverHoldOff, DriverIntHoldOff) ----

    async def _hold(self, completion: Completion) -> None:
        """The OS held a message: tell the peer (so it does not time out) and make sure
        redelivery is attempted soon (AES sleep) and every tick (timer)."""
        self.stats.held_msg_count += 1
        await self.regs.write("SEND_HOLDOFF", seq=completion.seq)
        self.stats.holdoffs_sent += 1
        if not self.holding:
            self.holding = True
            if not self._hold_process:
                self.os.schedule_aes_event(self.hold_event)
            self.os.schedule_interrupt_time_callback(self.int_hold_event)

    async def _end_hold(self) -> None:
        """Every held message is delivered: stop the other redelivery callback, then
        report what happened meanwhile (and reset if an error asked for it)."""
        self.holding = False
        self._cancel_hold_callbacks()
        errors, self.pending_errors = self.pending_errors, []
        reset, self.reset_pending = self.reset_pending, False
        await self._tell(errors, reset)

    def _cancel_hold_callbacks(self) -> None:
        self.os.cancel_aes_event(self.hold_event)
        self.os.cancel_interrupt_time_callback(self.int_hold_event)

    async def driver_hold_off(self) -> None:
        """DriverHoldOff, an AES sleep process: retry at once, then after a growing
        number of CRescheduleLast yields, until the held messages are taken (by this
        process or by DriverIntHoldOff)."""
        self._hold_process = True
        try:
            backoff = 0
            while self.holding:
                async with self.os.cpu.interrupts_disabled(), \
                        self._adapter_access("DriverHoldOff"):
                    if not self.holding:
                        return
                    self.stats.redeliveries_quick += 1
                    if await self._deliver():
                        return
                backoff = min(backoff + 1, self.settings.max_backoff)
                for _ in range(backoff):
                    await self.os.reschedule_last()
                    if not self.holding:
                        return
        finally:
            self._hold_process = False

    async def driver_int_hold_off(self) -> None:
        """DriverIntHoldOff, an interrupt-time callback (every tick while held): retry,
        and if still held tell the peer again and come back next tick."""
        if not self.holding:
            return
        self.stats.redeliveries_tick += 1
        async with self._adapter_access("DriverIntHoldOff"):
            if await self._deliver():
                return
            if self.holding:
                await self.regs.write("SEND_HOLDOFF", seq=self.received[0].seq)
                self.stats.holdoffs_sent += 1
        if self.holding:
            self.os.schedule_interrupt_time_callback(self.int_hold_event)

    # ---- errors and DriverTimeout ----

    async def _peer_reset(self) -> None:
        """The peer reset the link. Our adapter has emptied every slot and holds the link
        down until we acknowledge, which our own reset does (stop DMA, link_reset,
        rings restarted). What we posted and the peer never acknowledged may or may not
        have reached its OS: ours hears TIME_OUT_ERROR, as it would from our message
        timer. What the peer sent and we had not acknowledged, the peer counts as failed
        (its reset told its OS), so it is dropped here."""
        if not await self.regs.field("LINK_STATUS", "held"):
            return          # a reset of ours since then acknowledged it already
        self.stats.peer_resets += 1
        if not self.active:
            await self.reset_link()
            return
        errors, self.pending_errors = self.pending_errors, []
        if self.waiting_messages() and DriverError.TIME_OUT_ERROR not in errors:
            errors.append(DriverError.TIME_OUT_ERROR)
        await self._tell(errors, reset=True)

    async def _report(self, code: DriverError, reset: bool = False) -> None:
        """ServerCommDriverError now, or -- while holding -- once every held message
        is delivered (the mirror must not diverge). A failure that resets a carrying
        link moves the traffic instead when another link is up (held messages too:
        the peer sends them again)."""
        if self.holding:
            if reset and await self._moved_away([code], code.name):
                return
            if code not in self.pending_errors:
                self.pending_errors.append(code)
            self.reset_pending |= reset
            return
        await self._tell([code], reset)

    async def _tell(self, codes: list[DriverError], reset: bool) -> None:
        """ServerCommDriverError for each code; with ``reset``, the link is reset first,
        so the adapter has stopped reading the forgotten messages' data when the OS
        hears of it (and may reuse that memory). Then every slot is free, and what the
        OS queued meanwhile, which no ACK of ours will ever ask for, goes out through
        GetNextPacket. With two links loaded the reset link starts with a resync, and
        sends only when the peer's has come; with another link up, the traffic moves
        there instead and the OS hears only the codes a move does not make untrue."""
        if reset and await self._moved_away(codes, ", ".join(c.name for c in codes)
                                            or "the peer reset the link"):
            return
        if reset:
            await self.reset_link()
            if self.group.fail_over:
                await self._start_resync()
        for code in codes:
            await self.notify(code)
        if reset:
            await self.send_more()

    async def _moved_away(self, codes: list[DriverError], why: str) -> bool:
        """The carrying link failed: move to a standby that is up, if there is one, and
        tell the OS the codes that are not a link failure. False: no move."""
        if not (self.active and self.group.fail_over):
            return False
        other = await self.group.standby_up(self)
        if other is None:
            return False
        await self.group.move(self, other, why)
        for code in codes:
            if code not in _LINK_FAILURES:
                await other.notify(code)
        return True

    async def notify(self, code: DriverError) -> None:
        self.stats.server_comm_errors += 1
        await self.mirror.server_comm_driver_error(code)

    async def check_timeouts(self) -> None:
        """DriverTimeout's work for this adapter, once per tick (first, a reset that
        failed is tried again)."""
        async with self._adapter_access("DriverTimeout"):
            await self._reset_if_needed()
            await self._count_down()

    async def _reset_if_needed(self) -> None:
        """The reset a failed one left owed (raises BusError if it fails again)."""
        if not self.needs_reset:
            return
        await self.reset_link()
        if self.active:
            if self.group.fail_over:
                await self._start_resync()
            await self.send_more()

    async def _count_down(self) -> None:
        timers = self.timers
        if timers.adapter:
            timers.adapter -= 1
            if not timers.adapter:
                self.stats.adapter_timeouts += 1
                await self._timed_out(DriverError.HARDWARE_ERROR)
                return
        if timers.message:
            timers.message -= 1
            if not timers.message:
                self.stats.message_timeouts += 1
                await self._timed_out(DriverError.TIME_OUT_ERROR)

    async def _timed_out(self, code: DriverError) -> None:
        """Reported with a reset -- unless only our resync was waiting: no message of
        the OS's failed, so the link is reset (and resyncs again) without a word."""
        if self.waiting_messages():
            await self._report(code, reset=True)
        else:
            await self._tell([], reset=True)

    # ---- register accesses that fail ----

    @asynccontextmanager
    async def _adapter_access(self, where: str) -> AsyncIterator[None]:
        """Run the block; a register access in it that fails ends the block and is
        handled by :meth:`_bus_failed` (the entry point then returns what the chapter
        says)."""
        try:
            yield
        except BusError as error:
            await self._bus_failed(where, error)

    async def _bus_failed(self, where: str, error: BusError) -> None:
        """The adapter did not answer a register access: it cannot be trusted with the
        packets under way. HARDWARE_ERROR with a reset (after the held messages, like
        any error); an adapter that cannot even be reset has every packet forgotten and
        the OS told at once, and the reset is tried again at the next entry point (the
        tick at the latest)."""
        self.stats.bus_errors += 1
        if self.needs_reset:     # the owed reset failed again: the OS knows already
            return
        self.os.queue_system_alert(f"MSL: {where}: {error}; the link is reset")
        if not self.active:      # a standby carries nothing the OS must hear of
            self._cancel_hold_callbacks()
            self._forget_state()
            self.needs_reset = True
            return
        try:
            await self._report(DriverError.HARDWARE_ERROR, reset=True)
        except BusError as again:
            self.os.queue_system_alert(f"MSL: the adapter cannot be reset: {again}")
            self._cancel_hold_callbacks()
            self.counts.done(self.waiting_messages())
            self._forget_state()
            self.needs_reset = True
            self._publish()
            await self.notify(DriverError.HARDWARE_ERROR)

    # ---- stop ----

    async def mask_interrupts(self) -> str | None:
        """INT_ENABLE to 0 (DriverRemove's first step); returns why it failed, if it did."""
        try:
            await self.regs.write("INT_ENABLE", 0)
        except BusError as error:
            return str(error)
        return None

    async def stop(self) -> str | None:
        """Adapter off (DriverRemove, or an initialisation that failed late): the
        redelivery callbacks cancelled and every packet forgotten first, so nothing
        runs on for a removed adapter (a DriverHoldOff loop ends at its next look).
        Returns None, or why the adapter did not stop (its resources are given back
        regardless)."""
        self._cancel_hold_callbacks()
        self._forget_state()
        try:
            await quiesce(self.regs)
        except BusError as error:
            return str(error)
        return None

