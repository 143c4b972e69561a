"""Scoreboard for one direction of the PHY pair: what was sent against what was received.

The references are independent of the receiver under test: the frames the sender
queued, and the channel model's per-frame record of which frames it damaged.

Rules (a violation of any one fails the test):

1. Every frame reported good is a frame that was sent, intact, and later than the
   previous good frame (in order, never twice).
2. No frame the channel damaged is reported good.
3. No frame goes missing silently: between two good frames with missing ones in between,
   the receiver reported at least one error (a bad frame, an orphan run or a sync loss).
4. A frame the channel did not touch, nor the line just before it, arrives good, unless
   synchronisation was lost around it (then losing it is expected and, by rule 3,
   reported).
5. The receiver's counters agree with the events it reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from linkmodel.frames import Frame

__all__ = ["frame_index", "numbered_frame", "DirectionReport", "score_direction"]


def numbered_frame(index: int, kind: int, payload: bytes) -> Frame:
    """A frame whose header carries ``index`` (seq, count, aux = 24 bits)."""
    return Frame(kind, seq=index & 0xFF, count=index >> 8 & 0xFF, aux=index >> 16 & 0xFF,
                 payload=payload)


def frame_index(frame: Frame) -> int:
    return frame.seq | frame.count << 8 | frame.aux << 16


@dataclass
class DirectionReport:
    """Outcome of one direction; ``violations`` is empty when every rule held."""

    name: str
    sent: int = 0
    hit: int = 0
    good: int = 0
    bad: int = 0
    orphans: int = 0
    lost: int = 0
    lost_untouched: int = 0
    bad_by_reason: dict = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    def summary(self) -> str:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.bad_by_reason.items())) or "none"
        return (f"{self.name}: sent {self.sent}, hit by the channel {self.hit}, received good "
                f"{self.good}, rejected {self.bad} ({reasons}), orphan runs {self.orphans}, "
                f"missing {self.lost} (of them untouched by the channel {self.lost_untouched})")


def score_direction(name: str, sent: list[Frame], events: list, hits: list[bool],
                    rx_counters: dict, tx_counters: dict) -> DirectionReport:
    """Apply the rules above to one direction.

    ``events``: the receiver's :class:`cocotb_tests.phy_bfm.Received` in order, each with
    ``sync_losses`` = the receiver's sync-loss count when it happened; ``hits``: the
    channel's per-frame damage record ``(frame hit, line hit just before)``, in the
    order frames crossed it.
    """
    report = DirectionReport(name, sent=len(sent), hit=sum(h for h, _ in hits))
    fail = report.violations.append
    if len(hits) != len(sent):
        fail(f"the channel saw {len(hits)} frames, {len(sent)} were sent")
        hits = (hits + [(True, True)] * len(sent))[:len(sent)]

    received_at = {}  # index of a sent frame -> position of its good event
    previous = -1
    for position, event in enumerate(events):
        if event.kind == "orphan":
            report.orphans += 1
            continue
        if not event.good:
            report.bad += 1
            for reason in event.reasons():
                report.bad_by_reason[reason] = report.bad_by_reason.get(reason, 0) + 1
            continue
        report.good += 1
        frame = event.frame()
        index = frame_index(frame)
        if not 0 <= index < len(sent) or sent[index] != frame:
            fail(f"rule 1: a frame reported good at {event.time_ns} ns was never sent "
                 f"intact: {frame.describe()}")
            continue
        if index <= previous:
            fail(f"rule 1: frame {index} reported good after frame {previous} "
                 "(out of order or twice)")
        if hits[index][0]:
            fail(f"rule 2: frame {index} was damaged on the line but reported good")
        previous = index
        received_at[index] = position

    # Rules 3 and 4, gap by gap between consecutive good frames.
    goods = sorted(received_at)
    bounds = [(-1, -1)] + [(i, received_at[i]) for i in goods] + [(len(sent), len(events))]
    for (low, low_pos), (high, high_pos) in zip(bounds, bounds[1:]):
        missing = range(low + 1, high)
        if not missing:
            continue
        report.lost += len(missing)
        between = events[low_pos + 1:high_pos]
        before = events[low_pos].sync_losses if low_pos >= 0 else 0
        after = events[high_pos].sync_losses if high_pos < len(events) else \
            rx_counters["rx_sync_losses"]
        sync_lost = after > before
        reported = sync_lost or any(e.kind == "orphan" or not e.good for e in between)
        if not reported:
            fail(f"rule 3: frames {missing.start}..{missing.stop - 1} went missing and the "
                 "receiver reported nothing")
        untouched = [i for i in missing if not any(hits[i])]
        report.lost_untouched += len(untouched)
        if untouched and not sync_lost:
            fail(f"rule 4: frames {untouched[:8]} and the line before them were not damaged, "
                 "no sync was lost, yet they did not arrive")

    expected = {
        "rx_frames_good": report.good,
        "rx_frames_bad": report.bad,
        "rx_orphans": report.orphans,
        **{f"rx_{reason}": count for reason, count in report.bad_by_reason.items()},
    }
    for counter, value in expected.items():
        if rx_counters[counter] != value:
            fail(f"rule 5: counter {counter} = {rx_counters[counter]}, events say {value}")
    if tx_counters["tx_frames"] != len(sent):
        fail(f"rule 5: tx_frames = {tx_counters['tx_frames']}, {len(sent)} were sent")
    return report
