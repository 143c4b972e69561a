"""The server OS model's services and books (server_os/netware.py, server_os/sft3.py, the
CPU interrupt flag), on an asyncio loop: no simulator."""

import asyncio

import pytest

from msl_spec import MessageHeader
from server_os.netware import (
    AdapterOptions, AesEvent, CustomData, IoConfiguration, Needs, OsError, ResourceKind,
    ServerOs, TimerEvent,
)
from server_os.sft3 import Answer, Code, DriverError, MirrorSide
from tests.fakes import AsyncioPlatform

OPTIONS = AdapterOptions(ports=(0x0000, 0x1000, 0x2000), interrupts=(3, 5, 7))


def make_os(**kwargs) -> ServerOs:
    return ServerOs(AsyncioPlatform(), memory_base=0x1000, memory_size=0x1000, **kwargs)


def run(coroutine):
    return asyncio.run(coroutine)


def test_load_line_fills_the_configuration():
    os_, config = make_os(), IoConfiguration()
    os_.parse_driver_parameters(config, OPTIONS, Needs.PORT | Needs.INTERRUPT,
                                "port=0x1000 INT=5")
    assert (config.port, config.interrupt) == (0x1000, 5)


@pytest.mark.parametrize("line, complaint", [
    ("INT=5", "PORT is required"),
    ("PORT=0x1000", "INT is required"),
    ("PORT=0x1800 INT=5", "PORT=0x1800 is not valid"),
    ("PORT=0x1000 INT=4", "INT=4 is not valid"),
    ("PORT=0x1000 INT=5 INT=3", "INT is given twice"),
    ("PORT=0x1000 SPEED=9", "'SPEED=9' is not understood"),
])
def test_bad_load_lines_say_what_is_wrong_and_fill_nothing(line, complaint):
    os_, config = make_os(), IoConfiguration()
    with pytest.raises(OsError, match=complaint):
        os_.parse_driver_parameters(config, OPTIONS, Needs.PORT | Needs.INTERRUPT, line)
    assert (config.port, config.interrupt) == (None, None)


def test_an_option_not_needed_may_be_left_out():
    os_, config = make_os(), IoConfiguration(interrupt=7)
    os_.parse_driver_parameters(config, OPTIONS, Needs.PORT, "PORT=0x2000")
    assert (config.port, config.interrupt) == (0x2000, 7)


def options(os_, port, line, shared=False):
    tag = os_.allocate_resource_tag("msl", "io", ResourceKind.IO_REGISTRATION)
    return IoConfiguration(port=port, interrupt=line, share_interrupt=shared, io_tag=tag)


def test_conflicting_hardware_options_are_refused():
    os_ = make_os()
    first = options(os_, 0x1000, 5)
    os_.register_hardware_options(first)
    with pytest.raises(OsError, match="port 0x1800 conflicts"):
        os_.register_hardware_options(options(os_, 0x1800, 3))
    with pytest.raises(OsError, match="interrupt 5 is already in use"):
        os_.register_hardware_options(options(os_, 0x2000, 5))
    os_.deregister_hardware_options(first)
    os_.register_hardware_options(options(os_, 0x2000, 5))
    assert len(os_.outstanding()["hardware options"]) == 1


def test_interrupts_are_shared_only_when_both_say_so():
    os_ = make_os()
    shared_a = options(os_, 0x0000, 5, shared=True)
    shared_b = options(os_, 0x1000, 5, shared=True)
    os_.register_hardware_options(shared_a)
    os_.register_hardware_options(shared_b)
    with pytest.raises(OsError, match="interrupt 5"):
        os_.register_hardware_options(options(os_, 0x2000, 5))


def test_a_shared_line_calls_every_handler_and_counts_unclaimed_interrupts():
    os_ = make_os()
    tag = os_.allocate_resource_tag("msl", "irq", ResourceKind.INTERRUPT)
    calls, mine = [], {"a": False, "b": True}

    def handler(name):
        async def isr():
            calls.append(name)
            return mine[name]
        return isr

    isr_a, isr_b = handler("a"), handler("b")
    os_.set_hardware_interrupt(5, isr_a, tag, shared=True)
    os_.set_hardware_interrupt(5, isr_b, tag, shared=True)
    with pytest.raises(OsError, match="not shareable"):
        os_.set_hardware_interrupt(5, handler("c"), tag, shared=False)
    run(os_.interrupt(5))
    assert calls == ["a", "b"] and os_.spurious_interrupts == 0
    mine["b"] = False
    run(os_.interrupt(5))
    assert os_.spurious_interrupts == 1
    os_.clear_hardware_interrupt(5, isr_a)
    os_.clear_hardware_interrupt(5, isr_b)
    assert not os_.outstanding()


