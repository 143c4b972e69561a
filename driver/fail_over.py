"""Fail-over between a server's Mirrored Server Links: the message counts that survive a
move from one link to another, and the resync that carries them.

Each adapter's link layer numbers its own DATA frames, and a link that fails forgets
them; so a message the peer's OS had taken just before the failure, whose ACK was lost,
would otherwise be sent again on the next link, and one it had not taken would be lost.
The driver therefore counts messages across links, modulo 2**32, from load time:

``delivered``
    Messages of the peer this server's OS consumed (accepted, or ignored: codes 0, 1
    and 4; a held-off message is not consumed).
``first_unacked``
    The number of this server's oldest message not known to be consumed: messages
    before it were acknowledged, or given up (the OS was told they failed).

Whenever a link starts carrying while the driver has two links that have come up (it
takes over, or it is reset with no other link up), each side's first packet on it is a
*resync* with both counts, and each side posts nothing else until the peer's has
arrived. The peer's
``delivered`` says where to resend from: messages before it are reported completed, the
rest are sent again in order; its ``first_unacked`` says what it gave up, so this side's
``delivered`` skips to it. Nothing is lost (what was given up was reported to its OS),
duplicated or reordered.

A resync is a packet of one message whose header is :func:`resync_header`; it is
acknowledged by the adapter like any packet, but never reaches the OS.
"""

from __future__ import annotations

from dataclasses import dataclass

from msl_spec import MessageHeader

__all__ = ["RESYNC_MARK", "MessageCounts", "resync_header", "parse_resync", "ahead"]

_MASK32 = 0xFFFF_FFFF
RESYNC_MARK = 0x4D53_4C31      #: ``MSL1``: EAX of a resync


def ahead(later: int, earlier: int) -> int:
    """How far the 32-bit count ``later`` is ahead of ``earlier`` (negative: behind)."""
    difference = (later - earlier) & _MASK32
    return difference - (1 << 32) if difference >= 1 << 31 else difference


@dataclass
class MessageCounts:
    """The two counts (see the module text), shared by every link of one driver."""

    delivered: int = 0
    first_unacked: int = 0

    def consumed(self, count: int = 1) -> None:
        self.delivered = (self.delivered + count) & _MASK32

    def done(self, count: int) -> None:
        """``count`` of the oldest unacknowledged messages are acknowledged or given up."""
        self.first_unacked = (self.first_unacked + count) & _MASK32


def resync_header(counts: MessageCounts) -> MessageHeader:
    """The resync's one message: no data; each count beside its complement, so that no
    message the OS happens to send is mistaken for one."""
    return MessageHeader(RESYNC_MARK, counts.delivered, 0, counts.first_unacked,
                         counts.delivered ^ _MASK32, counts.first_unacked ^ _MASK32)


def parse_resync(headers: list[MessageHeader]) -> MessageCounts | None:
    """The peer's counts if ``headers`` (one received packet) is a resync, else None."""
    if len(headers) != 1:
        return None
    eax, delivered, ecx, first, check_delivered, check_first = headers[0]
    if (eax != RESYNC_MARK or ecx or check_delivered != delivered ^ _MASK32
            or check_first != first ^ _MASK32):
        return None
    return MessageCounts(delivered, first)
