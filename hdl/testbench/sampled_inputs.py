"""Test tops whose logic hangs off no input port: clock domains with their reset
sampled, and testbench settings registered.

Verilator evaluates the logic fed by a top-level input on every ``eval()`` call (cocotb
makes a few per clock). Left undefined, a domain becomes two ports (``clk`` and ``rst``
for ``sync``, ``<domain>_clk`` and ``<domain>_rst`` for the others), and the reset port
feeds the next value of every flip-flop with a reset, so nearly the whole design was
evaluated there once more: in the loaded two-adapter top, 16,600 of the generated C++
lines (2,900 with the resets and the test equipment's settings sampled). Sampled at its
clock's edge, an input is state like any other, and the logic it feeds runs only when
the state it reads changes. The design enters and leaves reset, and a setting takes
effect, a clock after the port changes.
"""

from amaranth import ClockDomain, ClockSignal, Module, ResetSignal, Signal
from amaranth.lib.wiring import In

__all__ = ["clock_and_reset", "define_with_sampled_reset", "sampled"]


def _port_names(domain: str) -> tuple[str, str]:
    prefix = "" if domain == "sync" else f"{domain}_"
    return f"{prefix}clk", f"{prefix}rst"


def clock_and_reset(*domains: str) -> dict:
    """Signature members for the clock and reset ports of ``domains`` (default
    ``sync``), named as Amaranth names an undefined domain's: testbenches see no
    difference."""
    return {name: In(1) for domain in domains or ("sync",) for name in _port_names(domain)}


def define_with_sampled_reset(m: Module, component, *domains: str) -> None:
    """Define each of ``domains`` (default ``sync``) in ``m``, clocked by its clock
    port of ``component`` (see :func:`clock_and_reset`) and reset by its reset port as
    it was at the clock's last edge."""
    for domain in domains or ("sync",):
        clk, rst = (getattr(component, name) for name in _port_names(domain))
        sampling = f"{domain}_reset_sampling"
        m.domains += ClockDomain(domain)
        m.domains += ClockDomain(sampling, reset_less=True, local=True)
        # In reset from the start, as the port is.
        sampled = Signal(init=1, reset_less=True, name=f"{domain}_rst_sampled")
        m.d[sampling] += sampled.eq(rst)
        m.d.comb += [ClockSignal(domain).eq(clk), ClockSignal(sampling).eq(clk),
                     ResetSignal(domain).eq(sampled)]


def sampled(m: Module, port, name: str):
    """``port`` (a testbench setting) as it was at the last ``sync`` edge. Zero in
    reset, so that Icarus never latches a port the testbench has not driven yet."""
    copy = Signal.like(port, name=name)
    m.d.sync += copy.eq(port)
    return copy
