"""White-box probes: a block's internal registers, found by name, for the lemmas that let
a proof converge.

A property stated on a block's ports alone is not k-inductive when the block keeps
counters the ports do not show (the solver may start from any assignment of them). The
harness then states how those counters relate to its own reference model, as lemmas
that are proved like any other assertion. They are found here by the names the block
gives them; if the block renames one, the harness stops with a one-line error naming
it rather than proving something weaker.
"""

from amaranth.hdl import Fragment

__all__ = ["ProbeError", "elaborated_with_probes", "fsm_state", "fsm_states"]


class ProbeError(LookupError):
    """A register the harness reads is not in the block (renamed or removed)."""


def _signals(statements):
    for statement in statements:
        # Amaranth has no public walk of a statement's targets; _lhs_signals is the one
        # its own netlist builder uses.
        yield from statement._lhs_signals()


def elaborated_with_probes(block, *names, platform=None):
    """Elaborate ``block`` now and return ``(fragment, probes)``: the fragment to add as
    the harness's submodule in its place, and ``{name: signal}`` for each of ``names``
    (an FSM's state register is named ``<fsm name>_state``; :func:`fsm_state` reads its
    encoding).

    Raises
    ------
    ProbeError
        If a name is not a register or signal driven in the block's own module.
    """
    fragment = Fragment.get(block, platform)
    found = {}
    for statements in fragment.statements.values():
        for signal in _signals(statements):
            if signal.name in names:
                found.setdefault(signal.name, signal)
    missing = [name for name in names if name not in found]
    if missing:
        raise ProbeError(f"{type(block).__name__} has no signal {', '.join(missing)} "
                         f"(renamed in hdl/? the formal harness reads it)")
    return fragment, found


def fsm_states(state_signal) -> dict[str, int]:
    """``{state name: encoding}`` of an FSM's state register (from its decoder, which
    shows a value as ``"<name>/<value>"``)."""
    states = {}
    for value in range(1 << len(state_signal)):
        try:
            states[state_signal.decoder(value).rsplit("/", 1)[0]] = value
        except KeyError:
            continue
    return states


def fsm_state(state_signal, name: str) -> int:
    """The encoding of state ``name`` in an FSM's state register."""
    states = fsm_states(state_signal)
    if name not in states:
        raise ProbeError(f"FSM {state_signal.name} has no state {name!r}")
    return states[name]
