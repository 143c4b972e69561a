"""cocotb tests of the MSL driver: every entry point's behaviour on two servers whose
adapters are cross-wired (docs/driver.md maps each behaviour to its tests).

Each test checks against an independent view: the sender's own record of what it sent,
the peer OS's deliveries, the OS's books, the hardware counters, and the packet-room
rule of docs/dma.md (24-byte header, data padded to 4 bytes) computed here on its own.
"""

import dataclasses

import cocotb
from cocotb.triggers import Event

from cocotb_tests.host_memory import SLVERR_HOLE
from cocotb_tests.msl_system import PORT, TEST_SETTINGS, MslSystem, Server, same_messages
from msl_spec import ADAPTER_ID, REGISTER_MAP, MessageHeader, TxSlotState
from driver.bus import BusError
from driver.msl_driver import BAD_COMMAND, GET_CONFIGURATION, GET_STATISTICS
from driver.msl_hardware import tuning_record
from driver.msl_statistics import MslConfiguration, MslStatistics, unpack_words
from server_os.netware import CustomData, IoConfiguration, ResourceKind
from server_os.sft3 import Answer, Code, DriverError

SLOT = 4096
MAX_DATA = SLOT - 24
LONG = MAX_DATA       # a message that fills a slot: about 4100 clocks on the line
HELD = (Code.HOLDOFF, Code.HOLDOFF_TOO)


def acked(server, count):
    return lambda: server.acknowledged() >= count


def errors(server):
    return [code for _, code in server.mirror.errors]


async def fill_window(system, server):
    """Three long messages: two posted (both slots), the third pending: what the OS
    sends next waits in its queue for GetNextPacket."""
    await server.send(LONG, LONG, LONG)
    assert server.mirror.packet_size_driver_can_now_handle == -1


def packet_sizes(server):
    """Record the message count of every packet ``server`` acknowledges."""
    sizes = []
    server.driver.links[0].packet_acknowledged.append(lambda c: sizes.append(c.count))
    return sizes


def hold_while(server, condition, messages=None):
    """Make ``server``'s OS hold (code 2) each of ``messages`` (their EAX values; all
    when None) for as long as ``condition()`` is true."""
    def answer(header, attempt):
        if (messages is None or header.eax in messages) and condition():
            return Answer(Code.HOLDOFF)
        return Answer(Code.OK)
    server.mirror.answer = answer


async def held_message(system, length):
    """a sends a message of ``length`` bytes and b's OS holds it. Returns a list: b's
    OS takes the message from the tick appended to it (0: at once)."""
    a, b = system.a, system.b
    release = []
    hold_while(b, lambda: not release or b.os.ticks < release[0])
    await a.send(length)
    await system.until(lambda: b.driver.links[0].holding, 100000, "the hold")
    return release


async def held_for_ticks(system, length, ticks):
    """:func:`held_message` for ``ticks`` ticks after the hold began; returns the tick
    b's OS takes it from."""
    release = await held_message(system, length)
    release.append(system.b.os.ticks + ticks)
    return release[0]


def idle_books_are_clean(server):
    """No redelivery callback is left once no message is held."""
    link = server.driver.links[0]
    books = server.os.outstanding()
    assert link.hold_event not in books.get("AES events", []), books
    assert link.int_hold_event not in books.get("interrupt-time callbacks", []), books


async def started(dut):
    """The two servers with no driver loaded yet; returns the system and server a."""
    system = MslSystem(dut)
    await system.start()
    return system, system.a


# ---- DriverInitialize ----

