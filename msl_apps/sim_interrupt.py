"""Ctrl-C inside an application's simulator: end it at once, without a traceback.

A terminal sends SIGINT to the whole foreground process group, the simulator (and the
Python cocotb runs in it) included, which would print a KeyboardInterrupt traceback
from wherever cocotb was; the application's own process says "interrupted" instead.
"""

from __future__ import annotations

import os
import signal
import sys

__all__ = ["end_quietly_on_interrupt"]

#: The exit status of a process ended by SIGINT, as a shell reports it.
INTERRUPTED = 130


def _end(signum, frame) -> None:
    sys.stdout.flush()
    os._exit(INTERRUPTED)  # no Python unwinding: nothing to print, nothing half-written


def end_quietly_on_interrupt() -> None:
    """Install the handler (in the simulator's main thread, where cocotb imports the
    testbench)."""
    signal.signal(signal.SIGINT, _end)
