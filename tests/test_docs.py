"""The generated sections of docs/ match the declarations they are generated from."""

from msl_tools.docs import DOCS_DIR, SECTIONS, render


def test_docs_are_up_to_date():
    stale = [path.name for path in sorted(DOCS_DIR.glob("*.md"))
             if render(path.read_text()) != path.read_text()]
    assert not stale, f"run `python -m msl_tools.docs` to regenerate: {', '.join(stale)}"


def test_every_generated_section_is_used():
    text = "".join(path.read_text() for path in DOCS_DIR.glob("*.md"))
    unused = [name for name in SECTIONS if f"<!-- generated: {name} -->" not in text]
    assert not unused, f"generated sections no document shows: {unused}"


def test_driver_doc_maps_every_driver_test():
    """docs/driver.md's behaviour table names every cocotb test of the driver, and only
    tests that exist."""
    import re

    from cocotb_tests.harness import _cocotb_tests

    text = (DOCS_DIR / "driver.md").read_text()
    table = text.split("## Behaviours and their tests")[1].split("\n## ")[0]
    named = set(re.findall(r"`([a-z0-9_]+)`", table)) - {"make", "dual_link"}
    tests = set(_cocotb_tests("cocotb_tests.tb_msl_driver"))
    tests |= set(_cocotb_tests("cocotb_tests.tb_fail_over"))
    assert named <= tests, f"named in docs/driver.md but no such test: {named - tests}"
    assert tests <= named, f"driver tests docs/driver.md does not map: {tests - named}"
