# amaranth: UnusedElaboratable=no
# (the parameter checks build sequencers that are never elaborated)
"""TransceiverResetSequencer in amaranth.sim: the statuses follow a script, one value a
clock, and the outputs are checked against the rules its docstring writes down."""

import pytest
from amaranth.sim import Simulator

from hdl.transceiver.reset_sequencer import DCU_TIMES, TransceiverResetSequencer

# Short times, so that every rule is exercised in a few hundred clocks.
TIMES = {"pll_timeout": 40, "tx_settle": 8, "cdr_timeout": 30, "rx_settle": 6,
         "reset_pulse": 3}
STAGES = 2
#: Clocks from a status change at the input to the outputs' answer: the synchronizer's
#: stages, and the clock the FSM takes to see it.
LATENCY = STAGES + 1
OUTPUTS = ("tx_pll_reset", "rx_cdr_reset", "tx_reset", "rx_reset", "tx_ready", "rx_ready")


def run(script):
    """Drive ``script`` (one ``(pll_locked, cdr_locked, signal_lost)`` a clock) into a
    sequencer; return the trace: per clock, the inputs and the outputs of that clock."""
    dut = TransceiverResetSequencer(**TIMES, stages=STAGES)
    trace = []

    async def testbench(ctx):
        for pll, cdr, los in script:
            ctx.set(dut.tx_pll_locked, pll)
            ctx.set(dut.rx_cdr_locked, cdr)
            ctx.set(dut.rx_signal_lost, los)
            trace.append({"pll": pll, "rx_good": cdr and not los, "los": los,
                          **{name: ctx.get(getattr(dut, name)) for name in OUTPUTS}})
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(testbench)
    sim.run()
    return trace


def spells(trace, key):
    """Per clock: how many clocks, up to and including it, ``key`` has been true."""
    run_length, out = 0, []
    for step in trace:
        run_length = run_length + 1 if step[key] else 0
        out.append(run_length)
    return out


def check_rules(trace):
    """The docstring's rules, on a trace. Returns the first broken rule, or None."""
    pll_spell, rx_spell = spells(trace, "pll"), spells(trace, "rx_good")
    for n, step in enumerate(trace):
        before = trace[n - 1] if n else None
        if step["tx_ready"] and step["tx_reset"]:
            return f"clock {n}: tx_ready while tx_reset"
        if step["rx_ready"] and (step["rx_reset"] or not step["tx_ready"]):
            return f"clock {n}: rx_ready while rx_reset or before tx_ready"
        if step["tx_reset"] and not step["rx_reset"]:
            return f"clock {n}: the receive lane out of reset before the transmit lane"
        if step["tx_pll_reset"] and not (step["tx_reset"] and step["rx_cdr_reset"]):
            return f"clock {n}: PLL reset pulsed without the lanes and the CDR held"
        # Rule 2: the transmit lane leaves reset after tx_settle clocks of lock.
        if before and before["tx_reset"] and not step["tx_reset"] \
                and pll_spell[n] < TIMES["tx_settle"]:
            return f"clock {n}: tx_reset fell after {pll_spell[n]} clocks of PLL lock"
        # Rule 3: the receive lane leaves reset after rx_settle clocks of CDR lock.
        if before and before["rx_reset"] and not step["rx_reset"] \
                and rx_spell[n] < TIMES["rx_settle"]:
            return f"clock {n}: rx_reset fell after {rx_spell[n]} clocks of CDR lock"
        # Rule 4: losses are answered within the synchronizer's latency.
        if n >= LATENCY and all(not s["pll"] for s in trace[n - LATENCY:n + 1]) \
                and step["tx_ready"]:
            return f"clock {n}: tx_ready {LATENCY} clocks into a loss of PLL lock"
        if n >= LATENCY and all(not s["rx_good"] for s in trace[n - LATENCY:n + 1]) \
                and step["rx_ready"]:
            return f"clock {n}: rx_ready {LATENCY} clocks into a loss of CDR lock or signal"
        # Rule 1: a PLL reset is a pulse of reset_pulse clocks.
        if not step["tx_pll_reset"] and before and before["tx_pll_reset"] \
                and trace_pulse_length(trace, n) != TIMES["reset_pulse"]:
            return f"clock {n}: a PLL reset pulse of {trace_pulse_length(trace, n)} clocks"
    return None


def trace_pulse_length(trace, end):
    """Length of the ``tx_pll_reset`` pulse that ended just before clock ``end``."""
    length = 0
    while end - length - 1 >= 0 and trace[end - length - 1]["tx_pll_reset"]:
        length += 1
    return length


def rising(trace, key):
    """Clocks at which ``key`` rises (a pulse or level starting)."""
    return [n for n in range(1, len(trace)) if trace[n][key] and not trace[n - 1][key]]


LOCKED = (1, 1, 0)
NO_PLL = (0, 0, 1)
PLL_ONLY = (1, 0, 1)          # the PLL locked, no signal on the line yet
PLL_NO_CDR = (1, 0, 0)        # a signal, the CDR not (yet) locked