def test_an_interrupt_waits_while_another_flow_has_interrupts_disabled():
    os_ = make_os()
    tag = os_.allocate_resource_tag("msl", "irq", ResourceKind.INTERRUPT)
    trace = []

    async def isr():
        trace.append("isr")
        return True

    async def send_like():
        async with os_.cpu.interrupts_disabled():
            trace.append("send starts")
            await os_.platform.pause(20)          # register accesses take bus time
            async with os_.cpu.interrupts_disabled():  # nesting in one flow is fine
                await os_.platform.pause(5)
            trace.append("send ends")

    async def main():
        os_.set_hardware_interrupt(5, isr, tag, shared=False)
        sender = asyncio.ensure_future(send_like())
        await asyncio.sleep(0)
        await os_.interrupt(5)                     # the line rises mid-send
        await sender

    run(main())
    assert trace == ["send starts", "send ends", "isr"]
    assert os_.cpu.waits > 0 and os_.cpu.interrupts_enabled


def test_a_waiting_flow_takes_the_cpu_on_the_clock_after_it_is_released():
    """The gate sleeps instead of trying every clock, and still hands the CPU over on the
    first clock after the owner enables interrupts, as a try once a clock would."""
    os_ = make_os()
    platform = os_.platform
    marks = {}

    async def owner():
        async with os_.cpu.interrupts_disabled():
            await platform.pause(20)
        marks["released"] = platform.clocks()

    async def waiter():
        await asyncio.sleep(0)
        asked = platform.clocks()
        async with os_.cpu.interrupts_disabled():
            marks["taken"] = platform.clocks()
        marks["asked"] = asked

    async def main():
        await asyncio.gather(owner(), waiter())

    run(main())
    assert marks["taken"] == marks["released"] + 1
    assert os_.cpu.waits == marks["taken"] - marks["asked"]
    assert os_.cpu.interrupts_enabled


def test_aes_events_fire_when_due_and_cancelled_ones_do_not():
    os_ = make_os()
    tag = os_.allocate_resource_tag("msl", "aes", ResourceKind.AES_PROCESS)
    timer_tag = os_.allocate_resource_tag("msl", "timer", ResourceKind.TIMER)
    fired = []

    def note(name):
        async def callback():
            fired.append((name, os_.ticks))
        return callback

    async def main():
        os_.schedule_aes_event(AesEvent(note("three"), ticks=3, tag=tag))
        cancelled = AesEvent(note("cancelled"), ticks=2, tag=tag)
        os_.schedule_aes_event(cancelled)
        os_.schedule_interrupt_time_callback(TimerEvent(note("timer"), tag=timer_tag))
        os_.cancel_aes_event(cancelled)
        for _ in range(5):
            await os_.tick()
            await asyncio.sleep(0)

    run(main())
    assert sorted(fired) == [("three", 3), ("timer", 1)]
    assert not os_.outstanding()


def test_an_aes_event_of_no_ticks_runs_before_the_next_tick_once_interrupts_are_on():
    os_ = make_os()
    tag = os_.allocate_resource_tag("msl", "aes", ResourceKind.AES_PROCESS)
    fired = []

    async def callback():
        async with os_.cpu.interrupts_disabled():
            fired.append(os_.ticks)

    async def main():
        async with os_.cpu.interrupts_disabled():   # scheduled at interrupt level
            os_.schedule_aes_event(AesEvent(callback, ticks=0, tag=tag))
            await asyncio.sleep(0)
            assert not fired, "ran while interrupts were disabled"
        for _ in range(3):
            await asyncio.sleep(0)
        assert fired == [0]
        os_.aes_paused = True                        # paused: it waits for a tick
        os_.schedule_aes_event(AesEvent(callback, ticks=0, tag=tag))
        await os_.tick()
        os_.aes_paused = False
        await os_.tick()
        for _ in range(3):
            await asyncio.sleep(0)

    run(main())
    assert fired == [0, 2]
    assert not os_.outstanding()


def test_a_cancelled_interrupt_time_callback_does_not_run_and_the_timer_keeps_ticking():
    os_ = make_os(clocks_per_tick=3)
    tag = os_.allocate_resource_tag("msl", "timer", ResourceKind.TIMER)
    fired = []

    async def callback():
        fired.append(os_.ticks)

    async def main():
        kept, cancelled = TimerEvent(callback, tag=tag), TimerEvent(callback, tag=tag)
        os_.schedule_interrupt_time_callback(kept)
        os_.schedule_interrupt_time_callback(cancelled)
        os_.cancel_interrupt_time_callback(cancelled)
        timer = asyncio.ensure_future(os_.run())
        while os_.ticks < 4:
            await os_.reschedule_last()
        timer.cancel()

    run(main())
    assert fired == [1] and not os_.outstanding()


def test_one_comm_driver_at_a_time_and_its_registration_is_booked():
    os_ = make_os()
    tag = os_.allocate_resource_tag("msl", "driver", ResourceKind.MSL_DRIVER)
    os_.register_server_comm_driver("first", tag)
    with pytest.raises(OsError, match="already registered"):
        os_.register_server_comm_driver("second", tag)
    assert os_.outstanding() == {"comm driver": ["first"]}
    os_.deregister_server_comm_driver(tag)
    with pytest.raises(OsError, match="no MSL driver"):
        os_.deregister_server_comm_driver(tag)
    assert os_.comm_driver is None and not os_.outstanding()


