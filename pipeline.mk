# toongan pipeline: prep -> train -> sample -> eval, chained by file dependencies.
#
#   make -f pipeline.mk all                        # built-in cartoon faces, end to end
#   make -f pipeline.mk all DATA=~/my-faces        # your own folder or archive of images
#   make -f pipeline.mk train RESUME=1 MINUTES=30  # continue training from the latest checkpoint
#   make -f pipeline.mk help                       # every target and variable
#
# Each stage writes files that the next one reads; make re-runs a stage only
# when its inputs (binaries, data, options) changed. Options are recorded in
# small ".opts" files, so changing SIZE or SEED re-runs prep and what follows.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
GO    ?= go
BIN   ?= bin

# ---- what to run on ---------------------------------------------------------
DATA     ?=
ifeq ($(strip $(DATA)),)
NAME     ?= builtin
else
NAME     ?= $(basename $(basename $(notdir $(patsubst %/,%,$(DATA)))))
endif
SIZE     ?= 64
SEED     ?= 1
HOLDOUT  ?= 0.05
BUILTIN  ?= 20000
# ---- training budget ----------------------------------------------------------
MINUTES  ?= 6
EPOCHS   ?=
STEPS    ?=
# images per batch; empty: the recipe's (toon 16, classic 64)
BATCH    ?=
RESUME   ?=
# training recipe (train --recipe); empty: train's default
RECIPE   ?=
# data-parallel ranks: NP=4 trains with `mpirun -np 4` and a train built with
# -tags mpi (needs Open MPI: apt-get install libopenmpi-dev openmpi-bin)
NP       ?=
MPIRUN   ?= mpirun
# seconds Open MPI's mpirun waits after Ctrl-C before it sends the ranks
# SIGTERM, and again before SIGKILL: the ranks need a step and a save
MPIRUN_FLAGS ?= --mca odls_base_sigkill_timeout 5
# ---- recipe comparison (make recipes) ------------------------------------------
RECIPES        ?= classic toon
RECIPE_MINUTES ?= 2 4 6
RECIPE_SEEDS   ?= 1
# ---- conditional vs unconditional (make condcheck; seeds: RECIPE_SEEDS) -------
COND           ?= all
COND_MINUTES   ?= 2 4 6
COND_G         ?=
COND_MISMATCH  ?=
COND_BALANCE   ?=
COND_BALANCE_POWER ?=
# ---- sampling / eval ----------------------------------------------------------
SAMPLES  ?= 64
EVAL_N   ?= 500
# ---- extra flags passed through to each stage --------------------------------
PREP_FLAGS   ?=
TRAIN_FLAGS  ?=
SAMPLE_FLAGS ?=
EVAL_FLAGS   ?=

DATADIR  := data/$(NAME)
RUNDIR   := runs/$(NAME)
MANIFEST := $(DATADIR)/manifest.json
CKPT     := $(RUNDIR)/ckpt/latest.safetensors
GRID     := $(RUNDIR)/grid.png
INTERP   := $(RUNDIR)/interp.gif
REPORT   := $(RUNDIR)/eval/report.json

STAGES   := prep train sample eval
BINARIES := $(addprefix $(BIN)/,$(STAGES))
GOSRC    := $(shell find pkg prep train sample eval -name '*.go' -not -name '*_test.go' 2>/dev/null) go.mod go.sum

ifeq ($(strip $(DATA)),)
PREP_INPUT := --builtin $(BUILTIN)
DATA_DEPS  :=
else
PREP_INPUT := $(DATA)
# a file (archive) or every file below a folder
DATA_DEPS  := $(shell if [ -d "$(DATA)" ]; then find "$(DATA)" -type f | sed 's/ /\\ /g'; elif [ -e "$(DATA)" ]; then echo "$(DATA)"; fi)
endif

BUDGET := $(if $(MINUTES),--minutes $(MINUTES)) $(if $(EPOCHS),--epochs $(EPOCHS)) $(if $(STEPS),--steps $(STEPS))

PREP_CMD  := $(BIN)/prep --out $(DATADIR) --size $(SIZE) --seed $(SEED) --holdout $(HOLDOUT) $(PREP_FLAGS) $(PREP_INPUT)
TRAIN_BIN := $(if $(NP),$(MPIRUN) -np $(NP) $(MPIRUN_FLAGS) $(BIN)/train-mpi,$(BIN)/train)
TRAIN_CMD := $(TRAIN_BIN) --data $(DATADIR) --out $(RUNDIR) --seed $(SEED) $(if $(BATCH),--batch $(BATCH)) $(if $(RECIPE),--recipe $(RECIPE)) $(BUDGET) $(TRAIN_FLAGS)

.PHONY: help build data train sample eval all test test-short bench recipes condcheck clean distclean ci-e2e onnx-check mpi-check FORCE
.DEFAULT_GOAL := help

