"""The adapter's register map, declared once.

Everything software-visible about the adapter's registers is here: names, derived offsets,
fields, access kinds, reset values and meanings. From this declaration come the
gateware's decoder (:class:`hdl.register_file.RegisterFile`), the driver's accessors
(:mod:`driver.registers`) and ``docs/registers.md`` (:mod:`hdl.register_docs`). No offset
is written anywhere else.

Registers sit in blocks at fixed bases (so a block can grow without moving the others);
within a block they follow one another at 4-byte steps, and fields within a register
follow one another from bit 0 up. All registers are 32 bits wide.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable

from .frame_format import FrameKind
from .phy_statistics import PHY_COUNTERS

__all__ = [
    "Access", "Param", "Field", "Reserved", "Register", "Block", "Window", "RegisterMap",
    "PlacedRegister", "PlacedField", "REGISTER_MAP", "INTERRUPT_CAUSES", "LINK_COUNTERS",
    "ADAPTER_ID", "VERSION", "MAX_SLOTS", "MAX_MESSAGES", "DEFAULT_ACK_TIMEOUT",
    "DEFAULT_RETRY_LIMIT", "TxSlotState", "Loopback",
    "HostStructure", "TX_DESCRIPTOR", "RX_COMPLETION", "RX_COPY", "STATUS_BLOCK",
    "HOST_STRUCTURES", "MESSAGE_HEADER_BYTES", "HEADER_AREA_BYTES", "DmaErrorKind",
]

ADAPTER_ID = 0x4D534C31  #: "MSL1": the value a driver checks in ``ID``.
VERSION = (4, 0)         #: (major, minor) of this register map.
MAX_SLOTS = 8            #: Register room for slots; a build has 2..MAX_SLOTS of each.
MAX_MESSAGES = 128       #: Messages per packet the adapter accepts in TX_POST.
DEFAULT_ACK_TIMEOUT = 65536  #: ACK_TIMEOUT after reset, unless a build chooses another.
DEFAULT_RETRY_LIMIT = 8      #: RETRY_LIMIT after reset, unless a build chooses another.
MESSAGE_HEADER_BYTES = 24  #: EAX, EBX, ECX, EDX, ESI, EDI.
#: Bytes of host memory per receive slot for its messages' headers.
HEADER_AREA_BYTES = MAX_MESSAGES * MESSAGE_HEADER_BYTES


class Access(enum.Enum):
    """How software sees a field."""

    RO = "RO"    #: read-only; the hardware supplies the value; writes are ignored
    RW = "RW"    #: read-write storage
    W1C = "W1C"  #: reads the hardware's state; writing 1 to a bit clears it
    W1S = "W1S"  #: reads the hardware's state; writing 1 to a bit sets it
    CMD = "CMD"  #: write-only command: each write acts once; reads return 0


@dataclass(frozen=True)
class Param:
    """A reset value that follows from a build parameter of the adapter.

    ``Param("tx_slots")`` is the parameter itself; with ``derive`` (and a ``text`` for
    the documentation) it is ``derive(parameter)``.
    """

    name: str
    derive: Callable[[int], int] | None = None
    text: str = ""

    #: The value when ``params`` does not name the parameter (a top that builds the
    #: adapter with its default, e.g. the timers'); None: the parameter is required.
    default: int | None = None

    def value(self, params: dict) -> int:
        value = params.get(self.name, self.default)
        if value is None:
            raise KeyError(f"build parameter {self.name!r} is needed for this reset value")
        return self.derive(value) if self.derive else value

    def __str__(self) -> str:
        text = self.text or f"`{self.name}`"
        return text if self.default is None else f"{text} (default {self.default})"


@dataclass(frozen=True)
class Field:
    name: str
    width: int
    access: Access
    reset: int | Param = 0
    description: str = ""
    values: type[enum.Enum] | None = None  #: named values, for the documentation


def Reserved(width: int) -> Field:
    """Unused bits: read as 0, writes ignored."""
    return Field("", width, Access.RO, 0, "reserved")


@dataclass(frozen=True)
class Register:
    name: str
    description: str
    fields: tuple[Field, ...]
    count: int = 1  #: an array of ``count`` registers, named NAME0, NAME1, ...


@dataclass(frozen=True)
class Block:
    name: str
    base: int
    registers: tuple[Register, ...]


@dataclass(frozen=True)
class Window:
    """A range of the address space mapped onto a buffer RAM."""

    name: str
    base: int
    span: int  #: bytes reserved; the mapped part depends on the build
    description: str


@dataclass(frozen=True)
class PlacedField:
    name: str
    offset: int  #: lowest bit
    width: int
    access: Access
    reset: int | Param
    description: str
    values: type[enum.Enum] | None

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.offset

    def reset_for(self, params: dict) -> int:
        """The reset value in a build with ``params``."""
        return self.reset.value(params) if isinstance(self.reset, Param) else self.reset


@dataclass(frozen=True)
class PlacedRegister:
    name: str
    address: int
    description: str
    fields: tuple[PlacedField, ...]
    block: str
    array: str | None = None  #: the array's name, for NAME0.. elements
    index: int | None = None

    def field(self, name: str) -> PlacedField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"register {self.name} has no field {name!r}; it has "
                       f"{', '.join(f.name for f in self.fields)}")

    def accesses(self) -> set[Access]:
        return {f.access for f in self.fields}

    def reset_value(self, params: dict) -> int:
        """The value reads return after reset, for a build with ``params``."""
        value = 0
        for f in self.fields:
            value |= (f.reset_for(params) << f.offset) & f.mask
        return value

    def pack(self, **values) -> int:
        """A register value from field values (fields not named are 0)."""
        word = 0
        for name, value in values.items():
            f = self.field(name)
            if not 0 <= int(value) < 1 << f.width:
                raise ValueError(f"{self.name}.{name}={value} does not fit in {f.width} bits")
            word |= int(value) << f.offset
        return word

    def unpack(self, word: int) -> dict:
        """Field values of a register value."""
        return {f.name: (word >> f.offset) & ((1 << f.width) - 1) for f in self.fields}


class RegisterMap:
    """Blocks and windows, with every register's address and every field's bits derived.

    Raises ``ValueError`` on overlapping blocks or windows, over-wide registers or
    repeated names.
    """

    def __init__(self, blocks, windows, address_width: int = 16):
        self.blocks = tuple(blocks)
        self.windows = tuple(windows)
        self.address_width = address_width
        self.registers: tuple[PlacedRegister, ...] = tuple(self._place())
        names = [r.name for r in self.registers]
        if len(set(names)) != len(names):
            raise ValueError("two registers share a name")
        self._by_name = {r.name: r for r in self.registers}
        self._check_overlaps()

    def _place(self):
        for block in self.blocks:
            address = block.base
            for register in block.registers:
                for index in range(register.count):
                    fields, bit = [], 0
                    for f in register.fields:
                        if f.name:
                            fields.append(PlacedField(f.name, bit, f.width, f.access, f.reset,
                                                      f.description, f.values))
                        bit += f.width
                    if bit > 32:
                        raise ValueError(f"register {register.name} has {bit} bits, not <= 32")
                    name = register.name if register.count == 1 else f"{register.name}{index}"
                    yield PlacedRegister(
                        name, address, register.description, tuple(fields), block.name,
                        register.name if register.count > 1 else None,
                        index if register.count > 1 else None)
                    address += 4

    def _check_overlaps(self):
        spans = [(b.base, max([r.address + 4 for r in self.registers if r.block == b.name]
                              + [b.base]), b.name) for b in self.blocks]
        spans += [(w.base, w.base + w.span, w.name) for w in self.windows]
        spans.sort()
        for (_, end, name), (start, _, other) in zip(spans, spans[1:]):
            if start < end:
                raise ValueError(f"{name} overlaps {other}")
        if spans[-1][1] > 1 << self.address_width:
            raise ValueError(f"{spans[-1][2]} lies beyond the {self.address_width}-bit space")

    def __getitem__(self, name: str) -> PlacedRegister:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no register named {name!r}") from None

    def __iter__(self):
        return iter(self.registers)

    def window(self, name: str) -> Window:
        for w in self.windows:
            if w.name == name:
                return w
        raise KeyError(f"no window named {name!r}")


class TxSlotState(enum.IntEnum):
    """A transmit slot's state, as ``TX_STATE`` shows it."""

    FREE = 0      #: the host may fill it
    POSTED = 1    #: queued for sending, not yet on the line
    SENDING = 2   #: on the line now
    WAIT_ACK = 3  #: sent, kept for replay until the peer acknowledges it
    FAILED = 4    #: gave up after RETRY_LIMIT replays; freed by a link reset


