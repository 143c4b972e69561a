"""What DriverControl hands out: the MSL configuration and statistics tables.

Both are tables of little-endian 32-bit words, in the order declared here (the order
*is* the layout; docs/driver.md lists it). GetMSLStatistics copies the statistics table,
GetMSLConfiguration the configuration table, or either returns its size in bytes when
the buffer pointer is 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

__all__ = ["MslStatistics", "MslConfiguration", "pack_words", "unpack_words"]


def pack_words(record) -> bytes:
    """A dataclass of ints as consecutive little-endian 32-bit words."""
    return b"".join((getattr(record, f.name) & 0xFFFF_FFFF).to_bytes(4, "little")
                    for f in fields(record))


def unpack_words(cls, data: bytes):
    """The inverse of :func:`pack_words` (for callers reading a table back)."""
    names = [f.name for f in fields(cls)]
    if len(data) != 4 * len(names):
        raise ValueError(f"a {cls.__name__} table is {4 * len(names)} bytes, not {len(data)}")
    return cls(**{name: int.from_bytes(data[4 * i:4 * i + 4], "little")
                  for i, name in enumerate(names)})


@dataclass
class MslStatistics:
    """The driver's diagnostic counters (never cleared by a link reset).

    The chapter names TransmitMsgCount and TransmitPacketCount; the others are the
    per-cause counters it asks a driver to keep for everything it can detect.
    """

    transmit_msg_count: int = 0         #: messages taken by DriverSend / DriverBuildSend
    transmit_packet_count: int = 0      #: packets handed to the adapter
    transmit_complete_count: int = 0    #: TX_COMPLETE interrupts (a DATA frame went out)
    receive_msg_count: int = 0          #: messages the OS took (codes 0, 1 and 4)
    receive_packet_count: int = 0       #: packets fully delivered and acknowledged
    ignored_msg_count: int = 0          #: messages answered with code 4
    callback_count: int = 0             #: code-1 callbacks made through EDX
    acks_received: int = 0              #: ACK_RECEIVED interrupts that freed packets
    messages_acknowledged: int = 0      #: messages the peer acknowledged
    holdoffs_received: int = 0          #: HOLDOFF notifications from the peer
    holdoffs_sent: int = 0              #: HOLDOFF notifications to the peer
    held_msg_count: int = 0             #: answers 2 or 3 (message held off)
    redeliveries_quick: int = 0         #: redelivery attempts by DriverHoldOff (AES sleep)
    redeliveries_tick: int = 0          #: redelivery attempts by DriverIntHoldOff (timer)
    emergencies_received: int = 0       #: EMERGENCY notifications from the peer
    emergencies_sent: int = 0           #: DriverEmergencySend calls that reached the adapter
    emergencies_forced: int = 0         #: ... that cut a frame on the line short
    rx_error_count: int = 0             #: RX_ERROR interrupts (damaged frames, recovered by replay)
    rx_crc_errors: int = 0              #: frames rejected for their CRC
    rx_code_errors: int = 0             #: ... for an invalid 8b/10b symbol
    rx_framing_errors: int = 0          #: ... truncated, overlong, bad delimiter or header
    rx_aborted_frames: int = 0          #: ... cut short by the sender (EMERGENCY)
    rx_sync_lost: int = 0               #: ... lost alignment inside the frame
    rx_fatal_errors: int = 0            #: data that could not be delivered intact
    tx_error_count: int = 0             #: TX_ERROR interrupts (retries exhausted)
    dma_error_count: int = 0            #: DMA_ERROR interrupts
    adapter_timeouts: int = 0           #: a packet never left the adapter
    message_timeouts: int = 0           #: a packet was never acknowledged
    server_comm_errors: int = 0         #: ServerCommDriverError calls
    link_resets: int = 0                #: transmit/receive state reset after an error
    peer_resets: int = 0                #: PEER_RESET interrupts (the peer reset the link)
    link_up_count: int = 0              #: LINK_UP interrupts
    link_down_count: int = 0            #: LINK_DOWN interrupts
    not_our_interrupts: int = 0         #: ISR calls on a shared line for another card
    invalid_requests: int = 0           #: DriverSend / DriverBuildSend calls refused
    bus_errors: int = 0                 #: register accesses the adapter did not answer
    timeout_ticks: int = 0              #: DriverTimeout runs
    fail_overs: int = 0                 #: traffic moved to another link
    resyncs_sent: int = 0               #: resyncs posted (a link started carrying)
    resyncs_received: int = 0           #: the peer's resyncs
    messages_resent: int = 0            #: sent again on the next link after a move
    messages_already_delivered: int = 0  #: ... not sent again: the peer's OS had them

    def pack(self) -> bytes:
        return pack_words(self)

    def snapshot(self) -> dict:
        return asdict(self)


@dataclass
class MslConfiguration:
    """The driver's configuration, as GetMSLConfiguration reports it (the carrying
    adapter's options, then what the adapter and the driver settled on, then the
    standby link's)."""

    version: int = 0x0101               #: this table's layout (major.minor)
    adapters: int = 0                   #: adapters loaded
    port: int = 0                       #: the carrying adapter's PORT=
    port_length: int = 0
    interrupt: int = 0                  #: its INT=
    shared_interrupt: int = 0           #: 1 when the line may be shared
    slot_size: int = 0                  #: bytes per packet slot
    tx_slots: int = 0
    rx_slots: int = 0
    lane_width: int = 0                 #: line bits per clock
    max_messages: int = 0               #: messages per packet the driver builds
    max_data_length: int = 0            #: MaxCommDriverDataLength
    adapter_timeout_ticks: int = 0
    message_timeout_ticks: int = 0
    ack_timeout_clocks: int = 0         #: the adapter's replay timer
    retry_limit: int = 0                #: the adapter's replays before TX_ERROR
    standby_port: int = 0               #: the standby adapter's PORT= (0: none)
    standby_interrupt: int = 0          #: its INT=
    links_up: int = 0                   #: bit n: the link of the n-th adapter loaded is up

    def pack(self) -> bytes:
        return pack_words(self)
