"""The driver's tunables, its resource tags, and what each adapter's link gets of the
driver (:class:`LinkContext`: the link never sees the driver object itself)."""

from __future__ import annotations

from dataclasses import dataclass

from msl_spec import Loopback
from driver.link_group import LinkGroup
from driver.msl_statistics import MslStatistics
from server_os.netware import AdapterOptions, ServerOs
from server_os.sft3 import MirrorSide

__all__ = ["DriverSettings", "ResourceTags", "LinkContext"]


@dataclass(frozen=True)
class DriverSettings:
    """Driver tunables (times in OS ticks unless named in clocks).

    The adapter timeout must be shorter than the message timeout, and the message
    timeout longer than the adapter's own replay time (ACK_TIMEOUT × RETRY_LIMIT) when
    the replays should be given their chance first.
    """

    options: AdapterOptions = AdapterOptions(ports=(0x1000, 0x2000, 0x3000, 0x4000),
                                             interrupts=(3, 4, 5, 7, 9, 10, 11))
    max_adapters: int = 2
    max_messages: int = 128          #: per packet (the chapter's recommendation)
    adapter_timeout_ticks: int = 5
    message_timeout_ticks: int = 20
    ack_timeout_clocks: int = 8000   #: programmed into ACK_TIMEOUT (custom data may tune)
    retry_limit: int = 8             #: programmed into RETRY_LIMIT (custom data may tune)
    self_test_modes: tuple = (Loopback.INTERNAL, Loopback.EXTERNAL)
    self_test_clocks: int = 20000    #: per step of a self-test
    emergency_wait_polls: int = 8    #: TX_STATE reads before an emergency cuts in
    emergency_poll_clocks: int = 16
    max_backoff: int = 4             #: DriverHoldOff's longest wait, in CRescheduleLast yields
    remove_hold_ticks: int = 200     #: DriverRemove waits this long for held messages


@dataclass
class ResourceTags:
    """The module's resource tags (allocated once, on the first load)."""

    msl: int = 0
    io: int = 0
    interrupt: int = 0
    timer: int = 0
    aes: int = 0
    memory: int = 0


@dataclass(frozen=True)
class LinkContext:
    """What an adapter's :class:`~driver.msl_link.MslLink` uses of its driver: the OS and
    the SFT III side it works for, the driver's statistics (shared by its links), its
    settings, the resource tags its events are scheduled under, and the group of links
    it belongs to (fail-over)."""

    os: ServerOs
    mirror: MirrorSide
    stats: MslStatistics
    settings: DriverSettings
    tags: ResourceTags
    group: LinkGroup