class Loopback(enum.IntEnum):
    """``CONTROL.loopback``."""

    OFF = 0       #: normal operation
    INTERNAL = 1  #: the PHY receives its own transmit lane (the line is left dead)
    EXTERNAL = 2  #: the ``lane_loopback`` pin asks the line card to loop the cable back


#: Interrupt causes, in bit order: (name, what sets it).
INTERRUPT_CAUSES = (
    ("RX_PACKET", "a DATA packet landed in a receive slot (with DMA_CONTROL.enable: "
                  "its headers and completion are in host memory)"),
    ("ACK_RECEIVED", "an ACK freed one or more transmit slots (with DMA_CONTROL.enable: "
                     "the status block shows it)"),
    ("HOLDOFF_RECEIVED", "the peer is holding a packet of ours (restart message timers)"),
    ("EMERGENCY_RECEIVED", "the peer sent EMERGENCY (reason in PEER_EMERGENCY)"),
    ("RX_ERROR", "a damaged or malformed frame was received and discarded"),
    ("TX_COMPLETE", "a DATA frame went out whole"),
    ("TX_ERROR", "a packet was replayed RETRY_LIMIT times without an ACK: transmitter halted"),
    ("DMA_DONE", "receive copies finished (COPY_HEAD in the status block moved)"),
    ("DMA_ERROR", "a DMA job failed (DMA_STATUS, STAT_DMA_ERRORS, the status block)"),
    ("LINK_UP", "the link came up"),
    ("LINK_DOWN", "the link went down"),
    ("PEER_RESET", "the peer reset the link: every slot here was emptied and the link "
                   "stays down (LINK_STATUS.held) until COMMAND.link_reset acknowledges"),
)

