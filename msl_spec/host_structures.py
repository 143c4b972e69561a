"""Structures the adapter and the driver share in host memory (rings, status block).

Placed like registers (:mod:`msl_spec.register_model`): 32-bit words, fields from bit 0.
"""

from __future__ import annotations

from .register_model import Access, Block, Field, PlacedRegister, Register, RegisterMap, Reserved
from .registers import MAX_MESSAGES, DmaErrorKind

__all__ = ["HostStructure", "TX_DESCRIPTOR", "RX_COMPLETION", "RX_COPY", "STATUS_BLOCK",
           "HOST_STRUCTURES", "MESSAGE_HEADER_BYTES", "HEADER_AREA_BYTES"]

MESSAGE_HEADER_BYTES = 24  #: EAX, EBX, ECX, EDX, ESI, EDI.
#: Bytes of host memory per receive slot for its messages' headers.
HEADER_AREA_BYTES = MAX_MESSAGES * MESSAGE_HEADER_BYTES


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
TX_DESCRIPTOR = HostStructure("TX_DESCRIPTOR", "one message, or a packet image, to send", (
    _value("EAX", "header value"), _value("EBX", "header value"),
    _value("ECX", "header value: data length in bytes"), _value("EDX", "header value"),
    _value("ESI", "header value: the sender's data address, carried to the peer"),
    _value("EDI", "header value"),
    Register("FLAGS", "", (Field("last", 1, Access.RW, 0,
                                 "the last message of its packet: send the packet"),
                           Field("image", 1, Access.RW, 0,
                                 "the ECX bytes at DATA are ``count`` whole messages, "
                                 "headers and padded data as in a slot (docs/dma.md); "
                                 "the other header words are not used"),
                           Reserved(6),
                           Field("count", 8, Access.RW, 0,
                                 "with ``image``: the messages in it (1 or more)"),)),
    Register("DATA", "", (Field("address", 32, Access.RW, 0,
                                "host address the adapter reads the ECX data bytes from "
                                "(the driver's copy)"),)),
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