@cocotb.test()
async def initialize_send_both_ways_and_remove_everything(dut):
    """Both drivers load (self-tests pass, globals set, DriverTimeout scheduled and
    rescheduling itself), messages go each way intact, and DriverRemove gives every
    resource back."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    for server in (a, b):
        assert server.os.console == [], server.os.console
        assert server.mirror.max_comm_driver_data_length == MAX_DATA
        assert server.mirror.packet_size_driver_can_now_handle == MAX_DATA
        assert server.os.comm_driver is server.driver
        assert {kind for _, kind in server.os.tags_of("MSL")} == set(ResourceKind)
    await a.send(0, 1, 100, MAX_DATA)
    await b.send(17, 3)
    # The ACK comes after the copies: once acknowledged, the data is in place.
    await system.until(lambda: acked(a, 4)() and acked(b, 2)(), 200000, "acknowledgements")
    same_messages(b.taken(), a.sent, "a to b")
    same_messages(a.taken(), b.sent, "b to a")
    ticks_before = a.os.ticks, a.stats()["timeout_ticks"]
    await system.clocks(10 * system.clocks_per_tick)
    ran = a.stats()["timeout_ticks"] - ticks_before[1]
    assert abs(ran - (a.os.ticks - ticks_before[0])) <= 1, "DriverTimeout is not run every tick"
    assert a.driver.timeout_event in a.os.outstanding()["AES events"]
    await system.down()
    for side in system.env.side.values():
        assert await side.regs.field("CONTROL", "enable") == 0
        assert await side.regs.read("INT_ENABLE") == 0


@cocotb.test()
async def initialize_fails_without_a_resource_tag(dut):
    """Tags come first: a refused tag of any kind stops the load before anything else
    is asked of the OS or the adapter, with the reason on the console."""
    system, a = await started(dut)
    recorder = a.io_space[PORT] = AccessRecorder(a.side.bus)
    asked = []
    for name in ("parse_driver_parameters", "register_hardware_options",
                 "set_hardware_interrupt", "alloc_semi_perm_memory",
                 "register_server_comm_driver", "schedule_aes_event",
                 "schedule_interrupt_time_callback"):
        def spy(*args, _name=name, _call=getattr(a.os, name), **kwargs):
            asked.append(_name)
            return _call(*args, **kwargs)
        setattr(a.os, name, spy)
    for kind in ResourceKind:
        a.os.refuse_tags = {kind}
        assert await a.load() != 0
        assert kind.value in a.os.console[-1], a.os.console[-1]
        a.assert_books_empty()
        assert not asked, f"{kind.value} tag refused after the driver asked for {asked}"
        assert not recorder.enables, f"{kind.value} tag refused after the adapter was touched"
    a.os.refuse_tags = set()
    assert await a.load() == 0, a.os.console           # the spies see a real load
    assert "alloc_semi_perm_memory" in asked and recorder.enables
    await a.unload()
    a.assert_books_empty()


@cocotb.test()
async def two_adapters_on_one_server_chosen_port_third_refused_one_remove(dut):
    """LOAD PORT= picks one adapter among those present (the other is not touched);
    a second adapter loads as standby on the same, shared interrupt line (each ISR
    claims only its own adapter's interrupts); a third is refused with nothing leaked;
    one DriverRemove unloads both."""
    system = MslSystem(dut)
    await system.env.start(system.seed)
    env = system.env
    env.share_host_memory()   # both DMA masters reach one server's RAM
    io_space = {0x1000: env.a.bus, 0x2000: env.b.bus}
    server = Server(dut, env.a, TEST_SETTINGS, 1000, io_space, irqs=[env.a.irq, env.b.irq])
    assert await server.load("PORT=0x2000 INT=5") == 0, server.os.console
    assert await env.a.regs.field("CONTROL", "enable") == 0, "adapter at 0x1000 touched"
    assert await env.b.regs.field("CONTROL", "enable") == 1
    assert await server.load("PORT=0x1000 INT=5") == 0, server.os.console
    books = server.os.outstanding()
    assert await server.load("PORT=0x3000 INT=7") != 0
    assert "supports 2" in server.os.console[-1], server.os.console
    assert server.os.outstanding() == books, "the refused load left something behind"
    for side in env.side.values():        # the two adapters see each other: links up
        await side.wait_link_up(40000)
    await system.clocks(2000)
    stats = server.stats()
    assert stats["link_up_count"] >= 2 and stats["not_our_interrupts"] >= 1, stats
    assert server.os.spurious_interrupts == 0
    await server.unload()
    server.assert_books_empty()
    for side in env.side.values():
        assert await side.regs.field("CONTROL", "enable") == 0


@cocotb.test()
async def initialize_fails_on_a_bad_load_line(dut):
    """ParseDriverParameters refuses a missing, invalid or unknown option, and the
    console says which."""
    system, a = await started(dut)
    for line, named in (("PORT=0x1000", "INT"), ("PORT=0x1234 INT=5", "PORT"),
                        ("PORT=0x1000 INT=6", "INT"), ("PORT=0x1000 INT=5 SPEED=9", "SPEED")):
        assert await a.load(line) != 0, line
        assert named in a.os.console[-1], (line, a.os.console[-1])
        a.assert_books_empty()


@cocotb.test()
async def initialize_fails_on_conflicting_hardware_options(dut):
    """RegisterHardwareOptions refuses a port another card has; nothing of ours stays."""
    system, a = await started(dut)
    tag = a.os.allocate_resource_tag("OTHER", "options", ResourceKind.IO_REGISTRATION)
    other = IoConfiguration(port=PORT + 0x800, interrupt=9, io_tag=tag)
    a.os.register_hardware_options(other)
    assert await a.load() != 0
    assert "conflicts" in a.os.console[-1], a.os.console
    assert a.os.outstanding() == {"hardware options": [other]}
    assert not a.os.tags_of("MSL")


@cocotb.test()
async def initialize_fails_when_the_interrupt_is_taken(dut):
    """SetHardwareInterrupt refuses a line another driver holds unshared; the options
    registered just before are given back."""
    system, a = await started(dut)
    tag = a.os.allocate_resource_tag("OTHER", "irq", ResourceKind.INTERRUPT)

    async def other_isr():
        return False
    a.os.set_hardware_interrupt(5, other_isr, tag, shared=False)
    assert await a.load() != 0
    assert "interrupt 5" in a.os.console[-1], a.os.console
    assert a.os.outstanding() == {"interrupts": [(5, other_isr)]}


@cocotb.test()
async def initialize_fails_without_memory(dut):
    """AllocSemiPermMemory has no room for the rings: interrupt and options returned."""
    system, a = await started(dut)
    a.os.memory_limit = 4096
    assert await a.load() != 0
    assert "memory" in a.os.console[-1], a.os.console
    a.assert_books_empty()


class OtherCard:
    """A card at a port that answers, but is not an MSL adapter."""

    def __init__(self, bus):
        self.bus = bus

    async def read32(self, address):
        return 0x12345678 if address == 0 else await self.bus.read32(address)

    async def write32(self, address, value, byte_enable=0xF):
        raise AssertionError("the driver wrote to a card that is not its own")


@cocotb.test()
async def initialize_fails_when_no_adapter_answers_or_the_id_is_wrong(dut):
    """Before touching a card the driver reads its ID: nothing at the port, or another
    card, is refused and the card is left alone."""
    system, a = await started(dut)
    assert await a.load("PORT=0x2000 INT=5") != 0
    assert "no adapter answers at port 0x2000" in a.os.console[-1], a.os.console
    a.assert_books_empty()
    a.io_space[0x2000] = OtherCard(a.side.bus)
    assert await a.load("PORT=0x2000 INT=5") != 0
    assert "not an MSL adapter" in a.os.console[-1] and f"{ADAPTER_ID:#010x}" in \
        a.os.console[-1], a.os.console
    a.assert_books_empty()


@cocotb.test()
async def initialize_fails_when_the_self_test_fails(dut):
    """A cut cable fails the external loopback self-test: the adapter is not registered,
    the console says why, everything is returned -- and once the cable is mended the
    same driver loads."""
    system, a = await started(dut)
    system.env.channel["a_to_b"].set(cut=1)
    assert await a.load() != 0
    assert "self-test failed: external loopback" in a.os.console[-1], a.os.console
    a.assert_books_empty()
    assert a.os.comm_driver is None
    assert await a.side.regs.field("CONTROL", "enable") == 0
    system.env.channel["a_to_b"].set(cut=0)
    assert await a.load() == 0, a.os.console
    await a.unload()
    a.assert_books_empty()


class AccessRecorder:
    """A register bus that records every access's width (byte enables)."""

    def __init__(self, bus):
        self.bus, self.enables = bus, []

    async def read32(self, address):
        self.enables.append(0xF)
        return await self.bus.read32(address)

    async def write32(self, address, value, byte_enable=0xF):
        self.enables.append(byte_enable)
        await self.bus.write32(address, value, byte_enable)


@cocotb.test()
async def custom_data_is_loaded_with_32_bit_moves_and_verified(dut):
    """The custom data file (a tuning table) is read with ReadRoutine and written to
    the adapter with whole 32-bit accesses only; the adapter runs with those values and
    GetMSLConfiguration reports them."""
    system, a = await started(dut)
    recorder = a.io_space[PORT] = AccessRecorder(a.side.bus)
    custom = CustomData(tuning_record("ACK_TIMEOUT", 7000) + tuning_record("RETRY_LIMIT", 5))
    assert await a.load(custom=custom) == 0, a.os.console
    assert set(recorder.enables) == {0xF}, "a register access narrower than 32 bits"
    assert await a.side.regs.read("ACK_TIMEOUT") == 7000
    assert await a.side.regs.field("RETRY_LIMIT", "count") == 5
    config = unpack_words(MslConfiguration, await a.driver.configuration())
    assert (config.ack_timeout_clocks, config.retry_limit) == (7000, 5)
    await a.unload()
    a.assert_books_empty()


@cocotb.test()
async def initialize_fails_on_bad_custom_data(dut):
    """A record running past the end of the file, a value the adapter does not take,
    or a register the driver owns: each fails the load with everything returned."""
    system, a = await started(dut)
    cases = ((tuning_record("ACK_TIMEOUT", 7000) + b"\x1c\x00\x00\x00", "past the end"),
             (tuning_record("RETRY_LIMIT", 0x1234), "did not take"),
             (tuning_record("CONTROL", 1), "not a tunable register"))
    for data, why in cases:
        assert await a.load(custom=CustomData(data)) != 0, why
        assert why in a.os.console[-1], a.os.console
        a.assert_books_empty()
        assert await a.side.regs.field("CONTROL", "enable") == 0


@cocotb.test()
async def initialize_fails_when_another_msl_driver_is_registered(dut):
    """RegisterServerCommDriver refuses a second MSL driver: the adapter is stopped and
    every resource of this load returned."""
    system, a = await started(dut)
    tag = a.os.allocate_resource_tag("OTHER", "msl", ResourceKind.MSL_DRIVER)
    other = object()
    a.os.register_server_comm_driver(other, tag)
    assert await a.load() != 0
    assert "already registered" in a.os.console[-1], a.os.console
    assert a.os.outstanding() == {"comm driver": [other]}
    assert await a.side.regs.field("CONTROL", "enable") == 0


# ---- DriverControl ----

@cocotb.test()
async def control_copies_configuration_and_statistics_or_their_size(dut):
    """GetMSLConfiguration and GetMSLStatistics copy their tables to the caller's
    buffer, or return the size for a null pointer; other functions get BAD_COMMAND."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    await a.send(10, 20, 30)
    await b.send(40)
    await system.until(lambda: acked(a, 3)() and acked(b, 1)(), 100000, "acknowledgements")
    buffer = 0x000F_8000
    sizes = {}
    for function, table in ((GET_CONFIGURATION, MslConfiguration),
                            (GET_STATISTICS, MslStatistics)):
        sizes[function] = await a.driver.driver_control(function, 0)
        assert sizes[function] == 4 * len(dataclasses.fields(table))
        assert await a.driver.driver_control(function, buffer) == 0
    assert await a.driver.driver_control(GET_CONFIGURATION, buffer) == 0
    config = unpack_words(MslConfiguration, a.memory.read(buffer, sizes[GET_CONFIGURATION]))
    assert (config.adapters, config.port, config.interrupt) == (1, PORT, 5)
    assert (config.slot_size, config.tx_slots, config.max_messages) == (SLOT, 2, 128)
    assert config.max_data_length == MAX_DATA == a.mirror.max_comm_driver_data_length
    assert await a.driver.driver_control(GET_STATISTICS, buffer) == 0
    stats = unpack_words(MslStatistics, a.memory.read(buffer, sizes[GET_STATISTICS]))
    assert stats.transmit_msg_count == len(a.sent) == 3
    assert stats.receive_msg_count == len(b.sent) == 1
    assert stats.messages_acknowledged == sum(a.mirror.completed) == 3
    for function in (2, 3, 0xFFFF):
        assert await a.driver.driver_control(function, buffer) == BAD_COMMAND == 0xFFFFFF81
    await system.down()


# ---- DriverSend ----

@cocotb.test()
async def send_accepts_a_second_packet_in_flight_and_holds_a_third_pending(dut):
    """The dual transmit buffer: a second send is posted while the first is on the
    line, a third waits (pending) and goes when an ACK frees a slot; the global says
    exactly what can be taken at each step; counters and timers follow."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    seen = []
    for length in (LONG, LONG, LONG, 8):
        await a.send(length)
        seen.append(a.mirror.packet_size_driver_can_now_handle)
    link = a.driver.links[0]
    assert seen == [MAX_DATA, MAX_DATA, -1, -1], seen
    assert a.stats()["transmit_packet_count"] == 2 and len(link.queued) == 1
    assert len(a.mirror.queue) == 1, "the fourth message should wait in the OS queue"
    assert link.timers.adapter and link.timers.message, link.timers
    await system.until(acked(a, 4), 300000, "all four acknowledged")
    same_messages(b.taken(), a.sent, "a to b")
    stats = a.stats()
    assert stats["transmit_msg_count"] == 4 and stats["transmit_packet_count"] == 4, stats
    assert stats["transmit_complete_count"] >= 4, stats
    assert (link.timers.adapter, link.timers.message) == (0, 0), link.timers
    assert a.mirror.packet_size_driver_can_now_handle == MAX_DATA
    await system.down()


@cocotb.test()
async def send_and_receive_keep_the_register_budget(dut):
    """docs/dma.md's budget, held by the driver: DriverSend writes one doorbell and
    reads nothing; a received packet costs one read (INT_PENDING) and three writes
    (clear, SEND_ACK, RX_RELEASE: it comes whole into host memory, the CPU copies)."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    await a.send(32)                                  # steady state first
    await system.until(acked(a, 1), 50000, "the first message")
    await system.clocks(500)
    sender, receiver = a.side.bus, b.side.bus
    before = (sender.reads, sender.writes, receiver.reads, receiver.writes)
    async with a.os.cpu.interrupts_disabled():       # the send alone, no ISR meanwhile
        await a.send(100)
        send_cost = (sender.reads - before[0], sender.writes - before[1])
    await system.until(acked(a, 2), 50000, "the second message")
    await system.clocks(500)
    receive_cost = (receiver.reads - before[2], receiver.writes - before[3])
    dut._log.info("DriverSend: %d reads, %d writes; received packet: %d reads, %d writes; "
                  "sender's interrupts after: %d reads, %d writes", *send_cost, *receive_cost,
                  sender.reads - before[0] - send_cost[0],
                  sender.writes - before[1] - send_cost[1])
    assert send_cost == (0, 1), send_cost
    assert receive_cost == (1, 3), receive_cost
    same_messages(b.taken(), a.sent, "a to b")
    await system.down()


@cocotb.test()
async def oversize_and_invalid_sends_are_refused_and_reported(dut):
    """A message longer than MaxCommDriverDataLength, a header value that is not
    32-bit, or DriverBuildSend outside GetNextPacket: non-zero, ServerCommDriverError,
    and nothing reaches the peer."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    driver = a.driver
    async with a.os.cpu.interrupts_disabled():
        assert await driver.driver_send(MessageHeader(1, 2, MAX_DATA + 1, 4, 0x000A_0000, 6)) != 0
        assert await driver.driver_send(MessageHeader(1 << 32, 2, 0, 4, 0, 6)) != 0
        assert await driver.driver_build_send(MessageHeader(1, 2, 0, 4, 0, 6)) != 0
    assert errors(a) == [DriverError.INVALID_REQUEST] * 3
    assert a.stats()["invalid_requests"] == 3 and a.stats()["transmit_msg_count"] == 0
    await a.send(5)                         # and the driver still works
    await system.until(acked(a, 1), 50000, "the good message")
    same_messages(b.taken(), a.sent, "a to b")
    await system.down()


@cocotb.test()
async def entry_points_out_of_turn_inside_get_next_packet_are_refused(dut):
    """Inside GetNextPacket, while a packet is being built: DriverSend, and a
    DriverBuildSend longer than PacketSizeDriverCanNowHandle, are refused (non-zero,
    ServerCommDriverError) and leave the packet alone: the messages built into it go out
    as one packet, intact. (Branches the coverage run found never taken.)"""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    sizes = packet_sizes(b)
    await fill_window(system, a)
    original, refused = a.mirror.get_next_packet, []

    async def out_of_turn():
        if not a.mirror.queue:
            return await original()
        a.mirror.get_next_packet = original
        await original()                               # builds the queued 100 and 200
        room = a.mirror.packet_size_driver_can_now_handle
        assert 0 < room < MAX_DATA, room
        refused.append(await a.driver.driver_send(MessageHeader(1, 2, 0, 4, 0, 6)))
        refused.append(await a.driver.driver_build_send(
            MessageHeader(1, 2, room + 1, 4, 0x000A_0000, 6)))
        assert a.mirror.packet_size_driver_can_now_handle == room  # nothing was added
    a.mirror.get_next_packet = out_of_turn
    await a.send(100, 200)
    await system.until(acked(a, 5), 400000, "all five acknowledged")
    assert refused == [1, 1], refused
    assert errors(a) == [DriverError.INVALID_REQUEST] * 2
    assert a.stats()["invalid_requests"] == 2
    assert sizes == [1, 1, 1, 2], sizes
    same_messages(b.taken(), a.sent, "a to b")
    await system.down()


# ---- ACK path and DriverBuildSend ----

@cocotb.test()
async def ack_completes_and_get_next_packet_builds_one_packet_by_the_room_left(dut):
    """ACK → ServerCommCompleted(count) → GetNextPacket → DriverBuildSend per queued
    message into one packet; PacketSizeDriverCanNowHandle falls by header + padded data
    each time, through 0 (a header only) to -1."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    sizes = packet_sizes(b)
    await fill_window(system, a)
    queued = (2000, 1000, 952, 0, 0, 5)
    await a.send(*queued)
    await system.until(acked(a, 9), 400000, "nine acknowledged")
    # The reference: a fresh packet takes MAX_DATA; each message uses 24 + align4(len).
    room, expected = SLOT, []
    for length in queued[:5]:
        left = room - 24 - (length + 3) // 4 * 4
        expected.append((room - 24, left - 24 if left >= 24 else -1))
        room = left
    assert expected[-2:] == [(48, 24), (24, 0)]        # down to a header only
    seen = a.mirror.build_send_room  # PacketSizeDriverCanNowHandle around each call
    assert seen == expected + [(MAX_DATA, SLOT - (24 + 8) - 24)], seen   # the 5-byte one
    assert sizes == [1, 1, 1, 5, 1], sizes
    assert sum(a.mirror.completed) == 9 and 5 in a.mirror.completed, a.mirror.completed
    same_messages(b.taken(), a.sent, "a to b")
    await system.down()


@cocotb.test()
async def build_send_stops_at_128_messages(dut):
    """GetNextPacket builds at most 128 messages into a packet, however much room is
    left; the rest goes in the next."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    sizes = packet_sizes(b)
    await fill_window(system, a)
    await a.send(*[0] * 200)
    await system.until(acked(a, 203), 600000, "203 acknowledged")
    assert sizes == [1, 1, 1, 128, 72], sizes
    same_messages(b.taken(), a.sent, "a to b")
    await system.down()


# ---- DriverEmergencySend ----

@cocotb.test()
async def emergency_on_an_idle_link_is_immediate_and_both_carry_on(dut):
    """With nothing on the line the EMERGENCY goes at once; the peer counts it, tells
    its OS (ServerCommDriverError) and both keep sending and receiving."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    await a.mirror.emergency(7)
    await system.until(lambda: errors(b) == [DriverError.EMERGENCY], 20000, "b told")
    assert a.stats()["emergencies_sent"] == 1 and a.stats()["emergencies_forced"] == 0
    assert b.stats()["emergencies_received"] == 1
    assert await b.side.regs.field("PEER_EMERGENCY", "reason") == 7
    await a.send(50)
    await b.send(60)
    await system.until(lambda: acked(a, 1)() and acked(b, 1)(), 100000, "traffic after")
    same_messages(b.taken(), a.sent, "a to b")
    same_messages(a.taken(), b.sent, "b to a")
    await system.down()


@cocotb.test()
async def emergency_waits_a_bounded_time_then_cuts_the_frame_on_the_line(dut):
    """A long frame on the line: DriverEmergencySend waits its bounded time, then cuts
    in; the peer gets the EMERGENCY, the cut frame is replayed and arrives once, intact."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    await a.send(LONG)
    regs = a.side.regs

    async def sending():
        return TxSlotState.SENDING in (await regs.fields("TX_STATE")).values()
    for _ in range(400):
        if await sending():
            break
    else:
        raise AssertionError("the long frame never went on the line")
    await a.mirror.emergency(3)
    assert a.stats()["emergencies_forced"] == 1, a.stats()
    await system.until(acked(a, 1), 100000, "the cut message acknowledged")
    assert errors(b) == [DriverError.EMERGENCY]
    assert (await b.side.stats())["rx_aborted"] >= 1
    same_messages(b.taken(), a.sent, "a to b")
    await system.down()


# ---- DriverISR: receiving ----

@cocotb.test()
async def receive_codes_callback_ignore_and_new_ecx_esi(dut):
    """In a multi-message packet: code 0 with the OS's shorter ECX and own ESI, code 1
    with the callback after the copy (original registers, new ECX/ESI), code 4 (nothing
    copied); messages found by their original lengths; the ACK only after the last."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    await fill_window(system, a)
    shared_log = []
    headers = await a.send(300, 301, 302, 303, 304)
    own_buffer, ignored_buffer = 0x000F_0000, 0x000F_4000
    b.memory.write(ignored_buffer, b"\xee" * 400)
    callbacks = []

    async def callback(header):
        callbacks.append((header, b.memory.read(header.esi, header.ecx)))
    script = {headers[1].eax: Answer(Code.OK, ecx=100, esi=own_buffer),
              headers[2].eax: Answer(Code.OK_CALLBACK, callback=callback),
              headers[3].eax: Answer(Code.IGNORE, esi=ignored_buffer)}
    b.mirror.answer = lambda header, attempt: script.get(header.eax, Answer(Code.OK))
    receive, completed = b.mirror.receive_server_comm, a.mirror.server_comm_completed

    async def log_receive(header):
        shared_log.append(("receive", header.eax))
        return await receive(header)

    async def log_completed(count):
        shared_log.append(("completed", count))
        await completed(count)
    b.mirror.receive_server_comm, a.mirror.server_comm_completed = log_receive, log_completed
    await system.until(acked(a, 8), 400000, "eight acknowledged")
    sent = dict((h.eax, d) for h, d in a.sent)
    taken = {h.eax: d for h, d in b.taken()}
    assert taken[headers[0].eax] == sent[headers[0].eax]
    assert taken[headers[1].eax] == sent[headers[1].eax][:100]
    assert b.memory.read(own_buffer, 100) == sent[headers[1].eax][:100]
    (called, data), = callbacks
    assert called == headers[2]._replace(esi=called.esi) and called.esi != headers[2].esi
    assert data == sent[headers[2].eax], "the callback came before the data was copied"
    assert headers[3].eax not in taken and b.memory.read(ignored_buffer, 400) == b"\xee" * 400
    assert taken[headers[4].eax] == sent[headers[4].eax]
    last = shared_log.index(("receive", headers[4].eax))
    assert ("completed", 5) in shared_log[last:], shared_log
    assert all(entry != ("completed", 5) for entry in shared_log[:last]), shared_log
    assert b.stats()["ignored_msg_count"] == 1 and b.stats()["callback_count"] == 1
    await system.down()


@cocotb.test()
async def send_from_inside_receive_while_holding_does_not_deadlock(dut):
    """Both OSes answer messages by sending from inside ReceiveServerComm, and hold
    every third message off once: everything, replies included, arrives exactly once
    and in order both ways."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    for server in (a, b):
        def answer(header, attempt, server=server):
            if header.eax % 3 == 0 and attempt == 0:
                return Answer(Code.HOLDOFF_TOO)
            return Answer(Code.OK)
        server.mirror.answer = answer
        receive = server.mirror.receive_server_comm

        async def replying(header, server=server, receive=receive):
            answer = await receive(header)
            if answer.code not in HELD and header.ebx != 0xEC40:   # not a reply itself
                await server.mirror.send(server.message(8, ebx=0xEC40))
            return answer
        server.mirror.receive_server_comm = replying
    for _ in range(8):
        await a.send(40)
        await b.send(40)
    await system.until(lambda: acked(a, 16)() and acked(b, 16)(), 800000, "all acknowledged")
    same_messages(b.taken(), a.sent, "a to b")
    same_messages(a.taken(), b.sent, "b to a")
    assert not errors(a) and not errors(b), (errors(a), errors(b))
    assert a.stats()["held_msg_count"] and b.stats()["held_msg_count"]
    await system.down()


# ---- holdoff: DriverHoldOff / DriverIntHoldOff ----

@cocotb.test()
async def holdoff_is_redelivered_quickly_once_and_resumes_mid_packet(dut):
    """A message held in the middle of a packet: the peer is told (HOLDOFF), the quick
    AES retry delivers it, the messages before it are not delivered again, the rest of
    the packet follows, and no redelivery callback is left behind."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    await fill_window(system, a)
    headers = await a.send(30, 31, 32, 33)
    b.mirror.answer = lambda header, attempt: Answer(
        Code.HOLDOFF if header == headers[2] and attempt < 3 else Code.OK)
    await system.until(acked(a, 7), 400000, "all acknowledged")
    order = [entry[1].eax for entry in b.mirror.timeline if entry[0] == "receive"]
    want = [h.eax for h, _ in a.sent[:3]] + [headers[0].eax, headers[1].eax] + \
        [headers[2].eax] * 4 + [headers[3].eax]
    assert order == want, order
    same_messages(b.taken(), a.sent, "a to b")
    stats = b.stats()
    assert stats["held_msg_count"] == 3 and stats["redeliveries_quick"] >= 1, stats
    assert (await a.side.stats())["rx_holdoff"] >= 1, "the peer was not told"
    idle_books_are_clean(b)
    await system.down()


@cocotb.test()
async def holdoff_quick_retry_comes_before_the_tick_and_backs_off(dut):
    """The first redelivery of a held message is DriverHoldOff's, before the next tick;
    its retries then wait 1, 2, 3, then max_backoff CRescheduleLast yields (a tenth of a
    tick each), while DriverIntHoldOff keeps retrying once a tick."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    attempts = []     # (clock, quick retries, tick retries, tick) at each try

    def answer(header, attempt):
        stats = b.stats()
        attempts.append((b.os.platform.clocks(), stats["redeliveries_quick"],
                         stats["redeliveries_tick"], b.os.ticks))
        return Answer(Code.HOLDOFF if attempt < 12 else Code.OK)
    b.mirror.answer = answer
    await a.send(40)
    await system.until(acked(a, 1), 100000, "acknowledged")
    assert len(attempts) == 13
    first, retry = attempts[0], attempts[1]
    assert retry[1:3] == (1, 0) and retry[3] == first[3], \
        f"the first retry was not DriverHoldOff's before the tick: {attempts[:2]}"
    quick = [now[0] for now, before in zip(attempts[1:], attempts) if now[1] > before[1]]
    gaps = [later - earlier for earlier, later in zip(quick, quick[1:])]
    dut._log.info("DriverHoldOff retries %s clocks apart", gaps)
    tenth = system.clocks_per_tick // 10
    assert len(gaps) >= 5, (attempts, gaps)
    for yields, gap in enumerate(gaps, start=1):
        least = min(yields, TEST_SETTINGS.max_backoff) * tenth
        assert least <= gap < least + tenth, f"retry {yields + 1}: {gap} clocks, {gaps}"
    assert attempts[-1][2] >= 1, "DriverIntHoldOff never ran"
    idle_books_are_clean(b)
    await system.down()


@cocotb.test()
async def holdoff_on_a_busy_server_is_retried_every_tick_and_the_peer_waits(dut):
    """No AES process gets to run: DriverIntHoldOff retries every tick and tells the
    peer each time, so the peer does not time out although the hold lasts longer than
    its message timeout; the message is then delivered once."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    b.os.aes_paused = True
    until = b.os.ticks + TEST_SETTINGS.message_timeout_ticks + 15
    hold_while(b, lambda: b.os.ticks < until)
    await a.send(64)
    await system.until(acked(a, 1), 100 * system.clocks_per_tick, "acknowledged")
    b.os.aes_paused = False
    stats = b.stats()
    assert stats["redeliveries_quick"] == 0 and stats["redeliveries_tick"] >= 30, stats
    assert stats["holdoffs_sent"] >= 30, stats
    assert not errors(a), errors(a)
    assert a.stats()["holdoffs_received"] >= 1
    same_messages(b.taken(), a.sent, "a to b")
    idle_books_are_clean(b)
    await system.down()


@cocotb.test()
async def a_hold_however_long_does_not_time_out_the_peer(dut):
    """b's OS holds a message for 240 ticks, eight message timeouts: b's driver tells a
    every tick, so a waits as long as it takes (the chapter: a holding server must not
    make its peer time out), and the message is then delivered once."""
    system = MslSystem(dut, clocks_per_tick=250)   # short ticks: 240 of them are cheap
    await system.up()
    a, b = system.a, system.b
    until = await held_for_ticks(system, 48, 240)
    await system.until(lambda: acked(a, 1)() or errors(a), 260 * system.clocks_per_tick,
                       "acknowledged")
    assert not errors(a), f"a gave up after {a.os.ticks - until + 240} ticks: {errors(a)}"
    assert b.os.ticks >= until
    assert a.stats()["holdoffs_received"] >= 200 and a.stats()["message_timeouts"] == 0
    same_messages(b.taken(), a.sent, "a to b")
    await system.down()


@cocotb.test()
async def a_peer_that_dies_holding_is_timed_out_though_its_adapter_answers(dut):
    """b holds a's message, then stops dead (its CPU never runs again). b's adapter
    still answers each of a's replays with HOLDOFF, but not as a driver would: a's
    message timer runs out one message timeout after b's last HOLDOFF, TIME_OUT_ERROR."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    hold_while(b, lambda: True)
    await a.send(36)
    await system.until(lambda: b.driver.links[0].holding, 100000, "the hold")
    await system.clocks(5 * system.clocks_per_tick)
    crashed, answers = a.os.ticks, await a.side.regs.read("STAT_RX_HOLDOFF")
    b.os.aes_paused = True

    async def hang():
        async with b.os.cpu.interrupts_disabled():
            await Event().wait()         # never set: the CPU is gone
    cocotb.start_soon(hang())
    limit = TEST_SETTINGS.message_timeout_ticks + 3
    await system.until(lambda: errors(a), limit * system.clocks_per_tick, "a's timeout")
    assert errors(a) == [DriverError.TIME_OUT_ERROR]
    assert a.mirror.errors[0][0] - crashed <= limit, (a.mirror.errors, crashed)
    assert await a.side.regs.read("STAT_RX_HOLDOFF") - answers >= 3, \
        "b's adapter did not answer the replays (the test's premise)"
    await a.unload()
    a.assert_books_empty()


# ---- DriverISR: emergency, receive errors, transmit errors ----

@cocotb.test()
async def emergency_during_holdoff_is_reported_after_the_held_messages(dut):
    """EMERGENCY arrives while a packet is held: it is counted at once, but the OS is
    told only after the held message and the rest of its packet are delivered; then the
    driver keeps working."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    await fill_window(system, a)
    release = []
    headers = await a.send(20, 21, 22)
    hold_while(b, lambda: not release, messages={headers[1].eax})
    await system.until(lambda: b.driver.links[0].holding, 300000, "the hold")
    await a.mirror.emergency(9)
    await system.until(lambda: b.stats()["emergencies_received"] == 1, 20000, "emergency")
    await system.clocks(5 * system.clocks_per_tick)
    assert not errors(b), "the OS was told during the hold"
    release.append(True)
    await system.until(lambda: errors(b), 20 * system.clocks_per_tick, "the report")
    receives = [i for i, e in enumerate(b.mirror.timeline) if e[0] == "receive"]
    error_at = b.mirror.timeline.index(("error", DriverError.EMERGENCY))
    assert error_at > max(receives), b.mirror.timeline[-5:]
    await a.send(7)
    await system.until(acked(a, 7), 100000, "traffic after")
    same_messages(b.taken(), a.sent, "a to b")
    await system.down()


@cocotb.test()
async def receive_errors_are_counted_by_cause_and_never_delivered_twice(dut):
    """Bit errors and bursts on the line: damaged frames are counted per cause (at
    least the frames the test damaged on purpose; over the traffic, what the adapter
    counted, not its start-up), replay recovers them, and every message arrives exactly
    once, in order, intact, with no error reported to the OS."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    causes = {"rx_crc_errors": ("rx_crc_error",), "rx_code_errors": ("rx_code_error",),
              "rx_sync_lost": ("rx_sync_lost",),
              "rx_framing_errors": ("rx_truncated", "rx_overlong", "rx_bad_delimiter",
                                    "rx_bad_header")}

    async def counts():
        driver, hardware = b.stats(), await b.side.stats()
        return {name: (driver[name], sum(hardware[c] for c in counters))
                for name, counters in causes.items()}
    before = await counts()
    channel = system.env.channel["a_to_b"]
    channel.set_error_rate(1e-5)
    channel.set(burst_bits=12)
    kills = 3
    for batch in range(kills):           # one kill per batch: a kill arms for one frame
        await channel.kill_next_frame()  # the first DATA frame of the batch is damaged
        await channel.burst()
        for _ in range(10):
            await a.send(a.rng.randint(0, 300))
        await system.until(acked(a, 10 * (batch + 1)), 300000, f"batch {batch} acknowledged")
    same_messages(b.taken(), a.sent, "a to b")
    assert not errors(a) and not errors(b), (errors(a), errors(b))
    after = await counts()
    grew = {name: (after[name][0] - before[name][0], after[name][1] - before[name][1])
            for name in causes}
    assert b.stats()["rx_error_count"] >= 1, "no damaged frame was reported"
    assert all(driver == hardware for driver, hardware in grew.values()), grew
    assert sum(driver for driver, _ in grew.values()) >= kills, (grew, kills)
    await system.down()


