"""A waveform file, VCD or FST, as the waveform tools read it (through pywellen, which
reads both and loads only the signals asked for).

Signal names are given the way GTKWave's save files name them: ``scope.name`` for one
bit, ``scope.name[9:0]`` for a vector.
"""

from __future__ import annotations

from pathlib import Path

import pywellen

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
        The file is not a waveform pywellen can read.
    """

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no waveform file {self.path}")
        try:
            self._wave = pywellen.Waveform(str(self.path))
        except Exception as error:  # pywellen raises its own parse errors
            raise ValueError(f"{self.path} is not a VCD or FST file pywellen can read: "
                             f"{error}") from error
        self._vars = {self._name(var): var for var in self._wave.all_vars()}
        scale = self._wave.timescale
        self.ns_per_unit = scale.factor * _NS_PER_UNIT[str(scale.unit).split(".")[-1].lower()]

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
