"""The simulation Verilog's flip-flops: one register and one process per clock and module.

Yosys's Verilog writer gives every flip-flop its own process and register::

    reg [3:0] x = 4'h0;
    always @(posedge clk)
      x <= \\$12 ;

Icarus Verilog runs each process on every edge: it wakes a thread, loads the right-hand
side and schedules a non-blocking update, whether the value changes or not. The
two-adapter top has 912 such processes, and they were most of ``vvp``'s time on an idle
pair. :func:`merge_clocked_processes` rewrites each module's flip-flops of one clock into
one wide register, loaded from the concatenation of their inputs in one process::

    wire [7:0] \\flip_flops$clk$d ;
    assign \\flip_flops$clk$d  = { \\$12 , \\$13  };
    reg [7:0] \\flip_flops$clk  = { 4'h0, 4'h5 };
    always @(posedge clk) begin
      \\flip_flops$clk  <= \\flip_flops$clk$d ;
    end
    wire [3:0] x;
    assign x = \\flip_flops$clk [7:4];

The concatenation and the part selects are continuous assignments, which ``vvp``
evaluates only when a value changes. The meaning is the same: every input is still
sampled at the edge, before any flip-flop's new value lands, and every flip-flop keeps
its name (and so its place in waveforms) and its initial value. A flip-flop whose
declaration or input this does not recognise (a part select, a signed register, an
asynchronous reset, a memory port under its enable) keeps its own process, inside the
clock's one.

Only Icarus gets this Verilog (:func:`msl_tools.tops.icarus_verilog`). Verilator's
scheduler already evaluates a flip-flop only through its clock's function, and the wide
concatenation costs it: the loaded pair ran at 78-83k clocks a second with it against
100-118k without (same machine, same hour). The released RTL (:mod:`msl_tools.release`)
is Amaranth's output untouched.
"""

from __future__ import annotations

import re

__all__ = ["merge_clocked_processes"]

_MODULE = re.compile(r"^module\s.*?^endmodule\n", re.M | re.S)
# a Verilog name as Yosys writes it: escaped ones end with a space
_NAME = r"(?:\\\S+ |[\w$.]+)"
# exactly Yosys's form of one flip-flop: the event line on one clock edge, then one
# non-blocking assignment to a named register; an asynchronous reset (``posedge clk,
# posedge rst`` and an ``if``) does not match
_FLIP_FLOP = re.compile(rf"^  always @\(posedge ({_NAME})\)\n"
                        rf"    ({_NAME})( ?<= )([^\n;]+?) ?;\n", re.M)
# a register with a sized initial value, and any net's width (wire or reg)
_REGISTER = re.compile(rf"^  reg (?:\[(\d+):0\] )?({_NAME})( = (\d+'[hdb][0-9a-fA-F_xz]+))?;\n",
                       re.M)
_NET = re.compile(rf"^  (?:wire|reg) (?:\[(\d+):0\] )?({_NAME})(?: = [^;\n]+)?;\n", re.M)


def _spelled(name: str) -> str:
    """``name`` as it may be followed by punctuation (an escaped name keeps its space)."""
    return name + " " if name.startswith("\\") else name


def _merge_module(module: str) -> str:
    registers = {m.group(2).strip(): m for m in _REGISTER.finditer(module)}
    widths = {m.group(2).strip(): int(m.group(1) or 0) + 1 for m in _NET.finditer(module)}
    by_clock: dict[str, list[re.Match]] = {}

    def take(flip_flop: re.Match) -> str:
        by_clock.setdefault(flip_flop.group(1).strip(), []).append(flip_flop)
        return ""
    body = _FLIP_FLOP.sub(take, module)

    added = []
    for clock, flip_flops in by_clock.items():
        packed, alone = [], []
        for flip_flop in flip_flops:
            target, source = flip_flop.group(2).strip(), flip_flop.group(4).strip()
            register = registers.get(target)
            if (register is not None and register.group(4) is not None
                    and widths.get(target) == widths.get(source)):
                packed.append((target, source, widths[target], register))
            else:
                alone.append(f"    {flip_flop.group(2)}{flip_flop.group(3)}"
                             f"{flip_flop.group(4)};\n")
        statements = "".join(alone)
        if packed:
            name = "\\flip_flops$" + clock.lstrip("\\")
            if name in widths:
                raise ValueError(f"a net is already named {name!r}")
            width = sum(w for _, _, w, _ in packed)
            inputs = ", ".join(_spelled(source) for _, source, _, _ in packed)
            initial = ", ".join(register.group(4) for _, _, _, register in packed)
            added.append(f"  wire [{width - 1}:0] {name}$d ;\n"
                         f"  assign {name}$d  = {{ {inputs} }};\n"
                         f"  reg [{width - 1}:0] {name}  = {{ {initial} }};\n")
            statements = f"    {name}  <= {name}$d ;\n" + statements
            high = width - 1
            for target, _, w, register in packed:
                # the register's declaration becomes a wire's, driven by its bits
                body = body.replace(register.group(0), register.group(0).replace(
                    "  reg ", "  wire ", 1).replace(register.group(3), "", 1), 1)
                added.append(f"  assign {_spelled(target)} = {name} [{high}:{high - w + 1}];\n")
                high -= w
        added.append(f"  always @(posedge {_spelled(clock)}) begin\n{statements}  end\n")
    end = body.rindex("endmodule")
    return body[:end] + "".join(added) + body[end:]


def merge_clocked_processes(text: str) -> str:
    """``text`` with each module's one-assignment flip-flops gathered per clock into one
    register and one process at the module's end."""
    return _MODULE.sub(lambda match: _merge_module(match.group(0)), text)