async def carries_traffic_again(system):
    """After a reset (and a mended line): both links come up and a message gets
    through, acknowledged."""
    a, b = system.a, system.b
    await system.env.a.wait_link_up(40000)
    await system.env.b.wait_link_up(40000)
    before = a.acknowledged()
    await a.send(65)
    await system.until(acked(a, before + 1), 100000, "traffic after the reset")
    last = b.mirror.accepted()[-1]
    assert (last.header, b.mirror.data_of(last)) == a.sent[-1]


@cocotb.test()
async def fatal_receive_error_is_reported_and_the_link_starts_again(dut):
    """The OS points a message's data at memory that is not there: the copy fails,
    the message is not acknowledged, the OS is told (RECEIVE_ERROR), the link is reset
    (the sender times out its packet) and then carries traffic again."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    bad = await a.send(64)
    nowhere = b.memory.size - 16      # the message's 64 bytes run past the end
    b.mirror.answer = lambda header, attempt: Answer(
        Code.OK, esi=nowhere if header == bad[0] else None)
    await system.until(lambda: b.stats()["link_resets"], 100000, "the receive error")
    assert errors(b) == [DriverError.RECEIVE_ERROR]
    assert b.stats()["rx_fatal_errors"] == 1 and b.stats()["link_resets"] == 1
    await system.until(lambda: a.stats()["link_resets"], 60 * system.clocks_per_tick,
                       "the sender's timeout")
    assert errors(a) == [DriverError.TIME_OUT_ERROR] and not a.mirror.completed
    await carries_traffic_again(system)
    await system.down()


@cocotb.test()
async def unannounced_packet_is_a_fatal_receive_error(dut):
    """The adapter cannot write a received packet into host memory (its packet area
    answers SLVERR): the packet can be neither delivered nor received again,
    so the OS is told (RECEIVE_ERROR), the link is reset and then works again."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    layout = b.driver.links[0].layout
    b.side.memory.set_error_hole(layout.packets, layout.end)   # a broken host region
    await a.send(64)
    await system.until(lambda: b.stats()["link_resets"], 100000, "the receive error")
    b.side.memory.set_error_hole(*SLVERR_HOLE)
    assert errors(b) == [DriverError.RECEIVE_ERROR] and b.stats()["dma_error_count"] >= 1
    assert not b.mirror.deliveries, "a packet that was never announced was delivered"
    await system.until(lambda: a.stats()["link_resets"], 60 * system.clocks_per_tick,
                       "the sender's timeout")
    await carries_traffic_again(system)
    await system.down()


