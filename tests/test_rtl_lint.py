"""Every generated top is Verilator -Wall lint clean (with the justified waivers of
msl_tools/verilator_waivers.vlt), as `make lint` checks."""

import shutil

import pytest

from cocotb_tests.harness import generated_verilog
from msl_tools.tops import TOPS, variants
from msl_tools.verilog_checks import verilator_lint

#: Every top but the two-adapter test tops, which add nothing to lint: they are two
#: adapters (linted as msl_adapter) and the channel model (linted in phy_pair).
ALL_VARIANTS = [variant for top in TOPS if top != "adapter_pair" for variant in variants(top)]


@pytest.mark.parametrize("variant", ALL_VARIANTS, ids=lambda v: v.name)
def test_generated_rtl_is_lint_clean(variant):
    if shutil.which("verilator") is None:
        pytest.fail("verilator is not on PATH: run the tests through `make test`")
    result = verilator_lint(generated_verilog(variant), variant.name)
    assert result.returncode == 0, result.stderr[-4000:]
