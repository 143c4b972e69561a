"""Locks between processes: one run at a time in a results folder (two runs of one test
on one build, two demos of a design or a demo and ``make test``, would share its folder
and waveform, the second's files overwriting the first's while it reads them, its summary
wrong without a word), and one worker at a time on a build."""

from __future__ import annotations

import fcntl
import os

from pathlib import Path

__all__ = ["RunLock"]


class RunLock:
    """A lock taken for the length of a run or a build: refused at once if it is held,
    or with ``wait`` waited for.

    Parameters
    ----------
    name : str
        What is locked, for the message.
    folder : Path
        Where the lock file goes (``<name>.lock``); the operating system lets the lock
        go when the process ends, however it ends.
    wait : bool
        Wait for the holder to finish instead of refusing.

    Raises
    ------
    RunLock.Busy
        On entering, while another process holds the lock (without ``wait``).
    """

    class Busy(RuntimeError):
        """Another process holds the lock."""

    def __init__(self, name: str, folder: Path, wait: bool = False):
        self.name, self.wait = name, wait
        self.path = Path(folder) / f"{name}.lock"
        self._file = None

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a+")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except BlockingIOError:
            self._file.seek(0)
            holder = self._file.read().strip() or "another process"
            self._file.close()
            raise self.Busy(f"another run of {self.name} is under way ({holder}); it uses "
                            "the results folder and waveform this one would write: wait "
                            "for it to finish") from None
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"process {os.getpid()}")
        self._file.flush()
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()
