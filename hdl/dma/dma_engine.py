"""DMA engine: the transmit ring, receive completions, receive copies and the status block
of docs/dma.md, run with one :class:`~hdl.dma.dma_mover.DmaMover`."""

from amaranth import Array, Cat, Const, Module, Mux, Signal
from amaranth.hdl import ResetInserter
from amaranth.lib import data, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from msl_spec import (HEADER_AREA_BYTES, MAX_MESSAGES, MAX_SLOTS, MESSAGE_HEADER_BYTES,
    REGISTER_MAP, RX_COMPLETION, RX_COPY, STATUS_BLOCK, TX_DESCRIPTOR, DmaErrorKind)
from hdl.dma.axi4 import Axi4Signature
from hdl.dma.dma_mover import DmaMover
from hdl.host.register_file import register_layout
from hdl.link.link_interfaces import ArrivalSignature, PostSignature, TxProgressSignature

__all__ = ["DmaEngine", "DMA_REGISTER_FIELDS", "DmaRegisters"]

# The mover's local address space: three regions of 256 KiB.
_REGION_BITS = 18
_TX, _RX, _SCRATCH = 0, 1, 2
_SCRATCH_WORDS = 8  # 32-bit words: the largest structure (descriptor, status block)
# A descriptor's data is read in jobs of at most this many bytes, so that a received
# packet waits at most one of them to be announced (a whole slot's image would hold the
# engine for a slot's worth of beats, long enough for small frames to fill every
# receive slot behind it).
_GATHER_CHUNK_BYTES = 1024


def _entry_shift(structure) -> int:
    """log2 of a ring entry's size (entries are powers of two, to index with a shift)."""
    size = structure.size
    assert size & (size - 1) == 0 and size <= 4 * _SCRATCH_WORDS, structure.name
    return size.bit_length() - 1


#: The register fields the engine works from, as ``(member, register, field)`` of
#: :data:`msl_spec.REGISTER_MAP` (docs/dma.md names them).
DMA_REGISTER_FIELDS = (
    ("tx_ring_base", "TX_RING_BASE", "address"),
    ("tx_ring_log2", "TX_RING_SIZE", "log2"),
    ("tx_ring_tail", "TX_RING_TAIL", "index"),
    ("rx_completion_base", "RX_COMPLETION_BASE", "address"),
    ("rx_completion_log2", "RX_COMPLETION_SIZE", "log2"),
    ("rx_headers_base", "RX_HEADERS_BASE", "address"),
    ("rx_copy_base", "RX_COPY_BASE", "address"),
    ("rx_copy_log2", "RX_COPY_SIZE", "log2"),
    ("rx_copy_tail", "RX_COPY_TAIL", "index"),
    ("status_base", "STATUS_BASE", "address"),
    ("whole_packets", "DMA_CONTROL", "whole_packets"),
    ("rx_packets_base", "RX_PACKETS_BASE", "address"),
)

#: Those fields as one structure, each as wide as the spec declares it.
DmaRegisters = data.StructLayout({member: REGISTER_MAP[register].field(field).width
                                  for member, register, field in DMA_REGISTER_FIELDS})

#: A packet waiting to be announced (the fields of an ArrivalSignature).
_Arrival = data.StructLayout({"slot": range(MAX_SLOTS), "seq": 8, "count": 8, "length": 16})


def _align4(value):
    return (value + 3) & ~3


