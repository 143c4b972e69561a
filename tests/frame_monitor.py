"""Collecting what a deframer reports, clock by clock, in amaranth.sim testbenches."""

from msl_spec import STATUS_FLAGS

HEADER_FIELDS = ("kind", "seq", "count", "aux", "length")


class FrameMonitor:
    """Call :meth:`sample` once per clock with a ``FrameRxSignature`` interface.

    :attr:`frames` holds ``(header dict or None, payload bytes, set of status flags)``
    per finished frame; :attr:`orphans` counts orphan runs.
    """

    def __init__(self, frames_port):
        self.port = frames_port
        self.frames = []
        self.orphans = 0
        self._header = None
        self._payload = bytearray()

    def sample(self, ctx) -> None:
        port = self.port
        if ctx.get(port.header_valid):
            self._header = {name: ctx.get(getattr(port.header, name)) for name in HEADER_FIELDS}
            self._payload = bytearray()
        if ctx.get(port.payload_valid):
            self._payload.append(ctx.get(port.payload))
        if ctx.get(port.end):
            flags = {name for name, _ in STATUS_FLAGS if ctx.get(getattr(port.status, name))}
            self.frames.append((self._header, bytes(self._payload), flags))
            self._header, self._payload = None, bytearray()
        self.orphans += ctx.get(port.orphan)