#: Link-layer statistics counters: (name, what one count means). The PHY's own counters
#: (hdl.phy_statistics.PHY_COUNTERS) come first in the STAT block.
LINK_COUNTERS = (
    *((f"tx_{k.name.lower()}", f"{k.name} frame sent whole") for k in FrameKind),
    *((f"rx_{k.name.lower()}", f"good {k.name} frame received") for k in FrameKind),
    ("tx_replays", "DATA frame sent again (after NAK or ACK timeout)"),
    ("tx_ack_timeouts", "ACK timer expired with DATA unacknowledged"),
    ("rx_busy_refusals", "DATA refused for want of a free receive slot (NAK BUSY sent)"),
    ("rx_duplicates", "DATA received again after it was accepted (answered, not delivered)"),
    ("rx_out_of_order", "DATA ahead of the expected sequence number (discarded, NAK sent)"),
    ("rx_while_disabled", "frame received while CONTROL.enable was 0 (ignored)"),
    ("rx_stale", "DATA, ACK, NAK or HOLDOFF received while the link was being reset "
                 "(sent on the old link; ignored)"),
    ("dma_errors", "DMA job ended by an error response or a bad descriptor"),
)


class DmaErrorKind(enum.IntEnum):
    """What went wrong in the last failed DMA job (``DMA_STATUS.error_kind``)."""

    NONE = 0
    HOST_READ = 1    #: an error response to a read of host memory
    HOST_WRITE = 2   #: an error response to a write of host memory
    DESCRIPTOR = 3   #: a descriptor asked for the impossible (see docs/dma.md)