def test_console_alerts_completions_and_errors_are_kept_in_order():
    os_ = make_os()
    side = MirrorSide(os_)
    os_.output_to_screen("MSL: adapter at 0x1000 failed its self-test")
    os_.queue_system_alert("MSL: peer server failed")

    async def main():
        await side.server_comm_completed(3)
        os_.ticks = 7
        await side.server_comm_driver_error(DriverError.TIME_OUT_ERROR)
        await side.server_comm_completed(1)

    run(main())
    assert os_.console == ["MSL: adapter at 0x1000 failed its self-test"]
    assert os_.alerts == ["MSL: peer server failed"]
    assert side.completed == [3, 1] and side.errors == [(7, DriverError.TIME_OUT_ERROR)]


def test_services_check_their_resource_tags():
    os_ = make_os()
    wrong = os_.allocate_resource_tag("msl", "aes", ResourceKind.AES_PROCESS)
    with pytest.raises(OsError, match="not a valid interrupt-time callback tag"):
        os_.schedule_interrupt_time_callback(TimerEvent(lambda: None, tag=wrong))
    os_.refuse_tags.add(ResourceKind.MEMORY)
    assert os_.allocate_resource_tag("msl", "memory", ResourceKind.MEMORY) == 0
    assert os_.tags_of("msl")
    os_.unload("msl")
    assert not os_.tags_of("msl")


def test_semi_permanent_memory_is_booked_reused_and_bounded():
    os_ = make_os()
    tag = os_.allocate_resource_tag("msl", "memory", ResourceKind.MEMORY)
    a = os_.alloc_semi_perm_memory(0x800, tag)
    b = os_.alloc_semi_perm_memory(0x7FF, tag)        # rounded up to 4 bytes
    assert (a, b) == (0x1000, 0x1800)
    assert os_.alloc_semi_perm_memory(4, tag) == 0    # full
    os_.free_semi_perm_memory(a)
    assert os_.alloc_semi_perm_memory(0x400, tag) == a
    assert os_.outstanding()["memory blocks"] == [(0x1000, 0x400), (0x1800, 0x800)]
    with pytest.raises(OsError, match="not an allocated block"):
        os_.free_semi_perm_memory(0x1004)


def test_read_routine_moves_bytes_and_refuses_to_read_past_the_end():
    custom = CustomData(bytes(range(10)))
    out = bytearray(4)
    assert ServerOs.read_routine(custom, 6, out, 4) == 0 and out == bytes([6, 7, 8, 9])
    assert ServerOs.read_routine(custom, 7, out, 4) == -1


class RecordingDriver:
    """Stands in for the MSL driver: takes what fits, as a dual-slot driver would."""

    def __init__(self, side: MirrorSide, room: int):
        self.side, self.sent = side, []
        side.packet_size_driver_can_now_handle = room

    async def driver_send(self, header):
        self.sent.append(("send", header.eax))
        self.side.packet_size_driver_can_now_handle = -1
        return 0

    async def driver_build_send(self, header):
        self.sent.append(("build", header.eax))
        self.side.packet_size_driver_can_now_handle -= 24 + header.ecx
        return 0


def header(eax, ecx=0):
    return MessageHeader(eax, 0, ecx, 0, 0, 0)


def test_the_os_sends_directly_when_it_can_and_queues_in_order_otherwise():
    os_ = make_os()
    tag = os_.allocate_resource_tag("msl", "driver", ResourceKind.MSL_DRIVER)
    side = MirrorSide(os_)
    driver = RecordingDriver(side, room=100)
    os_.register_server_comm_driver(driver, tag)

    async def main():
        await side.send(header(1, 10))        # fits: DriverSend
        await side.send(header(2, 10))        # driver busy: queued
        await side.send(header(3, 40))
        await side.send(header(4, 0))
        assert side.packet_size_now_available == 10
        side.packet_size_driver_can_now_handle = 80  # an ACK freed a slot
        await side.get_next_packet()

    run(main())
    # 80 - (24 + 10) = 46 >= 40 → message 3 too; then 46 - 64 < 0 stops the packet.
    assert driver.sent == [("send", 1), ("build", 2), ("build", 3)]
    assert side.packet_size_now_available == 0 and list(side.queue) == [header(4, 0)]


def test_the_receive_handler_follows_its_script_and_books_every_delivery():
    os_ = make_os()
    side = MirrorSide(os_, receive_buffer=0x4000, receive_buffer_size=64)
    side.answer = lambda h, attempt: (Answer(Code.HOLDOFF) if h.eax == 2 and attempt == 0
                                      else Answer(Code.OK, ecx=4) if h.eax == 3
                                      else Answer(Code.OK))

    async def main():
        return [await side.receive_server_comm(header(n, 8)) for n in (1, 2, 2, 3)]

    answers = run(main())
    assert [a.code for a in answers] == [Code.OK, Code.HOLDOFF, Code.OK, Code.OK]
    assert [a.esi for a in answers if a.code == Code.OK] == [0x4000, 0x4008, 0x4010]
    assert answers[3].ecx == 4
    assert [d.header.eax for d in side.accepted()] == [1, 2, 3]
