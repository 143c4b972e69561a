"""A waveform file, VCD or FST, as the waveform tools read it (through pywellen, which
reads both and loads only the signals asked for).

Signal names are given the way GTKWave's save files name them: ``scope.name`` for one
bit, ``scope.name[9:0]`` for a vector.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pywellen

from msl_tools.waves.vcd_scan import scan_vcd, vcd_header, vcd_identifiers

__all__ = ["WaveFile"]

_NS_PER_UNIT = {"fs": 1e-6, "ps": 1e-3, "ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


class WaveFile:
    """One waveform file.

    Parameters
    ----------
    path : str or Path
        A VCD or FST file (the simulators write VCD from Verilator, FST from Icarus).

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        The file is not a waveform pywellen can read (a VCD cut off inside its
        header, an FST cut off anywhere: an FST's index is written at the end).

    Attributes
    ----------
    truncated : bool
        A VCD whose last line is cut off, as a simulation stopped by Ctrl-C or a
        crash leaves it: what is complete can be read, the end of the run is missing.
    """

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no waveform file {self.path}")
        try:
            self._wave = pywellen.Waveform(str(self.path))
        except Exception as error:  # pywellen raises its own parse errors
            if self.path.stat().st_size == 0:
                raise ValueError(f"{self.path} is empty: the simulation wrote no "
                                 "waveform") from None
            if self._header_cut_off(self.path):
                raise ValueError(f"{self.path} is truncated inside its header (no "
                                 "$enddefinitions): the simulation stopped before any "
                                 "value was written") from None
            if self.path.suffix.lower() == ".fst":
                reason = " ".join(str(error).split())
                raise ValueError(f"{self.path} cannot be read as FST ({reason}): an FST is "
                                 "whole only once the simulation closed it, and one cut "
                                 "off is unreadable (a cut-off VCD can be read up to the "
                                 "cut)") from None
            raise ValueError(f"{self.path} is not a VCD or FST file pywellen can read: "
                             f"{error}") from error
        self.truncated = self._cut_off(self.path)
        self._arrays = {}
        self._vcd_ids = None  # a VCD's identifiers, read when first needed
        self._vars = {self._name(var): var for var in self._wave.all_vars()}
        scale = self._wave.timescale
        self.ns_per_unit = scale.factor * _NS_PER_UNIT[str(scale.unit).split(".")[-1].lower()]

    @staticmethod
    def _cut_off(path: Path) -> bool:
        """A VCD not ending at a line's end (simulators write whole lines; a write
        buffer flushed by a stopped process ends wherever it was)."""
        if path.suffix.lower() != ".vcd" or path.stat().st_size == 0:
            return False
        with open(path, "rb") as file:
            file.seek(-1, 2)
            return file.read(1) != b"\n"

    @staticmethod
    def _header_cut_off(path: Path) -> bool:
        """A VCD's start (``$`` keywords) with no end of its definitions."""
        with open(path, "rb") as file:
            start = file.read(1 << 20)
        return start.lstrip().startswith(b"$") and b"$enddefinitions" not in start

    @staticmethod
    def _name(var) -> str:
        width = var.bitwidth
        return var.full_name + (f"[{width - 1}:0]" if width and width > 1 else "")

    @property
    def names(self) -> list[str]:
        """Every signal's name, in the file's order."""
        return list(self._vars)

    def width(self, name: str) -> int:
        """Bits of signal ``name``."""
        return self._vars[name].bitwidth

    def changes(self, name: str) -> list[tuple[int, int | None]]:
        """``[(time, value), ...]`` of signal ``name``, time in the file's units; a value
        with X or Z bits is None."""
        return [(time, value if isinstance(value, int) else None)
                for time, value in self._vars[name].tv]

    def prefetch(self, names) -> None:
        """Read the changes of several signals at once (for :meth:`arrays`): of a VCD
        in one pass over the file (:mod:`msl_tools.waves.vcd_scan`), a few tenths of a
        second where a general reader parses every signal it holds."""
        if self.path.suffix.lower() != ".vcd":
            return
        if self._vcd_ids is None:
            self._vcd_ids = vcd_identifiers(vcd_header(self.path))
        wanted = {n: self._vcd_ids[n] for n in names
                  if n not in self._arrays and n in self._vcd_ids
                  and self._vcd_ids[n][1] <= 63}
        if wanted:
            self._arrays.update(scan_vcd(self.path, wanted))

    def arrays(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(times, values, known)`` of signal ``name`` as numpy arrays: int64 times in
        the file's units, int64 values (0 where ``known`` is False: X or Z bits).

        Raises
        ------
        ValueError
            The signal is wider than 63 bits (use :meth:`changes`).
        """
        if self.width(name) > 63:
            raise ValueError(f"{name} is {self.width(name)} bits wide; arrays hold 63")
        self.prefetch([name])
        if name not in self._arrays:  # an FST, or a name the VCD scan did not find
            changes = list(self._vars[name].tv)
            try:  # all values known: one conversion
                table = np.array(changes, dtype=np.int64).reshape(-1, 2)
                times, values = table[:, 0], table[:, 1]
            except (TypeError, ValueError):  # X or Z bits come as strings
                times = np.fromiter((time for time, _ in changes), np.int64, len(changes))
                values = np.fromiter((value if type(value) is int else -1
                                      for _, value in changes), np.int64, len(changes))
            known = values >= 0
            self._arrays[name] = times, np.where(known, values, 0), known
        return self._arrays[name]