class DmaEngine(wiring.Component):
    """Moves every message between host memory and the slots, as docs/dma.md describes.

    Work is taken one job at a time, in this order: the status block when there is news
    to raise; announcing a received packet (its headers, or with ``whole_packets`` all
    its bytes, then its completion); a receive copy; a transmit descriptor (a message, or
    with ``image`` a packet's worth of messages at once); the status block when only
    progress changed (so a long run of descriptors is not slowed by a status write after
    each). Interrupt events
    (errors too) are raised only after the status block that shows their cause is in
    host memory, so a driver that takes the interrupt finds the news there (a failed
    status write raises ``failed`` at once); and a status block carrying a new ACK
    count always raises ``acknowledged``, whatever news it was written for.

    While ``enable`` is 0 the engine takes no job, forgets packets waiting to be
    announced and a packet half gathered, and its heads return to 0.

    Parameters
    ----------
    tx_slots, rx_slots, slot_size : int
    data_width, max_burst, max_outstanding : int
        Of the mover.

    Members
    -------
    axi : Out(Axi4Signature)
    enable : In(1)
    registers : In(DmaRegisters)
        The DMA registers' fields (:data:`DMA_REGISTER_FIELDS`).
    tx_progress : In(TxProgressSignature)
        Transmit slots FREE and messages acknowledged (from the transmit controller).
    post : Out(PostSignature)
        Post a packet the engine has gathered (to the transmit controller).
    tx_write_address, tx_write_data, tx_write_enable : Out
        Into the transmit buffer.
    arrival : In(ArrivalSignature)
        A packet landed in a receive slot.
    rx_read_address : Out, rx_read_data : In
        From the receive buffer (data the next clock).
    announced, acknowledged, copied, failed : Out(1)
        Events, for RX_PACKET, ACK_RECEIVED, DMA_DONE and DMA_ERROR.
    error : Out(1)
        A job failed (an event at once, for STAT_DMA_ERRORS).
    error_count : In(32)
        STAT_DMA_ERRORS, for the status block.
    error_kind, error_response : Out
        The last failure (DMA_STATUS).
    busy : Out(1)
        A job is under way (DMA_STATUS.busy): ``enable`` is obeyed only between jobs.
    """

    def __init__(self, tx_slots: int, rx_slots: int, slot_size: int, data_width: int = 32,
                 max_burst: int = 16, max_outstanding: int = 4):
        self._tx_slots, self._rx_slots, self._slot_size = tx_slots, rx_slots, slot_size
        self._mover = DmaMover(data_width, max_burst, max_outstanding, _REGION_BITS + 2)
        self._bytes = data_width // 8
        word_address = _REGION_BITS - (self._bytes.bit_length() - 1)
        super().__init__({
            "axi": Out(Axi4Signature(32, data_width)),
            "enable": In(1),
            "registers": In(DmaRegisters),
            "tx_progress": In(TxProgressSignature),
            "post": Out(PostSignature),
            "tx_write_address": Out(word_address), "tx_write_data": Out(data_width),
            "tx_write_enable": Out(self._bytes),
            "arrival": In(ArrivalSignature),
            "rx_read_address": Out(word_address), "rx_read_data": In(data_width),
            "announced": Out(1), "acknowledged": Out(1), "copied": Out(1), "failed": Out(1),
            "error": Out(1), "error_count": In(32), "error_kind": Out(2),
            "error_response": Out(2), "busy": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.mover = mover = self._mover
        config = self.registers
        wiring.connect(m, wiring.flipped(self.axi), mover.axi)
        B = self._bytes
        lb = B.bit_length() - 1
        slot_size = self._slot_size

        # Scratch: descriptors come in here, completions and the status block go out.
        scratch = Array(Signal(32, name=f"scratch{i}") for i in range(_SCRATCH_WORDS))

        def word(structure, name):
            return scratch[structure[name].address // 4]

        def fields(structure, name):
            """A scratch word seen through its declared fields."""
            return data.View(register_layout(structure[name]), word(structure, name))

        # The mover's local side, by region.
        region_shift = _REGION_BITS - lb
        write_region = mover.local_write_address[region_shift:]
        write_word = mover.local_write_address[:region_shift]
        with m.If(write_region == _TX):
            m.d.comb += [self.tx_write_address.eq(write_word),
                         self.tx_write_data.eq(mover.local_write_data),
                         self.tx_write_enable.eq(mover.local_write_enable)]
        with m.Elif(write_region == _SCRATCH):
            for i, register in enumerate(scratch):
                for lane in range(B):
                    if lane // 4 != i % (B // 4):
                        continue  # a 64-bit word's low lanes fill even words, high lanes odd
                    with m.If((write_word[:3] == i // (B // 4)) & mover.local_write_enable[lane]):
                        byte = lane % 4
                        m.d.sync += register[8 * byte:8 * byte + 8].eq(
                            mover.local_write_data[8 * lane:8 * lane + 8])
        read_region = mover.local_read_address[region_shift:]
        read_word = mover.local_read_address[:region_shift]
        scratch_read = Signal(8 * B)
        if B == 4:
            m.d.sync += scratch_read.eq(scratch[read_word[:3]])
        else:
            low, high = Array(scratch[0::2]), Array(scratch[1::2])
            m.d.sync += scratch_read.eq(Cat(low[read_word[:2]], high[read_word[:2]]))
        region_read_last = Signal(2)
        m.d.sync += region_read_last.eq(read_region)
        m.d.comb += mover.local_read_data.eq(
            Mux(region_read_last == _SCRATCH, scratch_read, self.rx_read_data))
        engine_read = Signal(_REGION_BITS - lb)  # the engine's own receive-slot reads
        m.d.comb += self.rx_read_address.eq(Mux(mover.busy, read_word, engine_read))

        job_to_host = Signal()  # direction of the job running now

        def job(to_host, host_address, region, local_offset, length):
            m.d.sync += job_to_host.eq(to_host)
            m.d.comb += [mover.start.eq(1), mover.to_host.eq(to_host),
                         mover.host_address.eq(host_address),
                         mover.local_address.eq(Cat(Const(0, _REGION_BITS), Const(region, 2))
                                                | local_offset),
                         mover.length.eq(length)]

        # Progress, reported in the status block.
        tx_head, rx_head = Signal(32, name="tx_head"), Signal(32, name="rx_head")
        copy_head = Signal(32, name="copy_head")
        acked_seen = Signal(32)
        dirty = Signal()
        raise_announced = Signal(name="raise_announced")
        raise_copied = Signal(name="raise_copied")
        raise_acknowledged = Signal(name="raise_acknowledged")
        # The ring entry addresses below are registers a clock behind the heads; a job
        # may start from them only when no head has moved in the clock before.
        addresses_ready = Signal()
        m.d.sync += addresses_ready.eq(1)

        raise_failed = Signal()
        news = raise_announced | raise_copied | raise_acknowledged | raise_failed

        def fail(kind, response=0):
            m.d.comb += self.error.eq(1)
            m.d.sync += [self.error_kind.eq(kind), self.error_response.eq(response),
                         dirty.eq(1), raise_failed.eq(1)]

        def mover_failed():
            """Record a mover error (host read or write) and say so."""
            fail(Mux(job_to_host, DmaErrorKind.HOST_WRITE, DmaErrorKind.HOST_READ),
                 mover.error_response)

        # Packets waiting to be announced, in arrival order.
        arrivals = ResetInserter(~self.enable)(
            SyncFIFOBuffered(width=_Arrival.size, depth=MAX_SLOTS))
        m.submodules.arrivals = arrivals
        arriving = data.View(_Arrival, arrivals.w_data)
        m.d.comb += arrivals.w_en.eq(self.arrival.valid & self.enable)
        for name in _Arrival.members:
            m.d.comb += getattr(arriving, name).eq(getattr(self.arrival, name))
        arrival = data.View(_Arrival, arrivals.r_data)

        # The packet being gathered, and the walk over a packet being announced.
        building, build_slot = Signal(), Signal(range(MAX_SLOTS))
        discarding = Signal()  # skipping the rest of a failed packet's descriptors
        build_offset, build_count = Signal(16, name="build_offset"), Signal(8, name="build_count")
        # Wide enough that a peer's absurd ECX cannot wrap the walk back into the packet.
        walk_offset, walk_index, walk_ecx = Signal(34), Signal(8), Signal(32)
        # Where the walk's next header goes in host memory, kept as registers: with the
        # products slot * HEADER_AREA_BYTES and index * MESSAGE_HEADER_BYTES (not powers of
        # two: a multiplier) in front of the mover's address, that was the sync domain's
        # longest path. The slot's area follows the arrival a clock behind; the address
        # is made in ANNOUNCE_READ_ECX, a clock before the header's job uses it.
        walk_header_offset = Signal(16, name="walk_header_offset")   # index * 24
        slot_header_area = Signal(range(MAX_SLOTS * HEADER_AREA_BYTES), name="slot_header_area")
        header_address = Signal(32, name="header_address")
        m.d.sync += [slot_header_area.eq(arrival.slot * HEADER_AREA_BYTES),
                     header_address.eq(config.rx_headers_base + slot_header_area
                                       + walk_header_offset)]
        free_slot = Signal(range(MAX_SLOTS))
        for s in reversed(range(self._tx_slots)):
            with m.If(self.tx_progress.free[s]):
                m.d.comb += free_slot.eq(s)
        any_free = self.tx_progress.free[:self._tx_slots].any()

        def entry_address(name, base, log2, index, structure):
            """Host address of entry ``index`` (free-running) of a ring of 2**log2, as a
            register. Computed in the clock the job starts, the mask, shift and 32-bit
            add sat in front of the mover's address register: the design's critical path
            (52.7 MHz on ECP5). Registered, they cost a clock after a head moves."""
            mask_value = (Const(1, 33) << log2) - 1
            mask = Signal(2 ** len(log2), name=f"{name}_mask")
            address = Signal(32, name=f"{name}_address")
            m.d.sync += [mask.eq(mask_value),
                         address.eq(base + ((index & mask) << _entry_shift(structure)))]
            return address

        descriptor_address = entry_address("descriptor", config.tx_ring_base, config.tx_ring_log2,
                                           tx_head, TX_DESCRIPTOR)
        copy_descriptor_address = entry_address("copy_descriptor", config.rx_copy_base,
                                                config.rx_copy_log2, copy_head, RX_COPY)
        completion_address = entry_address("completion", config.rx_completion_base,
                                           config.rx_completion_log2, rx_head, RX_COMPLETION)
        ecx = word(TX_DESCRIPTOR, "ECX")
        data_address = fields(TX_DESCRIPTOR, "DATA").address
        flags = fields(TX_DESCRIPTOR, "FLAGS")
        last, image = flags.last, flags.image
        slot_base = build_slot * slot_size
        # A message descriptor puts its header in the slot, then its data; an image
        # descriptor only its data, which holds whole messages already.
        header_bytes = Mux(image, 0, MESSAGE_HEADER_BYTES)
        # Where the descriptor just fetched would end in the slot, the packet's message
        # count after it, and whether the descriptor is bad: registers, read a clock
        # after the fetch (TX_MEASURE), so that their adds and compares are not in
        # series with TX_CHECK's choice of the next job (into the mover's inputs).
        message_end_sum = build_offset + header_bytes + _align4(ecx)
        count_after_sum = build_count + Mux(image, flags.count, 1)
        message_end = Signal(len(message_end_sum), name="message_end")
        count_after = Signal(9, name="count_after")
        descriptor_bad = Signal(name="descriptor_bad")
        m.d.sync += [message_end.eq(message_end_sum), count_after.eq(count_after_sum),
                     descriptor_bad.eq((message_end_sum > slot_size)
                                       | (count_after_sum > MAX_MESSAGES)
                                       | (image & (flags.count == 0)))]
        # The descriptor being gathered, kept from its check on: other jobs run between
        # its data chunks and reuse the scratch.
        desc_last, desc_end = Signal(), Signal(16, name="desc_end")
        desc_count = Signal(8, name="desc_count")
        gathering = Signal()          # a descriptor's data is part read
        gather_host = Signal(32, name="gather_host")
        gather_local = Signal(_REGION_BITS, name="gather_local")
        gather_left = Signal(16, name="gather_left")
        chunk = Signal(range(_GATHER_CHUNK_BYTES + 1), name="chunk")

        def consume_descriptor():
            m.d.sync += [tx_head.eq(tx_head + 1), dirty.eq(1), addresses_ready.eq(0)]

        def finish_copy():
            """A copy descriptor is done with, whether it worked or not."""
            m.d.sync += [copy_head.eq(copy_head + 1), dirty.eq(1), raise_copied.eq(1),
                         addresses_ready.eq(0)]

        def drop_packet(known_last=None):
            """Give up the packet being gathered; its remaining descriptors (up to the one
            marked last) are skipped. With ``known_last`` None the failing descriptor
            could not be read: it is taken to end the packet."""
            m.d.sync += [building.eq(0), discarding.eq(0 if known_last is None else ~known_last)]

        def message_failed():
            """A move of the message's header or data failed: report it, skip the rest
            of the packet."""
            mover_failed()
            drop_packet(desc_last)
            m.d.sync += gathering.eq(0)
            consume_descriptor()
            m.next = "IDLE"

        with m.FSM(name="dma") as fsm:
            with m.State("IDLE"):
                with m.If(self.tx_progress.acked_messages != acked_seen):
                    m.d.sync += [dirty.eq(1), raise_acknowledged.eq(1)]
                with m.If(~self.enable):
                    m.d.sync += [building.eq(0), discarding.eq(0), gathering.eq(0),
                                 tx_head.eq(0), rx_head.eq(0),
                                 copy_head.eq(0), acked_seen.eq(self.tx_progress.acked_messages),
                                 dirty.eq(0), raise_announced.eq(0), raise_copied.eq(0),
                                 raise_acknowledged.eq(0), raise_failed.eq(0),
                                 addresses_ready.eq(0)]
                with m.Elif(dirty & news):
                    m.next = "STATUS_PREPARE"
                with m.Elif(~addresses_ready):
                    pass  # a head moved last clock: its entry address is being updated
                with m.Elif(arrivals.r_rdy & config.whole_packets):
                    m.next = "ANNOUNCE_PACKET"
                with m.Elif(arrivals.r_rdy):
                    m.d.sync += [walk_offset.eq(0), walk_index.eq(0), walk_header_offset.eq(0)]
                    m.next = "ANNOUNCE_READ_ECX"
                with m.Elif(copy_head != config.rx_copy_tail):
                    job(0, copy_descriptor_address, _SCRATCH, 0, RX_COPY.size)
                    m.next = "COPY_FETCH"
                with m.Elif(gathering):
                    m.next = "TX_DATA_START"
                with m.Elif((tx_head != config.tx_ring_tail) & (building | discarding | any_free)):
                    with m.If(~building & ~discarding):
                        m.d.sync += [building.eq(1), build_slot.eq(free_slot),
                                     build_offset.eq(0), build_count.eq(0)]
                    job(0, descriptor_address, _SCRATCH, 0, TX_DESCRIPTOR.size)
                    m.next = "TX_FETCH"
                with m.Elif(dirty):
                    m.next = "STATUS_PREPARE"

            # ---- Transmit: descriptor, header, data, post. ----
            with m.State("TX_FETCH"):
                with m.If(mover.done & mover.error):
                    mover_failed()
                    drop_packet()
                    consume_descriptor()
                    m.next = "IDLE"
                with m.Elif(mover.done):
                    m.next = "TX_MEASURE"
            with m.State("TX_MEASURE"):  # the descriptor is in; message_end follows it
                m.next = "TX_CHECK"
            with m.State("TX_CHECK"):
                with m.If(discarding):
                    consume_descriptor()
                    m.d.sync += discarding.eq(~last)
                    m.next = "IDLE"
                with m.Elif(descriptor_bad):
                    fail(DmaErrorKind.DESCRIPTOR)
                    drop_packet(last)
                    consume_descriptor()
                    m.next = "IDLE"
                with m.Else():
                    m.d.sync += [desc_last.eq(last), desc_end.eq(message_end),
                                 desc_count.eq(count_after), gather_host.eq(data_address),
                                 gather_local.eq(slot_base + build_offset + header_bytes),
                                 gather_left.eq(ecx[:16])]
                    with m.If(image):
                        m.next = "TX_DATA_START"
                    with m.Else():
                        job(0, descriptor_address, _TX, slot_base + build_offset,
                            MESSAGE_HEADER_BYTES)
                        m.next = "TX_HEADER"
            with m.State("TX_HEADER"):
                with m.If(mover.done & mover.error):
                    message_failed()
                with m.Elif(mover.done):
                    m.next = "TX_DATA_START"
            with m.State("TX_DATA_START"):  # the mover takes a job only while not busy
                length = Mux(gather_left > _GATHER_CHUNK_BYTES, _GATHER_CHUNK_BYTES,
                             gather_left)
                job(0, gather_host, _TX, gather_local, length)
                m.d.sync += chunk.eq(length)
                m.next = "TX_DATA"
            with m.State("TX_DATA"):
                with m.If(mover.done & mover.error):
                    message_failed()
                with m.Elif(mover.done & (gather_left != chunk)):
                    # More to read: let a received packet be announced first.
                    m.d.sync += [gathering.eq(1), gather_host.eq(gather_host + chunk),
                                 gather_local.eq(gather_local + chunk),
                                 gather_left.eq(gather_left - chunk)]
                    m.next = "IDLE"
                with m.Elif(mover.done):
                    consume_descriptor()
                    m.d.sync += [gathering.eq(0), build_offset.eq(desc_end),
                                 build_count.eq(desc_count)]
                    with m.If(desc_last):
                        m.next = "TX_POST"
                    with m.Else():
                        m.next = "IDLE"
            with m.State("TX_POST"):
                # A clock of its own: posting in the clock the mover finishes put the
                # mover's end-of-job logic in front of the transmit controller's post
                # checks, the design's longest path once the ring addresses were registered.
                # A packet finished after enable fell is abandoned with the rest: the
                # driver has forgotten it and may be reusing its memory.
                with m.If(self.enable):
                    m.d.comb += [self.post.valid.eq(1), self.post.slot.eq(build_slot),
                                 self.post.length.eq(build_offset),
                                 self.post.count.eq(build_count)]
                m.d.sync += building.eq(0)
                m.next = "IDLE"

            # ---- Announce a whole packet: all its bytes, then the completion. ----
            with m.State("ANNOUNCE_PACKET"):
                job(1, config.rx_packets_base + arrival.slot * slot_size,
                    _RX, arrival.slot * slot_size, arrival.length)
                # The count as the frame says: the driver walks the bytes itself.
                m.d.sync += walk_index.eq(arrival.count)
                m.next = "ANNOUNCE_PACKET_WAIT"
            with m.State("ANNOUNCE_PACKET_WAIT"):
                with m.If(mover.done & mover.error):
                    mover_failed()
                    m.d.comb += arrivals.r_en.eq(1)  # this packet cannot be announced
                    m.next = "IDLE"
                with m.Elif(mover.done):
                    m.next = "ANNOUNCE_COMPLETION"

            # ---- Announce: each message's header, then the completion. ----
            ecx_word = (arrival.slot * slot_size + walk_offset + 8) >> lb
            with m.State("ANNOUNCE_READ_ECX"):
                m.d.comb += engine_read.eq(ecx_word)
                with m.If((walk_index == arrival.count)
                          | (walk_offset + MESSAGE_HEADER_BYTES > arrival.length)):
                    m.next = "ANNOUNCE_COMPLETION"
                with m.Else():
                    m.next = "ANNOUNCE_HEADER"
            with m.State("ANNOUNCE_HEADER"):
                lane = ((arrival.slot * slot_size + walk_offset + 8) >> 2)[:lb - 2] if B == 8 else 0
                m.d.sync += walk_ecx.eq(self.rx_read_data.word_select(lane, 32))
                job(1, header_address, _RX, arrival.slot * slot_size + walk_offset,
                    MESSAGE_HEADER_BYTES)
                m.next = "ANNOUNCE_HEADER_WAIT"
            with m.State("ANNOUNCE_HEADER_WAIT"):
                with m.If(mover.done & mover.error):
                    mover_failed()
                    m.d.comb += arrivals.r_en.eq(1)  # this packet cannot be announced
                    m.next = "IDLE"
                with m.Elif(mover.done):
                    m.d.sync += [walk_offset.eq(walk_offset + MESSAGE_HEADER_BYTES
                                                + _align4(walk_ecx)),
                                 walk_index.eq(walk_index + 1),
                                 walk_header_offset.eq(walk_header_offset + MESSAGE_HEADER_BYTES)]
                    m.next = "ANNOUNCE_READ_ECX"
            with m.State("ANNOUNCE_COMPLETION"):
                packet = fields(RX_COMPLETION, "PACKET")
                m.d.sync += [
                    word(RX_COMPLETION, "PACKET").eq(0),
                    packet.slot.eq(arrival.slot), packet.count.eq(walk_index),
                    packet.seq.eq(arrival.seq),
                    word(RX_COMPLETION, "LENGTH").eq(arrival.length),
                    word(RX_COMPLETION, "INDEX").eq(rx_head),
                    word(RX_COMPLETION, "RESERVED").eq(0),
                ]
                m.next = "ANNOUNCE_WRITE"
            with m.State("ANNOUNCE_WRITE"):
                job(1, completion_address, _SCRATCH, 0, RX_COMPLETION.size)
                m.next = "ANNOUNCE_WAIT"
            with m.State("ANNOUNCE_WAIT"):
                with m.If(mover.done):
                    m.d.comb += arrivals.r_en.eq(1)
                    with m.If(mover.error):
                        mover_failed()
                    with m.Else():
                        m.d.sync += [rx_head.eq(rx_head + 1), dirty.eq(1),
                                     raise_announced.eq(1), addresses_ready.eq(0)]
                    m.next = "IDLE"

            # ---- Copy: descriptor, then the data out of the slot. ----
            copy_address = fields(RX_COPY, "ADDRESS").address
            copy_offset = fields(RX_COPY, "SOURCE").offset
            copy_slot = fields(RX_COPY, "SOURCE").slot
            copy_length = fields(RX_COPY, "LENGTH").length
            with m.State("COPY_FETCH"):
                with m.If(mover.done & mover.error):
                    mover_failed()
                    finish_copy()
                    m.next = "IDLE"
                with m.Elif(mover.done):
                    m.next = "COPY_CHECK"
            with m.State("COPY_CHECK"):
                with m.If((copy_slot >= self._rx_slots) | (copy_offset + copy_length > slot_size)):
                    fail(DmaErrorKind.DESCRIPTOR)
                    finish_copy()
                    m.next = "IDLE"
                with m.Else():
                    job(1, copy_address, _RX, copy_slot * slot_size + copy_offset, copy_length)
                    m.next = "COPY_DATA"
            with m.State("COPY_DATA"):
                with m.If(mover.done):
                    with m.If(mover.error):
                        mover_failed()
                    finish_copy()
                    m.next = "IDLE"

            # ---- Status block. ----
            with m.State("STATUS_PREPARE"):
                m.d.sync += [
                    word(STATUS_BLOCK, "TX_HEAD").eq(tx_head),
                    word(STATUS_BLOCK, "TX_ACKED").eq(self.tx_progress.acked_messages),
                    word(STATUS_BLOCK, "RX_HEAD").eq(rx_head),
                    word(STATUS_BLOCK, "COPY_HEAD").eq(copy_head),
                    word(STATUS_BLOCK, "DMA_ERRORS").eq(self.error_count),
                    word(STATUS_BLOCK, "LAST_ERROR").eq(0),
                    fields(STATUS_BLOCK, "LAST_ERROR").kind.eq(self.error_kind),
                    fields(STATUS_BLOCK, "LAST_ERROR").response.eq(self.error_response),
                    word(STATUS_BLOCK, "RESERVED0").eq(0),
                    word(STATUS_BLOCK, "RESERVED1").eq(0),
                    acked_seen.eq(self.tx_progress.acked_messages),
                    dirty.eq(0),
                ]
                # An ACK counted since IDLE last looked is in this block too: raise its
                # event with it, or the driver would never be told to read it.
                with m.If(self.tx_progress.acked_messages != acked_seen):
                    m.d.sync += raise_acknowledged.eq(1)
                m.next = "STATUS_WRITE"
            with m.State("STATUS_WRITE"):
                job(1, config.status_base, _SCRATCH, 0, STATUS_BLOCK.size)
                m.next = "STATUS_WAIT"
            with m.State("STATUS_WAIT"):
                with m.If(mover.done):
                    m.d.comb += [self.announced.eq(raise_announced),
                                 self.copied.eq(raise_copied),
                                 self.acknowledged.eq(raise_acknowledged),
                                 self.failed.eq(raise_failed | mover.error)]
                    m.d.sync += [raise_announced.eq(0), raise_copied.eq(0),
                                 raise_acknowledged.eq(0), raise_failed.eq(0)]
                    with m.If(mover.error):
                        # Reported now: no status block will carry it. Not retried.
                        m.d.comb += self.error.eq(1)
                        m.d.sync += [self.error_kind.eq(DmaErrorKind.HOST_WRITE),
                                     self.error_response.eq(mover.error_response)]
                    m.next = "IDLE"
        m.d.comb += self.busy.eq(~fsm.ongoing("IDLE"))
        return m
