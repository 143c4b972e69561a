"""A test top's clock domains, each reset through a register.

Left undefined, a domain becomes two ports (``clk`` and ``rst`` for ``sync``,
``<domain>_clk`` and ``<domain>_rst`` for the others), and the reset port feeds the
next value of every flip-flop with a reset. Verilator evaluates the logic fed by a
top-level input on every ``eval()`` call (cocotb makes a few per clock), so nearly the
whole design was evaluated there once more: in the loaded two-adapter top, 16,600 of
the generated C++ lines. Sampled at its clock's edge, a reset is state like any other,
and that logic runs only when the state it reads changes. The design enters and leaves
reset a clock after the port does.
"""

from amaranth import ClockDomain, ClockSignal, Module, ResetSignal, Signal
from amaranth.lib.wiring import In

__all__ = ["clock_and_reset", "define_with_sampled_reset"]


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