def _cause_fields(access: Access) -> tuple[Field, ...]:
    """One bit per interrupt cause."""
    return tuple(Field(name.lower(), 1, access, 0, meaning) for name, meaning in INTERRUPT_CAUSES)


def _slot_mask(description: str, reset: int | Param = 0) -> tuple[Field, ...]:
    return (Field("mask", MAX_SLOTS, Access.RO, reset, description),)


REGISTER_MAP = RegisterMap(
    blocks=[
        Block("identity and control", 0x000, (
            Register("ID", "adapter identification; a driver refuses any other value", (
                Field("id", 32, Access.RO, ADAPTER_ID, '"MSL1"'),)),
            Register("VERSION", "register map version", (
                Field("minor", 8, Access.RO, VERSION[1]),
                Field("major", 8, Access.RO, VERSION[0]),)),
            Register("CAPS", "capabilities of this build", (
                Field("tx_slots", 4, Access.RO, Param("tx_slots"), "transmit slots"),
                Field("rx_slots", 4, Access.RO, Param("rx_slots"), "receive slots"),
                Field("lane_width", 4, Access.RO, Param("lane_width"), "line bits per clock"),
                Reserved(4),
                Field("max_messages", 8, Access.RO, MAX_MESSAGES, "messages per packet"),
                Field("dma_bytes", 4, Access.RO, Param("dma_width", lambda w: w // 8,
                                                       "`dma_width` / 8"),
                      "bytes per beat of the DMA master"),)),
            Register("SLOT_SIZE", "bytes per transmit or receive slot", (
                Field("bytes", 32, Access.RO, Param("slot_size")),)),
            Register("CONTROL", "operating mode", (
                Field("enable", 1, Access.RW, 0,
                      "link layer on: send HELLO, frames and answers; 0 sends only idle"),
                Field("loopback", 2, Access.RW, 0, "loopback mode", Loopback),)),
            Register("COMMAND", "one-shot commands", (
                Field("link_reset", 1, Access.CMD, 0,
                      "restart sequence numbers both ways (drops unacknowledged packets); "
                      "with LINK_STATUS.held, acknowledges the peer's reset instead of "
                      "starting one"),
                Field("clear_counters", 1, Access.CMD, 0, "zero every STAT register"),)),
            Register("LINK_STATUS", "link state", (
                Field("in_sync", 1, Access.RO, 0, "the receiver holds symbol sync"),
                Field("up", 1, Access.RO, 0, "the peer answered the HELLO exchange"),
                Field("resetting", 1, Access.RO, 0, "a link reset awaits RESET_ACK"),
                Field("tx_halted", 1, Access.RO, 0, "transmitter stopped after TX_ERROR"),
                Field("held", 1, Access.RO, 0,
                      "the peer reset the link; down until COMMAND.link_reset"),)),
            Register("ACK_TIMEOUT", "clocks to wait for an ACK before replaying", (
                Field("clocks", 32, Access.RW,
                      Param("ack_timeout", default=DEFAULT_ACK_TIMEOUT)),)),
            Register("RETRY_LIMIT", "replays of a packet before TX_ERROR", (
                Field("count", 8, Access.RW,
                      Param("retry_limit", default=DEFAULT_RETRY_LIMIT)),)),
            Register("ERROR_STATUS", "refused software requests (sticky)", (
                Field("post_refused", 1, Access.W1C, 0,
                      "TX_POST of a slot not FREE, or a length/count out of range"),
                Field("command_refused", 1, Access.W1C, 0,
                      "SEND_ACK / SEND_HOLDOFF for a sequence number not awaiting an ACK, "
                      "or RX_RELEASE of a slot not FULL"),)),
        )),
        Block("interrupts", 0x100, (
            Register("INT_RAW", "causes seen, enabled or not; writing 1 raises a cause "
                     "(to test the interrupt line)", _cause_fields(Access.W1S)),
            Register("INT_PENDING", "causes raising irq (INT_RAW & INT_ENABLE); writing 1 "
                     "clears a cause, in INT_RAW too", _cause_fields(Access.W1C)),
            Register("INT_ENABLE", "causes allowed to raise irq", _cause_fields(Access.RW)),
        )),
        Block("transmit", 0x200, (
            Register("TX_FREE", "transmit slots the host may fill",
                     _slot_mask("bit n: slot n is FREE",
                                         Param("tx_slots", lambda n: (1 << n) - 1,
                                               "one bit per slot (all FREE)"))),
            Register("TX_STATE", "state of each transmit slot, 3 bits per slot (TxSlotState)",
                     tuple(Field(f"slot{n}", 3, Access.RO, 0, f"slot {n}", TxSlotState)
                           for n in range(MAX_SLOTS))),
            Register("TX_POST", "send a filled slot as one DATA packet (takes the next seq)", (
                Field("slot", 4, Access.CMD),
                Field("length", 16, Access.CMD, 0, "payload bytes, 1..SLOT_SIZE"),
                Field("count", 8, Access.CMD, 0, "messages in the packet, 1..max_messages"),)),
            Register("TX_SEQ", "transmit sequence numbers", (
                Field("next", 8, Access.RO, 0, "seq the next TX_POST takes"),
                Field("base", 8, Access.RO, 0, "oldest unacknowledged seq"),
                Field("send", 8, Access.RO, 0, "next seq to go on the line"),
                Field("retries", 8, Access.RO, 0, "replays of the oldest packet so far"),)),
            Register("TX_ACKED_MESSAGES", "messages acknowledged since reset (wrapping)", (
                Field("count", 32, Access.RO),)),
            Register("TX_LAST_ACK", "the last ACK that freed slots", (
                Field("seq", 8, Access.RO),
                Field("count", 8, Access.RO, 0, "message count the peer reported"),)),
        )),
        Block("receive", 0x300, (
            Register("RX_READY", "receive slots holding a packet for the driver",
                     _slot_mask("bit n: slot n is FULL")),
            Register("RX_HEAD", "the oldest packet waiting in a receive slot", (
                Field("slot", 4, Access.RO),
                Reserved(3),
                Field("valid", 1, Access.RO, 0, "a packet is waiting"),
                Field("count", 8, Access.RO, 0, "messages"),
                Field("seq", 8, Access.RO),)),
            Register("RX_INFO", "what receive slot n holds (valid while FULL)", (
                Field("length", 16, Access.RO, 0, "payload bytes"),
                Field("seq", 8, Access.RO),
                Field("count", 8, Access.RO, 0, "messages"),), count=MAX_SLOTS),
            Register("RX_RELEASE", "give a receive slot back to the adapter", (
                Field("slot", 4, Access.CMD),)),
            Register("RX_SEQ", "receive sequence numbers", (
                Field("expected", 8, Access.RO, 0, "seq of the next new packet"),
                Field("ack_next", 8, Access.RO, 0, "oldest received seq not yet acknowledged"),)),
        )),
        Block("control frames", 0x400, (
            Register("SEND_ACK", "acknowledge packets up to seq (after the OS accepted them)", (
                Field("seq", 8, Access.CMD),
                Field("count", 8, Access.CMD, 0, "messages the OS accepted in that packet"),)),
            Register("SEND_HOLDOFF", "tell the peer packet seq is held (it restarts its timers)", (
                Field("seq", 8, Access.CMD),)),
            Register("SEND_EMERGENCY", "tell the peer this server is failing (pre-empts DATA)", (
                Field("reason", 8, Access.CMD),)),
            Register("PEER_EMERGENCY", "the last EMERGENCY received", (
                Field("reason", 8, Access.RO),)),
        )),
        Block("DMA", 0x600, (
            Register("DMA_CONTROL", "the DMA engine", (
                Field("enable", 1, Access.RW, 0,
                      "process the rings; packets are announced and acknowledgements "
                      "reported through host memory (0: programmed I/O only)"),)),
            Register("TX_RING_BASE", "host address of the transmit ring", (
                Field("address", 32, Access.RW),)),
            Register("TX_RING_SIZE", "entries of the transmit ring", (
                Field("log2", 4, Access.RW, 4, "the ring has 2**log2 descriptors"),)),
            Register("TX_RING_TAIL", "doorbell: descriptors written so far (free-running)", (
                Field("index", 32, Access.RW),)),
            Register("RX_COMPLETION_BASE", "host address of the receive completion ring", (
                Field("address", 32, Access.RW),)),
            Register("RX_COMPLETION_SIZE", "entries of the receive completion ring", (
                Field("log2", 4, Access.RW, 4, "the ring has 2**log2 completions"),)),
            Register("RX_HEADERS_BASE", "host address of the message header areas, "
                     "HEADER_AREA_BYTES per receive slot", (
                Field("address", 32, Access.RW),)),
            Register("RX_COPY_BASE", "host address of the receive copy ring", (
                Field("address", 32, Access.RW),)),
            Register("RX_COPY_SIZE", "entries of the receive copy ring", (
                Field("log2", 4, Access.RW, 4, "the ring has 2**log2 copy descriptors"),)),
            Register("RX_COPY_TAIL", "doorbell: copy descriptors written so far (free-running)", (
                Field("index", 32, Access.RW),)),
            Register("STATUS_BASE", "host address of the status block", (
                Field("address", 32, Access.RW),)),
            Register("DMA_STATUS", "the last DMA failure, and whether a job is under way", (
                Field("error_kind", 2, Access.RO, 0, "", DmaErrorKind),
                Field("error_response", 2, Access.RO, 0, "AXI response (2 SLVERR, 3 DECERR)"),
                Field("busy", 1, Access.RO, 0,
                      "a job is under way; clearing DMA_CONTROL.enable lets it finish (an AXI "
                      "burst cannot be cut), so wait for 0 before programming the rings again"),)),
        )),
        Block("statistics", 0x800, tuple(
            Register(f"STAT_{name.upper()}", meaning, (Field("count", 32, Access.RO),))
            for name, meaning in (*PHY_COUNTERS, *LINK_COUNTERS))),
    ],
    windows=[
        Window("TX_BUFFER", 0x4000, 0x4000,
               "transmit slots: slot n at offset n × SLOT_SIZE; read-write, byte strobes honoured"),
        Window("RX_BUFFER", 0x8000, 0x4000,
               "receive slots: slot n at offset n × SLOT_SIZE; read-only"),
    ],
)


