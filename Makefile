# Backprop: the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
DATA  ?= /usr/share/datasets/fashion-mnist
BIN   := .build/release/backprop
EPOCHS ?= 10

## Temporary files of the builds, the tools and the tests go under .build/tmp, not /tmp, and
## what the tests add there is checked: every test removes what it made. (One TMPDIR for all,
## left as it is: SwiftPM rebuilds everything when `swift test` runs with another, or when
## the build's files there are removed.)
export TMPDIR := $(CURDIR)/.build/tmp
$(shell mkdir -p $(TMPDIR))
TMP_BEFORE := scripts/checks/nothing-left.sh before $(TMPDIR)
NOTHING_LEFT := scripts/checks/nothing-left.sh after $(TMPDIR)

.PHONY: all check deps deps-data deps-bench deps-browser playground build release test docs docs-check demo bench bench-avx2 bench-peers fuzz stress-faults clean

all: build

deps:
	@scripts/install-deps.sh

deps-data:
	@scripts/install-deps.sh --data

deps-bench:
	@scripts/install-deps.sh --bench

deps-browser:
	@scripts/install-deps.sh --browser

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

CONTRACT ?= ../shared/contract/check-cli.sh
## pytest's temporary folders go under .build, not /tmp (make test leaves nothing in /tmp).
PYTEST = $$(scripts/python-env.sh) -m pytest -q -p no:cacheprovider --basetemp=.build/pytest

## The inner loop: a debug build, the Swift tests (every target, the live servers included)
## and the fast Python tests (interoperability with NumPy, safetensors and ONNX Runtime,
## hostile input files, the playground's API). No sanitizers, browser or fuzzing.
check: deps
	$(SWIFT) build --build-tests
	$(TMP_BEFORE)
	$(SWIFT) test --skip-build
	BACKPROP=.build/debug/backprop $(PYTEST) Tests/Python
	$(NOTHING_LEFT)

