"""The generated sections of docs/ match the declarations they are generated from."""

from hdl.docs import DOCS_DIR, SECTIONS, render


def test_docs_are_up_to_date():
    stale = [path.name for path in sorted(DOCS_DIR.glob("*.md"))
             if render(path.read_text()) != path.read_text()]
    assert not stale, f"run `python -m hdl.docs` to regenerate: {', '.join(stale)}"


def test_every_generated_section_is_used():
    text = "".join(path.read_text() for path in DOCS_DIR.glob("*.md"))
    unused = [name for name in SECTIONS if f"<!-- generated: {name} -->" not in text]
    assert not unused, f"generated sections no document shows: {unused}"