class HostStructure:
    """A structure the adapter and the driver share in host memory: 32-bit words at
    byte offsets 0, 4, 8, ..., each with fields, placed like registers."""

    def __init__(self, name: str, description: str, words):
        self.name, self.description = name, description
        placed = RegisterMap([Block(name, 0, tuple(words))], [])
        self.words = placed.registers
        self.size = 4 * len(self.words)
        self._by_name = {w.name: w for w in self.words}

    def __getitem__(self, name: str) -> PlacedRegister:
        return self._by_name[name]

    def pack(self, **words) -> bytes:
        """Bytes of the structure; each word given as an int or a dict of its fields."""
        out = bytearray(self.size)
        for name, value in words.items():
            word = self[name]
            value = word.pack(**value) if isinstance(value, dict) else value
            out[word.address:word.address + 4] = int(value).to_bytes(4, "little")
        return bytes(out)

    def unpack(self, data: bytes) -> dict:
        """Each word's fields (a word with one field: its value)."""
        out = {}
        for word in self.words:
            fields = word.unpack(int.from_bytes(data[word.address:word.address + 4], "little"))
            out[word.name] = fields if len(fields) > 1 else next(iter(fields.values()), 0)
        return out


def _value(name: str, description: str) -> Register:
    return Register(name, description, (Field("value", 32, Access.RW),))


