"""One clocked process per clock and module in the simulation Verilog.

Yosys's Verilog writer gives every flip-flop its own process::

    always @(posedge clk)
      x <= \\$12 ;

Icarus Verilog wakes a thread per process on each edge, so the two-adapter top (912 such
processes) paid a thread wake-up per flip-flop per clock even when nothing changed:
about a fifth of ``vvp``'s time on an idle pair. :func:`merge_clocked_processes` gathers
a module's single-assignment processes of one clock into one ``begin ... end`` block.
The meaning is the same: every right-hand side is still read at the edge, before any
non-blocking update lands. Processes with more than one statement (memory write ports,
under their enable) are left as they are. Verilator builds the same model either way.

The released RTL (:mod:`msl_tools.release`) is Amaranth's output untouched; only the
Verilog the simulators build (:func:`msl_tools.tops.generate`) goes through this.
"""

from __future__ import annotations

import re

__all__ = ["merge_clocked_processes"]

_MODULE = re.compile(r"^module\s.*?^endmodule\n", re.M | re.S)
# exactly Yosys's form of one flip-flop: the event line on one clock edge (an escaped clock
# name keeps its closing space), then one non-blocking assignment to a named register;
# an asynchronous reset (``posedge clk, posedge rst`` and an ``if``) does not match
_NAME = r"(?:\\\S+ |[\w$.]+)"
_FLIP_FLOP = re.compile(rf"^  always @\((posedge {_NAME})\)\n"
                        rf"    ({_NAME}(?:\[[^\]\n]*\])? ?<= [^\n;]+;)\n", re.M)


def merge_clocked_processes(text: str) -> str:
    """``text`` with each module's one-assignment clocked processes merged per clock
    edge into one process at the module's end."""
    def merge_module(match: re.Match) -> str:
        by_edge: dict[str, list[str]] = {}

        def take(flip_flop: re.Match) -> str:
            by_edge.setdefault(flip_flop.group(1), []).append(flip_flop.group(2))
            return ""
        body = _FLIP_FLOP.sub(take, match.group(0))
        merged = "".join(f"  always @({edge}) begin\n"
                         + "".join(f"    {statement}\n" for statement in statements)
                         + "  end\n" for edge, statements in by_edge.items())
        end = body.rindex("endmodule")
        return body[:end] + merged + body[end:]
    return _MODULE.sub(merge_module, text)
