"""8-bit sequence-number arithmetic (modulo 256) for the link protocol."""

__all__ = ["distance", "in_window"]


def distance(a, b):
    """``(a - b) mod 256``: how far ``a`` is after ``b``."""
    return (a - b)[:8]


def in_window(x, low, high, inclusive: bool = False):
    """``x`` lies in ``[low, high)`` (or ``[low, high]``) going forward from ``low``."""
    if inclusive:
        return distance(x, low) <= distance(high, low)
    return distance(x, low) < distance(high, low)
