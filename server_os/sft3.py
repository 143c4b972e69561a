"""The SFT III side of the server OS: what the MSL driver delivers to and takes from.

:class:`MirrorSide` holds one server's outgoing message queue, the receive handler the
driver calls for every message (ReceiveServerCommPointer, with an answer scripted per
message), the completion and error entries, and the three globals the chapter shares
between driver and OS. It keeps a log of everything delivered, acknowledged and
reported, which is what the tests compare against the peer's view.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from msl_spec import MessageHeader
from server_os.netware import ServerOs

__all__ = ["Code", "Answer", "DriverError", "Delivery", "MirrorSide"]


class Code(enum.IntEnum):
    """ReceiveServerCommPointer's completion codes."""

    OK = 0
    OK_CALLBACK = 1   # copy, then call back through EDX
    HOLDOFF = 2
    HOLDOFF_TOO = 3   # the same as 2
    IGNORE = 4


class DriverError(enum.IntEnum):
    """ServerCommDriverError's codes (the chapter names them; the values are ours,
    except HARDWARE_ERROR, which it gives as 0)."""

    HARDWARE_ERROR = 0
    TIME_OUT_ERROR = 1
    EMERGENCY = 2          # the peer server said it is failing
    RECEIVE_ERROR = 3      # a receive failure the driver could not recover from
    INVALID_REQUEST = 4    # DriverSend / DriverBuildSend refused a message


@dataclass
class Answer:
    """What the receive handler returns: a code and, optionally, a new ECX (length to
    copy) and ESI (where to). ``callback`` is EDX's target for Code.OK_CALLBACK."""

    code: Code = Code.OK
    ecx: int | None = None
    esi: int | None = None
    callback: Callable[[MessageHeader], Awaitable[None]] | None = None


@dataclass
class Delivery:
    """One message handed to the receive handler and the answer it got."""

    header: MessageHeader
    answer: Answer    # with the ECX and ESI the driver was told to use


@dataclass
class MirrorSide:
    """One server's SFT III message layer.

    Parameters
    ----------
    os : ServerOs
    receive_buffer : int
        Host address of the buffer the default handler gives each message's data
        (``receive_buffer_size`` bytes, used round-robin).
    receive_buffer_size : int

    Attributes
    ----------
    answer : callable
        ``answer(header, attempt)`` → :class:`Answer`, the receive handler's script
        (``attempt`` counts deliveries of the same message, from 0).
    deliveries : list of Delivery
        Every call of the receive handler, held-off ones included.
    accepted : list of (MessageHeader, bytes)
        Messages the OS took (codes 0 and 1, and 4), with the data copied for them
        (read once the driver says the copy is done; see :meth:`data_of`).
    completed : list of int
        Message counts passed to ServerCommCompleted.
    errors : list of (int, DriverError)
        (tick, code) of every ServerCommDriverError.
    timeline : list of tuple
        Everything above in the order it happened: ``("receive", header, code)``,
        ``("completed", count)``, ``("error", code)``, ``("callback", header)``.
    """

    os: ServerOs
    receive_buffer: int = 0
    receive_buffer_size: int = 0
    max_comm_driver_data_length: int = -1
    packet_size_driver_can_now_handle: int = -1
    answer: Callable[[MessageHeader, int], Answer] | None = None
    queue: deque = field(default_factory=deque)
    deliveries: list = field(default_factory=list)
    completed: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    send_results: list = field(default_factory=list)
    #: PacketSizeDriverCanNowHandle before and after each DriverBuildSend, as the OS saw it.
    build_send_room: list = field(default_factory=list)
    timeline: list = field(default_factory=list)
    _next_buffer: int = 0
    _attempts: dict = field(default_factory=dict)

    # ---- sending ----

    @property
    def packet_size_now_available(self) -> int:
        """Data bytes of the next queued message, or -1 when none is queued."""
        return self.queue[0].ecx if self.queue else -1

    def _fits(self, header: MessageHeader) -> bool:
        return 0 <= header.ecx <= self.packet_size_driver_can_now_handle

    async def send(self, header: MessageHeader) -> None:
        """The OS sends a message (its data already at ESI): straight to DriverSend when
        nothing is queued and the driver can take it now, else onto the queue (which
        GetNextPacket drains after an acknowledgement)."""
        async with self.os.cpu.interrupts_disabled():
            driver = self.os.comm_driver
            if driver is None or self.queue or not self._fits(header):
                self.queue.append(header)
                return
            self.send_results.append(await driver.driver_send(header))

    async def get_next_packet(self) -> None:
        """GetNextPacketPointer: DriverBuildSend for queued messages, in order, until the
        driver has no room (PacketSizeDriverCanNowHandle) or the queue is empty."""
        driver = self.os.comm_driver
        while self.queue and self._fits(self.queue[0]):
            before = self.packet_size_driver_can_now_handle
            self.send_results.append(await driver.driver_build_send(self.queue.popleft()))
            self.build_send_room.append((before, self.packet_size_driver_can_now_handle))

    async def server_comm_completed(self, count: int) -> None:
        """ServerCommCompletedPointer: ``count`` more messages reached the peer."""
        self.completed.append(count)
        self.timeline.append(("completed", count))

    # ---- receiving ----

    def _default_answer(self, header: MessageHeader, attempt: int) -> Answer:
        return Answer(Code.OK)

    async def receive_server_comm(self, header: MessageHeader) -> Answer:
        """ReceiveServerCommPointer: the scripted answer for this message, with ESI
        pointing into the receive buffer when the script leaves it unchanged."""
        attempt = self._attempts.get(header, 0)
        self._attempts[header] = attempt + 1
        answer = (self.answer or self._default_answer)(header, attempt)
        ecx = header.ecx if answer.ecx is None else answer.ecx
        esi = answer.esi
        if esi is None and answer.code in (Code.OK, Code.OK_CALLBACK):
            esi = self._buffer_for(ecx)
        answer = Answer(answer.code, ecx, esi if esi is not None else header.esi,
                        answer.callback)
        self.deliveries.append(Delivery(header, answer))
        self.timeline.append(("receive", header, answer.code))
        return answer

    def _buffer_for(self, length: int) -> int:
        if length > self.receive_buffer_size:
            raise ValueError(f"a {length}-byte message does not fit the receive buffer")
        if self._next_buffer + length > self.receive_buffer_size:
            self._next_buffer = 0
        address = self.receive_buffer + self._next_buffer
        self._next_buffer += (length + 3) & ~3
        return address

    def accepted(self) -> list[Delivery]:
        """Deliveries the OS took (not held off), in order."""
        return [d for d in self.deliveries if d.answer.code not in (Code.HOLDOFF,
                                                                    Code.HOLDOFF_TOO)]

    def data_of(self, delivery: Delivery) -> bytes:
        """The bytes the driver copied for an accepted delivery."""
        length = min(delivery.answer.ecx, delivery.header.ecx)   # never more than it has
        return self.os.memory.read(delivery.answer.esi, length) if length else b""

    async def server_comm_driver_error(self, code: DriverError) -> None:
        """ServerCommDriverError."""
        self.errors.append((self.os.ticks, DriverError(code)))
        self.timeline.append(("error", DriverError(code)))

    async def emergency(self, reason: int = 1) -> None:
        """The server is failing (the OS is about to abend): DriverEmergencySend, with
        interrupts disabled."""
        async with self.os.cpu.interrupts_disabled():
            await self.os.comm_driver.driver_emergency_send(reason)
