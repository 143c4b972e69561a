"""A frame timeline of both directions of a link, read out of a VCD.

    python -m msl_tools.waves.frame_timeline WAVES.vcd [--clock clk] [--json OUT]
                                       [--lane a_to_b=a__lane_tx ...]

decodes each side's transmit lane (:mod:`msl_tools.waves.vcd_lanes`) and prints one line per
frame, in time order: time, direction, kind, sequence number, length, CRC status (or
what else was wrong), and for a good DATA frame each message's six header values (EAX,
EBX, ECX, EDX, ESI, EDI), parsed from the payload as docs/dma.md lays a packet out: per
message a 24-byte header, then ECX data bytes padded to a multiple of 4.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from dataclasses import asdict, dataclass, field

from msl_spec import FrameKind, LinkCommand, NakReason

from linkmodel.frames import kind_name
from msl_tools.waves.vcd_lanes import TRUNCATED, decode_lane, find_signal
from msl_tools.waves.wave_file import WaveFile

__all__ = ["TimelineEntry", "packet_messages", "timeline", "DEFAULT_LANES"]

#: Direction name → the lane that carries it (the adapter-pair top's ports).
DEFAULT_LANES = {"a_to_b": "a__lane_tx", "b_to_a": "b__lane_tx"}

_HEADER = struct.Struct("<6I")


@dataclass
class TimelineEntry:
    """One frame on the line."""

    time_ns: float
    direction: str
    kind: str
    seq: int | None
    count: int | None
    length: int | None
    status: str                      # "good", or the receiver's reasons for rejecting it
    detail: str = ""                 # LINK sub-command, NAK reason
    note: str = ""                   # a good DATA frame whose payload is no message packet
    messages: list = field(default_factory=list)   # DATA: [[eax, ebx, ecx, edx, esi, edi]]
    data: list = field(default_factory=list)       # DATA: each message's data bytes (hex)


def packet_messages(payload: bytes) -> list[tuple[tuple[int, ...], bytes]]:
    """The messages of a DATA payload: ``[(six header values, data), ...]``. Raises
    ValueError when the payload does not divide into whole messages."""
    messages, offset = [], 0
    while offset < len(payload):
        if offset + _HEADER.size > len(payload):
            raise ValueError(f"{len(payload) - offset} stray bytes after message "
                             f"{len(messages)}")
        header = _HEADER.unpack_from(payload, offset)
        start = offset + _HEADER.size
        data = payload[start:start + header[2]]
        if len(data) != header[2]:
            raise ValueError(f"message {len(messages)} claims {header[2]} bytes, "
                             f"{len(data)} are there")
        messages.append((header, data))
        offset = start + (header[2] + 3) // 4 * 4
    return messages


def _detail(header: dict) -> str:
    try:
        if header["kind"] == FrameKind.LINK:
            return LinkCommand(header["aux"]).name
        if header["kind"] == FrameKind.NAK:
            return NakReason(header["aux"]).name
    except ValueError:
        return f"aux {header['aux']}"
    return ""


def timeline(wave, lanes: dict[str, str] | None = None,
             clock: str = "clk") -> list[TimelineEntry]:
    """Every frame on the given lanes (direction → lane signal), in time order.
    ``wave``: a VCD or FST file's path, or an open :class:`WaveFile`."""
    wave = wave if isinstance(wave, WaveFile) else WaveFile(wave)
    lanes = lanes or DEFAULT_LANES
    try:  # the clock and every lane in one pass over a VCD
        wave.prefetch([find_signal(wave.names, name) for name in [clock, *lanes.values()]])
    except KeyError:
        pass  # decode_lane names what is missing
    entries = []
    for direction, lane in lanes.items():
        for frame in decode_lane(wave, lane, clock).frames:
            h = frame.header
            entry = TimelineEntry(
                frame.start, direction, kind_name(h["kind"]) if h else "?",
                h["seq"] if h else None, h["count"] if h else None,
                h["length"] if h else None,
                "good" if frame.good else ",".join(frame.errors), _detail(h) if h else "")
            if frame.good and h["kind"] == FrameKind.DATA:
                try:
                    parsed = packet_messages(frame.payload)
                except ValueError as error:
                    # The frame is good (the receiver takes it, as vcd_lanes says); only
                    # its payload is not laid out as messages (the PHY demo's are random).
                    entry.note = f"payload is not a message packet: {error}"
                else:
                    entry.messages = [list(values) for values, _ in parsed]
                    entry.data = [data.hex() for _, data in parsed]
            entries.append(entry)
    entries.sort(key=lambda e: (e.time_ns, e.direction))
    return entries


def _line(entry: TimelineEntry) -> str:
    numbers = " ".join(f"{name}={value}" for name, value in
                       (("seq", entry.seq), ("count", entry.count), ("len", entry.length))
                       if value is not None)
    what = f"{entry.kind} {entry.detail}".strip()
    text = f"{entry.time_ns:>14.1f}  {entry.direction:6}  {what:18} {numbers:26} {entry.status}"
    if entry.note:
        text += f" ({entry.note})"
    for values in entry.messages:
        text += "\n" + " " * 24 + "message " + " ".join(
            f"{name}={value:#010x}" for name, value in zip(("eax", "ebx", "ecx", "edx",
                                                            "esi", "edi"), values))
    return text


def _lane_argument(text: str) -> tuple[str, str]:
    direction, _, lane = text.partition("=")
    if not lane:
        raise argparse.ArgumentTypeError(f"expected DIRECTION=LANE_SIGNAL, not {text!r}")
    return direction, lane


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vcd")
    parser.add_argument("--lane", action="append", type=_lane_argument,
                        help="DIRECTION=SIGNAL (repeatable; default: a_to_b=a__lane_tx "
                             "b_to_a=b__lane_tx)")
    parser.add_argument("--clock", default="clk")
    parser.add_argument("--json", help="also write the timeline (message data included) "
                                       "as JSON here")
    args = parser.parse_args(argv)
    try:
        wave = WaveFile(args.vcd)
        if wave.truncated:
            print(TRUNCATED.format(path=args.vcd), file=sys.stderr)
        entries = timeline(wave, dict(args.lane) if args.lane else None, args.clock)
    except (KeyError, FileNotFoundError, ValueError) as error:
        parser.error(str(error).strip("'"))
    print(f"{'time (ns)':>14}  {'dir':6}  {'kind':18} {'header':26} status")
    for entry in entries:
        print(_line(entry))
    good = sum(e.status == "good" for e in entries)
    print(f"{len(entries)} frames, {good} good, "
          f"{sum(len(e.messages) for e in entries)} messages in good DATA frames")
    if args.json:
        with open(args.json, "w") as file:
            json.dump([asdict(e) for e in entries], file, indent=1)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
