# toongan pipeline: prep -> train -> sample -> eval, chained by file dependencies.
#
#   make -f pipeline.mk all                      # built-in cartoon faces, end to end
#   make -f pipeline.mk all DATA=~/my-faces      # your own folder or archive
#   make -f pipeline.mk help                     # targets and variables
#
# Later issues add the train/sample/eval/all targets.

SHELL := /bin/bash
GO    ?= go
BIN   ?= bin

NAME    ?= builtin
DATA    ?=
SIZE    ?= 64
SEED    ?= 1
HOLDOUT ?= 0.05
BUILTIN ?= 20000
PREP_FLAGS ?=

DATADIR := data/$(NAME)

STAGES   := prep train sample eval
BINARIES := $(addprefix $(BIN)/,$(STAGES))
GOSRC    := $(shell find pkg prep train sample eval -name '*.go' 2>/dev/null) go.mod go.sum

.PHONY: help build data test test-noasm clean

help:
	@echo "toongan pipeline targets:"
	@echo "  build      build the stage binaries into $(BIN)/"
	@echo "  data       run prep: DATA (folder/archive) or the built-in faces -> $(DATADIR)/"
	@echo "  test       go test ./... (and the noasm build)"
	@echo "  clean      remove $(BIN)/ (data/ and runs/ are kept)"
	@echo "variables: NAME=$(NAME) DATA=$(DATA) SIZE=$(SIZE) SEED=$(SEED) HOLDOUT=$(HOLDOUT) BUILTIN=$(BUILTIN) PREP_FLAGS=..."

build: $(BINARIES)

$(BIN)/%: $(GOSRC)
	@mkdir -p $(BIN)
	$(GO) build -o $@ ./$*

test:
	$(GO) test ./...
	$(GO) test -tags noasm ./pkg/kernels/... ./pkg/nn/...

clean:
	rm -rf $(BIN)
