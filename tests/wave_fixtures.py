"""A small VCD of the two-adapter top's ports, written from the reference 8b/10b tables
and frame format (no simulator): the waveform tools' tests read it.

Lane ``a__lane_tx`` carries a LINK frame, DATA seq 17 (one message), then EMERGENCY;
``b__lane_tx`` an ACK of seq 17. Both lanes idle on commas between frames.
"""

from __future__ import annotations

import struct
from pathlib import Path

from linkmodel import code8b10b
from linkmodel.frames import Frame, frame_symbols
from msl_spec import ControlSymbol, FrameKind, LinkCommand

__all__ = ["CLOCK_PS", "A_FRAMES", "B_FRAMES", "frame_words", "write_pair_vcd"]

CLOCK_PS = 10_000
MESSAGE = struct.pack("<6I", 1, 2, 8, 4, 5, 6) + b"mirrored"
A_FRAMES = [Frame(FrameKind.LINK, aux=LinkCommand(1)), Frame(FrameKind.DATA, 17, 1,
            payload=MESSAGE), Frame(FrameKind.EMERGENCY)]
B_FRAMES = [Frame(FrameKind.ACK, 17, 1)]


def frame_words(frames, idle: int = 20) -> list[int]:
    """The 10-bit words of ``frames`` with ``idle`` commas before each and after."""
    rd, words = 0, []
    symbols = [(ControlSymbol.COMMA, True)] * idle
    for frame in frames:
        symbols += frame_symbols(frame) + [(ControlSymbol.COMMA, True)] * idle
    for byte, k in symbols:
        code, rd = code8b10b.encode(byte, k, rd)
        words.append(code)
    return words


def write_pair_vcd(path: Path, cut_at: int | None = None, a_frames=None) -> Path:
    """Write the VCD (``cut_at``: keep only that many bytes, as a stopped run leaves;
    ``a_frames``: other frames on ``a__lane_tx``)."""
    a, b = frame_words(a_frames or A_FRAMES), frame_words(B_FRAMES, idle=40)
    n = max(len(a), len(b))
    a, b = a + [a[-2], a[-1]] * n, b + [b[-2], b[-1]] * n  # idle on (alternating) commas
    lines = ["$timescale 1ps $end", "$scope module top $end", "$var wire 1 ! clk $end",
             '$var wire 10 " a__lane_tx [9:0] $end', "$var wire 10 # b__lane_tx [9:0] $end",
             "$var wire 1 $ a__irq $end", "$var wire 1 % b__irq $end",
             "$upscope $end", "$enddefinitions $end"]
    for i in range(n + 2):
        # Word i goes out on rising edge i (as a flip-flop's output), so the receiver
        # takes it in on edge i + 1.
        lines += [f"#{i * CLOCK_PS}", "1!", f'b{a[i]:010b} "', f"b{b[i]:010b} #",
                  f"{int(i > n // 2)}$", "0%", f"#{i * CLOCK_PS + CLOCK_PS // 2}", "0!"]
    text = ("\n".join(lines) + "\n").encode()
    path.write_bytes(text[:cut_at] if cut_at else text)
    return path
