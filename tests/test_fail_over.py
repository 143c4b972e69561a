"""The fail-over protocol's rules on their own (no simulator): the resync's encoding,
32-bit count arithmetic, and what the peer's counts make a link drop, report and skip
(driver/fail_over.py, driver/link_group.py). The cocotb tests of tb_fail_over.py show
the same rules working on four adapters; these pin the cases a simulation seldom hits
(wrapping counts, a peer that gave messages up, a peer claiming too much)."""

import asyncio

import pytest

from msl_spec import MessageHeader
from driver.dma_rings import Completion
from driver.fail_over import RESYNC_MARK, MessageCounts, ahead, parse_resync, resync_header
from driver.link_group import LinkGroup
from driver.msl_link import MslLink
from driver.msl_settings import DriverSettings, LinkContext, ResourceTags
from driver.msl_statistics import MslStatistics
from driver.outgoing import OutgoingPacket
from server_os.sft3 import Answer, Code

MASK = 0xFFFF_FFFF


def test_ahead_is_the_signed_distance_modulo_two_to_the_32():
    assert ahead(5, 3) == 2 and ahead(3, 5) == -2
    assert ahead(1, MASK) == 2 and ahead(MASK, 1) == -2
    assert ahead(0x8000_0000 - 1, 0) == 0x7FFF_FFFF


@pytest.mark.parametrize("counts", [MessageCounts(0, 0), MessageCounts(7, 3),
                                    MessageCounts(MASK, 1)])
def test_a_resync_carries_both_counts(counts):
    header = resync_header(counts)
    assert header.eax == RESYNC_MARK and header.ecx == 0
    assert parse_resync([header]) == counts


def test_only_a_resync_is_taken_for_one():
    good = resync_header(MessageCounts(7, 3))
    assert parse_resync([good, good]) is None                     # two messages
    assert parse_resync([good._replace(eax=RESYNC_MARK + 1)]) is None
    assert parse_resync([good._replace(ecx=4)]) is None           # carries data
    assert parse_resync([good._replace(esi=7)]) is None           # complement wrong
    assert parse_resync([good._replace(edi=3)]) is None
    assert parse_resync([MessageHeader(RESYNC_MARK, 7, 0, 3, 0, 0)]) is None


class _Os:
    def __init__(self):
        self.alerts = []

    def queue_system_alert(self, text):
        self.alerts.append(text)


class _Mirror:
    def __init__(self):
        self.completed = []

    async def server_comm_completed(self, count):
        self.completed.append(count)


def _packet(count, first_eax):
    headers = [MessageHeader(first_eax + i, 0, 0, 0, 0, 0) for i in range(count)]
    return OutgoingPacket(0, headers, [0] * count)


def _group_with_link(waiting=(2, 1, 3), delivered=15, first_unacked=10):
    """A group with one link awaiting the peer's resync, ``waiting`` packets (message
    counts) queued to be sent again, numbered from ``first_unacked``."""
    stats = MslStatistics()
    group = LinkGroup(_Os(), _Mirror(), stats)
    group.counts = MessageCounts(delivered, first_unacked)
    link = MslLink(LinkContext(group.os, group.mirror, stats, DriverSettings(),
                               ResourceTags(), group), None, None)
    number = first_unacked
    for count in waiting:
        link.queued.append(_packet(count, number))
        number += count
    link.awaiting_resync = True
    link.sent_more = 0

    async def send_more():
        link.sent_more += 1
    link.send_more = send_more
    group.links.append(link)
    return group, link


def _queued_eax(link):
    return [header.eax for packet in link.queued for header in packet.headers]


def _resync(group, link, delivered, first_unacked):
    asyncio.run(group.resync_received(link, MessageCounts(delivered, first_unacked)))


def test_what_the_peer_has_is_reported_completed_and_the_rest_sent_in_order():
    group, link = _group_with_link()
    _resync(group, link, delivered=14, first_unacked=15)      # peer has 10 to 13
    assert _queued_eax(link) == [14, 15]                     # a packet cut in two
    assert group.mirror.completed == [4] and group.counts.first_unacked == 14
    assert not link.awaiting_resync and link.sent_more == 1
    assert group.stats.messages_already_delivered == 4 and group.stats.messages_resent == 2


def test_a_peer_that_has_none_gets_everything_again():
    group, link = _group_with_link()
    _resync(group, link, delivered=10, first_unacked=15)
    assert _queued_eax(link) == list(range(10, 16)) and group.mirror.completed == []


def test_messages_this_side_gave_up_are_not_sent_again():
    # The peer's count is behind ours: we gave up 4..9 (the OS was told).
    group, link = _group_with_link()
    _resync(group, link, delivered=4, first_unacked=15)
    assert _queued_eax(link) == list(range(10, 16)) and group.mirror.completed == []


def test_what_the_peer_gave_up_is_skipped_on_receive():
    group, link = _group_with_link(delivered=15)
    _resync(group, link, delivered=10, first_unacked=20)      # peer gave up 15..19
    assert group.counts.delivered == 20
    group, link = _group_with_link(delivered=15)
    _resync(group, link, delivered=10, first_unacked=12)      # peer resends 15.. itself
    assert group.counts.delivered == 15


def test_counts_that_wrap_around_two_to_the_32():
    group, link = _group_with_link(waiting=(2, 2), first_unacked=MASK - 1)
    _resync(group, link, delivered=1, first_unacked=15)       # has MASK-1, MASK, 0
    assert group.mirror.completed == [3] and group.counts.first_unacked == 1
    assert len(_queued_eax(link)) == 1


def test_a_peer_claiming_more_than_was_sent_is_alerted_and_capped():
    group, link = _group_with_link(waiting=(2,))
    _resync(group, link, delivered=15, first_unacked=15)
    assert group.os.alerts and not link.queued and group.mirror.completed == [2]


def test_a_resync_when_none_was_awaited_drops_nothing():
    group, link = _group_with_link()
    link.awaiting_resync = False
    _resync(group, link, delivered=13, first_unacked=30)
    assert _queued_eax(link) == list(range(10, 16)) and group.mirror.completed == []
    assert group.counts.delivered == 30 and link.sent_more == 0


class _ReceiveRings:
    """Announced packets as the link reads them; records what it acknowledges."""

    def __init__(self, headers):
        self._headers, self.finished = headers, []

    def messages(self, completion):
        return [(header, 0) for header in self._headers]

    async def finish(self, completion):
        self.finished.append(completion)


def test_plain_data_from_a_peer_that_sends_no_resync_ends_the_wait():
    """A link awaiting the peer's resync that gets an ordinary packet instead (a peer
    that does not take part in fail-over) delivers it and sends what waits."""
    group, link = _group_with_link(waiting=(1,))
    offered = []

    async def receive_server_comm(header):
        offered.append(header)
        return Answer(Code.IGNORE)
    group.mirror.receive_server_comm = receive_server_comm
    plain = MessageHeader(7, 0, 0, 0, 0, 0)
    link.receive = _ReceiveRings([plain])
    completion = Completion(slot=0, count=1, seq=0, length=24, index=0)
    link.received.append(completion)
    assert asyncio.run(link._deliver())
    assert offered == [plain] and link.receive.finished == [completion]
    assert not link.awaiting_resync and link.sent_more == 1
    assert group.counts.delivered == 16      # counted as the peer's message
