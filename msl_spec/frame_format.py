"""The link's frame format, declared once.

Gateware (:mod:`hdl.phy.frame_layouts` and the blocks using it), the Python models in
:mod:`linkmodel`, the tools and ``docs/frame-format.md`` all take the control symbols,
frame kinds and header fields from here. The enumerations are plain Python ``IntEnum`` s
(Amaranth takes them as constants; each is 8 bits on the wire).

On the wire a frame is::

    START  kind seq count aux length[7:0] length[15:8]  payload[length]  crc[4]  END

``crc`` is the IEEE 802.3 / zlib CRC-32 of the header and payload, least significant byte
first. Between frames the line carries ``COMMA`` symbols. ``ABORT`` ends a frame early
(the frame is discarded by the receiver).
"""

import enum

__all__ = [
    "ControlSymbol",
    "FrameKind",
    "LinkCommand",
    "NakReason",
    "HoldoffSource",
    "HEADER_FIELDS",
    "HEADER_BYTES",
    "CRC_BYTES",
    "FRAME_OVERHEAD_BYTES",
    "STATUS_FLAGS",
    "pack_header",
    "unpack_header",
]


class ControlSymbol(enum.IntEnum):
    """Control (K) codes the link uses, as ``HGFEDCBA`` bytes sent with ``k = 1``."""

    COMMA = 0xBC  #: K28.5: idle filler and the alignment comma.
    START = 0xFB  #: K27.7: start of frame.
    END = 0xFD    #: K29.7: end of frame.
    ABORT = 0xFE  #: K30.7: frame cut short by the sender; discard it.


class FrameKind(enum.IntEnum):
    """Frame kinds. A receiver reports any other value as a bad header."""

    DATA = 1       #: A packet of 1..128 messages; ``seq`` numbers it, ``count`` = messages.
    ACK = 2        #: ``seq`` and ``count`` of the DATA frame the peer's OS accepted.
    NAK = 3        #: Replay request; ``seq`` = the sequence number expected next.
    HOLDOFF = 4    #: The receiver holds DATA ``seq`` for its OS: restart the ACK timer.
    EMERGENCY = 5  #: The sending server is failing. Highest priority.
    LINK = 6       #: Start-up and reset; ``aux`` = sub-command, ``count`` = receive slots.


class LinkCommand(enum.IntEnum):
    """``aux`` of a LINK frame."""

    HELLO = 1      #: I am here; answer with HELLO_ACK. Sent while the link is down.
    HELLO_ACK = 2  #: Answer to HELLO: the receiver of it takes the link up.
    RESET = 3      #: Restart sequence numbers both ways; answer with RESET_ACK.
    RESET_ACK = 4  #: Sequence numbers restarted; the link is up again.


class NakReason(enum.IntEnum):
    """``aux`` of a NAK frame."""

    ERROR = 1  #: A frame was lost or damaged: replay from ``seq`` now.
    BUSY = 2   #: No free receive slot: replay ``seq`` after the ACK timeout.
    #: A receive slot came free after a BUSY refusal: replay from ``seq`` now.
    READY = 3


class HoldoffSource(enum.IntEnum):
    """``aux`` of a HOLDOFF frame: who holds the packet. Both restart the peer's ACK
    timer; only a driver's HOLDOFF tells the peer's driver that a server is alive and
    holding (a dead server's adapter still answers every replay with HOLDOFF)."""

    ADAPTER = 0  #: The adapter answers a replay of a packet its driver has not acknowledged.
    DRIVER = 1   #: The driver holds the packet for its OS (``SEND_HOLDOFF``).


#: Header fields in wire order: (name, width in bits, meaning).
HEADER_FIELDS = (
    ("kind", 8, "frame kind (FrameKind)"),
    ("seq", 8, "sequence number (DATA), or the sequence number acknowledged / requested"),
    ("count", 8, "number of messages in the packet (DATA, ACK); the sender's receive "
                 "slots (LINK)"),
    ("aux", 8, "kind-specific sub-field (LINK sub-command, NAK reason, HOLDOFF source)"),
    ("length", 16, "payload length in bytes, little-endian"),
)
HEADER_BYTES = sum(width for _, width, _ in HEADER_FIELDS) // 8
CRC_BYTES = 4
#: Line bytes a frame adds to its payload: START, header, CRC, END (one symbol each byte).
FRAME_OVERHEAD_BYTES = 1 + HEADER_BYTES + CRC_BYTES + 1


#: Why a received frame was rejected: (flag, meaning). A frame with no flag set is good.
STATUS_FLAGS = (
    ("code_error", "a symbol inside the frame was an invalid code or had a disparity error"),
    ("crc_error", "the CRC-32 did not match"),
    ("truncated", "a control symbol arrived before the header, payload and CRC were complete"),
    ("overlong", "data continued after the CRC where END was due"),
    ("bad_delimiter", "a control symbol other than END (or ABORT) followed the CRC"),
    ("bad_header", "unknown kind, or a length above the receiver's maximum payload"),
    ("aborted", "the sender cut the frame short with ABORT"),
    ("sync_lost", "the receiver lost symbol alignment inside the frame"),
)


def pack_header(**fields) -> bytes:
    """Header bytes as sent, from field values (missing fields are 0)."""
    unknown = set(fields) - {name for name, _, _ in HEADER_FIELDS}
    if unknown:
        raise ValueError(f"unknown header field(s): {', '.join(sorted(unknown))}")
    value, shift = 0, 0
    for name, width, _ in HEADER_FIELDS:
        field = int(fields.get(name, 0))
        if not 0 <= field < 1 << width:
            raise ValueError(f"header field {name}={field} does not fit in {width} bits")
        value |= field << shift
        shift += width
    return value.to_bytes(HEADER_BYTES, "little")


def unpack_header(raw: bytes) -> dict:
    """Field values from header bytes as received."""
    if len(raw) != HEADER_BYTES:
        raise ValueError(f"a header is {HEADER_BYTES} bytes, not {len(raw)}")
    value, fields = int.from_bytes(raw, "little"), {}
    for name, width, _ in HEADER_FIELDS:
        fields[name] = value & ((1 << width) - 1)
        value >>= width
    return fields