@cocotb.test()
async def peer_reset_is_acknowledged_and_reported_as_time_out(dut):
    """b resets the link while each side holds the other's message: a's adapter empties
    its slots and holds the link down (PEER_RESET) until a's driver resets too. a's OS
    hears TIME_OUT_ERROR at once (not by its message timer) for its unacknowledged
    message, b's held message is dropped, never delivered, and then both directions carry
    traffic again, every message once."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    release = []
    hold_while(a, lambda: not release)
    hold_while(b, lambda: not release)
    from_a, from_b = await a.send(40), await b.send(50)
    for server in (a, b):
        await system.until(lambda: server.driver.links[0].holding, 100000, "the holds")
    # b resets at once, hold or not, as its driver does on a fatal receive error.
    async with b.os.cpu.interrupts_disabled():
        await b.driver.links[0]._tell([DriverError.HARDWARE_ERROR], reset=True)
    await system.until(lambda: errors(a), 20000, "a's report of the peer's reset")
    assert errors(a) == [DriverError.TIME_OUT_ERROR] and a.stats()["peer_resets"] == 1
    assert errors(b) == [DriverError.HARDWARE_ERROR]
    assert a.stats()["message_timeouts"] == 0 and a.stats()["link_resets"] == 1
    assert not await a.side.regs.field("LINK_STATUS", "held"), "a's driver did not acknowledge"
    release.append(True)
    await carries_traffic_again(system)
    await b.send(33)
    await system.until(acked(b, 1), 100000, "b's traffic after the reset")
    assert from_b[0] not in [header for header, _ in a.taken()], "a dropped message arrived"
    assert [header for header, _ in a.taken()] == [b.sent[-1][0]]
    assert [header for header, _ in b.taken()] == [a.sent[-1][0]]
    assert from_a[0] not in [header for header, _ in b.taken()]
    await system.down()


async def cut_line_system(dut, replay: str):
    """A system whose adapters give up replaying before the message timeout
    (``"short"``) or long after it (``"long"``), to see one error or the other."""
    clocks, limit = {"short": (2500, 2), "long": (5000, 32)}[replay]
    settings = dataclasses.replace(TEST_SETTINGS, ack_timeout_clocks=clocks, retry_limit=limit)
    system = MslSystem(dut, settings=settings)
    await system.up()
    return system


async def send_on_a_cut_line(dut, replay: str):
    """a sends over a cut line until the driver gives up and resets the link."""
    system = await cut_line_system(dut, replay)
    system.env.channel["a_to_b"].set(cut=1)
    await system.a.send(80)
    await system.until(lambda: system.a.stats()["link_resets"], 60 * system.clocks_per_tick,
                       "the error and the reset")
    return system


@cocotb.test()
async def transmit_error_is_reported_as_hardware_error_and_the_link_recovers(dut):
    """The line is cut: the adapter replays up to its limit (the retries), then TX_ERROR;
    the OS gets ServerCommDriverError(0); after the reset a mended line carries
    traffic again."""
    system = await send_on_a_cut_line(dut, "short")
    a = system.a
    assert errors(a) == [DriverError.HARDWARE_ERROR] and DriverError.HARDWARE_ERROR == 0
    assert a.stats()["tx_error_count"] == 1 and a.stats()["link_resets"] == 1
    assert (await a.side.stats())["tx_replays"] >= 2
    system.env.channel["a_to_b"].set(cut=0)
    await carries_traffic_again(system)
    await system.down()


async def hold_then_fail(system, cut: str):
    """b holds a's message; b's own message then fails on a cut line."""
    a, b = system.a, system.b
    release = []
    hold_while(b, lambda: not release)
    await a.send(12)
    await system.until(lambda: b.driver.links[0].holding, 100000, "the hold")
    system.env.channel[cut].set(cut=1)
    await b.send(13)
    return release


@cocotb.test()
async def transmit_error_during_holdoff_is_reported_after_delivery(dut):
    """While b holds a message, its own packet exhausts the retries: the OS is told only
    once the held message is delivered."""
    system = await cut_line_system(dut, "short")
    a, b = system.a, system.b
    release = await hold_then_fail(system, "b_to_a")
    await system.until(lambda: b.stats()["tx_error_count"], 30 * system.clocks_per_tick,
                       "the transmit error")
    assert not errors(b), "reported during the hold"
    release.append(True)
    await system.until(lambda: errors(b), 10 * system.clocks_per_tick, "the report")
    assert errors(b) == [DriverError.HARDWARE_ERROR]
    timeline = b.mirror.timeline
    assert timeline.index(("error", DriverError.HARDWARE_ERROR)) > max(
        i for i, e in enumerate(timeline) if e[0] == "receive" and e[2] not in HELD)
    same_messages(b.taken(), a.sent, "a to b")
    system.env.channel["b_to_a"].set(cut=0)
    await system.down()


# ---- DriverTimeout ----

@cocotb.test()
async def message_timeout_reports_time_out_error_and_the_link_recovers(dut):
    """No ACK comes (the line to the peer is cut; the frame itself went out, so the
    adapter watchdog is satisfied): TIME_OUT_ERROR, the transmit and receive state is
    reset with the statistics kept, and once mended the link carries traffic again."""
    system = await send_on_a_cut_line(dut, "long")
    a = system.a
    assert errors(a) == [DriverError.TIME_OUT_ERROR]
    stats = a.stats()
    assert stats["message_timeouts"] == 1 and stats["adapter_timeouts"] == 0, stats
    assert stats["transmit_msg_count"] == 1 and stats["transmit_complete_count"] >= 1
    link = a.driver.links[0]
    assert not link.posted and a.mirror.packet_size_driver_can_now_handle == MAX_DATA
    system.env.channel["a_to_b"].set(cut=0)
    await carries_traffic_again(system)
    assert a.stats()["transmit_msg_count"] == 2, "statistics were cleared by the reset"
    await system.down()


@cocotb.test()
async def adapter_timeout_reports_hardware_error(dut):
    """The adapter cannot put the packet on the line (its receiver lost the peer, so
    the link is down): the adapter watchdog fires first, HARDWARE_ERROR."""
    system = MslSystem(dut)
    await system.up()
    a = system.a
    system.env.channel["b_to_a"].set(cut=1)
    await system.until(lambda: a.stats()["link_down_count"] >= 1, 20000, "a's link down")
    await a.send(100)
    await system.until(lambda: a.stats()["link_resets"], 30 * system.clocks_per_tick,
                       "the timeout")
    assert errors(a) == [DriverError.HARDWARE_ERROR]
    assert a.stats()["adapter_timeouts"] == 1 and a.stats()["message_timeouts"] == 0
    system.env.channel["b_to_a"].set(cut=0)
    await system.down()


@cocotb.test()
async def timeout_during_holdoff_is_flagged_then_reported(dut):
    """b's packet times out while b holds a message: only a pending flag until the held
    message is delivered, then TIME_OUT_ERROR and the reset."""
    system = await cut_line_system(dut, "long")
    b = system.b
    release = await hold_then_fail(system, "b_to_a")
    await system.until(lambda: b.stats()["message_timeouts"], 60 * system.clocks_per_tick,
                       "the timeout")
    assert not errors(b) and b.driver.links[0].reset_pending
    release.append(True)
    await system.until(lambda: b.stats()["link_resets"], 10 * system.clocks_per_tick,
                       "the report and the reset")
    assert errors(b) == [DriverError.TIME_OUT_ERROR]
    system.env.channel["b_to_a"].set(cut=0)
    await system.down()


# ---- DriverRemove ----

@cocotb.test()
async def remove_delivers_held_messages_before_giving_everything_back(dut):
    """DriverRemove while a message is held: the removal waits until it is delivered
    (and acknowledged to the sender), then cancels, deregisters and frees everything."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    until = await held_for_ticks(system, 44, 5)
    await b.unload()
    b.assert_books_empty()
    same_messages(b.taken(), a.sent, "a to b")
    assert b.os.ticks >= until
    await system.until(acked(a, 1), 20000, "the ACK of the held message")
    await a.unload()
    a.assert_books_empty()