## Every test, as CI runs it: `make check`, then the Swift tests again under AddressSanitizer
## and the library's under ThreadSanitizer, the playground's page in headless Chromium
## (Tests/Browser, which leaves its screenshots in out/screenshots), the commands shown in
## README.md and docs/ (scripts/check-doc-commands.sh), the documentation check (docs-check),
## 5 s of fuzzing per reader (scripts/fuzz.sh), then the command-line contract check when
## the shared folder is beside the checkout.
## The sanitizer passes build without the default traits (no HTTP server, no MPI):
## Hummingbird and SwiftNIO would cost each pass minutes of compiling, the server's code is
## checked for data races at compile time (Swift 6), and its tests and MPI's run in the first
## pass. Leak reports are off under ASan: Foundation's file reader leaks on empty files, which
## is not ours to fix. ThreadSanitizer checks Backprop's helper threads, which split products,
## matrix-vector products and optimizer steps (LinearAlgebra/Parallel.swift); a data race
## fails the run. That pass builds the test bundle alone, not the executables.
ASAN := ASAN_OPTIONS=detect_leaks=0
## The ASan pass skips FaultTests: they SIGKILL a writer and fill a tmpfs, behaviour the first
## pass checks. Built without MPI, it checks that `train --distributed` says so instead.
## Both sanitizer passes skip the bfloat16 accuracy test (twelve small networks trained, the
## longest test of the suite): its code runs under them in the other mixed-precision tests,
## and the first pass checks the accuracy.
ASAN_SKIP := --skip FaultTests --skip accuracyMatchesFloat32
TSAN_SKIP := --skip accuracyMatchesFloat32
NO_DEFAULT_TRAITS := --disable-default-traits
## The documentation's commands run as two jobs at once, one per core: the files with the
## longest trainings (no servers among them), and the others (servers on fixed ports, run one
## file after another). Each file has a scratch folder of its own.
DOCS_LONG := docs/command-line.md docs/distributed.md
DOC_COMMANDS = scripts/check-doc-commands.sh .build/debug/backprop $(DOCS_LONG) >.build/doc-commands.log 2>&1 & long=$$!; \
	scripts/check-doc-commands.sh .build/debug/backprop $(filter-out $(DOCS_LONG),README.md $(wildcard docs/*.md)); rest=$$?; \
	wait $$long; status=$$?; cat .build/doc-commands.log; [ $$rest -eq 0 ] && [ $$status -eq 0 ]
TSAN := TSAN_OPTIONS=halt_on_error=1
test: deps deps-data deps-browser
	$(MAKE) --no-print-directory check
	$(ASAN) $(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan $(NO_DEFAULT_TRAITS)
	$(TMP_BEFORE)
	$(ASAN) $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan $(NO_DEFAULT_TRAITS) $(ASAN_SKIP)
	$(SWIFT) build --product BackpropPackageTests --sanitize=thread --scratch-path .build-tsan $(NO_DEFAULT_TRAITS)
	$(TSAN) $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan $(NO_DEFAULT_TRAITS) --filter 'BackpropTests\.' $(TSAN_SKIP)
	BACKPROP=.build/debug/backprop SCREENSHOTS=out/screenshots $(PYTEST) Tests/Browser
	$(DOC_COMMANDS)
	$(NOTHING_LEFT)
	python3 scripts/checks/source-rules.py
	$(MAKE) --no-print-directory docs-check
	FUZZ_SECONDS=5 scripts/fuzz.sh
	@if [ -f $(CONTRACT) ]; then bash $(CONTRACT) .build/debug/backprop; \
	else echo "note: $(CONTRACT) not found; command-line contract check not run"; fi

## The playground (`backprop playground`): an interactive page at http://127.0.0.1:8080/.
playground: release
	$(BIN) playground

## The DocC catalog as a static site in out/docs (open out/docs/index.html through a web
## server, e.g. `python3 -m http.server -d out/docs`, then /documentation/backprop).
docs: deps
	@mkdir -p out && rm -rf out/docs
	$(SWIFT) package --allow-writing-to-directory out/docs generate-documentation --target Backprop \
	  --warnings-as-errors --transform-for-static-hosting --output-path out/docs
	@echo "documentation written to out/docs (start page: documentation/backprop/index.html)"

## What `make test` checks of the documentation: DocC builds the catalog with warnings as
## errors (broken symbol links, undocumented parameters), and every public symbol of
## Backprop has a doc comment.
## The symbol graph checked is the one DocC's plugin extracts for the catalog (public
## symbols; `swift package dump-symbol-graph` would build the same file a second time).
## DocC writes them under a folder named after the checkout's folder, hence the second `*`.
SYMBOLS := .build/*/extracted-symbols/*/Backprop
docs-check: deps
	rm -rf $(SYMBOLS)
	$(SWIFT) package generate-documentation --target Backprop --warnings-as-errors >.build/docc.log 2>&1 \
	  || { grep -E "warning|error" .build/docc.log; exit 1; }
	python3 scripts/docs/undocumented.py $(SYMBOLS)/Backprop.symbols.json

TRAIN := $(DATA)/train-images-idx3-ubyte.gz
TEST  := $(DATA)/t10k-images-idx3-ubyte.gz
MODEL := out/fashion-mlp.safetensors

## 1. The lecture's network — [784, 30, 10], sigmoid, quadratic cost, plain SGD with η = 3
##    and mini-batches of 10, N(0, 1) initialization — on the full Fashion-MNIST, printing
##    test accuracy after each epoch.
## 2. A modern MLP — 784-256-128-10, ReLU, dropout 0.2, Adam, cosine schedule — trained,
##    saved, evaluated and used for prediction from the saved model.
demo: deps-data release
	@echo "== The lecture's network =="
	$(BIN) train $(TRAIN) --test $(TEST) \
	  --hidden 30 --activation sigmoid --output-activation sigmoid --loss quadratic \
	  --optimizer sgd --learning-rate 3 --batch-size 10 --init normal --epochs $(EPOCHS) --seed 1
	@echo; echo "== A modern MLP: train, save, evaluate, predict =="
	@mkdir -p out
	$(BIN) train $(TRAIN) --test $(TEST) --hidden 256,128 --activation relu --dropout 0.2 \
	  --optimizer adam --batch-size 64 --epochs 20 --schedule cosine --seed 1 \
	  --output $(MODEL) --plot out/fashion-mlp.svg
	$(BIN) evaluate $(MODEL) $(TEST)
	$(BIN) predict $(MODEL) $(TEST) --probabilities --output out/predictions.csv
	@echo "predictions for $$(($$(wc -l < out/predictions.csv) - 1)) test images in out/predictions.csv; first rows:"
	@head -4 out/predictions.csv

PEERS_PYTHON ?= $(HOME)/.peers-venv/bin/python

BENCH := LD_PRELOAD=$$(ls Benchmarks/.build/release/libMallocInterposerSwift.so) Benchmarks/.build/release/backprop-bench \
  $$( [ -x $(PEERS_PYTHON) ] && echo --peers $(PEERS_PYTHON) )
## An AVX2-only machine, emulated: Backprop's AVX2 kernels, and every peer and engine told the same.
AVX2_ONLY := BACKPROP_ISA=avx2 OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 \
  XLA_FLAGS=--xla_cpu_max_isa=AVX2 BLIS_ARCH_TYPE=haswell DNNL_MAX_CPU_ISA=AVX2 ONEDNN_MAX_CPU_ISA=AVX2

## Runs W1–W4 with Backprop beside the PyTorch, NumPy and JAX peers (when installed: make
## bench-peers) in interleaved rounds and prints the FMA peak, the matrix-product engine
## comparison, one table and the targets as median ratios; on an AVX-512 machine the same
## again limited to AVX2; on an AMX one W2–W4 again with the AMX kernels (BACKPROP_ISA=amx); then a width and batch-size sweep, W2 through `backprop train` in
## fresh processes (automatic engine against Backprop's kernels alone), data-parallel scaling over MPI
## (W2, W3 on 1 and 2 processes), the load test of `backprop serve` (wrk at concurrency 1,
## 16 and 64 on W4's model), and whether a page following a playground run slows its training.
bench: deps-bench
	$(SWIFT) build -c release --package-path Benchmarks --product backprop-bench
	$(BENCH) --sweep
	if grep -qw avx512f /proc/cpuinfo; then $(MAKE) --no-print-directory bench-avx2; \
	else echo "This CPU has no AVX-512: the figures above are AVX2's."; fi
	if grep -qw amx_bf16 /proc/cpuinfo; then BACKPROP_ISA=amx $(BENCH) --no-engine-comparison --workloads W2,W3,W4; \
	else echo "This CPU has no AMX: no amx-bf16 rows."; fi
	scripts/bench-cli.sh
	scripts/bench-distributed.sh
	scripts/bench-serve.sh
	scripts/bench-playground.sh

## W1–W4 and the engine comparison as on an AVX2-only machine.
bench-avx2: deps-bench
	$(SWIFT) build -c release --package-path Benchmarks --product backprop-bench
	$(AVX2_ONLY) $(BENCH)

## Installs the peers (PyTorch, NumPy, JAX) in ~/.peers-venv, with the MKL and newer OpenBLAS
## wheels the engine comparison loads.
bench-peers:
	VENV=$(abspath $(dir $(PEERS_PYTHON))..) bash Benchmarks/Peers/setup.sh
	$(dir $(PEERS_PYTHON))pip install -q mkl scipy-openblas32

## Fuzzes the CSV, IDX and model-file readers (FUZZ_SECONDS per reader, default 60).
fuzz: deps
	scripts/fuzz.sh

## Runs the fault tests 20 times in a row while a release build loads both cores.
stress-faults: deps
	scripts/stress-fault-tests.sh 20

clean:
	rm -rf .build .build-fuzz .build-asan .build-tsan Benchmarks/.build