help:
	@echo "toongan pipeline (make -f pipeline.mk TARGET [VAR=value ...])"
	@echo
	@echo "targets:"
	@echo "  all        build, prep, train, sample and eval; prints where the results are"
	@echo "  build      the four stage binaries into $(BIN)/"
	@echo "  data       prep: DATA (folder/.zip/.tar/.tar.gz) or the built-in faces -> data/NAME/"
	@echo "  train      train on data/NAME -> runs/NAME/ckpt/ (RESUME=1 continues from latest)"
	@echo "  sample     runs/NAME/grid.png and runs/NAME/interp.gif from the latest checkpoint"
	@echo "  eval       runs/NAME/eval/report.json and report.html against the holdout"
	@echo "  test       the test suite: go test ./... with and without -tags noasm"
	@echo "  bench      speed: prep vs Pillow, SGEMM vs OpenBLAS, training step vs PyTorch"
	@echo "  mpi-check  data-parallel training under mpirun: equality with one process, resume, a killed rank"
	@echo "  onnx-check sample --export-onnx run by onnxruntime-node (npm) against sample's own images"
	@echo "  browser-test  sample serve (the explorer) driven in headless Chromium; screenshots in BROWSER_OUT"
	@echo "  recipes    RECIPES trained side by side on data/NAME, evaluated at RECIPE_MINUTES -> runs/NAME-recipes/"
	@echo "  condcheck  --cond COND (--cond-g COND_G, --cond-mismatch COND_MISMATCH, --cond-balance COND_BALANCE, --cond-balance-power COND_BALANCE_POWER: empty for train's default) vs unconditional side by side on data/NAME, COND_MINUTES -> runs/NAME-condcheck/"
	@echo "  clean      remove $(BIN)/;  distclean: also data/ and runs/"
	@echo
	@echo "variables (current value):"
	@echo "  DATA=$(DATA)  (empty: built-in cartoon faces)   NAME=$(NAME)"
	@echo "  SIZE=$(SIZE) SEED=$(SEED) HOLDOUT=$(HOLDOUT) BUILTIN=$(BUILTIN)"
	@echo "  MINUTES=$(MINUTES) EPOCHS=$(EPOCHS) STEPS=$(STEPS) BATCH=$(BATCH) RESUME=$(RESUME)"
	@echo "  NP=$(NP)  (data-parallel ranks: train under $(MPIRUN) -np NP $(MPIRUN_FLAGS))"
	@echo "  SAMPLES=$(SAMPLES) EVAL_N=$(EVAL_N) RECIPE=$(RECIPE)"
	@echo "  RECIPES=$(RECIPES) RECIPE_MINUTES=$(RECIPE_MINUTES) RECIPE_SEEDS=$(RECIPE_SEEDS)"
	@echo "  PREP_FLAGS TRAIN_FLAGS SAMPLE_FLAGS EVAL_FLAGS: extra flags for one stage"
	@echo
	@echo "examples:"
	@echo "  make -f pipeline.mk all"
	@echo "  make -f pipeline.mk all DATA=../shared/data/anime-faces-96.tar.gz MINUTES=20"
	@echo "  make -f pipeline.mk train RESUME=1 MINUTES=30 NAME=anime-faces-96"
	@echo "  make -f pipeline.mk train NP=4 BATCH=64 RECIPE=classic"

# ---- build ----------------------------------------------------------------------
build: $(BINARIES)

# Static binaries (CGO_ENABLED=0: only the net package would use cgo, for
# nothing toongan does): no libc malloc arenas in the address space, so the
# stages run, and estimate their memory, under `ulimit -v` as well.
$(BIN)/%: $(GOSRC)
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -o $@ ./$*

# train for data-parallel runs (NP=N): cgo against the system's MPI.
$(BIN)/train-mpi: $(GOSRC)
	@mkdir -p $(BIN)
	CGO_ENABLED=1 $(GO) build -tags mpi -o $@ ./train

# ---- option stamps: rewritten only when the options change ------------------------
$(DATADIR).opts: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PREP_CMD)' | cmp -s - $@ || echo '$(PREP_CMD)' > $@

$(RUNDIR)/train.opts: FORCE
	@mkdir -p $(dir $@)
	@echo '$(TRAIN_CMD)' | cmp -s - $@ || echo '$(TRAIN_CMD)' > $@

# ---- stages ---------------------------------------------------------------------
data: $(MANIFEST)

# binaries are order-only for the expensive stages: rebuilding the code does not
# re-run prep or training; changed data or options do.
$(MANIFEST): $(DATADIR).opts $(DATA_DEPS) | $(BIN)/prep
	$(PREP_CMD)

train: $(CKPT)

# Never let make delete these when a stage is interrupted: train saves a good
# checkpoint on Ctrl-C (RESUME=1 continues from it) and prep replaces its
# dataset atomically, so what exists is always whole.
.PRECIOUS: $(CKPT) $(MANIFEST)

