"""Running a testbench on a design with amaranth.sim (the fast unit tests' simulator)."""

from amaranth.sim import Simulator

__all__ = ["simulate"]


def simulate(dut, testbench, *, clock: bool = True) -> None:
    """Run one async ``testbench(ctx)`` against ``dut`` with amaranth.sim."""
    sim = Simulator(dut)
    if clock:
        sim.add_clock(10e-9)
    sim.add_testbench(testbench)
    sim.run()