class FailingBus:
    """The adapter's register bus, failing on demand: while ``stuck_dma`` the DMA
    engine reads busy for ever; each register named in ``refuse`` answers its next
    access (read or write) with BusError, once."""

    _DMA_STATUS = REGISTER_MAP["DMA_STATUS"]

    def __init__(self, bus):
        self.bus, self.stuck_dma, self.refuse = bus, False, set()
        self.refused: list[str] = []

    def _answer(self, address):
        for name in list(self.refuse):
            if REGISTER_MAP[name].address == address:
                self.refuse.discard(name)
                self.refused.append(name)
                raise BusError(f"no response at {address:#x} ({name})")

    async def read32(self, address):
        self._answer(address)
        value = await self.bus.read32(address)
        if self.stuck_dma and address == self._DMA_STATUS.address:
            value |= self._DMA_STATUS.pack(busy=1)
        return value

    async def write32(self, address, value, byte_enable=0xF):
        self._answer(address)
        await self.bus.write32(address, value, byte_enable)


async def loaded_with_a_failing_bus(dut):
    """Both servers loaded, a's adapter behind a :class:`FailingBus`, the link up."""
    system = MslSystem(dut)
    await system.start()
    a, b = system.a, system.b
    bus = a.io_space[PORT] = FailingBus(a.side.bus)
    for server in (a, b):
        assert await server.load() == 0, server.os.console
    await system.env.a.wait_link_up(40000)
    return system, a, b, bus


