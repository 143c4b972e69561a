"""The adapter's register map, declared once.

Everything software-visible about the adapter's registers is here: names, derived offsets,
fields, access kinds, reset values and meanings. From this declaration come the
gateware's decoder (:class:`hdl.host.register_file.RegisterFile`), the driver's accessors
(:mod:`driver.registers`), the C header and ``docs/registers.md`` (:mod:`msl_tools.docs`). No
offset is written anywhere else.

Registers sit in blocks at fixed bases (so a block can grow without moving the others);
within a block they follow one another at 4-byte steps, and fields within a register
follow one another from bit 0 up. All registers are 32 bits wide.
"""

from __future__ import annotations

import enum

from .counters import LINK_COUNTERS, PHY_COUNTERS
from .interrupts import INTERRUPT_CAUSES
from .register_model import Access, Block, Field, Param, Register, RegisterMap, Reserved, Window

__all__ = [
    "REGISTER_MAP", "ADAPTER_ID", "VERSION", "MAX_SLOTS", "MAX_MESSAGES",
    "DEFAULT_ACK_TIMEOUT", "DEFAULT_RETRY_LIMIT", "TxSlotState", "Loopback", "DmaErrorKind",
]

ADAPTER_ID = 0x4D534C31  #: "MSL1": the value a driver checks in ``ID``.
VERSION = (4, 2)         #: (major, minor) of this register map.
MAX_SLOTS = 8            #: Register room for slots; a build has 2..MAX_SLOTS of each.
MAX_MESSAGES = 128       #: Messages per packet the adapter accepts in TX_POST.
DEFAULT_ACK_TIMEOUT = 65536  #: ACK_TIMEOUT after reset, unless a build chooses another.
DEFAULT_RETRY_LIMIT = 8      #: RETRY_LIMIT after reset, unless a build chooses another.



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
                      "reported through host memory (0: programmed I/O only)"),
                Field("whole_packets", 1, Access.RW, 0,
                      "announce each received packet whole: all its bytes (headers and "
                      "data) into its slot's packet area at RX_PACKETS_BASE, instead of "
                      "its headers into the header area (the driver then copies the data "
                      "itself and needs no receive copies)"),)),
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
            Register("RX_PACKETS_BASE", "host address of the receive packet areas, "
                     "SLOT_SIZE bytes per receive slot (DMA_CONTROL.whole_packets)", (
                Field("address", 32, Access.RW),)),
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


