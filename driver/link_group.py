"""A server's Mirrored Server Links as the one link its OS sees: which adapter carries
the traffic, and the move to another when it fails (the protocol that keeps messages
whole across a move is :mod:`driver.fail_over`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driver.bus import BusError
from driver.fail_over import MessageCounts, ahead

if TYPE_CHECKING:   # (MslLink is not imported: it imports this module's users)
    from driver.msl_statistics import MslStatistics
    from server_os.netware import ServerOs
    from server_os.sft3 import MirrorSide

__all__ = ["LinkGroup"]


class LinkGroup:
    """The adapters one driver loaded, in load order; one of them carries.

    Parameters
    ----------
    os : ServerOs
    mirror : MirrorSide
    stats : MslStatistics

    Attributes
    ----------
    links : list of MslLink
    counts : MessageCounts
        The message counts every link of the driver keeps (see :mod:`driver.fail_over`).
    """

    def __init__(self, os: ServerOs, mirror: MirrorSide, stats: MslStatistics):
        self.os, self.mirror, self.stats = os, mirror, stats
        self.links: list[MslLink] = []
        self.counts = MessageCounts()

    @property
    def fail_over(self) -> bool:
        """Two links have come up: traffic moves when the carrying one fails, and every
        start of a carrying link resyncs. (A second adapter whose link never came up --
        the peer did not load one -- leaves the driver a one-link driver: a peer that
        takes no part in fail-over would never send the resync this side waits for.)"""
        return sum(link.came_up for link in self.links) >= 2

    @property
    def carrying(self) -> MslLink | None:
        return next((link for link in self.links if link.active), None)

    async def standby_up(self, failed: MslLink) -> MslLink | None:
        """A standby link whose link is up (the first in load order), if any."""
        for link in self.links:
            if link is failed or link.active:
                continue
            try:
                if await link.regs.field("LINK_STATUS", "up"):
                    link.came_up = True
                    return link
            except BusError:
                continue     # an adapter that does not answer carries nothing
        return None

    async def move(self, old: MslLink, new: MslLink, why: str) -> None:
        """Traffic from ``old`` to ``new``: what ``old`` had not seen acknowledged is
        copied to ``new``'s send buffers (sent again after the peer's resync says which
        of it the peer's OS already has), what ``old`` was delivering or holding is
        dropped (the peer sends it again), ``old`` is reset and stands by."""
        self.stats.fail_overs += 1
        self.os.queue_system_alert(f"MSL: {why}: traffic moves from the adapter at port "
                                   f"{old.config.port:#x} to the one at "
                                   f"{new.config.port:#x}")
        packets, errors = old.give_up_traffic()
        await old.stand_by()
        await new.take_over(packets)
        for code in errors:      # news that was waiting for a hold to end (EMERGENCY)
            await new.notify(code)

    async def resync_received(self, link: MslLink, peer: MessageCounts) -> None:
        """The peer's counts arrived on ``link``: drop what its OS already has from what
        waits to be sent again (reported completed), skip what the peer gave up, and let
        ``link`` send."""
        self.stats.resyncs_received += 1
        counts = self.counts
        if ahead(peer.first_unacked, counts.delivered) > 0:
            # The peer gave up messages this OS never got (its OS was told).
            counts.delivered = peer.first_unacked
        if not link.awaiting_resync:
            return
        waiting = link.waiting_messages()
        skip = max(0, ahead(peer.delivered, counts.first_unacked))
        if skip > waiting:
            self.os.queue_system_alert(f"MSL: the peer counts {skip} messages delivered of "
                                       f"{waiting} unacknowledged; the rest are sent again")
            skip = waiting
        link.drop_waiting(skip)
        self.stats.messages_already_delivered += skip
        self.stats.messages_resent += waiting - skip
        counts.done(skip)
        link.awaiting_resync = False
        if skip:
            await self.mirror.server_comm_completed(skip)
        await link.send_more()
