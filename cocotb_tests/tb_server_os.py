"""cocotb tests of the server OS model on the two-adapter top: interrupt lines from real
adapters reach the OS's dispatch, a shared line calls every handler, and the CPU
interrupt flag holds an interrupt back while a flow has interrupts disabled.

Both adapters sit on one server here (two adapters on a shared line), with the OS
model's host memory on side a's.
"""

import random

import cocotb

from cocotb_tests.adapter_env import AdapterPairEnv, cause_bit
from cocotb_tests.clocks import clock_cycles, testbench_clock
from cocotb_tests.driver_binding import CocotbPlatform, watch_interrupt_line
from cocotb_tests.harness import top_params
from server_os.netware import IoConfiguration, ResourceKind, ServerOs

LINE = 5
CAUSE = cause_bit("DMA_DONE")   # any cause will do; INT_RAW writes raise it


class CountingHandler:
    """An ISR for one adapter: claims the interrupt when its INT_PENDING is not 0, and
    clears what it saw."""

    def __init__(self, side, trace):
        self.side, self.trace = side, trace

    async def __call__(self) -> bool:
        pending = await self.side.regs.read("INT_PENDING")
        self.trace.append((self.side.name, pending))
        if pending:
            await self.side.regs.write("INT_PENDING", pending)
        return bool(pending)


async def server_with_both_adapters(dut):
    env = AdapterPairEnv(dut, top_params(), stall=0.2, seed=random.getrandbits(32),
                             memory_stall=0.0)
    await env.start()
    server = ServerOs(CocotbPlatform(testbench_clock(dut.clk), env.a.memory),
                      memory_base=0x10000, memory_size=0x10000, clocks_per_tick=500)
    trace, handlers = [], {}
    irq_tag = server.allocate_resource_tag("msl", "interrupt", ResourceKind.INTERRUPT)
    io_tag = server.allocate_resource_tag("msl", "options", ResourceKind.IO_REGISTRATION)
    configs = []
    for port, side in zip((0x0000, 0x1000), env.side.values()):
        config = IoConfiguration(port=port, interrupt=LINE, share_interrupt=True, io_tag=io_tag)
        server.register_hardware_options(config)
        configs.append(config)
        handlers[side.name] = CountingHandler(side, trace)
        server.set_hardware_interrupt(LINE, handlers[side.name], irq_tag, shared=True)
        await side.regs.write("INT_ENABLE", CAUSE)
        cocotb.start_soon(watch_interrupt_line(side.irq, dut.clk, server, LINE))
    return env, server, trace, handlers, configs


def give_back(server, handlers, configs):
    for handler in handlers.values():
        server.clear_hardware_interrupt(LINE, handler)
    for config in configs:
        server.deregister_hardware_options(config)
    assert not server.outstanding(), server.outstanding()


async def wait_quiet(env, clocks=2000):
    for _ in range(clocks // 10):
        if not any(side.irq.value for side in env.side.values()):
            return
        await clock_cycles(env.dut.clk, 10)
    raise AssertionError("an interrupt line stayed high")


@cocotb.test()
async def shared_line_calls_every_handler_and_the_raiser_claims(dut):
    env, server, trace, handlers, configs = await server_with_both_adapters(dut)
    await env.b.regs.write("INT_RAW", CAUSE)
    await clock_cycles(dut.clk, 5)
    await wait_quiet(env)
    assert trace == [("a", 0), ("b", CAUSE)], trace
    assert server.spurious_interrupts == 0

    trace.clear()
    await env.a.regs.write("INT_RAW", CAUSE)
    await env.b.regs.write("INT_RAW", CAUSE)
    await wait_quiet(env)
    claimed = sorted(name for name, pending in trace if pending)
    assert claimed == ["a", "b"], trace
    give_back(server, handlers, configs)


@cocotb.test()
async def an_interrupt_waits_for_a_flow_with_interrupts_disabled(dut):
    env, server, trace, handlers, configs = await server_with_both_adapters(dut)
    line_high_inside = []
    async with server.cpu.interrupts_disabled():
        trace.append(("flow", "start"))
        await env.a.regs.write("INT_RAW", CAUSE)
        for _ in range(10):                         # bus accesses: simulated time passes
            await env.a.regs.read("ID")
            line_high_inside.append(int(env.a.irq.value))
        trace.append(("flow", "end"))
    await wait_quiet(env)
    assert all(line_high_inside), "the interrupt line fell while interrupts were disabled"
    assert trace[:2] == [("flow", "start"), ("flow", "end")], trace
    assert ("a", CAUSE) in trace[2:], trace
    assert server.cpu.waits > 0
    give_back(server, handlers, configs)