ifneq ($(strip $(RESUME)),)
$(CKPT): FORCE
endif
# A fresh (non-RESUME) training run moves an older run's checkpoints aside to
# runs/NAME.old-TIMESTAMP instead of deleting them.
$(CKPT): $(MANIFEST) $(RUNDIR)/train.opts | $(if $(NP),$(BIN)/train-mpi,$(BIN)/train)
ifeq ($(strip $(RESUME)),)
	@if [ -d $(RUNDIR)/ckpt ]; then old=$(RUNDIR).old-$$(date +%Y%m%d-%H%M%S); mkdir -p $$old; \
	  mv $(RUNDIR)/ckpt $(RUNDIR)/log.jsonl $(RUNDIR)/grids $$old/ 2>/dev/null || true; \
	  echo "pipeline: data or options changed; previous run moved to $$old"; fi
endif
	@echo '$(TRAIN_CMD) $(if $(RESUME),--resume)'
	@$(TRAIN_CMD) $(if $(RESUME),--resume) || { rc=$$?; [ $$rc -ne 130 ] || \
	  echo "pipeline: interrupted; continue with the same make command plus RESUME=1"; exit $$rc; }

sample: $(GRID) $(INTERP)

$(GRID): $(BIN)/sample $(CKPT)
	$(BIN)/sample --ckpt $(CKPT) --n $(SAMPLES) --seed $(SEED) $(SAMPLE_FLAGS) --out $@

$(INTERP): $(BIN)/sample $(CKPT)
	$(BIN)/sample --ckpt $(CKPT) --interp 8 --seed $(SEED) $(SAMPLE_FLAGS) --out $@

eval: $(REPORT)

$(REPORT): $(BIN)/eval $(CKPT) $(MANIFEST)
	$(BIN)/eval --ckpt $(CKPT) --data $(DATADIR) --n $(EVAL_N) $(EVAL_FLAGS) --out $(RUNDIR)/eval

all: $(GRID) $(INTERP) $(REPORT)
	@echo
	@echo "toongan: results for '$(NAME)' in $(RUNDIR)/"
	@echo "  checkpoint  $(CKPT)"
	@echo "  samples     $(GRID)   $(INTERP)"
	@echo "  report      $(RUNDIR)/eval/report.html   ($(REPORT))"
	@echo "  training    $(RUNDIR)/log.jsonl   $(RUNDIR)/grids/"

# ---- checks -----------------------------------------------------------------------
test:
	$(GO) test ./...
	$(GO) test -tags noasm ./...

bench: build
	bash scripts/bench.sh

# The explorer (sample serve) driven in headless Chromium by scripts/browsertest:
# grid, slider, downloads redrawn by sample --latents, variations, interpolation,
# step slider, SIGTERM. Needs chromium (Debian: apt-get install -y chromium).
BROWSER_OUT ?= runs/browser-test
.PHONY: browser-test
browser-test: $(BIN)/sample
	$(GO) run ./scripts/browsertest --sample $(BIN)/sample --out $(BROWSER_OUT)

# Recipes side by side for equal wall time (scripts/recipes.sh); keep other
# work off the machine while it runs.
recipes: build $(MANIFEST)
	bash scripts/recipes.sh -d $(DATADIR) -o runs/$(NAME)-recipes -m "$(RECIPE_MINUTES)" -r "$(RECIPES)" \
		-s "$(RECIPE_SEEDS)" -n $(EVAL_N) -b $(BIN)

# Conditional (--cond COND) vs unconditional training side by side for equal
# wall time, with the conditioning scores (scripts/condcheck.sh; issue 11's
# acceptance: make -f pipeline.mk condcheck COND_MINUTES="10 20 30").
condcheck: build $(MANIFEST)
	bash scripts/condcheck.sh -d $(DATADIR) -o runs/$(NAME)-condcheck -m "$(COND_MINUTES)" -c "$(COND)" -g "$(COND_G)" \
		-y "$(COND_MISMATCH)" -B "$(COND_BALANCE)" -P "$(COND_BALANCE_POWER)" -s "$(RECIPE_SEEDS)" -n $(EVAL_N) -b $(BIN)

# A whole pipeline run on a tiny budget, with every output checked (used by .ci/run).
ci-e2e: build
	bash scripts/ci-e2e.sh

# The ONNX export run by onnxruntime-node against sample's own images, for
# both recipes (used by .ci/run; needs node and npm).
onnx-check: build
	bash scripts/onnx-check.sh -b $(BIN)

# Data-parallel training under MPI checked end to end (used by .ci/run;
# installs Open MPI with apt when missing, or says SKIPPED).
mpi-check:
	bash scripts/mpi-check.sh

clean:
	rm -rf $(BIN)

distclean: clean
	rm -rf data runs

FORCE:
