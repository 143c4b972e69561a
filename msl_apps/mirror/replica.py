"""What the mirrored servers mirror, and the oracle that judges a run. Pure Python.

Each server owns half of a key-value store (keys of its own origin) and changes it with
operations it also sends to its peer as SFT III messages. The peer applies them to its
copy. Both servers' stores are therefore equal exactly when every operation arrived
once, in order and intact: a lost operation leaves an old value, a duplicate replayed
late or a reordered pair leaves the wrong one.

:func:`audit` compares what one server sent with what its peer applied, message by
message, and counts what went wrong. It knows nothing of the link or the driver.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from msl_spec import MessageHeader

__all__ = ["Operation", "Replica", "Audit", "audit", "OPERATION_BYTES"]

_HEAD = struct.Struct("<4sBIH")   # magic, origin, number, key; the value follows
_MAGIC = b"MIRR"
#: The smallest message that carries an operation (with an empty value).
OPERATION_BYTES = _HEAD.size


@dataclass(frozen=True)
class Operation:
    """``key := value`` in the store of server ``origin`` (``"a"`` or ``"b"``); the
    ``number``-th operation that server made."""

    origin: str
    number: int
    key: int
    value: bytes

    def encode(self) -> bytes:
        return _HEAD.pack(_MAGIC, ord(self.origin), self.number, self.key) + self.value

    @classmethod
    def decode(cls, data: bytes) -> Operation:
        """The operation in a message's data; ValueError when it holds none."""
        if len(data) < _HEAD.size:
            raise ValueError(f"{len(data)} bytes cannot hold an operation")
        magic, origin, number, key = _HEAD.unpack_from(data)
        if magic != _MAGIC or chr(origin) not in "ab":
            raise ValueError("not an operation (bad magic or origin)")
        return cls(chr(origin), number, key, bytes(data[_HEAD.size:]))

    @classmethod
    def generate(cls, rng, origin: str, number: int, length: int,
               keys: int) -> Operation:
        """An operation whose encoding is ``length`` bytes, on one of ``keys`` keys."""
        if length < OPERATION_BYTES:
            raise ValueError(f"a message needs {OPERATION_BYTES} bytes for an operation, "
                             f"not {length}")
        return cls(origin, number, rng.randrange(keys), rng.randbytes(length - _HEAD.size))


@dataclass
class Replica:
    """One server's copy of the whole store and the log of operations it applied."""

    store: dict = field(default_factory=dict)   # (origin, key) -> value
    log: list = field(default_factory=list)     # operations, in the order applied

    def apply(self, operation: Operation) -> None:
        self.store[(operation.origin, operation.key)] = operation.value
        self.log.append(operation)

    def applied_from(self, origin: str) -> list[Operation]:
        return [op for op in self.log if op.origin == origin]


@dataclass
class Audit:
    """One direction of a run: what the sender sent and how it reached the peer."""

    sent: int = 0           # messages the sender's OS sent
    completed: int = 0      # messages ServerCommCompleted reported to the sender
    delivered: int = 0      # operations the peer applied (each counted once)
    lost: int = 0           # acknowledged to the sender but never applied, or missing
                            # with no error reported to the sender
    unreported_gap: int = 0  # of those, the ones missing with no error reported
    dropped: int = 0        # not applied, not acknowledged, and an error was reported
    duplicated: int = 0     # applied more than once
    reordered: int = 0      # applied after a later operation of the same sender
    corrupted: int = 0      # header or data differ from what was sent, or undecodable

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.reordered or self.corrupted)


def audit(sent: list[tuple[MessageHeader, bytes]],
          received: list[tuple[MessageHeader, bytes]],
          completed: set[int], sender_reported_error: bool) -> Audit:
    """Judge one direction.

    Parameters
    ----------
    sent : list of (MessageHeader, bytes)
        Every message the sender's OS sent, in order (its header as sent, its data).
    received : list of (MessageHeader, bytes)
        Every message the peer's OS applied, in order: the header it was handed (ESI is
        the sender's, ECX the full length) and the bytes copied for it.
    completed : set of int
        Indices (in ``sent``) of the messages ServerCommCompleted reported to the sender.
    sender_reported_error : bool
        Whether the sender's OS got a ServerCommDriverError: then messages neither
        applied nor acknowledged are dropped by design, not lost.
    """
    result = Audit(sent=len(sent), completed=len(completed))
    by_eax = {header.eax: index for index, (header, _) in enumerate(sent)}
    seen: set[int] = set()
    latest = -1
    for header, data in received:
        index = by_eax.get(header.eax)
        if index is None or sent[index] != (header, data):
            result.corrupted += 1
            continue
        if index in seen:
            result.duplicated += 1
            continue
        seen.add(index)
        result.delivered += 1
        if index < latest:
            result.reordered += 1
        latest = max(latest, index)
    for index in range(len(sent)):
        if index in seen:
            continue
        if index in completed:
            result.lost += 1           # the sender was told it arrived
        elif sender_reported_error:
            result.dropped += 1
        else:
            result.lost += 1
            result.unreported_gap += 1
    return result
