#!/usr/bin/env python3
"""Compile Verilator's runtime once for every simulator build of a regression.

Each Verilator build compiles the runtime library (``verilated.cpp``,
``verilated_vpi.cpp``, ... from the Verilator install) into its own folder, with the same
command every time; at ``-O2`` that is about 15 s of a build. The harness sets
``OBJCACHE`` (verilated.mk's prefix for every compile) to this script, which compiles a
runtime source once per distinct command and copies the object (and its dependency
file) into every later build. Any other compile (the design's own C++) runs unchanged.

    verilator_runtime_cache.py CXX ARGS...

The cache is ``$MSL_RUNTIME_CACHE`` (the harness sets it under ``sim_build/``); the
key is the compile command (without its output name) and the source's bytes.
Standard library only: make runs it with whatever ``python3`` is on PATH.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def _runtime_source(args: list[str]) -> Path | None:
    """The Verilator runtime source this command compiles, if it is one."""
    root = os.environ.get("VERILATOR_ROOT")
    for arg in args:
        if arg.endswith(".cpp"):
            source = Path(arg).resolve()
            if root and source.parent == (Path(root) / "include").resolve():
                return source
    return None


def _store(source: Path, destination: Path) -> None:
    """Copy atomically (parallel builds may store the same object at once)."""
    handle, temporary = tempfile.mkstemp(dir=destination.parent)
    os.close(handle)
    shutil.copyfile(source, temporary)
    os.replace(temporary, destination)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: verilator_runtime_cache.py CXX ARGS...", file=sys.stderr)
        return 2
    cache = os.environ.get("MSL_RUNTIME_CACHE")
    source = _runtime_source(argv[1:])
    if not cache or source is None or "-o" not in argv:
        return subprocess.call(argv)
    out_index = argv.index("-o") + 1
    output = Path(argv[out_index])
    key_parts = argv[:out_index - 1] + argv[out_index + 1:]
    key = hashlib.sha256("\0".join(key_parts).encode() + source.read_bytes()).hexdigest()
    folder = Path(cache) / key[:24]
    cached, depends = folder / output.name, folder / output.with_suffix(".d").name
    if cached.exists() and depends.exists():
        shutil.copyfile(cached, output)
        shutil.copyfile(depends, output.with_suffix(".d"))
        return 0
    status = subprocess.call(argv)
    if status == 0 and output.with_suffix(".d").exists():
        folder.mkdir(parents=True, exist_ok=True)
        _store(output, cached)
        _store(output.with_suffix(".d"), depends)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
