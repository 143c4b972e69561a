"""The frame format on the wire, in Python: build a frame's symbols, parse a symbol stream.

Used by the tests to describe what was sent and by the waveform tools to read a lane
back into frames. The constants (control symbols, kinds, header layout) come from
:mod:`msl_spec.frame_format`, the single source; the parsing here is written independently of
the gateware's deframer.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from msl_spec import (CRC_BYTES, HEADER_BYTES, ControlSymbol, FrameKind, pack_header,
    unpack_header)

__all__ = ["Frame", "ParsedFrame", "frame_symbols", "FrameParser", "kind_name"]

_KINDS = {kind.value for kind in FrameKind}


@dataclass(frozen=True)
class Frame:
    """A frame as the link layer hands it to the PHY."""

    kind: int
    seq: int = 0
    count: int = 0
    aux: int = 0
    payload: bytes = b""

    def header(self) -> bytes:
        return pack_header(kind=self.kind, seq=self.seq, count=self.count, aux=self.aux,
                           length=len(self.payload))

    def describe(self) -> str:
        return (f"{kind_name(self.kind)} seq={self.seq} count={self.count} aux={self.aux} "
                f"len={len(self.payload)}")


def kind_name(kind: int) -> str:
    """A frame kind's name (``"DATA"``), or ``"kind N"`` for a value no kind has."""
    try:
        return FrameKind(kind).name
    except ValueError:
        return f"kind {kind}"


def frame_symbols(frame: Frame) -> list[tuple[int, bool]]:
    """The symbols ``(byte, k)`` of one frame, from START to END."""
    body = frame.header() + frame.payload
    body += struct.pack("<I", zlib.crc32(body))
    return ([(ControlSymbol.START, True)] + [(b, False) for b in body]
            + [(ControlSymbol.END, True)])


@dataclass
class ParsedFrame:
    """A frame found in a symbol stream, with what was wrong with it.

    ``errors`` holds names of :data:`msl_spec.STATUS_FLAGS` (the receiver's
    vocabulary), empty for a good frame.
    """

    start: int                  # index (or time) of the START symbol
    header: dict | None = None  # None if the header never completed
    payload: bytes = b""
    errors: list[str] = field(default_factory=list)
    crc_ok: bool | None = None

    @property
    def good(self) -> bool:
        return not self.errors

    def frame(self) -> Frame:
        """The frame's content as a :class:`Frame` (for comparison with what was sent)."""
        h = self.header or {}
        return Frame(h.get("kind", 0), h.get("seq", 0), h.get("count", 0), h.get("aux", 0),
                     self.payload)


class FrameParser:
    """Feed symbols one by one; complete frames appear in :attr:`frames`.

    Symbols are ``(byte, k, invalid)``, ``invalid`` marking a code or disparity error.
    The judgement follows ``docs/frame-format.md``: a control symbol inside a frame ends
    it (``ABORT``: aborted; ``START``: truncated, and a new frame opens; else truncated),
    data after the CRC is overlong, a control symbol other than END after the CRC is a
    bad delimiter, an unknown kind or a length over ``max_payload`` is a bad header, an
    invalid code word is a code error. A frame judged bad is skipped up to the next
    control symbol.
    """

    def __init__(self, max_payload: int = 65535):
        self.max_payload = max_payload
        self.frames: list[ParsedFrame] = []
        self.orphans: list[int] = []  # where runs of stray symbols began
        self._current: ParsedFrame | None = None
        self._body = bytearray()
        self._skipping = False
        self._in_orphan_run = False

    def _finish(self, error: str | None = None) -> None:
        frame = self._current
        if error:
            frame.errors.append(error)
        self.frames.append(frame)
        self._current = None
        self._skipping = False

    def _open(self, where) -> None:
        self._current = ParsedFrame(start=where)
        self._body = bytearray()
        self._skipping = False

    def feed(self, byte: int, k: bool, invalid: bool = False, where=None) -> None:
        frame = self._current
        if frame is None:  # between frames
            if invalid:
                return
            if k and byte == ControlSymbol.START:
                self._in_orphan_run = False
                self._open(where)
            elif k and byte == ControlSymbol.COMMA:
                self._in_orphan_run = False
            elif not self._in_orphan_run:
                self._in_orphan_run = True
                self.orphans.append(where)
            return
        if self._skipping:  # judged bad already: skip to the next control symbol
            if not invalid and k:
                self._current = None
                self._skipping = False
                if byte == ControlSymbol.START:
                    self._open(where)
            return
        if invalid:
            self._skip("code_error")
            return

        body = self._body
        header_done = len(body) >= HEADER_BYTES
        length = frame.header["length"] if frame.header else None
        crc_done = header_done and len(body) == HEADER_BYTES + length + CRC_BYTES
        if k:
            if crc_done and byte == ControlSymbol.END:
                frame.crc_ok = zlib.crc32(bytes(body[:-CRC_BYTES])) == \
                    int.from_bytes(body[-CRC_BYTES:], "little")
                self._finish(None if frame.crc_ok else "crc_error")
            elif byte == ControlSymbol.ABORT:
                self._finish("aborted")
            elif byte == ControlSymbol.START:
                self._finish("bad_delimiter" if crc_done else "truncated")
                self._open(where)
            else:
                self._finish("bad_delimiter" if crc_done else "truncated")
            return
        if crc_done:
            self._skip("overlong")
            return
        body.append(byte)
        if len(body) == HEADER_BYTES:
            frame.header = unpack_header(bytes(body))
            if frame.header["kind"] not in _KINDS or frame.header["length"] > self.max_payload:
                self._skip("bad_header")
        elif header_done and len(body) <= HEADER_BYTES + length:
            frame.payload = bytes(body[HEADER_BYTES:])

    def feed_data(self, data: bytes, where=None) -> None:
        """Feed a run of valid data symbols at once: the same as ``feed(byte, False)``
        for each byte of ``data``, ``where`` being the first one's (no later byte of a
        run records a position: only a run's first byte can start an orphan run)."""
        if not data:
            return
        frame = self._current
        if frame is None:
            if not self._in_orphan_run:
                self._in_orphan_run = True
                self.orphans.append(where)
            return
        if self._skipping:
            return
        body = self._body
        offset = 0
        if len(body) < HEADER_BYTES:  # complete the header first: it sets the length
            offset = HEADER_BYTES - len(body)
            body += data[:offset]
            if len(body) < HEADER_BYTES:
                return
            frame.header = unpack_header(bytes(body))
            if frame.header["kind"] not in _KINDS or frame.header["length"] > self.max_payload:
                self._skip("bad_header")
                return
        length = frame.header["length"]
        room = HEADER_BYTES + length + CRC_BYTES - len(body)
        body += data[offset:offset + room]
        frame.payload = bytes(body[HEADER_BYTES:HEADER_BYTES + length])
        if len(data) - offset > room:  # data after the CRC
            self._skip("overlong")

    def sync_lost(self) -> None:
        """The receiver lost symbol synchronisation: an open frame ends ("sync_lost")."""
        if self._current is not None and not self._skipping:
            self._finish("sync_lost")
        self._current = None
        self._skipping = False
        self._in_orphan_run = False

    def _skip(self, error: str) -> None:
        self.frames.append(self._current)
        self._current.errors.append(error)
        self._skipping = True
