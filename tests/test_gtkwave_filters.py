"""The GTKWave filter processes spoken to as GTKWave does, through a pipe: the translate
filter answers each value line with the word's name before the next is sent; the
transaction filter answers a lane's trace with its frames, and again for a second trace.
Expected names come from the reference encoder, frames from the fixture that wrote them."""

import subprocess
import sys

import pytest

from linkmodel import code8b10b
from msl_spec import ControlSymbol
from tests.wave_fixtures import A_FRAMES, CLOCK_PS, frame_words

FILTER = [sys.executable, "-m", "msl_tools.waves.gtkwave_filters"]


@pytest.fixture
def process():
    started = []

    def start(mode):
        proc = subprocess.Popen(FILTER + [mode], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, bufsize=1)
        started.append(proc)
        return proc
    yield start
    for proc in started:
        proc.stdin.close()
        assert proc.wait(timeout=10) == 0


def _ask(proc, line: str) -> str:
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    return proc.stdout.readline().rstrip("\n")  # blocks if the filter buffered its answer


def test_symbol_filter_names_each_word_as_it_comes(process):
    proc = process("symbols")
    for rd in (0, 1):
        expected = {
            code8b10b.encode(ControlSymbol.COMMA, True, rd)[0]: "K28.5",
            code8b10b.encode(ControlSymbol.START, True, rd)[0]: "START",
            code8b10b.encode(ControlSymbol.END, True, rd)[0]: "END",
            code8b10b.encode(ControlSymbol.ABORT, True, rd)[0]: "ABORT",
            code8b10b.encode(0xB5, False, rd)[0]: "D21.5",
            code8b10b.encode(0x00, False, rd)[0]: "D0.0",
            code8b10b.encode(0xFC, True, rd)[0]: "K28.7",
        }
        for code, name in expected.items():
            assert _ask(proc, f"{code:03X}") == name  # hex as GTKWave shows a vector
    assert _ask(proc, "3FF") == "?3FF"      # no code word
    assert _ask(proc, "XXX") == "XXX"       # unknown bits pass through


def _transaction_input(words: list[int], name="top.a__lane_tx[9:0]") -> list[str]:
    """A lane's trace as GTKWave hands it to a transaction filter: changes only."""
    lines = ["$comment data_start 0x55d0 $end", f"$comment name {name} $end",
             "$timescale 1ps $end", "$comment min_time 0 $end",
             f"$comment max_time {len(words) * CLOCK_PS} $end", "$comment max_seqn 1 $end",
             '$comment args "frames" $end', "$scope module top $end",
             f"$comment seqn 1 {name} $end", "$var wire 10 1 a__lane_tx[9:0] $end",
             "$upscope $end", "$enddefinitions $end"]
    previous = None
    for index, word in enumerate(words):
        if word != previous:
            lines += [f"#{index * CLOCK_PS}", f"b{word:010b} 1"]
            previous = word
    return lines + ["$comment data_end 0x55d0 $end"]


def _answer(proc, lines: list[str]) -> list[str]:
    proc.stdin.write("\n".join(lines) + "\n")
    proc.stdin.flush()
    answer = []
    while not answer or answer[-1] != "$finish":
        answer.append(proc.stdout.readline().rstrip("\n"))
    return answer


def test_frame_filter_answers_each_trace_with_its_frames(process):
    proc = process(f"frames:{CLOCK_PS}")
    words = frame_words(A_FRAMES)
    for _ in range(2):  # GTKWave sends the trace again when it redraws
        answer = _answer(proc, _transaction_input(words))
        assert answer[0] == "$name frames top.a__lane_tx[9:0]"
        labels = [line.split(" ", 1)[1] for line in answer[1:-1] if " " in line]
        assert labels == ["LINK HELLO", "DATA seq 17 count 1 len 32", "EMERGENCY"]
        times = [int(line[1:].split(" ")[0]) for line in answer[1:-1]]
        assert times == sorted(times)
        # Each label starts at its frame's START word (20 idle commas before the first).
        start = next(int(line[1:].split()[0]) for line in answer if "LINK" in line)
        assert start == 20 * CLOCK_PS


def test_a_filter_without_a_mode_says_how_to_call_it():
    run = subprocess.run(FILTER, capture_output=True, text=True, timeout=30)
    assert run.returncode == 2 and "usage:" in run.stderr and "Traceback" not in run.stderr