@cocotb.test()
async def initialize_and_remove_give_everything_back_when_the_dma_never_stops(dut):
    """The DMA engine reads busy for ever: DriverInitialize returns non-zero with the
    reason on the console and every resource given back; loaded, DriverRemove returns,
    alerts, and still gives everything back."""
    system, a = await started(dut)
    bus = a.io_space[PORT] = FailingBus(a.side.bus)
    bus.stuck_dma = True
    assert await a.load() != 0
    assert any("DMA engine is still busy" in line and "driver not loaded" in line
               for line in a.os.console), a.os.console
    assert "did not stop" in a.os.console[-1], a.os.console
    a.assert_books_empty()
    bus.stuck_dma = False
    assert await a.load() == 0, a.os.console
    bus.stuck_dma = True
    await a.unload()
    a.assert_books_empty()
    assert any("did not stop" in alert for alert in a.os.alerts), a.os.alerts


@cocotb.test()
async def register_access_failing_in_send_or_isr_is_a_hardware_error(dut):
    """The doorbell write of a DriverSend, then the ISR's INT_PENDING read, answer with
    a bus error: DriverSend returns non-zero, each is HARDWARE_ERROR to the OS with the
    link reset (nothing escapes to the OS), and the link then carries traffic again."""
    system, a, b, bus = await loaded_with_a_failing_bus(dut)
    bus.refuse.add("TX_RING_TAIL")
    await a.send(40)
    assert bus.refused == ["TX_RING_TAIL"]
    assert a.mirror.send_results[-1] != 0, a.mirror.send_results
    assert errors(a) == [DriverError.HARDWARE_ERROR]
    assert a.stats()["bus_errors"] == 1 and a.stats()["link_resets"] == 1
    await carries_traffic_again(system)
    bus.refuse.add("INT_PENDING")
    await b.send(50)
    await system.until(lambda: len(errors(a)) == 2, 100000, "the ISR's bus error reported")
    assert bus.refused == ["TX_RING_TAIL", "INT_PENDING"]
    assert errors(a) == [DriverError.HARDWARE_ERROR] * 2
    assert a.stats()["bus_errors"] == 2 and a.stats()["link_resets"] == 2
    await carries_traffic_again(system)
    same_messages(b.taken(), a.sent[1:], "a to b (the refused message is not sent)")
    await system.down()