#: One message to send (transmit ring entry).
TX_DESCRIPTOR = HostStructure("TX_DESCRIPTOR", "one message to send", (
    _value("EAX", "header value"), _value("EBX", "header value"),
    _value("ECX", "header value: data length in bytes"), _value("EDX", "header value"),
    _value("ESI", "header value: host address of the data"), _value("EDI", "header value"),
    Register("FLAGS", "", (Field("last", 1, Access.RW, 0,
                                 "the last message of its packet: send the packet"),)),
    Register("RESERVED", "", (Reserved(32),)),
))

#: A packet that arrived (receive completion ring entry).
RX_COMPLETION = HostStructure("RX_COMPLETION", "a packet waiting in a receive slot", (
    Register("PACKET", "", (
        Field("slot", 8, Access.RO, 0, "the receive slot holding it"),
        Field("count", 8, Access.RO, 0, "messages; their headers are in the slot's header area"),
        Field("seq", 8, Access.RO, 0, "its sequence number (for SEND_ACK)"),)),
    Register("LENGTH", "", (Field("length", 16, Access.RO, 0, "packet bytes in the slot"),)),
    Register("INDEX", "", (Field("index", 32, Access.RO, 0, "this completion's number"),)),
    Register("RESERVED", "", (Reserved(32),)),
))

