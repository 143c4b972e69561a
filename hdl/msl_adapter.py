"""The MSL adapter: registers on AXI4-Lite, DMA on AXI4, slot buffers, link layer and PHY."""

from amaranth import Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_spec import (DEFAULT_ACK_TIMEOUT, DEFAULT_RETRY_LIMIT, INTERRUPT_CAUSES,
    LINK_COUNTERS, MAX_SLOTS, PHY_COUNTERS, REGISTER_MAP, FrameKind, Loopback)
from hdl.dma.axi4 import Axi4Signature
from hdl.host.axi_lite import AxiLiteSignature, AxiLiteSlave
from hdl.dma.dma_engine import DMA_REGISTER_FIELDS, DmaEngine
from hdl.event_counters import EventCounters
from hdl.link.frame_arbiter import FrameArbiter
from hdl.host.interrupt_controller import InterruptController
from hdl.phy.lane import check_lane_width
from hdl.link.link_controller import LinkController
from hdl.phy.link_phy import LinkPhy
from hdl.phy.phy_statistics import PhyStatistics
from hdl.link.receive_controller import ReceiveController
from hdl.host.register_bus import BusDecoder
from hdl.host.register_file import RegisterFile
from hdl.host.slot_buffer import RxBuffer, TxBuffer, check_slots
from hdl.link.link_interfaces import PostSignature
from hdl.link.transmit_controller import TransmitController
from hdl.link.tx_clock_crossing import TxClockCrossing

__all__ = ["MslAdapter"]