@cocotb.test()
async def an_adapter_that_cannot_be_reset_has_its_packets_forgotten_and_the_os_told(dut):
    """a has a message posted (b holds it); then a DriverSend's doorbell write fails and
    the DMA engine never stops, so the link cannot be reset: every packet is forgotten,
    the OS hears HARDWARE_ERROR at once (once: the reset, tried again every tick, fails
    quietly), the console why, and a new packet may be started. Once the engine stops
    again, the next tick's retry resets the link, and traffic resumes."""
    system, a, b, bus = await loaded_with_a_failing_bus(dut)
    release = []
    hold_while(b, lambda: not release)
    await a.send(40)
    await system.until(lambda: b.driver.links[0].holding, 100000, "b's hold")
    link = a.driver.links[0]
    assert link.waiting_messages() == 1
    bus.refuse.add("TX_RING_TAIL")
    bus.stuck_dma = True
    await a.send(50)
    assert a.mirror.send_results[-1] != 0 and errors(a) == [DriverError.HARDWARE_ERROR]
    assert any("cannot be reset" in alert for alert in a.os.alerts), a.os.alerts
    assert link.waiting_messages() == 0 and not link.timers.adapter and not link.timers.message
    assert a.mirror.packet_size_driver_can_now_handle == MAX_DATA
    assert a.stats()["link_resets"] == 0
    await system.until(lambda: a.stats()["bus_errors"] >= 3, 200 * system.clocks_per_tick,
                       "the reset tried again (each try waits out the busy engine)")
    assert errors(a) == [DriverError.HARDWARE_ERROR], "a failed retry was reported"
    bus.stuck_dma = False
    release.append(True)
    await system.until(lambda: a.stats()["link_resets"] == 1, 100 * system.clocks_per_tick,
                       "the retried reset")
    assert errors(a) == [DriverError.HARDWARE_ERROR] and not a.mirror.completed[1:]
    await carries_traffic_again(system)
    await system.down()