def bring_up(pll_after=10, cdr_after=20):
    return [NO_PLL] * pll_after + [PLL_ONLY] * cdr_after + [LOCKED] * 40


def test_bring_up_follows_the_rules_and_ends_ready():
    trace = run(bring_up())
    assert check_rules(trace) is None
    end = trace[-1]
    assert (end["tx_ready"], end["rx_ready"], end["tx_reset"], end["rx_reset"]) == (1, 1, 0, 0)
    assert rising(trace, "tx_pll_reset") == [] and trace[0]["tx_pll_reset"]  # the start's
    # tx_ready comes tx_settle clocks (plus the synchronizer) after the PLL locked
    tx_up = trace.index(next(s for s in trace if s["tx_ready"]))
    assert tx_up == 10 + TIMES["tx_settle"] + LATENCY - 1
    rx_up = trace.index(next(s for s in trace if s["rx_ready"]))
    assert rx_up == 30 + TIMES["rx_settle"] + LATENCY - 1


def test_loss_of_signal_mid_run_restarts_the_receive_side_only():
    script = bring_up() + [PLL_ONLY] * 20 + [LOCKED] * 30
    trace = run(script)
    assert check_rules(trace) is None
    lost = 70 + LATENCY - 1
    assert trace[lost - 1]["rx_ready"] and not trace[lost]["rx_ready"]
    assert trace[lost]["rx_reset"] and trace[lost + 1]["rx_cdr_reset"]
    assert all(s["tx_ready"] and not s["tx_reset"] for s in trace[lost - 5:])
    assert trace[-1]["rx_ready"]


def test_cdr_loss_of_lock_mid_run_restarts_the_receive_side():
    trace = run(bring_up() + [PLL_NO_CDR] * 5 + [LOCKED] * 30)
    assert check_rules(trace) is None
    assert len(rising(trace, "rx_ready")) == 2
    assert all(s["tx_ready"] for s in trace[60:])


def test_pll_loss_restarts_everything():
    trace = run(bring_up() + [NO_PLL] * 6 + bring_up())
    assert check_rules(trace) is None
    lost = 70 + LATENCY - 1
    assert not trace[lost]["tx_ready"] and not trace[lost]["rx_ready"]
    assert trace[lost]["tx_reset"] and trace[lost]["rx_reset"]
    assert rising(trace, "tx_pll_reset") == [lost + 1]
    assert len(rising(trace, "tx_ready")) == 2 and trace[-1]["rx_ready"]


def test_pll_flicker_during_its_settle_time_starts_the_wait_again():
    script = [NO_PLL] * 10 + [PLL_ONLY] * 5 + [NO_PLL] + [PLL_ONLY] * 30 + [LOCKED] * 20
    trace = run(script)
    assert check_rules(trace) is None
    tx_up = trace.index(next(s for s in trace if s["tx_ready"]))
    assert tx_up == 16 + TIMES["tx_settle"] + LATENCY - 1


def test_pll_that_never_locks_is_reset_again_every_timeout():
    trace = run([NO_PLL] * 200)
    assert check_rules(trace) is None
    period = TIMES["reset_pulse"] + TIMES["pll_timeout"]
    assert rising(trace, "tx_pll_reset") == list(range(period, 200, period))
    assert not any(s["tx_ready"] for s in trace)


def test_cdr_that_never_locks_is_reset_again_only_while_there_is_a_signal():
    with_signal = run([NO_PLL] * 10 + [PLL_NO_CDR] * 150)
    assert check_rules(with_signal) is None
    assert len(rising(with_signal, "rx_cdr_reset")) >= 3
    without = run([NO_PLL] * 10 + [PLL_ONLY] * 150)
    assert rising(without, "rx_cdr_reset") == [], "no signal: the CDR is left to wait"
    assert not any(s["rx_ready"] for s in without + with_signal)


def test_the_rule_checker_catches_a_broken_sequence():
    """The checker itself: a trace with the transmit lane released too early fails."""
    trace = run(bring_up())
    broken = [dict(step) for step in trace]
    first_locked = 10
    for step in broken[first_locked + 2:]:
        step["tx_reset"] = 0
    assert "tx_reset fell" in check_rules(broken)


def test_times_for_a_clock_and_bad_parameters():
    sequencer = TransceiverResetSequencer.for_clock(12e6)
    assert sequencer.times["pll_timeout"] == 60_000          # 5 ms at 12 MHz
    assert sequencer.times["reset_pulse"] == 4               # never below 4 clocks
    assert TransceiverResetSequencer().times["cdr_timeout"] == round(
        DCU_TIMES["cdr_timeout"] * 125e6)
    with pytest.raises(ValueError, match="tx_settle"):
        TransceiverResetSequencer(pll_timeout=10, tx_settle=10)
    with pytest.raises(ValueError, match="reset_pulse must be"):
        TransceiverResetSequencer(reset_pulse=0)
