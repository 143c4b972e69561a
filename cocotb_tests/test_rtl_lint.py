"""Every generated top is Verilator -Wall lint clean (with the justified waivers of
hdl/verilator_waivers.vlt), as `make lint` checks."""

import shutil
import subprocess

import pytest

from cocotb_tests.harness import SIM_BUILD, VERILATOR_WAIVERS, locked
from hdl.tops import TOPS, generate, variants

#: Every top but the two-adapter test tops, which add nothing to lint: they are two
#: adapters (linted as msl_adapter) and the channel model (linted in phy_pair).
ALL_VARIANTS = [variant for top in TOPS if top != "adapter_pair" for variant in variants(top)]


@pytest.mark.parametrize("variant", ALL_VARIANTS, ids=lambda v: v.name)
def test_generated_rtl_is_lint_clean(variant):
    if shutil.which("verilator") is None:
        pytest.fail("verilator is not on PATH: run the tests through `make test`")
    with locked(f"rtl-{variant.name}"):
        verilog = generate(variant, SIM_BUILD / "rtl")
    result = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "--quiet", "--top-module", variant.name,
         str(VERILATOR_WAIVERS), str(verilog)],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-4000:]