@cocotb.test()
async def remove_that_gives_up_on_a_held_message_stops_its_redelivery(dut):
    """b's OS holds a message for ever: DriverRemove waits its bounded time, alerts and
    gives everything back -- and nothing of the driver runs after that: no further
    ReceiveServerComm and no register access, not even once the OS would accept."""
    settings = dataclasses.replace(TEST_SETTINGS, remove_hold_ticks=10)
    system = MslSystem(dut, settings=settings)
    await system.up()
    a, b = system.a, system.b
    accept = await held_message(system, 44)
    await b.unload()
    b.assert_books_empty()
    assert any("removed anyway" in alert for alert in b.os.alerts), b.os.alerts
    calls, accesses = len(b.mirror.deliveries), (b.side.bus.reads, b.side.bus.writes)
    await system.clocks(20 * system.clocks_per_tick)
    accept.append(0)
    await system.clocks(10 * system.clocks_per_tick)
    assert len(b.mirror.deliveries) == calls, \
        f"ReceiveServerComm called {len(b.mirror.deliveries) - calls} times after DriverRemove"
    assert (b.side.bus.reads, b.side.bus.writes) == accesses, "the removed adapter was accessed"
    assert not b.taken() and not a.mirror.completed
    await a.unload()
    a.assert_books_empty()


@cocotb.test()
async def unannounced_packet_during_a_hold_is_reported_after_the_held_message(dut):
    """b holds a message when the adapter cannot announce the next packet (its packet
    area answers SLVERR): the held message, intact in its slot, is still delivered
    once the OS takes it, and only then is RECEIVE_ERROR reported and the link reset."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    release = await held_message(system, 30)
    layout = b.driver.links[0].layout
    b.side.memory.set_error_hole(layout.packets, layout.end)   # a broken host region
    await a.send(31)
    await system.until(lambda: b.stats()["rx_fatal_errors"], 100000, "the failed announcement")
    b.side.memory.set_error_hole(*SLVERR_HOLE)
    await system.clocks(3 * system.clocks_per_tick)
    assert not errors(b), "reported during the hold"
    release.append(0)
    await system.until(lambda: b.stats()["link_resets"], 20 * system.clocks_per_tick,
                       "the report and the reset")
    same_messages(b.taken(), a.sent[:1], "a to b (the held message, not the unannounced one)")
    assert errors(b) == [DriverError.RECEIVE_ERROR]
    events = [entry[0] for entry in b.mirror.timeline]
    assert events.index("error") > max(i for i, e in enumerate(events) if e == "receive")
    await carries_traffic_again(system)
    await system.down()


@cocotb.test()
async def replay_does_not_stop_the_watchdog_of_a_packet_never_sent(dut):
    """a posts two packets; the first is damaged on the line and replayed, the second
    never goes out (its send buffer answers SLVERR to the gather). The replay's
    transmit-complete is no progress: the adapter watchdog fires, HARDWARE_ERROR -- not
    the message timeout's TIME_OUT_ERROR."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b
    buffers = a.driver.links[0].buffers
    a.side.memory.set_error_hole(buffers.upcoming(1), buffers.upcoming(1) + buffers.size)
    await system.env.channel["a_to_b"].kill_next_frame()
    async with a.os.cpu.interrupts_disabled():       # both posted back to back
        await a.send(80, 64)
    await system.until(lambda: b.taken(), 100000, "the first packet, replayed")
    assert await a.side.regs.read("STAT_TX_REPLAYS") >= 1, "nothing was replayed"
    await system.until(lambda: a.stats()["link_resets"], 60 * system.clocks_per_tick,
                       "the watchdog")
    assert errors(a) == [DriverError.HARDWARE_ERROR], errors(a)
    assert a.stats()["adapter_timeouts"] == 1 and a.stats()["message_timeouts"] == 0
    same_messages(b.taken(), a.sent[:1], "a to b")
    a.side.memory.set_error_hole(*SLVERR_HOLE)
    await carries_traffic_again(system)
    await system.down()


@cocotb.test()
async def send_copies_the_data_so_the_os_may_reuse_its_buffer_at_once(dut):
    """The chapter's DriverSend and DriverBuildSend copy the message before they return:
    the OS overwrites each message's buffer the moment the call returns -- for packets
    posted at once, pending, and built by GetNextPacket -- and the peer still receives
    every message as it was sent."""
    system = MslSystem(dut)
    await system.up()
    a, b = system.a, system.b

    def scribble(header):
        a.memory.write(header.esi, bytes([0xA5]) * header.ecx)

    build_send = a.driver.driver_build_send

    async def build_send_then_reuse(header):
        result = await build_send(header)
        scribble(header)
        return result
    a.driver.driver_build_send = build_send_then_reuse
    async with a.os.cpu.interrupts_disabled():       # two posted, one pending
        for length in (LONG, LONG, 1000):
            header = a.message(length)
            assert await a.driver.driver_send(header) == 0
            scribble(header)
    assert len(a.driver.links[0].queued) == 1
    await a.send(300, 7, 64)                         # queued: GetNextPacket builds them
    await system.until(acked(a, 6), 300000, "every message acknowledged")
    assert len(a.mirror.build_send_room) == 3, "GetNextPacket did not build the last three"
    same_messages(b.taken(), a.sent, "a to b")
    await system.down()
