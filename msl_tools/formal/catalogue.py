"""The property sets ``make formal`` runs: for each, its harness, how it is proved (mode
and depth), how deep its covers are searched, and how deep a mutation's counterexample
is looked for."""

from __future__ import annotations

from dataclasses import dataclass

from msl_tools.formal.crc_properties import CrcHarness
from msl_tools.formal.deframer_properties import DeframerHarness
from msl_tools.formal.elastic_buffer_properties import ElasticBufferHarness

__all__ = ["PropertySet", "PROPERTY_SETS", "by_name"]


@dataclass(frozen=True)
class PropertySet:
    """One property set.

    Parameters
    ----------
    name : str
        As ``--only`` takes it, and its folder under ``sim_build/formal/``.
    harness : type
        A :class:`msl_tools.formal.harness.FormalHarness` subclass.
    mode : str
        ``prove`` (k-induction) where it converges, else ``bmc``.
    depth : int
        The induction length, or the bound of the BMC.
    cover_depth : int
        Steps searched for each cover.
    mutation_depth : int
        BMC bound in which each mutation must give a counterexample.
    summary : str
        What it proves, in one line.
    """

    name: str
    harness: type
    mode: str
    depth: int
    cover_depth: int
    mutation_depth: int
    summary: str

    @property
    def mutations(self) -> dict[str, str]:
        return self.harness.MUTATIONS


PROPERTY_SETS = (
    PropertySet("deframer", DeframerHarness, "prove", 4, 20, 20,
                "a frame is reported good exactly when it is good (delimiters, length, "
                "header, sync, code words; CRC fed exactly the frame's bytes)"),
    PropertySet("crc32", CrcHarness, "prove", 1, 8, 4,
                "the CRC block's register is the bit-serial CRC-32 of the bytes since "
                "start; residue_ok exactly at the residue"),
    PropertySet("elastic_buffer", ElasticBufferHarness, "bmc", 56, 60, 40,
                "commas deleted or repeated only beside commas (never inside a frame); no "
                "over/underflow within the clock bound, to the BMC depth"),
)


def by_name(name: str) -> PropertySet:
    """The property set called ``name``.

    Raises
    ------
    KeyError
        If there is none; the message lists the names.
    """
    for property_set in PROPERTY_SETS:
        if property_set.name == name:
            return property_set
    names = ", ".join(p.name for p in PROPERTY_SETS)
    raise KeyError(f"no property set {name!r} (there are: {names})")