class MslAdapter(wiring.Component):
    """One MSL adapter.

    The host programs it through the registers of :data:`msl_spec.REGISTER_MAP`
    (see ``docs/registers.md``); ``irq`` is its level-sensitive interrupt line. Messages
    move between host memory and the packet slots by DMA (``docs/dma.md``), or by
    programmed I/O through the buffer windows while DMA_CONTROL.enable is 0. The link
    protocol is in ``docs/link-protocol.md``.

    Parameters
    ----------
    lane_width : int
        Line bits per clock (1, 2, 5 or 10).
    tx_slots, rx_slots : int
        Packet slots each way, 2..8.
    slot_size : int
        Bytes per slot (a power of two): the largest packet.
    hello_interval : int
        Clocks between HELLO frames while the link is down.
    dma_width : int
        Data width of the DMA master, 32 or 64 bits.
    dma_max_burst, dma_max_outstanding : int
        Beats per burst (at most), bursts in flight (at most).
    ack_timeout, retry_limit : int
        ACK_TIMEOUT and RETRY_LIMIT after reset (a driver usually sets its own).
    transceiver_clocks : bool
        The PHY runs on a transceiver's clocks (ports ``tx_clk``/``tx_rst`` and
        ``rx_clk``/``rx_rst`` of the exported Verilog besides ``clk``/``rst``): the
        transmit path and ``lane_tx`` on its word clock, domain ``tx``; ``lane_rx`` on
        the clock recovered from the line, domain ``rx``, crossed into ``sync`` by clock
        compensation, so ``sync`` must run at the line's word rate within the tolerance
        (``docs/link-phy.md``). Internal loopback is then the transceiver's
        (``transceiver_loopback``). Off: one clock for everything.

    Members
    -------
    axil : In(AxiLiteSignature(16))
    dma : Out(Axi4Signature(32, dma_width))
    irq : Out(1)
    lane_tx : Out(lane_width)
    lane_tx_in_frame : Out(1)
        Test-equipment sideband marking frame bits on ``lane_tx``.
    lane_rx : In(lane_width)
    lane_loopback : Out(1)
        Asks the line card to loop the cable back (CONTROL.loopback = EXTERNAL).
    transceiver_loopback : Out(1)
        With ``transceiver_clocks`` only: asks the transceiver to loop its transmit path
        to its receiver (CONTROL.loopback = INTERNAL).
    """

    def __init__(self, lane_width: int = 10, tx_slots: int = 2, rx_slots: int = 2,
                 slot_size: int = 2048, hello_interval: int = 2048, dma_width: int = 32,
                 dma_max_burst: int = 16, dma_max_outstanding: int = 4,
                 ack_timeout: int = DEFAULT_ACK_TIMEOUT, retry_limit: int = DEFAULT_RETRY_LIMIT,
                 transceiver_clocks: bool = False):
        check_lane_width(lane_width)
        for name, value, low, (register, field) in (
                ("ack_timeout", ack_timeout, 1, ("ACK_TIMEOUT", "clocks")),
                ("retry_limit", retry_limit, 0, ("RETRY_LIMIT", "count"))):
            high = (1 << REGISTER_MAP[register].field(field).width) - 1   # what the register holds
            if not low <= value <= high:
                raise ValueError(f"{name} must be {low}..{high}, not {value}")
        check_slots(tx_slots, slot_size, MAX_SLOTS)
        check_slots(rx_slots, slot_size, MAX_SLOTS)
        self.params = {"lane_width": lane_width, "tx_slots": tx_slots, "rx_slots": rx_slots,
                       "slot_size": slot_size, "hello_interval": hello_interval,
                       "dma_width": dma_width, "dma_max_burst": dma_max_burst,
                       "dma_max_outstanding": dma_max_outstanding,
                       "ack_timeout": ack_timeout, "retry_limit": retry_limit,
                       "transceiver_clocks": transceiver_clocks}
        # Built here so that bad DMA parameters fail at construction, not elaboration.
        self._dma = DmaEngine(tx_slots, rx_slots, slot_size, dma_width, dma_max_burst,
                              dma_max_outstanding)
        super().__init__({
            "axil": In(AxiLiteSignature(REGISTER_MAP.address_width)),
            "dma": Out(Axi4Signature(32, dma_width)),
            "irq": Out(1),
            "lane_tx": Out(lane_width),
            "lane_tx_in_frame": Out(1),
            "lane_rx": In(lane_width),
            "lane_loopback": Out(1),
            **({"transceiver_loopback": Out(1)} if transceiver_clocks else {}),
        })

    def elaborate(self, platform):
        m = Module()
        p = self.params
        tx_window = REGISTER_MAP.window("TX_BUFFER")
        rx_window = REGISTER_MAP.window("RX_BUFFER")

        m.submodules.axil = axil = AxiLiteSlave(REGISTER_MAP.address_width)
        m.submodules.decoder = decoder = BusDecoder([
            ("registers", 0, tx_window.base),
            ("tx_window", tx_window.base, p["tx_slots"] * p["slot_size"]),
            ("rx_window", rx_window.base, p["rx_slots"] * p["slot_size"]),
        ])
        m.submodules.registers = regs = RegisterFile(p)
        word_bytes = p["dma_width"] // 8
        transceiver = p["transceiver_clocks"]
        m.submodules.tx_buffer = tx_buffer = TxBuffer(
            p["tx_slots"], p["slot_size"], word_bytes=word_bytes,
            link_domain="tx" if transceiver else "sync")
        m.submodules.rx_buffer = rx_buffer = RxBuffer(p["rx_slots"], p["slot_size"],
                                                      word_bytes=word_bytes)
        m.submodules.dma = dma = self._dma
        m.submodules.transmit = transmit = TransmitController(p["tx_slots"], p["slot_size"])
        m.submodules.receive = receive = ReceiveController(p["rx_slots"], p["slot_size"])
        m.submodules.arbiter = arbiter = FrameArbiter(p["rx_slots"])
        m.submodules.link = link = LinkController(p["hello_interval"])
        m.submodules.interrupts = interrupts = InterruptController()
        m.submodules.phy = phy = LinkPhy(p["lane_width"], max_payload=p["slot_size"],
                                         transceiver_clocks=transceiver)
        m.submodules.phy_statistics = phy_statistics = PhyStatistics(
            line_domain="rx" if transceiver else "sync")
        m.submodules.link_statistics = link_statistics = EventCounters(
            name for name, _ in LINK_COUNTERS)

        # Host bus: AXI4-Lite -> registers and the two buffer windows.
        wiring.connect(m, wiring.flipped(self.axil), axil.axil)
        wiring.connect(m, axil.bus, decoder.bus)
        wiring.connect(m, decoder.registers, regs.bus)
        wiring.connect(m, decoder.tx_window, tx_buffer.host)
        wiring.connect(m, decoder.rx_window, rx_buffer.host)

        def reg(name):
            return regs.port(name)

        def register_command(name, port):
            """Register ``name``, a software command, as a one-clock event on ``port``:
            ``valid`` when written, every other member from the field of its name."""
            register = reg(name)
            m.d.comb += port.valid.eq(register.written)
            for member in port.signature.members:
                if member != "valid":
                    m.d.comb += getattr(port, member).eq(getattr(register.data, member))

        control = reg("CONTROL").fields
        enable = control.enable
        command = reg("COMMAND")

        # Constants of this build.
        for name in ("ID", "VERSION", "CAPS", "SLOT_SIZE"):
            m.d.comb += reg(name).value.as_value().eq(REGISTER_MAP[name].reset_value(p))

        # Line, loopback and PHY. In internal loopback the line is left dead, so a peer
        # that is up cannot take the self-test's frames for its own. (CONTROL.loopback
        # is set while the link is stopped: a static choice, muxed into lane_tx on tx.)
        # On a transceiver's clocks the transceiver loops the line instead.
        internal = control.loopback == Loopback.INTERNAL
        if transceiver:
            m.d.comb += [self.lane_tx.eq(phy.lane_tx),
                         self.lane_tx_in_frame.eq(phy.lane_tx_in_frame),
                         self.transceiver_loopback.eq(internal)]
        else:
            m.d.comb += [self.lane_tx.eq(Mux(internal, 0, phy.lane_tx)),
                         self.lane_tx_in_frame.eq(phy.lane_tx_in_frame & ~internal),
                         phy.loopback.eq(internal)]
        m.d.comb += [
            phy.lane_rx.eq(self.lane_rx),
            self.lane_loopback.eq(control.loopback == Loopback.EXTERNAL),
        ]

        # Link state.
        m.d.comb += [
            link.enable.eq(enable),
            link.in_sync.eq(phy.in_sync),
            link.reset_command.eq(command.written & command.data.link_reset),
            reg("LINK_STATUS").value.in_sync.eq(phy.in_sync),
            reg("LINK_STATUS").value.up.eq(link.up),
            reg("LINK_STATUS").value.resetting.eq(link.resetting),
            reg("LINK_STATUS").value.tx_halted.eq(transmit.halted),
            reg("LINK_STATUS").value.held.eq(link.held),
        ]

        # DMA: registers, host memory, slots.
        dma_on = reg("DMA_CONTROL").fields.enable
        wiring.connect(m, wiring.flipped(self.dma), dma.axi)
        for member, register, field in DMA_REGISTER_FIELDS:
            m.d.comb += getattr(dma.registers, member).eq(getattr(reg(register).fields, field))
        wiring.connect(m, transmit.progress, dma.tx_progress)
        wiring.connect(m, receive.arrival, dma.arrival)
        m.d.comb += [
            dma.enable.eq(dma_on),
            tx_buffer.dma_write_address.eq(dma.tx_write_address),
            tx_buffer.dma_write_data.eq(dma.tx_write_data),
            tx_buffer.dma_write_enable.eq(dma.tx_write_enable),
            rx_buffer.dma_read_address.eq(dma.rx_read_address),
            dma.rx_read_data.eq(rx_buffer.dma_read_data),
            reg("DMA_STATUS").value.error_kind.eq(dma.error_kind),
            reg("DMA_STATUS").value.error_response.eq(dma.error_response),
            reg("DMA_STATUS").value.busy.eq(dma.busy),
        ]

        # Transmit side: a packet posted by the DMA engine or by TX_POST (the engine
        # wins a tie; a driver uses one or the other).
        tx_post = PostSignature.create(path=("tx_post",))
        register_command("TX_POST", tx_post)
        for member in PostSignature.members:
            m.d.comb += getattr(transmit.post, member).eq(
                Mux(dma.post.valid, getattr(dma.post, member), getattr(tx_post, member)))
        wiring.connect(m, receive.answers_received, transmit.answers)
        m.d.comb += [
            transmit.ack_timeout.eq(reg("ACK_TIMEOUT").fields.clocks),
            transmit.retry_limit.eq(reg("RETRY_LIMIT").fields.count),
            transmit.can_send.eq(enable & link.up),
            transmit.peer_slots.eq(link.peer_slots),
            transmit.reset.eq(link.local_reset),
            reg("TX_FREE").value.mask.eq(transmit.progress.free),
            reg("TX_STATE").value.as_value().eq(transmit.slot_state),
            reg("TX_SEQ").value.next.eq(transmit.next_seq),
            reg("TX_SEQ").value.base.eq(transmit.base_seq),
            reg("TX_SEQ").value.send.eq(transmit.send_seq),
            reg("TX_SEQ").value.retries.eq(transmit.retries),
            reg("TX_ACKED_MESSAGES").value.count.eq(transmit.progress.acked_messages),
            reg("TX_LAST_ACK").value.seq.eq(transmit.last_ack_seq),
            reg("TX_LAST_ACK").value.count.eq(transmit.last_ack_count),
        ]

        # Frames onto the line: arbiter -> PHY framer, payload from the transmit buffer
        # (on a transceiver's clocks, the orders cross to the word clock).
        wiring.connect(m, transmit.data, arbiter.data)
        wiring.connect(m, receive.answers_to_send, arbiter.answers)
        wiring.connect(m, tx_buffer.payload, arbiter.payload)
        if transceiver:
            m.submodules.tx_crossing = crossing = TxClockCrossing()
            wiring.connect(m, arbiter.tx, crossing.orders)
            wiring.connect(m, arbiter.payload_read, crossing.read)
            wiring.connect(m, crossing.line, phy.tx)
            wiring.connect(m, crossing.line_read, tx_buffer.read)
            frames_out = crossing.orders   # the framer's outcomes, on sync
        else:
            wiring.connect(m, arbiter.tx, phy.tx)
            wiring.connect(m, arbiter.payload_read, tx_buffer.read)
            frames_out = phy.tx
        register_command("SEND_EMERGENCY", arbiter.emergency)
        m.d.comb += [arbiter.enable.eq(enable), arbiter.link.eq(link.request)]

        # Receive side.
        wiring.connect(m, phy.rx, receive.rx)
        wiring.connect(m, receive.slot_write, rx_buffer.write)
        wiring.connect(m, receive.link_frame, link.received)
        register_command("SEND_ACK", receive.send_ack)
        register_command("SEND_HOLDOFF", receive.send_holdoff)
        register_command("RX_RELEASE", receive.release)
        m.d.comb += [
            receive.enable.eq(enable),
            receive.reset.eq(link.local_reset),
            receive.quiet.eq(link.quiet),
            reg("RX_READY").value.mask.eq(receive.ready),
            reg("RX_HEAD").value.slot.eq(receive.head_slot),
            reg("RX_HEAD").value.valid.eq(receive.head_valid),
            reg("RX_HEAD").value.seq.eq(receive.head_seq),
            reg("RX_HEAD").value.count.eq(receive.head_count),
            reg("RX_SEQ").value.expected.eq(receive.expected),
            reg("RX_SEQ").value.ack_next.eq(receive.ack_next),
        ]
        for slot in range(MAX_SLOTS):
            info = reg(f"RX_INFO{slot}").value
            m.d.comb += [info.length.eq(receive.info_length[16 * slot:16 * slot + 16]),
                         info.seq.eq(receive.info_seq[8 * slot:8 * slot + 8]),
                         info.count.eq(receive.info_count[8 * slot:8 * slot + 8])]
        with m.If(receive.emergency.valid):
            m.d.sync += reg("PEER_EMERGENCY").value.reason.eq(receive.emergency.reason)

        # Sticky refusals of software requests.
        errors, errors_port = Signal(2), reg("ERROR_STATUS")
        cleared = errors_port.data.as_value()[:2] & errors_port.written.replicate(2)
        m.d.sync += errors.eq((errors & ~cleared)
                              | Cat(transmit.post_refused, receive.command_refused))
        m.d.comb += errors_port.value.as_value()[:2].eq(errors)

        # Interrupts. With DMA on, packet and ACK news is raised once it is in host memory.
        events = interrupts.events
        m.d.comb += [
            events.rx_packet.eq(Mux(dma_on, dma.announced, receive.arrival.valid)),
            events.ack_received.eq(Mux(dma_on, dma.acknowledged, transmit.acked)),
            events.dma_done.eq(dma.copied),
            events.dma_error.eq(dma.failed),
            # A driver's HOLDOFF only: the adapter's answers to our replays say nothing
            # of whether the peer's server is alive.
            events.holdoff_received.eq(receive.answers_received.holdoff.valid
                                       & receive.answers_received.holdoff.driver),
            events.emergency_received.eq(receive.emergency.valid),
            events.rx_error.eq(receive.error),
            events.tx_complete.eq(transmit.sent),
            events.tx_error.eq(transmit.error),
            events.link_up.eq(link.went_up),
            events.link_down.eq(link.went_down),
            events.peer_reset.eq(link.peer_reset),
            interrupts.enable.eq(reg("INT_ENABLE").fields),
            interrupts.set.eq(reg("INT_RAW").data.as_value()
                              & reg("INT_RAW").written.replicate(len(INTERRUPT_CAUSES))),
            interrupts.clear.eq(reg("INT_PENDING").data.as_value()
                                & reg("INT_PENDING").written.replicate(len(INTERRUPT_CAUSES))),
            reg("INT_RAW").value.eq(interrupts.raw),
            reg("INT_PENDING").value.eq(interrupts.pending),
            self.irq.eq(interrupts.irq),
        ]

        # Statistics.
        clear_counters = command.written & command.data.clear_counters
        wiring.connect(m, phy.rx, phy_statistics.rx)
        m.d.comb += [
            phy_statistics.tx.sent.eq(frames_out.sent),
            phy_statistics.tx.aborted.eq(frames_out.aborted),
            phy_statistics.tx.underrun.eq(frames_out.underrun),
            phy_statistics.line_events.eq(phy.line_events),
            phy_statistics.compensation.eq(phy.compensation),
            phy_statistics.clear.eq(clear_counters),
            link_statistics.clear.eq(clear_counters),
        ]
        link_events = link_statistics.events
        for kind in FrameKind:
            name = kind.name.lower()
            m.d.comb += [getattr(link_events, f"tx_{name}").eq(getattr(arbiter.sent, name)),
                         getattr(link_events, f"rx_{name}").eq(getattr(receive.received, name))]
        m.d.comb += [
            link_events.tx_replays.eq(transmit.replayed),
            link_events.tx_ack_timeouts.eq(transmit.timed_out),
            link_events.rx_busy_refusals.eq(receive.busy_refusal),
            link_events.rx_duplicates.eq(receive.duplicate),
            link_events.rx_out_of_order.eq(receive.out_of_order),
            link_events.rx_while_disabled.eq(receive.while_disabled),
            link_events.rx_stale.eq(receive.stale),
            link_events.dma_errors.eq(dma.error),
            dma.error_count.eq(link_statistics.counts.dma_errors),
        ]
        for name, _ in PHY_COUNTERS:
            m.d.comb += reg(f"STAT_{name.upper()}").value.count.eq(
                getattr(phy_statistics.counts, name))
        for name, _ in LINK_COUNTERS:
            m.d.comb += reg(f"STAT_{name.upper()}").value.count.eq(
                getattr(link_statistics.counts, name))
        return m