#: Data of one received message to copy into host memory (receive copy ring entry).
RX_COPY = HostStructure("RX_COPY", "copy message data out of a receive slot", (
    Register("ADDRESS", "", (Field("address", 32, Access.RW, 0,
                                   "host destination (the OS's ESI)"),)),
    Register("SOURCE", "", (Field("offset", 16, Access.RW, 0, "data offset in the slot"),
                            Field("slot", 8, Access.RW, 0, "receive slot"),)),
    Register("LENGTH", "", (Field("length", 16, Access.RW, 0, "bytes (the OS's ECX)"),)),
    Register("RESERVED", "", (Reserved(32),)),
))

#: What the adapter reports in host memory (rewritten after every change).
STATUS_BLOCK = HostStructure("STATUS_BLOCK", "the adapter's progress", (
    Register("TX_HEAD", "", (Field("index", 32, Access.RO, 0, "transmit descriptors consumed"),)),
    Register("TX_ACKED", "", (Field("count", 32, Access.RO, 0,
                                    "messages the peer acknowledged (TX_ACKED_MESSAGES)"),)),
    Register("RX_HEAD", "", (Field("index", 32, Access.RO, 0, "receive completions written"),)),
    Register("COPY_HEAD", "", (Field("index", 32, Access.RO, 0, "copy descriptors done"),)),
    Register("DMA_ERRORS", "", (Field("count", 32, Access.RO, 0, "as STAT_DMA_ERRORS"),)),
    Register("LAST_ERROR", "", (Field("kind", 2, Access.RO, 0, "", DmaErrorKind),
                                Field("response", 2, Access.RO, 0,
                                      "AXI response (2 SLVERR, 3 DECERR)"),)),
    Register("RESERVED0", "", (Reserved(32),)),
    Register("RESERVED1", "", (Reserved(32),)),
))

HOST_STRUCTURES = (TX_DESCRIPTOR, RX_COMPLETION, RX_COPY, STATUS_BLOCK)
