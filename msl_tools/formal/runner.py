"""Running a property set: its proof, its covers and each of its mutations, each a
SymbiYosys job under ``sim_build/formal/<set>/``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from msl_tools.formal.catalogue import PropertySet
from msl_tools.formal.sby import Outcome, Toolchain, run_job

__all__ = ["Check", "run_property_set"]


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, what was wanted, what came out."""

    property_set: str
    check: str          # "proof", "cover" or "mutation <name>"
    wanted: str         # "PASS" (proof, cover) or "FAIL" (a mutation must be caught)
    outcome: Outcome
    about: str = ""     # the mutation's description

    @property
    def ok(self) -> bool:
        return self.outcome.result == self.wanted

    def as_dict(self) -> dict:
        return {"property_set": self.property_set, "check": self.check,
                "wanted": self.wanted, "ok": self.ok, "about": self.about,
                **asdict(self.outcome)}


def run_property_set(property_set: PropertySet, toolchain: Toolchain, out: Path,
                     mutations: bool = True, progress=print) -> list[Check]:
    """The proof (``property_set.mode`` to its depth), the covers, and (with
    ``mutations``) each mutation, which must fail within ``mutation_depth``."""
    folder = out / property_set.name
    checks = []

    def run(check, wanted, harness, mode, depth, about=""):
        progress(f"{property_set.name}: {check} ({mode}, depth {depth}) ...")
        outcome = run_job(harness, folder, check.replace(" ", "-"), mode, depth, toolchain)
        done = Check(property_set.name, check, wanted, outcome, about)
        verdict = outcome.result if wanted == "PASS" else \
            ("caught" if done.ok else f"NOT CAUGHT ({outcome.result})")
        progress(f"{property_set.name}: {check}: {verdict} in {outcome.seconds} s")
        if not done.ok:
            for finding in outcome.findings:
                progress(f"    {finding}")
            if outcome.trace:
                progress(f"    trace: {outcome.trace}")
            progress(f"    log: {outcome.log}")
        checks.append(done)

    run("proof", "PASS", property_set.harness(), property_set.mode, property_set.depth)
    run("cover", "PASS", property_set.harness(), "cover", property_set.cover_depth)
    if mutations:
        for name, about in property_set.mutations.items():
            run(f"mutation {name}", "FAIL", property_set.harness(name), "bmc",
                property_set.mutation_depth, about)
    return checks
